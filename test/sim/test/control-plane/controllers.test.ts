import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store, typeByKind, type KObject } from '../../store.ts';
import { podTemplateHash, resolveTargetPort, startControllers } from '../../controllers.ts';

const T = (k: string) => typeByKind(k)!;

function node(name: string, labels: Record<string, string> = {}): KObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...labels } } };
}
function deployment(name: string, ns: string, replicas: number | undefined, labels: Record<string, string>, ports: unknown[] = []): KObject {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: { ...(replicas === undefined ? {} : { replicas }), selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'busybox:1.36', ports }] } } },
  };
}
/** Plays the kubelet's part: gives pods an IP and a Ready condition. */
function setPodStatus(store: Store, ns: string, name: string, ip: string | undefined, ready: boolean) {
  store.mutate(T('Pod'), ns, name, (p) => {
    p.status = { phase: 'Running', ...(ip ? { podIP: ip } : {}), conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] };
  });
}
async function setup(nodes = ['sim-node-1', 'sim-node-2']) {
  const store = new Store();
  store.create(T('Namespace'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  for (const n of nodes) { store.create(T('Node'), node(n)); }
  const ctl = startControllers(store, { debounceMs: 1 });
  await ctl.flush();
  return { store, ctl };
}

test('pod-template-hash is stable, up to 10 safe characters, and changes with the template', () => {
  const a = podTemplateHash({ spec: { containers: [{ image: 'a' }] } });
  assert.match(a, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  assert.equal(podTemplateHash({ spec: { containers: [{ image: 'a' }] } }), a);
  assert.notEqual(podTemplateHash({ spec: { containers: [{ image: 'b' }] } }), a);
});

test('Deployment -> ReplicaSet <deploy>-<hash> -> Pods <rs>-<5 chars>, with controller ownerReferences', async () => {
  const { store, ctl } = await setup();
  const d = store.create(T('Deployment'), deployment('checkout', 'default', 3, { app: 'checkout' }));
  await ctl.flush();
  const rss = store.list(T('ReplicaSet'), 'default');
  assert.equal(rss.length, 1);
  const rs = rss[0];
  const hash = podTemplateHash(d.spec.template);
  assert.equal(rs.metadata.name, `checkout-${hash}`);
  assert.deepEqual(rs.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'checkout', uid: d.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  assert.equal(rs.spec.selector.matchLabels['pod-template-hash'], hash);
  const pods = store.list(T('Pod'), 'default');
  assert.equal(pods.length, 3);
  for (const p of pods) {
    assert.match(p.metadata.name, new RegExp(`^checkout-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
    assert.equal(p.metadata.ownerReferences?.[0].uid, rs.metadata.uid);
    assert.equal(p.metadata.ownerReferences?.[0].kind, 'ReplicaSet');
    assert.equal(p.metadata.labels?.['pod-template-hash'], hash);
    assert.ok(['sim-node-1', 'sim-node-2'].includes(p.spec.nodeName), 'scheduled');
    assert.equal(p.spec.restartPolicy, 'Always');
  }
  // Least-loaded scheduling spreads three replicas over two nodes 2/1.
  const perNode = pods.reduce((m, p) => m.set(p.spec.nodeName, (m.get(p.spec.nodeName) ?? 0) + 1), new Map<string, number>());
  assert.deepEqual([...perNode.values()].sort(), [1, 2]);
  ctl.stop();
});

test('replicas default to 1; scaling down deletes pods; a deleted pod is replaced; deleting the Deployment collects its dependents', async () => {
  const { store, ctl } = await setup();
  store.create(T('Deployment'), deployment('web', 'default', undefined, { app: 'web' }));
  await ctl.flush();
  assert.equal(store.list(T('Pod')).length, 1);
  store.mutate(T('Deployment'), 'default', 'web', (d) => { d.spec.replicas = 4; });
  await ctl.flush();
  assert.equal(store.list(T('Pod')).length, 4);
  store.mutate(T('Deployment'), 'default', 'web', (d) => { d.spec.replicas = 2; });
  await ctl.flush();
  assert.equal(store.list(T('Pod')).length, 2);
  const victim = store.list(T('Pod'))[0].metadata.name;
  store.delete(T('Pod'), 'default', victim);
  await ctl.flush();
  const after = store.list(T('Pod'));
  assert.equal(after.length, 2);
  assert.ok(!after.some((p) => p.metadata.name === victim));
  store.delete(T('Deployment'), 'default', 'web');
  await ctl.flush();
  assert.equal(store.list(T('ReplicaSet')).length, 0);
  assert.equal(store.list(T('Pod')).length, 0);
  ctl.stop();
});

test('Deployment status follows pod readiness, with Available/Progressing conditions', async () => {
  const { store, ctl } = await setup();
  store.create(T('Deployment'), deployment('api', 'default', 2, { app: 'api' }));
  await ctl.flush();
  let d = store.get(T('Deployment'), 'default', 'api')!;
  assert.equal(d.status.replicas, 2);
  assert.equal(d.status.readyReplicas, undefined, 'zero counters are omitted as in real API responses');
  assert.equal(d.status.observedGeneration, 1);
  assert.equal(d.status.conditions.find((c: { type: string }) => c.type === 'Available').status, 'False');
  const pods = store.list(T('Pod'));
  pods.forEach((p, i) => setPodStatus(store, 'default', p.metadata.name, `10.244.1.${i + 2}`, true));
  await ctl.flush();
  d = store.get(T('Deployment'), 'default', 'api')!;
  assert.equal(d.status.readyReplicas, 2);
  assert.equal(d.status.availableReplicas, 2);
  assert.equal(d.status.updatedReplicas, 2);
  const progressing = d.status.conditions.find((c: { type: string }) => c.type === 'Progressing');
  assert.equal(progressing.reason, 'NewReplicaSetAvailable');
  assert.equal(d.status.conditions.find((c: { type: string }) => c.type === 'Available').reason, 'MinimumReplicasAvailable');
  const rs = store.list(T('ReplicaSet'))[0];
  assert.equal(rs.status.readyReplicas, 2);
  ctl.stop();
});

test('DaemonSet runs one pod per fitting node, pinned by nodeName and node affinity', async () => {
  const { store, ctl } = await setup(['sim-node-1', 'sim-node-2', 'sim-node-3']);
  store.mutate(T('Node'), undefined, 'sim-node-3', (n) => { n.metadata.labels!['kubernetes.io/os'] = 'windows'; });
  store.create(T('DaemonSet'), {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name: 'a', image: 'otel/opentelemetry-collector-contrib:0.111.0' }] } } },
  });
  await ctl.flush();
  const pods = store.list(T('Pod'));
  assert.deepEqual(pods.map((p) => p.spec.nodeName).sort(), ['sim-node-1', 'sim-node-2']);
  for (const p of pods) {
    assert.match(p.metadata.name, /^agent-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(p.metadata.ownerReferences?.[0].kind, 'DaemonSet');
    const term = p.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0];
    assert.deepEqual(term.matchFields, [{ key: 'metadata.name', operator: 'In', values: [p.spec.nodeName] }]);
  }
  const ds = store.get(T('DaemonSet'), 'default', 'agent')!;
  assert.equal(ds.status.desiredNumberScheduled, 2);
  assert.equal(ds.status.currentNumberScheduled, 2);
  assert.equal(ds.status.numberReady, 0);
  ctl.stop();
});

test('DaemonSet template generation: 1 on create, +1 per template change, pods labelled with theirs', async () => {
  const { store, ctl } = await setup(['sim-node-1', 'sim-node-2']);
  const GEN = 'deprecated.daemonset.template.generation';
  const spec = (image: string) => ({ selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image }] } } });
  // A client cannot set it on create below 1, nor move it on update (the registry's strategy owns it).
  store.create(T('DaemonSet'), { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'default', annotations: { [GEN]: '0' } }, spec: spec('otel/opentelemetry-collector:0.110.0') });
  await ctl.flush();
  const gens = () => store.list(T('Pod')).map((p) => p.metadata.labels?.['pod-template-generation']).sort();
  assert.equal(store.get(T('DaemonSet'), 'default', 'agent')!.metadata.annotations?.[GEN], '1');
  assert.deepEqual(gens(), ['1', '1']);

  // Not a template change: neither the annotation a client writes nor updateStrategy moves it.
  store.mutate(T('DaemonSet'), 'default', 'agent', (d) => { d.metadata.annotations![GEN] = '7'; d.spec.minReadySeconds = 5; });
  await ctl.flush();
  const ds1 = store.get(T('DaemonSet'), 'default', 'agent')!;
  assert.equal(ds1.metadata.annotations?.[GEN], '1');
  assert.equal(ds1.metadata.generation, 2, 'a spec change still bumps metadata.generation');
  assert.deepEqual(gens(), ['1', '1']);

  // A template change: generation 2, and RollingUpdate replaces both pods with pods of generation 2.
  store.mutate(T('DaemonSet'), 'default', 'agent', (d) => { d.spec.template.spec.containers[0].image = 'otel/opentelemetry-collector:0.111.0'; });
  await ctl.flush();
  assert.equal(store.get(T('DaemonSet'), 'default', 'agent')!.metadata.annotations?.[GEN], '2');
  assert.deepEqual(gens(), ['2', '2']);
  assert.ok(store.list(T('Pod')).every((p) => p.spec.containers[0].image.endsWith(':0.111.0')));

  // OnDelete: the template moves to 3, the running pods stay of generation 2 until deleted.
  store.mutate(T('DaemonSet'), 'default', 'agent', (d) => { d.spec.updateStrategy = { type: 'OnDelete' }; d.spec.template.metadata.labels.tier = 'x'; });
  await ctl.flush();
  assert.equal(store.get(T('DaemonSet'), 'default', 'agent')!.metadata.annotations?.[GEN], '3');
  assert.deepEqual(gens(), ['2', '2']);
  const one = store.list(T('Pod'))[0];
  store.delete(T('Pod'), one.metadata.namespace, one.metadata.name);
  await ctl.flush();
  assert.deepEqual(gens(), ['2', '3']);
  ctl.stop();
});

test('StatefulSet pods are <sts>-0..N-1 with hostname and subdomain', async () => {
  const { store, ctl } = await setup();
  store.create(T('StatefulSet'), {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'default' },
    spec: { serviceName: 'db-headless', replicas: 3, selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:16' }] } } },
  });
  await ctl.flush();
  const pods = store.list(T('Pod'));
  assert.deepEqual(pods.map((p) => p.metadata.name), ['db-0', 'db-1', 'db-2']);
  for (const p of pods) {
    assert.equal(p.spec.hostname, p.metadata.name);
    assert.equal(p.spec.subdomain, 'db-headless');
    assert.equal(p.metadata.labels?.['statefulset.kubernetes.io/pod-name'], p.metadata.name);
  }
  store.mutate(T('StatefulSet'), 'default', 'db', (s) => { s.spec.replicas = 1; });
  await ctl.flush();
  assert.deepEqual(store.list(T('Pod')).map((p) => p.metadata.name), ['db-0']);
  ctl.stop();
});

test('bare pods keep their name and are scheduled; pods of a nodeSelector nobody fits stay pending', async () => {
  const { store, ctl } = await setup();
  store.create(T('Pod'), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'solo', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  store.create(T('Pod'), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'picky', namespace: 'default' }, spec: { nodeSelector: { gpu: 'yes' }, containers: [{ name: 'c', image: 'busybox' }] } });
  await ctl.flush();
  assert.ok(store.get(T('Pod'), 'default', 'solo')!.spec.nodeName);
  assert.equal(store.get(T('Pod'), 'default', 'picky')!.spec.nodeName, undefined);
  ctl.stop();
});

test('Endpoints and EndpointSlices follow readiness and pod IPs, resolving named targetPorts', async () => {
  const { store, ctl } = await setup();
  store.create(T('Service'), {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'otel-collector', namespace: 'default', labels: { team: 'obs' } },
    spec: { clusterIP: '10.96.0.20', selector: { app: 'col' }, ports: [{ name: 'otlp-grpc', port: 4317, targetPort: 'otlp' }, { name: 'otlp-http', port: 4318, targetPort: 4318, protocol: 'TCP' }] },
  });
  store.create(T('Deployment'), deployment('col', 'default', 3, { app: 'col' }, [{ name: 'otlp', containerPort: 14317 }, { name: 'http', containerPort: 4318 }]));
  await ctl.flush();
  // No pod has an IP yet: the Endpoints has no subsets and the slice is the placeholder.
  let ep = store.get(T('Endpoints'), 'default', 'otel-collector')!;
  assert.equal(ep.subsets, undefined);
  let slices = store.list(T('EndpointSlice'), 'default');
  assert.equal(slices.length, 1);
  assert.equal(slices[0].endpoints, null);
  assert.equal(slices[0].metadata.labels?.['kubernetes.io/service-name'], 'otel-collector');
  assert.match(slices[0].metadata.name, /^otel-collector-[bcdfghjklmnpqrstvwxz2456789]{5}$/);

  const [a, b, c] = store.list(T('Pod'));
  setPodStatus(store, 'default', a.metadata.name, '10.244.1.5', true);
  setPodStatus(store, 'default', b.metadata.name, '10.244.2.7', false);
  setPodStatus(store, 'default', c.metadata.name, undefined, false); // no IP yet: excluded everywhere
  await ctl.flush();
  ep = store.get(T('Endpoints'), 'default', 'otel-collector')!;
  assert.equal(ep.subsets.length, 1);
  assert.deepEqual(ep.subsets[0].addresses.map((x: { ip: string }) => x.ip), ['10.244.1.5']);
  assert.deepEqual(ep.subsets[0].notReadyAddresses.map((x: { ip: string }) => x.ip), ['10.244.2.7']);
  assert.deepEqual(ep.subsets[0].ports, [{ name: 'otlp-grpc', port: 14317, protocol: 'TCP' }, { name: 'otlp-http', port: 4318, protocol: 'TCP' }]);
  assert.equal(ep.subsets[0].addresses[0].targetRef.name, a.metadata.name);
  assert.equal(ep.metadata.labels?.team, 'obs');

  slices = store.list(T('EndpointSlice'), 'default');
  assert.equal(slices.length, 1, 'the placeholder slice is reused');
  const sl = slices[0];
  assert.equal(sl.addressType, 'IPv4');
  assert.deepEqual(sl.ports, [{ name: 'otlp-grpc', port: 14317, protocol: 'TCP' }, { name: 'otlp-http', port: 4318, protocol: 'TCP' }]);
  assert.deepEqual(sl.endpoints.map((e: { addresses: string[]; conditions: { ready: boolean } }) => [e.addresses[0], e.conditions.ready]), [['10.244.1.5', true], ['10.244.2.7', false]]);
  assert.equal(sl.endpoints[0].targetRef.kind, 'Pod');
  assert.ok(sl.endpoints[0].nodeName);
  assert.equal(sl.metadata.ownerReferences?.[0].kind, 'Service');

  // Readiness lost: the address moves to notReadyAddresses.
  setPodStatus(store, 'default', a.metadata.name, '10.244.1.5', false);
  await ctl.flush();
  ep = store.get(T('Endpoints'), 'default', 'otel-collector')!;
  assert.equal(ep.subsets[0].addresses, undefined);
  assert.equal(ep.subsets[0].notReadyAddresses.length, 2);

  // Service deleted: its Endpoints and slices go with it.
  store.delete(T('Service'), 'default', 'otel-collector');
  await ctl.flush();
  assert.equal(store.get(T('Endpoints'), 'default', 'otel-collector'), undefined);
  assert.equal(store.list(T('EndpointSlice'), 'default').length, 0);
  ctl.stop();
});

test('a Service without selector keeps its manual Endpoints, mirrored into a slice', async () => {
  const { store, ctl } = await setup();
  store.create(T('Service'), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext', namespace: 'default' }, spec: { clusterIP: '10.96.0.30', ports: [{ port: 4317 }] } });
  store.create(T('Endpoints'), { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'ext', namespace: 'default' }, subsets: [{ addresses: [{ ip: '10.244.9.9' }], ports: [{ port: 4317, protocol: 'TCP' }] }] });
  await ctl.flush();
  const ep = store.get(T('Endpoints'), 'default', 'ext')!;
  assert.deepEqual(ep.subsets, [{ addresses: [{ ip: '10.244.9.9' }], ports: [{ port: 4317, protocol: 'TCP' }] }]);
  const slices = store.list(T('EndpointSlice'), 'default');
  assert.equal(slices.length, 1);
  assert.equal(slices[0].metadata.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
  assert.deepEqual(slices[0].endpoints[0].addresses, ['10.244.9.9']);
  // Endpoints marked skip-mirror (the API server's own `kubernetes` Service) are left alone.
  store.create(T('Service'), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1', ports: [{ port: 443 }] } });
  store.create(T('Endpoints'), { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }, subsets: [{ addresses: [{ ip: '172.18.0.1' }], ports: [{ port: 6443 }] }] });
  await ctl.flush();
  assert.equal(store.list(T('EndpointSlice'), 'default').length, 1);
  ctl.stop();
});

test('named targetPort resolution matches name and protocol', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 5353, protocol: 'TCP' }] }] } } as KObject;
  assert.equal(resolveTargetPort({ port: 53, targetPort: 'dns', protocol: 'UDP' }, pod), 53);
  assert.equal(resolveTargetPort({ port: 53, targetPort: 'dns' }, pod), undefined);
  assert.equal(resolveTargetPort({ port: 53, targetPort: 'dns-tcp' }, pod), 5353);
  assert.equal(resolveTargetPort({ port: 80 }, pod), 80);
});

test('every namespace gets its default ServiceAccount', async () => {
  const { store, ctl } = await setup();
  store.create(T('Namespace'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  await ctl.flush();
  assert.ok(store.get(T('ServiceAccount'), 'shop', 'default'));
  assert.ok(store.get(T('ServiceAccount'), 'default', 'default'));
  ctl.stop();
});
