import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applySet, buildEffectiveConfig, collectorModel, startedReceivers, unusedReceivers } from '../../src/otel/config.ts';
import { expandEnv } from '../../src/otel/envexpand.ts';
import { parseOtlpUrl } from '../../src/otel/endpoint.ts';
import { appExports, defaultProtocol } from '../../src/otel/sdk.ts';
import { versionFromImage } from '../../src/otel/version.ts';
import type { CollectorPod } from '../../src/snapshot.ts';

test('env expansion: ${env:X}, ${X}, ${env:X:-d}, $$, unset -> empty', () => {
  const env = { MY_POD_IP: '10.0.0.5' };
  assert.equal(expandEnv('${env:MY_POD_IP}:4317', env).value, '10.0.0.5:4317');
  assert.equal(expandEnv('${MY_POD_IP}:4317', env).value, '10.0.0.5:4317');
  assert.equal(expandEnv('${env:HOST:-0.0.0.0}:4317', env).value, '0.0.0.0:4317');
  assert.equal(expandEnv('$${env:MY_POD_IP}', env).value, '${env:MY_POD_IP}');
  const u = expandEnv('${env:NOPE}:4317', env);
  assert.equal(u.value, ':4317');
  assert.deepEqual(u.unset, ['NOPE']);
});

test('--config merge order (later wins, maps merge, lists replace) and --set', () => {
  const cfg = buildEffectiveConfig(
    ['receivers: {otlp: {protocols: {grpc: {endpoint: "localhost:4317"}}}}\nservice: {pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}', 'receivers: {otlp: {protocols: {http: {}}}}\nservice: {pipelines: {traces: {receivers: [otlp, zipkin]}}}'],
    ['receivers::otlp::protocols::grpc::endpoint=0.0.0.0:4317'],
  ) as any;
  assert.equal(cfg.receivers.otlp.protocols.grpc.endpoint, '0.0.0.0:4317');
  assert.deepEqual(cfg.receivers.otlp.protocols.http, {});
  assert.deepEqual(cfg.service.pipelines.traces.receivers, ['otlp', 'zipkin']);
  assert.deepEqual(cfg.service.pipelines.traces.exporters, ['debug']);
  assert.equal((applySet({}, '--set=service.telemetry.logs.level=debug') as any).service.telemetry.logs.level, 'debug');
});

test('only receivers in pipelines start', () => {
  const cfg = { receivers: { otlp: {}, jaeger: {} }, service: { pipelines: { traces: { receivers: ['otlp'] } } } };
  assert.deepEqual(startedReceivers(cfg).map((r) => r.id), ['otlp']);
  assert.deepEqual(unusedReceivers(cfg), ['jaeger']);
});

function pod(version: string | null, grpc: unknown, extra: Partial<CollectorPod> = {}): CollectorPod {
  return {
    namespace: 'o', pod: 'p', container: 'c', image: 'x', version, labels: {}, ready: true, restarts: 0, configSources: [], containerPorts: [],
    effectiveConfig: { receivers: { otlp: { protocols: { grpc } } }, extensions: { health_check: {} }, service: { extensions: ['health_check'], pipelines: { traces: { receivers: ['otlp'] } } } },
    ...extra,
  };
}

test('defaults by version: localhost from 0.104.0, 0.0.0.0 before; health_check likewise', () => {
  const a = collectorModel(pod('0.104.0', {}))!;
  assert.equal(a.receivers[0].effective, 'localhost:4317');
  assert.equal(a.receivers[0].class, 'loopback');
  assert.equal(a.healthCheck?.effective, 'localhost:13133');
  const b = collectorModel(pod('0.103.1', null))!;
  assert.equal(b.receivers[0].effective, '0.0.0.0:4317');
  assert.equal(b.healthCheck?.class, 'all-interfaces');
});

test('operator defaulting: >= 0.110 empty or host-less -> 0.0.0.0, never explicit localhost; >= 0.122 health_check', () => {
  const op = (v: string, grpc: unknown) => collectorModel(pod('0.111.0', grpc, { managedBy: { operator: 'opentelemetry-operator', version: v } }))!;
  assert.equal(op('0.110.0', {}).receivers[0].effective, '0.0.0.0:4317');
  assert.equal(op('0.110.0', { endpoint: ':4317' }).receivers[0].effective, '0.0.0.0:4317');
  assert.equal(op('0.110.0', { endpoint: 'localhost:4317' }).receivers[0].class, 'loopback');
  assert.equal(op('0.109.0', {}).receivers[0].class, 'loopback');
  assert.equal(op('0.110.0', {}).healthCheck?.class, 'loopback');
  assert.equal(op('0.122.0', {}).healthCheck?.effective, '0.0.0.0:13133');
});

test('pod-IP binding is classified pod-ip with or without the value', () => {
  const withVal = collectorModel(pod('0.120.0', { endpoint: '${env:MY_POD_IP}:4317' }, { podIP: '10.1.1.1', env: { MY_POD_IP: '10.1.1.1' }, envFieldRefs: { MY_POD_IP: 'status.podIP' } }))!;
  assert.equal(withVal.receivers[0].class, 'pod-ip');
  assert.equal(withVal.receivers[0].effective, '10.1.1.1:4317');
  const lint = collectorModel(pod('0.120.0', { endpoint: '${env:MY_POD_IP}:4317' }, { envFieldRefs: { MY_POD_IP: 'status.podIP' } }))!;
  assert.equal(lint.receivers[0].class, 'pod-ip');
});

test('versions from image tags; latest and digests are unknown', () => {
  assert.equal(versionFromImage('otel/opentelemetry-collector-contrib:0.111.0'), '0.111.0');
  assert.equal(versionFromImage('ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s:0.120.1'), '0.120.1');
  assert.equal(versionFromImage('registry:5000/otelcol:latest'), null);
  assert.equal(versionFromImage('otel/opentelemetry-collector@sha256:abcd'), null);
  assert.equal(versionFromImage('registry:5000/otelcol'), null);
});

test('OTLP URL parsing and per-signal paths', () => {
  const u = parseOtlpUrl('http://otel-collector.observability:4318/');
  assert.deepEqual([u.scheme, u.host, u.port, u.path], ['http', 'otel-collector.observability', 4318, '/']);
  assert.deepEqual([parseOtlpUrl('collector:4317').scheme, parseOtlpUrl('collector:4317').port], [null, 4317]);
  assert.equal(parseOtlpUrl('https://otlp.example.com').impliedPort, 443);
  assert.equal(parseOtlpUrl('http://[::1]:4317').host, '::1');
  const ex = appExports({ namespace: 'a', pod: 'p', container: 'c', sdk: { language: 'node', from: 't' }, exporter: { endpoint: { value: 'http://c:4318', env: 'OTEL_EXPORTER_OTLP_ENDPOINT', origin: 'value' }, signals: { metrics: { endpoint: { value: 'http://m:4318/custom', env: 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', origin: 'value' } } } } });
  assert.deepEqual(ex.map((e) => e.url), ['http://c:4318/v1/traces', 'http://m:4318/custom', 'http://c:4318/v1/logs']);
});

test('SDK default protocols (issue 3 table)', () => {
  const d = (language: any, flavour?: any) => defaultProtocol({ language, flavour, from: 't' }).protocol;
  assert.equal(d('java', 'sdk'), 'grpc');
  assert.equal(d('java', 'agent'), 'http/protobuf');
  assert.equal(d('python'), 'grpc');
  assert.equal(d('dotnet', 'sdk'), 'grpc');
  assert.equal(d('dotnet', 'auto'), 'http/protobuf');
  assert.equal(d('node'), 'http/protobuf');
  assert.equal(d('php'), 'http/protobuf');
  assert.equal(d('ruby'), 'http/protobuf');
  assert.equal(d('go'), null);
});
