// The simulated cluster's bring-up and teardown, shared by the CLI (cli.ts) and the tests: API server,
// controllers, runtime, operator, the manifests, then settled; torn down on every path.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { Store, typeByKind } from './store.ts';
import { startControllers, type Controllers } from './controllers.ts';
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
import { waitSettled } from './settle.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const POLICY_FILE = join(REPO_ROOT, 'test/sim/policies.yaml');
const CLUSTER_NAME = 'otel-doctor-sim';

export interface ClusterOptions {
  manifests: string[];
  apiLatencyMs?: number;
  /** API fault rules (429/5xx answers, delays), or a YAML/JSON file of them; see api/faults.ts. */
  apiFaults?: FaultRule[] | string;
  /** The API server's APIResponseCompression gate (default on); false to compare without gzip. */
  apiResponseCompression?: boolean;
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

export class UsageError extends Error {}

const T = (kind: string) => typeByKind(kind)!;
const CLEANUP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function policyUsers(file = POLICY_FILE): string[] {
  const doc = parseYaml(readFileSync(file, 'utf8')) as { users?: Record<string, unknown> };
  return Object.keys(doc?.users ?? {});
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
    api = await startApiServer({ store, runtime, stateDir, latencyMs: opts.apiLatencyMs, responseCompression: opts.apiResponseCompression, faults, auditLog: opts.auditLog ? resolve(opts.auditLog) : undefined, policyFile: opts.policyFile ?? POLICY_FILE });
    opts.signal?.throwIfAborted();
    await runtime.start();
    opts.signal?.throwIfAborted();
    const nodeNames = Array.from({ length: opts.nodes ?? 2 }, (_, i) => `sim-node-${i + 1}`);
    controllers = startControllers(store, { nodes: nodeNames });
    const a = api;
    const nsType = T('Namespace');
    const ensureNs = (name: string) => { if (!store.get(nsType, undefined, name)) { a.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }); } };
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) { ensureNs(ns); }
    // Each kubelet registers its own Node (its field manager, managed-fields.ts).
    store.as({ manager: 'kubelet', operation: 'Update' }, () => {
      nodeNames.forEach((n, i) => { if (!store.get(T('Node'), undefined, n)) { a.create(nodeObject(n, i + 1, ipFamily)); } });
      for (let i = 0; i < virtualNodes; i++) { const n = virtualNodeObject(i); if (!store.peek(T('Node'), undefined, n.metadata.name)) { a.create(n); } }
    });
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
        return store.as({ manager: 'kubectl-client-side-apply', operation: 'Update' }, () => store.update(t, o));
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
