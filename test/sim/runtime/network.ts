// The simulated cluster's network: a "physical" bridge network namespace, one namespace per node
// (the node's host network, with a kube-proxy-like rules writer), one per pod with a Calico-style veth.
// Nothing is created in the host's root network namespace except the namespace files (/run/netns/*),
// every name carries the run id, and stop()/cleanupSync()/sweepStale() remove it all.
//
//   pod netns osim-<run>-p<seq>      node netns osim-<run>-n<N>           bridge netns osim-<run>-br
//   eth0 10.244.N.x/32  <- veth ->   cali<hash> (proxy_arp, /32 route)
//   169.254.1.1 via eth0             eth0 172.18.0.<N+1>/24    <- veth ->  n<N> -- br0 172.18.0.1/24
//                                    10.244.M.0/24 via 172.18.0.<M+1>
//
// A hostNetwork pod gets osim-<run>-h<seq>: a second name (bind mount) for its node's namespace, so
// `ip netns exec` can bind that pod's own /etc/netns/<name>/resolv.conf. Pods have no default route
// (checked after every set-up). Speed: set-ups arriving together share one `ip -batch` process that
// forks the per-namespace work itself; kube-proxy's rules are one iptables-restore per node per change.
// Parts: commands.ts (running ip/iptables), run-cleanup.ts (synchronous teardown and the sweep of dead
// runs), pod-etc.ts (resolv.conf and hosts), iptables.ts and netpol.ts (the rules).
//
// IPv6 (--ip-family ipv6|dual, ranges in ../ip-family.ts): the same layout per family. A pod's eth0 gets
// fd00:10:244:N::x/128 (no DAD: nothing else can hold it), its routes to the cluster's IPv6 ranges go via
// fe80::ecee:eeff:feee:eeee, the link-local address the kernel derives from Calico's ee:ee:ee:ee:ee:ee on
// the host side, with a static neighbour entry as for 169.254.1.1; nodes forward IPv6 and run
// ip6tables-restore beside iptables-restore. Default routes are checked in both families.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { typeByKind, type Change, type KObject, type Store } from '../store.ts';
import { isFamilyIP, renderNodeRules, servicePorts, type HostPortMapping } from './iptables.ts';
import { RANGES, clusterIpFamily, familiesOf, familyOfIP, nodeIP, nodePodCIDR, podIP as familyPodIP, type Family } from '../ip-family.ts';
import { renderPolicies, type PolicyPod } from './netpol.ts';
import { IpBatcher, Limiter, run } from './commands.ts';
import {
  ETC_NETNS, NETNS_DIR, NETNS_PREFIX, OWNER_DIR, deleteNamespacesSync, isRunning, killNamespaceProcessesSync, killTreesSync, listRunNetns,
  processStartTime, removeEtcDirs, stoppedDescendantsSync, sweepStaleRuns,
} from './run-cleanup.ts';
import { NSSWITCH_CONF, nodeHosts, podHosts, resolvConf } from './pod-etc.ts';
import { VIRTUAL_NODE_CIDR, VIRTUAL_POD_CIDR } from '../virtual.ts';

// Re-exported: the simulator and its tests know these by the network.
export { NETNS_PREFIX, OWNER_DIR, isRunning, killNamespaceProcessesSync, stoppedDescendantsSync };

/** Calico gives every host-side veth this MAC, so the pod's gateway neighbour can be static. */
const GATEWAY_MAC = 'ee:ee:ee:ee:ee:ee';
const SETUP_CONCURRENCY = 48;
/** Outer `ip -batch` processes run side by side per flush of pod set-ups. */
const SETUP_PROCESSES = 2;
const SYNC_DEBOUNCE_MS = 50;

/** `ip`/`podCIDR` are the primary family's; `ips`/`podCIDRs` every family's, primary first. */
interface NodeRec { name: string; index: number; netns: string; ip: string; podCIDR: string; ips: string[]; podCIDRs: string[]; next: number; freed: number[]; ready: boolean }
interface PodRec {
  key: string; uid?: string; namespace: string; name: string; nodeName: string; netns: string; podIP: string; hostIP: string;
  /** Every family's address, primary first (status.podIPs / status.hostIPs). */
  podIPs: string[]; hostIPs: string[];
  hostNetwork: boolean; veth?: string; hostPorts: HostPortMapping[]; containerPorts: PolicyPod['containerPorts']; labels: Record<string, string>;
}

interface SetupJob { netns: string; node: NodeRec; podLines: string[]; nodeLines: string[]; resolve: () => void; reject: (e: Error) => void }

/** What a pod's network set-up gives the kubelet: the primary family's addresses and every family's. */
export interface PodNet { netns: string; podIP: string; hostIP: string; podIPs: string[]; hostIPs: string[] }

export class Network {
  readonly runId: string;
  /** The cluster's families, primary first. */
  readonly families: Family[];
  private readonly store: Store;
  private readonly stateDir: string;
  private readonly prefix: string;
  private readonly pidFile: string;
  private readonly nodes = new Map<string, NodeRec>();
  private readonly pods = new Map<string, PodRec>();
  private readonly pending = new Map<string, Promise<unknown>>();
  private readonly children = new Set<number>();
  private readonly limiter = new Limiter(SETUP_CONCURRENCY);
  private readonly rootIp = new IpBatcher(['ip'], this.children);
  private readonly nodeIp = new Map<string, IpBatcher>();
  private setupQueue: SetupJob[] = [];
  private setupScheduled = false;
  private setupFlushing = false;
  private flushSeq = 0;
  private nodeChain: Promise<unknown> = Promise.resolve();
  private readonly applied = new Map<string, string>();
  private seq = 0;
  private started = false;
  private stopped = false;
  private syncTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private dirty = false;
  private idleWaiters: Array<() => void> = [];
  private readonly onChange = (c: Change) => {
    if (['Service', 'EndpointSlice', 'Endpoints', 'NetworkPolicy', 'Namespace'].includes(c.resource.kind)) { this.scheduleSync(); }
    else if (c.resource.kind === 'Pod') {
      // Labels decide NetworkPolicy peers; the kubelet's frequent status writes change nothing here.
      const rec = this.pods.get(`${c.object.metadata.namespace}/${c.object.metadata.name}`);
      if (rec && !rec.hostNetwork && JSON.stringify(rec.labels) !== JSON.stringify(c.object.metadata.labels ?? {})) {
        rec.labels = { ...(c.object.metadata.labels ?? {}) };
        this.scheduleSync();
      }
    }
  };
  /** The failure of the last rules sync, if it failed (cleared by the next successful one). */
  syncError: Error | undefined;
  /** Timing of the last pod setups, for benchmarks: milliseconds per addPod. */
  readonly setupTimes: number[] = [];

  constructor(opts: { store: Store; runId: string; stateDir: string }) {
    if (!/^[a-z0-9]{1,8}$/.test(opts.runId)) { throw new Error(`run id must be 1-8 lowercase letters or digits, got ${JSON.stringify(opts.runId)}`); }
    this.store = opts.store;
    this.families = familiesOf(clusterIpFamily(opts.store));
    this.runId = opts.runId;
    this.stateDir = opts.stateDir;
    this.prefix = `${NETNS_PREFIX}${opts.runId}-`;
    this.pidFile = join(OWNER_DIR, `${opts.runId}.pid`);
  }

  get bridgeNetns(): string { return `${this.prefix}br`; }

  private get primary(): Family { return this.families[0]; }
  private get v6(): boolean { return this.families.includes('IPv6'); }
  /** What nodes use as their resolver (their /etc/resolv.conf), in the primary family. */
  private get bridgeIP(): string { return RANGES[this.primary].bridge; }
  private prefixLen(f: Family): number { return Number(RANGES[f].nodes.split('/')[1]); }

  async start(): Promise<void> {
    if (this.started) { return; }
    // kube-proxy's IPv6 rules need ip6tables-restore (the iptables package ships it beside iptables-restore).
    if (this.v6 && !(process.env.PATH ?? '/usr/sbin:/sbin').split(':').some((d) => d && existsSync(join(d, 'ip6tables-restore')))) {
      throw new Error('an IPv6 or dual-stack cluster needs ip6tables-restore on PATH (install the iptables package)');
    }
    this.started = true;
    // Ownership is recorded before anything exists, so sweepStale() can always tell whose leftovers these are.
    mkdirSync(OWNER_DIR, { recursive: true });
    writeFileSync(this.pidFile, JSON.stringify({ pid: process.pid, start: processStartTime(process.pid) }) + '\n');
    mkdirSync(ETC_NETNS, { recursive: true });
    await mkdir(join(this.stateDir, 'net'), { recursive: true });
    const br = this.bridgeNetns;
    await this.ip([], `netns add ${br}\n`);
    // nodad: the bridge's and nodes' IPv6 addresses are used at once, not after duplicate detection.
    await this.ip(['-n', br], ['link set lo up', 'link add br0 type bridge',
      ...this.families.map((f) => `addr add ${RANGES[f].bridge}/${this.prefixLen(f)} dev br0${f === 'IPv6' ? ' nodad' : ''}`), 'link set br0 up',
      // Virtual pods' addresses (virtual.ts) have no endpoint: dropped unanswered, as Calico's block blackholes do.
      `route add blackhole ${VIRTUAL_POD_CIDR}`].join('\n') + '\n');
    this.store.on('change', this.onChange);
  }

  nodeNetns(nodeName: string): string {
    const n = this.nodes.get(nodeName);
    if (!n) { throw new Error(`unknown node ${nodeName}`); }
    return n.netns;
  }

  /** Nodes are added one at a time: each one routes to the others' pod ranges and they to its. */
  addNode(name: string, index: number): Promise<{ netns: string; ip: string; podCIDR: string }> {
    const p = this.nodeChain.then(() => this.createNode(name, index));
    this.nodeChain = p.catch(() => undefined);
    return p;
  }

  private async createNode(name: string, index: number): Promise<{ netns: string; ip: string; podCIDR: string }> {
    if (!this.started) { throw new Error('Network.start() first'); }
    const existing = this.nodes.get(name);
    if (existing) { return { netns: existing.netns, ip: existing.ip, podCIDR: existing.podCIDR }; }
    if (!Number.isInteger(index) || index < 1 || index > 250) { throw new Error(`node index must be 1..250, got ${index}`); }
    const netns = `${this.prefix}n${index}`;
    const ips = this.families.map((f) => nodeIP(f, index));
    const podCIDRs = this.families.map((f) => nodePodCIDR(f, index));
    const rec: NodeRec = { name, index, netns, ip: ips[0], podCIDR: podCIDRs[0], ips, podCIDRs, next: 2, freed: [], ready: false };
    this.nodes.set(name, rec);
    await this.writeNodeFiles(rec);
    await this.ip([], `netns add ${netns}\n`);
    await this.ip(['-n', this.bridgeNetns], [`link add n${index} type veth peer name eth0 netns ${netns}`, `link set n${index} master br0`, `link set n${index} up`].join('\n') + '\n');
    const others = [...this.nodes.values()].filter((o) => o !== rec);
    // proxy_arp via "default" so every pod veth created here inherits it, as Calico sets it per interface;
    // set before any address exists, so the IPv6 ones (and the pods' host-side veths) skip DAD.
    await run(['ip', 'netns', 'exec', netns, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv4.conf.default.proxy_arp=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0',
      ...(this.v6 ? ['net.ipv6.conf.all.forwarding=1', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.all.accept_ra=0', 'net.ipv6.conf.default.accept_ra=0'] : [])], undefined, this.children);
    const out = await this.ip(['-n', netns], [
      'link set lo up',
      ...this.families.map((f, i) => `addr add ${ips[i]}/${this.prefixLen(f)} dev eth0${f === 'IPv6' ? ' nodad' : ''}`),
      'link set eth0 up',
      // Service traffic must reach FORWARD, where kube-proxy's REJECT rules live; without a route the
      // kernel would answer "no route" before any rule is consulted.
      ...this.families.map((f) => `route add ${RANGES[f].services} via ${RANGES[f].bridge} dev eth0`),
      ...(this.families.includes('IPv4') ? [`route add ${VIRTUAL_POD_CIDR} via ${RANGES.IPv4.bridge} dev eth0`] : []),
      ...others.flatMap((o) => this.families.map((_f, i) => `route add ${o.podCIDRs[i]} via ${o.ips[i]} dev eth0`)),
      'route show default',
    ].join('\n') + '\n');
    const out6 = this.v6 ? await run(['ip', '-n', netns, '-6', 'route', 'show', 'default'], undefined, this.children) : '';
    if (out.trim() || out6.trim()) { throw new Error(`isolation violated: node namespace ${netns} has a default route: ${(out + out6).trim()}`); }
    await Promise.all(others.map((o) => this.ip(['-n', o.netns], this.families.map((_f, i) => `route replace ${rec.podCIDRs[i]} via ${rec.ips[i]} dev eth0\n`).join(''))));
    rec.ready = true;
    this.scheduleSync();
    return { netns, ip: rec.ip, podCIDR: rec.podCIDR };
  }

  async addPod(pod: KObject): Promise<PodNet> {
    if (!this.started || this.stopped) { throw new Error('network is not running'); }
    const key = `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
    const prev = this.pending.get(key);
    if (prev) { await prev.catch(() => undefined); }
    const have = this.pods.get(key);
    if (have && have.uid === pod.metadata.uid) { return { netns: have.netns, podIP: have.podIP, hostIP: have.hostIP, podIPs: have.podIPs, hostIPs: have.hostIPs }; }
    if (have) { await this.removePod(have.namespace, have.name); }
    const p = this.limiter.run(() => this.setupPod(key, pod));
    this.pending.set(key, p);
    try { return await p; } finally { if (this.pending.get(key) === p) { this.pending.delete(key); } }
  }

  private async setupPod(key: string, pod: KObject): Promise<PodNet> {
    const t0 = performance.now();
    const nodeName: string | undefined = pod.spec?.nodeName;
    const node = nodeName ? this.nodes.get(nodeName) : undefined;
    if (!node) { throw new Error(`pod ${key}: node ${JSON.stringify(nodeName)} has no network (addNode first)`); }
    const seq = ++this.seq;
    const containers: any[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
    const containerPorts = containers.flatMap((c) => (c.ports ?? []) as any[]).filter((p) => Number.isInteger(p?.containerPort))
      .map((p) => ({ name: typeof p.name === 'string' ? p.name : undefined, containerPort: p.containerPort as number, protocol: typeof p.protocol === 'string' ? p.protocol : 'TCP' }));
    const base = { key, uid: pod.metadata.uid, namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name, nodeName: node.name, labels: { ...(pod.metadata.labels ?? {}) }, containerPorts };

    if (pod.spec?.hostNetwork === true) {
      // The node's own namespace under a second name: `ip netns exec` then binds this pod's resolv.conf
      // (ClusterFirstWithHostNet differs from the node's) while sockets live in the node's network.
      const netns = `${this.prefix}h${seq}`;
      await this.writeEtc(netns, resolvConf(pod, true, this.bridgeIP, RANGES[this.primary].dnsIP), nodeHosts(node.name, node.ip));
      await writeFile(join(NETNS_DIR, netns), '');
      await run(['mount', '--bind', join(NETNS_DIR, node.netns), join(NETNS_DIR, netns)], undefined, this.children);
      const rec: PodRec = { ...base, netns, podIP: node.ip, hostIP: node.ip, podIPs: node.ips, hostIPs: node.ips, hostNetwork: true, hostPorts: [] };
      this.pods.set(key, rec);
      this.setupTimes.push(performance.now() - t0);
      return { netns, podIP: node.ip, hostIP: node.ip, podIPs: node.ips, hostIPs: node.ips };
    }

    const host = this.allocate(node);
    // host-local with one range per family (dual: [[v4], [v6]]) hands out the same ordinal in each.
    const podIPs = this.families.map((f) => familyPodIP(f, node.index, host));
    const podIP = podIPs[0];
    const netns = `${this.prefix}p${seq}`;
    // Calico's interface name: "cali" + 11 hex digits of a hash of the pod, unique within the node.
    const veth = `cali${createHash('sha1').update(`${base.namespace}.${base.name}.${seq}`).digest('hex').slice(0, 11)}`;
    // The portmap plugin maps a hostPort in each family the pod has an address in; a hostIP limits it to its own.
    const hostPorts: HostPortMapping[] = containerPorts.length === 0 ? [] : containers.flatMap((c) => (c.ports ?? []) as any[])
      .filter((p) => Number.isInteger(p?.hostPort) && p.hostPort > 0 && Number.isInteger(p.containerPort))
      .flatMap((p) => {
        const hostIP = typeof p.hostIP === 'string' && familyOfIP(p.hostIP) ? p.hostIP : undefined;
        return podIPs.filter((ip) => !hostIP || familyOfIP(hostIP) === familyOfIP(ip))
          .map((ip) => ({ podIP: ip, hostIP, hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.protocol ?? 'TCP' }));
      });
    const rec: PodRec = { ...base, netns, podIP, hostIP: node.ip, podIPs, hostIPs: node.ips, hostNetwork: false, veth, hostPorts };
    this.pods.set(key, rec);
    try {
      await this.writeEtc(netns, resolvConf(pod, false, this.bridgeIP, RANGES[this.primary].dnsIP), podHosts(pod, podIPs));
      await this.submitSetup({
        netns, node,
        podLines: [
          `link add eth0 type veth peer name ${veth} address ${GATEWAY_MAC} netns ${node.netns}`,
          'link set lo up',
          ...this.families.map((f, i) => `addr add ${podIPs[i]}/${RANGES[f].hostBits} dev eth0${f === 'IPv6' ? ' nodad' : ''}`),
          'link set eth0 up',
          ...this.families.flatMap((f) => {
            const gw = RANGES[f].gateway;
            return [
              ...(f === 'IPv4' ? [`route add ${gw} dev eth0 scope link`] : []),
              // Only the cluster's ranges: a pod must never reach the host's real network. Virtual nodes' range
              // too: exec in a virtual pod connects from its node's address, and the answer must find its way back.
              ...[RANGES[f].pods, RANGES[f].services, RANGES[f].nodes, ...(f === 'IPv4' ? [VIRTUAL_POD_CIDR, VIRTUAL_NODE_CIDR] : [])].map((c) => `route add ${c} via ${gw} dev eth0`),
              `neigh replace ${gw} lladdr ${GATEWAY_MAC} dev eth0 nud permanent`,
            ];
          }),
          'route show default',
        ],
        nodeLines: [
          `link set ${veth} up`,
          ...this.families.map((f, i) => `route add ${podIPs[i]}/${RANGES[f].hostBits} dev ${veth}${f === 'IPv4' ? ' scope link' : ''}`),
          `ntable change name arp_cache dev ${veth} proxy_delay 0`,
        ],
      });
    } catch (e) {
      this.pods.delete(key);
      await this.teardownPod(rec, node).catch(() => undefined);
      throw e;
    }
    if (hostPorts.length) { this.scheduleSync(); }
    if (Object.keys(rec.labels).length || this.store.list(typeByKind('NetworkPolicy')!).length) { this.scheduleSync(); }
    this.setupTimes.push(performance.now() - t0);
    return { netns, podIP, hostIP: node.ip, podIPs, hostIPs: node.ips };
  }

  /**
   * Pod set-ups that arrive together share ONE `ip -batch` process: it creates their namespaces and
   * forks (cheaply, from a small process) one `ip -batch FILE` per pod and one per node. Spawning from
   * this large Node process is what costs most, so it happens once per batch, not once per pod.
   */
  private submitSetup(job: Omit<SetupJob, 'resolve' | 'reject'>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.setupQueue.push({ ...job, resolve, reject });
      if (!this.setupScheduled && !this.setupFlushing) { this.setupScheduled = true; setImmediate(() => void this.flushSetup()); }
    });
  }

  private async flushSetup(): Promise<void> {
    this.setupScheduled = false;
    const jobs = this.setupQueue.splice(0);
    if (jobs.length === 0) { return; }
    this.setupFlushing = true;
    // One outer `ip` works through its lines serially; a few side by side keep both cores busy.
    const parts = Math.max(1, Math.min(SETUP_PROCESSES, Math.floor(jobs.length / 4)));
    const size = Math.ceil(jobs.length / parts);
    const chunks = Array.from({ length: parts }, (_, i) => jobs.slice(i * size, (i + 1) * size)).filter((c) => c.length);
    try {
      await Promise.all(chunks.map((c) => this.runSetupChunk(c)));
    } finally {
      this.setupFlushing = false;
      if (this.setupQueue.length) { this.setupScheduled = true; setImmediate(() => void this.flushSetup()); }
    }
  }

  private async runSetupChunk(jobs: SetupJob[]): Promise<void> {
    const dir = join(this.stateDir, 'net', 'batch');
    const flush = ++this.flushSeq;
    const files: string[] = [];
    try {
      await mkdir(dir, { recursive: true });
      const outer: string[] = [];
      const owner: SetupJob[][] = []; // outer line (0-based) -> the jobs it concerns
      for (const j of jobs) { outer.push(`netns add ${j.netns}`); owner.push([j]); }
      await Promise.all(jobs.map(async (j) => {
        const f = join(dir, `${j.netns}.ip`);
        files.push(f);
        await writeFile(f, j.podLines.join('\n') + '\n');
      }));
      for (const j of jobs) { outer.push(`netns exec ${j.netns} ip -batch ${join(dir, `${j.netns}.ip`)}`); owner.push([j]); }
      // A batch's `route show default` lists IPv4 only; IPv6 defaults need their own command per pod.
      if (this.v6) { for (const j of jobs) { outer.push(`netns exec ${j.netns} ip -6 route show default`); owner.push([j]); } }
      const nodeFiles = new Map<string, { jobs: SetupJob[]; lineOwner: SetupJob[] }>();
      for (const j of jobs) {
        const f = join(dir, `${j.node.netns}-${flush}.ip`);
        if (!nodeFiles.has(f)) { nodeFiles.set(f, { jobs: [], lineOwner: [] }); }
        const g = nodeFiles.get(f)!;
        g.jobs.push(j);
        for (const _ of j.nodeLines) { g.lineOwner.push(j); }
      }
      for (const [f, g] of nodeFiles) {
        files.push(f);
        await writeFile(f, g.jobs.flatMap((j) => j.nodeLines).join('\n') + '\n');
        outer.push(`netns exec ${g.jobs[0].node.netns} ip -force -batch ${f}`);
        owner.push(g.jobs);
      }
      let failed = new Map<SetupJob, string>();
      let out = '';
      try {
        out = await run(['ip', '-force', '-batch', '-'], outer.join('\n') + '\n', this.children);
      } catch (e) {
        const msg = (e as Error).message.split('\ninput:')[0];
        out = msg;
        for (const m of msg.matchAll(/Command failed (\S+):(\d+)/g)) {
          const [, file, n] = m;
          if (file === '-') { for (const j of owner[Number(n) - 1] ?? jobs) { failed.set(j, msg); } }
          else { const g = nodeFiles.get(file); const j = g?.lineOwner[Number(n) - 1]; for (const x of j ? [j] : g?.jobs ?? []) { failed.set(x, msg); } }
        }
        if (failed.size === 0) { failed = new Map(jobs.map((j) => [j, msg])); }
      }
      // Only `route show default` prints; any output at all means some pod got a default route.
      if (!failed.size && out.trim()) { failed = new Map(jobs.map((j) => [j, `isolation violated: a pod namespace has a default route: ${out.trim()}`])); }
      for (const j of jobs) { const f = failed.get(j); if (f) { j.reject(new Error(`setting up ${j.netns}: ${f}`)); } else { j.resolve(); } }
    } catch (e) {
      for (const j of jobs) { j.reject(e as Error); }
    } finally {
      await Promise.all(files.map((f) => rm(f, { force: true })));
    }
  }

  async removePod(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    const prev = this.pending.get(key);
    if (prev) { await prev.catch(() => undefined); }
    const rec = this.pods.get(key);
    if (!rec) { return; }
    this.pods.delete(key);
    const node = this.nodes.get(rec.nodeName);
    const p = this.teardownPod(rec, node);
    this.pending.set(key, p);
    try { await p; } finally { if (this.pending.get(key) === p) { this.pending.delete(key); } }
    this.scheduleSync();
  }

  private async teardownPod(rec: PodRec, node: NodeRec | undefined): Promise<void> {
    // Deleting the host-side veth first frees the interface and the /32 route at once, even while
    // processes still hold the pod's namespace open (the kernel only destroys it with its last user).
    if (rec.veth && node) { await this.nodeBatch(node).submit([`link del ${rec.veth}`]).catch(() => undefined); }
    await this.rootIp.submit([`netns del ${rec.netns}`]).catch(() => undefined);
    await rm(join(ETC_NETNS, rec.netns), { recursive: true, force: true });
    if (!rec.hostNetwork && node) {
      // The ordinal is the same in every family (allocate()); the primary address says which it was.
      const host = this.primary === 'IPv4' ? Number(rec.podIP.split('.')[3]) : Number.parseInt(rec.podIP.split(':').pop() ?? '', 16);
      if (!node.freed.includes(host)) { node.freed.push(host); }
    }
  }

  /** host-local IPAM order: ascending fresh addresses first; a released address is reused only when the range is spent. */
  private allocate(node: NodeRec): number {
    if (node.next <= 254) { return node.next++; }
    const h = node.freed.shift();
    if (h === undefined) { throw new Error(`failed to allocate for range 0: no IP addresses available in range set: ${familyPodIP(this.primary, node.index, 1)}-${familyPodIP(this.primary, node.index, 254)}`); }
    return h;
  }

  /** A rules sync is running (its iptables-restore may be in flight); for tests of teardown mid-sync. */
  get syncInFlight(): boolean { return this.syncing !== undefined; }

  /** Resolves once every pending rules change has been written to the nodes. */
  async settled(): Promise<void> {
    while (this.syncTimer || this.syncing) {
      await new Promise<void>((r) => this.idleWaiters.push(r));
    }
  }

  private scheduleSync(): void {
    if (this.stopped) { return; }
    if (this.syncing) { this.dirty = true; return; }
    if (this.syncTimer) { return; }
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      this.syncing = this.sync().then(() => { this.syncError = undefined; }, (e) => {
        // Teardown kills a restore in flight and removes the namespaces under it: not a failure to report.
        if (this.stopped) { return; }
        this.syncError = e as Error;
        // The rules themselves are in the state dir (net/iptables-<node>.rules.failed), not on the terminal.
        process.stderr.write(`network: rules sync failed: ${(e as Error).message.split('\ninput:')[0]}\n`);
      })
        .finally(() => {
          this.syncing = undefined;
          if (this.dirty && !this.stopped) { this.dirty = false; this.scheduleSync(); }
          if (!this.syncTimer && !this.syncing) { for (const w of this.idleWaiters.splice(0)) { w(); } }
        });
    }, SYNC_DEBOUNCE_MS);
  }

  /** The rules every node should have now; exposed for tests and debugging. */
  renderAll(family: Family = 'IPv4'): Map<string, string> {
    const out = new Map<string, string>();
    if (!this.families.includes(family)) { return out; }
    const fi = this.families.indexOf(family);
    const kind = (k: string) => typeByKind(k)!;
    const services = servicePorts(this.store.list(kind('Service')), this.store.list(kind('EndpointSlice')), this.store.list(kind('Endpoints')), family);
    const policies = this.store.list(kind('NetworkPolicy'));
    const nsLabels = new Map(this.store.list(kind('Namespace')).map((n) => [n.metadata.name, n.metadata.labels ?? {}]));
    // The API server sets this label on every Namespace; namespaces the store lacks still have it.
    const labelsOf = (ns: string) => ({ 'kubernetes.io/metadata.name': ns, ...(nsLabels.get(ns) ?? {}) });
    const policyPods: PolicyPod[] = [...this.pods.values()].filter((p) => !p.hostNetwork && p.podIPs[fi])
      .map((p) => ({ namespace: p.namespace, name: p.name, ip: p.podIPs[fi], nodeName: p.nodeName, labels: p.labels, containerPorts: p.containerPorts }));
    for (const node of this.nodes.values()) {
      const hostPorts = [...this.pods.values()].filter((p) => p.nodeName === node.name).flatMap((p) => p.hostPorts).filter((h) => isFamilyIP(h.podIP, family));
      const policy = policies.length ? renderPolicies(node.name, policyPods, policies, labelsOf, family) : { chains: [], rules: [] };
      out.set(node.name, renderNodeRules({ nodeName: node.name, nodeIP: node.ips[fi], services, hostPorts, policy, family }));
    }
    return out;
  }

  private async sync(): Promise<void> {
    await Promise.all(this.families.flatMap((family) => [...this.renderAll(family)].map(async ([nodeName, text]) => {
      const node = this.nodes.get(nodeName);
      const v6 = family === 'IPv6';
      const key = v6 ? `${nodeName}/ip6` : nodeName;
      // A node still being created gets its rules from the sync createNode() schedules once it is ready;
      // writing now would race `ip netns add` (nsenter: No such file or directory).
      if (!node?.ready || this.applied.get(key) === text || this.stopped) { return; }
      const file = join(this.stateDir, 'net', `${v6 ? 'ip6tables' : 'iptables'}-${nodeName}.rules`);
      try {
        await run(['nsenter', `--net=${join(NETNS_DIR, node.netns)}`, v6 ? 'ip6tables-restore' : 'iptables-restore', '-w', '5'], text, this.children);
      } catch (e) {
        if (this.stopped) { return; }
        await writeFile(`${file}.failed`, text).catch(() => undefined);
        throw e;
      }
      this.applied.set(key, text);
      await writeFile(file, text).catch(() => undefined);
    })));
  }

  private ip(opts: string[], batch: string): Promise<string> {
    return run(['ip', ...opts, '-batch', '-'], batch, this.children);
  }

  private nodeBatch(node: NodeRec): IpBatcher {
    let b = this.nodeIp.get(node.name);
    if (!b) { this.nodeIp.set(node.name, b = new IpBatcher(['ip', '-n', node.netns], this.children)); }
    return b;
  }

  private async writeNodeFiles(node: NodeRec): Promise<void> {
    await this.writeEtc(node.netns, `nameserver ${this.bridgeIP}\n`, nodeHosts(node.name, node.ip));
  }

  private async writeEtc(netns: string, resolv: string, hosts: string): Promise<void> {
    const dir = join(ETC_NETNS, netns);
    await mkdir(dir, { recursive: true });
    await Promise.all([writeFile(join(dir, 'resolv.conf'), resolv), writeFile(join(dir, 'hosts'), hosts), writeFile(join(dir, 'nsswitch.conf'), NSSWITCH_CONF)]);
  }

  async stop(): Promise<void> {
    if (this.stopped) { return; }
    this.stopped = true;
    this.store.off('change', this.onChange);
    if (this.syncTimer) { clearTimeout(this.syncTimer); }
    this.syncTimer = undefined;
    await Promise.allSettled([...this.pending.values(), this.syncing]);
    for (const w of this.idleWaiters.splice(0)) { w(); }
    const names = listRunNetns(this.prefix);
    // Whatever still runs inside the run's namespaces is the run's (an exec session the kubelet never
    // learned the pid of); it would outlive the namespace files.
    killNamespaceProcessesSync(names, 0);
    if (names.length) { await this.ip(['-force'], names.map((n) => `netns del ${n}`).join('\n') + '\n').catch(() => undefined); }
    this.cleanupSync();
  }

  /** Synchronous teardown for 'exit' and signal handlers: kills setup commands in flight, then deletes everything of the run. */
  cleanupSync(): void {
    this.stopped = true;
    this.store.off('change', this.onChange);
    if (this.syncTimer) { clearTimeout(this.syncTimer); }
    this.syncTimer = undefined;
    // An `ip netns add` still running would otherwise create a namespace after the sweep below, and the
    // `ip -batch FILE` it forked into a pod's namespace would outlive the run.
    killTreesSync([...this.children]);
    const names = listRunNetns(this.prefix);
    // Processes inside the run's namespaces whose pid nobody recorded (an exec session started just as
    // its agent was killed): only the names with this run's prefix, so no other run is touched.
    killNamespaceProcessesSync(names, 0);
    deleteNamespacesSync(names);
    removeEtcDirs(this.prefix);
    rmSync(this.pidFile, { force: true });
    this.pods.clear();
  }

  /**
   * Removes namespaces, /etc/netns dirs and owner files of runs whose owner process is gone, ending the
   * processes still inside those namespaces first (they are the dead run's containers). Returns the pids ended.
   */
  static sweepStale(prefix: string = NETNS_PREFIX): number[] {
    return sweepStaleRuns(prefix);
  }
}
