// metadata.managedFields as a real API server records and serves them (managed-fields.ts): manager from
// ?fieldManager= or the User-Agent, Update vs Apply, subresources, FieldsV1 with the schema's list keys, the
// fields a write takes from other managers, metadata-only lists, and kubectl hiding them unless asked.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { startHarness, type Harness } from '../../api/testkit.ts';
import { Store, typeByKind, type KObject } from '../../store.ts';
import { startControllers } from '../../controllers.ts';
import { KUBELET_STATUS } from '../../managed-fields.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
let h: Harness;
before(async () => { h = await startHarness(); });
after(async () => { await h?.stop(); });

function call(method: string, path: string, o: { body?: unknown; contentType?: string; accept?: string; ua?: string } = {}): Promise<{ status: number; json: () => Any }> {
  const base = new URL(h.api.url);
  const headers: Record<string, string> = { 'User-Agent': o.ua ?? 'mf-test/1.0 (linux/amd64)', Authorization: `Bearer ${h.api.tokenFor('admin')}` };
  if (o.accept) { headers.Accept = o.accept; }
  const payload = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
  if (payload !== undefined) { headers['Content-Type'] = o.contentType ?? 'application/json'; }
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, path, method, headers, ca: h.api.caPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => { const text = Buffer.concat(chunks).toString('utf8'); resolve({ status: res.statusCode ?? 0, json: () => JSON.parse(text) }); });
    });
    req.on('error', reject);
    req.end(payload);
  });
}
const entry = (o: KObject, manager: string, subresource?: string) => (o.metadata.managedFields as Any[] | undefined)?.find((e: Any) => e.manager === manager && e.subresource === subresource);
const DEPLOY = '/apis/apps/v1/namespaces/apps/deployments';
const deployment = {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'shop', labels: { app: 'shop' } },
  spec: { selector: { matchLabels: { app: 'shop' } }, template: { metadata: { labels: { app: 'shop' } }, spec: { containers: [{ name: 'app', image: 'shop:1', ports: [{ containerPort: 8080 }], env: [{ name: 'A', value: '1' }] }] } } },
};

test('a create records its manager (User-Agent up to the first /), its version, and the fields it set with their list keys', async () => {
  const r = await call('POST', DEPLOY, { body: deployment });
  assert.equal(r.status, 201);
  const o = r.json();
  assert.equal(o.metadata.managedFields.length, 1);
  const e = o.metadata.managedFields[0];
  assert.deepEqual(Object.keys(e), ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1']);
  assert.equal(e.manager, 'mf-test');
  assert.equal(e.operation, 'Update');
  assert.equal(e.apiVersion, 'apps/v1');
  assert.equal(e.fieldsType, 'FieldsV1');
  assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const f = e.fieldsV1;
  // Non-pointer structs of the Go type (spec, template) are never new; maps and list items are (`.`).
  assert.equal(f['f:spec']['.'], undefined);
  assert.deepEqual(f['f:metadata'], { 'f:labels': { '.': {}, 'f:app': {} } });
  assert.deepEqual(f['f:spec']['f:selector'], {}, 'LabelSelector is atomic');
  const c = f['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"app"}'];
  assert.deepEqual(c['f:ports'], { '.': {}, 'k:{"containerPort":8080,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} } });
  assert.deepEqual(c['f:env'], { '.': {}, 'k:{"name":"A"}': { '.': {}, 'f:name': {}, 'f:value': {} } });
  assert.deepEqual(f['f:spec']['f:strategy'], { 'f:rollingUpdate': { '.': {}, 'f:maxSurge': {}, 'f:maxUnavailable': {} }, 'f:type': {} }, 'defaults are recorded');
  assert.equal(f['f:status'], undefined, 'PrepareForCreate resets status');
});

test('an update takes the fields it changed from their manager; a write that changes nothing keeps every entry', async () => {
  const r = await call('PATCH', `${DEPLOY}/shop?fieldManager=kubectl-edit`, { body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'shop:2' }] } } } }, contentType: 'application/strategic-merge-patch+json' });
  assert.equal(r.status, 200);
  const o = r.json();
  const edit = entry(o, 'kubectl-edit');
  assert.deepEqual(edit.fieldsV1, { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { 'f:image': {} } } } } } });
  const first = entry(o, 'mf-test');
  assert.equal(first.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"app"}']['f:image'], undefined);
  assert.ok(first.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"app"}']['f:name']);
  const same = await call('PATCH', `${DEPLOY}/shop?fieldManager=other`, { body: { metadata: { labels: { app: 'shop' } } }, contentType: 'application/merge-patch+json' });
  assert.deepEqual(same.json().metadata.managedFields, o.metadata.managedFields);
});

test('a create records neither what the Service registry allocates nor what pod admission adds', async () => {
  const svc = (await call('POST', '/api/v1/namespaces/apps/services', { body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'mf-svc' }, spec: { type: 'NodePort', selector: { app: 'x' }, ports: [{ port: 80 }] } } })).json();
  assert.ok(svc.spec.clusterIP && svc.spec.ports[0].nodePort, 'allocated');
  const s = entry(svc, 'mf-test').fieldsV1['f:spec'];
  for (const f of ['f:clusterIP', 'f:clusterIPs', 'f:ipFamilies', 'f:ipFamilyPolicy']) { assert.equal(s[f], undefined, f); }
  assert.deepEqual(s['f:selector'], {});
  assert.deepEqual(s['f:ports']['k:{"port":80,"protocol":"TCP"}'], { '.': {}, 'f:port': {}, 'f:protocol': {}, 'f:targetPort': {} });
  const pod = (await call('POST', '/api/v1/namespaces/apps/pods', { body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'mf-pod' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } })).json();
  assert.equal(pod.spec.serviceAccountName, 'default');
  const p = entry(pod, 'mf-test').fieldsV1;
  for (const f of ['f:serviceAccountName', 'f:serviceAccount', 'f:priority', 'f:preemptionPolicy', 'f:tolerations']) { assert.equal(p['f:spec'][f], undefined, f); }
  assert.equal(p['f:status'], undefined);
});

test('fields removed leave every manager\'s set, their children with them', async () => {
  await call('POST', '/api/v1/namespaces/apps/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'rm', labels: { a: '1', b: '2' } }, data: { k: 'v' } } });
  const r = await call('PATCH', '/api/v1/namespaces/apps/configmaps/rm?fieldManager=remover', { body: { metadata: { labels: null } }, contentType: 'application/merge-patch+json' });
  const o = r.json();
  assert.equal(o.metadata.labels, undefined);
  assert.deepEqual(entry(o, 'mf-test').fieldsV1, { 'f:data': { '.': {}, 'f:k': {} } });
  assert.equal(entry(o, 'remover'), undefined, 'a removal gives its writer nothing');
});

test('a status write is recorded under its subresource; an apply records exactly the applied fields', async () => {
  const st = await call('PATCH', `${DEPLOY}/shop/status`, { body: { status: { replicas: 1, conditions: [{ type: 'Available', status: 'True' }] } }, contentType: 'application/merge-patch+json', ua: 'kube-controller-manager/v1.32.4 (linux/amd64) kubernetes/59526cd/system:serviceaccount:kube-system:deployment-controller' });
  const s = entry(st.json(), 'kube-controller-manager', 'status');
  assert.deepEqual(s.fieldsV1, { 'f:status': { 'f:conditions': { '.': {}, 'k:{"type":"Available"}': { '.': {}, 'f:status': {}, 'f:type': {} } }, 'f:replicas': {} } });
  assert.deepEqual(Object.keys(s).at(-1), 'subresource');
  const ap = await call('PATCH', '/api/v1/namespaces/apps/configmaps/applied?fieldManager=ssa-test', { body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  labels: {team: a}\ndata: {k: v}\n', contentType: 'application/apply-patch+yaml' });
  assert.equal(ap.status, 201);
  const a = entry(ap.json(), 'ssa-test');
  assert.equal(a.operation, 'Apply');
  assert.deepEqual(a.fieldsV1, { 'f:data': { 'f:k': {} }, 'f:metadata': { 'f:labels': { 'f:team': {} } } });
});

test('GET, lists and metadata-only lists carry managedFields; kubectl hides them unless --show-managed-fields', async () => {
  const one = (await call('GET', `${DEPLOY}/shop`)).json();
  const meta = (await call('GET', '/apis/apps/v1/deployments', { accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1' })).json();
  assert.deepEqual(meta.items.find((i: Any) => i.metadata.name === 'shop').metadata.managedFields, one.metadata.managedFields);
  const hidden = await h.kubectl('admin', ['get', 'deployment', 'shop', '-n', 'apps', '-o', 'yaml']);
  assert.equal(hidden.code, 0, hidden.stderr);
  assert.doesNotMatch(hidden.stdout, /managedFields/);
  const shown = await h.kubectl('admin', ['get', 'deployment', 'shop', '-n', 'apps', '-o', 'yaml', '--show-managed-fields']);
  assert.match(shown.stdout, /managedFields:[\s\S]*manager: kubectl-edit/);
});

test('controller pods: kube-controller-manager owns what it sent (not admission\'s fields), kubelet its status', async () => {
  const T = (k: string) => typeByKind(k)!;
  const store = new Store();
  store.create(T('Namespace'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  store.create(T('Node'), { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: {} } });
  const ctl = startControllers(store, { debounceMs: 1 });
  store.as({ manager: 'kubectl-client-side-apply', operation: 'Update' }, () => store.create(T('Deployment'), { ...structuredClone(deployment), metadata: { name: 'shop', namespace: 'default' } }));
  await ctl.flush();
  const pod = store.list(T('Pod'))[0];
  const kcm = entry(pod, 'kube-controller-manager');
  assert.equal(kcm.apiVersion, 'v1');
  const spec = kcm.fieldsV1['f:spec'];
  for (const f of ['f:priority', 'f:serviceAccountName', 'f:tolerations']) { assert.equal(spec[f], undefined, f); }
  assert.ok(spec['f:containers']['k:{"name":"app"}']['f:imagePullPolicy'], 'defaulting is recorded');
  assert.equal(Object.keys(kcm.fieldsV1['f:metadata']['f:ownerReferences']).length, 2);
  assert.equal(kcm.fieldsV1['f:status'], undefined);
  store.as(KUBELET_STATUS, () => store.mutate(T('Pod'), 'default', pod.metadata.name, (p) => { p.status = { ...p.status, phase: 'Running', containerStatuses: [{ name: 'app', ready: true }] }; }));
  const after = store.get(T('Pod'), 'default', pod.metadata.name)!;
  assert.deepEqual(entry(after, 'kubelet', 'status').fieldsV1, { 'f:status': { 'f:containerStatuses': {}, 'f:phase': {} } });
  assert.deepEqual(entry(after, 'kube-controller-manager'), kcm, 'an untouched entry keeps its time');
  // The binding writes spec.nodeName straight to storage: nobody's field.
  assert.ok(after.spec.nodeName);
  assert.ok((after.metadata.managedFields as Any[]).every((e: Any) => !e.fieldsV1['f:spec']?.['f:nodeName']));
  ctl.stop();
});
