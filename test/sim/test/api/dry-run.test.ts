// Server-side dry run and optimistic concurrency, on the wire: what `fix --apply` relies on. A dry run
// answers the patched object and stores nothing; a resourceVersion in the body that is not the stored one
// is a 409 Conflict with the real Status body, for the dry run as for the write (the dry-run storage runs
// the same tryUpdate: k8s.io/apiserver pkg/registry/generic/registry/dryrun.go). Custom resources take
// merge patches, never strategic ones.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { startHarness, type Harness } from '../../api/testkit.ts';

let h: Harness;
before(async () => { h = await startHarness(); });
after(async () => { await h?.stop(); });

function call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; json: () => any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const base = new URL(h.api.url);
  const headers: Record<string, string> = { 'User-Agent': 'dry-run-test/1.0', Authorization: `Bearer ${h.api.tokenFor('admin')}` };
  const payload = body === undefined ? undefined : JSON.stringify(body);
  if (payload !== undefined) { headers['Content-Type'] = contentType; }
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, path, method, headers, ca: h.api.caPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const CM = '/api/v1/namespaces/default/configmaps/dry';
const CONFLICT = {
  kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
  message: 'Operation cannot be fulfilled on configmaps "dry": the object has been modified; please apply your changes to the latest version and try again',
  reason: 'Conflict', details: { name: 'dry', kind: 'configmaps' }, code: 409,
};

test('dryRun=All: the patched object comes back, nothing is stored; a stale resourceVersion is a 409 Conflict either way', async () => {
  const created = (await call('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry' }, data: { relay: 'a' } })).json();
  const rv = created.metadata.resourceVersion as string;

  const dry = await call('PATCH', `${CM}?dryRun=All`, { metadata: { resourceVersion: rv }, data: { relay: 'b' } }, 'application/merge-patch+json');
  assert.equal(dry.status, 200);
  assert.equal(dry.json().data.relay, 'b');
  const stored = (await call('GET', CM)).json();
  assert.equal(stored.data.relay, 'a');
  assert.equal(stored.metadata.resourceVersion, rv, 'a dry run does not change the resourceVersion');

  // Someone else writes: the resourceVersion read before is now stale.
  assert.equal((await call('PATCH', CM, { metadata: { labels: { by: 'other' } } }, 'application/merge-patch+json')).status, 200);
  for (const path of [`${CM}?dryRun=All`, CM]) {
    const r = await call('PATCH', path, { metadata: { resourceVersion: rv }, data: { relay: 'b' } }, 'application/merge-patch+json');
    assert.equal(r.status, 409, path);
    assert.deepEqual(r.json(), CONFLICT, path);
  }
  assert.equal((await call('GET', CM)).json().data.relay, 'a', 'the stale write stored nothing');

  // Without a resourceVersion a patch applies to whatever is stored (no precondition).
  const plain = await call('PATCH', `${CM}?dryRun=All`, { data: { relay: 'c' } }, 'application/strategic-merge-patch+json');
  assert.equal(plain.status, 200);
});

test('a custom resource takes no strategic merge patch: 415 with the types it accepts; a merge patch works', async () => {
  const path = '/apis/opentelemetry.io/v1beta1/namespaces/default/opentelemetrycollectors';
  const created = await call('POST', path, { apiVersion: 'opentelemetry.io/v1beta1', kind: 'OpenTelemetryCollector', metadata: { name: 'smp' }, spec: { mode: 'deployment', config: { receivers: { otlp: { protocols: { grpc: {} } } } } } });
  assert.equal(created.status, 201);
  const smp = await call('PATCH', `${path}/smp`, { spec: { mode: 'daemonset' } }, 'application/strategic-merge-patch+json');
  assert.equal(smp.status, 415);
  assert.deepEqual(smp.json(), {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 415, reason: 'UnsupportedMediaType',
    message: 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
  });
  const merge = await call('PATCH', `${path}/smp?dryRun=All`, { spec: { config: { receivers: { otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317' } } } } } } }, 'application/merge-patch+json');
  assert.equal(merge.status, 200);
  assert.equal(merge.json().spec.config.receivers.otlp.protocols.grpc.endpoint, '0.0.0.0:4317');
});
