// Virtual pods end to end (virtual.ts, virtual-exec.ts): objects from --virtual-manifests go through the
// same controllers and scheduler onto KWOK-style nodes, get an IP from the node's range and Ready status
// with no process; kubectl exec into one runs for real in its node's shared namespace (DNS, Services and
// real pods reachable); a connection to a virtual pod's IP gets no answer. Needs root; skips otherwise.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from '../../cli.ts';
import { typeByKind, type KObject } from '../../store.ts';
import { KWOK_NODE_ANNOTATION, VIRTUAL_ANNOTATION, virtualNodeObject } from '../../virtual.ts';
import { runAsync } from '../../../helpers/run.ts';

const skip = process.getuid?.() !== 0 ? 'needs root: the simulated cluster creates network namespaces' : false;
const POD = typeByKind('Pod')!;
const NODE = typeByKind('Node')!;

const REAL = `
apiVersion: v1
kind: Namespace
metadata: { name: observability }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: otel-collector, namespace: observability }
data:
  config.yaml: |
    receivers: { otlp: { protocols: { grpc: { endpoint: "0.0.0.0:4317" } } } }
    exporters: { debug: {} }
    service: { pipelines: { traces: { receivers: [otlp], exporters: [debug] } } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: otel-collector, namespace: observability }
spec:
  replicas: 1
  selector: { matchLabels: { app: otel-collector } }
  template:
    metadata: { labels: { app: otel-collector } }
    spec:
      containers:
        - name: otel-collector
          image: otel/opentelemetry-collector-contrib:0.111.0
          args: [--config=/conf/config.yaml]
          ports: [{ name: otlp-grpc, containerPort: 4317 }]
          readinessProbe: { tcpSocket: { port: 4317 } }
          volumeMounts: [{ name: conf, mountPath: /conf }]
      volumes: [{ name: conf, configMap: { name: otel-collector } }]
---
apiVersion: v1
kind: Pod
metadata: { name: toolbox, namespace: observability }
spec:
  containers: [{ name: toolbox, image: busybox:1.36 }]
---
apiVersion: v1
kind: Service
metadata: { name: otel-collector, namespace: observability }
spec:
  selector: { app: otel-collector }
  ports: [{ name: otlp-grpc, port: 4317, targetPort: otlp-grpc }]
`;

const VIRTUAL = `
apiVersion: v1
kind: Namespace
metadata: { name: team-a }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: team-a }
spec:
  replicas: 6
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: busybox:1.36
          env: [{ name: OTEL_EXPORTER_OTLP_ENDPOINT, value: "http://otel-collector.observability.svc.cluster.local:4317" }]
          ports: [{ containerPort: 8080 }]
`;

describe('virtual pods', { skip }, () => {
  let cluster: Cluster;
  let dir: string;
  const kubectl = (args: string[], timeoutMs = 60_000) => runAsync('kubectl', args, { KUBECONFIG: cluster.kubeconfig, HOME: dir }, timeoutMs);
  const webPods = () => cluster.store.list(POD, 'team-a').filter((p) => p.metadata.name.startsWith('web-'));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sim-virtual-'));
    mkdirSync(join(dir, 'real'));
    mkdirSync(join(dir, 'virtual'));
    writeFileSync(join(dir, 'real', 'collector.yaml'), REAL);
    writeFileSync(join(dir, 'virtual', 'apps.yaml'), VIRTUAL);
    const { startCluster } = await import('../../cli.ts');
    cluster = await startCluster({ manifests: [join(dir, 'real')], virtualManifests: [join(dir, 'virtual')], nodes: 1, virtualNodes: 2, operator: false, log: () => {} });
  });
  after(async () => {
    const runId = cluster?.runId;
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
    if (runId) { assert.deepEqual(readdirSync('/run/netns').filter((n) => n.includes(`-${runId}-`)), [], 'every namespace of the run is gone, the virtual nodes\' too'); }
  });

  test('virtual pods are scheduled onto virtual nodes and Ready, with an address from the node\'s range and no process', () => {
    const nodes = cluster.store.list(NODE);
    const virtual = nodes.filter((n) => n.metadata.annotations?.[KWOK_NODE_ANNOTATION] === 'fake');
    assert.equal(virtual.length, 2);
    const pods = webPods();
    assert.equal(pods.length, 6);
    for (const p of pods) {
      const node = virtual.find((n) => n.metadata.name === p.spec.nodeName);
      assert.ok(node, `${p.metadata.name} is on a virtual node`);
      assert.equal(p.metadata.annotations?.[VIRTUAL_ANNOTATION], 'true');
      assert.equal(p.status.phase, 'Running');
      assert.ok(p.status.conditions.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True'));
      assert.equal(p.status.containerStatuses[0].ready, true);
      assert.ok(p.status.podIP.startsWith(node.spec.podCIDR.replace(/0\/24$/, '')), `${p.status.podIP} in ${node.spec.podCIDR}`);
      assert.equal(p.status.hostIP, node.status.addresses[0].address);
    }
    // The pods spread over both virtual nodes; the collector stayed on the real one.
    assert.equal(new Set(pods.map((p) => p.spec.nodeName)).size, 2);
    const collector = cluster.store.list(POD, 'observability').find((p) => p.metadata.name.startsWith('otel-collector-'))!;
    assert.equal(collector.spec.nodeName, 'sim-node-1');
    const dep = cluster.store.get(typeByKind('Deployment')!, 'team-a', 'web')!;
    assert.equal(dep.status.readyReplicas, 6);
  });

  test('a Node whose InternalIP or podCIDR carries more than an address is refused for that exec, nothing runs from it, and the cluster goes on', async () => {
    const q = webPods()[0];
    const name = q.spec.nodeName;
    const orig = cluster.store.get(NODE, undefined, name)!;
    const marker = join(dir, 'injected');
    const inject = `\nnetns exec ${readdirSync('/run/netns')[0] ?? 'x'} touch ${marker}`;
    const set = (ip: string, cidr: string) => cluster.store.mutate(NODE, undefined, name, (n) => {
      n.status.addresses = [{ type: 'InternalIP', address: ip }, ...n.status.addresses.slice(1)];
      n.spec.podCIDR = cidr;
    });
    const ip0 = orig.status.addresses[0].address;
    try {
      set(`${ip0}${inject}`, orig.spec.podCIDR);
      let r = await kubectl(['exec', '-n', 'team-a', q.metadata.name, '--', 'true']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /InternalIP .* is not an IPv4 address in the virtual nodes' range/);
      set(ip0, `${orig.spec.podCIDR}${inject}`);
      r = await kubectl(['exec', '-n', 'team-a', q.metadata.name, '--', 'true']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /spec\.podCIDR .* is not an IPv4 range inside the virtual pods' range/);
      set('10.0.0.1', orig.spec.podCIDR);
      r = await kubectl(['exec', '-n', 'team-a', q.metadata.name, '--', 'true']);
      assert.match(r.stderr, /not an IPv4 address in the virtual nodes' range/, 'an address outside the simulated range is refused too');
      assert.equal(existsSync(marker), false, 'no injected line ran');
    } finally {
      set(ip0, orig.spec.podCIDR);
    }
    const ok = await kubectl(['exec', '-n', 'team-a', q.metadata.name, '--', 'true']);
    assert.equal(ok.code, 0, `the same pod execs once its node is sound again: ${ok.stderr}`);
  });

  test('virtual nodes whose names end in the same number get namespaces of their own', async () => {
    // kwok-node-1 exists; kwok-extra-1 ends in the same digits (its namespace was once named from them).
    const extra = virtualNodeObject(7);
    extra.metadata.name = 'kwok-extra-1';
    extra.metadata.labels = { ...extra.metadata.labels, 'kubernetes.io/hostname': 'kwok-extra-1' };
    cluster.store.create(NODE, extra);
    cluster.store.create(POD, {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'extra', namespace: 'team-a', annotations: { [VIRTUAL_ANNOTATION]: 'true' } },
      spec: { nodeName: 'kwok-extra-1', containers: [{ name: 'c', image: 'busybox:1.36' }] },
    });
    const one = webPods().find((p) => p.spec.nodeName === 'kwok-node-1')!;
    assert.ok(one, 'a web pod on kwok-node-1');
    const addr = async (pod: string) => {
      const r = await kubectl(['exec', '-n', 'team-a', pod, '--', 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
      assert.equal(r.code, 0, r.stderr);
      return /inet (\S+)\//.exec(r.stdout)?.[1];
    };
    // The pod is Running once the virtual kubelet's batch ran: exec answers "container not found" until then.
    await new Promise<void>((resolve) => {
      const running = () => cluster.store.get(POD, 'team-a', 'extra')?.status?.phase === 'Running';
      if (running()) { resolve(); return; }
      const on = () => { if (running()) { cluster.store.off('change', on); resolve(); } };
      cluster.store.on('change', on);
    });
    assert.equal(await addr(one.metadata.name), one.status.hostIP);
    assert.equal(await addr('extra'), extra.status.addresses[0].address);
    const nss = await kubectl(['exec', '-n', 'team-a', 'extra', '--', 'cat', '/etc/nsswitch.conf']);
    assert.equal(nss.stdout, 'hosts: files dns\n', 'glibc resolvers read files then DNS, as in every other pod');
  });

  test('exec into virtual pods runs in their node\'s one namespace, with each pod\'s own resolv.conf', async () => {
    const pods = webPods();
    const byNode = new Map<string, KObject[]>();
    for (const p of pods) { byNode.set(p.spec.nodeName, [...(byNode.get(p.spec.nodeName) ?? []), p]); }
    const [a, b] = [...byNode.values()].find((l) => l.length >= 2)!;
    const addr = async (p: KObject) => {
      const r = await kubectl(['exec', '-n', 'team-a', p.metadata.name, '--', 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
      assert.equal(r.code, 0, r.stderr);
      return /inet (\S+)\//.exec(r.stdout)?.[1];
    };
    const nodeIp = a.status.hostIP;
    assert.equal(await addr(a), nodeIp, 'the shared namespace holds the node\'s address');
    assert.equal(await addr(b), nodeIp);
    const resolv = await kubectl(['exec', '-n', 'team-a', a.metadata.name, '--', 'cat', '/etc/resolv.conf']);
    assert.match(resolv.stdout, /search team-a\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);
    const env = await kubectl(['exec', '-n', 'team-a', a.metadata.name, '--', 'env']);
    assert.match(env.stdout, /OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/otel-collector\.observability\.svc\.cluster\.local:4317/);
    const missing = await kubectl(['exec', '-n', 'team-a', a.metadata.name, '--', 'curl', '-V']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /executable file not found in \$PATH/);
  });

  test('a probe from a virtual pod is a real connection: the collector\'s Service answers, a virtual pod\'s IP does not', async () => {
    const [p, other] = webPods();
    // busybox nc has no -z: connected, it ends with its (empty) input or at `timeout`; refused or unreachable, it says so.
    const ok = await kubectl(['exec', '-n', 'team-a', p.metadata.name, '--', 'sh', '-c', 'timeout 3 nc -w 10 otel-collector.observability.svc.cluster.local 4317; echo rc=$?']);
    assert.doesNotMatch(ok.stdout + ok.stderr, /can't connect|bad address/, `connect to the real collector through its Service: ${ok.stderr}`);
    assert.match(ok.stdout, /rc=(0|143)\n/);
    // A real pod's own IP answers too: the connection leaves from the virtual node's address, and the real
    // pod routes that range back (a probe of a collector pod IP from a virtual pod is a real connection).
    const collectorPod = cluster.store.list(POD, 'observability').find((x) => x.metadata.name.startsWith('otel-collector-'))!;
    const direct = await kubectl(['exec', '-n', 'team-a', p.metadata.name, '--', 'sh', '-c', `timeout 3 nc -w 10 ${collectorPod.status.podIP} 4317; echo rc=$?`]);
    assert.doesNotMatch(direct.stdout + direct.stderr, /can't connect|timed out/, `connect to the collector pod's IP: ${direct.stderr}`);
    assert.match(direct.stdout, /rc=(0|143)\n/);
    // Nothing holds a virtual pod's address: the packet is dropped (Calico's blackhole routes), no answer.
    const target = other.spec.nodeName === p.spec.nodeName ? webPods().find((x) => x.spec.nodeName !== p.spec.nodeName)! : other;
    const dead = await kubectl(['exec', '-n', 'team-a', p.metadata.name, '--', 'nc', '-w', '2', target.status.podIP, '8080']);
    assert.notEqual(dead.code, 0);
    assert.match(dead.stderr, /timed out/, 'no RST, no ICMP: nothing answers for the address');
    // From a real pod on a real node to a virtual pod: no answer either.
    assert.ok(existsSync('/run/netns'));
    const fromReal = await kubectl(['exec', '-n', 'observability', 'toolbox', '--', 'nc', '-w', '2', target.status.podIP, '8080'], 60_000);
    assert.notEqual(fromReal.code, 0, fromReal.stdout);
    assert.match(fromReal.stderr, /timed out/);
  });
});
