/**
 * The list calls of a diagnosis: per namespace or cluster-wide, never a get per pod, so API requests grow
 * with namespaces, not pods. What they return is assembled by discover.ts.
 */
import type { ClusterClient, KObject, ResourceName } from '../cluster/types.ts';
import { ApiError } from '../errors.ts';
import { OPERATOR_DEPLOYMENT, operatorForCollector, operatorVersionFromImage } from '../otel/operator-data.ts';
import { compareVersions } from '../otel/version.ts';
import { assembleDiscovery, findCollectorPods, INJECT_ANNOTATION, SIDECAR_ANNOTATION, type CollectorCandidate, type Discovery } from './discover.ts';
import { limiter } from './limit.ts';
import { listClusterPods, madeFromTemplate, mutatingNamespace, nodePool, representatives, sampleCollectorPods, templateKey, type CollectorSample, type PodList, type TemplateIndex } from './templates.ts';

export interface DiscoverOptions {
  /** where collectors are looked for; undefined with allNamespaces */
  namespace: string;
  allNamespaces: boolean;
  appNamespaces: string[];
  /** label selector narrowing the app pods */
  selector?: string;
  /** only collectors whose workload, pod or CR has this name */
  collector?: string;
  /**
   * Whether the user may list pods cluster-wide: the access review's answer, or 'try': the cluster-wide list
   * goes out at once (beside the reviews, a round trip sooner) and a 403 narrows it to the namespaces.
   */
  canListClusterWide: boolean | 'try';
  /** --operator-version: no lookup of the operator's Deployment */
  operatorVersion?: string;
  signal?: AbortSignal;
  /** cap on concurrent reads of pods standing for their templates (large clusters) */
  concurrency?: number;
  onProgress?: (phase: string, done: number, total: number) => void;
}

export type OperatorInfo = NonNullable<Discovery['operator']>;

/** `--enable-multi-instrumentation[=bool]` as the manager runs with it (pflag: a bare flag is true). */
function multiFlag(args: unknown): boolean | undefined {
  if (!Array.isArray(args)) { return undefined; }
  let out: boolean | undefined;
  for (const a of args) {
    const m = typeof a === 'string' ? /^--enable-multi-instrumentation(?:=(\w+))?$/.exec(a) : null;
    if (m) { out = m[1] === undefined ? true : m[1].toLowerCase() === 'true'; }
  }
  return out;
}

/**
 * The operator's version from its own Deployment's `manager` image (the name and labels both install paths
 * give it: OPERATOR_DEPLOYMENT). One label-selected list, cluster-wide; where that is forbidden, one in the
 * default install namespace; else unknown, and the reason is the source.
 */
export async function findOperator(client: ClusterClient, signal?: AbortSignal): Promise<OperatorInfo> {
  const opts = { labelSelector: OPERATOR_DEPLOYMENT.labelSelector, signal };
  let found: KObject[];
  let where = 'cluster-wide';
  try {
    found = await client.list('deployments', opts);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 403) { return { version: null, source: `its Deployment could not be listed: ${e instanceof Error ? e.message : String(e)}` }; }
    where = `in ${OPERATOR_DEPLOYMENT.namespace}`;
    try {
      found = await client.list('deployments', { ...opts, namespace: OPERATOR_DEPLOYMENT.namespace });
    } catch (e2) {
      const why = e2 instanceof ApiError && e2.status === 403 ? 'forbidden' : e2 instanceof Error ? e2.message : String(e2);
      return { version: null, source: `deployments cannot be listed cluster-wide (forbidden) nor in ${OPERATOR_DEPLOYMENT.namespace} (${why})` };
    }
  }
  const seen: string[] = [];
  for (const d of found) {
    const containers: any[] = Array.isArray(d.spec?.template?.spec?.containers) ? d.spec.template.spec.containers : [];
    const manager = containers.find((c) => c?.name === OPERATOR_DEPLOYMENT.container) ?? containers.find((c) => typeof c?.image === 'string' && operatorVersionFromImage(c.image) !== null);
    if (typeof manager?.image !== 'string') { continue; }
    const at = `Deployment ${d.metadata.namespace}/${d.metadata.name}`;
    const version = operatorVersionFromImage(manager.image);
    const multi = multiFlag(manager.args);
    if (version) { return { version, source: `${at}, image ${manager.image}`, ...(multi !== undefined ? { multiInstrumentation: multi } : {}) }; }
    seen.push(`${at} runs ${manager.image}, which names no upstream release`);
  }
  return { version: null, source: seen.length ? seen.join('; ') : `no Deployment labelled ${OPERATOR_DEPLOYMENT.labelSelector} ${where}` };
}

/**
 * Where the operator's Deployment is out of sight, its CRs still tell: the operator writes into each CR's
 * status.version the collector release it ships (internal/status/collector/collector.go, and the upgrade
 * at start-up, pkg/collector/upgrade/upgrade.go), so the newest status names the earliest release that
 * can have written it; the running one is that or a later patch of it.
 */
export function operatorFromCRs(crs: KObject[], why: string): OperatorInfo | undefined {
  let best: { version: string; cr: KObject; status: string } | undefined;
  for (const cr of crs) {
    const status = cr.status?.version;
    const version = typeof status === 'string' ? operatorForCollector(status) : undefined;
    if (version && (!best || (compareVersions(version, best.version) ?? 0) > 0)) { best = { version, cr, status }; }
  }
  if (!best) { return undefined; }
  return { version: best.version, source: `${why}; OpenTelemetryCollector ${best.cr.metadata.namespace}/${best.cr.metadata.name} has status.version ${best.status}, the collector release of operator ${best.version}` };
}

/** Whether anything listed is the operator's doing: its collectors, its sidecars, or pods asking for instrumentation. */
function operatorInvolved(pods: KObject[]): boolean {
  return pods.some((p) => {
    if (p.metadata.labels?.['app.kubernetes.io/managed-by'] === 'opentelemetry-operator') { return true; }
    return Object.keys(p.metadata.annotations ?? {}).some((k) => INJECT_ANNOTATION.test(k) || k === SIDECAR_ANNOTATION);
  });
}

async function listIn(
  client: ClusterClient,
  resource: ResourceName,
  namespaces: string[] | 'cluster',
  failures: Discovery['listFailures'],
  signal?: AbortSignal,
  shape?: { metadataOnly?: boolean; keep?: (o: KObject) => KObject | undefined },
): Promise<KObject[]> {
  const one = async (ns?: string): Promise<KObject[]> => {
    try {
      if (shape && client.listPages) {
        // Page by page, each object cut down to what discovery reads before the next page is parsed.
        let out: KObject[] = [];
        await client.listPages(resource, { namespace: ns, signal, ...(shape.metadataOnly ? { metadataOnly: true } : {}) }, (items) => {
          for (const o of items) {
            const k = shape.keep ? shape.keep(o) : o;
            if (k) { out.push(k); }
          }
          return true;
        }, () => {
          out = [];
        });
        return out;
      }
      return await client.list(resource, { namespace: ns, signal });
    } catch (e) {
      if (e instanceof ApiError && (e.status === 403 || e.status === 404)) {
        failures.push({ resource, namespace: ns, status: e.status, reason: e.reason, message: e.message });
        return [];
      }
      throw e;
    }
  };
  if (namespaces === 'cluster') { return one(undefined); }
  const lists = await Promise.all([...new Set(namespaces)].map((ns) => one(ns)));
  return lists.flat();
}

/**
 * What discovery reads of a workload beside its pods: its metadata and its template's (annotations that
 * ask for instrumentation or ignore a rule). The pod spec comes from a real pod of the template.
 */
function workloadShape(o: KObject): KObject {
  const { managedFields: _m, ...metadata } = o.metadata as KObject['metadata'] & { managedFields?: unknown };
  return { kind: o.kind, apiVersion: o.apiVersion, metadata, spec: { selector: o.spec?.selector, replicas: o.spec?.replicas, template: { metadata: o.spec?.template?.metadata ?? {} } } };
}

/**
 * A pod owner kept with its whole template: its pods are made from it (templates.ts podFromTemplate), and
 * the revisions its status names, which tell whether a pod is of that template.
 */
function templateShape(o: KObject): KObject {
  const w = workloadShape(o);
  const st = o.status ?? {};
  const revisions = { ...(st.updateRevision ? { updateRevision: st.updateRevision } : {}), ...(st.currentRevision ? { currentRevision: st.currentRevision } : {}) };
  return { ...w, spec: { ...w.spec, template: o.spec?.template ?? {} }, ...(Object.keys(revisions).length ? { status: revisions } : {}) };
}

/** Objects already listed cluster-wide, narrowed to the namespaces a list in `scope` would have read. */
function inScope(list: KObject[] | undefined, scope: string[] | 'cluster'): KObject[] | undefined {
  if (!list || scope === 'cluster') { return list; }
  const ns = new Set(scope);
  return list.filter((o) => ns.has(o.metadata.namespace ?? 'default'));
}

/** Pods cluster-wide by template where there are many (templates.ts), else in full per namespace. */
/** undefined: forbidden cluster-wide while only trying (the caller narrows to namespaces) */
async function listPods(client: ClusterClient, scope: string[] | 'cluster', failures: Discovery['listFailures'], signal?: AbortSignal, onLarge?: () => void, onPods?: (pods: number) => void, trying = false): Promise<PodList | undefined> {
  if (scope !== 'cluster') { return { mode: 'full', pods: await listIn(client, 'pods', scope, failures, signal) }; }
  try {
    return await listClusterPods(client, signal, onLarge, onPods);
  } catch (e) {
    if (trying && e instanceof ApiError && e.status === 403) { return undefined; }
    if (e instanceof ApiError && (e.status === 403 || e.status === 404)) {
      failures.push({ resource: 'pods', status: e.status, reason: e.reason, message: e.message });
      return { mode: 'full', pods: [] };
    }
    throw e;
  }
}

/**
 * Collector pods that were made from their template (a one-replica gateway is no sample, a collector known
 * by its mounted config is found only now) are read for real: a collector's IP, readiness and restarts are
 * evidence, which a template does not have. A pod gone since the list gives way to another of its template;
 * with none left it is dropped. `pods` is updated in place; returns how many pods were read.
 */
export async function readMadeCollectors(client: ClusterClient, pods: KObject[], collectors: CollectorCandidate[], index: TemplateIndex, concurrency: number, signal?: AbortSignal): Promise<number> {
  const made = [...new Set(collectors.map((c) => c.pod).filter(madeFromTemplate))];
  if (made.length === 0 || !client.getObject) { return 0; }
  const at = new Map(pods.map((p, i) => [p, i]));
  const run = limiter(concurrency);
  const gone = new Set<number>();
  let read = 0;
  await Promise.all(made.map((p) => run(async () => {
    const i = at.get(p);
    if (i === undefined) { return; }
    const ns = p.metadata.namespace ?? 'default';
    const others = (index.groups.get(templateKey(p.metadata))?.running ?? []).filter((n) => n !== p.metadata.name);
    for (const name of [p.metadata.name, ...others.slice(0, 2)]) {
      try {
        pods[i] = await client.getObject!('pods', ns, name, { signal });
        read++;
        return;
      } catch (e) {
        if (!(e instanceof ApiError) || e.status !== 404) { throw e; }
      }
    }
    gone.add(i);
  })));
  if (gone.size) {
    const kept = pods.filter((_, i) => !gone.has(i));
    pods.length = 0;
    pods.push(...kept);
  }
  return read;
}

/** The ConfigMaps pods name, `namespace/name`: env (valueFrom, envFrom) and volumes (plain and projected). */
export function configMapRefs(pods: KObject[]): Set<string> {
  const out = new Set<string>();
  for (const p of pods) {
    const ns = p.metadata.namespace ?? 'default';
    const add = (name: unknown): void => {
      if (typeof name === 'string' && name) { out.add(`${ns}/${name}`); }
    };
    const containers: any[] = [...(Array.isArray(p.spec?.containers) ? p.spec.containers : []), ...(Array.isArray(p.spec?.initContainers) ? p.spec.initContainers : [])];
    for (const c of containers) {
      for (const e of Array.isArray(c?.env) ? c.env : []) { add(e?.valueFrom?.configMapKeyRef?.name); }
      for (const e of Array.isArray(c?.envFrom) ? c.envFrom : []) { add(e?.configMapRef?.name); }
    }
    for (const v of Array.isArray(p.spec?.volumes) ? p.spec.volumes : []) {
      add(v?.configMap?.name);
      for (const src of Array.isArray(v?.projected?.sources) ? v.projected.sources : []) { add(src?.configMap?.name); }
    }
  }
  return out;
}

/**
 * ConfigMaps where pods were read by template: one paginated list cluster-wide (a request per namespace
 * would grow with the cluster), keeping page by page only those the pods name, so memory does not grow with
 * the cluster's ConfigMaps. Forbidden cluster-wide, the namespaces' own lists, as a full diagnosis reads them.
 */
async function templateModeConfigMaps(client: ClusterClient, ns: string[], needed: Set<string>, failures: Discovery['listFailures'], signal?: AbortSignal): Promise<KObject[]> {
  const keep = (o: KObject): KObject | undefined => (needed.has(`${o.metadata.namespace ?? 'default'}/${o.metadata.name}`) ? o : undefined);
  const own: Discovery['listFailures'] = [];
  const all = await listIn(client, 'configmaps', 'cluster', own, signal, { keep });
  if (!own.some((f) => f.status === 403)) {
    failures.push(...own);
    return all;
  }
  return listIn(client, 'configmaps', ns, failures, signal, { keep });
}

/** Workloads outside `listed` namespaces with an inject annotation on their own metadata (none on their pods). */
async function misplacedInjectWorkloads(client: ClusterClient, scope: string[] | 'cluster', listed: Set<string>, signal?: AbortSignal): Promise<KObject[]> {
  const ignored: Discovery['listFailures'] = [];
  const where = scope === 'cluster' ? 'cluster' : scope.filter((n) => !listed.has(n));
  if (where !== 'cluster' && where.length === 0) { return []; }
  const lists = await Promise.all((['deployments', 'daemonsets', 'statefulsets'] as const).map((r) => listIn(client, r, where, ignored, signal).catch(() => [] as KObject[])));
  return lists.flat().filter((w) => !listed.has(w.metadata.namespace ?? 'default') && Object.keys(w.metadata.annotations ?? {}).some((k) => INJECT_ANNOTATION.test(k)));
}

export async function discover(client: ClusterClient, opts: DiscoverOptions): Promise<Discovery> {
  const failures: Discovery['listFailures'] = [];
  const sig = opts.signal;
  let clusterWide = opts.canListClusterWide !== false;
  const narrow = [...new Set([opts.namespace, ...opts.appNamespaces])];
  let podScope: string[] | 'cluster' = clusterWide ? 'cluster' : narrow;

  // Cluster-scoped lists that do not depend on what the pods show start at once.
  // Undefined (not an empty list) when namespaces cannot be listed: namespaceSelectors stay unjudged.
  const namespacesP = listIn(client, 'namespaces', 'cluster', failures, sig)
    .then((l) => (failures.some((f) => f.resource === 'namespaces') ? undefined : l), () => undefined);
  // Where pods are read by template, their owners (with templates) are listed beside the pod lists.
  let ownersP: Promise<[KObject[], KObject[], KObject[], KObject[]]> | undefined;
  const onLarge = () => {
    ownersP = Promise.all([
      listIn(client, 'replicasets', 'cluster', failures, sig, { keep: templateShape }),
      listIn(client, 'deployments', 'cluster', failures, sig, { keep: workloadShape }),
      listIn(client, 'daemonsets', 'cluster', failures, sig, { keep: templateShape }),
      listIn(client, 'statefulsets', 'cluster', failures, sig, { keep: templateShape }),
    ]);
    // Awaited once the pod lists are read; a failure before then (a deadline) must not go unhandled.
    ownersP.catch(() => undefined);
  };
  const onPods = (n: number) => opts.onProgress?.(`Listing pods by template (${n} so far)`, 0, 1);
  let podList = await listPods(client, podScope, failures, sig, onLarge, onPods, opts.canListClusterWide === 'try');
  if (!podList) {
    clusterWide = false;
    podScope = narrow;
    podList = (await listPods(client, podScope, failures, sig)) as PodList;
  }
  const note = clusterWide ? undefined : `cannot list pods cluster-wide: apps were looked for only in ${narrow.join(', ')} (add --app-namespace, or grant list on pods cluster-wide)`;
  const owners = ownersP ? await ownersP : undefined;
  let pods: KObject[];
  let sampling: Discovery['sampling'];
  let nodes: KObject[] = [];
  if (podList.mode === 'templates') {
    const progress = opts.onProgress ?? (() => undefined);
    const index = podList.index;
    progress(`Reading one pod per template (${index.groups.size} templates of ${index.pods} pods)`, 0, index.groups.size);
    const byOwner = new Map<string, KObject>();
    for (const [kind, list] of [['ReplicaSet', owners?.[0]], ['DaemonSet', owners?.[2]], ['StatefulSet', owners?.[3]]] as const) {
      for (const o of list ?? []) { byOwner.set(`${kind}/${o.metadata.namespace ?? 'default'}/${o.metadata.name}`, o); }
    }
    const mutatingNs = new Set(((await namespacesP) ?? []).filter(mutatingNamespace).map((n) => n.metadata.name));
    const reps0 = await representatives(client, index, Math.max(16, (opts.concurrency ?? 8) * 2), sig, (d, t) => progress(`Reading one pod per template (${t} templates of ${index.pods} pods)`, d, t), byOwner, (n) => mutatingNs.has(n));
    pods = reps0.pods;
    const collectorSamples: CollectorSample[] = [];
    // A collector workload is read pod by pod, but only the pods that can change a finding.
    const reps = findCollectorPods(pods, (p) => opts.allNamespaces || p.metadata.namespace === opts.namespace).filter((c) => !c.sidecar && index.podCount(templateKey(c.pod.metadata)) > 1);
    const hostMatters = (c: { pod: KObject; container: any }): boolean => c.pod.spec?.hostNetwork === true || (Array.isArray(c.container?.ports) && c.container.ports.some((p: any) => p?.hostPort));
    if (reps.some(hostMatters)) {
      nodes = await listIn(client, 'nodes', 'cluster', failures, sig, { metadataOnly: true });
    }
    const poolByNode = new Map(nodes.map((n) => [n.metadata.name, nodePool(n.metadata.labels)]));
    const have = new Map(pods.map((p, i) => [`${p.metadata.namespace}/${p.metadata.name}`, i]));
    for (const [i, c] of reps.entries()) {
      progress(`Sampling collector pods (${reps.length} collector templates)`, i, reps.length);
      const s = await sampleCollectorPods(client, c.pod, { hostMatters: hostMatters(c), poolOf: (n) => poolByNode.get(n) ?? '', signal: sig });
      collectorSamples.push(s.sample);
      for (const p of s.pods) {
        const k = `${p.metadata.namespace}/${p.metadata.name}`;
        const at = have.get(k);
        // The real pod replaces one made from its template: a collector's status and IP are evidence.
        if (at !== undefined) { pods[at] = p; } else {
          have.set(k, pods.length);
          pods.push(p);
        }
      }
    }
    const podsOf = new Map<string, number>();
    for (const p of pods) { podsOf.set(`${p.metadata.namespace}/${p.metadata.name}`, index.podCount(templateKey(p.metadata))); }
    sampling = { pods: index.pods, templates: index.groups.size, podsRead: reps0.read, collectors: collectorSamples, templatePods: (ns, name) => podsOf.get(`${ns}/${name}`) ?? 1 };
  } else {
    pods = podList.pods;
  }
  if (pods.length === 0 && failures.some((f) => f.resource === 'pods')) {
    // Nothing to diagnose without pods: the caller turns this into exit 3.
    const f = failures.find((x) => x.resource === 'pods')!;
    throw new ApiError(f.message, { status: f.status, reason: f.reason, path: 'pods' });
  }

  // Collectors first (their namespaces decide what else to list).
  const inCollectorScope = (p: KObject): boolean => opts.allNamespaces || p.metadata.namespace === opts.namespace;
  const collectorPods = findCollectorPods(pods, inCollectorScope);

  const collectorNamespaces = [...new Set(collectorPods.filter((c) => !c.sidecar).map((c) => c.pod.metadata.namespace ?? 'default'))];
  if (!opts.allNamespaces && !collectorNamespaces.includes(opts.namespace)) { collectorNamespaces.push(opts.namespace); }

  // Candidate apps: any container with OTEL_EXPORTER_OTLP_* (direct or via envFrom, resolved below) or an inject annotation.
  const candidateNamespaces = new Set<string>(collectorNamespaces);
  for (const pod of pods) {
    const ann = pod.metadata.annotations ?? {};
    const containers: any[] = Array.isArray(pod.spec?.containers) ? pod.spec.containers : [];
    const hasOtlp = containers.some(
      (c) => (Array.isArray(c?.env) && c.env.some((e: any) => typeof e?.name === 'string' && e.name.startsWith('OTEL_EXPORTER_OTLP_'))) || (Array.isArray(c?.envFrom) && c.envFrom.length > 0),
    );
    if (hasOtlp || Object.keys(ann).some((k) => INJECT_ANNOTATION.test(k) || k === SIDECAR_ANNOTATION)) { candidateNamespaces.add(pod.metadata.namespace ?? 'default'); }
  }
  const ns = [...candidateNamespaces];
  const scope: string[] | 'cluster' = clusterWide && opts.allNamespaces ? 'cluster' : ns;

  const operatorP: Promise<OperatorInfo | undefined> = opts.operatorVersion
    ? Promise.resolve({ version: opts.operatorVersion, source: '--operator-version' })
    : operatorInvolved(pods) ? findOperator(client, sig) : Promise.resolve(undefined);
  const [services, endpoints, endpointSlices, networkPolicies, configMapList, replicaSets, deployments, daemonSets, statefulSets, crsBeta, instrumentations] = await Promise.all([
    listIn(client, 'services', scope, failures, sig),
    listIn(client, 'endpoints', scope, failures, sig),
    listIn(client, 'endpointslices', scope, failures, sig),
    listIn(client, 'networkpolicies', scope, failures, sig),
    // Per namespace where apps or collectors are; one paginated list where pods were read by template (a
    // request per namespace would grow with the cluster).
    sampling && scope === 'cluster' ? templateModeConfigMaps(client, ns, configMapRefs(pods), failures, sig) : listIn(client, 'configmaps', ns, failures, sig),
    inScope(owners?.[0], scope) ?? listIn(client, 'replicasets', scope, failures, sig),
    inScope(owners?.[1], scope) ?? listIn(client, 'deployments', scope, failures, sig),
    inScope(owners?.[2], scope) ?? listIn(client, 'daemonsets', scope, failures, sig),
    inScope(owners?.[3], scope) ?? listIn(client, 'statefulsets', scope, failures, sig),
    listIn(client, 'opentelemetrycollectors.v1beta1', scope, failures, sig),
    listIn(client, 'instrumentations', scope, failures, sig),
  ]);
  let collectorCRs = crsBeta;
  if (failures.some((f) => f.resource === 'opentelemetrycollectors.v1beta1' && f.status === 404)) {
    // operator < 0.98 serves v1alpha1 only
    collectorCRs = await listIn(client, 'opentelemetrycollectors.v1alpha1', scope, failures, sig);
  }
  const looked = await operatorP;
  const operator = looked && !looked.version ? (operatorFromCRs(collectorCRs, looked.source) ?? looked) : looked;

  // Now that ConfigMaps are known, a container whose --config is a mounted collector config counts too.
  let withConfig = findCollectorPods(pods, inCollectorScope, configMapList);
  if (podList.mode === 'templates' && sampling) {
    const read = await readMadeCollectors(client, pods, withConfig, podList.index, Math.max(16, (opts.concurrency ?? 8) * 2), sig);
    if (read || withConfig.some((c) => madeFromTemplate(c.pod))) {
      sampling.podsRead += read;
      withConfig = findCollectorPods(pods, inCollectorScope, configMapList);
    }
  }
  // An inject annotation written on a workload's own metadata leaves its pods bare, so their namespace is no
  // candidate above: where the operator is at play, the workloads of every listed pod namespace are read for
  // it (instrumentation-not-injected). A list that fails here only leaves that case unseen.
  const misplaced = scope !== 'cluster' && (operator || instrumentations.length) ? await misplacedInjectWorkloads(client, podScope, new Set(ns), sig) : [];
  // Their namespaces' Instrumentations say what the annotation would select once moved.
  const extraNs = [...new Set(misplaced.map((w) => w.metadata.namespace ?? 'default'))];
  const extraFailures: Discovery['listFailures'] = [];
  if (extraNs.length) { instrumentations.push(...(await listIn(client, 'instrumentations', extraNs, extraFailures, sig))); }
  const instListed = new Set([...ns, ...(extraFailures.length ? [] : extraNs)]);
  const instrumentationsListed = failures.some((f) => f.resource === 'instrumentations') ? undefined : scope === 'cluster' ? () => true : (n: string) => instListed.has(n);
  const { configMaps, collectors, apps } = assembleDiscovery(
    { pods, collectorPods: withConfig, configMapList, replicaSets, deployments, daemonSets, statefulSets, collectorCRs, instrumentations, instrumentationsListed },
    { ...opts, ...(operator ? { operator } : {}) },
  );

  return {
    scope: { clusterWide, namespaces: podScope === 'cluster' ? [] : podScope, note },
    collectorNamespaces,
    appNamespaces: [...new Set(apps.map((a) => a.pod.metadata.namespace ?? 'default'))],
    collectors,
    apps,
    pods,
    services,
    endpoints,
    endpointSlices,
    networkPolicies,
    configMaps,
    collectorCRs,
    instrumentations,
    instrumentationsListed,
    ...(operator ? { operator } : {}),
    workloads: [...deployments, ...daemonSets, ...statefulSets, ...misplaced],
    nodes,
    namespaces: namespacesP,
    listFailures: failures,
    ...(sampling ? { sampling } : {}),
  };
}
