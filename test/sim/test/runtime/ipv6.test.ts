// IPv6 and dual-stack clusters (`--ip-family ipv6|dual`): pods, Services, EndpointSlices and DNS of each
// family, Service and hostPort traffic through ip6tables, NetworkPolicy over IPv6, the stand-in collector
// binding as Go does (a wildcard serves IPv6, 127.0.0.1 does not) and crash-looping on the Helm chart's
// unbracketed `${env:MY_POD_IP}:4317`, and a teardown that leaves nothing. Needs root for the clusters;
// the admission and listen tests run anywhere.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type * as net from 'node:net';
import { Writable } from 'node:stream';
import { Store, typeByKind, type KObject } from '../../store.ts';
import { Admission } from '../../api/admission.ts';
import { setClusterIpFamily, type IpFamily } from '../../ip-family.ts';
import { goSplitHostPort, listenTcp } from '../../standins/collector-net.ts';
import { NETNS_PREFIX } from '../../runtime/network.ts';
import { runStandin, simRoot } from '../../standins/testutil.ts';
import { toTable } from '../../api/table.ts';
import type { Cluster } from '../../cli.ts';

const skip = process.getuid?.() === 0 ? false : 'needs root (network namespaces)';
const MANIFESTS = join(import.meta.dirname, 'ipv6-manifests');
const POD = typeByKind('Pod')!;
const SVC = typeByKind('Service')!;

async function until<T>(what: string, f: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  // No deadline of its own: the test's timeout bounds the wait, so a slow machine only waits longer.
  for (let i = 0; ; i++) {
    const v = await f();
    if (v) { return v; }
    if (i % 100 === 99) { process.stderr.write(`still waiting for ${what}\n`); }
    await new Promise((r) => setTimeout(r, 100));
  }
}

// A connect from inside a pod (the client container's own `node`), answered with what the socket met.
const CONNECT = `const s = require('net').connect({ host: process.argv[1], port: Number(process.argv[2]) });
s.setTimeout(2000, () => { console.log('timeout'); process.exit(0); });
s.on('connect', () => { console.log('connected'); process.exit(0); });
s.on('error', (e) => { console.log(e.code); process.exit(0); });`;
const RESOLVE = `require('dns').promises[process.argv[1]](process.argv[2]).then((a) => console.log(JSON.stringify(a)), (e) => console.log(e.code));`;

async function exec(c: Cluster, pod: string, command: string[]): Promise<string> {
  const chunks: Buffer[] = [];
  const out = new Writable({ write(b, _e, cb) { chunks.push(Buffer.from(b)); cb(); } });
  const err = new Writable({ write(_b, _e, cb) { cb(); } });
  const { exitCode } = await c.runtime.exec({ namespace: 'ip6', pod, container: 'sh', command, stdin: false, tty: false }, { stdout: out, stderr: err }, new AbortController().signal);
  assert.equal(exitCode, 0, `${command.join(' ')} in ${pod}`);
  return Buffer.concat(chunks).toString('utf8').trim();
}
const connect = (c: Cluster, from: string, host: string, port: number) => exec(c, from, ['node', '-e', CONNECT, host, String(port)]);
const resolve = (c: Cluster, from: string, how: 'resolve4' | 'resolve6', name: string) => exec(c, from, ['node', '-e', RESOLVE, how, name]);

const pod = (c: Cluster, name: string) => c.store.get(POD, 'ip6', name)!;
const svc = (c: Cluster, name: string) => c.store.get(SVC, 'ip6', name)!;
const ready = (c: Cluster, name: string) => pod(c, name)?.status?.conditions?.some((x: { type: string; status: string }) => x.type === 'Ready' && x.status === 'True');
const slicesOf = (c: Cluster, name: string) => c.store.list(typeByKind('EndpointSlice')!, 'ip6').filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === name);

function runLeftovers(runId: string): string[] {
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(`${NETNS_PREFIX}${runId}-`));
  const etc = existsSync('/etc/netns') ? readdirSync('/etc/netns').filter((d) => d.startsWith(`${NETNS_PREFIX}${runId}-`)) : [];
  return [...netns, ...etc];
}

async function bringUp(ipFamily: IpFamily): Promise<Cluster> {
  const { startCluster } = await import('../../cli.ts');
  const c = await startCluster({ manifests: [MANIFESTS], ipFamily, log: () => {} });
  await until('the collectors and clients Ready', () => ['wild', 'guarded', 'client', 'allowed'].every((n) => ready(c, n)));
  await c.runtime.network.settled();
  return c;
}

describe('an IPv6 cluster', { skip, concurrency: 1, timeout: 240_000 }, () => {
  let c: Cluster;
  before(async () => { c = await bringUp('ipv6'); });
  after(async () => {
    if (!c) { return; }
    const runId = c.runId;
    await c.stop();
    assert.deepEqual(runLeftovers(runId), [], 'stop() removes every namespace (and with them their ip6tables rules) and /etc/netns dir');
  });

  test('pods, nodes, Services and EndpointSlices carry kind\'s IPv6 ranges only', () => {
    const client = pod(c, 'client');
    assert.match(client.status.podIP, /^fd00:10:244:[12]::[0-9a-f]+$/);
    assert.deepEqual(client.status.podIPs, [{ ip: client.status.podIP }]);
    assert.match(client.status.hostIP, /^fc00:f853:ccd:e793::[23]$/);
    const node = c.store.get(typeByKind('Node')!, undefined, 'sim-node-1')!;
    assert.deepEqual(node.status.addresses.filter((a: { type: string }) => a.type === 'InternalIP'), [{ type: 'InternalIP', address: 'fc00:f853:ccd:e793::2' }]);
    assert.deepEqual(node.spec.podCIDRs, ['fd00:10:244:1::/64']);
    const wild = svc(c, 'wild');
    assert.match(wild.spec.clusterIP, /^fd00:10:96::[0-9a-f]+$/);
    assert.deepEqual([wild.spec.ipFamilies, wild.spec.ipFamilyPolicy, wild.spec.clusterIPs], [['IPv6'], 'SingleStack', [wild.spec.clusterIP]]);
    // PreferDualStack on a single-stack cluster is single-stack (initIPFamilyFields).
    assert.deepEqual(svc(c, 'wild-dual').spec.ipFamilies, ['IPv6']);
    assert.deepEqual(c.store.get(SVC, 'kube-system', 'kube-dns')!.spec.clusterIPs, ['fd00:10:96::a']);
    assert.deepEqual(c.store.get(SVC, 'default', 'kubernetes')!.spec.clusterIPs, ['fd00:10:96::1']);
    const slices = slicesOf(c, 'wild');
    assert.deepEqual(slices.map((s) => [s.addressType, s.endpoints.map((e: { addresses: string[] }) => e.addresses[0])]), [['IPv6', [pod(c, 'wild').status.podIP]]]);
    const ep = c.store.get(typeByKind('Endpoints')!, 'ip6', 'wild')!;
    assert.deepEqual(ep.subsets[0].addresses.map((a: { ip: string }) => a.ip), [pod(c, 'wild').status.podIP]);
  });

  test('pod to Service over IPv6 through ip6tables; a wildcard bind serves IPv6, 127.0.0.1 does not', async () => {
    const wildIP = pod(c, 'wild').status.podIP;
    const cip = svc(c, 'wild').spec.clusterIP;
    assert.equal(await connect(c, 'client', cip, 4317), 'connected', '0.0.0.0:4317 is a dual-stack listen (Go favoriteAddrFamily)');
    assert.equal(await connect(c, 'client', wildIP, 4317), 'connected');
    assert.equal(await connect(c, 'client', wildIP, 4318), 'ECONNREFUSED', '127.0.0.1:4318 is IPv4 loopback only');
    assert.equal(await connect(c, 'client', cip, 4318), 'ECONNREFUSED', 'through the Service too');
    assert.equal(await connect(c, 'client', cip, 9999), 'ECONNREFUSED', 'a port the Service lacks is rejected (icmp6-port-unreachable)');
    const nodeNs = `${NETNS_PREFIX}${c.runId}-n1`;
    const nat = execFileSync('ip', ['netns', 'exec', nodeNs, 'ip6tables-save', '-t', 'nat'], { encoding: 'utf8' });
    assert.ok(nat.split('\n').some((l) => l.startsWith(`-A KUBE-SERVICES -d ${cip}/128 -p tcp`) && l.includes('--dport 4317') && l.includes('-j KUBE-SVC-')), nat);
    assert.ok(nat.includes(`--to-destination [${wildIP}]:4317`), nat);
    assert.equal(execFileSync('ip', ['netns', 'exec', nodeNs, 'iptables-save', '-t', 'nat'], { encoding: 'utf8' }).includes(cip), false, 'no IPv6 address in the IPv4 ruleset');
  });

  test('hostPort over the node\'s IPv6 address', async () => {
    const hostIP = pod(c, 'wild').status.hostIP;
    assert.equal(await connect(c, 'client', hostIP, 24317), 'connected');
  });

  test('cluster DNS answers AAAA, and A is NODATA', async () => {
    const cip = svc(c, 'wild').spec.clusterIP;
    assert.equal(await resolve(c, 'client', 'resolve6', 'wild.ip6.svc.cluster.local'), JSON.stringify([cip]));
    assert.equal(await resolve(c, 'client', 'resolve4', 'wild.ip6.svc.cluster.local'), 'ENODATA');
    const ip = pod(c, 'client').status.podIP as string;
    assert.equal(await resolve(c, 'client', 'resolve6', `${ip.replace(/:/g, '-')}.ip6.pod.cluster.local`), JSON.stringify([ip]));
  });

  test('the downward API gives an IPv6 MY_POD_IP', async () => {
    const ip = pod(c, 'client').status.podIP;
    assert.equal(await exec(c, 'client', ['node', '-p', 'process.env.MY_POD_IP + " " + process.env.MY_POD_IPS']), `${ip} ${ip}`);
  });

  test('NetworkPolicy over IPv6: the allowed peer connects, another pod times out', async () => {
    const ip = pod(c, 'guarded').status.podIP;
    assert.equal(await connect(c, 'allowed', ip, 4317), 'connected');
    assert.equal(await connect(c, 'client', ip, 4317), 'timeout');
    assert.equal(await connect(c, 'allowed', svc(c, 'guarded').spec.clusterIP, 4317), 'connected', 'after the Service DNAT too');
  });

  test('${env:MY_POD_IP}:4317 with an IPv6 pod IP crash-loops with Go\'s "too many colons in address"', async () => {
    const ip = pod(c, 'podip').status.podIP;
    await until('podip in CrashLoopBackOff', () => pod(c, 'podip').status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff');
    const logs = await c.runtime.logs('ip6', 'podip', { container: 'otelcol', previous: true });
    const err = `listen tcp: address ${ip}:4317: too many colons in address`;
    assert.ok(logs.includes(`"error": "${err}", "type": "Receiver", "id": "otlp"`), logs);
    assert.ok(logs.includes(`Error: cannot start pipelines: failed to start "otlp" receiver: ${err}\n`), logs);
  });
});

describe('a dual-stack cluster', { skip, concurrency: 1, timeout: 240_000 }, () => {
  let c: Cluster;
  before(async () => { c = await bringUp('dual'); });
  after(async () => {
    if (!c) { return; }
    const runId = c.runId;
    await c.stop();
    assert.deepEqual(runLeftovers(runId), []);
  });

  test('status.podIPs holds both families, IPv4 first; the downward API follows', async () => {
    const p = pod(c, 'client');
    assert.match(p.status.podIP, /^10\.244\.[12]\.\d+$/);
    assert.equal(p.status.podIPs.length, 2);
    assert.equal(p.status.podIPs[0].ip, p.status.podIP);
    assert.match(p.status.podIPs[1].ip, /^fd00:10:244:[12]::[0-9a-f]+$/);
    assert.deepEqual(p.status.hostIPs.map((h: { ip: string }) => h.ip.includes(':')), [false, true]);
    assert.equal(await exec(c, 'client', ['node', '-p', 'process.env.MY_POD_IP + " " + process.env.MY_POD_IPS']), `${p.status.podIP} ${p.status.podIPs.map((x: { ip: string }) => x.ip).join(',')}`);
    const node = c.store.get(typeByKind('Node')!, undefined, 'sim-node-2')!;
    assert.deepEqual(node.status.addresses.filter((a: { type: string }) => a.type === 'InternalIP').map((a: { address: string }) => a.address), ['172.18.0.3', 'fc00:f853:ccd:e793::3']);
    assert.deepEqual(node.spec.podCIDRs, ['10.244.2.0/24', 'fd00:10:244:2::/64']);
  });

  test('SingleStack takes the primary family, PreferDualStack both; one EndpointSlice per family, Endpoints in the primary', () => {
    assert.deepEqual(svc(c, 'wild').spec.ipFamilies, ['IPv4']);
    const dual = svc(c, 'wild-dual');
    assert.deepEqual(dual.spec.ipFamilies, ['IPv4', 'IPv6']);
    assert.match(dual.spec.clusterIPs[0], /^10\.96\.\d+\.\d+$/);
    assert.match(dual.spec.clusterIPs[1], /^fd00:10:96::[0-9a-f]+$/);
    assert.equal(dual.spec.clusterIP, dual.spec.clusterIPs[0]);
    const [v4, v6] = pod(c, 'wild').status.podIPs.map((x: { ip: string }) => x.ip);
    const slices = slicesOf(c, 'wild-dual').map((s) => [s.addressType, s.endpoints.map((e: { addresses: string[] }) => e.addresses[0])]).sort();
    assert.deepEqual(slices, [['IPv4', [v4]], ['IPv6', [v6]]]);
    assert.deepEqual(slicesOf(c, 'wild').map((s) => s.addressType), ['IPv4']);
    const ep = c.store.get(typeByKind('Endpoints')!, 'ip6', 'wild-dual')!;
    assert.deepEqual(ep.subsets[0].addresses.map((a: { ip: string }) => a.ip), [v4]);
  });

  test('both ClusterIPs of a dual-stack Service reach the wildcard listener; DNS answers A and AAAA', async () => {
    const [cip4, cip6] = svc(c, 'wild-dual').spec.clusterIPs;
    assert.equal(await connect(c, 'client', cip4, 4317), 'connected');
    assert.equal(await connect(c, 'client', cip6, 4317), 'connected');
    assert.equal(await resolve(c, 'client', 'resolve4', 'wild-dual.ip6.svc.cluster.local'), JSON.stringify([cip4]));
    assert.equal(await resolve(c, 'client', 'resolve6', 'wild-dual.ip6.svc.cluster.local'), JSON.stringify([cip6]));
    assert.equal(await resolve(c, 'client', 'resolve6', 'wild.ip6.svc.cluster.local'), 'ENODATA', 'a SingleStack IPv4 Service has no AAAA');
    const [, g6] = pod(c, 'guarded').status.podIPs.map((x: { ip: string }) => x.ip);
    assert.equal(await connect(c, 'client', g6, 4317), 'timeout', 'the policy holds in the second family too');
    assert.equal(await connect(c, 'allowed', g6, 4317), 'connected');
  });

  test('${env:MY_POD_IP}:4317 is the IPv4 primary here: the collector starts', async () => {
    await until('podip ready line', async () => (await c.runtime.logs('ip6', 'podip', { container: 'otelcol' })).includes('Everything is ready.'));
    assert.equal(pod(c, 'podip').status.containerStatuses[0].restartCount, 0);
  });
});

describe('Service IP families at admission (kube-apiserver initIPFamilyFields)', () => {
  const admitted = (family: IpFamily, spec: KObject['spec']) => {
    const store = new Store();
    setClusterIpFamily(store, family);
    store.create(typeByKind('Namespace')!, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
    const s: KObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x', namespace: 'default' }, spec: { ports: [{ port: 80 }], ...spec } };
    new Admission(store).admit(SVC, s);
    return s.spec;
  };
  test('families and ClusterIPs per policy', () => {
    assert.deepEqual(admitted('ipv6', { selector: { a: 'b' } }).clusterIPs, ['fd00:10:96::b']);
    assert.deepEqual(admitted('dual', { selector: { a: 'b' }, ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6'] }).clusterIPs, ['fd00:10:96::b', '10.96.0.11']);
    assert.deepEqual(admitted('dual', { ipFamilyPolicy: 'PreferDualStack', clusterIP: 'fd00:10:96::99' }).clusterIPs, ['fd00:10:96::99', '10.96.0.11']);
    assert.deepEqual(admitted('ipv4', { ipFamilyPolicy: 'PreferDualStack' }).ipFamilies, ['IPv4']);
    // Headless without selector defaults to RequireDualStack and both families, even on a single-stack cluster.
    const headless = admitted('ipv4', { clusterIP: 'None' });
    assert.deepEqual([headless.ipFamilyPolicy, headless.ipFamilies, headless.clusterIPs], ['RequireDualStack', ['IPv4', 'IPv6'], ['None']]);
  });
  test('what the API server refuses', () => {
    assert.throws(() => admitted('ipv6', { ipFamilyPolicy: 'RequireDualStack', selector: { a: 'b' } }), /spec\.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services/);
    assert.throws(() => admitted('ipv6', { ipFamilies: ['IPv4'] }), /spec\.ipFamilies\[0\]: Invalid value: "IPv4": not configured on this cluster/);
    assert.throws(() => admitted('ipv6', { clusterIP: '10.96.0.50' }), /spec\.clusterIPs\[0\]: Invalid value: \[\]string\{"10\.96\.0\.50"\}: IPv4 is not configured on this cluster/);
    assert.throws(() => admitted('dual', { ipFamilies: ['IPv4', 'IPv6'] }), /must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified/);
    assert.throws(() => admitted('ipv6', { clusterIP: 'fd00:10:97::1' }), /The range of valid IPs is fd00:10:96::\/112/);
  });
});

describe('the stand-in collector listens as Go\'s net.Listen does', () => {
  test('SplitHostPort: an IPv6 host needs brackets', () => {
    assert.deepEqual(goSplitHostPort('fd00:10:244:1::5:4317'), { error: 'address fd00:10:244:1::5:4317: too many colons in address' });
    assert.deepEqual(goSplitHostPort('[fd00:10:244:1::5]:4317'), { host: 'fd00:10:244:1::5', port: '4317' });
    assert.deepEqual(goSplitHostPort('[::]:4317'), { host: '::', port: '4317' });
    assert.deepEqual(goSplitHostPort(':4317'), { host: '', port: '4317' });
    assert.deepEqual(goSplitHostPort('localhost'), { error: 'address localhost: missing port in address' });
    assert.deepEqual(goSplitHostPort('[::1]4317'), { error: 'address [::1]4317: missing port in address' });
  });

  // Loopback of the host's own namespace, on ports the kernel picks.
  const reach = async (host: string, port: number): Promise<string> => {
    const { connect: dial } = await import('node:net');
    return new Promise((r) => {
      const s = dial({ host, port });
      s.on('connect', () => { s.destroy(); r('connected'); });
      s.on('error', (e: NodeJS.ErrnoException) => r(e.code ?? 'error'));
    });
  };
  const portOf = (b: { server: unknown }) => ((b.server as net.Server).address() as net.AddressInfo).port;
  for (const [endpoint, v4, v6, shown] of [
    ['0.0.0.0:0', 'connected', 'connected', /^\[::\]:\d+$/],
    [':0', 'connected', 'connected', /^\[::\]:\d+$/],
    ['127.0.0.1:0', 'connected', 'ECONNREFUSED', /^127\.0\.0\.1:\d+$/],
    ['localhost:0', 'connected', 'ECONNREFUSED', /^127\.0\.0\.1:\d+$/],
    ['[::1]:0', 'ECONNREFUSED', 'connected', /^\[::1\]:\d+$/],
  ] as const) {
    test(`${endpoint}: IPv4 ${v4}, IPv6 ${v6}`, async () => {
      const b = await listenTcp(endpoint, (s) => s.destroy());
      try {
        assert.match(b.shown, shown);
        const port = portOf(b);
        assert.deepEqual([await reach('127.0.0.1', port), await reach('::1', port)], [v4, v6]);
      } finally { (b.server as net.Server).close(); }
    });
  }
  test('an unbracketed IPv6 endpoint fails before any socket exists', async () => {
    await assert.rejects(listenTcp('fd00:10:244:1::5:4317', () => {}), { message: 'listen tcp: address fd00:10:244:1::5:4317: too many colons in address' });
  });
});

describe('the stand-in collector given ${env:MY_POD_IP}:<port> with an IPv6 pod IP exits as the real one does', () => {
  const POD_IP = 'fd00:10:244:1::5';
  const exitsWith = async (image: string, conf: string) => {
    const p = runStandin('collector.ts', ['/otelcol-contrib', '--config=/conf/c.yaml'], { SIM_ROOT: simRoot({ '/conf/c.yaml': conf }), SIM_IMAGE: image, MY_POD_IP: POD_IP });
    assert.equal(await p.exited, 1);
    return p.out();
  };
  const pipeline = 'receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: "[::1]:0"\nexporters:\n  debug: {}\n';
  const traces = '  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [debug]\n';
  test('a health_check extension fails to start', async () => {
    const out = await exitsWith('otel/opentelemetry-collector-contrib:0.130.0', `${pipeline}extensions:\n  health_check:\n    endpoint: \${env:MY_POD_IP}:13133\nservice:\n  extensions: [health_check]\n${traces}`);
    assert.ok(out.includes(`Error: failed to start extensions: listen tcp: address ${POD_IP}:13133: too many colons in address\n`), out);
  });
  test('service::telemetry::metrics::address fails the configuration from 0.111 to 0.122, before anything starts', async () => {
    const conf = `${pipeline}service:\n  telemetry:\n    metrics:\n      address: \${env:MY_POD_IP}:8888\n${traces}`;
    const out = await exitsWith('otel/opentelemetry-collector-contrib:0.120.0', conf);
    assert.ok(out.startsWith(`Error: failed to get config: cannot unmarshal the configuration: decoding failed due to the following error(s):\n\n'service.telemetry' failing to parse metrics address "${POD_IP}:8888": address ${POD_IP}:8888: too many colons in address\n`), out);
  });
});

test('npm run sim -- --ip-family: ipv4 by default, ipv6 or dual when asked, anything else a usage error', async () => {
  const { parseArgs, UsageError } = await import('../../cli.ts');
  assert.equal(parseArgs(['up', '--manifests', MANIFESTS]).ipFamily, undefined);
  assert.equal(parseArgs(['up', '--manifests', MANIFESTS, '--ip-family', 'ipv6']).ipFamily, 'ipv6');
  assert.equal(parseArgs(['up', '--manifests', MANIFESTS, '--ip-family=dual']).ipFamily, 'dual');
  assert.throws(() => parseArgs(['up', '--manifests', MANIFESTS, '--ip-family', 'IPv6']), (e: Error) => e instanceof UsageError && /--ip-family must be one of ipv4, ipv6, dual/.test(e.message));
});

test('kubectl get endpoints prints an IPv6 endpoint as net.JoinHostPort does', () => {
  const ep: KObject = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'otel', namespace: 'ip6', creationTimestamp: new Date().toISOString() }, subsets: [{ addresses: [{ ip: 'fd00:10:244:1::5' }], ports: [{ name: 'otlp-grpc', port: 4317 }] }] };
  assert.equal(toTable('Endpoints', [ep], 'None', {}).rows[0].cells[1], '[fd00:10:244:1::5]:4317');
});

test('a zoned or IPv4-mapped IPv6 address is no address for a rule (ip6tables-restore would reject the node\'s whole ruleset)', async () => {
  const { isFamilyIP } = await import('../../runtime/iptables.ts');
  assert.equal(isFamilyIP('fd00:10:244::5', 'IPv6'), true);
  assert.equal(isFamilyIP('fe80::1%eth0', 'IPv6'), false);
  assert.equal(isFamilyIP('::ffff:10.0.0.1', 'IPv6'), false);
  assert.equal(isFamilyIP('::ffff:10.0.0.1', 'IPv4'), false);
  assert.equal(isFamilyIP('10.244.0.5', 'IPv4'), true);
});
