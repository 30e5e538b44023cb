// The collectors' own metrics (gather/metrics.ts) go to the head of the exec/log queue: behind every probe and app log they
// would be the first evidence lost to --timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/cluster/types.ts';
import { gather } from '../../src/gather/index.ts';
import { FakeClusterClient, notFound, rsPod } from './fake-client.ts';

const RELAY = `receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: \${env:MY_POD_IP}:4317\nexporters:\n  debug: {}\nservice:\n  telemetry:\n    metrics:\n      address: \${env:MY_POD_IP}:8888\n  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [debug]\n`;

test('the collectors\' metrics are read before the last probes, not behind every probe and app log', async () => {
  const cl = { 'app.kubernetes.io/name': 'otel-collector' };
  const objs: KObject[] = [
    ...['observability', ...Array.from({ length: 6 }, (_, i) => `team-${i}`)].map((n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n, labels: {} } })),
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'observability', name: 'otel-collector' }, data: { relay: RELAY } },
    { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'observability', name: 'otel-collector' }, spec: { type: 'ClusterIP', clusterIP: '10.96.0.12', selector: cl, ports: [{ name: 'otlp-grpc', port: 4317, targetPort: 4317 }] } },
    ...rsPod('observability', 'otel-collector', 0, '10.244.1.5', { containers: [{ name: 'otelcol', image: 'otel/opentelemetry-collector-contrib:0.111.0', args: ['--config=/conf/relay.yaml'], ports: [{ name: 'otlp-grpc', containerPort: 4317 }], env: [{ name: 'MY_POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }], volumeMounts: [{ name: 'cfg', mountPath: '/conf' }] }], volumes: [{ name: 'cfg', configMap: { name: 'otel-collector', items: [{ key: 'relay', path: 'relay.yaml' }] } }] }, cl),
    // each its own path: a short name is searched per namespace
    ...Array.from({ length: 6 }, (_, i) => rsPod(`team-${i}`, 'api', 0, `10.244.2.${10 + i}`, { containers: [{ name: 'app', image: 'python:3.12-slim', env: [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector:4317' }] }] }, { app: 'api' })).flat(),
  ];
  const fake = new FakeClusterClient(objs);
  // The pods/proxy read the metrics take (ClusterClient.proxyGet), recorded in the same call log.
  Object.assign(fake, { proxyGet: async (ns: string, pod: string): Promise<string> => { fake.calls.push(`proxy ${ns}/${pod}`); return 'otelcol_exporter_sent_spans 1\n'; } });
  fake.onExec = (_ns, _pod, _c, argv) => notFound(argv[0]);
  for (let i = 0; i < 6; i++) { fake.logsByContainer.set(`team-${i}/api-7d9f8b6c5-x0/app`, ''); }
  fake.logsByContainer.set('observability/otel-collector-7d9f8b6c5-x0/otelcol', '');
  await gather(fake, { allNamespaces: true, namespace: 'observability', concurrency: 1, now: () => new Date('2026-01-01T00:00:00Z') } as any);
  const proxy = fake.calls.findIndex((c) => c.startsWith('proxy'));
  const lastProbe = fake.calls.findLastIndex((c) => c.startsWith('exec team-'));
  const lastAppLog = fake.calls.findLastIndex((c) => c.startsWith('logs team-'));
  assert.ok(proxy >= 0, fake.calls.join('\n'));
  assert.ok(proxy < lastProbe || proxy < lastAppLog, `metrics read last:\n${fake.calls.slice(-12).join('\n')}`);
});
