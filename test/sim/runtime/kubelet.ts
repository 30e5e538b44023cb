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
//
// The parts by concern: pod-status.ts (records and Pod status), probe-loop.ts, container-exec.ts,
// standin-launch.ts (script and environment of a container), node-agents.ts, events.ts, images.ts, logs.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Change, KObject, Store } from '../store.ts';
import { typeByKind } from '../store.ts';
import { KUBELET_STATUS } from '../managed-fields.ts';
import { isVirtualNode } from '../virtual.ts';
import { VirtualExec } from '../virtual-exec.ts';
import type { ExecRequest, ExecStreams, LogOptions } from '../types.ts';
import { EnvError, resolveContainerEnv, type EnvLookups } from './env.ts';
import { materializeProfile, profileFor, TOOLS_ANNOTATION } from './profiles.ts';
import { containerArgv } from '../standins/vendors.ts';
import { probeRequest } from './prober.ts';
import { containerLogs, CriLogWriter } from './logs.ts';
import { materializeVolumes, VolumeError } from './volumes.ts';
import { imageID, normalizeImage, standinFor } from './images.ts';
import { NODE_FLAGS, SDK_ANNOTATION, standinLaunch } from './standin-launch.ts';
import { PodEvents } from './events.ts';
import { buildStatus, exitCodeOf, hex64, isSidecar, now, type Attempt, type ContainerKind, type ContainerRun, type PodState } from './pod-status.ts';
import { ContainerExec, IP_BIN } from './container-exec.ts';
import { NodeAgents, type NodeState } from './node-agents.ts';
import { startProbes, STARTUP_GRACE_MAX_MS, STARTUP_GRACE_MS, type ProbeHost } from './probe-loop.ts';

// Re-exported: tests and the runtime's users know these by the kubelet.
export { exitCodeOf, imageID, normalizeImage, SDK_ANNOTATION, standinFor, STARTUP_GRACE_MAX_MS, STARTUP_GRACE_MS };

export interface NetworkLike {
  addNode(name: string, index: number): Promise<{ netns: string; ip: string; podCIDR: string }>;
  addPod(pod: KObject): Promise<{ netns: string; podIP: string; hostIP: string; podIPs?: string[]; hostIPs?: string[] }>;
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

export const BACKOFF_INITIAL_MS = 1000;
export const BACKOFF_MAX_MS = 10_000;
const BACKOFF_RESET_MS = 2 * BACKOFF_MAX_MS;
const RETRY_MS = 2000;

const POD = typeByKind('Pod')!;
const CONFIGMAP = typeByKind('ConfigMap')!;
const SECRET = typeByKind('Secret')!;
const SERVICE = typeByKind('Service')!;
const NODE = typeByKind('Node')!;


/** Go's time.Duration String for whole seconds (5m0s, 10s). */
function goDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}

class Semaphore {
  private active = 0;
  private readonly queue: Array<() => void> = [];
  private readonly max: number;
  constructor(max: number) { this.max = max; }
  async acquire(): Promise<() => void> {
    if (this.active >= this.max) { await new Promise<void>((r) => this.queue.push(r)); }
    this.active++;
    let released = false;
    return () => {
      if (released) { return; }
      released = true;
      this.active--;
      this.queue.shift()?.();
    };
  }
}

export class Kubelet {
  private readonly store: Store;
  private readonly stateDir: string;
  private readonly network: NetworkLike;
  private readonly nodeBinary: string;
  private readonly standinDir: string;
  private readonly dnsDataFile: string;
  private readonly compileCache: string;
  private readonly sem: Semaphore;
  private readonly events: PodEvents;
  private readonly nodeAgents: NodeAgents;
  private readonly pods = new Map<string, PodState>();
  private stopped = false;
  private readonly onChange = (c: Change) => this.handle(c);
  private readonly execs = new ContainerExec({
    containerNames: (namespace, pod) => (this.store.get(POD, namespace, pod)?.spec?.containers ?? []).map((c: { name: string }) => c.name),
    find: (namespace, pod, container) => this.findRun(namespace, pod, container),
    profileDir: (ps, cr) => this.profileDirFor(ps, cr),
    execAgent: (nodeName) => this.nodeAgents.get(nodeName)?.execAgent,
  });
  private virtual?: VirtualExec;
  private virtualExec(): VirtualExec | undefined {
    const net = this.network as Partial<{ runId: string; bridgeNetns: string; nodeNetns(name: string): string }>;
    if (this.virtual || typeof net.runId !== 'string' || typeof net.bridgeNetns !== 'string') { return this.virtual; }
    this.virtual = new VirtualExec({
      store: this.store, stateDir: this.stateDir, nodeBinary: this.nodeBinary,
      network: net as { runId: string; bridgeNetns: string; nodeNetns(name: string): string },
      realNodes: () => [...this.nodeAgents.all()].map((n) => ({ name: n.name, netns: n.netns, ip: n.ip, podCIDR: this.store.peek(NODE, undefined, n.name)?.spec?.podCIDR ?? '' })).filter((n) => n.podCIDR),
      execAgent: () => this.nodeAgents.all().next().value?.execAgent,
    });
    return this.virtual;
  }
  private readonly probeHost: ProbeHost = {
    runProbe: (ps, cr, probe, timeoutMs) => this.runProbe(ps, cr, probe, timeoutMs),
    event: (ps, type, reason, message, cr) => this.event(ps, type, reason, message, cr),
    queueStatus: (ps) => this.queueStatus(ps),
    kill: (cr, reason) => this.kill(cr, reason),
  };

  constructor(o: KubeletOptions) {
    this.store = o.store;
    this.stateDir = o.stateDir;
    this.network = o.network;
    this.nodeBinary = o.nodeBinary ?? process.execPath;
    this.standinDir = resolve(o.standinDir ?? join(o.repoRoot, 'test/sim/standins'));
    this.dnsDataFile = o.dnsDataFile ?? join(o.stateDir, 'dns.json');
    this.events = new PodEvents(o.store);
    this.sem = new Semaphore(o.maxConcurrentStarts ?? 6);
    // V8's code cache (type-stripped TS included) more than halves a stand-in's start-up; it is kept
    // across runs under node_modules/.cache when there is one.
    const nm = join(o.repoRoot, 'node_modules');
    this.compileCache = existsSync(nm) ? join(nm, '.cache', 'otel-doctor-sim', 'compile-cache') : join(o.stateDir, 'compile-cache');
    this.nodeAgents = new NodeAgents({
      addNode: (name, index) => this.network.addNode(name, index),
      nodeBinary: this.nodeBinary,
      compileCache: this.compileCache,
      stopped: () => this.stopped,
    });
  }

  start(): void {
    mkdirSync(join(this.stateDir, 'profiles'), { recursive: true });
    this.store.on('change', this.onChange);
    const byCreation = (a: KObject, b: KObject) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion);
    for (const n of this.store.list(NODE).sort(byCreation)) { if (!isVirtualNode(n)) { this.nodeAgents.ensure(n); } }
    for (const p of this.store.select(POD)) { if (p.spec?.nodeName) { this.syncPod(structuredClone(p)); } }
  }

  /** Every pid this kubelet started and that is still alive (containers, exec sessions, prober agents). */
  pids(): number[] {
    const out: number[] = [];
    for (const ps of this.pods.values()) { for (const cr of ps.containers.values()) { if (cr.child?.pid && cr.child.exitCode === null && cr.child.signalCode === null) { out.push(cr.child.pid); } } }
    for (const n of this.nodeAgents.all()) {
      if (n.agent.pid) { out.push(n.agent.pid); }
      if (n.execAgent.pid) { out.push(n.execAgent.pid); }
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
        for (const t of cr.timers) { clearTimeout(t); }
        if (cr.child) { exits.push(this.killAndWait(cr.child)); }
      }
    }
    for (const n of this.nodeAgents.all()) { exits.push(n.agent.stop(), n.execAgent.stop()); }
    // Pods being deleted are no longer in this.pods, but their processes may still be on their way out.
    await Promise.all([...exits, ...[...this.teardowns.values()].map((p) => p.catch(() => undefined))]);
  }

  /** Synchronous best effort for process 'exit' handlers. */
  killAllSync(): void {
    this.stopped = true;
    this.store.off('change', this.onChange);
    for (const n of this.nodeAgents.all()) { n.execAgent.killSync(); }
    for (const pid of this.pids()) { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }
  }

  private killAndWait(c: ChildProcess): Promise<void> {
    if (c.exitCode !== null || c.signalCode !== null || !c.pid) { return Promise.resolve(); }
    return new Promise((resolve) => {
      const t = setTimeout(resolve, 5000);
      c.once('exit', () => { clearTimeout(t); resolve(); });
      try { process.kill(-c.pid!, 'SIGKILL'); } catch { clearTimeout(t); resolve(); }
    });
  }

  // ---- watch handling ----

  private handle(c: Change): void {
    if (this.stopped) { return; }
    // Virtual nodes (KWOK-style, virtual.ts) have no kubelet: no agents, and their pods are VirtualKubelet's.
    if (c.resource.kind === 'Node' && c.type === 'ADDED') { if (!isVirtualNode(c.object)) { this.nodeAgents.ensure(c.object); } }
    else if (c.resource.kind === 'Pod') {
      if (c.type === 'DELETED') {
        const ps = this.pods.get(`${c.object.metadata.namespace}/${c.object.metadata.name}`);
        if (ps && ps.uid === c.object.metadata.uid) { void this.teardown(ps); }
      } else { this.syncPod(c.object); }
    }
  }

  private syncPod(pod: KObject): void {
    const nodeName: string | undefined = pod.spec?.nodeName;
    if (!nodeName || isVirtualNode(this.store.peek(NODE, undefined, nodeName))) { return; }
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
      if (ps.netns) { this.startNewEphemerals(ps); }
      return;
    }
    if (pod.metadata.deletionTimestamp) { return; }
    const ns = pod.metadata.namespace ?? 'default';
    ps = {
      key, ns, name: pod.metadata.name, uid: pod.metadata.uid ?? '', pod,
      dir: join(this.stateDir, 'pods', `${ns}_${pod.metadata.name}`),
      logDir: join(this.stateDir, 'logs', `${ns}_${pod.metadata.name}_${pod.metadata.uid}`),
      startTime: now(), containers: new Map(), deleted: false, conditions: new Map(), statusQueued: false,
    };
    this.pods.set(key, ps);
    for (const c of pod.spec?.initContainers ?? []) { ps.containers.set(c.name, this.newRun(ps, c, 'init')); }
    for (const c of pod.spec?.containers ?? []) { ps.containers.set(c.name, this.newRun(ps, c, 'container')); }
    this.queueStatus(ps);
    void this.setupPod(ps, nodeName);
  }

  private newRun(ps: PodState, spec: KObject['spec'], kind: ContainerKind): ContainerRun {
    return {
      name: spec.name, kind, spec, history: [], phase: 'waiting', waiting: { reason: kind === 'init' ? 'PodInitializing' : 'ContainerCreating' },
      ready: false, started: false, crashes: 0, gen: 0, timers: new Set(), env: [], root: join(ps.dir, 'c', spec.name, 'root'), everRan: false,
    };
  }

  private async setupPod(ps: PodState, nodeName: string): Promise<void> {
    let node: NodeState;
    try { node = await this.nodeAgents.wait(nodeName); } catch { return; }
    await this.teardowns.get(ps.key);
    for (;;) {
      if (ps.deleted || this.stopped) { return; }
      try {
        const net = await this.network.addPod(ps.pod);
        ps.netns = net.netns; ps.podIP = net.podIP; ps.hostIP = net.hostIP || node.ip; ps.podIPs = net.podIPs; ps.hostIPs = net.hostIPs;
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
      if (cr.kind === 'init' && !isSidecar(cr)) {
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
      if (ps.containers.has(c.name)) { continue; }
      const cr = this.newRun(ps, c, 'ephemeral');
      ps.containers.set(c.name, cr);
      void this.startAttempt(ps, cr);
    }
  }

  /** A pod re-created under the same name waits for its predecessor's teardown (same netns name, same dir). */
  private readonly teardowns = new Map<string, Promise<void>>();

  private teardown(ps: PodState): Promise<void> {
    if (ps.deleted) { return this.teardowns.get(ps.key) ?? Promise.resolve(); }
    const p = this.doTeardown(ps).finally(() => { if (this.teardowns.get(ps.key) === p) { this.teardowns.delete(ps.key); } });
    this.teardowns.set(ps.key, p);
    return p;
  }

  private async doTeardown(ps: PodState): Promise<void> {
    ps.deleted = true;
    if (this.pods.get(ps.key) === ps) { this.pods.delete(ps.key); }
    const exits: Array<Promise<void>> = [];
    for (const cr of ps.containers.values()) {
      for (const t of cr.timers) { clearTimeout(t); }
      cr.timers.clear();
      if (cr.child) {
        this.event(ps, 'Normal', 'Killing', `Stopping container ${cr.name}`, cr);
        exits.push(this.killAndWait(cr.child));
      }
    }
    await Promise.all(exits);
    if (ps.netns && !this.stopped) { await this.network.removePod(ps.ns, ps.name).catch(() => {}); }
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
    p.status = { ...(p.status ?? {}), podIP: ps.podIP, podIPs: ps.podIP ? (ps.podIPs ?? [ps.podIP]).map((ip) => ({ ip })) : [], hostIP: ps.hostIP, hostIPs: ps.hostIP ? (ps.hostIPs ?? [ps.hostIP]).map((ip) => ({ ip })) : [] };
    return p;
  }

  private profileDirFor(ps: PodState, cr: ContainerRun): string {
    const profile = profileFor(cr.spec.image ?? '', ps.pod.metadata.annotations?.[TOOLS_ANNOTATION], this.nodeBinary);
    return materializeProfile(join(this.stateDir, 'profiles'), profile);
  }

  private retryLater(ps: PodState, cr: ContainerRun, reason: string, message: string): void {
    cr.phase = 'waiting';
    cr.waiting = { reason, message };
    this.queueStatus(ps);
    const t = setTimeout(() => { cr.timers.delete(t); void this.startAttempt(ps, cr); }, RETRY_MS);
    cr.timers.add(t);
  }

  private async startAttempt(ps: PodState, cr: ContainerRun): Promise<void> {
    if (ps.deleted || this.stopped || !ps.netns) { return; }
    const pod = this.podWithStatus(ps);
    const lookups = this.lookups();
    lookups.services = this.store.list(SERVICE, ps.ns);
    const master = this.store.get(SERVICE, 'default', 'kubernetes');
    if (master && ps.ns !== 'default') { lookups.services.push(master); }
    let resolved;
    try {
      resolved = resolveContainerEnv(pod, cr.spec, lookups);
    } catch (e) {
      if (!(e instanceof EnvError)) { throw e; }
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
    const { script, env } = standinLaunch(ps, cr, resolved.env, { standinDir: this.standinDir, compileCache: this.compileCache, dnsDataFile: this.dnsDataFile });
    const restartCount = cr.history.length;
    const logFile = join(ps.logDir, cr.name, `${restartCount}.log`);
    mkdirSync(join(ps.logDir, cr.name), { recursive: true });
    // The image's ENTRYPOINT/CMD fill what the pod leaves out (vendor images only; see vendors.ts).
    const argv = ['netns', 'exec', ps.netns, this.nodeBinary, ...NODE_FLAGS, script, ...containerArgv(image, resolved.command, resolved.args)];
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
    startProbes(this.probeHost, ps, cr, gen);
    this.queueStatus(ps);
  }

  private onExit(ps: PodState, cr: ContainerRun, gen: number, code: number | null, signal: NodeJS.Signals | null): void {
    if (gen !== cr.gen) { return; }
    cr.gen++;
    for (const t of cr.timers) { clearTimeout(t); }
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
    if (ps.deleted || this.stopped) { return; }
    const policy: string = cr.kind === 'ephemeral' ? 'Never' : isSidecar(cr) ? 'Always' : ps.pod.spec?.restartPolicy ?? 'Always';
    const restart = policy === 'Always' || (policy === 'OnFailure' && a.exitCode !== 0);
    if (!restart) {
      cr.phase = 'terminated';
      this.queueStatus(ps);
      return;
    }
    if (Date.now() - a.startedMs > BACKOFF_RESET_MS) { cr.crashes = 0; }
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

  private async runProbe(ps: PodState, cr: ContainerRun, probe: KObject['spec'], timeoutMs: number): Promise<{ ok: boolean; message: string }> {
    const req = probeRequest(probe, cr.spec, ps.podIP ?? '', timeoutMs);
    if (req === 'exec') {
      const chunks: Buffer[] = [];
      const sink = new (await import('node:stream')).Writable({ write(c, _e, cb) { chunks.push(Buffer.from(c)); cb(); } });
      const ac = new AbortController();
      const t = setTimeout(() => ac.abort(), timeoutMs);
      try {
        const { exitCode } = await this.exec({ namespace: ps.ns, pod: ps.name, container: cr.name, command: probe.exec.command ?? [], stdin: false, tty: false }, { stdout: sink, stderr: sink }, ac.signal);
        if (ac.signal.aborted) { return { ok: false, message: `command timed out` }; }
        return { ok: exitCode === 0, message: Buffer.concat(chunks).toString('utf8').trimEnd() };
      } catch (e) {
        return { ok: false, message: (e as Error).message };
      } finally { clearTimeout(t); }
    }
    if (typeof req === 'string') { return { ok: false, message: req }; }
    const node = this.nodeAgents.get(ps.pod.spec?.nodeName);
    if (!node) { return { ok: false, message: 'node not ready' }; }
    return node.agent.probe(req);
  }

  // ---- status ----

  private queueStatus(ps: PodState): void {
    if (ps.statusQueued) { return; }
    ps.statusQueued = true;
    setImmediate(() => {
      ps.statusQueued = false;
      if (ps.deleted || this.stopped) { return; }
      const status = buildStatus(ps);
      this.store.as(KUBELET_STATUS, () => this.store.mutate(POD, ps.ns, ps.name, (o) => {
        if (o.metadata.uid !== ps.uid) { return; }
        o.status = status;
      }));
    });
  }

  private event(ps: PodState, type: 'Normal' | 'Warning', reason: string, message: string, cr?: ContainerRun): void {
    this.events.record(ps, type, reason, message, cr);
  }

  // ---- exec and logs (RuntimeApi) ----

  async logs(namespace: string, pod: string, opts: LogOptions): Promise<string> {
    return containerLogs(this.store.get(POD, namespace, pod), pod, opts, (container) => this.findRun(namespace, pod, container));
  }

  private findRun(namespace: string, pod: string, container: string): { ps: PodState; cr: ContainerRun } | undefined {
    const ps = this.pods.get(`${namespace}/${pod}`);
    const cr = ps?.containers.get(container);
    return ps && cr ? { ps, cr } : undefined;
  }

  async exec(req: ExecRequest, streams: ExecStreams, signal: AbortSignal): Promise<{ exitCode: number }> {
    // A pod on a virtual node has no container process: its exec runs in the node's shared namespace.
    const v = this.virtualExec();
    if (v?.handles(req.namespace, req.pod)) { return v.exec(req, streams, signal); }
    return this.execs.exec(req, streams, signal);
  }


}

