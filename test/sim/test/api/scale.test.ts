// The API server at scale, on the wire: continue tokens page through one consistent snapshot while the
// store changes under them, resourceVersion=0 ignores limit, metadata-only lists and gets have the real
// server's shapes, server-side Tables paginate, and selectors are answered from the store's indexes
// (the store counts what it examined: an indexed query reads its candidates, never every pod).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, typeByKind, type Change, type KObject } from '../../store.ts';
import { POD_BATCH, startControllers } from '../../controllers.ts';
import { startApiServer, type ApiServer } from '../../api/server.ts';
import { FakeRuntime } from '../../api/testkit.ts';

const POD = typeByKind('Pod')!;
const NAMESPACES = 40;
const PODS = 3000;
const NODES = 30;

let api: ApiServer;
let store: Store;
let dir: string;

interface Res { status: number; text: string; json: () => any } // eslint-disable-line @typescript-eslint/no-explicit-any

function get(path: string, accept?: string): Promise<Res> {
  const base = new URL(api.url);
  const headers: Record<string, string> = { Authorization: `Bearer ${api.tokenFor('admin')}` };
  if (accept) { headers.Accept = accept; }
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, path, method: 'GET', headers, ca: api.caPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => { const text = Buffer.concat(chunks).toString('utf8'); resolve({ status: res.statusCode ?? 0, text, json: () => JSON.parse(text) }); });
    });
    req.on('error', reject);
    req.end();
  });
}

const podName = (i: number) => `pod-${String(i).padStart(5, '0')}`;
const nsOf = (i: number) => `ns-${String(i % NAMESPACES).padStart(2, '0')}`;

function pod(i: number): KObject {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: podName(i), namespace: nsOf(i), labels: { app: `app-${i % 100}`, tier: i % 3 ? 'web' : 'db' } },
    spec: { nodeName: `node-${i % NODES}`, containers: [{ name: 'app', image: 'busybox:1.36' }] },
    status: { phase: i % 10 === 0 ? 'Pending' : 'Running', podIP: `10.128.${i >> 8}.${i & 255}` },
  };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-api-scale-'));
  store = new Store();
  api = await startApiServer({ store, runtime: new FakeRuntime(), stateDir: dir });
  for (let n = 0; n < NAMESPACES; n++) { api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: nsOf(n) } }); }
  for (let i = 0; i < PODS; i++) { store.create(POD, pod(i)); }
});
after(async () => { await api?.close(); await rm(dir, { recursive: true, force: true }); });

/** Every page of a list, following continue tokens; `between` runs after each page (to change the store). */
async function allPages(path: string, accept?: string, between?: (page: number) => void): Promise<any[]> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const pages = [];
  let cont = '';
  for (let n = 0; ; n++) {
    const r = await get(`${path}${path.includes('?') ? '&' : '?'}${cont ? `continue=${encodeURIComponent(cont)}` : ''}`, accept);
    assert.equal(r.status, 200, r.text);
    const body = r.json();
    pages.push(body);
    between?.(n);
    cont = body.metadata.continue ?? '';
    if (!cont) { return pages; }
  }
}

const keyOf = (m: { namespace?: string; name: string }) => `${m.namespace}/${m.name}`;

describe('paginated lists', () => {
  test('continue pages through one snapshot while pods are created, changed and deleted', async () => {
    const expected = store.select(POD).map((p) => keyOf(p.metadata));
    let extra = 0;
    const pages = await allPages('/api/v1/pods?limit=250', undefined, (n) => {
      // Writes between pages: a new pod at the front and back of the key order, a relabel, a delete.
      store.create(POD, { ...pod(900_000 + n), metadata: { ...pod(900_000 + n).metadata, name: `aaa-new-${n}`, namespace: nsOf(0) } });
      store.create(POD, { ...pod(900_100 + n), metadata: { ...pod(900_100 + n).metadata, name: `zzz-new-${n}`, namespace: nsOf(NAMESPACES - 1) } });
      store.mutate(POD, nsOf(n * 7), podName(n * 7), (p) => { p.metadata.labels = { ...p.metadata.labels, app: 'moved' }; });
      store.delete(POD, nsOf(n * 11 + 3), podName(n * 11 + 3));
      extra++;
    });
    const got = pages.flatMap((p) => p.items.map((i: KObject) => keyOf(i.metadata)));
    assert.equal(got.length, PODS);
    assert.equal(new Set(got).size, PODS, 'no duplicates');
    assert.deepEqual(got, expected, 'the first page\'s snapshot, in etcd key order, nothing missed');
    const rvs = new Set(pages.map((p) => p.metadata.resourceVersion));
    assert.equal(rvs.size, 1, 'every page reports the snapshot\'s resourceVersion');
    assert.deepEqual(pages.slice(0, -1).map((p) => p.items.length), Array(pages.length - 1).fill(250));
    assert.equal(pages[0].metadata.remainingItemCount, PODS - 250);
    assert.equal(pages.at(-1).metadata.remainingItemCount, undefined);
    assert.ok(extra > 10);
    // The writes happened: a fresh list sees them.
    const now = await get('/api/v1/pods?labelSelector=app%3Dmoved');
    assert.ok(now.json().items.length >= extra - 1);
  });

  test('resourceVersion=0 is served from the cache with limit ignored: every item, no continue', async () => {
    const r = await get('/api/v1/pods?resourceVersion=0&limit=10');
    const body = r.json();
    assert.equal(body.items.length, store.count(POD));
    assert.equal(body.metadata.continue, undefined);
  });

  test('an unpaginated list of thousands is streamed and equals the paginated one', async () => {
    const whole = (await get('/api/v1/pods')).json();
    const paged = (await allPages('/api/v1/pods?limit=500')).flatMap((p) => p.items);
    assert.ok(whole.items.length > 2000);
    assert.equal(whole.kind, 'PodList');
    assert.deepEqual(whole.items.map((i: KObject) => keyOf(i.metadata)), paged.map((i: KObject) => keyOf(i.metadata)));
  });
});

describe('metadata-only and Table', () => {
  const META_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
  const META = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

  test('PartialObjectMetadataList pages carry only metadata, as asPartialObjectMetadataList writes them', async () => {
    const pages = await allPages('/api/v1/namespaces/ns-01/pods?limit=20', META_LIST);
    assert.ok(pages.length > 1);
    for (const p of pages) {
      assert.equal(p.kind, 'PartialObjectMetadataList');
      assert.equal(p.apiVersion, 'meta.k8s.io/v1');
      for (const item of p.items) {
        assert.deepEqual(Object.keys(item).sort(), ['apiVersion', 'kind', 'metadata']);
        assert.equal(item.kind, 'PartialObjectMetadata');
        assert.equal(item.apiVersion, 'meta.k8s.io/v1');
        assert.equal(item.metadata.namespace, 'ns-01');
        assert.ok(item.metadata.uid && item.metadata.resourceVersion && item.metadata.labels.app);
      }
    }
    assert.equal(pages.flatMap((p) => p.items).length, store.count(POD, 'ns-01'));
  });

  test('PartialObjectMetadata for a get; each as= on the wrong shape is a 406', async () => {
    const name = store.select(POD, { namespace: 'ns-02' })[0].metadata.name;
    const one = (await get(`/api/v1/namespaces/ns-02/pods/${name}`, META)).json();
    assert.deepEqual(Object.keys(one).sort(), ['apiVersion', 'kind', 'metadata']);
    assert.equal(one.kind, 'PartialObjectMetadata');
    assert.equal(one.metadata.name, name);
    const wrongGet = await get(`/api/v1/namespaces/ns-02/pods/${name}`, META_LIST);
    assert.equal(wrongGet.status, 406);
    assert.equal(wrongGet.json().reason, 'NotAcceptable');
    assert.equal(wrongGet.json().message, 'you requested PartialObjectMetadataList, but the requested object is not a list (*v1.Pod)');
    const wrongList = await get('/api/v1/namespaces/ns-02/pods', META);
    assert.equal(wrongList.status, 406);
    assert.equal(wrongList.json().message, 'you requested PartialObjectMetadata, but the requested object is a list (*v1.PodList)');
  });

  test('server-side Table paginates with continue', async () => {
    const pages = await allPages('/api/v1/pods?limit=400&includeObject=Metadata', 'application/json;as=Table;g=meta.k8s.io;v=v1');
    assert.ok(pages.length > 5);
    for (const p of pages) {
      assert.equal(p.kind, 'Table');
      assert.ok(p.columnDefinitions.some((c: { name: string }) => c.name === 'Name'));
    }
    const rows = pages.flatMap((p) => p.rows);
    assert.equal(rows.length, store.count(POD));
    assert.equal(new Set(rows.map((r: { object: KObject }) => keyOf(r.object.metadata))).size, rows.length);
    assert.equal(rows[0].object.kind, 'PartialObjectMetadata');
  });
});

describe('selectors from indexes', () => {
  /** Runs a list and returns what the store examined for it, and the items. */
  async function examined(path: string): Promise<{ examined: number; fullScans: number; items: KObject[] }> {
    const before = { ...store.stats };
    const r = await get(path);
    assert.equal(r.status, 200, r.text);
    return { examined: store.stats.examined - before.examined, fullScans: store.stats.fullScans - before.fullScans, items: r.json().items };
  }
  const total = () => store.count(POD);

  test('a label selector reads only the pods carrying that label value', async () => {
    const r = await examined('/api/v1/pods?labelSelector=app%3Dapp-42');
    const want = store.select(POD).filter((p) => p.metadata.labels?.app === 'app-42').length;
    assert.equal(r.items.length, want);
    assert.equal(r.fullScans, 0);
    assert.equal(r.examined, want);
    assert.ok(r.examined < total() / 50);
  });

  test('spec.nodeName, status.phase and metadata.name field selectors come from their indexes', async () => {
    const byNode = await examined('/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-7');
    assert.equal(byNode.fullScans, 0);
    assert.ok(byNode.items.length > 0 && byNode.items.every((p) => p.spec.nodeName === 'node-7'));
    assert.equal(byNode.examined, byNode.items.length);
    // Two indexed requirements: the smaller candidate set is read, then filtered by the other.
    const pendingInNs = await examined('/api/v1/namespaces/ns-10/pods?fieldSelector=status.phase%3DPending');
    assert.equal(pendingInNs.fullScans, 0);
    assert.ok(pendingInNs.items.length > 0 && pendingInNs.items.every((p) => p.status.phase === 'Pending' && p.metadata.namespace === 'ns-10'));
    assert.ok(pendingInNs.examined <= store.count(POD, 'ns-10'));
    const byName = await examined(`/api/v1/pods?fieldSelector=metadata.name%3D${podName(123)}`);
    assert.equal(byName.items.length, 1);
    assert.equal(byName.examined, 1);
  });

  test('a negated or unindexed requirement alone still answers correctly (and is the one case that scans)', async () => {
    const r = await examined('/api/v1/pods?fieldSelector=status.podIP%3D10.128.0.5');
    assert.equal(r.fullScans, 1);
    assert.deepEqual(r.items.map((p) => p.status.podIP), ['10.128.0.5']);
  });
});

describe('serving during a large bring-up', () => {
  const DEPLOY = typeByKind('Deployment')!;
  const REPLICAS = 10 * POD_BATCH;

  function getWith(server: ApiServer, agent: Agent, path: string): Promise<Res & { headers: Record<string, string | string[] | undefined> }> {
    const base = new URL(server.url);
    return new Promise((resolve, reject) => {
      const req = request({ host: base.hostname, port: base.port, path, method: 'GET', agent, headers: { Authorization: `Bearer ${server.tokenFor('admin')}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => { const text = Buffer.concat(chunks).toString('utf8'); resolve({ status: res.statusCode ?? 0, text, json: () => JSON.parse(text), headers: res.headers }); });
      });
      req.on('error', reject);
      req.end();
    });
  }

  test('an owner deleted between two batches gets no more pods', async () => {
    const s = new Store();
    const RSET = typeByKind('ReplicaSet')!;
    const controllers = startControllers(s, { nodes: ['n1'] });
    try {
      let rsUid = '';
      let deleted = false;
      let after = 0;
      const firstPod = new Promise<void>((resolve) => {
        s.on('change', (c: Change) => {
          if (c.resource.kind !== 'Pod' || c.type !== 'ADDED') { return; }
          const ref = c.object.metadata.ownerReferences?.[0];
          if (deleted && ref?.uid === rsUid) { after++; }
          if (!rsUid && ref) { rsUid = ref.uid; resolve(); }
        });
      });
      s.create(DEPLOY, {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
        spec: { replicas: 3 * POD_BATCH, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'busybox:1.36' }] } } },
      });
      await firstPod;
      const rs = s.list(RSET, 'default').find((r) => r.metadata.uid === rsUid)!;
      s.delete(RSET, 'default', rs.metadata.name);
      deleted = true;
      await controllers.flush();
      assert.equal(after, 0, 'no pod created for the deleted ReplicaSet after its deletion');
      assert.equal(s.select(POD, { namespace: 'default' }).filter((p) => p.metadata.ownerReferences?.[0].uid === rsUid).length, 0, 'and the garbage collector took the ones made before');
      assert.equal(s.count(POD, 'default'), 3 * POD_BATCH, 'the Deployment\'s new ReplicaSet has them all');
    } finally {
      controllers.stop();
    }
  });

  test('a list made once the controllers start creating 10,000 pods is answered while they are still creating them', async () => {
    const s = new Store();
    const server = await startApiServer({ store: s, runtime: new FakeRuntime(), stateDir: dir });
    const agent = new Agent({ keepAlive: true, ca: server.caPem });
    const controllers = startControllers(s, { nodes: ['n1', 'n2'] });
    try {
      server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'big' } });
      // The connection is up before the bring-up, as a client's would be (kube-apiserver keeps it 90 s idle).
      const warm = await getWith(server, agent, '/api/v1/namespaces/big/pods?limit=1');
      assert.equal(warm.status, 200);
      assert.match(String(warm.headers['keep-alive']), /timeout=90/);
      // The first pod the pass creates is the signal: the request goes out while the pass is running.
      const firstPod = new Promise<void>((resolve) => {
        const on = (c: Change) => { if (c.resource.kind === 'Pod' && c.type === 'ADDED') { s.off('change', on); resolve(); } };
        s.on('change', on);
      });
      s.create(DEPLOY, {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'big' },
        spec: { replicas: REPLICAS, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'busybox:1.36' }] } } },
      });
      await firstPod;
      const r = await getWith(server, agent, '/api/v1/namespaces/big/pods?limit=1');
      assert.equal(r.status, 200);
      const listed = r.json().items.length + (r.json().metadata.remainingItemCount ?? 0);
      // Created in one synchronous pass, every pod would exist before the server could read the request.
      assert.ok(listed > 0 && listed < REPLICAS, `the answer saw ${listed} of ${REPLICAS} pods: the pass yielded between batches`);
      await controllers.flush();
      assert.equal(s.count(POD, 'big'), REPLICAS, 'and the bring-up still completes');
      assert.equal(s.select(POD, { namespace: 'big' }).filter((p) => !p.spec.nodeName).length, 0, 'every pod bound');
    } finally {
      controllers.stop();
      agent.destroy();
      await server.close();
    }
  });
});
