// Exec into a virtual pod (virtual.ts), and what the network does with virtual pods' addresses.
//
// A virtual pod has no process and no network namespace. `kubectl exec` into one still runs for real:
// in ONE network namespace per virtual node, created on the first exec there and shared by all of that
// node's virtual pods (a documented simplification: their connections leave from the node's InternalIP,
// 172.20.0.0/14, not from each pod's IP). The command runs with the container's tool profile, its
// environment, and a resolv.conf/hosts of its own pod (a second netns name bind-mounted on the node's
// namespace, as network.ts does for hostNetwork pods), so a probe from a virtual pod is a real connection:
// DNS through the cluster DNS, Services through a real node's kube-proxy rules, pods on their own IPs.
//
// Virtual pods' addresses (10.128.0.0/10) have no endpoint. The simulated network is Calico-style, and
// Calico installs a blackhole route for each IPAM block on the node that owns it, so a packet to an
// address nobody holds is dropped without an answer: a connection to a virtual pod's IP times out
// (from a node that owns the block, a local sender's connect() fails at once with EINVAL, as Linux
// answers for a blackhole route). Here every node and pod routes 10.128.0.0/10 to the "physical"
// bridge, which drops it; a virtual node's namespace also blackholes its own block.
// Everything is named with the run's network prefix, so Network's teardown removes it with the rest.
import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import { join } from 'node:path';
import type { KObject, Store } from './store.ts';
import { typeByKind } from './store.ts';
import { RuntimeError, type ExecRequest, type ExecStreams } from './types.ts';
import { checkVirtualNodeNet, internalIpOf, ipv4CidrWithin, isVirtualNode, VIRTUAL_NODE_CIDR, VIRTUAL_POD_CIDR } from './virtual.ts';
import { run } from './runtime/commands.ts';
import { ETC_NETNS, NETNS_DIR } from './runtime/run-cleanup.ts';
import { NSSWITCH_CONF, nodeHosts, podHosts, resolvConf } from './runtime/pod-etc.ts';
import { commandName, materializeProfile, profileFor, TOOLS_ANNOTATION } from './runtime/profiles.ts';
import { EnvError, resolveContainerEnv } from './runtime/env.ts';
import type { ExecAgent } from './runtime/exec-agent-client.ts';
import { IP_BIN, runInNetns } from './runtime/container-exec.ts';

const POD = typeByKind('Pod')!;
const NODE = typeByKind('Node')!;
const SERVICE = typeByKind('Service')!;
const CONFIGMAP = typeByKind('ConfigMap')!;
const SECRET = typeByKind('Secret')!;
const BRIDGE_IP = '172.18.0.1';
const SERVICE_CIDR = '10.96.0.0/16';

export interface VirtualExecHost {
  store: Store;
  /** The run's network: its namespaces' prefix, the bridge, the real nodes. */
  network: { runId: string; readonly bridgeNetns: string; nodeNetns(name: string): string };
  stateDir: string;
  nodeBinary: string;
  /** Real nodes that are up, with their namespace, IP and pod range (routes from virtual nodes go to them). */
  realNodes(): Array<{ name: string; netns: string; ip: string; podCIDR: string }>;
  /** A real node's exec agent: it starts the session (spawning from this large process would cost more). */
  execAgent(): ExecAgent | undefined;
}

interface VNodeNet { netns: string; ready: Promise<void> }

export class VirtualExec {
  private readonly h: VirtualExecHost;
  private readonly prefix: string;
  private readonly children = new Set<number>();
  private readonly nodes = new Map<string, VNodeNet>();
  /** pod uid -> its netns name (a bind mount of its node's namespace with the pod's own /etc files) */
  private readonly pods = new Map<string, Promise<string>>();
  private seq = 0;
  /** Virtual node namespaces are numbered in the order they are made (never from the node's name: kwok-a-1 and kwok-b-1 would collide). */
  private nodeSeq = 0;
  private routed?: Promise<void>;

  constructor(h: VirtualExecHost) {
    this.h = h;
    this.prefix = h.network.bridgeNetns.slice(0, -'br'.length);
  }

  /** Whether `pod` is on a virtual node (its exec is this class's). */
  handles(namespace: string, pod: string): boolean {
    const p = this.h.store.peek(POD, namespace, pod);
    return !!p?.spec?.nodeName && isVirtualNode(this.h.store.peek(NODE, undefined, p.spec.nodeName));
  }

  /** How many virtual node namespaces exist (created lazily, on the first exec into one of its pods). */
  get namespaces(): number { return this.nodes.size; }

  async exec(req: ExecRequest, streams: ExecStreams, signal: AbortSignal): Promise<{ exitCode: number }> {
    const pod = this.h.store.get(POD, req.namespace, req.pod);
    if (!pod) { throw new RuntimeError(404, 'NotFound', `pods "${req.pod}" not found`); }
    const names: string[] = (pod.spec?.containers ?? []).map((c: { name: string }) => c.name);
    const container = req.container || (names.length === 1 ? names[0] : '');
    if (!container) { throw new RuntimeError(400, 'BadRequest', `a container name must be specified for pod ${req.pod}, choose one of: [${names.join(' ')}]`); }
    const spec = (pod.spec?.containers ?? []).find((c: { name: string }) => c.name === container);
    if (!spec || pod.status?.phase !== 'Running') { throw new RuntimeError(500, 'InternalError', `container not found ("${container}")`); }
    const profileDir = materializeProfile(join(this.h.stateDir, 'profiles'), profileFor(spec.image ?? '', pod.metadata.annotations?.[TOOLS_ANNOTATION], this.h.nodeBinary));
    const cmd = req.command[0] ?? '';
    const name = commandName(cmd);
    if (!cmd || !readdirSync(profileDir).includes(name)) {
      throw new RuntimeError(500, 'InternalError', `Internal error occurred: error executing command in container: failed to exec in container: failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: exec: "${cmd}": executable file not found in $PATH: unknown`);
    }
    const env: Record<string, string> = { PATH: profileDir, HOSTNAME: pod.metadata.name, HOME: '/root' };
    try {
      const services = [...this.h.store.list(SERVICE, req.namespace), ...(req.namespace === 'default' ? [] : [this.h.store.get(SERVICE, 'default', 'kubernetes')].filter((s): s is KObject => !!s))];
      const resolved = resolveContainerEnv(pod, spec, { configMap: (ns, n) => this.h.store.get(CONFIGMAP, ns, n), secret: (ns, n) => this.h.store.get(SECRET, ns, n), services });
      for (const e of resolved.env) { env[e.name] = e.value; }
    } catch (e) {
      if (!(e instanceof EnvError)) { throw e; }
    }
    if (req.tty) { env.TERM = 'xterm'; }
    const netns = await this.podNetns(pod);
    if (signal.aborted) { return { exitCode: 130 }; }
    const agent = this.h.execAgent();
    if (!agent) { throw new RuntimeError(500, 'InternalError', 'Internal error occurred: error executing command in container: no node is ready to run it'); }
    const argv0 = cmd.includes('/') ? join(profileDir, name) : name;
    return runInNetns(agent, netns, [argv0, ...req.command.slice(1)], env, req, streams, signal);
  }

  private ip(opts: string[], lines: string[]): Promise<string> {
    return run([IP_BIN, ...opts, '-batch', '-'], `${lines.join('\n')}\n`, this.children);
  }

  /**
   * Once per run: the real nodes route virtual pods' range to the bridge (which drops it: the timeout of
   * an address nobody holds) and virtual nodes' addresses on-link (so replies reach a virtual node's namespace).
   */
  private routeRealNodes(): Promise<void> {
    this.routed ??= (async () => {
      await this.ip(['-n', this.h.network.bridgeNetns], [`route replace blackhole ${VIRTUAL_POD_CIDR}`]);
      await Promise.all(this.h.realNodes().map((n) => this.ip(['-n', n.netns], [
        `route replace ${VIRTUAL_POD_CIDR} via ${BRIDGE_IP} dev eth0`,
        `route replace ${VIRTUAL_NODE_CIDR} dev eth0 scope link`,
      ])));
    })();
    return this.routed;
  }

  /** The virtual node's namespace: created on first use (its host network, shared by its virtual pods). */
  private nodeNetns(nodeName: string): Promise<string> {
    let rec = this.nodes.get(nodeName);
    if (!rec) {
      const node = this.h.store.peek(NODE, undefined, nodeName);
      if (!node) { return Promise.reject(new RuntimeError(500, 'InternalError', `node ${nodeName} not found`)); }
      const rawIp = internalIpOf(node);
      const rawCidr: unknown = node.spec?.podCIDR ?? '';
      const bad = checkVirtualNodeNet(nodeName, rawIp, rawCidr);
      const ip = String(rawIp);
      const podCIDR = String(rawCidr);
      if (bad) { return Promise.reject(new RuntimeError(500, 'InternalError', `Internal error occurred: error executing command in container: ${bad}`)); }
      const real = this.h.realNodes().filter((n) => isIPv4(n.ip) && ipv4CidrWithin(n.podCIDR, '0.0.0.0/0'));
      const index = ++this.nodeSeq;
      const netns = `${this.prefix}v${index}`;
      const veth = `v${index}`;
      const ready = (async () => {
        await this.routeRealNodes();
        await mkdir(join(ETC_NETNS, netns), { recursive: true });
        await Promise.all([
          writeFile(join(ETC_NETNS, netns, 'resolv.conf'), `nameserver ${BRIDGE_IP}\n`),
          writeFile(join(ETC_NETNS, netns, 'hosts'), nodeHosts(nodeName, ip)),
          writeFile(join(ETC_NETNS, netns, 'nsswitch.conf'), NSSWITCH_CONF),
        ]);
        await this.ip([], [`netns add ${netns}`]);
        await this.ip(['-n', this.h.network.bridgeNetns], [`link add ${veth} type veth peer name eth0 netns ${netns}`, `link set ${veth} master br0`, `link set ${veth} up`]);
        const out = await this.ip(['-n', netns], [
          'link set lo up',
          `addr add ${ip}/32 dev eth0`,
          'link set eth0 up',
          `route add ${BRIDGE_IP.replace(/\.1$/, '.0')}/24 dev eth0 scope link`,
          // Services go through a real node's kube-proxy rules (this namespace has none of its own).
          ...(real.length ? [`route add ${SERVICE_CIDR} via ${real[0].ip} dev eth0`] : []),
          ...real.map((n) => `route add ${n.podCIDR} via ${n.ip} dev eth0`),
          `route add ${VIRTUAL_POD_CIDR} via ${BRIDGE_IP} dev eth0`,
          ...(podCIDR ? [`route add blackhole ${podCIDR}`] : []),
          'route show default',
        ]);
        if (out.trim()) { throw new Error(`isolation violated: virtual node namespace ${netns} has a default route: ${out.trim()}`); }
      })();
      rec = { netns, ready };
      this.nodes.set(nodeName, rec);
      ready.catch(() => { if (this.nodes.get(nodeName) === rec) { this.nodes.delete(nodeName); } });
    }
    return rec.ready.then(() => rec.netns);
  }

  /** The pod's name for its node's namespace, with the pod's own resolv.conf and hosts. */
  private podNetns(pod: KObject): Promise<string> {
    const uid = pod.metadata.uid ?? '';
    let p = this.pods.get(uid);
    if (!p) {
      p = (async () => {
        const nodeNs = await this.nodeNetns(pod.spec.nodeName);
        const name = `${this.prefix}x${++this.seq}`;
        await mkdir(join(ETC_NETNS, name), { recursive: true });
        const ip = pod.status?.podIP ?? '';
        await Promise.all([
          writeFile(join(ETC_NETNS, name, 'resolv.conf'), resolvConf(pod, false, BRIDGE_IP)),
          writeFile(join(ETC_NETNS, name, 'hosts'), podHosts(pod, ip)),
          writeFile(join(ETC_NETNS, name, 'nsswitch.conf'), NSSWITCH_CONF),
        ]);
        await writeFile(join(NETNS_DIR, name), '');
        await run(['mount', '--bind', join(NETNS_DIR, nodeNs), join(NETNS_DIR, name)], undefined, this.children);
        return name;
      })();
      this.pods.set(uid, p);
      p.catch(() => { if (this.pods.get(uid) === p) { this.pods.delete(uid); } });
    }
    return p;
  }
}
