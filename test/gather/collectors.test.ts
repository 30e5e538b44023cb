// Collector recognition by distribution (src/otel/distributions.ts) and by mounted config; the image's
// default config path; the upstream version of a vendor release; config sources split into broken and unknown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/cluster/types.ts';
import { collectorConfig } from '../../src/gather/config.ts';
import { agentNotes, findCollectorPods } from '../../src/gather/discover.ts';
import { lintTexts } from '../../src/lint/index.ts';
import { collectorVersionOf } from '../../src/otel/version.ts';

const CONFIG = 'receivers:\n  otlp:\n    protocols:\n      grpc: {endpoint: 0.0.0.0:4317}\nexporters:\n  debug: {}\nservice:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [debug]}\n';
const cm = (data: Record<string, string>, name = 'cfg'): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data }) as KObject;

function pod(container: Record<string, unknown>, volumes: unknown[] = [{ name: 'cfg', configMap: { name: 'cfg' } }]): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', labels: {} }, spec: { containers: [{ name: 'c', ...container }], volumes } } as KObject;
}

const recognised = (p: KObject, configMaps?: KObject[]): string[] => findCollectorPods([p], () => true, configMaps).map((c) => `${c.container.name} ${c.matchedBy.join(',')}`);

test('vendor distributions are collectors by image; agents and plain apps are not', () => {
  for (const image of ['quay.io/signalfx/splunk-otel-collector:0.96.0', 'public.ecr.aws/aws-observability/aws-otel-collector:v0.41.0', 'ghcr.io/dynatrace/dynatrace-otel-collector/dynatrace-otel-collector:0.20.0', 'signoz/signoz-otel-collector:0.111.0', 'newrelic/nrdot-collector-k8s:1.0.0', 'docker.elastic.co/elastic-agent/elastic-otel-collector:9.1.0', 'my-registry/custom-otelcol:1.0']) {
    assert.deepEqual(recognised(pod({ image })), ['c image'], image);
  }
  for (const image of ['grafana/alloy:v1.5.0', 'jaegertracing/jaeger:2.19.0', 'nginx:1.27']) {
    assert.deepEqual(recognised(pod({ image })), [], image);
  }
  // The Elastic Agent image runs the collector only in otel mode.
  assert.deepEqual(recognised(pod({ image: 'docker.elastic.co/elastic-agent/elastic-agent:9.1.0' })), []);
  assert.deepEqual(recognised(pod({ image: 'docker.elastic.co/elastic-agent/elastic-agent:9.1.0', args: ['otel', '--config=/etc/otel.yml'] })), ['c image']);
});

test('a custom build is a collector when its --config is a mounted collector config; a known agent stays an agent', () => {
  const custom = pod({ image: 'registry.example.com/team/telemetry-gw:3.2', args: ['--config=/conf/config.yaml'], volumeMounts: [{ name: 'cfg', mountPath: '/conf' }] });
  assert.deepEqual(recognised(custom), []);
  assert.deepEqual(recognised(custom, [cm({ 'config.yaml': CONFIG })]), ['c config']);
  assert.deepEqual(recognised(custom, [cm({ 'config.yaml': 'server:\n  port: 8080\n' })]), []);
  const jaeger = pod({ image: 'jaegertracing/jaeger:2.19.0', args: ['--config', '/conf/config.yaml'], volumeMounts: [{ name: 'cfg', mountPath: '/conf' }] });
  assert.deepEqual(recognised(jaeger, [cm({ 'config.yaml': CONFIG })]), []);
  assert.deepEqual(agentNotes([jaeger]), ['Pod default/p container c runs Jaeger (jaegertracing/jaeger:2.19.0): Tracing backend that also accepts OTLP; not analysed as a collector.']);
});

test('the version for the 0.104 default is the upstream core a vendor release pins; unmapped releases say why', () => {
  assert.deepEqual(collectorVersionOf('otel/opentelemetry-collector-contrib:0.111.0'), { version: '0.111.0', distribution: 'otelcol-contrib' });
  const splunk = collectorVersionOf('quay.io/signalfx/splunk-otel-collector:0.96.0');
  assert.equal(splunk.version, '0.95.0');
  assert.match(splunk.reason ?? '', /0\.96\.0 is built on upstream collector 0\.95\.0/);
  const latest = collectorVersionOf('public.ecr.aws/aws-observability/aws-otel-collector:latest');
  assert.equal(latest.version, null);
  assert.match(latest.reason ?? '', /AWS Distro .*tag "latest" names no release/);
  assert.deepEqual(collectorVersionOf('my-otelcol:1.2.3'), { version: '1.2.3' });
});

const sources = (p: KObject, configMaps: KObject[] = [], env: Record<string, string> = {}) => {
  const r = collectorConfig(p, (p.spec as any).containers[0], env, new Map(configMaps.map((c) => [`default/${c.metadata.name}`, c])));
  return { sources: r.sources.map(({ kind, arg, error, unknown }) => ({ kind, arg, error, unknown })), config: r.effectiveConfig !== null };
};

test("no command or args: the image's default --config applies, and a ConfigMap mounted there is the config", () => {
  const contrib = { image: 'otel/opentelemetry-collector-contrib:0.111.0' };
  // subPath at the file, as operator-no-crds mounts it
  const subPath = sources(pod({ ...contrib, volumeMounts: [{ name: 'cfg', mountPath: '/etc/otelcol-contrib/config.yaml', subPath: 'config.yaml' }] }), [cm({ 'config.yaml': CONFIG })]);
  assert.deepEqual(subPath, { sources: [{ kind: 'configMap', arg: 'OpenTelemetry Collector Contrib default --config /etc/otelcol-contrib/config.yaml', error: undefined, unknown: undefined }], config: true });
  // a directory holding the file
  assert.equal(sources(pod({ ...contrib, volumeMounts: [{ name: 'cfg', mountPath: '/etc/otelcol-contrib' }] }), [cm({ 'config.yaml': CONFIG })]).config, true);
  // nothing mounted: the file baked into the image, unknown
  assert.match(sources(pod(contrib)).sources[0].unknown ?? '', /no volume is mounted at \/etc\/otelcol-contrib\/config\.yaml: the file comes from the image/);
  // args without --config replace the CMD, and the upstream binary has no default: it cannot start
  assert.match(sources(pod({ ...contrib, args: ['--feature-gates=x'] })).sources[0].error ?? '', /at least one config flag must be provided/);
  // a command of the pod's own: what it runs is unknown, not invalid
  assert.match(sources(pod({ ...contrib, command: ['/bin/sh', '-c', 'exec /otelcol-contrib "$@"'] })).sources[0].unknown ?? '', /replace the image CMD/);
  // k8s and otlp images have no CMD: the binary refuses to start without a config flag
  assert.match(sources(pod({ image: 'otel/opentelemetry-collector-k8s:0.111.0' })).sources[0].error ?? '', /at least one config flag must be provided/);
  // Dynatrace's CMD names /etc/otelcol/config.yaml, but the image ships no file there: it must be mounted
  const dynatrace = 'ghcr.io/dynatrace/dynatrace-otel-collector/dynatrace-otel-collector:0.20.0';
  assert.match(sources(pod({ image: dynatrace })).sources[0].error ?? '', /ships no file at \/etc\/otelcol\/config\.yaml/);
  assert.equal(sources(pod({ image: dynatrace, volumeMounts: [{ name: 'cfg', mountPath: '/etc/otelcol' }] }), [cm({ 'config.yaml': CONFIG })]).config, true);
});

test('config sources: broken (collector-config-invalid) versus unknown (checks skipped)', () => {
  const mounted = (args: string[], volumes?: unknown[]) => pod({ image: 'otel/opentelemetry-collector:0.111.0', args, volumeMounts: [{ name: 'cfg', mountPath: '/conf' }] }, volumes);
  assert.match(sources(mounted(['--config=/conf/relay.yaml']), [cm({ other: CONFIG })]).sources[0].error ?? '', /has no key relay\.yaml/);
  assert.match(sources(mounted(['--config=/conf'])).sources[0].error ?? '', /is a directory/);
  assert.match(sources(mounted(['--config=/conf/config.yaml'], [{ name: 'cfg', emptyDir: {} }])).sources[0].unknown ?? '', /not a ConfigMap \(emptyDir\)/);
  assert.match(sources(mounted(['--config=https://example.com/c.yaml'])).sources[0].unknown ?? '', /over HTTP/);
  assert.match(sources(mounted(['--config=env:MISSING'])).sources[0].error ?? '', /MISSING is not set/);
  // one unknown source: the others alone are not the config the collector runs
  assert.equal(sources(mounted(['--config=/conf/config.yaml', '--config=https://example.com/c.yaml']), [cm({ 'config.yaml': CONFIG })]).config, false);
});

test("ADOT's AOT_CONFIG_CONTENT replaces every --config; Splunk's SPLUNK_CONFIG names the file", () => {
  const adot = pod({ image: 'public.ecr.aws/aws-observability/aws-otel-collector:v0.41.0', args: ['--config=/etc/x.yaml'], env: [{ name: 'AOT_CONFIG_CONTENT', value: CONFIG }] });
  assert.deepEqual(sources(adot, [], { AOT_CONFIG_CONTENT: CONFIG }), { sources: [{ kind: 'env', arg: 'AOT_CONFIG_CONTENT (AWS Distro for OpenTelemetry Collector (ADOT))', error: undefined, unknown: undefined }], config: true });
  // credentials from a Secret are no sign of a config in AOT_CONFIG_CONTENT: the --config file stays the config
  const creds = pod({ image: 'public.ecr.aws/aws-observability/aws-otel-collector:v0.41.0', args: ['--config=/conf/config.yaml'], envFrom: [{ secretRef: { name: 'aws-creds' } }], volumeMounts: [{ name: 'cfg', mountPath: '/conf' }] });
  assert.deepEqual(sources(creds, [cm({ 'config.yaml': CONFIG })]), { sources: [{ kind: 'configMap', arg: '/conf/config.yaml', error: undefined, unknown: undefined }], config: true });
  const splunk = pod({ image: 'quay.io/signalfx/splunk-otel-collector:0.96.0', env: [{ name: 'SPLUNK_CONFIG', value: '/conf/relay.yaml' }], volumeMounts: [{ name: 'cfg', mountPath: '/conf' }] });
  assert.deepEqual(sources(splunk, [cm({ 'relay.yaml': CONFIG })], { SPLUNK_CONFIG: '/conf/relay.yaml' }).sources[0].arg, 'SPLUNK_CONFIG=/conf/relay.yaml');
});

test('lint: chart values without `config` are values (the chart default config), and CRs get the operator Services', () => {
  const values = lintTexts([{ file: 'values.yaml', text: 'mode: statefulset\nimage:\n  repository: otel/opentelemetry-collector-k8s\n' }]);
  assert.deepEqual(values.errors, []);
  assert.deepEqual(values.report.collectors.map((c) => c.workload), ['StatefulSet/release-opentelemetry-collector']);
  const cr = lintTexts([{ file: 'cr.yaml', text: 'apiVersion: opentelemetry.io/v1beta1\nkind: OpenTelemetryCollector\nmetadata: {name: kafka, namespace: obs}\nspec:\n  config:\n    receivers: {kafka: {brokers: ["k:9092"]}}\n    exporters: {debug: {}}\n    service: {pipelines: {logs: {receivers: [kafka], exporters: [debug]}}}\n' }]);
  // No receiver port: no -collector Service, but the monitoring one always (and no service-missing).
  const services = cr.snapshots[0].services.map((s) => `${s.name} ${s.ports.map((p) => p.port).join(',')} ${s.matchedCollectorPods.length}`);
  assert.deepEqual(services, ['kafka-collector-monitoring 8888 1']);
  assert.deepEqual(cr.report.findings.filter((f) => f.severity !== 'info').map((f) => f.rule), []);
});

test('lint: an Alloy resource of the alloy-operator is named as not analysed', () => {
  const r = lintTexts([{ file: 'alloy.yaml', text: 'apiVersion: collectors.grafana.com/v1alpha1\nkind: Alloy\nmetadata: {name: k8smon-alloy, namespace: default}\nspec: {}\n' }]);
  assert.deepEqual(r.report.notes, ['Alloy default/k8smon-alloy (collectors.grafana.com) runs Grafana Alloy: Embeds collector components but is configured in Alloy syntax (/etc/alloy/config.alloy); not analysed.']);
});
