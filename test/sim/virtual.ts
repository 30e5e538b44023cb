// Virtual nodes and pods, as KWOK plays them: Node objects that no kubelet backs, and pods on them that
// get an IP, a node and Running/Ready status but no process and no network namespace of their own.
// They go through the same API server, controllers and scheduler as real ones, so a cluster of 150,000
// pods fits in one process. Exec into a virtual pod is real (virtual-exec.ts); connections to a virtual
// pod's IP fail as they do for an address nothing answers (virtual-exec.ts, README "Virtual pods").
//
// Sources: KWOK's fake node (site/static/examples/node.yaml: annotation kwok.x-k8s.io/node=fake, label
// type=kwok) and its pod stages (kustomize/stage/pod/fast/pod-ready.yaml: conditions Initialized, Ready,
// ContainersReady and the readiness gates, containerStatuses ready with state.running, hostIP from the
// node, podIP from the node's podCIDR or the node IP for hostNetwork, phase Running, startTime;
// pod-delete.yaml: a pod with a deletionTimestamp is removed).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { join, relative } from 'node:path';
import type { Change, KObject, Store } from './store.ts';
import { typeByKind } from './store.ts';
import { KUBELET_STATUS } from './managed-fields.ts';
import { nodeObject } from './cluster-objects.ts';
import { noMatchError, parseManifestText, servedType, sortForCreation, type LoadResult, type LoadedObject } from './manifests.ts';

/** KWOK's marker on the nodes it manages (kwok --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake). */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
/**
 * Objects loaded from --virtual-manifests carry this, and the controllers copy it to what they create
 * (ReplicaSets, pods), so the scheduler puts their pods on virtual nodes. KWOK asks the manifests for a
 * toleration and nodeSelector instead; an annotation leaves the user's templates (and their hashes) as written.
 */
export const VIRTUAL_ANNOTATION = 'sim.otel-doctor.io/virtual';
/** Virtual nodes' pod ranges: a /24 per node out of 10.128.0.0/10 (16,384 nodes), apart from the real nodes' 10.244.0.0/16. */
export const VIRTUAL_POD_CIDR = '10.128.0.0/10';
export const MAX_VIRTUAL_NODES = 16_384;
/** Virtual nodes' InternalIPs (virtualNodeIp), apart from the real nodes' 172.18.0.0/24. */
export const VIRTUAL_NODE_CIDR = '172.20.0.0/14';

const ipv4ToInt = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
/** `a.b.c.d/n` and nothing else: no spaces, no newline, no second word (the text goes into `ip -batch`). */
const CIDR4 = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/;

/** Whether `addr` is a dotted-quad IPv4 address inside `cidr`. */
export function ipv4InCidr(addr: string, cidr: string): boolean {
  if (typeof addr !== 'string' || !isIPv4(addr)) { return false; }
  const [net, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4ToInt(addr) / size) === Math.floor(ipv4ToInt(net) / size);
}

/** Whether `cidr` is a strict IPv4 CIDR whose network address is its own (no host bits) and lies inside `within`. */
export function ipv4CidrWithin(cidr: string, within: string): boolean {
  const m = typeof cidr === 'string' ? CIDR4.exec(cidr) : null;
  if (!m || !isIPv4(m[1])) { return false; }
  const bits = Number(m[2]);
  const outer = Number(within.split('/')[1]);
  if (bits > 32 || bits < outer) { return false; }
  if (ipv4ToInt(m[1]) % (2 ** (32 - bits)) !== 0) { return false; }
  return ipv4InCidr(m[1], within);
}

/**
 * What goes into a root `ip -batch` from a Node object (writable through the API, and any Node with the
 * KWOK annotation is taken for a virtual one) must be exactly an address or a range of the simulated
 * network: a newline in either would add lines such as `netns exec <ns> <cmd>`, run as root.
 */
/** A Node's InternalIP as written (anything: a Node's status is whatever the API was sent). */
export function internalIpOf(n: Readonly<KObject>): unknown {
  const addrs: unknown = n.status?.addresses;
  return Array.isArray(addrs) ? addrs.find((a: { type?: unknown } | null) => a?.type === 'InternalIP')?.address : undefined;
}

export function checkVirtualNodeNet(nodeName: string, ip: unknown, podCIDR: unknown): string | undefined {
  if (typeof ip !== 'string' || !ipv4InCidr(ip, VIRTUAL_NODE_CIDR)) { return `node ${nodeName}: InternalIP ${JSON.stringify(ip)} is not an IPv4 address in the virtual nodes' range ${VIRTUAL_NODE_CIDR}`; }
  if (podCIDR !== '' && (typeof podCIDR !== 'string' || !ipv4CidrWithin(podCIDR, VIRTUAL_POD_CIDR))) { return `node ${nodeName}: spec.podCIDR ${JSON.stringify(podCIDR)} is not an IPv4 range inside the virtual pods' range ${VIRTUAL_POD_CIDR}`; }
  return undefined;
}

const POD = typeByKind('Pod')!;
const NODE = typeByKind('Node')!;

export const isVirtualNode = (n: { metadata: { annotations?: Record<string, string> } } | undefined) => n?.metadata.annotations?.[KWOK_NODE_ANNOTATION] === 'fake';
export const isVirtualObject = (o: { metadata?: { annotations?: Record<string, string> } } | undefined) => o?.metadata?.annotations?.[VIRTUAL_ANNOTATION] === 'true';

/** Marks an object from --virtual-manifests (in place; returns it). */
export function markVirtual(o: KObject): KObject {
  o.metadata = { ...(o.metadata ?? { name: '' }), annotations: { ...(o.metadata?.annotations ?? {}), [VIRTUAL_ANNOTATION]: 'true' } };
  return o;
}

export const virtualNodeName = (i: number) => `kwok-node-${i}`;
export const virtualPodCidr = (i: number) => `10.${128 + (i >> 8)}.${i & 255}.0/24`;
/** Virtual node i's InternalIP: 172.20.0.0/14, apart from the real nodes' 172.18.0.0/24. */
export const virtualNodeIp = (i: number) => `172.${20 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;

/** Virtual node i (0-based): a Node as KWOK's example registers it, with its own pod range and address. */
export function virtualNodeObject(i: number): KObject {
  if (!Number.isInteger(i) || i < 0 || i >= MAX_VIRTUAL_NODES) { throw new Error(`virtual node index must be 0..${MAX_VIRTUAL_NODES - 1}, got ${i}`); }
  const name = virtualNodeName(i);
  const n = nodeObject(name, 1);
  const cidr = virtualPodCidr(i);
  n.metadata.annotations = { ...n.metadata.annotations, [KWOK_NODE_ANNOTATION]: 'fake' };
  n.metadata.labels = { ...n.metadata.labels, type: 'kwok', 'kubernetes.io/role': 'agent', 'node-role.kubernetes.io/agent': '' };
  n.spec = { podCIDR: cidr, podCIDRs: [cidr] };
  n.status.addresses = [{ type: 'InternalIP', address: virtualNodeIp(i + 1) }, { type: 'Hostname', address: name }];
  // KWOK's nodes report fake versions and no runtime: nothing runs there.
  n.status.nodeInfo = { ...n.status.nodeInfo, kubeletVersion: 'fake', kubeProxyVersion: 'fake', containerRuntimeVersion: '' };
  return n;
}

interface VNode { name: string; ip: string; base: string; next: number; freed: number[] }

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** The status KWOK's pod-ready stage writes (see the header), plus PodScheduled as the scheduler leaves it. */
export function readyStatus(pod: KObject, podIP: string, hostIP: string, ts = now()): Record<string, unknown> {
  const spec = pod.spec ?? {};
  const conditions = [
    { type: 'Initialized', status: 'True', lastTransitionTime: ts },
    { type: 'Ready', status: 'True', lastTransitionTime: ts },
    { type: 'ContainersReady', status: 'True', lastTransitionTime: ts },
    ...(spec.readinessGates ?? []).map((g: { conditionType: string }) => ({ type: g.conditionType, status: 'True', lastTransitionTime: ts })),
    { type: 'PodScheduled', status: 'True', lastTransitionTime: ts },
  ];
  const status: Record<string, unknown> = {
    phase: 'Running',
    conditions,
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: ts,
    containerStatuses: (spec.containers ?? []).map((c: { name: string; image?: string }) => ({ image: c.image ?? '', name: c.name, ready: true, restartCount: 0, started: true, state: { running: { startedAt: ts } } })),
  };
  const inits = (spec.initContainers ?? []).map((c: { name: string; image?: string; restartPolicy?: string }) => (c.restartPolicy === 'Always'
    ? { image: c.image ?? '', name: c.name, ready: true, restartCount: 0, started: true, state: { running: { startedAt: ts } } }
    : { image: c.image ?? '', name: c.name, ready: true, restartCount: 0, state: { terminated: { exitCode: 0, finishedAt: ts, reason: 'Completed', startedAt: ts } } }));
  if (inits.length) { status.initContainerStatuses = inits; }
  if (pod.status?.qosClass) { status.qosClass = pod.status.qosClass; }
  return status;
}

/**
 * The KWOK controller's part for pods on virtual nodes: an address from the node's range, then the
 * pod-ready status; a pod marked for deletion is removed. Work arriving together is done in one batch
 * (a setImmediate turn), a slice at a time so the API server keeps answering during a large bring-up.
 */
export class VirtualKubelet {
  private readonly store: Store;
  private readonly nodes = new Map<string, VNode>();
  /** pod key -> [uid, ip] of the addresses handed out */
  private readonly ips = new Map<string, { uid: string; ip: string; node: string }>();
  private readonly queue = new Map<string, KObject>();
  private scheduled = false;
  private stopped = false;
  private idle: Array<() => void> = [];
  private readonly onChange = (c: Change) => this.handle(c);

  constructor(store: Store) { this.store = store; }

  start(): void {
    this.store.on('change', this.onChange);
    for (const n of this.store.select(NODE)) { if (isVirtualNode(n)) { this.addNode(n); } }
    for (const p of this.store.select(POD)) { this.consider(p); }
  }

  stop(): void {
    this.stopped = true;
    this.store.off('change', this.onChange);
    this.queue.clear();
    for (const f of this.idle.splice(0)) { f(); }
  }

  /** Whether `nodeName` is a virtual node this kubelet plays. */
  has(nodeName: string | undefined): boolean { return !!nodeName && this.nodes.has(nodeName); }

  /** The node's InternalIP. */
  nodeIp(nodeName: string): string | undefined { return this.nodes.get(nodeName)?.ip; }

  /** Resolves once every queued pod has its status. */
  async flush(): Promise<void> {
    if (!this.scheduled && !this.queue.size) { return; }
    await new Promise<void>((r) => this.idle.push(r));
  }

  private addNode(n: KObject): void {
    if (this.nodes.has(n.metadata.name)) { return; }
    const cidr: unknown = n.spec?.podCIDR ?? '';
    const ip = internalIpOf(n);
    // Its addresses become pod IPs, then endpoints and the nodes' packet-filter input: a node whose
    // range is not a /24 of the virtual pods' range (or whose IP is not a virtual node's) gets no pods
    // Running, as a node without a usable pod range leaves them Pending.
    if (checkVirtualNodeNet(n.metadata.name, ip, cidr) || typeof cidr !== 'string' || !cidr.endsWith('/24')) { return; }
    this.nodes.set(n.metadata.name, { name: n.metadata.name, ip: String(ip), base: cidr.replace(/\.0\/24$/, ''), next: 2, freed: [] });
  }

  private handle(c: Change): void {
    if (this.stopped) { return; }
    if (c.resource.kind === 'Node') {
      if (c.type !== 'DELETED' && isVirtualNode(c.object)) { this.addNode(c.object); }
      return;
    }
    if (c.resource.kind !== 'Pod') { return; }
    const key = `${c.object.metadata.namespace}/${c.object.metadata.name}`;
    if (c.type === 'DELETED') {
      const a = this.ips.get(key);
      if (a && a.uid === c.object.metadata.uid) { this.release(key); }
      this.queue.delete(key);
      return;
    }
    this.consider(c.object);
  }

  private consider(p: Readonly<KObject>): void {
    if (!this.has(p.spec?.nodeName)) { return; }
    const key = `${p.metadata.namespace}/${p.metadata.name}`;
    if (!p.metadata.deletionTimestamp && p.status?.podIP && p.status?.phase === 'Running') { return; }
    this.queue.set(key, p as KObject);
    if (!this.scheduled) { this.scheduled = true; setImmediate(() => this.run()); }
  }

  private release(key: string): void {
    const a = this.ips.get(key);
    if (!a) { return; }
    this.ips.delete(key);
    const n = this.nodes.get(a.node);
    if (n && a.ip.startsWith(`${n.base}.`)) { n.freed.push(Number(a.ip.split('.')[3])); }
  }

  /** host-local IPAM order, as the real nodes allocate: fresh addresses first, released ones when the range is spent. */
  private allocate(n: VNode, pod: Readonly<KObject>): string | undefined {
    if (pod.spec?.hostNetwork) { return n.ip; }
    const host = n.next <= 254 ? n.next++ : n.freed.shift();
    return host === undefined ? undefined : `${n.base}.${host}`;
  }

  private run(): void {
    const SLICE = 2000;
    let done = 0;
    for (const [key, p] of this.queue) {
      if (this.stopped) { return; }
      this.queue.delete(key);
      const cur = this.store.peek(POD, p.metadata.namespace, p.metadata.name);
      if (!cur || cur.metadata.uid !== p.metadata.uid) { continue; }
      if (cur.metadata.deletionTimestamp) {
        try { this.store.delete(POD, cur.metadata.namespace, cur.metadata.name); } catch { /* already gone */ }
        continue;
      }
      const node = this.nodes.get(cur.spec?.nodeName);
      if (!node) { continue; }
      let a = this.ips.get(key);
      if (a && a.uid !== cur.metadata.uid) { this.release(key); a = undefined; }
      if (!a) {
        const ip = this.allocate(node, cur);
        if (!ip) { continue; } // range spent: the pod stays Pending, as a node out of addresses leaves it
        a = { uid: cur.metadata.uid ?? '', ip, node: node.name };
        if (!cur.spec?.hostNetwork) { this.ips.set(key, a); }
      }
      const status = readyStatus(cur as KObject, a.ip, node.ip);
      this.store.as(KUBELET_STATUS, () => this.store.mutate(POD, cur.metadata.namespace, cur.metadata.name, (o) => { if (o.metadata.uid === a.uid || cur.spec?.hostNetwork) { o.status = status; } }));
      if (++done >= SLICE) { break; }
    }
    if (this.queue.size && !this.stopped) { setImmediate(() => this.run()); return; }
    this.scheduled = false;
    for (const f of this.idle.splice(0)) { f(); }
  }
}

/**
 * Loads --virtual-manifests as manifests.ts loads --manifests, marking every object virtual. A `.json`
 * file is read with JSON.parse (the YAML parser takes seconds on the standard large cluster's 10,000
 * Deployments); anything else goes through parseManifestText.
 */
export function loadVirtualManifests(paths: string[]): LoadResult {
  const objects: LoadedObject[] = [];
  const skipped: LoadResult['skipped'] = [];
  const files: string[] = [];
  const walk = (p: string): string[] => {
    if (statSync(p).isFile()) { return [p]; }
    return readdirSync(p, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'))
      .flatMap((e) => (e.isDirectory() ? walk(join(p, e.name)) : e.isFile() && /\.(ya?ml|json)$/i.test(e.name) ? [join(p, e.name)] : []));
  };
  for (const root of paths) {
    for (const file of walk(root).sort()) {
      files.push(file);
      const source = relative(process.cwd(), file) || file;
      const text = readFileSync(file, 'utf8');
      let docs: KObject[];
      if (/\.json$/i.test(file)) {
        const v = JSON.parse(text) as KObject;
        docs = typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items) ? v.items : [v];
      } else {
        docs = parseManifestText(text, source);
      }
      for (const o of docs) {
        const type = servedType(o);
        if (!type) { skipped.push({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata?.name ?? '', source, reason: noMatchError(o, source) }); continue; }
        objects.push({ object: markVirtual(o), type, source });
      }
    }
  }
  return { objects: sortForCreation(objects), skipped, files };
}
