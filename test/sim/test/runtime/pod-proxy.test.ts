// pods/proxy's runtime half with the real network and the real collector stand-in: the request leaves from
// the pod's node namespace (never the host's), reaches the collector's telemetry port on the pod IP and
// brings its Prometheus text back; a port nothing listens on gives the dial error the API server reports.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Store, typeByKind } from '../../store.ts';
import { Runtime } from '../../runtime/index.ts';

const skip = process.getuid?.() === 0 ? false : 'needs root (network namespaces)';
const POD = typeByKind('Pod')!;
const repoRoot = join(import.meta.dirname, '../../../..');
let runtime: Runtime | undefined;
let stateDir = '';
after(async () => {
  await runtime?.stop();
  if (stateDir) { rmSync(stateDir, { recursive: true, force: true }); }
});

const CONFIG = `
receivers:
  otlp:
    protocols:
      http:
        endpoint: 0.0.0.0:4318
exporters:
  debug: {}
service:
  telemetry:
    metrics:
      address: 0.0.0.0:8888
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [debug]
`;

test('runtime.proxy: the collector stand-in\'s metrics through the pod IP from its node', { skip, timeout: 120_000 }, async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'sim-proxy-'));
  const store = new Store();
  runtime = new Runtime({ store, stateDir, runId: randomBytes(3).toString('hex'), repoRoot });
  await runtime.start();
  store.create(typeByKind('Node')!, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'sim-node-1' } });
  store.create(POD, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'otel', namespace: 'default' }, spec: { nodeName: 'sim-node-1', containers: [{
    name: 'otelcol', image: 'otel/opentelemetry-collector-contrib:0.117.0', args: ['--config=env:COLLECTOR_CONFIG'], env: [{ name: 'COLLECTOR_CONFIG', value: CONFIG }],
    ports: [{ containerPort: 4318 }, { containerPort: 8888 }],
  }] } });
  let podIP = '';
  for (;;) {
    const p = store.get(POD, 'default', 'otel');
    if (p?.status?.containerStatuses?.[0]?.state?.running && p.status.podIP) { podIP = p.status.podIP; }
    if (podIP && /Everything is ready/.test(await runtime.logs('default', 'otel', { container: 'otelcol' }))) { break; }
    await new Promise((r) => setTimeout(r, 200));
  }
  const ok = await runtime.proxy({ nodeName: 'sim-node-1', podIP, port: 8888, scheme: 'http', method: 'GET', path: '/metrics', headers: {}, timeoutMs: 10_000 });
  assert.ok(!('error' in ok), JSON.stringify(ok));
  assert.equal(ok.status, 200);
  assert.match(ok.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  assert.match(Buffer.from(ok.body, 'base64').toString(), /\notelcol_process_uptime\{service_instance_id="[^"]+",service_name="otelcol-contrib",service_version="0\.117\.0"\} \d/);
  const refused = await runtime.proxy({ nodeName: 'sim-node-1', podIP, port: 8889, scheme: 'http', method: 'GET', path: '/metrics', headers: {}, timeoutMs: 10_000 });
  assert.deepEqual(refused, { error: `dial tcp ${podIP}:8889: connect: connection refused` });
});
