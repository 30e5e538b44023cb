// The simulated cluster's entry point: `npm run sim -- [run|up|down] --manifests DIR ... -- CMD [ARGS...]`.
// Brings up API server, controllers and runtime, loads the manifests, waits until every pod has settled,
// runs CMD against the cluster and tears everything down on every path (normal end, failure, signals).
// Tests import `startCluster()` so they and the CLI share one bring-up and one teardown.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, openSync, closeSync, renameSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants as osConstants } from 'node:os';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { Store, typeByKind, type KObject } from './store.ts';
import { startControllers, isPodReady, type Controllers } from './controllers.ts';
import { applyObjects, loadManifests, sortForCreation, undeclaredNamespaces } from './manifests.ts';
import { startApiServer, type ApiServer } from './api/server.ts';
import { runAdmissionHooks } from './api/admission.ts';
import { FaultInjector, type FaultRule } from './api/faults.ts';
import { Runtime } from './runtime/index.ts';
import { Network, OWNER_DIR } from './runtime/network.ts';
import { nodeObject, systemObjects } from './cluster-objects.ts';
import { checkHoldEnv, holdAt } from './hold.ts';
import { MAX_VIRTUAL_NODES, VirtualKubelet, loadVirtualManifests, virtualNodeObject } from './virtual.ts';
import { startOperator, type Operator } from './operator/operator.ts';
import { CURRENT_OPERATOR_VERSION, OPERATOR_VERSIONS, isKnownOperatorVersion } from './operator/versions.ts';
import { IP_FAMILIES, isIpFamily, setClusterIpFamily, type IpFamily } from './ip-family.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const POLICY_FILE = join(REPO_ROOT, 'test/sim/policies.yaml');
const CURRENT_FILE = join(REPO_ROOT, '.sim/current');
const CLUSTER_NAME = 'otel-doctor-sim';

export interface ClusterOptions {
  manifests: string[];
  apiLatencyMs?: number;
  /** API fault rules (429/5xx answers, delays), or a YAML/JSON file of them; see api/faults.ts. */
  apiFaults?: FaultRule[] | string;
  auditLog?: string;
  /** The kubeconfig's current user (a name from policies.yaml); default admin. */
  user?: string;
  /**
   * The kubeconfig's cluster and context name (default otel-doctor-sim), its users then `<name>/<user>`:
   * two clusters' kubeconfigs in one KUBECONFIG list would otherwise share every name, and the first file wins.
   */
  contextName?: string;
  /** RBAC-lite users instead of test/sim/policies.yaml (e.g. a test that grants exactly one role). */
  policyFile?: string;
  nodes?: number;
  /** Created if missing; default a fresh `otel-doctor-sim-<run>` under the system temp dir. */
  stateDir?: string;
  settleTimeoutMs?: number;
  /** Keep the state dir (logs, kubeconfig, audit) after teardown. */
  keep?: boolean;
  /** Progress lines (stderr by default). */
  log?: (line: string) => void;
  /** Aborts the bring-up (a signal arrived): everything started so far is torn down, then it rejects. */
  signal?: AbortSignal;
  /**
   * For in-process users (tests): on SIGINT/SIGTERM/SIGHUP clean up synchronously, then die of the same
   * signal, since a signal death skips 'exit' handlers. Default true; the CLI handles signals itself.
   */
  cleanupOnSignal?: boolean;
  /** The OpenTelemetry Operator release the cluster runs (default the current one, operator/versions.ts). */
  operatorVersion?: string;
  /** false: no operator (its CRs stay unreconciled, no webhooks, no operator pod), as when it is not installed. */
  operator?: boolean;
  /**
   * The cluster's IP family, as kind's `networking.ipFamily` (ip-family.ts has the ranges): ipv4 (default),
   * ipv6, or dual (IPv4 primary, both families on every pod and on PreferDualStack/RequireDualStack Services).
   */
  ipFamily?: IpFamily;
  /**
   * Directories/files of manifests whose objects are virtual (virtual.ts): the same API, controllers and
   * scheduler, but their pods land on virtual nodes and get IPs and Running/Ready status without a process.
   */
  virtualManifests?: string[];
  /** Virtual nodes (KWOK-style Node objects, no kubelet): default 1 when virtualManifests are given, else 0. */
  virtualNodes?: number;
}

export interface Cluster {
  runId: string;
  stateDir: string;
  kubeconfig: string;
  store: Store;
  api: ApiServer;
  runtime: Runtime;
  controllers: Controllers;
  /** The operator stand-in, unless started with `operator: false`. */
  operator?: Operator;
  /** Milliseconds from start to every pod settled. */
  bringUpMs: number;
  podCount: number;
  /** Writes a kubeconfig whose current user is `user` and returns its path. */
  kubeconfigFor(user: string): string;
  stop(): Promise<void>;
  /** Last-resort synchronous cleanup for 'exit' handlers: network namespaces, processes, state dir. */
  cleanupSync(): void;
}

const STATE_PREFIX = 'otel-doctor-sim-';

/**
 * State dirs of runs that died without teardown (SIGKILL, a killed test runner). A run's owner file
 * appears only once its network starts, so a young dir may belong to a run still coming up: those stay.
 * Call after Network.sweepStale(), which removes the owner files of dead runs.
 */
export function sweepStaleStateDirs(base = tmpdir(), minAgeMs = 120_000): string[] {
  const removed: string[] = [];
  let entries: string[] = [];
  try { entries = readdirSync(base).filter((e) => e.startsWith(STATE_PREFIX)); } catch { return removed; }
  for (const e of entries) {
    const run = e.slice(STATE_PREFIX.length).split('-')[0];
    if (!/^[0-9a-f]{6}$/.test(run) || existsSync(join(OWNER_DIR, `${run}.pid`))) { continue; }
    const dir = join(base, e);
    try {
      if (Date.now() - statSync(dir).mtimeMs < minAgeMs) { continue; }
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch { /* raced with its owner's own teardown */ }
  }
  return removed;
}

export class SettleError extends Error {
  readonly unsettled: string[];
  constructor(timeoutMs: number, unsettled: string[]) {
    super(`not settled after ${timeoutMs / 1000}s:\n  ${unsettled.join('\n  ')}`);
    this.unsettled = unsettled;
  }
}

export class UsageError extends Error {}

const T = (kind: string) => typeByKind(kind)!;
const CLEANUP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function policyUsers(file = POLICY_FILE): string[] {
  const doc = parseYaml(readFileSync(file, 'utf8')) as { users?: Record<string, unknown> };
  return Object.keys(doc?.users ?? {});
}

// Waiting reasons a pod does not leave by itself: as "settled" as CrashLoopBackOff for our purpose.
const STUCK_REASONS = new Set(['CrashLoopBackOff', 'CreateContainerConfigError', 'CreateContainerError', 'ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'RunContainerError']);

/**
 * Why a pod has not settled, or undefined when it has: Ready, crash-looping, finished, or stuck where a
 * real kubelet would leave it for good (a volume that cannot mount, e.g. a ConfigMap no manifest declares).
 */
export function podUnsettledReason(p: KObject, failedMount = false, readinessFailing = false): string | undefined {
  const phase = p.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') { return undefined; }
  if (isPodReady(p)) { return undefined; }
  if (failedMount) { return undefined; }
  // Running but failing its readiness probe again and again is a steady state too (e.g. a health_check
  // bound to loopback with only a readiness probe): the kubelet never restarts it for that.
  if (readinessFailing && phase === 'Running') { return undefined; }
  const statuses = [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])];
  for (const cs of statuses) {
    const reason = cs.state?.waiting?.reason;
    if (reason === 'CrashLoopBackOff' && (cs.restartCount ?? 0) >= 1) { return undefined; }
    if (reason && reason !== 'CrashLoopBackOff' && STUCK_REASONS.has(reason)) { return undefined; }
  }
  if (!p.spec?.nodeName) { return 'not scheduled'; }
  const waiting = statuses.map((cs) => cs.state?.waiting?.reason).filter(Boolean);
  const notReady = statuses.filter((cs) => !cs.ready).map((cs) => cs.name);
  return `${phase ?? 'no status'}${waiting.length ? ` (${waiting.join(', ')})` : ''}${notReady.length ? `, not ready: ${notReady.join(', ')}` : ''}`;
}

/** Everything not yet settled: workloads short of pods, then pods neither Ready nor crash-looping nor done. */
export function unsettled(store: Store): string[] {
  const out: string[] = [];
  const desired = (o: KObject) => (o.spec?.replicas ?? 1) as number;
  for (const d of store.select(T('Deployment'))) {
    if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 1) || (d.status?.replicas ?? 0) !== desired(d)) { out.push(`deployment ${d.metadata.namespace}/${d.metadata.name}: ${d.status?.replicas ?? 0}/${desired(d)} pods`); }
  }
  for (const s of store.select(T('StatefulSet'))) {
    if ((s.status?.replicas ?? 0) !== desired(s)) { out.push(`statefulset ${s.metadata.namespace}/${s.metadata.name}: ${s.status?.replicas ?? 0}/${desired(s)} pods`); }
  }
  for (const ds of store.select(T('DaemonSet'))) {
    if (ds.status?.desiredNumberScheduled === undefined || ds.status.currentNumberScheduled !== ds.status.desiredNumberScheduled) { out.push(`daemonset ${ds.metadata.namespace}/${ds.metadata.name}: ${ds.status?.currentNumberScheduled ?? 0}/${ds.status?.desiredNumberScheduled ?? '?'} pods`); }
  }
  const failedMount = new Set(store.select(T('Event'))
    .filter((e) => e.reason === 'FailedMount' && e.involvedObject?.kind === 'Pod')
    .map((e) => `${e.involvedObject.namespace}/${e.involvedObject.uid ?? e.involvedObject.name}`));
  const readinessFailing = new Set(store.select(T('Event'))
    .filter((e) => e.reason === 'Unhealthy' && e.involvedObject?.kind === 'Pod' && /^Readiness probe failed/.test(e.message ?? '') && (e.count ?? 1) >= 3)
    .map((e) => `${e.involvedObject.namespace}/${e.involvedObject.uid ?? e.involvedObject.name}`));
  for (const p of store.select(T('Pod'), { unordered: true })) {
    const id = `${p.metadata.namespace}/${p.metadata.uid}`;
    const why = podUnsettledReason(p, failedMount.has(id), readinessFailing.has(id));
    if (why) { out.push(`pod ${p.metadata.namespace}/${p.metadata.name}: ${why}`); }
  }
  return out;
}

export async function waitSettled(store: Store, controllers: Controllers, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    await controllers.flush();
    const left = unsettled(store);
    if (!left.length) { return; }
    if (Date.now() > deadline) { throw new SettleError(timeoutMs, left); }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function writeKubeconfig(path: string, api: ApiServer, current: string, users: string[], contextName?: string) {
  const all = users.includes(current) ? users : [current, ...users];
  const cluster = contextName ?? CLUSTER_NAME;
  const userName = (u: string) => (contextName ? `${contextName}/${u}` : u);
  const cfg = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name: cluster, cluster: { server: api.url, 'certificate-authority-data': Buffer.from(api.caPem).toString('base64') } }],
    // Every policy user is listed, so `kubectl --user no-exec ...` switches identity without a new file.
    users: all.map((u) => ({ name: userName(u), user: { token: api.tokenFor(u) } })),
    contexts: [{ name: cluster, context: { cluster, user: userName(current), namespace: 'default' } }],
    'current-context': cluster,
  };
  writeFileSync(path, stringifyYaml(cfg), { mode: 0o600 });
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  if (process.getuid?.() !== 0) { throw new UsageError('the simulated cluster needs root (network namespaces); run as root'); }
  checkHoldEnv();
  const t0 = performance.now();
  const users = policyUsers(opts.policyFile ?? POLICY_FILE);
  const user = opts.user ?? 'admin';
  if (!users.includes(user)) { throw new UsageError(`unknown --user ${JSON.stringify(user)}; policies.yaml has: ${users.join(', ')}`); }
  const operatorVersion = opts.operatorVersion ?? CURRENT_OPERATOR_VERSION;
  if (opts.operator !== false && !isKnownOperatorVersion(operatorVersion)) {
    throw new UsageError(`unknown operator version ${JSON.stringify(operatorVersion)}; known: ${OPERATOR_VERSIONS[0]} .. ${OPERATOR_VERSIONS[OPERATOR_VERSIONS.length - 1]}`);
  }
  const ipFamily = opts.ipFamily ?? 'ipv4';
  if (!isIpFamily(ipFamily)) { throw new UsageError(`unknown IP family ${JSON.stringify(ipFamily)}; known: ${IP_FAMILIES.join(', ')}`); }
  const loaded = loadManifests(opts.manifests);
  const virtualLoaded = loadVirtualManifests(opts.virtualManifests ?? []);
  const virtualNodes = opts.virtualNodes ?? (opts.virtualManifests?.length ? 1 : 0);
  if (!Number.isInteger(virtualNodes) || virtualNodes < 0 || virtualNodes > MAX_VIRTUAL_NODES) { throw new UsageError(`virtual nodes must be 0..${MAX_VIRTUAL_NODES}, got ${virtualNodes}`); }
  // Virtual nodes are IPv4 only: their addresses, pod ranges, the bridge they route through and the
  // resolver they name are IPv4 (virtual.ts, virtual-exec.ts), so on an IPv6 cluster they would be wrong.
  if ((virtualNodes > 0 || virtualLoaded.objects.length) && ipFamily !== 'ipv4') {
    throw new UsageError(`--virtual-nodes and --virtual-manifests need --ip-family ipv4 (virtual nodes and pods are IPv4 only), got ${ipFamily}`);
  }
  let faults: FaultInjector | undefined;
  if (opts.apiFaults !== undefined) {
    try { faults = typeof opts.apiFaults === 'string' ? FaultInjector.load(opts.apiFaults) : new FaultInjector(opts.apiFaults); } catch (e) { throw new UsageError(`api faults: ${(e as Error).message}`); }
  }
  for (const s of [...loaded.skipped, ...virtualLoaded.skipped]) { log(`sim: skipped ${s.kind} ${s.name} from ${s.source}: ${s.reason}`); }

  Network.sweepStale();
  for (const d of sweepStaleStateDirs()) { log(`sim: removed ${d} (left by a run that died)`); }
  const runId = randomBytes(3).toString('hex');
  let stateDir: string;
  if (opts.stateDir) { stateDir = resolve(opts.stateDir); mkdirSync(stateDir, { recursive: true }); }
  else { stateDir = mkdtempSync(join(tmpdir(), `${STATE_PREFIX}${runId}-`)); }

  log(`sim: run ${runId}, state ${stateDir}`);
  const store = new Store();
  setClusterIpFamily(store, ipFamily);
  let runtime: Runtime | undefined;
  let api: ApiServer | undefined;
  let controllers: Controllers | undefined;
  let operator: Operator | undefined;
  let virtual: VirtualKubelet | undefined;
  let stopping: Promise<void> | undefined;
  let cleaned = false;

  const cleanupSync = () => {
    if (cleaned) { return; }
    cleaned = true;
    virtual?.stop();
    operator?.stop();
    controllers?.stop();
    try { runtime?.cleanupSync(); } catch (e) { process.stderr.write(`sim: runtime cleanup: ${(e as Error).message}\n`); }
    if (!opts.keep) { rmSync(stateDir, { recursive: true, force: true }); }
  };
  const stop = () => {
    stopping ??= (async () => {
      virtual?.stop();
      operator?.stop();
      controllers?.stop();
      try { await runtime?.stop(); } catch (e) { process.stderr.write(`sim: runtime stop: ${(e as Error).message}\n`); }
      try { await api?.close(); } catch (e) { process.stderr.write(`sim: api close: ${(e as Error).message}\n`); }
      cleanupSync();
      process.off('exit', cleanupSync);
      for (const s of CLEANUP_SIGNALS) { process.off(s, onSignal); }
    })();
    return stopping;
  };
  process.once('exit', cleanupSync);
  const onSignal = (sig: NodeJS.Signals) => {
    cleanupSync();
    for (const s of CLEANUP_SIGNALS) { process.off(s, onSignal); }
    // Only die of it if nobody else listens: the host process may have its own plan for the signal.
    if (process.listenerCount(sig) === 0) { process.kill(process.pid, sig); }
  };
  if (opts.cleanupOnSignal !== false) { for (const s of CLEANUP_SIGNALS) { process.on(s, onSignal); } }

  try {
    runtime = new Runtime({ store, stateDir, runId, repoRoot: REPO_ROOT });
    opts.signal?.throwIfAborted();
    api = await startApiServer({ store, runtime, stateDir, latencyMs: opts.apiLatencyMs, faults, auditLog: opts.auditLog ? resolve(opts.auditLog) : undefined, policyFile: opts.policyFile ?? POLICY_FILE });
    opts.signal?.throwIfAborted();
    await runtime.start();
    opts.signal?.throwIfAborted();
    const nodeNames = Array.from({ length: opts.nodes ?? 2 }, (_, i) => `sim-node-${i + 1}`);
    controllers = startControllers(store, { nodes: nodeNames });
    const a = api;
    const nsType = T('Namespace');
    const ensureNs = (name: string) => { if (!store.get(nsType, undefined, name)) { a.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }); } };
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) { ensureNs(ns); }
    nodeNames.forEach((n, i) => { if (!store.get(T('Node'), undefined, n)) { a.create(nodeObject(n, i + 1, ipFamily)); } });
    for (let i = 0; i < virtualNodes; i++) { const n = virtualNodeObject(i); if (!store.peek(T('Node'), undefined, n.metadata.name)) { a.create(n); } }
    virtual = new VirtualKubelet(store);
    virtual.start();
    for (const o of systemObjects(ipFamily)) { if (!store.get(T(o.kind), o.metadata.namespace, o.metadata.name)) { a.create(o); } }
    // Installed before the manifests, as a real cluster has the operator (and its webhooks) running first.
    if (opts.operator !== false) { operator = startOperator(store, { version: operatorVersion, stateDir, create: (o) => { a.create(o); } }); }
    const objects = [...loaded.objects, ...virtualLoaded.objects];
    for (const ns of undeclaredNamespaces(objects, store.select(nsType).map((n) => n.metadata.name))) {
      log(`sim: creating namespace ${ns} (used by the manifests, not declared)`);
      ensureNs(ns);
    }
    const replaced = applyObjects(
      virtualLoaded.objects.length ? sortForCreation(objects) : loaded.objects,
      (o, t) => {
        // api.create() reports a taken name as a plain Error; ask the store first so apply semantics can follow.
        if (store.get(t, o.metadata.namespace, o.metadata.name)) { throw Object.assign(new Error('exists'), { code: 409 }); }
        return a.create(o);
      },
      (o, t) => {
        const cur = store.get(t, o.metadata.namespace, o.metadata.name)!;
        if (t.kind === 'Service' && cur.spec?.clusterIP && !o.spec?.clusterIP) { o.spec = { ...o.spec, clusterIP: cur.spec.clusterIP, clusterIPs: cur.spec.clusterIPs }; }
        // kubectl apply's patch reaches the webhooks as an update does (the operator defaults or refuses a CR).
        try {
          runAdmissionHooks(store, t, o, cur);
        } catch (e) {
          const st = (e as { status?: { reason?: string; message?: string } }).status;
          if (!st) { throw e; }
          log(`sim: Error from server (${st.reason ?? 'BadRequest'}): error when applying patch to ${t.kind} ${o.metadata.name}: ${st.message ?? ''}`);
          return cur;
        }
        return store.update(t, o);
      },
      (message) => log(`sim: ${message}`),
    );
    for (const r of replaced) { log(`sim: ${r} declared twice; the later one wins (kubectl apply semantics)`); }

    const kubeconfigFor = (u: string) => {
      const path = join(stateDir, u === user ? 'kubeconfig' : `kubeconfig-${u}`);
      writeKubeconfig(path, a, u, users, opts.contextName);
      return path;
    };
    const kubeconfig = kubeconfigFor(user);
    await holdAt('pods', store, log, opts.signal);
    const c = controllers;
    const op = operator;
    // The operator's pass comes first: the workloads it creates are the controllers' next work.
    const v = virtual;
    const both: Controllers = { ...c, flush: async () => { await op?.flush(); await c.flush(); await v.flush(); await op?.flush(); } };
    await waitSettled(store, both, opts.settleTimeoutMs ?? 60_000, opts.signal);
    const bringUpMs = performance.now() - t0;
    const podCount = store.count(T('Pod'));
    log(`sim: cluster up in ${(bringUpMs / 1000).toFixed(1)} s: ${podCount} pods settled on ${nodeNames.length} nodes${virtualNodes ? ` and ${virtualNodes} virtual nodes` : ''} (run ${runId})`);
    return { runId, stateDir, kubeconfig, store, api, runtime, controllers, operator, bringUpMs, podCount, kubeconfigFor, stop, cleanupSync };
  } catch (e) {
    await stop();
    throw e;
  }
}

// ---------------------------------------------------------------- command line

interface Args {
  mode: 'run' | 'up' | 'down';
  manifests: string[];
  apiLatencyMs?: number;
  apiFaults?: string;
  auditLog?: string;
  user?: string;
  nodes?: number;
  keep: boolean;
  detach: boolean;
  stateDir?: string;
  settleTimeoutMs: number;
  operatorVersion?: string;
  noOperator: boolean;
  ipFamily?: IpFamily;
  virtualManifests: string[];
  virtualNodes?: number;
  cmd: string[];
}

export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(s.trim());
  if (!m) { throw new UsageError(`invalid duration ${JSON.stringify(s)} (e.g. 60s, 1500ms, 2m)`); }
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}

export function parseArgs(argv: string[]): Args {
  const a: Args = { mode: 'run', manifests: [], keep: false, detach: false, settleTimeoutMs: 60_000, noOperator: false, virtualManifests: [], cmd: [] };
  const sep = argv.indexOf('--');
  const own = sep >= 0 ? argv.slice(0, sep) : argv;
  a.cmd = sep >= 0 ? argv.slice(sep + 1) : [];
  const value = (i: number, flag: string) => {
    const v = own[i + 1];
    if (v === undefined || v.startsWith('--')) { throw new UsageError(`${flag} needs a value`); }
    return v;
  };
  const int = (v: string, flag: string) => {
    if (!/^\d+$/.test(v)) { throw new UsageError(`${flag} needs a non-negative integer, got ${JSON.stringify(v)}`); }
    return Number(v);
  };
  for (let i = 0; i < own.length; i++) {
    let arg = own[i];
    let inline: string | undefined;
    if (arg.startsWith('--') && arg.includes('=')) { inline = arg.slice(arg.indexOf('=') + 1); arg = arg.slice(0, arg.indexOf('=')); }
    const take = () => inline ?? value(i++, arg);
    switch (arg) {
      case 'run': case 'up': case 'down': a.mode = arg; break;
      case '--manifests': a.manifests.push(take()); break;
      case '--virtual-manifests': a.virtualManifests.push(take()); break;
      case '--virtual-nodes': a.virtualNodes = int(take(), arg); break;
      case '--api-latency-ms': a.apiLatencyMs = int(take(), arg); break;
      case '--api-faults': a.apiFaults = take(); break;
      case '--audit-log': a.auditLog = take(); break;
      case '--user': a.user = take(); break;
      case '--nodes': a.nodes = int(take(), arg); if (a.nodes < 1) { throw new UsageError('--nodes must be at least 1'); } break;
      case '--keep': a.keep = true; break;
      case '--detach': a.detach = true; break;
      case '--state-dir': a.stateDir = take(); break;
      case '--settle-timeout': a.settleTimeoutMs = parseDuration(take()); break;
      case '--operator-version': a.operatorVersion = take().replace(/^v/, ''); break;
      case '--no-operator': a.noOperator = true; break;
      case '--ip-family': {
        const f = take();
        if (!isIpFamily(f)) { throw new UsageError(`--ip-family must be one of ${IP_FAMILIES.join(', ')}, got ${JSON.stringify(f)}`); }
        a.ipFamily = f;
        break;
      }
      case '-h': case '--help': throw new UsageError('');
      default: throw new UsageError(`unknown argument ${JSON.stringify(own[i])}`);
    }
  }
  if (a.mode === 'run' && !a.cmd.length) { throw new UsageError('run needs a command after `--` (or use `up` for an interactive cluster)'); }
  if (a.operatorVersion && a.noOperator) { throw new UsageError('--operator-version and --no-operator exclude each other'); }
  if (a.operatorVersion && !isKnownOperatorVersion(a.operatorVersion)) {
    throw new UsageError(`unknown --operator-version ${JSON.stringify(a.operatorVersion)}; known: ${OPERATOR_VERSIONS[0]} .. ${OPERATOR_VERSIONS[OPERATOR_VERSIONS.length - 1]}`);
  }
  for (const m of a.manifests) { if (!existsSync(m)) { throw new UsageError(`--manifests ${m}: no such file or directory`); } }
  for (const m of a.virtualManifests) { if (!existsSync(m)) { throw new UsageError(`--virtual-manifests ${m}: no such file or directory`); } }
  if (a.apiFaults) {
    try { FaultInjector.load(a.apiFaults); } catch (e) { throw new UsageError(`--api-faults ${a.apiFaults}: ${(e as Error).message}`); }
  }
  return a;
}

const USAGE = `usage: node test/sim/cli.ts [run|up|down] --manifests DIR [--manifests DIR ...]
         [--api-latency-ms N] [--api-faults FILE] [--audit-log FILE] [--user NAME] [--nodes N] [--keep]
         [--virtual-manifests DIR ...] [--virtual-nodes N]
         [--state-dir DIR] [--settle-timeout 60s] [--detach] [--operator-version X.Y.Z | --no-operator] [--ip-family ipv4|ipv6|dual] -- CMD [ARGS...]
  run   (default) bring the cluster up, run CMD with KUBECONFIG set, tear down, exit with CMD's code
  up    bring the cluster up and stay in the foreground until SIGINT/SIGTERM (--detach: in the background)
  down  stop the cluster started by \`up\` (pid in .sim/current)
  --operator-version  the OpenTelemetry Operator release to play (default ${CURRENT_OPERATOR_VERSION}); --no-operator: none
  --virtual-manifests  objects whose pods are virtual (KWOK-style: IP and Running/Ready, no process); --virtual-nodes N adds N virtual nodes (default 1 with virtual manifests)
  --ip-family  ipv4 (default), ipv6 or dual (IPv4 primary), with kind's ranges (pods fd00:10:244::/56, Services fd00:10:96::/112)
exit codes: CMD's own; 2 usage or not root; 3 bring-up failed; 4 pods did not settle in time`;

const signalExit = (sig: NodeJS.Signals) => 128 + (osConstants.signals[sig] ?? 1);

function readCurrent(): { pid: number; kubeconfig: string; stateDir: string } | undefined {
  try { return JSON.parse(readFileSync(CURRENT_FILE, 'utf8')); } catch { return undefined; }
}
function isOurCli(pid: number): boolean {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some((a) => a.endsWith('test/sim/cli.ts')); } catch { return false; }
}

async function down(): Promise<number> {
  const cur = readCurrent();
  if (!cur) { process.stderr.write('sim: no cluster is up (no .sim/current)\n'); return 1; }
  // A stale file may name a pid the system has since given to another program: only signal our own CLI.
  if (!isOurCli(cur.pid)) { rmSync(CURRENT_FILE, { force: true }); process.stderr.write(`sim: cluster process ${cur.pid} is gone; removed the stale .sim/current\n`); return 0; }
  process.kill(cur.pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (isOurCli(cur.pid) && Date.now() < deadline) { await new Promise((r) => setTimeout(r, 100)); }
  if (isOurCli(cur.pid)) { process.stderr.write(`sim: cluster process ${cur.pid} did not stop within 30 s\n`); return 1; }
  process.stderr.write(`sim: cluster ${cur.pid} stopped\n`);
  return 0;
}

async function detach(argv: string[], settleTimeoutMs: number): Promise<number> {
  mkdirSync(dirname(CURRENT_FILE), { recursive: true });
  const logFile = join(dirname(CURRENT_FILE), 'up.log');
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...argv.filter((a) => a !== '--detach')], { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.unref();
  const deadline = Date.now() + settleTimeoutMs + 30_000;
  while (Date.now() < deadline) {
    const cur = readCurrent();
    if (cur && cur.pid === child.pid) {
      process.stdout.write(`export KUBECONFIG=${cur.kubeconfig}\n`);
      process.stderr.write(`sim: cluster running in the background (pid ${child.pid}, log ${logFile}); stop it with: npm run sim -- down\n`);
      return 0;
    }
    if (child.exitCode !== null || !isOurCli(child.pid!)) { break; }
    await new Promise((r) => setTimeout(r, 200));
  }
  process.stderr.write(`sim: the background cluster did not come up; see ${logFile}\n${existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : ''}\n`);
  return 3;
}

async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message) { process.stderr.write(`sim: ${e.message}\n`); }
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (args.mode === 'down') { return down(); }
  if (process.getuid?.() !== 0) { process.stderr.write('sim: the simulated cluster needs root (it creates network namespaces); run as root\n'); return 2; }
  if (args.mode === 'up' && args.detach) { return detach(argv, args.settleTimeoutMs); }

  let cluster: Cluster | undefined;
  let child: ChildProcess | undefined;
  let caught: NodeJS.Signals | undefined;
  let wake: (() => void) | undefined;
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (caught) {
      return; // a second Ctrl-C while tearing down must not cut the teardown short
    }
    caught = sig;
    process.stderr.write(`sim: ${sig}, tearing down\n`);
    abort.abort();
    if (child && child.exitCode === null) { child.kill(sig); }
    wake?.();
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) { process.on(s, onSignal); }

  try {
    try {
      cluster = await startCluster({
        manifests: args.manifests, virtualManifests: args.virtualManifests, virtualNodes: args.virtualNodes, apiLatencyMs: args.apiLatencyMs, apiFaults: args.apiFaults, auditLog: args.auditLog, user: args.user,
        nodes: args.nodes, stateDir: args.stateDir, settleTimeoutMs: args.settleTimeoutMs, keep: args.keep, signal: abort.signal,
        cleanupOnSignal: false, operatorVersion: args.operatorVersion, operator: !args.noOperator, ipFamily: args.ipFamily,
      });
    } catch (e) {
      // startCluster has torn down what it started; a signal during bring-up is not a failure to report.
      if (caught) { return signalExit(caught); }
      throw e;
    }
    if (caught) { return signalExit(caught); }

    if (args.mode === 'up') {
      mkdirSync(dirname(CURRENT_FILE), { recursive: true });
      const tmp = `${CURRENT_FILE}.${process.pid}`;
      writeFileSync(tmp, JSON.stringify({ pid: process.pid, kubeconfig: cluster.kubeconfig, stateDir: cluster.stateDir, runId: cluster.runId }));
      renameSync(tmp, CURRENT_FILE);
      process.stdout.write(`export KUBECONFIG=${cluster.kubeconfig}\n`);
      process.stderr.write('sim: cluster is up; Ctrl-C (or `npm run sim -- down`) stops it\n');
      await new Promise<void>((r) => { wake = r; if (caught) { r(); } });
      if (readCurrent()?.pid === process.pid) { rmSync(CURRENT_FILE, { force: true }); }
      return 0;
    }

    const PATH = [join(REPO_ROOT, 'bin'), join(REPO_ROOT, 'node_modules/.bin'), process.env.PATH ?? ''].join(':');
    const c = spawn(args.cmd[0], args.cmd.slice(1), { stdio: 'inherit', cwd: process.cwd(), env: { ...process.env, KUBECONFIG: cluster.kubeconfig, PATH } });
    child = c;
    const code = await new Promise<number>((resolveCode) => {
      c.once('error', (e) => { process.stderr.write(`sim: cannot run ${args.cmd[0]}: ${e.message}\n`); resolveCode(127); });
      c.once('exit', (code, sig) => resolveCode(code ?? signalExit(sig ?? 'SIGTERM')));
    });
    return caught ? signalExit(caught) : code;
  } catch (e) {
    if (e instanceof SettleError) { process.stderr.write(`sim: pods did not settle: ${e.message}\n`); return 4; }
    if (e instanceof UsageError) { process.stderr.write(`sim: ${e.message}\n`); return 2; }
    process.stderr.write(`sim: ${(e as Error).stack ?? e}\n`);
    return 3;
  } finally {
    await cluster?.stop();
    for (const s of signals) { process.off(s, onSignal); }
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => { process.stderr.write(`sim: ${(e as Error).stack ?? e}\n`); process.exit(3); },
  );
}
