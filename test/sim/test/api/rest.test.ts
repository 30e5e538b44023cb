// The API server's REST semantics checked on the wire: Status bodies, discovery negotiation, Tables,
// continue tokens, watch, admission defaults, the three patch types, ephemeral containers, audit, latency.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startHarness, type Harness } from '../../api/testkit.ts';
import { Store, typeByKind } from '../../store.ts';
import { startApiServer } from '../../api/server.ts';
import { FakeRuntime } from '../../api/testkit.ts';

let h: Harness;
before(async () => { h = await startHarness({ auditLog: true }); });
after(async () => { await h?.stop(); });

interface Res { status: number; headers: Record<string, string | string[] | undefined>; text: string; json: () => any } // eslint-disable-line @typescript-eslint/no-explicit-any

function call(method: string, path: string, o: { user?: string | null; token?: string; body?: unknown; contentType?: string; accept?: string; url?: string; ca?: string } = {}): Promise<Res> {
  const base = new URL(o.url ?? h.api.url);
  const headers: Record<string, string> = { 'User-Agent': 'api-rest-test/1.0' };
  const user = o.user === undefined ? 'admin' : o.user;
  if (o.token) { headers.Authorization = `Bearer ${o.token}`; }
  else if (user) { headers.Authorization = `Bearer ${h.api.tokenFor(user)}`; }
  if (o.accept) { headers.Accept = o.accept; }
  let payload: string | undefined;
  if (o.body !== undefined) {
    payload = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
    headers['Content-Type'] = o.contentType ?? 'application/json';
  }
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, path, method, headers, ca: o.ca ?? h.api.caPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

describe('authentication and Status bodies', () => {
  test('no token or a wrong one is a 401 Status', async () => {
    for (const o of [{ user: null }, { token: 'not-a-token' }]) {
      const r = await call('GET', '/api/v1/pods', o);
      assert.equal(r.status, 401);
      assert.deepEqual(r.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
  });

  test('404 NotFound and 409 AlreadyExists bodies', async () => {
    const nf = await call('GET', '/api/v1/namespaces/apps/pods/nope');
    assert.equal(nf.status, 404);
    assert.deepEqual(nf.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "nope" not found', reason: 'NotFound', details: { name: 'nope', kind: 'pods' }, code: 404 });
    const dep = await call('GET', '/apis/apps/v1/namespaces/apps/deployments/nope');
    assert.deepEqual(dep.json().details, { name: 'nope', group: 'apps', kind: 'deployments' });
    assert.equal(dep.json().message, 'deployments.apps "nope" not found');
    const ae = await call('POST', '/api/v1/namespaces/observability/services', { body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'otel-collector' }, spec: { ports: [{ port: 1 }] } } });
    assert.equal(ae.status, 409);
    assert.deepEqual(ae.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'services "otel-collector" already exists', reason: 'AlreadyExists', details: { name: 'otel-collector', kind: 'services' }, code: 409 });
  });

  test('creating in a missing namespace is a 404 for the namespace', async () => {
    const r = await call('POST', '/api/v1/namespaces/ghost/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } } });
    assert.equal(r.status, 404);
    assert.equal(r.json().message, 'namespaces "ghost" not found');
  });

  test('a 403 carries the RBAC message and details', async () => {
    const r = await call('DELETE', '/api/v1/namespaces/default/pods/web-1', { user: 'viewer' });
    assert.equal(r.status, 403);
    assert.deepEqual(r.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "web-1" is forbidden: User "viewer" cannot delete resource "pods" in API group "" in the namespace "default"', reason: 'Forbidden', details: { name: 'web-1', kind: 'pods' }, code: 403 });
  });
});

describe('discovery', () => {
  test('/version and /api answered as legacy JSON even when aggregated discovery is asked for', async () => {
    const v = (await call('GET', '/version')).json();
    assert.equal(v.major, '1');
    assert.match(v.gitVersion, /^v1\.32\.\d+-sim$/);
    const r = await call('GET', '/api', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json' });
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.json().kind, 'APIVersions');
    const g = (await call('GET', '/apis')).json();
    assert.equal(g.kind, 'APIGroupList');
    const otel = g.groups.find((x: { name: string }) => x.name === 'opentelemetry.io');
    assert.deepEqual(otel.preferredVersion, { groupVersion: 'opentelemetry.io/v1beta1', version: 'v1beta1' });
  });

  test('/api/v1 lists pods with short names, categories and subresources', async () => {
    const rl = (await call('GET', '/api/v1')).json();
    const byName = new Map(rl.resources.map((r: { name: string }) => [r.name, r]));
    assert.deepEqual(byName.get('pods'), { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['po'], categories: ['all'], storageVersionHash: (byName.get('pods') as { storageVersionHash: string }).storageVersionHash });
    assert.deepEqual(byName.get('pods/exec'), { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] });
    for (const s of ['pods/log', 'pods/status', 'pods/ephemeralcontainers']) { assert.ok(byName.has(s), s); }
    assert.equal((await call('GET', '/openapi/v2')).status, 404);
  });
});

describe('lists, tables, selectors', () => {
  test('a Table with metadata rows by default, full objects on request', async () => {
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
    const t = (await call('GET', '/api/v1/namespaces/apps/pods', { accept })).json();
    assert.equal(t.kind, 'Table');
    assert.equal(t.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(t.columnDefinitions.map((c: { name: string; priority: number }) => `${c.name}:${c.priority}`), ['Name:0', 'Ready:0', 'Status:0', 'Restarts:0', 'Age:0', 'IP:1', 'Node:1', 'Nominated Node:1', 'Readiness Gates:1']);
    assert.equal(t.rows[0].object.kind, 'PartialObjectMetadata');
    assert.equal(t.rows[0].object.metadata.name, 'app-1');
    const full = (await call('GET', '/api/v1/namespaces/apps/pods?includeObject=Object', { accept })).json();
    assert.equal(full.rows[0].object.spec.containers.length, 2);
    const fallback = (await call('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles', { accept })).json();
    assert.deepEqual(fallback.columnDefinitions.map((c: { name: string }) => c.name), ['Name', 'Age']);
  });

  test('list items and list metadata', async () => {
    const l = (await call('GET', '/api/v1/namespaces/default/pods?labelSelector=tier%3Dweb')).json();
    assert.equal(l.kind, 'PodList');
    assert.equal(l.apiVersion, 'v1');
    assert.match(l.metadata.resourceVersion, /^\d+$/);
    assert.deepEqual(l.items.map((p: { metadata: { name: string } }) => p.metadata.name), ['web-1', 'web-2', 'web-3']);
    const ev = (await call('GET', `/api/v1/namespaces/apps/events?fieldSelector=${encodeURIComponent('involvedObject.name=crashy,involvedObject.namespace=apps')}`)).json();
    assert.equal(ev.items.length, 1);
    const bad = await call('GET', '/api/v1/namespaces/apps/events?fieldSelector=involvedObject.color%3Dred');
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'field label not supported: involvedObject.color', reason: 'BadRequest', code: 400 });
  });

  test('continue pages are a consistent snapshot; a lost snapshot is 410 Expired with a fresh token', async () => {
    const p1 = (await call('GET', '/api/v1/namespaces/default/pods?limit=2')).json();
    assert.deepEqual(p1.items.map((p: { metadata: { name: string } }) => p.metadata.name), ['web-1', 'web-2']);
    assert.equal(p1.metadata.remainingItemCount, 3);
    // A pod created between pages must not show up in the paginated list.
    const created = await call('POST', '/api/v1/namespaces/default/pods', { body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-25' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } });
    assert.equal(created.status, 201);
    const p2 = (await call('GET', `/api/v1/namespaces/default/pods?limit=2&continue=${encodeURIComponent(p1.metadata.continue)}`)).json();
    assert.deepEqual(p2.items.map((p: { metadata: { name: string } }) => p.metadata.name), ['web-3', 'web-4']);
    assert.equal(p2.metadata.resourceVersion, p1.metadata.resourceVersion);
    const tok = JSON.parse(Buffer.from(p2.metadata.continue, 'base64').toString());
    const stale = Buffer.from(JSON.stringify({ ...tok, id: 'compacted-away' })).toString('base64');
    const gone = await call('GET', `/api/v1/namespaces/default/pods?limit=2&continue=${encodeURIComponent(stale)}`);
    assert.equal(gone.status, 410);
    const st = gone.json();
    assert.equal(st.reason, 'Expired');
    assert.match(st.message, /^The provided continue parameter is too old to display a consistent list result\./);
    const rest = (await call('GET', `/api/v1/namespaces/default/pods?limit=10&continue=${encodeURIComponent(st.metadata.continue)}`)).json();
    assert.deepEqual(rest.items.map((p: { metadata: { name: string } }) => p.metadata.name), ['web-5']);
    assert.equal((await call('DELETE', '/api/v1/namespaces/default/pods/web-25')).status, 200);
  });
});

describe('watch', () => {
  function watch(path: string, until: (events: Array<{ type: string; object: any }>) => boolean, api = h.api): Promise<Array<{ type: string; object: any }>> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const base = new URL(api.url);
    return new Promise((resolve, reject) => {
      const events: Array<{ type: string; object: any }> = []; // eslint-disable-line @typescript-eslint/no-explicit-any
      const req = request({ host: base.hostname, port: base.port, path, headers: { Authorization: `Bearer ${api.tokenFor('admin')}` }, ca: api.caPem }, (res) => {
        let buf = '';
        res.on('data', (c: Buffer) => {
          buf += c.toString();
          let i;
          while ((i = buf.indexOf('\n')) >= 0) { events.push(JSON.parse(buf.slice(0, i))); buf = buf.slice(i + 1); }
          if (until(events)) { req.destroy(); resolve(events); }
        });
        res.on('end', () => resolve(events));
      });
      req.on('error', (e) => (events.length ? resolve(events) : reject(e)));
      req.end();
    });
  }

  test('from a list resourceVersion: only later changes, filtered by selector', async () => {
    const rv = (await call('GET', '/api/v1/namespaces/default/configmaps')).json().metadata.resourceVersion;
    const got = watch(`/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}&labelSelector=w%3D1&timeoutSeconds=10`, (e) => e.length >= 3);
    await call('POST', '/api/v1/namespaces/default/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'skip', labels: { w: '0' } } } });
    await call('POST', '/api/v1/namespaces/default/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w1', labels: { w: '1' } }, data: { a: '1' } } });
    await call('PATCH', '/api/v1/namespaces/default/configmaps/w1', { body: { data: { a: '2' } }, contentType: 'application/merge-patch+json' });
    await call('PATCH', '/api/v1/namespaces/default/configmaps/w1', { body: { metadata: { labels: { w: '2' } } }, contentType: 'application/merge-patch+json' });
    const events = await got;
    assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name} ${e.object.data?.a}`), ['ADDED w1 1', 'MODIFIED w1 2', 'DELETED w1 2']);
    assert.equal(events[0].object.kind, 'ConfigMap');
  });

  test('without resourceVersion: current objects first; timeoutSeconds ends the stream', async () => {
    const t0 = Date.now();
    const events = await watch('/api/v1/namespaces/observability/pods?watch=true&timeoutSeconds=1', () => false);
    assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED otel-collector-7d4b9c-x2x9q']);
    assert.ok(Date.now() - t0 >= 900);
  });

  test('a resourceVersion older than the history is an ERROR 410 event', async () => {
    // Writes made before the server started are outside its watch history, like a compacted etcd.
    const store = new Store();
    store.create(typeByKind('Namespace')!, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'before' } });
    const api = await startApiServer({ store, runtime: new FakeRuntime(), stateDir: join(h.dir, 'compacted') });
    try {
      const events = await watch('/api/v1/namespaces?watch=1&resourceVersion=1&timeoutSeconds=5', () => false, api);
      assert.equal(events.length, 1);
      assert.equal(events[0].type, 'ERROR');
      assert.equal(events[0].object.code, 410);
      assert.equal(events[0].object.reason, 'Expired');
      assert.match(events[0].object.message, /^too old resource version: 1 \(\d+\)$/);
      // From the server's start on, history is kept: the bootstrap namespaces replay.
      const rv = Number(store.get(typeByKind('Namespace')!, undefined, 'before')!.metadata.resourceVersion);
      const replay = await watch(`/api/v1/namespaces?watch=1&resourceVersion=${rv}`, (e) => e.length >= 4, api);
      assert.deepEqual(replay.slice(0, 4).map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED default', 'ADDED kube-system', 'ADDED kube-public', 'ADDED kube-node-lease']);
    } finally {
      await api.close();
    }
  });
});

describe('admission and defaulting', () => {
  test('pod defaults as the real API server applies them', async () => {
    const r = await call('POST', '/api/v1/namespaces/default/pods', { body: { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'd-' }, spec: { containers: [
      { name: 'a', image: 'nginx' }, { name: 'b', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }, { name: 'c', image: 'repo/x:latest' }] } } });
    assert.equal(r.status, 201);
    const p = r.json();
    assert.match(p.metadata.name, /^d-[a-z0-9]{5}$/);
    assert.deepEqual([p.spec.restartPolicy, p.spec.dnsPolicy, p.spec.serviceAccountName, p.spec.terminationGracePeriodSeconds, p.spec.schedulerName, p.spec.enableServiceLinks],
      ['Always', 'ClusterFirst', 'default', 30, 'default-scheduler', true]);
    assert.deepEqual(p.spec.containers.map((c: { imagePullPolicy: string }) => c.imagePullPolicy), ['Always', 'IfNotPresent', 'Always']);
    assert.equal(p.spec.containers[1].ports[0].protocol, 'TCP');
    assert.equal(p.status.phase, 'Pending');
    await call('DELETE', `/api/v1/namespaces/default/pods/${p.metadata.name}`);
  });

  test('Service ClusterIPs: allocated, requested, headless, duplicates rejected; ports defaulted', async () => {
    const mk = (name: string, spec: object) => call('POST', '/api/v1/namespaces/apps/services', { body: { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec } });
    const a = (await mk('a', { ports: [{ port: 8080 }] })).json();
    assert.match(a.spec.clusterIP, /^10\.96\.\d+\.\d+$/);
    assert.deepEqual(a.spec.clusterIPs, [a.spec.clusterIP]);
    assert.deepEqual(a.spec.ports, [{ port: 8080, protocol: 'TCP', targetPort: 8080 }]);
    assert.equal(a.spec.type, 'ClusterIP');
    const dns = (await mk('kube-dns', { clusterIP: '10.96.0.10', ports: [{ port: 53, protocol: 'UDP' }] })).json();
    assert.equal(dns.spec.clusterIP, '10.96.0.10');
    const hl = (await mk('headless', { clusterIP: 'None', ports: [{ port: 1 }] })).json();
    assert.equal(hl.spec.clusterIP, 'None');
    const dup = await mk('dup', { clusterIP: '10.96.0.10', ports: [{ port: 1 }] });
    assert.equal(dup.status, 422);
    assert.equal(dup.json().message, 'Service "dup" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: provided IP is already allocated');
    const out = await mk('out', { clusterIP: '192.168.1.1', ports: [{ port: 1 }] });
    assert.equal(out.status, 422);
    assert.match(out.json().message, /is not in the valid range/);
    assert.notEqual(a.spec.clusterIP, '10.96.0.10');
  });

  test('create() runs admission and refuses unknown kinds clearly', () => {
    const s = h.api.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'via-create', namespace: 'apps' }, spec: { ports: [{ port: 9 }] } });
    assert.match(s.spec.clusterIP, /^10\.96\./);
    assert.throws(() => h.api.create({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }), /no matches for kind "Widget" in version "example.com\/v1"/);
    assert.throws(() => h.api.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'ghost' } }), { code: 404, reason: 'NotFound', message: 'namespaces "ghost" not found' });
    assert.throws(() => h.api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } }), { code: 409, reason: 'AlreadyExists', message: 'namespaces "apps" already exists' });
  });
});

describe('update and patch', () => {
  const cm = '/api/v1/namespaces/default/configmaps/patchme';
  test('PUT with a stale resourceVersion is a 409 Conflict', async () => {
    const c = (await call('POST', '/api/v1/namespaces/default/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'patchme' }, data: { a: '1', b: '2' } } })).json();
    const ok = await call('PUT', cm, { body: { ...c, data: { a: '9' } } });
    assert.equal(ok.status, 200);
    const stale = await call('PUT', cm, { body: { ...c, data: { a: '10' } } });
    assert.equal(stale.status, 409);
    assert.equal(stale.json().reason, 'Conflict');
    assert.match(stale.json().message, /^Operation cannot be fulfilled on configmaps "patchme": the object has been modified/);
  });

  test('merge, json and strategic merge patches', async () => {
    let r = await call('PATCH', cm, { body: { data: { b: 'x', a: null } }, contentType: 'application/merge-patch+json' });
    assert.deepEqual(r.json().data, { b: 'x' });
    r = await call('PATCH', cm, { body: [{ op: 'add', path: '/data/c', value: 'y' }, { op: 'test', path: '/data/b', value: 'x' }], contentType: 'application/json-patch+json' });
    assert.deepEqual(r.json().data, { b: 'x', c: 'y' });
    const bad = await call('PATCH', cm, { body: [{ op: 'test', path: '/data/b', value: 'nope' }], contentType: 'application/json-patch+json' });
    assert.equal(bad.status, 422);
    // Strategic merge: containers merge by name instead of being replaced.
    r = await call('PATCH', '/apis/apps/v1/namespaces/default/deployments/nope', { body: {}, contentType: 'application/strategic-merge-patch+json' });
    assert.equal(r.status, 404);
    await call('POST', '/apis/apps/v1/namespaces/default/deployments', { body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'smp' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'one', image: 'x:1', env: [{ name: 'A', value: '1' }] }, { name: 'two', image: 'y:1' }] } } } } });
    r = await call('PATCH', '/apis/apps/v1/namespaces/default/deployments/smp', { contentType: 'application/strategic-merge-patch+json',
      body: { spec: { template: { spec: { containers: [{ name: 'two', image: 'y:2' }, { name: 'three', image: 'z:1' }] } } } } });
    const d = r.json();
    assert.deepEqual(d.spec.template.spec.containers.map((c: { name: string; image: string }) => `${c.name}=${c.image}`), ['one=x:1', 'two=y:2', 'three=z:1']);
    assert.deepEqual(d.spec.template.spec.containers[0].env, [{ name: 'A', value: '1' }]);
    assert.equal(d.metadata.generation, 2);
    assert.equal(d.spec.replicas, 1);
  });

  test('ephemeral containers: added by PATCH, never removed or changed (422)', async () => {
    const path = '/api/v1/namespaces/default/pods/web-4/ephemeralcontainers';
    const add = await call('PATCH', path, { contentType: 'application/strategic-merge-patch+json', body: { spec: { ephemeralContainers: [{ name: 'dbg', image: 'busybox', stdin: true }] } } });
    assert.equal(add.status, 200, add.text);
    assert.equal(add.json().spec.ephemeralContainers[0].terminationMessagePolicy, 'File');
    const get = (await call('GET', path)).json();
    assert.equal(get.kind, 'Pod');
    const change = await call('PATCH', path, { contentType: 'application/strategic-merge-patch+json', body: { spec: { ephemeralContainers: [{ name: 'dbg', image: 'alpine' }] } } });
    assert.equal(change.status, 422);
    assert.equal(change.json().message, 'Pod "web-4" is invalid: spec.ephemeralContainers[0]: Forbidden: existing ephemeral containers "dbg" may not be changed');
    const remove = await call('PUT', path, { body: { ...get, spec: { ...get.spec, ephemeralContainers: [] } } });
    assert.equal(remove.status, 422);
    assert.deepEqual(remove.json().details.causes, [{ reason: 'FieldValueForbidden', message: 'Forbidden: existing ephemeral containers "dbg" may not be removed', field: 'spec.ephemeralContainers' }]);
    const clash = await call('PATCH', path, { contentType: 'application/strategic-merge-patch+json', body: { spec: { ephemeralContainers: [{ name: 'web', image: 'busybox' }] } } });
    assert.equal(clash.status, 422);
    assert.match(clash.json().message, /spec\.ephemeralContainers\[1\]\.name: Duplicate value: "web"/);
    // The main resource cannot smuggle ephemeral containers in or out either.
    const put = await call('PUT', '/api/v1/namespaces/default/pods/web-4', { body: { ...get, spec: { ...get.spec, ephemeralContainers: [] } } });
    assert.equal(put.status, 200);
    assert.equal(put.json().spec.ephemeralContainers.length, 1);
  });
});

describe('logs and exec preconditions over HTTP', () => {
  test('a multi-container pod needs a container name (400, with every container listed)', async () => {
    const r = await call('GET', '/api/v1/namespaces/apps/pods/app-1/log');
    assert.equal(r.status, 400);
    assert.deepEqual(r.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'a container name must be specified for pod app-1, choose one of: [app sidecar]', reason: 'BadRequest', code: 400 });
    const ok = await call('GET', '/api/v1/namespaces/apps/pods/app-1/log?container=app&limitBytes=10');
    assert.equal(ok.headers['content-type'], 'text/plain');
    assert.equal(ok.text, 'app-1/app ');
  });

  test('exec without an upgrade is a 400 after validation', async () => {
    const r = await call('POST', '/api/v1/namespaces/apps/pods/app-1/exec?command=ls');
    assert.equal(r.status, 400);
    assert.match(r.json().message, /a container name must be specified for pod app-1/);
  });
});

describe('access reviews', () => {
  test('SelfSubjectAccessReview and SelfSubjectRulesReview in JSON', async () => {
    const ssar = (user: string, ra: object) => call('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { user, body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: ra } } });
    const yes = await ssar('admin', { namespace: 'apps', verb: 'create', resource: 'pods', subresource: 'exec' });
    assert.equal(yes.status, 201);
    assert.equal(yes.json().status.allowed, true);
    assert.equal((await ssar('no-exec', { namespace: 'apps', verb: 'create', resource: 'pods', subresource: 'exec' })).json().status.allowed, false);
    const rules = (await call('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { user: 'namespaced-only', body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'apps' } } })).json();
    assert.deepEqual(rules.status.resourceRules.map((r: { resources: string[] }) => r.resources), [['selfsubjectaccessreviews', 'selfsubjectrulesreviews']]);
  });
});

describe('audit and latency', () => {
  test('every request is one JSON line in the audit log', async () => {
    await call('GET', '/api/v1/namespaces/apps/pods/crashy', { user: 'viewer' });
    const lines = (await readFile(join(h.dir, 'audit.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, h.api.requests.length);
    assert.deepEqual(lines.at(-1), { ...lines.at(-1), user: 'viewer', verb: 'get', method: 'GET', path: '/api/v1/namespaces/apps/pods/crashy', resource: 'pods', subresource: '', namespace: 'apps', name: 'crashy', code: 200, userAgent: 'api-rest-test/1.0' });
    assert.ok(lines.some((l) => l.verb === 'patch' && l.subresource === 'ephemeralcontainers'));
    assert.ok(lines.some((l) => l.code === 401 && l.user === ''));
  });

  test('latencyMs delays every response', async () => {
    const dir = h.dir;
    const api = await startApiServer({ store: new Store(), runtime: new FakeRuntime(), stateDir: join(dir, 'slow'), latencyMs: 150 });
    try {
      const t0 = performance.now();
      const r = await call('GET', '/version', { url: api.url, ca: api.caPem, token: api.tokenFor('admin') });
      const ms = performance.now() - t0;
      assert.equal(r.status, 200);
      assert.ok(ms >= 150, `took ${ms} ms`);
    } finally {
      await api.close();
    }
  });
});
