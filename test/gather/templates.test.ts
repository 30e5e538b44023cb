// Pods by template (gather/templates.ts): ownership from metadata pages, one real pod per template, the
// collector sample; and probes per path (gather/plan.ts groupProbes, pathKey).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ClusterClient, KObject, ListOptions } from '../../src/cluster/types.ts';
import { ApiError } from '../../src/errors.ts';
import { COLLECTOR_SAMPLE, FULL_POD_LIST_MAX, METADATA_PAGE, listClusterPods, nodePool, representatives, sampleCollectorPods, TEMPLATE_NAMES_KEPT, templateKey, TemplateIndex } from '../../src/gather/templates.ts';
import { groupProbes, hostSameFromEveryNamespace, pathContext, pathKey, policyLabelKeys, type ProbePlan } from '../../src/gather/plan.ts';
import type { AppContainer } from '../../src/snapshot.ts';

function pod(ns: string, name: string, o: { rs?: string; ds?: string; hash?: string; ready?: boolean; phase?: string; restarts?: number; node?: string; labels?: Record<string, string> } = {}): KObject {
  const owner = o.rs ? { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: o.rs, uid: `uid-${o.rs}`, controller: true } : o.ds ? { apiVersion: 'apps/v1', kind: 'DaemonSet', name: o.ds, uid: `uid-${o.ds}`, controller: true } : undefined;
  const labels = { ...(o.labels ?? {}), ...(o.hash ? { [o.rs ? 'pod-template-hash' : 'controller-revision-hash']: o.hash } : {}) };
  const ready = o.ready ?? true;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { namespace: ns, name, labels, ...(owner ? { ownerReferences: [owner] } : {}) },
    spec: { nodeName: o.node ?? 'node-0', containers: [{ name: 'c', image: 'busybox' }] },
    status: { phase: o.phase ?? 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }], containerStatuses: [{ name: 'c', ready, restartCount: o.restarts ?? 0 }] },
  };
}

/** Just the calls templates.ts makes, over plain pods, recording what was asked. */
class PagedClient implements Partial<ClusterClient> {
  calls: string[] = [];
  pods: KObject[];
  gone: Set<string>;
  constructor(pods: KObject[], gone = new Set<string>()) {
    this.pods = pods;
    this.gone = gone;
  }
  async list(): Promise<KObject[]> { throw new Error('templates.ts reads page by page'); }
  async listPages(_r: unknown, opts: ListOptions, onPage: (items: KObject[], more: boolean) => boolean | undefined): Promise<void> {
    this.calls.push(`list ${opts.metadataOnly ? 'meta' : 'full'} ${opts.fieldSelector ?? ''} ${opts.labelSelector ?? ''} limit=${opts.pageSize ?? 500}`.trim());
    const phase = /^status\.phase(!?=)(\w+)$/.exec(opts.fieldSelector ?? '');
    const sel = (opts.labelSelector ?? '').split(',').filter(Boolean).map((t) => t.split('='));
    const items = this.pods.filter((p) => (!opts.namespace || p.metadata.namespace === opts.namespace)
      && (!phase || (phase[1] === '=') === (p.status?.phase === phase[2]))
      && sel.every(([k, v]) => p.metadata.labels?.[k] === v));
    const size = opts.pageSize ?? 500;
    for (let i = 0; i < items.length; i += size) {
      const page = items.slice(i, i + size).map((p) => (opts.metadataOnly ? { metadata: p.metadata } : p));
      if (onPage(page, i + size < items.length) === false) { return; }
    }
    if (items.length === 0) { onPage([], false); }
  }
  async getObject(_r: unknown, ns: string | undefined, name: string): Promise<KObject> {
    this.calls.push(`get ${ns}/${name}`);
    const p = this.pods.find((x) => x.metadata.namespace === ns && x.metadata.name === name);
    if (!p || this.gone.has(name)) { throw new ApiError(`pods "${name}" not found`, { status: 404, reason: 'NotFound', path: '' }); }
    return p;
  }
}

const client = (c: PagedClient): ClusterClient => c as unknown as ClusterClient;

test('a template is its owner and its revision: two ReplicaSets, two DaemonSet revisions, each bare pod its own', () => {
  assert.equal(templateKey(pod('a', 'x-1', { rs: 'x-5f', hash: '5f' }).metadata), templateKey(pod('a', 'x-2', { rs: 'x-5f', hash: '5f' }).metadata));
  assert.notEqual(templateKey(pod('a', 'x-1', { rs: 'x-5f', hash: '5f' }).metadata), templateKey(pod('a', 'x-3', { rs: 'x-6c', hash: '6c' }).metadata));
  assert.notEqual(templateKey(pod('a', 'd-1', { ds: 'd', hash: 'r1' }).metadata), templateKey(pod('a', 'd-2', { ds: 'd', hash: 'r2' }).metadata));
  assert.notEqual(templateKey(pod('a', 'bare-1').metadata), templateKey(pod('a', 'bare-2').metadata));
});

test('the index counts by template and keeps a few names: a pod that started between the two lists counts once, a restarted list\'s pages too', () => {
  const idx = new TemplateIndex();
  const page = [pod('a', 'x-1', { rs: 'x-5f', hash: '5f' }), pod('a', 'x-2', { rs: 'x-5f', hash: '5f' }), pod('b', 'lone')];
  idx.addNotRunning([pod('a', 'x-3', { rs: 'x-5f', hash: '5f', phase: 'Pending' }), pod('a', 'x-2', { rs: 'x-5f', hash: '5f', phase: 'Pending' })]);
  idx.addRunning(page);
  // A continue token expired: the running list starts over and hands its pages again.
  idx.restartRunning();
  idx.addRunning(page);
  idx.finish();
  assert.equal(idx.pods, 4);
  assert.equal(idx.groups.size, 2);
  const g = idx.groups.get(templateKey(page[0].metadata))!;
  assert.deepEqual([g.running, g.other, g.runningCount, g.otherCount], [['x-1', 'x-2'], ['x-3'], 2, 1]);
  assert.equal(idx.podCount(g.key), 3);
});

test('the index grows with templates, not pods: a few names per template, nothing kept per running pod', () => {
  const idx = new TemplateIndex();
  for (let p = 0; p < 50; p++) {
    const items: KObject[] = [];
    for (let i = 0; i < 2000; i++) { items.push({ metadata: pod(`ns-${i % 100}`, `app-${i % 500}-${p}-${i}`, { rs: `app-${i % 500}-h`, hash: 'h' }).metadata }); }
    idx.addRunning(items);
  }
  idx.finish();
  assert.equal(idx.pods, 100_000);
  assert.equal(idx.groups.size, 500);
  for (const g of idx.groups.values()) {
    assert.equal(g.runningCount, 200);
    assert.equal(g.running.length, TEMPLATE_NAMES_KEPT);
  }
});

test('the index retains a few bytes per pod at most: 200,000 pods in 200 templates', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const page = (p: number): KObject[] => Array.from({ length: 2000 }, (_, i) => ({ metadata: pod(`ns-${i % 50}`, `app-${i % 200}-${p}-${i}`, { rs: `app-${i % 200}-h`, hash: 'h', labels: { app: `app-${i % 200}` } }).metadata }));
  gc();
  const before = process.memoryUsage().heapUsed;
  const idx = new TemplateIndex();
  for (let p = 0; p < 100; p++) { idx.addRunning(page(p)); }
  idx.finish();
  gc();
  const perPod = (process.memoryUsage().heapUsed - before) / idx.pods;
  assert.equal(idx.pods, 200_000);
  // Names and ids of every pod were ~130 bytes a pod; what is left is per template (~1 KB each).
  assert.ok(perPod < 16, `${perPod.toFixed(1)} bytes retained per pod`);
});

test('a cluster that fits one page is read in full; a larger one by metadata pages split by phase, then one pod per template', async () => {
  const small = new PagedClient([pod('a', 'p1'), pod('a', 'p2')]);
  const s = await listClusterPods(client(small));
  assert.equal(s.mode, 'full');
  assert.deepEqual(small.calls, [`list full   limit=${FULL_POD_LIST_MAX}`]);

  const many: KObject[] = [];
  for (let w = 0; w < 60; w++) {
    for (let r = 0; r < 10; r++) { many.push(pod(`ns-${w % 3}`, `app-${w}-${r}`, { rs: `app-${w}-h`, hash: 'h', ready: r !== 0, phase: w === 59 ? 'Pending' : 'Running' })); }
  }
  const big = new PagedClient(many, new Set(['app-2-1']));
  const l = await listClusterPods(client(big));
  assert.equal(l.mode, 'templates');
  if (l.mode !== 'templates') { return; }
  assert.equal(l.index.pods, 600);
  assert.equal(l.index.groups.size, 60);
  // One full page only (the size test), then metadata, never the cluster's pods in full.
  assert.equal(big.calls.filter((c) => c.startsWith('list full')).length, 1);
  assert.ok(big.calls.includes(`list meta status.phase=Running  limit=${METADATA_PAGE}`) && big.calls.includes(`list meta status.phase!=Running  limit=${METADATA_PAGE}`));
  const { pods: reps, read } = await representatives(client(big), l.index, 4);
  assert.equal(read, 60, 'no owner templates given: every template\'s pod is read');
  assert.equal(reps.length, 60);
  // The first running pod of each template is not ready: the next one stands for it; a deleted one is skipped.
  assert.ok(reps.filter((p) => p.status.phase === 'Running').every((p) => p.status.conditions[0].status === 'True'));
  assert.ok(big.calls.includes('get ns-2/app-2-1'));
  assert.equal(reps.find((p) => p.metadata.name.startsWith('app-2-'))?.metadata.name, 'app-2-2');
  // A template with no running pod is still read (one of its pods), so its state is judged.
  assert.ok(reps.some((p) => p.metadata.name.startsWith('app-59-') && p.status.phase === 'Pending'));
  assert.ok(big.calls.filter((c) => c.startsWith('get ')).length <= 60 * 3);
});

test('collector pods: a bounded sample, every unhealthy pod, one per node pool where the host network matters', async () => {
  const labels = { app: 'agent' };
  const pods: KObject[] = [];
  for (let i = 0; i < 200; i++) { pods.push(pod('obs', `agent-${i}`, { ds: 'agent', hash: 'r1', labels, node: `n${i}`, ready: i % 50 !== 7, restarts: i === 120 ? 3 : 0 })); }
  pods.push(pod('obs', 'other', { labels: { app: 'other' } }));
  const c = new PagedClient(pods);
  const pool = (n: string): string => nodePool({ 'cloud.google.com/gke-nodepool': Number(n.slice(1)) < 150 ? 'general' : 'gpu' });
  const { pods: kept, sample } = await sampleCollectorPods(client(c), pods[0], { hostMatters: true, poolOf: pool });
  const names = new Set(kept.map((p) => p.metadata.name));
  assert.equal(sample.pods, 200);
  assert.equal(sample.notReady, 4);
  assert.equal(sample.restarting, 1);
  for (const n of ['agent-7', 'agent-57', 'agent-107', 'agent-157', 'agent-120']) { assert.ok(names.has(n), n); }
  assert.equal(sample.nodePools, 2);
  assert.ok(kept.some((p) => Number(p.spec.nodeName.slice(1)) >= 150), 'one pod from the second pool');
  assert.ok(kept.length <= COLLECTOR_SAMPLE + 5 + 2, `kept ${kept.length}`);
  assert.equal(c.calls.length, 1);
  assert.match(c.calls[0], /^list full\s+app=agent/);
});

test('node pools from the managed offerings\' labels, else the instance type', () => {
  assert.equal(nodePool({ 'eks.amazonaws.com/nodegroup': 'ng-1', 'node.kubernetes.io/instance-type': 'm5.large' }), 'ng-1');
  assert.equal(nodePool({ 'kubernetes.azure.com/agentpool': 'sys' }), 'sys');
  assert.equal(nodePool({ 'node.kubernetes.io/instance-type': 'm5.large' }), 'm5.large');
  assert.equal(nodePool(undefined), '');
});

function app(ns: string, pod: string, workload: string, o: Partial<AppContainer> = {}): AppContainer {
  return { namespace: ns, pod, container: 'app', workload: { kind: 'Deployment', namespace: ns, name: workload }, exporter: {}, ready: true, labels: {}, ...o };
}
const plan = (host: string, port: number): ProbePlan[] => [{ kind: 'app-endpoint', endpoint: `http://${host}:${port}`, parsed: { ok: true, target: { host, port } } } as unknown as ProbePlan];

test('probes per path: one ready pod per group, the sample from other workloads, bounded', () => {
  const apps = [
    app('a', 'w1-x', 'w1', { ready: false }), app('a', 'w1-y', 'w1'), app('a', 'w2-x', 'w2'), app('a', 'w3-x', 'w3'),
    app('b', 'w4-x', 'w4'), app('a', 'w5-x', 'w5'),
  ];
  const plans = [plan('gw', 4317), plan('gw', 4317), plan('gw', 4317), plan('gw', 4317), plan('gw', 4317), plan('gw', 4316)];
  const keys = apps.map((a, i) => pathKey(a, plans[i], pathContext([], [])));
  const none = groupProbes(apps, keys, { sample: 0 });
  assert.equal(none.length, 3, 'namespace a to :4317, namespace b to :4317, namespace a to :4316');
  const big = none.find((g) => g.members.length === 4)!;
  assert.deepEqual(big.probing, [1], 'the ready pod, not the first one found');
  assert.equal(big.workloads, 3);
  const sampled = groupProbes(apps, keys, { sample: 1 });
  const g = sampled.find((x) => x.members.length === 4)!;
  assert.equal(g.probing.length, 2);
  assert.notEqual(apps[g.probing[1]].workload!.name, 'w1', 'the sample comes from another workload');
  assert.equal(sampled.flatMap((x) => x.probing).length, 4, 'one per group plus one');
  // By default one extra pod per ten groups (rounded up), at most PROBE_SAMPLE.
  assert.equal(groupProbes(apps, keys).flatMap((x) => x.probing).length, 4);
});

test('paths differ by the labels NetworkPolicies select on, not by other labels', () => {
  const keys = policyLabelKeys([{ spec: { podSelector: { matchLabels: { tier: 'web' } }, ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['x'] }] } }] }] } }]);
  assert.deepEqual([...keys].sort(), ['team', 'tier']);
  const p = plan('gw', 4317);
  const ctx = { ...pathContext([], []), policyKeys: keys };
  const k = (labels: Record<string, string>) => pathKey(app('a', 'p', 'w', { labels }), p, ctx);
  assert.equal(k({ tier: 'web', version: '1' }), k({ tier: 'web', version: '2' }));
  assert.notEqual(k({ tier: 'web' }), k({ tier: 'db' }));
  assert.notEqual(k({ team: 'x' }), k({}));
  // A sidecar collector answers per pod: no two pods share its path.
  assert.notEqual(pathKey(app('a', 'p1', 'w', { sidecarCollector: { container: 'otc' } }), p, ctx), pathKey(app('a', 'p2', 'w', { sidecarCollector: { container: 'otc' } }), p, ctx));
});

test('hosts that resolve the same from every namespace: three labels or more, IPs, absolute names, localhost', () => {
  for (const h of ['gw.observability.svc.cluster.local', 'gw.observability.svc', 'otel.example.com', '10.0.0.7', '[fd00::7]', 'fd00::7', 'gw.', 'localhost']) { assert.ok(hostSameFromEveryNamespace(h), h); }
  // `gw` and `gw.observability` are tried as gw(.observability).<ns>.svc.cluster.local first: a Service, or an endpoint of a headless one, of that namespace.
  for (const h of ['gw', 'gw.observability']) { assert.ok(!hostSameFromEveryNamespace(h), h); }
});

/** The Service the FQDN below names: a target inside the cluster. */
const GW = [{ namespace: 'observability', name: 'gw', clusterIP: '10.96.0.9', ports: [], matchedCollectorPods: [] }] as unknown as Parameters<typeof pathContext>[0];

test('apps of many namespaces share a path where the namespace cannot change it', () => {
  const fqdn = plan('gw.observability.svc.cluster.local', 4317);
  const policies = [
    { metadata: { namespace: 'locked', name: 'deny' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [] } },
    { metadata: { namespace: 'observability', name: 'in' }, spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { tier: 'prod' } } }] }] } },
  ];
  const namespaces = [{ name: 'a', labels: { tier: 'prod' } }, { name: 'b', labels: { tier: 'prod' } }, { name: 'c', labels: { tier: 'dev' } }, { name: 'locked', labels: { tier: 'prod' } }];
  const ctx = pathContext(GW, policies, namespaces);
  const key = (ns: string, o: Partial<AppContainer> = {}, p = fqdn) => pathKey(app(ns, `${ns}-p`, 'w', o), p, ctx);
  assert.equal(key('a'), key('b'), 'same targets, same namespaceSelectors matching: one path');
  assert.notEqual(key('a'), key('c'), 'the collector\'s ingress policy selects tier=prod: c is on another path');
  assert.notEqual(key('a'), key('locked'), 'a namespace with its own NetworkPolicy keeps its own path');
  assert.notEqual(key('a', {}, plan('gw.observability', 4317)), key('b', {}, plan('gw.observability', 4317)), 'a name searched through the namespace keeps it');
  assert.notEqual(key('a', { annotations: { 'sidecar.istio.io/status': '{}' } }), key('b', { annotations: { 'sidecar.istio.io/status': '{}' } }), 'a meshed pod keeps its namespace (mesh policy is per namespace)');
  // Namespace labels unread while a policy selects namespaces: nothing says a and b match alike.
  const blind = pathContext(GW, policies);
  assert.notEqual(pathKey(app('a', 'a-p', 'w'), fqdn, blind), pathKey(app('b', 'b-p', 'w'), fqdn, blind));
  // Without any policy the namespace drops out entirely.
  const open = pathContext(GW, []);
  assert.equal(pathKey(app('a', 'a-p', 'w'), fqdn, open), pathKey(app('zz', 'zz-p', 'w'), fqdn, open));
});

test('a path spanning namespaces is sampled from another namespace', () => {
  const fqdn = plan('gw.observability.svc.cluster.local', 4317);
  const apps = [app('a', 'a1-x', 'a1'), app('a', 'a2-x', 'a2'), app('b', 'b1-x', 'b1'), app('c', 'c1-x', 'c1')];
  const ctx = pathContext(GW, []);
  const groups = groupProbes(apps, apps.map((a) => pathKey(a, fqdn, ctx)));
  assert.equal(groups.length, 1);
  assert.equal(groups[0].namespaces, 3);
  assert.equal(groups[0].workloads, 4);
  assert.deepEqual(groups[0].probing.map((i) => apps[i].namespace), ['a', 'b'], 'one pod, then one of another namespace (not a2 of the same one)');
});

test('a pod is made from its owner\'s template only where admission changed nothing; else the real one is read', async () => {
  const rs = (annotations?: Record<string, string>): KObject => ({
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { namespace: 'a', name: 'x-5f', uid: 'uid-x-5f' },
    spec: { template: { metadata: { labels: { app: 'x', 'pod-template-hash': '5f' }, ...(annotations ? { annotations } : {}) }, spec: { containers: [{ name: 'c', image: 'busybox', env: [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://gw:4317' }] }] } } },
  });
  const pods = [pod('a', 'x-1', { rs: 'x-5f', hash: '5f', labels: { app: 'x' } }), pod('a', 'x-2', { rs: 'x-5f', hash: '5f', labels: { app: 'x' } })];
  const idx = new TemplateIndex();
  idx.addRunning(pods.map((p) => ({ metadata: p.metadata })));
  const c = new PagedClient(pods);
  const made = await representatives(client(c), idx, 2, undefined, undefined, new Map([['ReplicaSet/a/x-5f', rs()]]));
  assert.equal(made.read, 0);
  assert.deepEqual(c.calls, []);
  assert.equal(made.pods[0].metadata.name, 'x-1');
  assert.equal(made.pods[0].spec.containers[0].env[0].value, 'http://gw:4317');
  assert.equal(made.pods[0].metadata.ownerReferences?.[0].name, 'x-5f');
  // A node simulator's or an autoscaler's annotation on the pod says nothing of its spec.
  const marked = pods.map((p) => ({ ...p, metadata: { ...p.metadata, annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true' } } }));
  const idx1 = new TemplateIndex();
  idx1.addRunning(marked.map((p) => ({ metadata: p.metadata })));
  assert.equal((await representatives(client(new PagedClient(marked)), idx1, 2, undefined, undefined, new Map([['ReplicaSet/a/x-5f', rs()]]))).read, 0);
  // ... nor in a namespace that asks an injector for its pods.
  assert.equal((await representatives(client(new PagedClient(pods)), idx, 2, undefined, undefined, new Map([['ReplicaSet/a/x-5f', rs()]]), (n) => n === 'a')).read, 1);
  // A webhook annotated the pods (a mesh's sidecar status, the operator's injection): the pod is read.
  const mutated = pods.map((p) => ({ ...p, metadata: { ...p.metadata, annotations: { 'sidecar.istio.io/status': '{}' } } }));
  const idx2 = new TemplateIndex();
  idx2.addRunning(mutated.map((p) => ({ metadata: p.metadata })));
  const c2 = new PagedClient(mutated);
  const real = await representatives(client(c2), idx2, 2, undefined, undefined, new Map([['ReplicaSet/a/x-5f', rs()]]));
  assert.equal(real.read, 1);
  assert.deepEqual(c2.calls, ['get a/x-1']);
});

test('an owner list that fails while the pod pages are still read is the diagnosis\'s error, never an unhandled rejection', async () => {
  const { discover } = await import('../../src/gather/list.ts');
  const many = Array.from({ length: FULL_POD_LIST_MAX + 1 }, (_, i) => pod('a', `p-${i}`, { rs: 'x-5f', hash: '5f' }));
  const base = new PagedClient(many);
  const slow: Partial<ClusterClient> = {
    list: async () => [],
    getObject: base.getObject.bind(base),
    listPages: async (r, opts, onPage, onRestart) => {
      const name = typeof r === 'string' ? r : r.resource;
      if (name === 'replicasets') { throw new ApiError('GET replicasets: the request did not complete before its deadline', { status: 0, reason: 'Canceled', path: '' }); }
      if (opts.metadataOnly) { await new Promise((res) => setTimeout(res, 50)); }
      return base.listPages(r, opts, onPage);
    },
  };
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => { unhandled.push(e); };
  process.on('unhandledRejection', onUnhandled);
  try {
    await assert.rejects(discover(slow as ClusterClient, { namespace: 'a', allNamespaces: true, appNamespaces: [], canListClusterWide: true }), (e: unknown) => e instanceof ApiError && e.reason === 'Canceled');
    await new Promise((res) => setTimeout(res, 20));
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  assert.deepEqual(unhandled, []);
});

test('an app on a probed path has its prober\'s probes, and the evidence says how many apps one probe stands for', async () => {
  const { probesFrom, probeText } = await import('../../src/rules/util.ts');
  const prober = app('a', 'w1-x', 'w1');
  const member = { ...app('a', 'w2-x', 'w2'), probedBy: { namespace: 'a', pod: 'w1-x', container: 'app' } };
  const probe = { from: { namespace: 'a', pod: 'w1-x', container: 'app' }, target: { kind: 'app-endpoint' as const, host: 'gw', port: 4317 }, result: 'refused' as const, standsFor: { apps: 12, pods: 180, workloads: 12 } };
  const snap = { meta: { time: '', mode: 'diagnose' as const }, collectors: [], services: [], networkPolicies: [], apps: [prober, member], probes: [probe], logs: [], instrumentations: [], otelCollectorCRs: [], notes: [], incomplete: [] } as unknown as import('../../src/snapshot.ts').Snapshot;
  assert.deepEqual(probesFrom(snap, member), [probe]);
  assert.deepEqual(probesFrom(snap, app('a', 'w3-x', 'w3')), []);
  assert.match(probeText(probe), /probe from a\/w1-x to gw:4317: refused \(one probe for 12 apps in 180 pods of 12 workloads on this path\)$/);
});

test('a pod is made from its owner\'s template only when it is of that revision; an older DaemonSet, StatefulSet or ReplicaSet revision is read', async () => {
  const { ofCurrentTemplate } = await import('../../src/gather/templates.ts');
  const spec = { containers: [{ name: 'c', image: 'app:v2' }] };
  const sts = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { namespace: 'a', name: 's', uid: 'uid-s' }, spec: { template: { metadata: { labels: { app: 's' } }, spec } }, status: { currentRevision: 's-r1', updateRevision: 's-r2' } };
  const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { namespace: 'a', name: 'd', uid: 'uid-d', annotations: { 'deprecated.daemonset.template.generation': '3' } }, spec: { template: { metadata: { labels: { app: 'd' } }, spec } } };
  const stsPod = (name: string, rev: string): KObject => {
    const p = pod('a', name, { labels: { app: 's', 'controller-revision-hash': rev } });
    p.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 's', uid: 'uid-s', controller: true }];
    return p;
  };
  const dsPod = (name: string, rev: string, gen: string): KObject => pod('a', name, { ds: 'd', hash: rev, labels: { app: 'd', 'pod-template-generation': gen } });
  // OnDelete: s-0 still runs the old revision, s-1 the new one; d-old the DaemonSet's generation 2.
  const pods = [stsPod('s-0', 's-r1'), stsPod('s-1', 's-r2'), dsPod('d-old', 'd-h2', '2'), dsPod('d-new', 'd-h3', '3')];
  const idx = new TemplateIndex();
  idx.addRunning(pods.map((p) => ({ metadata: p.metadata })));
  const c = new PagedClient(pods);
  // Listed items carry no kind: the pods' ownerReferences name it.
  const owners = new Map<string, KObject>([['StatefulSet/a/s', { ...sts, kind: undefined } as unknown as KObject], ['DaemonSet/a/d', { ...ds, kind: undefined } as unknown as KObject]]);
  const out = await representatives(client(c), idx, 1, undefined, undefined, owners);
  assert.deepEqual(c.calls.sort(), ['get a/d-old', 'get a/s-0']);
  assert.equal(out.read, 2);
  assert.equal(out.pods.length, 4);
  // A ReplicaSet's pods carry its own hash; without one on its template nothing says which spec they run.
  const rs = { kind: 'ReplicaSet', metadata: { name: 'x-5f' }, spec: { template: { metadata: { labels: { 'pod-template-hash': '5f' } } } } } as unknown as KObject;
  assert.equal(ofCurrentTemplate({ 'pod-template-hash': '5f' }, rs, 'ReplicaSet'), true);
  assert.equal(ofCurrentTemplate({ 'pod-template-hash': '6c' }, rs, 'ReplicaSet'), false);
  assert.equal(ofCurrentTemplate({}, { ...rs, spec: { template: { metadata: {} } } }, 'ReplicaSet'), false);
  assert.equal(ofCurrentTemplate({ 'controller-revision-hash': 's-r2' }, { ...sts, status: {} } as unknown as KObject, 'StatefulSet'), false);
  assert.equal(ofCurrentTemplate({ 'pod-template-generation': '3' }, { ...ds, metadata: { name: 'd' } } as unknown as KObject, 'DaemonSet'), false);
});

/**
 * A cluster past one page: 500 app pods of one Deployment, a one-replica gateway crash-looping, ConfigMaps
 * that cannot be listed cluster-wide, and many the pods never name.
 */
function templateCluster(): { client: ClusterClient; calls: string[] } {
  const appEnv = [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://gw.obs:4317' }];
  const appTpl = { metadata: { labels: { app: 'web', 'pod-template-hash': '5f' } }, spec: { containers: [{ name: 'c', image: 'web', env: appEnv, envFrom: [{ configMapRef: { name: 'web-env' } }] }] } };
  const gwTpl = { metadata: { labels: { app: 'gw', 'pod-template-hash': '7a' } }, spec: { containers: [{ name: 'otelcol', image: 'otel/opentelemetry-collector-contrib:0.130.0', args: ['--config=/conf/relay.yaml'], ports: [{ containerPort: 4317 }], volumeMounts: [{ name: 'conf', mountPath: '/conf' }] }], volumes: [{ name: 'conf', configMap: { name: 'gw-conf' } }] } };
  const apps = Array.from({ length: FULL_POD_LIST_MAX }, (_, i) => {
    const p = pod('shop', `web-5f-${i}`, { rs: 'web-5f', hash: '5f', labels: { app: 'web' } });
    p.spec = appTpl.spec;
    return p;
  });
  const gw = pod('obs', 'gw-7a-0', { rs: 'gw-7a', hash: '7a', labels: { app: 'gw' }, ready: false, restarts: 7 });
  gw.spec = gwTpl.spec;
  gw.status = { ...gw.status, podIP: '10.244.1.9' };
  const rss = [
    { apiVersion: 'apps/v1', metadata: { namespace: 'shop', name: 'web-5f', uid: 'uid-web-5f' }, spec: { replicas: FULL_POD_LIST_MAX, template: appTpl } },
    { apiVersion: 'apps/v1', metadata: { namespace: 'obs', name: 'gw-7a', uid: 'uid-gw-7a' }, spec: { replicas: 1, template: gwTpl } },
  ];
  const cms = [
    { metadata: { namespace: 'shop', name: 'web-env' }, data: { OTEL_SERVICE_NAME: 'web' } },
    { metadata: { namespace: 'obs', name: 'gw-conf' }, data: { 'relay.yaml': 'receivers: {otlp: {protocols: {grpc: {endpoint: 0.0.0.0:4317}}}}\n' } },
    ...Array.from({ length: 50 }, (_, i) => ({ metadata: { namespace: 'shop', name: `unrelated-${i}` }, data: { big: 'x'.repeat(1000) } })),
  ];
  const base = new PagedClient([...apps, gw]);
  const c: Partial<ClusterClient> = {
    list: async () => [],
    getObject: base.getObject.bind(base),
    listPages: async (r, opts, onPage, onRestart) => {
      const name = typeof r === 'string' ? r : r.resource;
      if (name === 'pods') { return base.listPages(r, opts, onPage); }
      if (name === 'replicasets') {
        onPage(rss as KObject[], false);
        return;
      }
      if (name === 'configmaps') {
        base.calls.push(`list configmaps ${opts.namespace ?? 'cluster-wide'}`);
        if (!opts.namespace) { throw new ApiError('configmaps is forbidden: cannot list resource "configmaps" at the cluster scope', { status: 403, reason: 'Forbidden', path: '' }); }
        onPage(cms.filter((m) => m.metadata.namespace === opts.namespace) as KObject[], false);
        return;
      }
      onPage([], false);
      void onRestart;
    },
  };
  return { client: c as ClusterClient, calls: base.calls };
}

test('a one-replica collector is read as the real pod (IP, readiness, restarts), never made from its template', async () => {
  const { discover } = await import('../../src/gather/list.ts');
  const { client: c, calls } = templateCluster();
  const d = await discover(c, { namespace: 'obs', allNamespaces: true, appNamespaces: [], canListClusterWide: true });
  assert.equal(d.collectors.length, 1);
  const gw = d.collectors[0].pod;
  assert.equal(gw.status?.podIP, '10.244.1.9');
  assert.equal(gw.status?.containerStatuses?.[0]?.restartCount, 7);
  assert.equal(gw.status?.conditions?.some((x: any) => x.type === 'Ready' && x.status === 'False'), true);
  assert.ok(calls.includes('get obs/gw-7a-0'));
  // The app's 500 pods still stand on their template: no pod of theirs is read.
  assert.ok(!calls.some((x) => x.startsWith('get shop/')));
  assert.equal(d.apps.length, 1);
});

test('ConfigMaps forbidden cluster-wide are read per namespace, and only those the pods name are kept', async () => {
  const { discover } = await import('../../src/gather/list.ts');
  const { client: c, calls } = templateCluster();
  const d = await discover(c, { namespace: 'obs', allNamespaces: true, appNamespaces: [], canListClusterWide: true });
  assert.deepEqual(calls.filter((x) => x.startsWith('list configmaps')).sort(), ['list configmaps cluster-wide', 'list configmaps obs', 'list configmaps shop']);
  assert.deepEqual([...d.configMaps.keys()].sort(), ['obs/gw-conf', 'shop/web-env']);
  assert.ok(!d.listFailures.some((f) => f.resource === 'configmaps'));
  assert.equal(d.apps[0].env.find((e) => e.name === 'OTEL_SERVICE_NAME')?.value, 'web');
});

test('a pod that stops between the not-running and the running list is counted once; the count is exact or one over per pod that stopped during the last list', async () => {
  const pods: KObject[] = [];
  for (let w = 0; w < 60; w++) {
    for (let r = 0; r < 10; r++) { pods.push(pod(`ns-${w % 3}`, `app-${w}-${r}`, { rs: `app-${w}-h`, hash: 'h', phase: r === 9 ? 'Pending' : 'Running' })); }
  }
  // A Job's pod, Running when the not-running pods are listed, Succeeded by the time the running ones are.
  pods.push(pod('ns-0', 'job-1-x', { rs: 'job-1', hash: 'j', phase: 'Running' }));
  class Stopping extends PagedClient {
    override async listPages(r: unknown, opts: ListOptions, onPage: (items: KObject[], more: boolean) => boolean | undefined): Promise<void> {
      await super.listPages(r, opts, onPage);
      if (opts.fieldSelector === 'status.phase!=Running' && opts.metadataOnly) { this.pods.at(-1)!.status.phase = 'Succeeded'; }
    }
  }
  const l = await listClusterPods(client(new Stopping(pods)));
  assert.equal(l.mode, 'templates');
  if (l.mode !== 'templates') { return; }
  assert.equal(l.index.pods, 601);
  const job = l.index.groups.get(templateKey(pods.at(-1)!.metadata));
  assert.deepEqual([job?.runningCount, job?.otherCount, job?.other], [0, 1, ['job-1-x']], 'the stopped pod stands for its template');

  // The bound: only a pod that stopped after the running list read it (during the last list) counts twice.
  const idx = new TemplateIndex();
  const p = (name: string, phase: string): KObject => ({ metadata: pod('a', name, { rs: 'x-5f', hash: '5f', phase }).metadata });
  idx.addNotRunning([p('pending-then-running', 'Pending'), p('done-before', 'Succeeded')]);
  idx.addRunning([p('pending-then-running', 'Running'), p('stops-during-last', 'Running')]);
  idx.addStoppedSince([p('done-before', 'Succeeded'), p('stopped-between', 'Succeeded')]);
  // The last list's continue token expired: its pages come again.
  idx.restartStoppedSince();
  idx.addStoppedSince([p('done-before', 'Succeeded'), p('stopped-between', 'Succeeded'), p('stops-during-last', 'Failed')]);
  idx.finish();
  assert.equal(idx.pods, 5, '4 pods, the one that stopped during the last list twice');
});
