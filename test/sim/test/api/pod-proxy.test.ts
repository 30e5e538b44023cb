// pods/proxy through the API server with the real kubectl (`get --raw`): read-only GET passed to the pod's
// IP and port by the runtime, RBAC on `pods/proxy` (get to read; create/update/... for other methods), the
// real answers for a dial failure, a bad id and a pod without an address, and the audit trail.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:https';
import { startHarness, type Harness } from '../../api/testkit.ts';
import type { ProxyAnswer, ProxyRequest } from '../../types.ts';

let h: Harness;
const asked: ProxyRequest[] = [];
const POD = '/api/v1/namespaces/observability/pods/otel-collector-7d4b9c-x2x9q';

before(async () => {
  h = await startHarness({ auditLog: true });
  // The fake runtime answers as a collector's telemetry port would; 8889 refuses.
  Object.assign(h.runtime, {
    proxy: async (r: ProxyRequest): Promise<ProxyAnswer> => {
      asked.push(r);
      if (r.port === 8889) { return { error: `dial tcp ${r.podIP}:8889: connect: connection refused` }; }
      return { status: 200, headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }, body: Buffer.from(`# TYPE otelcol_process_uptime counter\notelcol_process_uptime{} 1 path=${r.path}\n`).toString('base64') };
    },
  });
});
after(async () => { await h?.stop(); });

/** A request as a client other than kubectl sends it (kubectl --raw only GETs). */
function raw(user: string, method: string, path: string): Promise<{ code: number; body: string }> {
  const u = new URL(h.api.url);
  return new Promise((resolve, reject) => {
    const r = request({ host: u.hostname, port: u.port, path, method, ca: h.api.caPem, headers: { Authorization: `Bearer ${h.api.tokenFor(user)}` } }, (res) => {
      let s = '';
      res.on('data', (d: Buffer) => { s += d.toString(); });
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: s }));
    });
    r.on('error', reject);
    r.end();
  });
}

describe('pods/proxy', () => {
  test('GET name:port/proxy/metrics reaches the pod IP and port; the body passes through', async () => {
    const r = await h.kubectl('metrics-reader', ['get', '--raw', `${POD}:8888/proxy/metrics?x=1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^# TYPE otelcol_process_uptime counter\notelcol_process_uptime\{\} 1 path=\/metrics\?x=1\n$/);
    const last = asked.at(-1)!;
    assert.deepEqual({ nodeName: last.nodeName, podIP: last.podIP, port: last.port, scheme: last.scheme, method: last.method }, { nodeName: 'sim-node-1', podIP: '10.244.1.5', port: 8888, scheme: 'http', method: 'GET' });
    // The bearer token stays with the API server.
    assert.equal(Object.keys(last.headers).some((k) => k.toLowerCase() === 'authorization'), false);
  });

  test('no port: the first container port (pod.ResourceLocation)', async () => {
    const r = await h.kubectl('metrics-reader', ['get', '--raw', `${POD}/proxy/`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(asked.at(-1)!.port, 4317);
  });

  test('a port nothing listens on: 503 error trying to reach service', async () => {
    const r = await raw('metrics-reader', 'GET', `${POD}:8889/proxy/metrics`);
    assert.equal(r.code, 503);
    const st = JSON.parse(r.body) as { reason: string; message: string };
    assert.deepEqual([st.reason, st.message], ['ServiceUnavailable', 'error trying to reach service: dial tcp 10.244.1.5:8889: connect: connection refused']);
  });

  test('RBAC: pods alone does not grant pods/proxy; a POST needs create', async () => {
    const r = await h.kubectl('viewer', ['get', '--raw', `${POD}:8888/proxy/metrics`]);
    assert.notEqual(r.code, 0);
    assert.equal(r.stderr.trim(), 'Error from server (Forbidden): pods "otel-collector-7d4b9c-x2x9q:8888" is forbidden: User "viewer" cannot get resource "pods/proxy" in API group "" in the namespace "observability"');
    const post = await raw('metrics-reader', 'POST', `${POD}:8888/proxy/metrics`);
    assert.equal(post.code, 403);
    assert.match(post.body, /User \\"metrics-reader\\" cannot create resource \\"pods\/proxy\\"/);
    // Allowed by RBAC, still not served: the simulator proxies reads only.
    assert.equal((await raw('admin', 'DELETE', `${POD}:8888/proxy/metrics`)).code, 405);
  });

  test('a bad id, a missing pod, a pod with no address', async () => {
    assert.equal((await raw('admin', 'GET', `${POD}:1:2:3/proxy/`)).code, 400);
    const missing = await raw('admin', 'GET', '/api/v1/namespaces/observability/pods/nope:8888/proxy/metrics');
    assert.equal(missing.code, 404);
    assert.equal((JSON.parse(missing.body) as { message: string }).message, 'pods "nope" not found');
    h.api.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pending', namespace: 'observability' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const pending = await raw('admin', 'GET', '/api/v1/namespaces/observability/pods/pending:8888/proxy/metrics');
    assert.deepEqual([pending.code, (JSON.parse(pending.body) as { message: string }).message], [400, 'address not allowed']);
  });

  test('audited as get pods/proxy', async () => {
    const lines = readFileSync(join(h.dir, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const e = lines.find((l) => l.subresource === 'proxy' && l.user === 'metrics-reader' && l.code === 200);
    assert.ok(e, 'no audit entry for the proxy GET');
    assert.deepEqual([e.verb, e.resource, e.namespace, e.name], ['get', 'pods', 'observability', 'otel-collector-7d4b9c-x2x9q:8888']);
  });
});
