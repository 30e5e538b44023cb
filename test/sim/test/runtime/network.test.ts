// The simulated cluster's network, proven with real sockets between real network namespaces:
// pod-to-pod across nodes, Services through kube-proxy-style DNAT, REJECT and DROP where a real
// cluster has them, hostPort, NetworkPolicy, isolation, and teardown (also of an interrupted run).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Store, typeByKind, type KObject } from '../../store.ts';
import { Network, OWNER_DIR, isRunning, stoppedDescendantsSync } from '../../runtime/network.ts';
import { renderNodeRules, servicePorts } from '../../runtime/iptables.ts';
import { renderPolicies, type PolicyPod } from '../../runtime/netpol.ts';

const isRoot = process.getuid?.() === 0;
const skip = isRoot ? false : 'needs root: pods are network namespaces (run as root, as CI does)';
const T = (k: string) => typeByKind(k)!;
const netnsList = () => { try { return readdirSync('/run/netns'); } catch { return []; } };
const etcList = () => { try { return readdirSync('/etc/netns'); } catch { return []; } };

// A tiny agent running inside a pod's namespace: listens and connects on request, so every check is a real socket.
const AGENT = `
import net from 'node:net';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
const reply = (id, r) => process.stdout.write(JSON.stringify({ id, ...r }) + '\\n');
createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line);
  if (m.op === 'listen') {
    const s = net.createServer((c) => c.end(JSON.stringify({ me: process.env.AGENT_NAME, peer: c.remoteAddress })));
    s.on('error', (e) => reply(m.id, { error: e.code }));
    s.listen(m.port, m.host, () => reply(m.id, { ok: true }));
  } else if (m.op === 'connect') {
    const t0 = Date.now();
    let done = false, data = '';
    const finish = (r) => { if (!done) { done = true; clearTimeout(timer); s.destroy(); reply(m.id, { ...r, ms: Date.now() - t0 }); } };
    const s = net.connect({ host: m.host, port: m.port });
    const timer = setTimeout(() => finish({ result: 'timeout' }), m.timeout);
    s.on('data', (d) => { data += d; });
    s.on('end', () => finish({ result: 'connected', data }));
    s.on('error', (e) => finish({ result: e.code }));
  } else if (m.op === 'udplisten') {
    const s = dgram.createSocket('udp4');
    s.on('message', (msg, rinfo) => s.send('pong ' + process.env.AGENT_NAME, rinfo.port, rinfo.address));
    s.bind(m.port, m.host, () => reply(m.id, { ok: true }));
  } else if (m.op === 'udpask') {
    // A connected UDP socket surfaces the ICMP port-unreachable of a REJECT as ECONNREFUSED.
    const s = dgram.createSocket('udp4');
    const t0 = Date.now();
    let done = false;
    const finish = (r) => { if (!done) { done = true; clearTimeout(timer); s.close(); reply(m.id, { ...r, ms: Date.now() - t0 }); } };
    const timer = setTimeout(() => finish({ result: 'timeout' }), m.timeout);
    s.on('message', (msg) => finish({ result: 'answered', data: String(msg) }));
    s.on('error', (e) => finish({ result: e.code }));
    s.connect(m.port, m.host, () => { s.send('ping'); setTimeout(() => { if (!done) s.send('ping'); }, 100); });
  } else if (m.op === 'read') {
    try { reply(m.id, { text: readFileSync(m.path, 'utf8') }); } catch (e) { reply(m.id, { error: e.code }); }
  }
});
`;

class Agent {
  private readonly proc: ChildProcessWithoutNullStreams;
  private seq = 0;
  private readonly waiting = new Map<number, (r: any) => void>();
  constructor(netns: string, name: string) {
    this.proc = spawn('ip', ['netns', 'exec', netns, process.execPath, '--input-type=module', '-e', AGENT], { env: { ...process.env, AGENT_NAME: name } });
    createInterface({ input: this.proc.stdout }).on('line', (l) => { const r = JSON.parse(l); this.waiting.get(r.id)?.(r); this.waiting.delete(r.id); });
    this.proc.stderr.on('data', (d) => process.stderr.write(`[agent ${name}] ${d}`));
  }
  private ask(m: Record<string, unknown>): Promise<any> {
    const id = ++this.seq;
    return new Promise((resolve) => { this.waiting.set(id, resolve); this.proc.stdin.write(JSON.stringify({ id, ...m }) + '\n'); });
  }
  listen(host: string, port: number) { return this.ask({ op: 'listen', host, port }); }
  connect(host: string, port: number, timeout = 1500): Promise<{ result: string; data?: string; ms: number }> { return this.ask({ op: 'connect', host, port, timeout }); }
  read(path: string): Promise<{ text?: string; error?: string }> { return this.ask({ op: 'read', path }); }
  udpListen(host: string, port: number) { return this.ask({ op: 'udplisten', host, port }); }
  udpAsk(host: string, port: number, timeout = 1500): Promise<{ result: string; data?: string; ms: number }> { return this.ask({ op: 'udpask', host, port, timeout }); }
  kill() { if (this.proc.pid && this.proc.exitCode === null) { this.proc.kill('SIGKILL'); } }
}

const pod = (ns: string, name: string, node: string, labels: Record<string, string>, spec: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels, uid: randomBytes(8).toString('hex') },
  spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }], ...spec },
});
const service = (ns: string, name: string, clusterIP: string, port: number, extra: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns },
  spec: { clusterIP, clusterIPs: [clusterIP], ports: [{ name: 'otlp-grpc', port, targetPort: 4317, protocol: 'TCP' }], ...extra },
});
const slice = (ns: string, svc: string, eps: Array<{ ip: string; node: string; ready: boolean }>): KObject => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `${svc}-abcde`, namespace: ns, labels: { 'kubernetes.io/service-name': svc } },
  addressType: 'IPv4', ports: [{ name: 'otlp-grpc', port: 4317, protocol: 'TCP' }],
  endpoints: eps.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready }, nodeName: e.node })),
});

const store = new Store();
const runId = randomBytes(3).toString('hex');
const stateDir = mkdtempSync(join(tmpdir(), 'osim-net-'));
let network: Network;
const agents: Agent[] = [];
const ips: Record<string, string> = {};
const nsOf: Record<string, string> = {};
let agent: Record<string, Agent> = {};

before(async () => {
  if (!isRoot) { return; }
  Network.sweepStale();
  for (const ns of ['observability', 'apps']) { store.create(T('Namespace'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'kubernetes.io/metadata.name': ns } } }); }
  network = new Network({ store, runId, stateDir });
  await network.start();
  await network.addNode('sim-node-1', 1);
  await network.addNode('sim-node-2', 2);
  const pods = [
    pod('observability', 'collector', 'sim-node-1', { app: 'collector' }, { containers: [{ name: 'otelcol', image: 'otel/opentelemetry-collector:0.110.0', ports: [{ name: 'otlp-grpc', containerPort: 4317, hostPort: 14317 }] }] }),
    pod('observability', 'loopback', 'sim-node-1', { app: 'loopback' }),
    pod('apps', 'app-a', 'sim-node-2', { app: 'a' }),
    pod('apps', 'app-b', 'sim-node-2', { app: 'b' }),
    pod('apps', 'app-c', 'sim-node-1', { app: 'c' }),
  ];
  const res = await Promise.all(pods.map((p) => network.addPod(p)));
  pods.forEach((p, i) => { ips[p.metadata.name] = res[i].podIP; nsOf[p.metadata.name] = res[i].netns; });
  agent = Object.fromEntries(pods.map((p, i) => [p.metadata.name, new Agent(res[i].netns, p.metadata.name)]));
  agents.push(...Object.values(agent));
  assert.deepEqual(await agent.collector.listen('0.0.0.0', 4317), { id: 1, ok: true });
  assert.deepEqual(await agent.loopback.listen('127.0.0.1', 4317), { id: 1, ok: true });
  assert.deepEqual(await agent.collector.udpListen('0.0.0.0', 5353), { id: 2, ok: true });
  for (const [name, ip, eps] of [['kube-dns', '10.96.0.10', [{ ip: ips.collector, node: 'sim-node-1', ready: true }]], ['dns-down', '10.96.0.11', []]] as const) {
    store.create(T('Service'), { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'kube-system' }, spec: { clusterIP: ip, ports: [{ name: 'dns', port: 53, targetPort: 5353, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, targetPort: 5353, protocol: 'TCP' }] } });
    store.create(T('EndpointSlice'), { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `${name}-x`, namespace: 'kube-system', labels: { 'kubernetes.io/service-name': name } }, addressType: 'IPv4', ports: [{ name: 'dns', port: 5353, protocol: 'UDP' }], endpoints: eps.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready }, nodeName: e.node })) });
  }
  store.create(T('Service'), service('observability', 'otel-collector', '10.96.0.20', 4317));
  store.create(T('EndpointSlice'), slice('observability', 'otel-collector', [{ ip: ips.collector, node: 'sim-node-1', ready: true }]));
  store.create(T('Service'), service('observability', 'unready', '10.96.0.21', 4317));
  store.create(T('EndpointSlice'), slice('observability', 'unready', [{ ip: ips.collector, node: 'sim-node-1', ready: false }]));
  store.create(T('Service'), service('observability', 'node-local', '10.96.0.22', 4317, { internalTrafficPolicy: 'Local' }));
  store.create(T('EndpointSlice'), slice('observability', 'node-local', [{ ip: ips.collector, node: 'sim-node-1', ready: true }]));
  // v1 Endpoints only (no slice): the older API is honoured too.
  store.create(T('Service'), service('observability', 'legacy', '10.96.0.23', 4317));
  store.create(T('Endpoints'), { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'legacy', namespace: 'observability' }, subsets: [{ addresses: [{ ip: ips.collector, nodeName: 'sim-node-1' }], ports: [{ name: 'otlp-grpc', port: 4317, protocol: 'TCP' }] }] });
  store.create(T('Service'), service('observability', 'headless', 'None', 4317));
  const np = service('observability', 'nodeport', '10.96.0.24', 4317, { type: 'NodePort' });
  np.spec.ports[0].nodePort = 30317;
  store.create(T('Service'), np);
  store.create(T('EndpointSlice'), slice('observability', 'nodeport', [{ ip: ips.collector, node: 'sim-node-1', ready: true }]));
  await network.settled();
  assert.equal(network.syncError, undefined);
});

after(async () => {
  for (const a of agents) { a.kill(); }
  if (network) { await network.stop(); }
  rmSync(stateDir, { recursive: true, force: true });
});

test('pod IPs come from the node\'s range and pods reach each other across nodes', { skip }, async () => {
  assert.match(ips.collector, /^10\.244\.1\.\d+$/);
  assert.match(ips['app-a'], /^10\.244\.2\.\d+$/);
  const r = await agent['app-a'].connect(ips.collector, 4317);
  assert.equal(r.result, 'connected');
  assert.equal(JSON.parse(r.data!).me, 'collector');
  assert.equal(JSON.parse(r.data!).peer, ips['app-a'], 'no SNAT between pods');
});

test('a ClusterIP reaches a ready endpoint through DNAT, from another node and from the same node', { skip }, async () => {
  for (const client of ['app-a', 'app-c']) {
    const r = await agent[client].connect('10.96.0.20', 4317);
    assert.equal(r.result, 'connected', client);
    assert.equal(JSON.parse(r.data!).me, 'collector');
  }
  const legacy = await agent['app-a'].connect('10.96.0.23', 4317);
  assert.equal(legacy.result, 'connected', 'Service backed by v1 Endpoints');
});

test('UDP Services: DNAT to the endpoint; without endpoints the client gets ECONNREFUSED', { skip }, async () => {
  const r = await agent['app-a'].udpAsk('10.96.0.10', 53);
  assert.equal(r.result, 'answered');
  assert.equal(r.data, 'pong collector');
  const down = await agent['app-a'].udpAsk('10.96.0.11', 53);
  assert.equal(down.result, 'ECONNREFUSED');
  assert.equal((await agent['app-a'].connect('10.96.0.10', 53)).result, 'ECONNREFUSED', 'the dns-tcp port has no endpoint port in the slice');
});

test('an endpoint reaching itself through its own Service (hairpin) is masqueraded', { skip }, async () => {
  const r = await agent.collector.connect('10.96.0.20', 4317);
  assert.equal(r.result, 'connected');
  assert.equal(JSON.parse(r.data!).peer, '172.18.0.2', 'hairpin traffic is SNATed to the node');
});

test('an unknown port on a ClusterIP and a Service without ready endpoints are refused (REJECT), not dropped', { skip }, async () => {
  // ECONNREFUSED is the proof: only an answer (ICMP port-unreachable) gives it, a DROP ends in 'timeout'.
  // How soon it comes is the scheduler's and the kernel's ICMP rate limit's business, not the rules'.
  const wrongPort = await agent['app-a'].connect('10.96.0.20', 4318);
  assert.equal(wrongPort.result, 'ECONNREFUSED', `after ${wrongPort.ms} ms`);
  const unready = await agent['app-a'].connect('10.96.0.21', 4317);
  assert.equal(unready.result, 'ECONNREFUSED', `after ${unready.ms} ms`);
});

test('internalTrafficPolicy: Local drops traffic from a node without a local endpoint (kube-proxy: DROP)', { skip }, async () => {
  const remote = await agent['app-a'].connect('10.96.0.22', 4317, 1000);
  assert.equal(remote.result, 'timeout');
  const local = await agent['app-c'].connect('10.96.0.22', 4317);
  assert.equal(local.result, 'connected');
});

test('a listener bound to 127.0.0.1 refuses connections to the pod IP', { skip }, async () => {
  const r = await agent['app-a'].connect(ips.loopback, 4317);
  assert.equal(r.result, 'ECONNREFUSED');
});

test('hostPort: the node IP forwards to the pod, from other nodes and from the same node', { skip }, async () => {
  for (const client of ['app-a', 'app-c']) {
    const r = await agent[client].connect('172.18.0.2', 14317);
    assert.equal(r.result, 'connected', client);
    assert.equal(JSON.parse(r.data!).me, 'collector');
  }
  const other = await agent['app-a'].connect('172.18.0.3', 14317);
  assert.equal(other.result, 'ECONNREFUSED', 'the other node has no such hostPort');
});

test('NodePort: every node forwards its port to the endpoints', { skip }, async () => {
  for (const nodeIP of ['172.18.0.2', '172.18.0.3']) {
    const r = await agent['app-a'].connect(nodeIP, 30317);
    assert.equal(r.result, 'connected', nodeIP);
    assert.equal(JSON.parse(r.data!).me, 'collector');
  }
});

test('hostile Service and policy data cannot break or inject into a node\'s rules', { skip }, async () => {
  const bad = service('observability', 'bad', '10.96.0.30', 4317);
  bad.spec.ports = [{ name: 'x"\nCOMMIT\n*nat', port: 'abc', protocol: 'TCP' }, { name: 'y', port: 80, protocol: 'ICMP' }, { name: 'z', port: 99999 }];
  store.create(T('Service'), bad);
  store.create(T('NetworkPolicy'), {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'evil"\n-A INPUT -j DROP', namespace: 'default' },
    spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '999.1.1.1/40' } }], ports: [{ port: 70000 }, { protocol: 'GRE', port: 1 }] }] },
  });
  await network.settled();
  assert.equal(network.syncError, undefined);
  assert.equal((await agent['app-a'].connect('10.96.0.20', 4317)).result, 'connected');
  store.delete(T('Service'), 'observability', 'bad');
  store.delete(T('NetworkPolicy'), 'default', 'evil"\n-A INPUT -j DROP');
  await network.settled();
});

test('headless Services get no rules', { skip }, () => {
  const rules = network.renderAll().get('sim-node-1')!;
  assert.doesNotMatch(rules, /observability\/headless/);
  assert.match(rules, /observability\/unready:otlp-grpc has no endpoints/);
});

test('NetworkPolicy ingress: an admitted client connects, another times out; removing the policy opens it', { skip }, async () => {
  store.create(T('NetworkPolicy'), {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'collector-ingress', namespace: 'observability' },
    spec: {
      podSelector: { matchLabels: { app: 'collector' } }, policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'apps' } }, podSelector: { matchLabels: { app: 'a' } } }], ports: [{ protocol: 'TCP', port: 'otlp-grpc' }] }],
    },
  });
  await network.settled();
  assert.equal(network.syncError, undefined);
  const [a, aSvc, b, bSvc, c] = await Promise.all([
    agent['app-a'].connect(ips.collector, 4317), agent['app-a'].connect('10.96.0.20', 4317),
    agent['app-b'].connect(ips.collector, 4317), agent['app-b'].connect('10.96.0.20', 4317),
    agent['app-c'].connect(ips.collector, 4317),
  ]);
  assert.equal(a.result, 'connected');
  assert.equal(aSvc.result, 'connected');
  assert.equal(b.result, 'timeout');
  assert.equal(bSvc.result, 'timeout');
  assert.equal(c.result, 'timeout', 'same-node pod not admitted either');
  store.delete(T('NetworkPolicy'), 'observability', 'collector-ingress');
  await network.settled();
  assert.equal((await agent['app-b'].connect(ips.collector, 4317)).result, 'connected');
});

test('NetworkPolicy ipBlock with except, and egress at the source', { skip }, async () => {
  store.create(T('NetworkPolicy'), {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'by-cidr', namespace: 'observability' },
    spec: { podSelector: { matchLabels: { app: 'collector' } }, ingress: [{ from: [{ ipBlock: { cidr: '10.244.2.0/24', except: [`${ips['app-b']}/32`] } }], ports: [{ port: 4317, endPort: 4318 }] }] },
  });
  store.create(T('NetworkPolicy'), {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'a-egress', namespace: 'apps' },
    spec: { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'], egress: [{ ports: [{ protocol: 'UDP', port: 53 }] }] },
  });
  await network.settled();
  assert.equal(network.syncError, undefined);
  const [a, b, c] = await Promise.all([agent['app-a'].connect(ips.collector, 4317), agent['app-b'].connect(ips.collector, 4317), agent['app-c'].connect(ips.collector, 4317)]);
  assert.equal(a.result, 'timeout', 'egress of app-a only allows DNS');
  assert.equal(b.result, 'timeout', 'app-b is in the except list');
  assert.equal(c.result, 'timeout', 'app-c is outside the CIDR');
  store.delete(T('NetworkPolicy'), 'apps', 'a-egress');
  await network.settled();
  assert.equal((await agent['app-a'].connect(ips.collector, 4317)).result, 'connected');
  store.delete(T('NetworkPolicy'), 'observability', 'by-cidr');
  await network.settled();
});

test('pod namespaces have no default route, only the cluster ranges, and the kubelet\'s resolv.conf and hosts', { skip }, async () => {
  for (const name of ['collector', 'app-a']) {
    const routes = execFileSync('ip', ['-n', nsOf[name], 'route', 'show'], { encoding: 'utf8' });
    assert.doesNotMatch(routes, /default/);
    assert.deepEqual(routes.trim().split('\n').map((l) => l.split(' ')[0]).sort(), ['10.128.0.0/10', '10.244.0.0/16', '10.96.0.0/16', '169.254.1.1', '172.18.0.0/24', '172.20.0.0/14']);
  }
  const resolv = await agent['app-a'].read('/etc/resolv.conf');
  assert.equal(resolv.text, 'search apps.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
  const hosts = await agent['app-a'].read('/etc/hosts');
  assert.match(hosts.text!, new RegExp(`^${ips['app-a'].replace(/\./g, '\\.')}\\tapp-a$`, 'm'));
  // Lookups go to files and the cluster DNS only, whatever the host's nsswitch.conf says.
  assert.equal((await agent['app-a'].read('/etc/nsswitch.conf')).text, 'hosts: files dns\n');
});

test('hostNetwork pods share the node\'s network and get the resolver their dnsPolicy asks for', { skip }, async () => {
  const withHost = await network.addPod(pod('kube-system', 'agent-host', 'sim-node-2', {}, { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }));
  const plain = await network.addPod(pod('kube-system', 'agent-plain', 'sim-node-2', {}, { hostNetwork: true }));
  assert.equal(withHost.podIP, '172.18.0.3');
  assert.equal(withHost.hostIP, '172.18.0.3');
  const addrs = execFileSync('ip', ['-n', withHost.netns, '-4', '-o', 'addr', 'show', 'dev', 'eth0'], { encoding: 'utf8' });
  assert.match(addrs, /172\.18\.0\.3\/24/);
  assert.match(readFileSync(`/etc/netns/${withHost.netns}/resolv.conf`, 'utf8'), /nameserver 10\.96\.0\.10/);
  assert.doesNotMatch(readFileSync(`/etc/netns/${plain.netns}/resolv.conf`, 'utf8'), /10\.96\.0\.10/);
  const a = new Agent(withHost.netns, 'agent-host');
  agents.push(a);
  assert.equal((await a.connect('10.96.0.20', 4317)).result, 'connected', 'node-local clients use the Service too');
  assert.equal((await a.connect('10.96.0.20', 4318)).result, 'ECONNREFUSED');
  await network.removePod('kube-system', 'agent-plain');
  assert.ok(!netnsList().includes(plain.netns));
  assert.ok(!etcList().includes(plain.netns));
});

test('20 pods set up in parallel; a removed pod\'s address is reused only when the range is spent', { skip }, async () => {
  const t0 = performance.now();
  const res = await Promise.all(Array.from({ length: 20 }, (_, i) => network.addPod(pod('bulk', `p${i}`, i % 2 ? 'sim-node-1' : 'sim-node-2', { bulk: 'yes' }))));
  const ms = performance.now() - t0;
  console.log(`# 20 pods in ${ms.toFixed(0)} ms (${(ms / 20).toFixed(1)} ms/pod wall)`);
  assert.equal(new Set(res.map((r) => r.podIP)).size, 20);
  assert.ok(ms < 10000);
  // One process for all 20 checks: `ip netns exec` lines in a batch fork from ip itself.
  const defaults = execFileSync('ip', ['-batch', '-'], { input: res.map((r) => `netns exec ${r.netns} ip route show default`).join('\n') + '\n', encoding: 'utf8' });
  assert.equal(defaults, '');
  const routes = execFileSync('ip', ['-batch', '-'], { input: res.map((r) => `netns exec ${r.netns} ip route show`).join('\n') + '\n', encoding: 'utf8' });
  assert.equal(routes.split('\n').filter((l) => l.startsWith('169.254.1.1 dev eth0')).length, 20);
  const freed = res[0].podIP;
  await network.removePod('bulk', 'p0');
  assert.ok(!netnsList().includes(res[0].netns));
  const again = await network.addPod(pod('bulk', 'p0', 'sim-node-2', {}));
  assert.notEqual(again.podIP, freed, 'fresh addresses first');
});

test('stop() leaves no namespace, /etc/netns dir or owner file of the run', { skip }, async () => {
  for (const a of agents) { a.kill(); }
  await network.stop();
  await network.stop(); // idempotent
  assert.deepEqual(netnsList().filter((n) => n.startsWith(`osim-${runId}-`)), []);
  assert.deepEqual(etcList().filter((n) => n.startsWith(`osim-${runId}-`)), []);
  assert.ok(!existsSync(join(OWNER_DIR, `${runId}.pid`)));
});

test('renderer: a policy rule without ports admits every protocol; named ports resolve on the selected pod', () => {
  const pods: PolicyPod[] = [
    { namespace: 'o', name: 'col', ip: '10.244.1.2', nodeName: 'n1', labels: { app: 'col' }, containerPorts: [{ name: 'otlp', containerPort: 4317, protocol: 'TCP' }] },
    { namespace: 'a', name: 'cli', ip: '10.244.2.2', nodeName: 'n2', labels: { app: 'cli' }, containerPorts: [] },
  ];
  const np = (name: string, ingress: unknown[]): KObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'o' }, spec: { podSelector: { matchLabels: { app: 'col' } }, ingress } });
  const allPorts = renderPolicies('n1', pods, [np('p', [{ from: [{ namespaceSelector: {} }] }])], (ns) => ({ 'kubernetes.io/metadata.name': ns }));
  const admit = allPorts.rules.filter((r) => r.includes('-s 10.244.2.2/32'));
  assert.equal(admit.length, 1);
  assert.doesNotMatch(admit[0], / -p /);
  const named = renderPolicies('n1', pods, [np('p', [{ ports: [{ port: 'otlp' }, { port: 'missing' }] }])], () => ({}));
  assert.deepEqual(named.rules.filter((r) => r.includes('--dport')).map((r) => /--dport (\d+)/.exec(r)![1]), ['4317']);
  assert.deepEqual(renderPolicies('n2', pods, [np('p', [])], () => ({})), { chains: [], rules: [] }, 'no rules on a node without selected pods');
  const denyAll = renderPolicies('n1', pods, [np('p', [])], () => ({}));
  assert.ok(denyAll.rules.some((r) => r.endsWith('-j DROP')));
});

test('renderer: endpoints split with kube-proxy\'s probabilities; only ready ones are used', () => {
  const svc: KObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'd' }, spec: { clusterIP: '10.96.0.9', ports: [{ port: 80, protocol: 'TCP' }] } };
  const sl: KObject = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's-1', namespace: 'd', labels: { 'kubernetes.io/service-name': 's' } }, addressType: 'IPv4',
    ports: [{ port: 8080, protocol: 'TCP' }],
    endpoints: ['10.244.1.2', '10.244.1.3', '10.244.2.2', '10.244.2.3'].map((ip, i) => ({ addresses: [ip], conditions: { ready: i !== 3 }, nodeName: 'n1' })) };
  const text = renderNodeRules({ nodeName: 'n1', nodeIP: '172.18.0.2', services: servicePorts([svc], [sl], []), hostPorts: [], policy: { chains: [], rules: [] } });
  const probs = [...text.matchAll(/--probability (\S+)/g)].map((m) => Number(m[1]));
  assert.deepEqual(probs.map((p) => p.toFixed(4)), ['0.3333', '0.5000']);
  assert.equal([...text.matchAll(/-j DNAT --to-destination (\S+)/g)].map((m) => m[1]).sort().join(' '), '10.244.1.2:8080 10.244.1.3:8080 10.244.2.2:8080');
});

// A child process that sets up a cluster network and keeps adding pods until it is killed.
const CHILD = (run: string) => `
import { Store } from ${JSON.stringify(new URL('../../store.ts', import.meta.url).pathname)};
import { Network } from ${JSON.stringify(new URL('../../runtime/network.ts', import.meta.url).pathname)};
const net = new Network({ store: new Store(), runId: ${JSON.stringify(run)}, stateDir: ${JSON.stringify(stateDir)} });
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => { net.cleanupSync(); process.exit(143); });
process.on('exit', () => net.cleanupSync());
await net.start();
await net.addNode('sim-node-1', 1);
let i = 0;
for (;;) {
  await Promise.all(Array.from({ length: 8 }, () => { const n = 'p' + i++; return net.addPod({ apiVersion: 'v1', kind: 'Pod', metadata: { name: n, namespace: 'x', uid: n }, spec: { nodeName: 'sim-node-1', containers: [] } }); }));
  if (i === 8) console.log('started');
}
`;

/** Runs CHILD, interrupts it once it is adding pods; for SIGKILL also returns what it had forked (see below). */
async function interrupted(signal: NodeJS.Signals): Promise<{ run: string; orphans: number[] }> {
  const run = randomBytes(3).toString('hex');
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD(run)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => { if (String(d).includes('started')) { resolve(); } });
    child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });
  assert.ok(netnsList().some((n) => n.startsWith(`osim-${run}-p`)), 'the child created pod namespaces');
  const exited = new Promise((r) => child.on('exit', r));
  let orphans: number[] = [];
  if (signal === 'SIGKILL') {
    // Its `ip -batch` processes outlive it and may still add namespaces. Stopped first, it forks no new
    // one between the listing and the kill; they are left stopped only until that SIGKILL, then SIGCONT
    // lets them finish their work (a stopped one would hold its namespaces until the end of the test).
    child.kill('SIGSTOP');
    orphans = stoppedDescendantsSync([child.pid!]);
    child.kill('SIGKILL');
    for (const pid of orphans) { try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ } }
  } else { child.kill(signal); }
  await exited;
  return { run, orphans };
}

test('an interrupted run leaves nothing: SIGTERM runs the exit handlers, SIGKILL leftovers go with sweepStale()', { skip }, async () => {
  const [{ run: termed }, { run: killed, orphans }] = await Promise.all([interrupted('SIGTERM'), interrupted('SIGKILL')]);
  // An `ip` the killed child had started finishes on its own (it may still be adding namespaces): wait
  // for it, so the sweep below sees all of its work.
  console.log(`# SIGKILLed run: ${orphans.filter(isRunning).length} of the ${orphans.length} processes it had started still running`);
  const deadline = Date.now() + 120_000;
  while (orphans.some(isRunning) && Date.now() < deadline) { await new Promise((r) => setTimeout(r, 50)); }
  assert.deepEqual(orphans.filter(isRunning), [], 'the killed run\'s ip processes finish');
  assert.deepEqual(netnsList().filter((n) => n.startsWith(`osim-${termed}-`)), []);
  assert.deepEqual(etcList().filter((n) => n.startsWith(`osim-${termed}-`)), []);
  assert.ok(!existsSync(join(OWNER_DIR, `${termed}.pid`)));
  assert.ok(netnsList().some((n) => n.startsWith(`osim-${killed}-`)), 'SIGKILL leaves leftovers');
  Network.sweepStale();
  assert.deepEqual(netnsList().filter((n) => n.startsWith(`osim-${killed}-`)), []);
  assert.deepEqual(etcList().filter((n) => n.startsWith(`osim-${killed}-`)), []);
  assert.ok(!existsSync(join(OWNER_DIR, `${killed}.pid`)));
});

test('rules syncs wait for each node\'s namespace and stay quiet through teardown', { skip }, async () => {
  const noise: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (/rules sync failed/.test(String(chunk))) { noise.push(String(chunk)); }
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  const s = new Store();
  const dir = mkdtempSync(join(tmpdir(), 'osim-net-sync-'));
  const net = new Network({ store: s, runId: randomBytes(3).toString('hex'), stateDir: dir });
  try {
    await net.start();
    // Services exist before any node, and keep changing while the nodes come up: every change schedules
    // a sync that must neither touch a namespace still being created nor be lost for it.
    s.create(T('Service'), service('observability', 'early', '10.96.1.1', 4317));
    const adding = [net.addNode('sim-node-1', 1), net.addNode('sim-node-2', 2)];
    for (let i = 0; i < 6; i++) {
      s.create(T('Service'), service('observability', `during-${i}`, `10.96.1.${10 + i}`, 4317));
      await new Promise((r) => setTimeout(r, 30));
    }
    await Promise.all(adding);
    await net.settled();
    assert.equal(net.syncError, undefined);
    for (const n of ['sim-node-1', 'sim-node-2']) {
      const rules = execFileSync('ip', ['netns', 'exec', net.nodeNetns(n), 'iptables-save'], { encoding: 'utf8' });
      for (const ip of ['10.96.1.1', '10.96.1.15']) { assert.match(rules, new RegExp(`-d ${ip.replace(/\./g, '\\.')}/32`), `${n} has the rules of ${ip}`); }
    }
    // A sync in flight when teardown starts is cut short (its iptables-restore killed): not a failure.
    // Teardown starts once the sync is seen in flight (not after a guessed delay, which a fast machine
    // outruns and a slow one undershoots), and the check waits for that sync to end.
    s.create(T('Service'), service('observability', 'late', '10.96.1.99', 4317));
    const deadline = Date.now() + 120_000;
    while (!net.syncInFlight && Date.now() < deadline) { await new Promise((r) => setTimeout(r, 1)); }
    assert.ok(net.syncInFlight, 'the sync of the late Service started');
    net.cleanupSync();
    await net.settled();
    assert.deepEqual(noise, []);
  } finally {
    process.stderr.write = write;
    net.cleanupSync();
    rmSync(dir, { recursive: true, force: true });
  }
});
