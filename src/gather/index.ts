/**
 * gather(client, opts) -> Snapshot: permissions, discovery (lists), collector configs, then the exec and
 * log evidence under one concurrency cap and one overall deadline. Nothing here judges: a fact that
 * could not be gathered is recorded (an `incomplete` entry or a not-run probe), never guessed.
 */
import type { ClusterClient, KObject } from '../cluster/types.ts';
import { RESOURCES } from '../cluster/types.ts';
import { ApiError, CannotDiagnoseError } from '../errors.ts';
import { atLeast } from '../otel/version.ts';
import { SNAPSHOT_VERSION, type IncompleteCheck, type LogEvidence, type ProbeRecord, type Snapshot } from '../snapshot.ts';
import { reviewAccess, type AccessReport } from './access.ts';
import { agentNotes, type Discovery } from './discover.ts';
import { limiter } from './limit.ts';
import { injectionNotes } from './instrumentation.ts';
import { injectionRequests, operatorManagers } from './injection.ts';
import { operatorAssumedNote } from '../otel/operator-data.ts';
import { discover } from './list.ts';
import { listenersFromLog, readLogEvidence } from './logs.ts';
import { readCollectorMetrics } from './metrics.ts';
import { buildApp, buildCollector, buildCRs, buildPolicies, buildServices } from './models.ts';
import { groupProbes, pathContext, pathKey, planProbes, podDnsKey } from './plan.ts';
import { probeMethod } from './probe-tools.ts';
import { probeAll } from './probes.ts';
import { listenSockets, listenSocketsViaDebugContainer } from './sockets.ts';
import { ignoreAnnotations } from './ignores.ts';

export interface GatherOptions {
  namespace: string;
  allNamespaces?: boolean;
  appNamespaces?: string[];
  selector?: string;
  collector?: string;
  /** false with --no-exec */
  exec?: boolean;
  concurrency?: number;
  maxPodsPerWorkload?: number;
  /** overall deadline of the diagnosis (--timeout) */
  timeoutMs?: number;
  /** --debug-container: image of an ephemeral container for collector pods where no socket tool runs */
  debugImage?: string;
  /** deadline of one exec */
  execTimeoutMs?: number;
  server?: string;
  context?: string;
  pluginVersion?: string;
  /** --operator-version: the OpenTelemetry operator's release, instead of reading its Deployment */
  operatorVersion?: string;
  onProgress?: (p: { phase: string; done: number; total: number }) => void;
  /** clock, for reproducible snapshots in tests */
  now?: () => Date;
}

/**
 * A probe that could not run is missing evidence, not a result: one check-incomplete entry per pod says
 * so. Not for malformed endpoints (their own rule; never probed by design), nor for a container that is
 * not running (crash-looping, completed): there is nothing to probe from, and its state is reported.
 */
function probeGaps(probes: ProbeRecord[]): IncompleteCheck[] {
  const out: IncompleteCheck[] = [];
  const notProbed = new Set<string>();
  for (const p of probes) {
    const why = p.result === 'not-run' ? (p.notRun?.reason ?? 'exec-failed') : undefined;
    if (why === undefined || why === 'malformed-endpoint' || why === 'invalid-target' || why === 'container-not-running') {
      continue;
    }
    const key = `${p.from.namespace}/${p.from.pod}/${p.from.container}`;
    if (notProbed.has(key)) {
      continue;
    }
    notProbed.add(key);
    const toolGap = why === 'no-tool' || why === 'no-answer';
    out.push({
      check: toolGap ? 'probes' : 'exec',
      subject: { kind: 'Pod', namespace: p.from.namespace, name: p.from.pod, container: p.from.container },
      reason: `connectivity from ${key} was not probed: ${p.reason ?? 'exec failed'}`,
      remedy: toolGap
        ? 'the container has no shell or network tool to probe with; probe from a pod that has one (e.g. kubectl debug) if this evidence matters'
        : 'exec into this pod failed; retry, and check the API server and kubelet if it persists',
    });
  }
  return out;
}

/**
 * What the access reviews and the pod list say could not be done. Whether apps were looked for cluster-wide
 * is the pod list's own answer (it leaves beside the reviews), not the review's: they can disagree.
 */
function accessIncomplete(access: AccessReport, opts: GatherOptions, exec: boolean, clusterWide: boolean): IncompleteCheck[] {
  const out: IncompleteCheck[] = [];
  if (!clusterWide) {
    const rule = access.checks.find((c) => c.id === 'list-pods-cluster')?.rule;
    out.push({ check: 'list-apps', reason: `cannot list pods cluster-wide: apps were looked for only in ${[...new Set([opts.namespace, ...(opts.appNamespaces ?? [])])].join(', ')}`, remedy: 'grant list on pods cluster-wide, or name app namespaces with --app-namespace', ...(rule ? { rbac: rule } : {}) });
  }
  for (const c of access.checks) {
    if (c.allowed || c.error || c.id === 'list-pods-cluster') { continue; }
    if (c.id === 'exec') {
      if (exec) { out.push({ check: 'exec', reason: `cannot create pods/exec in ${opts.namespace}: no listen-socket checks and no connectivity probes`, remedy: 'grant create on pods/exec', rbac: c.rule }); }
    } else if (c.id === 'logs') {
      out.push({ check: 'logs', reason: `cannot get pods/log in ${opts.namespace}: no log evidence`, remedy: 'grant get on pods/log', rbac: c.rule });
    } else if (c.id !== 'list-pods') {
      out.push({ check: c.id, reason: `not allowed: ${c.attrs.verb} ${c.attrs.resource} in ${c.attrs.namespace ?? 'the cluster'} (${c.needed})`, rbac: c.rule });
    }
  }
  return out;
}

export async function gather(client: ClusterClient, opts: GatherOptions): Promise<Snapshot> {
  const now = opts.now ?? (() => new Date());
  const started = now();
  const exec = opts.exec !== false;
  const run = limiter(opts.concurrency ?? 8);
  const overall = opts.timeoutMs ? AbortSignal.timeout(opts.timeoutMs) : undefined;
  const execTimeoutMs = opts.execTimeoutMs ?? 8000;
  const progress = opts.onProgress ?? (() => undefined);

  // Discovery, beside everything else: which policy APIs this cluster serves decides how apps share probes.
  const apiGroupsP = client.apiGroups({ ...(overall ? { signal: overall } : {}) }).catch(() => null);
  // The lists leave beside the reviews instead of a round trip after them: the cluster-wide pod list's own
  // answer says whether it is allowed (a 403 narrows it to the namespaces, as the review would have).
  const discP = discover(client, {
    namespace: opts.namespace,
    allNamespaces: opts.allNamespaces ?? false,
    appNamespaces: opts.appNamespaces ?? [],
    selector: opts.selector,
    collector: opts.collector,
    canListClusterWide: 'try',
    ...(opts.operatorVersion ? { operatorVersion: opts.operatorVersion } : {}),
    signal: overall,
    concurrency: opts.concurrency,
    onProgress: (phase, d, t) => progress({ phase, done: d, total: t }),
  });
  // An API server that does not answer is said by the reviews (their error goes first); the lists' own
  // failure must not go unhandled meanwhile.
  discP.catch(() => undefined);
  progress({ phase: 'Checking permissions and listing', done: 0, total: 1 });
  const access = await reviewAccess(client, opts.namespace);
  let disc: Discovery;
  try {
    disc = await discP;
  } catch (e) {
    if (e instanceof ApiError) {
      throw new CannotDiagnoseError(`cannot list pods: ${e.message}`, {
        cause: e,
        hint: e.status === 403 ? 'the diagnosis needs at least list on pods in the collector namespace' : e.status === 0 ? 'is the API server reachable? check --context and --request-timeout' : undefined,
      });
    }
    throw e;
  }

  const snap: Snapshot = {
    version: SNAPSHOT_VERSION,
    meta: {
      time: started.toISOString(),
      mode: 'diagnose',
      ...(opts.server ? { server: opts.server } : {}),
      ...(opts.context ? { context: opts.context } : {}),
      collectorNamespaces: opts.allNamespaces ? ['*'] : disc.collectorNamespaces,
      appNamespaces: disc.scope.clusterWide ? ['*'] : disc.scope.namespaces,
      exec: exec && access.exec,
      logs: access.logs,
      ...(opts.pluginVersion ? { pluginVersion: opts.pluginVersion } : {}),
      ...(disc.operator ? { operator: { version: disc.operator.version, source: disc.operator.source } } : {}),
    },
    permissions: { reviews: access.checks.map((c) => ({ verb: c.attrs.verb, resource: c.attrs.subresource ? `${c.attrs.resource}/${c.attrs.subresource}` : c.attrs.resource, ...(c.attrs.namespace ? { namespace: c.attrs.namespace } : {}), allowed: c.allowed, ...(c.error ? { reason: c.error } : {}) })) },
    collectors: [],
    services: [],
    networkPolicies: buildPolicies(disc),
    apps: [],
    probes: [],
    logs: [],
    instrumentations: [],
    otelCollectorCRs: [],
    notes: [],
    incomplete: accessIncomplete(access, opts, exec, disc.scope.clusterWide),
  };
  if (disc.scope.note) { snap.notes.push(disc.scope.note); }
  snap.notes.push(...injectionNotes(disc.pods, disc.instrumentations, disc.instrumentationsListed, disc.operator));
  if (disc.operator && !disc.operator.version) { snap.notes.push(operatorAssumedNote(disc.operator.source)); }
  // Which release was judged is part of the proof: a finding about a default can change with it.
  else if (disc.operator?.version && disc.operator.source !== '--operator-version') { snap.notes.push(`OpenTelemetry operator ${disc.operator.version} (${disc.operator.source}): its release's defaults are applied`); }
  if (!exec) { snap.notes.push('--no-exec: no listen-socket checks and no connectivity probes'); }
  for (const f of disc.listFailures) {
    if (f.status === 404 && /opentelemetrycollectors|instrumentations/.test(f.resource)) {
      continue; // CRD not installed: nothing to read
    }
    const ref = (RESOURCES as Record<string, { group: string; resource: string } | undefined>)[f.resource];
    const group = ref?.group ?? (f.resource.includes('.') ? 'opentelemetry.io' : '');
    const resource = ref?.resource ?? f.resource.split('.')[0];
    snap.incomplete.push({ check: `list-${f.resource}`, reason: `cannot list ${resource}${f.namespace ? ` in ${f.namespace}` : ' cluster-wide'}: ${f.message}`, rbac: `- apiGroups: ["${group}"]\n  resources: ["${resource}"]\n  verbs: ["get", "list"]` });
  }

  const nsList = await disc.namespaces;
  if (nsList) { snap.namespaces = nsList.map((n) => ({ name: n.metadata.name, labels: n.metadata.labels ?? {} })); }

  snap.collectors = disc.collectors.map((c) => buildCollector(c, disc));
  snap.services = buildServices(disc, snap.collectors);
  const { crs, insts } = buildCRs(disc);
  snap.otelCollectorCRs = crs;
  snap.instrumentations = insts;
  snap.apps = disc.apps.map((a) => buildApp(a, disc));
  if (disc.sampling) {
    for (const a of snap.apps) { a.templatePods = disc.sampling.templatePods(a.namespace, a.pod); }
  }
  const requests = injectionRequests({ pods: disc.pods, workloads: disc.workloads, instrumentations: disc.instrumentations, instrumentationsListed: disc.instrumentationsListed, namespaces: nsList, operator: disc.operator, live: true });
  if (requests.length) { snap.injectionRequests = requests; }
  snap.notes.push(...agentNotes(disc.pods));
  const ignored = ignoreAnnotations(disc);
  if (ignored.ignores.length) { snap.ignores = ignored.ignores; }
  snap.notes.push(...ignored.notes);
  if (snap.collectors.length === 0) { snap.notes.push(`no collector found in ${opts.allNamespaces ? 'any namespace' : `namespace ${opts.namespace}`}${opts.collector ? ` named ${opts.collector}` : ''}`); }

  // ---- evidence: exec and logs, under one cap
  const tasks: Promise<void>[] = [];
  let total = 0;
  let done = 0;
  const tick = (phase: string): void => progress({ phase, done, total });
  const canExec = exec && access.exec;
  const canLogs = access.logs;

  // Collector logs first: sockets fall back to them. A socket check waits for its own pod's log only
  // when no socket tool ran, so the execs start as soon as the collector pods are known.
  const collectorLogs = new Map<string, Promise<LogEvidence | undefined>>();
  if (canLogs) {
    for (const c of snap.collectors) {
      total++;
      const read = run(async () => {
        const ev = await readLogEvidence(client, { namespace: c.namespace, pod: c.pod, container: c.container, role: 'collector' }, overall);
        snap.logs.push(ev);
        if (c.restarts > 0) {
          const prev = await readLogEvidence(client, { namespace: c.namespace, pod: c.pod, container: c.container, role: 'collector', previous: true }, overall);
          if (!prev.error) { snap.logs.push(prev); }
        }
        done++;
        tick('Reading logs');
        return ev;
      });
      collectorLogs.set(`${c.namespace}/${c.pod}`, read);
      tasks.push(read.then(() => undefined));
    }
  }
  const logsRead = Promise.all(tasks.splice(0));

  if (canExec) {
    for (const [i, c] of snap.collectors.entries()) {
      total++;
      tasks.push(
        (async () => {
          const spec = disc.collectors[i].pod.spec;
          const images = Object.fromEntries([...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].map((k: KObject) => [String(k?.name ?? ''), String(k?.image ?? '')]));
          // With --debug-container every container is tried even when its image is known FROM scratch: only
          // an exec's own answer (403 or not) can tell whether exec is refused, and a refused one must never
          // be followed by an ephemeral container, which stays in the pod until the pod is deleted.
          const so = { client, namespace: c.namespace, pod: c.pod, container: c.container, siblings: c.siblingContainers ?? [], ...(opts.debugImage ? {} : { images }), timeoutMs: execTimeoutMs, signal: overall, run };
          let ev = await listenSockets(so);
          if (ev.method === 'none' && opts.debugImage && !/Forbidden/.test(ev.reason ?? '')) {
            const podObject = disc.collectors[i].pod;
            const dbg = await listenSocketsViaDebugContainer({ ...so, image: opts.debugImage, podObject });
            if (dbg.added) { snap.notes.push(`added ephemeral container ${dbg.added} (${opts.debugImage}) to pod ${c.namespace}/${c.pod}; it stays in the pod spec until the pod is deleted`); }
            ev = dbg.evidence.method === 'none' ? { ...ev, reason: `${ev.reason}; ${dbg.evidence.reason}` } : dbg.evidence;
          }
          if (ev.method === 'none') {
            const log = await collectorLogs.get(`${c.namespace}/${c.pod}`);
            const fromLog = log ? listenersFromLog(log) : [];
            if (fromLog.length) {
              snap.collectors[i].listeners = {
                method: 'log',
                container: c.container,
                sockets: fromLog,
                reason: `no socket check ran (${ev.reason}); addresses from the collector's startup log`,
                logAddressKind: atLeast(c.version, '0.133.0') ? 'bound' : 'configured',
              };
            } else {
              snap.collectors[i].listeners = ev;
            }
          } else {
            snap.collectors[i].listeners = ev;
          }
          done++;
          tick(`Checking sockets of ${snap.collectors.length} collector pods`);
        })(),
      );
    }
  } else if (canLogs) {
    await logsRead;
    for (const c of snap.collectors) {
      const log = await collectorLogs.get(`${c.namespace}/${c.pod}`);
      const fromLog = log ? listenersFromLog(log) : [];
      if (fromLog.length) { c.listeners = { method: 'log', container: c.container, sockets: fromLog, reason: exec ? 'exec not permitted' : '--no-exec', logAddressKind: atLeast(c.version, '0.133.0') ? 'bound' : 'configured' }; }
    }
  }
  // The collectors' own metrics (gather/metrics.ts), alongside the exec phase: pods to read are chosen by their logs.
  tasks.push(
    // At the head of the queue: queued after the collector logs, they would otherwise wait behind every probe.
    logsRead.then(() => readCollectorMetrics(client, snap.collectors, snap.logs, { run: (fn) => run(fn, true), signal: overall })).then((m) => {
      snap.permissions?.reviews.push(...m.reviews);
      snap.incomplete.push(...m.incomplete);
    }),
  );
  // The operator's own account of an annotation it could not serve (instrumentation-not-injected).
  if (canLogs && snap.injectionRequests?.some((r) => r.selectError)) {
    for (const o of operatorManagers(disc.pods)) { snap.logs.push(await readLogEvidence(client, { ...o, role: 'operator' }, overall)); }
  }

  // One pod (or --max-pods-per-workload) per distinct path probes and is read, plus a bounded sample; the
  // other apps on that path point at it (probedBy) and each probe says how many it stands for.
  const planned = snap.apps.map((app, i) => planProbes(app, disc.apps[i], disc, snap.services));
  const paths = pathContext(snap.services, disc.networkPolicies, snap.namespaces, {
    policyListFailures: disc.listFailures.filter((f) => f.resource === 'networkpolicies'),
    addresses: [...snap.collectors.flatMap((c) => [c.podIP, c.hostIP]), ...snap.apps.map((a) => a.hostIP)],
    apiGroups: await apiGroupsP,
  });
  if (paths.otherPolicyGroups?.length || !paths.otherPolicyGroups) {
    snap.notes.push(paths.otherPolicyGroups
      ? `each namespace probes for itself: this cluster serves network policy APIs otel-doctor does not read (${paths.otherPolicyGroups.join(', ')}), which may treat namespaces differently`
      : 'each namespace probes for itself: API discovery (GET /apis) failed, so network policy APIs otel-doctor does not read cannot be ruled out');
  }
  const groups = groupProbes(snap.apps, snap.apps.map((app, i) => pathKey(app, planned[i], paths, podDnsKey(disc.apps[i]?.pod?.spec))), { perGroup: opts.maxPodsPerWorkload });
  const standsFor = new Map<number, NonNullable<ProbeRecord['standsFor']>>();
  for (const g of groups) {
    const pods = new Set(g.members.map((i) => `${snap.apps[i].namespace}/${snap.apps[i].pod}`));
    const podTotal = [...pods].reduce((n, k) => n + (disc.sampling?.templatePods(k.slice(0, k.indexOf('/')), k.slice(k.indexOf('/') + 1)) ?? 1), 0);
    const s = { apps: g.members.length, pods: podTotal, workloads: g.workloads, ...(g.namespaces > 1 ? { namespaces: g.namespaces } : {}) };
    for (const i of g.probing) { standsFor.set(i, s); }
    for (const i of g.members) {
      if (g.probing.includes(i)) { continue; }
      // The closest prober speaks for it: of its own workload, else of its namespace, else the group's first.
      const a = snap.apps[i];
      const probers = g.probing.map((j) => snap.apps[j]);
      const prober = probers.find((p) => p.namespace === a.namespace && p.workload?.name === a.workload?.name && p.workload?.kind === a.workload?.kind && a.workload)
        ?? probers.find((p) => p.namespace === a.namespace) ?? probers[0];
      if (prober) { a.probedBy = { namespace: prober.namespace, pod: prober.pod, container: prober.container }; }
    }
  }
  const selected = groups.flatMap((g) => g.probing).sort((a, b) => a - b);
  snap.sampling = {
    ...(disc.sampling ? { pods: disc.sampling.pods, templates: disc.sampling.templates, podsRead: disc.sampling.podsRead, collectors: disc.sampling.collectors } : {}),
    apps: snap.apps.length,
    probeGroups: groups.length,
    probePods: new Set(selected.map((i) => `${snap.apps[i].namespace}/${snap.apps[i].pod}`)).size,
  };
  if (disc.sampling) {
    snap.notes.push(`${disc.sampling.pods} pods read by template: one pod for each of ${disc.sampling.templates} templates (${disc.sampling.podsRead} read, the others made from their owner's template), ${snap.sampling.probePods} pods probing for ${snap.apps.length} app containers on ${groups.length} distinct paths`);
  }

  if (canExec) {
    const podsToProbe = selected.length;
    let probed = 0;
    // Pods with more targets first: a kit lasts as long as its slowest target, and a pod gets more targets
    // where its path is in doubt (a Service port that does not exist is probed on the Service too).
    const byWork = [...selected].sort((a, b) => planned[b].filter((p) => p.parsed.ok).length - planned[a].filter((p) => p.parsed.ok).length || a - b);
    for (const idx of byWork) {
      const app = snap.apps[idx];
      const plans = planned[idx];
      const stands = standsFor.get(idx);
      const from = { namespace: app.namespace, pod: app.pod, container: app.container, ...(app.workload ? { workload: app.workload } : {}) };
      const valid = plans.filter((p) => p.parsed.ok);
      for (const p of plans) {
        if (!p.parsed.ok) {
          // Malformed values are recorded, never probed: nothing from them reaches a command.
          snap.probes.push({ from, target: { kind: p.kind, host: '', port: 0, ...(p.endpoint !== undefined ? { endpoint: p.endpoint } : {}), ...(p.signal ? { signal: p.signal } : {}), ...(p.ref ? { ref: p.ref } : {}) }, result: 'not-run', reason: `malformed endpoint: ${p.parsed.reason}`, notRun: { reason: 'malformed-endpoint', detail: p.parsed.reason }, ...(stands && stands.apps > 1 ? { standsFor: stands } : {}) });
        }
      }
      if (valid.length === 0) {
        continue;
      }
      total++;
      tasks.push(
        run(async () => {
          const ctx = { client, namespace: app.namespace, pod: app.pod, container: app.container, signal: overall };
          // One exec per pod for all its targets when it has a shell (see PROBE_KIT).
          const results = await probeAll(ctx, valid.map((p) => (p.parsed.ok ? p.parsed.target : { host: '', port: 0 })));
          for (const [k, p] of valid.entries()) {
            if (!p.parsed.ok) {
              continue;
            }
            const r = results[k];
            snap.probes.push({
              from,
              target: { kind: p.kind, host: p.parsed.target.host, port: p.parsed.target.port, ...(p.ref ? { ref: p.ref } : {}), ...(p.endpoint !== undefined ? { endpoint: p.endpoint } : {}), ...(p.signal ? { signal: p.signal } : {}) },
              ...(r.tool ? { method: probeMethod(r.tool) } : {}),
              result: r.outcome,
              reason: r.detail,
              ...(r.notRun ? { notRun: r.notRun } : {}),
              ...(r.argv ? { argv: r.argv } : {}),
              durationMs: r.durationMs,
              ...(r.otlp ? { otlp: r.otlp } : {}),
              ...(stands && stands.apps > 1 ? { standsFor: stands } : {}),
            });
          }
          probed++;
          done++;
          tick(`Probing ${groups.length} paths of ${snap.apps.length} apps from ${snap.sampling?.probePods ?? podsToProbe} pods ${probed}/${podsToProbe}`);
        }),
      );
    }
  } else if (!exec) {
    snap.incomplete.push({ check: 'probes', reason: '--no-exec: connectivity was not probed and listen sockets were not read', remedy: 'run without --no-exec' });
  }

  // App logs after the probes in the queue: a log read is one short GET, a probe kit lasts its slowest target.
  if (canLogs) {
    for (const idx of selected) {
      const app = snap.apps[idx];
      total++;
      tasks.push(
        run(async () => {
          snap.logs.push(await readLogEvidence(client, { namespace: app.namespace, pod: app.pod, container: app.container, role: 'app' }, overall));
          done++;
          tick('Reading logs');
        }),
      );
    }
  }

  await Promise.all(tasks);
  snap.incomplete.push(...probeGaps(snap.probes));
  if (overall?.aborted) {
    snap.incomplete.push({ check: 'timeout', reason: `the diagnosis hit --timeout (${opts.timeoutMs} ms): some probes or logs are missing`, remedy: 'raise --timeout or lower the scope (-n, -l, --collector)' });
  }
  // Stable order: the same cluster gives the same snapshot, whatever finished first.
  snap.logs.sort((a, b) => `${a.namespace}/${a.pod}/${a.container}/${a.previous ? 1 : 0}`.localeCompare(`${b.namespace}/${b.pod}/${b.container}/${b.previous ? 1 : 0}`));
  snap.probes.sort((a, b) => `${a.from.namespace}/${a.from.pod}/${a.target.kind}/${a.target.host}:${a.target.port}`.localeCompare(`${b.from.namespace}/${b.from.pod}/${b.target.kind}/${b.target.host}:${b.target.port}`));
  return snap;
}

