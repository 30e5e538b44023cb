/** The collector's own metrics: the Prometheus text parser, the telemetry endpoint per version, the read phase. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrometheusText, sumOf } from '../../src/otel/prometheus.ts';
import { metricsTargets, proxyPath, readCollectorMetrics, telemetryEndpoint } from '../../src/gather/metrics.ts';
import { ApiError } from '../../src/errors.ts';
import type { CollectorPod, LogEvidence } from '../../src/snapshot.ts';
import { FakeClusterClient } from './fake-client.ts';

// OpenCensus era, as pasted in open-telemetry/opentelemetry-collector-contrib#1621 and #20288 (v0.71.0).
const OPENCENSUS = `# HELP otelcol_exporter_send_failed_spans Number of spans in failed attempts to send to destination.
# TYPE otelcol_exporter_send_failed_spans counter
otelcol_exporter_send_failed_spans{exporter="logging",service_instance_id="2fc3d209-3a14-4954-b484-dfcd43bb793d"} 0
# HELP otelcol_exporter_sent_spans Number of spans successfully sent to destination.
# TYPE otelcol_exporter_sent_spans counter
otelcol_exporter_sent_spans{exporter="logging",service_instance_id="2fc3d209-3a14-4954-b484-dfcd43bb793d"} 2
otelcol_exporter_enqueue_failed_log_records{exporter="otlphttp",service_instance_id="043e1adc-b120-4022-9cfb-69364ef337e9",service_name="otelcol-contrib",service_version="0.71.0"} 0
`;

// The OpenTelemetry Go prometheus exporter without WithoutTypeSuffix: counters end in _total.
const OTEL_SDK = `# HELP otelcol_exporter_send_failed_spans_total Number of spans in failed attempts to send to destination. [alpha]
# TYPE otelcol_exporter_send_failed_spans_total counter
otelcol_exporter_send_failed_spans_total{exporter="otlp/backend",service_instance_id="x",service_name="otelcol-contrib",service_version="0.111.0"} 120
otelcol_exporter_send_failed_spans_total{exporter="debug",service_name="otelcol-contrib"} 0
# TYPE otelcol_exporter_queue_size gauge
otelcol_exporter_queue_size{data_type="traces",exporter="otlp/backend"} 1000
otelcol_exporter_queue_capacity{data_type="traces",exporter="otlp/backend"} 1000
otelcol_receiver_refused_spans_total{receiver="otlp",transport="grpc"} 37 1733400000000
otelcol_process_uptime{service_name="otelcol-contrib"} 1.2e+02
weird{a="x\\"y\\\\z\\n",b="2"} +Inf
broken{a="unterminated} 1
`;

test('Prometheus text: samples, labels with escapes, timestamps, both counter spellings', () => {
  const oc = parsePrometheusText(OPENCENSUS);
  assert.equal(oc.length, 3);
  assert.equal(sumOf(oc, 'otelcol_exporter_sent_spans', { exporter: 'logging' }), 2);
  const sdk = parsePrometheusText(OTEL_SDK);
  assert.equal(sumOf(sdk, 'otelcol_exporter_send_failed_spans', { exporter: 'otlp/backend' }), 120);
  assert.equal(sumOf(sdk, 'otelcol_exporter_send_failed_spans'), 120);
  assert.equal(sumOf(sdk, 'otelcol_receiver_refused_spans', { receiver: 'otlp' }), 37);
  assert.equal(sumOf(sdk, 'otelcol_process_uptime'), 120);
  assert.equal(sumOf(sdk, 'otelcol_exporter_queue_size', { exporter: 'nope' }), undefined);
  // v0.130.0's pull readers doubled the unit (#13449): the same series.
  assert.equal(sumOf(parsePrometheusText('otelcol_exporter_sent_spans__spans__total{exporter="otlp"} 9\n'), 'otelcol_exporter_sent_spans', { exporter: 'otlp' }), 9);
  const weird = sdk.find((s) => s.name === 'weird');
  assert.deepEqual(weird?.labels, { a: 'x"y\\z\n', b: '2' });
  assert.equal(weird?.value, Number.POSITIVE_INFINITY);
  assert.equal(sdk.some((s) => s.name === 'broken'), false);
});

function collector(over: Partial<CollectorPod> = {}): CollectorPod {
  return {
    namespace: 'observability', pod: 'otel-0', container: 'otel', image: 'otel/opentelemetry-collector-contrib:0.111.0', version: '0.111.0',
    labels: {}, ready: true, restarts: 0, configSources: [], containerPorts: [], podIP: '10.244.1.7', phase: 'Running',
    owner: { kind: 'Deployment', namespace: 'observability', name: 'otel' },
    effectiveConfig: { receivers: { otlp: { protocols: { grpc: {} } } }, exporters: { debug: {} }, service: { pipelines: { traces: { receivers: ['otlp'], exporters: ['debug'] } } } },
    ...over,
  };
}

const withTelemetry = (metrics: Record<string, unknown>): CollectorPod['effectiveConfig'] => ({ service: { telemetry: { metrics }, pipelines: {} } });

test('telemetry endpoint: the default per version, readers, address up to 0.122, level none, env expansion', () => {
  assert.deepEqual(telemetryEndpoint(collector()), { notRun: { reason: 'loopback', detail: "the telemetry endpoint localhost:8888 (the default from 0.111 (localhost:8888)) listens on loopback only: the API server's pod proxy dials the pod IP" } });
  const old = telemetryEndpoint(collector({ version: '0.110.0' }));
  assert.ok(!('notRun' in old));
  assert.equal(old.endpoint, ':8888');
  const readers = telemetryEndpoint(collector({ env: { MY_POD_IP: '10.244.1.7' }, effectiveConfig: withTelemetry({ readers: [{ pull: { exporter: { prometheus: { host: '${env:MY_POD_IP}', port: 8888 } } } }] }) }));
  assert.ok(!('notRun' in readers));
  assert.equal(readers.endpoint, '10.244.1.7:8888');
  assert.equal(readers.from, 'service.telemetry.metrics.readers[0]');
  // The pod IP from a fieldRef when gather has no value for the variable.
  const fieldRef = telemetryEndpoint(collector({ envFieldRefs: { MY_POD_IP: 'status.podIP' }, effectiveConfig: withTelemetry({ address: '${env:MY_POD_IP}:8888' }) }));
  assert.ok(!('notRun' in fieldRef));
  assert.equal(fieldRef.from, 'service.telemetry.metrics.address');
  // From 0.123 the address is ignored: the default reader on localhost stands.
  const ignored = telemetryEndpoint(collector({ version: '0.130.0', effectiveConfig: withTelemetry({ address: '0.0.0.0:8888' }) }));
  assert.equal('notRun' in ignored && ignored.notRun.reason, 'loopback');
  assert.equal((telemetryEndpoint(collector({ effectiveConfig: withTelemetry({ level: 'none' }) })) as { notRun: { reason: string } }).notRun.reason, 'disabled');
  assert.equal((telemetryEndpoint(collector({ effectiveConfig: withTelemetry({ readers: [{ periodic: { exporter: { otlp: {} } } }] }) })) as { notRun: { reason: string } }).notRun.reason, 'disabled');
  assert.equal((telemetryEndpoint(collector({ effectiveConfig: null })) as { notRun: { reason: string } }).notRun.reason, 'no-config');
  const v6 = telemetryEndpoint(collector({ podIP: 'fd00:10:244::7', effectiveConfig: withTelemetry({ readers: [{ pull: { exporter: { prometheus: { host: '::', port: 9090 } } } }] }) }));
  assert.ok(!('notRun' in v6));
  assert.equal(v6.endpoint, '[::]:9090');
});

test('metrics targets: the replicas whose logs tell of the way out, else the first of each workload', () => {
  const a = collector({ pod: 'otel-a' });
  const b = collector({ pod: 'otel-b' });
  const c = collector({ pod: 'agent-x', owner: { kind: 'DaemonSet', namespace: 'observability', name: 'agent' } });
  const logs: LogEvidence[] = [{ namespace: 'observability', pod: 'otel-b', container: 'otel', role: 'collector', matches: [{ signature: 'collector-export-retry', kind: 'export-failed', line: 'x' }] }];
  assert.deepEqual(metricsTargets([a, b, c], logs).map((x) => x.pod), ['otel-b', 'agent-x']);
  assert.deepEqual(metricsTargets([a, b, c], []).map((x) => x.pod), ['otel-a', 'agent-x']);
});

class ProxyClient extends FakeClusterClient {
  pages = new Map<string, string | ApiError>();
  async proxyGet(ns: string, pod: string, port: number, path: string): Promise<string> {
    this.calls.push(`proxy ${ns}/${pod}:${port}/${path}`);
    const page = this.pages.get(`${ns}/${pod}:${port}`);
    if (page instanceof ApiError) { throw page; }
    if (page === undefined) { throw new ApiError('no endpoints available for service', { status: 503, reason: 'ServiceUnavailable', path: '' }); }
    return page;
  }
}

const run = <T>(fn: () => Promise<T>): Promise<T> => fn();
const reachable = (): CollectorPod => collector({ version: '0.110.0' });

test('read phase: samples kept, the review asked only where a pod can be read, failures recorded as not run', async () => {
  const client = new ProxyClient();
  client.pages.set('observability/otel-0:8888', OTEL_SDK);
  const loop = collector({ namespace: 'apps', pod: 'loop' });
  const c = reachable();
  const phase = await readCollectorMetrics(client, [c, loop], [], { run });
  assert.deepEqual(client.calls, ['ssar get pods/proxy -n observability', 'proxy observability/otel-0:8888/metrics']);
  assert.deepEqual(phase.reviews, [{ verb: 'get', resource: 'pods/proxy', namespace: 'observability', allowed: true }]);
  assert.equal(c.metrics?.path, proxyPath('observability', 'otel-0', 8888));
  assert.equal(c.metrics?.path, '/api/v1/namespaces/observability/pods/otel-0:8888/proxy/metrics');
  // Only the way-out series are kept.
  assert.deepEqual(c.metrics?.samples?.map((s) => s.name), ['otelcol_exporter_send_failed_spans_total', 'otelcol_exporter_send_failed_spans_total', 'otelcol_exporter_queue_size', 'otelcol_exporter_queue_capacity', 'otelcol_receiver_refused_spans_total']);
  assert.equal(loop.metrics?.notRun?.reason, 'loopback');

  const failing = new ProxyClient();
  const d = reachable();
  await readCollectorMetrics(failing, [d], [], { run });
  assert.equal(d.metrics?.notRun?.reason, 'request-failed');
  assert.match(d.metrics?.notRun?.detail ?? '', /ServiceUnavailable: no endpoints available/);
});

test('read phase: pods/proxy denied is an incomplete check naming the rule, and nothing is read', async () => {
  const client = new ProxyClient();
  client.denied.add('get pods/proxy');
  client.pages.set('observability/otel-0:8888', OTEL_SDK);
  const c = reachable();
  const phase = await readCollectorMetrics(client, [c], [], { run });
  assert.equal(c.metrics?.notRun?.reason, 'rbac-denied');
  assert.equal(client.calls.some((x) => x.startsWith('proxy')), false);
  assert.equal(phase.incomplete.length, 1);
  assert.match(phase.incomplete[0].rbac ?? '', /resources: \["pods\/proxy"\]\n {2}verbs: \["get"\]/);
});

test('read phase: a pod that is not running is not read', async () => {
  const client = new ProxyClient();
  const c = collector({ version: '0.110.0', phase: 'Pending', podIP: undefined });
  await readCollectorMetrics(client, [c], [], { run });
  assert.equal(c.metrics?.notRun?.reason, 'not-running');
  assert.deepEqual(client.calls, []);
});

test('gather(): the metrics phase reads a reachable collector through the pod proxy, records the review and its samples', async () => {
  const { gather } = await import('../../src/gather/index.ts');
  const labels = { 'app.kubernetes.io/name': 'otel-collector' };
  const relay = 'receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 0.0.0.0:4317\nexporters:\n  otlp/tempo:\n    endpoint: tempo:4317\nservice:\n  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [otlp/tempo]\n';
  const client = new ProxyClient([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'observability' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'observability', name: 'otel-collector' }, data: { relay } },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { namespace: 'observability', name: 'otel-collector-0', labels },
      spec: {
        nodeName: 'node-1',
        containers: [{ name: 'otelcol', image: 'otel/opentelemetry-collector-contrib:0.110.0', args: ['--config=/conf/relay.yaml'], ports: [{ name: 'otlp-grpc', containerPort: 4317 }], volumeMounts: [{ name: 'cfg', mountPath: '/conf' }] }],
        volumes: [{ name: 'cfg', configMap: { name: 'otel-collector', items: [{ key: 'relay', path: 'relay.yaml' }] } }],
      },
      status: { phase: 'Running', podIP: '10.244.1.5', containerStatuses: [{ name: 'otelcol', ready: true, restartCount: 0, state: { running: {} } }] },
    },
  ]);
  client.logsByContainer.set('observability/otel-collector-0/otelcol', '');
  client.pages.set('observability/otel-collector-0:8888', OTEL_SDK.replaceAll('otlp/backend', 'otlp/tempo'));
  const snap = await gather(client, { namespace: 'observability', exec: false });
  const c = snap.collectors[0];
  assert.equal(c.metrics?.endpoint, ':8888');
  assert.equal(c.metrics?.from, 'the default before 0.111 (:8888)');
  assert.equal(sumOf(c.metrics?.samples ?? [], 'otelcol_exporter_send_failed_spans', { exporter: 'otlp/tempo' }), 120);
  assert.ok(snap.permissions?.reviews.some((r) => r.resource === 'pods/proxy' && r.namespace === 'observability' && r.allowed));
  assert.ok(client.calls.includes('proxy observability/otel-collector-0:8888/metrics'));
});
