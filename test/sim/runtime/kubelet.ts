// The simulated kubelet + container runtime: every container is a real process in its pod's network
// namespace; it owns Pod status, restarts with back-off, probes through the node's prober agent, logs in
// CRI format and exec with the container's tool profile.
//
// Documented simplifications (see also the simulator README):
// - CrashLoopBackOff back-off is 1 s doubling to a 10 s cap (real: 10 s doubling to 5 min); the first
//   restart is immediate, as the kubelet's is; the back-off resets after 20 s of running (real: 10 min).
// - Probe periods are capped at 2 s and initial delays at 5 s; gRPC probes are a TCP connect. Failures in
//   the first 3 s of a container, before any success, are retried every 250 ms without counting (a Node
//   stand-in starts slower than the binary it plays); time the process spent waiting for a CPU does not
//   count towards those 3 s (up to 20 s in all), so a loaded machine does not turn start-up into failures.
// - Init containers complete at once (no process); native sidecars (restartPolicy: Always) run.
// - Ephemeral containers run the app stand-in (it idles) so `kubectl debug` then `exec -c` works without
//   an attached terminal; they never restart and are never removed.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { constants as osConstants } from 'node:os';
import type { Change, KObject, Store } from '../store.ts';
import { typeByKind } from '../store.ts';
import { podQosClass } from '../api/admission.ts';
import { RuntimeError, type ExecRequest, type ExecStreams, type LogOptions } from '../types.ts';
import { EnvError, resolveContainerEnv, type EnvLookups } from './env.ts';
import { commandName, isCollectorImage, materializeProfile, profileFor, TOOLS_ANNOTATION } from './profiles.ts';
import { ProberAgent, probeRequest, probeTiming } from './prober.ts';
import { ExecAgent } from './exec-agent-client.ts';
import { CriLogWriter, readLogFile, rfc3339Nano } from './logs.ts';
import { materializeVolumes, VolumeError } from './volumes.ts';

export interface NetworkLike {
  addNode(name: string, index: number): Promise<{ netns: string; ip: string; podCIDR: string }>;
  addPod(pod: KObject): Promise<{ netns: string; podIP: string; hostIP: string }>;
  removePod(namespace: string, name: string): Promise<void>;
}

export interface KubeletOptions {
  store: Store;
  stateDir: string;
  repoRoot: string;
  network: NetworkLike;
  /** Node 24 binary for stand-ins and the prober agent (default: the one running us). */
  nodeBinary?: string;
  /** Directory holding collector.ts, app.ts, dns.ts (default `<repoRoot>/test/sim/standins`). */
  standinDir?: string;
  /** How many container processes may be starting at once (Node start-up is CPU-bound). */
  maxConcurrentStarts?: number;
  /** File the DNS stand-in reads (SIM_DNS_DATA). */
  dnsDataFile?: string;
}

export const SDK_ANNOTATION = 'sim.otel-doctor.io/sdk';
export const BACKOFF_INITIAL_MS = 1000;
export const BACKOFF_MAX_MS = 10_000;
const BACKOFF_RESET_MS = 2 * BACKOFF_MAX_MS;
const RETRY_MS = 2000;
/** See startProbes: how long probe failures of a just-started stand-in are treated as start-up. */
export const STARTUP_GRACE_MS = 3000;
/** The start-up grace ends after this much wall-clock time however starved the process was. */
export const STARTUP_GRACE_MAX_MS = 20_000;
/** V8 flags that keep an idle stand-in small: 100+ of them must fit in a few GB. */
const NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=96', '--single-threaded-gc', '--v8-pool-size=0', '--disable-warning=ExperimentalWarning'];

const POD = typeByKind('Pod')!;
const EVENT = typeByKind('Event')!;
const CONFIGMAP = typeByKind('ConfigMap')!;
const SECRET = typeByKind('Secret')!;
const SERVICE = typeByKind('Service')!;
const NODE = typeByKind('Node')!;

/**
 * A process's status as containerd reports it: its exit code, or 128 + the number of the signal that
 * killed it (139 for SIGSEGV, 137 for SIGKILL). `ip netns exec` execs the command in place, so the
 * signal seen here is the command's own.
 */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? osConstants.signals[signal] ?? 9 : 9);
}

const IP_BIN = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => existsSync(p)) ?? 'ip';
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const hex64 = () => randomBytes(32).toString('hex');

/** `busybox:1.36` -> `docker.io/library/busybox:1.36`, as containerd reports images. */
export function normalizeImage(image: string): string {
  let name = image;
  const first = name.split('/')[0];
  if (!name.includes('/') || !(first.includes('.') || first.includes(':') || first === 'localhost')) {
    name = name.includes('/') ? `docker.io/${name}` : `docker.io/library/${name}`;
  }
  const afterSlash = name.slice(name.lastIndexOf('/') + 1);
  if (!name.includes('@') && !afterSlash.includes(':')) name += ':latest';
  return name;
}

export function imageID(image: string): string {
  const n = normalizeImage(image);
  const repo = n.split('@')[0].replace(/:[^/:]+$/, '');
  const digest = n.includes('@') ? n.split('@')[1] : `sha256:${createHash('sha256').update(n).digest('hex')}`;
  return `${repo}@${digest}`;
}

export function standinFor(image: string): 'collector' | 'dns' | 'app' {
  if (isCollectorImage(image)) return 'collector';
  if (/coredns/i.test(image)) return 'dns';
  return 'app';
}

function defaultSdk(image: string): string {
  const i = image.toLowerCase();
  if (/python/.test(i)) return 'python';
  if (/(java|temurin|openjdk|jre|jdk)/.test(i)) return 'java';
  if (/(node|javascript)/.test(i)) return 'node';
  if (/(dotnet|aspnet)/.test(i)) return 'dotnet';
  // Unknown: the app stand-in then plays a well-configured app of an unknown SDK (see app-impl.ts).
  return '';
}

/** Go's time.Duration String for whole seconds (5m0s, 10s). */
function goDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}

/**
 * How long the process's main thread has been runnable but waiting for a CPU (the second field of
 * /proc/<pid>/schedstat, in ns); 0 when unknown. `ip netns exec` execs in place, so the container's pid
 * covers its whole start-up.
 */
function runQueueWaitMs(pid: number | undefined): number {
  if (!pid) return 0;
  try { return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6 || 0; } catch { return 0; }
}

class Semaphore {
  private active = 0;
  private readonly queue: Array<() => void> = [];
  private readonly max: number;
  constructor(max: number) { this.max = max; }
  async acquire(): Promise<() => void> {
    if (this.active >= this.max) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.queue.shift()?.();
    };
  }
}

interface Attempt {
  containerID: string;
  startedAt: string;
  startedMs: number;
  finishedAt?: string;
  exitCode?: number;
  reason?: string;
  logFile: string;
}

type ContainerKind = 'init' | 'container' | 'ephemeral';

interface ContainerRun {
  name: string;
  kind: ContainerKind;
  spec: KObject['spec'];
  /** One per started process; index == restartCount of that attempt == its log file number. */
  history: Attempt[];
  phase: 'waiting' | 'running' | 'terminated';
  waiting?: { reason: string; message?: string };
  child?: ChildProcess;
  log?: CriLogWriter;
  ready: boolean;
  started: boolean;
  crashes: number;
  /** Bumped on every start and exit, so stale timers and probe answers are ignored. */
  gen: number;
  timers: Set<NodeJS.Timeout>;
  killReason?: string;
  env: Array<{ name: string; value: string }>;
  profileDir?: string;
  root: string;
  everRan: boolean;
}

interface PodState {
  key: string;
  ns: string;
  name: string;
  uid: string;
  pod: KObject;
  dir: string;
  logDir: string;
  netns?: string;
  podIP?: string;
  hostIP?: string;
  startTime: string;
  containers: Map<string, ContainerRun>;
  deleted: boolean;
  conditions: Map<string, { status: string; lastTransitionTime: string; reason?: string; message?: string }>;
  statusQueued: boolean;
}

interface NodeState { name: string; netns: string; ip: string; agent: ProberAgent; execAgent: ExecAgent }

export class Kubelet {
  private readonly store: Store;
  private readonly stateDir: string;
  private readonly network: NetworkLike;
  private readonly nodeBinary: string;
  private readonly standinDir: string;
  private readonly dnsDataFile: string;
  private readonly compileCache: string;
  private readonly sem: Semaphore;
  private readonly nodes = new Map<string, Promise<NodeState>>();
  private readonly nodeStates = new Map<string, NodeState>();
  private readonly pods = new Map<string, PodState>();
  private readonly eventNames = new Map<string, string>();
  private nodeIndex = 0;
  private stopped = false;
  private readonly onChange = (c: Change) => this.handle(c);

  constructor(o: KubeletOptions) {
    this.store = o.store;
    this.stateDir = o.stateDir;
    this.network = o.network;
    this.nodeBinary = o.nodeBinary ?? process.execPath;
    this.standinDir = resolve(o.standinDir ?? join(o.repoRoot, 'test/sim/standins'));
    this.dnsDataFile = o.dnsDataFile ?? join(o.stateDir, 'dns.json');
    this.sem = new Semaphore(o.maxConcurrentStarts ?? 6);
    // V8's code cache (type-stripped TS included) more than halves a stand-in's start-up; it is kept
    // across runs under node_modules/.cache when there is one.
    const nm = join(o.repoRoot, 'node_modules');
    this.compileCache = existsSync(nm) ? join(nm, '.cache', 'otel-doctor-sim', 'compile-cache') : join(o.stateDir, 'compile-cache');
  }

  start(): void {
    mkdirSync(join(this.stateDir, 'profiles'), { recursive: true });
    this.store.on('change', this.onChange);
    const byCreation = (a: KObject, b: KObject) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion);
    for (const n of this.store.list(NODE).sort(byCreation)) this.ensureNode(n);
    for (const p of this.store.list(POD)) this.syncPod(p);
  }

  /** Every pid this kubelet started and that is still alive (containers, exec sessions, prober agents). */
  pids(): number[] {
    const out: number[] = [];
    for (const ps of this.pods.values()) for (const cr of ps.containers.values()) if (cr.child?.pid && cr.child.exitCode === null && cr.child.signalCode === null) out.push(cr.child.pid);
    for (const n of this.nodeStates.values()) {
      if (n.agent.pid) out.push(n.agent.pid);
      if (n.execAgent.pid) out.push(n.execAgent.pid);
      out.push(...n.execAgent.sessionPids());
    }
    return out;
  }

  /** Stops watching and kills every process (SIGKILL to each process group), waiting until they are gone. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.store.off('change', this.onChange);
    const exits: Array<Promise<void>> = [];
    for (const ps of this.pods.values()) {
      ps.deleted = true;
      for (const cr of ps.containers.values()) {
        for (const t of cr.timers) clearTimeout(t);
        if (cr.child) exits.push(this.killAndWait(cr.child));
      }
    }
    for (const n of this.nodeStates.values()) exits.push(n.agent.stop(), n.execAgent.stop());
    // Pods being deleted are no longer in this.pods, but their processes may still be on their way out.
    await Promise.all([...exits, ...[...this.teardowns.values()].map((p) => p.catch(() => undefined))]);
  }

  /** Synchronous best effort for process 'exit' handlers. */
  killAllSync(): void {
    this.stopped = true;
    this.store.off('change', this.onChange);
    for (const n of this.nodeStates.values()) n.execAgent.killSync();
    for (const pid of this.pids()) { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }
  }

  private killAndWait(c: ChildProcess): Promise<void> {
    if (c.exitCode !== null || c.signalCode !== null || !c.pid) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, 5000);
      c.once('exit', () => { clearTimeout(t); resolve(); });
      try { process.kill(-c.pid!, 'SIGKILL'); } catch { clearTimeout(t); resolve(); }
    });
  }

  // ---- watch handling ----

  private handle(c: Change): void {
    if (this.stopped) return;
    if (c.resource.kind === 'Node' && c.type === 'ADDED') this.ensureNode(c.object);
    else if (c.resource.kind === 'Pod') {
      if (c.type === 'DELETED') {
        const ps = this.pods.get(`${c.object.metadata.namespace}/${c.object.metadata.name}`);
        if (ps && ps.uid === c.object.metadata.uid) void this.teardown(ps);
      } else this.syncPod(c.object);
    }
  }

  private ensureNode(n: KObject): void {
    const name = n.metadata.name;
    if (this.nodes.has(name)) return;
    const index = ++this.nodeIndex;
    const p = (async () => {
      const net = await this.network.addNode(name, index);
      const agent = new ProberAgent([IP_BIN, 'netns', 'exec', net.netns, this.nodeBinary, ...NODE_FLAGS, join(import.meta.dirname, 'prober-agent.ts')], { NODE_COMPILE_CACHE: this.compileCache });
      const execAgent = new ExecAgent([IP_BIN, 'netns', 'exec', net.netns, this.nodeBinary, ...NODE_FLAGS, join(import.meta.dirname, 'exec-agent-process.ts')], { NODE_COMPILE_CACHE: this.compileCache });
      if (!this.stopped) { agent.start(); execAgent.start(); }
      const st: NodeState = { name, netns: net.netns, ip: net.ip, agent, execAgent };
      this.nodeStates.set(name, st);
      return st;
    })();
    p.catch((e) => process.stderr.write(`sim kubelet: node ${name}: ${(e as Error).message}\n`));
    this.nodes.set(name, p);
  }

  private waitNode(name: string): Promise<NodeState> {
    const p = this.nodes.get(name);
    if (p) return p;
    // The Node object may come later than its pods; poll cheaply until it does.
    return new Promise((resolve, reject) => {
      const t = setInterval(() => {
        if (this.stopped) { clearInterval(t); reject(new Error('stopped')); return; }
        const q = this.nodes.get(name);
        if (q) { clearInterval(t); q.then(resolve, reject); }
      }, 100);
    });
  }

  private syncPod(pod: KObject): void {
    const nodeName: string | undefined = pod.spec?.nodeName;
    if (!nodeName) return;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    let ps = this.pods.get(key);
    if (ps && ps.uid !== pod.metadata.uid) {
      void this.teardown(ps);
      ps = undefined;
    }
    if (ps) {
      ps.pod = pod;
      if (pod.metadata.deletionTimestamp && !ps.deleted) {
        // The kubelet's part of graceful deletion: stop the containers, then remove the object for good.
        void this.teardown(ps).then(() => {
          const cur = this.store.get(POD, ps!.ns, ps!.name);
          if (cur?.metadata.uid === ps!.uid) { try { this.store.delete(POD, ps!.ns, ps!.name); } catch { /* already gone */ } }
        });
        return;
      }
      if (ps.netns) this.startNewEphemerals(ps);
      return;
    }
    if (pod.metadata.deletionTimestamp) return;
    const ns = pod.metadata.namespace ?? 'default';
    ps = {
      key, ns, name: pod.metadata.name, uid: pod.metadata.uid ?? '', pod,
      dir: join(this.stateDir, 'pods', `${ns}_${pod.metadata.name}`),
      logDir: join(this.stateDir, 'logs', `${ns}_${pod.metadata.name}_${pod.metadata.uid}`),
      startTime: now(), containers: new Map(), deleted: false, conditions: new Map(), statusQueued: false,
    };
    this.pods.set(key, ps);
    for (const c of pod.spec?.initContainers ?? []) ps.containers.set(c.name, this.newRun(ps, c, 'init'));
    for (const c of pod.spec?.containers ?? []) ps.containers.set(c.name, this.newRun(ps, c, 'container'));
    this.queueStatus(ps);
    void this.setupPod(ps, nodeName);
  }

  private newRun(ps: PodState, spec: KObject['spec'], kind: ContainerKind): ContainerRun {
    return {
      name: spec.name, kind, spec, history: [], phase: 'waiting', waiting: { reason: kind === 'init' ? 'PodInitializing' : 'ContainerCreating' },
      ready: false, started: false, crashes: 0, gen: 0, timers: new Set(), env: [], root: join(ps.dir, 'c', spec.name, 'root'), everRan: false,
    };
  }

  private isSidecar(cr: ContainerRun): boolean { return cr.kind === 'init' && cr.spec.restartPolicy === 'Always'; }

  private async setupPod(ps: PodState, nodeName: string): Promise<void> {
    let node: NodeState;
    try { node = await this.waitNode(nodeName); } catch { return; }
    await this.teardowns.get(ps.key);
    for (;;) {
      if (ps.deleted || this.stopped) return;
      try {
        const net = await this.network.addPod(ps.pod);
        ps.netns = net.netns; ps.podIP = net.podIP; ps.hostIP = net.hostIP || node.ip;
        break;
      } catch (e) {
        this.event(ps, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
    if (ps.deleted || this.stopped) { await this.network.removePod(ps.ns, ps.name).catch(() => {}); return; }
    mkdirSync(ps.logDir, { recursive: true });
    this.queueStatus(ps);
    for (const cr of ps.containers.values()) {
      if (cr.kind === 'init' && !this.isSidecar(cr)) {
        // Documented simplification: ordinary init containers succeed at once, without a process.
        const t = now();
        cr.history.push({ containerID: `containerd://${hex64()}`, startedAt: t, startedMs: Date.now(), finishedAt: t, exitCode: 0, reason: 'Completed', logFile: '' });
        cr.phase = 'terminated'; cr.ready = true; cr.waiting = undefined;
        continue;
      }
      void this.startAttempt(ps, cr);
    }
    this.startNewEphemerals(ps);
    this.queueStatus(ps);
  }

  private startNewEphemerals(ps: PodState): void {
    for (const c of ps.pod.spec?.ephemeralContainers ?? []) {
      if (ps.containers.has(c.name)) continue;
      const cr = this.newRun(ps, c, 'ephemeral');
      ps.containers.set(c.name, cr);
      void this.startAttempt(ps, cr);
    }
  }

  /** A pod re-created under the same name waits for its predecessor's teardown (same netns name, same dir). */
  private readonly teardowns = new Map<string, Promise<void>>();

  private teardown(ps: PodState): Promise<void> {
    if (ps.deleted) return this.teardowns.get(ps.key) ?? Promise.resolve();
    const p = this.doTeardown(ps).finally(() => { if (this.teardowns.get(ps.key) === p) this.teardowns.delete(ps.key); });
    this.teardowns.set(ps.key, p);
    return p;
  }

  private async doTeardown(ps: PodState): Promise<void> {
    ps.deleted = true;
    if (this.pods.get(ps.key) === ps) this.pods.delete(ps.key);
    const exits: Array<Promise<void>> = [];
    for (const cr of ps.containers.values()) {
      for (const t of cr.timers) clearTimeout(t);
      cr.timers.clear();
      if (cr.child) {
        this.event(ps, 'Normal', 'Killing', `Stopping container ${cr.name}`, cr);
        exits.push(this.killAndWait(cr.child));
      }
    }
    await Promise.all(exits);
    if (ps.netns && !this.stopped) await this.network.removePod(ps.ns, ps.name).catch(() => {});
    rmSync(ps.dir, { recursive: true, force: true });
  }

  // ---- containers ----

  private lookups(): EnvLookups {
    return {
      configMap: (ns, name) => this.store.get(CONFIGMAP, ns, name),
      secret: (ns, name) => this.store.get(SECRET, ns, name),
      services: [],
    };
  }

  private podWithStatus(ps: PodState): KObject {
    const p = structuredClone(ps.pod);
    p.status = { ...(p.status ?? {}), podIP: ps.podIP, podIPs: ps.podIP ? [{ ip: ps.podIP }] : [], hostIP: ps.hostIP, hostIPs: ps.hostIP ? [{ ip: ps.hostIP }] : [] };
    return p;
  }

  private profileDirFor(ps: PodState, cr: ContainerRun): string {
    const profile = profileFor(cr.spec.image ?? '', ps.pod.metadata.annotations?.[TOOLS_ANNOTATION], this.nodeBinary);
    return materializeProfile(join(this.stateDir, 'profiles'), profile);
  }

  private readonly profileListing = new Map<string, Set<string>>();
  /** The profile's commands, by exact name (so `..`, `` or `a/../b` can never name something else). */
  private profileEntries(dir: string): Set<string> {
    let e = this.profileListing.get(dir);
    if (!e) { e = new Set(readdirSync(dir)); this.profileListing.set(dir, e); }
    return e;
  }

  private retryLater(ps: PodState, cr: ContainerRun, reason: string, message: string): void {
    cr.phase = 'waiting';
    cr.waiting = { reason, message };
    this.queueStatus(ps);
    const t = setTimeout(() => { cr.timers.delete(t); void this.startAttempt(ps, cr); }, RETRY_MS);
    cr.timers.add(t);
  }

  private async startAttempt(ps: PodState, cr: ContainerRun): Promise<void> {
    if (ps.deleted || this.stopped || !ps.netns) return;
    const pod = this.podWithStatus(ps);
    const lookups = this.lookups();
    lookups.services = this.store.list(SERVICE, ps.ns);
    const master = this.store.get(SERVICE, 'default', 'kubernetes');
    if (master && ps.ns !== 'default') lookups.services.push(master);
    let resolved;
    try {
      resolved = resolveContainerEnv(pod, cr.spec, lookups);
    } catch (e) {
      if (!(e instanceof EnvError)) throw e;
      this.event(ps, 'Warning', 'Failed', `Error: ${e.message}`, cr);
      this.retryLater(ps, cr, 'CreateContainerConfigError', e.message);
      return;
    }
    try {
      materializeVolumes(pod, cr.spec, cr.root, ps.dir, lookups);
    } catch (e) {
      if (!(e instanceof VolumeError)) {
        this.event(ps, 'Warning', 'Failed', `Error: ${(e as Error).message}`, cr);
        this.retryLater(ps, cr, 'CreateContainerError', (e as Error).message);
        return;
      }
      this.event(ps, 'Warning', 'FailedMount', `MountVolume.SetUp failed for volume "${e.volume}" : ${e.message}`);
      this.retryLater(ps, cr, cr.everRan ? 'CreateContainerError' : 'ContainerCreating', cr.everRan ? e.message : '');
      return;
    }
    cr.env = resolved.env;
    cr.profileDir = this.profileDirFor(ps, cr);

    const release = await this.sem.acquire();
    if (ps.deleted || this.stopped) { release(); return; }
    const image: string = cr.spec.image ?? '';
    const kind = cr.kind === 'ephemeral' ? 'app' : standinFor(image);
    // The .js launchers spare each pod Node's TypeScript stripper (~13 MB PSS); test fixtures may ship only .ts.
    const script = existsSync(join(this.standinDir, `${kind}.js`)) ? join(this.standinDir, `${kind}.js`) : join(this.standinDir, `${kind}.ts`);
    const env: Record<string, string> = {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOSTNAME: ps.pod.spec?.hostNetwork ? (ps.pod.spec.nodeName ?? ps.name) : ps.name,
      HOME: '/root',
      NODE_COMPILE_CACHE: this.compileCache,
    };
    for (const e of resolved.env) env[e.name] = e.value;
    Object.assign(env, {
      SIM_ROOT: cr.root,
      SIM_IMAGE: image,
      SIM_POD_NAMESPACE: ps.ns,
      SIM_POD_NAME: ps.name,
      SIM_CONTAINER_NAME: cr.name,
      SIM_POD_IP: ps.podIP ?? '',
      SIM_SDK: ps.pod.metadata.annotations?.[SDK_ANNOTATION] ?? defaultSdk(image),
      SIM_CONTAINER_PORTS: JSON.stringify(cr.spec.ports ?? []),
    });
    if (kind === 'dns') env.SIM_DNS_DATA = this.dnsDataFile;
    const restartCount = cr.history.length;
    const logFile = join(ps.logDir, cr.name, `${restartCount}.log`);
    mkdirSync(join(ps.logDir, cr.name), { recursive: true });
    const argv = ['netns', 'exec', ps.netns, this.nodeBinary, ...NODE_FLAGS, script, ...resolved.command, ...resolved.args];
    const attempt: Attempt = { containerID: `containerd://${hex64()}`, startedAt: now(), startedMs: Date.now(), logFile };
    const log = new CriLogWriter(logFile);
    let child: ChildProcess;
    try {
      child = spawn(IP_BIN, argv, { env, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch (e) {
      release();
      log.close();
      this.retryLater(ps, cr, 'RunContainerError', (e as Error).message);
      return;
    }
    const gen = ++cr.gen;
    cr.child = child;
    cr.log = log;
    cr.history.push(attempt);
    cr.phase = 'running';
    cr.waiting = undefined;
    cr.everRan = true;
    cr.killReason = undefined;
    cr.started = !cr.spec.startupProbe;
    cr.ready = cr.started && !cr.spec.readinessProbe;
    child.stdout!.on('data', (d: Buffer) => log.write('stdout', d));
    child.stderr!.on('data', (d: Buffer) => log.write('stderr', d));
    // Node's start-up is the expensive part; hold the slot until the process is up or a short while passed.
    const hold = setTimeout(release, 250);
    child.once('error', () => { clearTimeout(hold); release(); });
    child.once('close', (code, signal) => {
      clearTimeout(hold);
      release();
      this.onExit(ps, cr, gen, code, signal);
    });
    this.event(ps, 'Normal', 'Pulled', `Container image "${image}" already present on machine`, cr);
    this.event(ps, 'Normal', 'Created', `Created container ${cr.name}`, cr);
    this.event(ps, 'Normal', 'Started', `Started container ${cr.name}`, cr);
    this.startProbes(ps, cr, gen);
    this.queueStatus(ps);
  }

  private onExit(ps: PodState, cr: ContainerRun, gen: number, code: number | null, signal: NodeJS.Signals | null): void {
    if (gen !== cr.gen) return;
    cr.gen++;
    for (const t of cr.timers) clearTimeout(t);
    cr.timers.clear();
    cr.log?.close();
    cr.log = undefined;
    cr.child = undefined;
    const a = cr.history[cr.history.length - 1];
    a.exitCode = exitCodeOf(code, signal);
    a.finishedAt = now();
    a.reason = a.exitCode === 0 ? 'Completed' : 'Error';
    cr.ready = false;
    cr.started = false;
    if (ps.deleted || this.stopped) return;
    const policy: string = cr.kind === 'ephemeral' ? 'Never' : this.isSidecar(cr) ? 'Always' : ps.pod.spec?.restartPolicy ?? 'Always';
    const restart = policy === 'Always' || (policy === 'OnFailure' && a.exitCode !== 0);
    if (!restart) {
      cr.phase = 'terminated';
      this.queueStatus(ps);
      return;
    }
    if (Date.now() - a.startedMs > BACKOFF_RESET_MS) cr.crashes = 0;
    cr.crashes++;
    const delay = cr.crashes === 1 ? 0 : Math.min(BACKOFF_INITIAL_MS * 2 ** (cr.crashes - 2), BACKOFF_MAX_MS);
    if (delay === 0) {
      cr.phase = 'terminated';
      this.queueStatus(ps);
      void this.startAttempt(ps, cr);
      return;
    }
    cr.phase = 'waiting';
    cr.waiting = { reason: 'CrashLoopBackOff', message: `back-off ${goDuration(delay)} restarting failed container=${cr.name} pod=${ps.name}_${ps.ns}(${ps.uid})` };
    this.event(ps, 'Warning', 'BackOff', `Back-off restarting failed container ${cr.name} in pod ${ps.name}_${ps.ns}(${ps.uid})`, cr);
    this.queueStatus(ps);
    const t = setTimeout(() => { cr.timers.delete(t); void this.startAttempt(ps, cr); }, delay);
    cr.timers.add(t);
  }

  private kill(cr: ContainerRun, reason: string): void {
    cr.killReason = reason;
    const pid = cr.child?.pid;
    if (pid) { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }
  }

  // ---- probes ----

  private startProbes(ps: PodState, cr: ContainerRun, gen: number): void {
    const kinds: Array<['startup' | 'liveness' | 'readiness', KObject['spec']]> = [];
    if (cr.spec.startupProbe) kinds.push(['startup', cr.spec.startupProbe]);
    if (cr.spec.livenessProbe) kinds.push(['liveness', cr.spec.livenessProbe]);
    if (cr.spec.readinessProbe) kinds.push(['readiness', cr.spec.readinessProbe]);
    for (const [kind, probe] of kinds) {
      const timing = probeTiming(probe);
      let successes = 0;
      let failures = 0;
      let everOk = false;
      const tick = async () => {
        if (gen !== cr.gen || ps.deleted) return;
        // Liveness and readiness wait for the startup probe; the startup probe stops once it succeeded.
        const active = kind === 'startup' ? !cr.started : cr.started;
        if (active) {
          const r = await this.runProbe(ps, cr, probe, timing.timeoutMs);
          if (gen !== cr.gen || ps.deleted) return;
          // A real binary listens within milliseconds; a Node stand-in needs a moment (seconds when a
          // hundred start at once). Until its first success, failures within the start-up grace are
          // retried quickly and not counted, so start-up is not reported as probe failures.
          if (!r.ok && !everOk && this.inStartup(cr)) {
            const t = setTimeout(() => { cr.timers.delete(t); void tick(); }, 250);
            cr.timers.add(t);
            return;
          }
          if (r.ok) everOk = true;
          if (r.ok) { successes++; failures = 0; } else { failures++; successes = 0; }
          const label = kind[0].toUpperCase() + kind.slice(1);
          if (!r.ok) this.event(ps, 'Warning', 'Unhealthy', `${label} probe failed: ${r.message}`, cr);
          if (kind === 'readiness') {
            if (r.ok && successes >= timing.successThreshold && !cr.ready) { cr.ready = true; this.queueStatus(ps); }
            if (!r.ok && failures >= timing.failureThreshold && cr.ready) { cr.ready = false; this.queueStatus(ps); }
          } else if (kind === 'startup') {
            if (r.ok) { cr.started = true; if (!cr.spec.readinessProbe) cr.ready = true; this.queueStatus(ps); }
            else if (failures >= timing.failureThreshold) {
              this.event(ps, 'Normal', 'Killing', `Container ${cr.name} failed startup probe, will be restarted`, cr);
              this.kill(cr, 'startup');
              return;
            }
          } else if (!r.ok && failures >= timing.failureThreshold) {
            this.event(ps, 'Normal', 'Killing', `Container ${cr.name} failed liveness probe, will be restarted`, cr);
            this.kill(cr, 'liveness');
            return;
          }
        }
        const t = setTimeout(() => { cr.timers.delete(t); void tick(); }, timing.periodMs);
        cr.timers.add(t);
      };
      const t = setTimeout(() => { cr.timers.delete(t); void tick(); }, timing.initialDelayMs);
      cr.timers.add(t);
    }
  }

  /**
   * Whether a container is still starting: less than STARTUP_GRACE_MS since it was started, not counting
   * the time its process sat runnable without a CPU (on a loaded machine a Node stand-in can need many
   * seconds of wall-clock time for what takes it 300 ms alone; a fixed wall-clock grace either flags that
   * start-up as probe failures or delays every truly failing probe).
   */
  private inStartup(cr: ContainerRun): boolean {
    const wall = Date.now() - (cr.history[cr.history.length - 1]?.startedMs ?? 0);
    if (wall >= STARTUP_GRACE_MAX_MS) return false;
    if (wall < STARTUP_GRACE_MS) return true;
    return wall - runQueueWaitMs(cr.child?.pid) < STARTUP_GRACE_MS;
  }

  private async runProbe(ps: PodState, cr: ContainerRun, probe: KObject['spec'], timeoutMs: number): Promise<{ ok: boolean; message: string }> {
    const req = probeRequest(probe, cr.spec, ps.podIP ?? '', timeoutMs);
    if (req === 'exec') {
      const chunks: Buffer[] = [];
      const sink = new (await import('node:stream')).Writable({ write(c, _e, cb) { chunks.push(Buffer.from(c)); cb(); } });
      const ac = new AbortController();
      const t = setTimeout(() => ac.abort(), timeoutMs);
      try {
        const { exitCode } = await this.exec({ namespace: ps.ns, pod: ps.name, container: cr.name, command: probe.exec.command ?? [], stdin: false, tty: false }, { stdout: sink, stderr: sink }, ac.signal);
        if (ac.signal.aborted) return { ok: false, message: `command timed out` };
        return { ok: exitCode === 0, message: Buffer.concat(chunks).toString('utf8').trimEnd() };
      } catch (e) {
        return { ok: false, message: (e as Error).message };
      } finally { clearTimeout(t); }
    }
    if (typeof req === 'string') return { ok: false, message: req };
    const node = this.nodeStates.get(ps.pod.spec?.nodeName);
    if (!node) return { ok: false, message: 'node not ready' };
    return node.agent.probe(req);
  }

  // ---- status ----

  private queueStatus(ps: PodState): void {
    if (ps.statusQueued) return;
    ps.statusQueued = true;
    setImmediate(() => {
      ps.statusQueued = false;
      if (ps.deleted || this.stopped) return;
      const status = this.buildStatus(ps);
      this.store.mutate(POD, ps.ns, ps.name, (o) => {
        if (o.metadata.uid !== ps.uid) return;
        o.status = status;
      });
    });
  }

  private containerStatus(cr: ContainerRun): KObject['spec'] {
    const h = cr.history;
    const last = h[h.length - 1];
    const image = normalizeImage(cr.spec.image ?? '');
    const term = (a: Attempt) => ({ terminated: { exitCode: a.exitCode, reason: a.reason, startedAt: a.startedAt, finishedAt: a.finishedAt, containerID: a.containerID } });
    let state: KObject['spec'];
    let lastState: KObject['spec'] = {};
    if (cr.phase === 'running' && last) {
      state = { running: { startedAt: last.startedAt } };
      if (h.length > 1) lastState = term(h[h.length - 2]);
    } else if (cr.phase === 'terminated' && last) {
      state = term(last);
      if (h.length > 1) lastState = term(h[h.length - 2]);
    } else {
      state = { waiting: cr.waiting?.message ? { reason: cr.waiting.reason, message: cr.waiting.message } : { reason: cr.waiting?.reason ?? 'ContainerCreating' } };
      if (last?.finishedAt) lastState = term(last);
    }
    const s: KObject['spec'] = {
      name: cr.name,
      state,
      lastState,
      ready: cr.ready,
      restartCount: Math.max(0, h.length - 1),
      image,
      imageID: last ? imageID(cr.spec.image ?? '') : '',
    };
    if (last) s.containerID = last.containerID;
    if (cr.kind !== 'ephemeral') s.started = cr.phase === 'running' && cr.started;
    return s;
  }

  private setCondition(ps: PodState, type: string, ok: boolean, reason?: string, message?: string): void {
    const status = ok ? 'True' : 'False';
    const cur = ps.conditions.get(type);
    const lastTransitionTime = cur && cur.status === status ? cur.lastTransitionTime : now();
    ps.conditions.set(type, { status, lastTransitionTime, ...(ok ? {} : { reason, message }) });
  }

  private buildStatus(ps: PodState): KObject['spec'] {
    const runs = [...ps.containers.values()];
    const inits = runs.filter((r) => r.kind === 'init');
    const mains = runs.filter((r) => r.kind === 'container');
    const ephemerals = runs.filter((r) => r.kind === 'ephemeral');
    const sidecars = inits.filter((r) => this.isSidecar(r));
    const regular = [...mains, ...sidecars];

    const initialized = ps.netns !== undefined && inits.every((r) => (this.isSidecar(r) ? r.started : r.phase === 'terminated'));
    const unready = regular.filter((r) => !r.ready).map((r) => r.name);
    const policy: string = ps.pod.spec?.restartPolicy ?? 'Always';
    let phase = 'Pending';
    const allStarted = regular.every((r) => r.history.length > 0);
    if (allStarted && initialized) phase = 'Running';
    if (policy !== 'Always' && mains.length > 0 && mains.every((r) => r.phase === 'terminated')) {
      phase = mains.every((r) => r.history[r.history.length - 1]?.exitCode === 0) ? 'Succeeded' : 'Failed';
    }
    const complete = phase === 'Succeeded' || phase === 'Failed';

    this.setCondition(ps, 'PodReadyToStartContainers', ps.netns !== undefined);
    this.setCondition(ps, 'Initialized', initialized, 'ContainersNotInitialized', `containers with incomplete status: [${inits.filter((r) => r.phase !== 'terminated' && !r.started).map((r) => r.name).join(' ')}]`);
    const notReadyReason = complete ? 'PodCompleted' : 'ContainersNotReady';
    const notReadyMsg = complete ? undefined : `containers with unready status: [${unready.join(' ')}]`;
    this.setCondition(ps, 'ContainersReady', unready.length === 0 && !complete, notReadyReason, notReadyMsg);
    this.setCondition(ps, 'Ready', unready.length === 0 && !complete, notReadyReason, notReadyMsg);
    this.setCondition(ps, 'PodScheduled', true);
    const conditions = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => {
      const c = ps.conditions.get(type)!;
      return { type, status: c.status, lastProbeTime: null, lastTransitionTime: c.lastTransitionTime, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) };
    });

    const status: KObject['spec'] = {
      phase,
      conditions,
      hostIP: ps.hostIP,
      hostIPs: ps.hostIP ? [{ ip: ps.hostIP }] : undefined,
      podIP: ps.podIP,
      podIPs: ps.podIP ? [{ ip: ps.podIP }] : undefined,
      startTime: ps.startTime,
      containerStatuses: mains.map((r) => this.containerStatus(r)),
      qosClass: podQosClass(ps.pod.spec),
    };
    if (inits.length) status.initContainerStatuses = inits.map((r) => this.containerStatus(r));
    if (ephemerals.length) status.ephemeralContainerStatuses = ephemerals.map((r) => this.containerStatus(r));
    for (const k of Object.keys(status)) if (status[k] === undefined) delete status[k];
    return status;
  }

  // ---- events ----

  private event(ps: PodState, type: 'Normal' | 'Warning', reason: string, message: string, cr?: ContainerRun): void {
    const fieldPath = cr ? `spec.${cr.kind === 'init' ? 'initContainers' : cr.kind === 'ephemeral' ? 'ephemeralContainers' : 'containers'}{${cr.name}}` : undefined;
    const key = `${ps.uid}|${fieldPath}|${reason}|${message}`;
    const ts = now();
    const existing = this.eventNames.get(key);
    try {
      if (existing) {
        const updated = this.store.mutate(EVENT, ps.ns, existing, (e) => { e.count = (e.count ?? 1) + 1; e.lastTimestamp = ts; });
        if (updated) return;
      }
      const name = `${ps.name}.${randomBytes(8).toString('hex')}`;
      this.store.create(EVENT, {
        apiVersion: 'v1', kind: 'Event',
        metadata: { name, namespace: ps.ns },
        involvedObject: { apiVersion: 'v1', kind: 'Pod', name: ps.name, namespace: ps.ns, uid: ps.uid, ...(fieldPath ? { fieldPath } : {}) },
        reason, message, type, count: 1,
        firstTimestamp: ts, lastTimestamp: ts, eventTime: null,
        source: { component: 'kubelet', host: ps.pod.spec?.nodeName },
        reportingComponent: 'kubelet', reportingInstance: ps.pod.spec?.nodeName ?? '',
      });
      this.eventNames.set(key, name);
    } catch { /* events are best effort, as in a real cluster */ }
  }

  // ---- exec and logs (RuntimeApi) ----

  private findRun(namespace: string, pod: string, container: string): { ps: PodState; cr: ContainerRun } | undefined {
    const ps = this.pods.get(`${namespace}/${pod}`);
    const cr = ps?.containers.get(container);
    return ps && cr ? { ps, cr } : undefined;
  }

  async exec(req: ExecRequest, streams: ExecStreams, signal: AbortSignal): Promise<{ exitCode: number }> {
    if (!req.container) {
      // The API server normally defaults this; kept here so the RuntimeApi stands on its own.
      const names: string[] = (this.store.get(POD, req.namespace, req.pod)?.spec?.containers ?? []).map((c: { name: string }) => c.name);
      if (names.length !== 1) throw new RuntimeError(400, 'BadRequest', `a container name must be specified for pod ${req.pod}, choose one of: [${names.join(' ')}]`);
      req = { ...req, container: names[0] };
    }
    const found = this.findRun(req.namespace, req.pod, req.container);
    if (!found || found.cr.phase !== 'running' || !found.ps.netns) {
      // The kubelet's answer; kubectl prints it as "unable to upgrade connection: container not found (...)".
      throw new RuntimeError(500, 'InternalError', `container not found ("${req.container}")`);
    }
    const { ps, cr } = found;
    const dir = cr.profileDir ?? this.profileDirFor(ps, cr);
    const cmd = req.command[0] ?? '';
    const name = commandName(cmd);
    if (!cmd || !this.profileEntries(dir).has(name)) {
      throw new RuntimeError(500, 'InternalError', `Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "${hex64()}": OCI runtime exec failed: exec failed: unable to start container process: exec: "${cmd}": executable file not found in $PATH: unknown`);
    }
    const env: Record<string, string> = { PATH: dir, HOSTNAME: ps.pod.spec?.hostNetwork ? (ps.pod.spec.nodeName ?? ps.name) : ps.name, HOME: '/root' };
    for (const e of cr.env) env[e.name] = e.value;
    if (req.tty) env.TERM = 'xterm';
    // Absolute paths (/bin/sh) name the profile's entry: the image's /bin is the profile.
    const argv0 = cmd.includes('/') ? join(dir, name) : name;
    if (signal.aborted) return { exitCode: 130 };
    // The node's exec agent starts the session (see exec-agent-process.ts for why not this process).
    const node = this.nodeStates.get(ps.pod.spec?.nodeName ?? '');
    if (!node) throw new RuntimeError(500, 'InternalError', `Internal error occurred: error executing command in container: node ${ps.pod.spec?.nodeName ?? ''} is not ready`);
    const session = node.execAgent.run([IP_BIN, 'netns', 'exec', ps.netns!, argv0, ...req.command.slice(1)], env, {
      stdout: streams.stdout, stderr: streams.stderr, ...(req.stdin && streams.stdin ? { stdin: streams.stdin } : {}),
    });
    const onAbort = () => session.kill();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const { code, signal: sig } = await session.done;
      return { exitCode: exitCodeOf(code, sig) };
    } catch (e) {
      throw new RuntimeError(500, 'InternalError', `Internal error occurred: error executing command in container: ${(e as Error).message}`);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async logs(namespace: string, pod: string, opts: LogOptions): Promise<string> {
    const obj = this.store.get(POD, namespace, pod);
    if (!obj) throw new RuntimeError(404, 'NotFound', `pods "${pod}" not found`);
    const mains: string[] = (obj.spec?.containers ?? []).map((c: { name: string }) => c.name);
    const inits: string[] = (obj.spec?.initContainers ?? []).map((c: { name: string }) => c.name);
    const ephs: string[] = (obj.spec?.ephemeralContainers ?? []).map((c: { name: string }) => c.name);
    let container = opts.container;
    if (!container) {
      // The API server defaults the container only when the pod has exactly one.
      if (mains.length === 1) container = mains[0];
      else {
        let msg = `a container name must be specified for pod ${pod}, choose one of: [${mains.join(' ')}]`;
        if (inits.length) msg += ` or one of the init containers: [${inits.join(' ')}]`;
        if (ephs.length) msg += ` or one of the ephemeral containers: [${ephs.join(' ')}]`;
        throw new RuntimeError(400, 'BadRequest', msg);
      }
    }
    if (![...mains, ...inits, ...ephs].includes(container)) {
      throw new RuntimeError(400, 'BadRequest', `container ${container} is not valid for pod ${pod}`);
    }
    const found = this.findRun(namespace, pod, container);
    const h = found && found.ps.uid === obj.metadata.uid ? found.cr.history.filter((a) => a.logFile) : [];
    const read = { tailLines: opts.tailLines, sinceSeconds: opts.sinceSeconds, sinceTime: opts.sinceTime, limitBytes: opts.limitBytes, timestamps: opts.timestamps };
    if (opts.previous) {
      // As the kubelet does: the second most recent container of that name.
      const prev = h[h.length - 2];
      if (!prev || prev.finishedAt === undefined) throw new RuntimeError(400, 'BadRequest', `previous terminated container "${container}" in pod "${pod}" not found`);
      return readLogFile(prev.logFile, read);
    }
    const cur = h[h.length - 1];
    // Init containers "completed at once" ran no process: like a real one that printed nothing.
    if (!cur && found?.cr.kind === 'init' && found.cr.phase === 'terminated') return '';
    if (!cur) {
      const reason = found?.cr.waiting?.reason ?? 'ContainerCreating';
      throw new RuntimeError(400, 'BadRequest', `container "${container}" in pod "${pod}" is waiting to start: ${reason}`);
    }
    return readLogFile(cur.logFile, read);
  }
}

