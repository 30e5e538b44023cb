/**
 * Recognising documents by shape and turning each into the Kubernetes objects a cluster would hold: plain
 * manifests as they are (List items unpacked), OpenTelemetryCollector CRs into what the operator creates
 * (workload, config, Service, or a sidecar injected into annotated pods), Helm values of the upstream
 * collector chart into what the chart renders, and a bare collector config into a stand-alone collector.
 * Every object remembers where it came from, so findings point at the file, line and column.
 */
import { stringify } from 'yaml';
import type { KObject } from '../cluster/types.ts';
import { collectorCR } from './operator.ts';
import { CHART_APP_VERSION, CHART_DEFAULT_IMAGE_REPOSITORY, CHART_DEFAULTS, CHART_DISTINCT_KEYS, CHART_VALUE_KEYS, CHART_VERSION } from './helm-defaults.ts';
import { docStart, type InputError, type PathSeg, type Skipped, type SourceDoc } from './source.ts';
import { isObj } from './is-obj.ts';

// build.ts reaches the sidecar injection through here.
export { injectSidecars } from './operator.ts';

/** Where a (possibly synthesised) object is declared, and where its collector config lives. */
export interface Origin {
  sd: SourceDoc;
  /** path of the object in its document ([] or ['items', i]) */
  base: PathSeg[];
  shape: 'manifest' | 'collector-cr' | 'helm-values' | 'collector-config';
  /** path of the pod spec inside the object, when the object is written (not synthesised) */
  podSpec?: PathSeg[];
  /** the collector config: a path to an object, or to a string holding YAML (embedded) */
  config?: { path: PathSeg[]; embedded: boolean };
  /** the file the object is linked as part of, when not sd.file: the kustomization that rendered it */
  unit?: string;
}

export interface LintObject {
  obj: KObject;
  origin: Origin;
}

const WORKLOAD_SPEC: Record<string, PathSeg[]> = {
  Deployment: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  Pod: ['spec'],
};
export const WORKLOAD_KINDS = Object.keys(WORKLOAD_SPEC);

const CHART_MODES: unknown[] = ['deployment', 'daemonset', 'statefulset'];

/**
 * A collector config: `service` with receivers or exporters beside it (the top-level keys of the collector's
 * config, otelcol.Config). One without receivers is still judged: collector-config-invalid says why it fails.
 */
function isCollectorConfig(v: Record<string, any>): boolean {
  return 'service' in v && ('receivers' in v || 'exporters' in v) && (v.service === null || isObj(v.service));
}

/** Every top-level key is one of the chart's (its schema allows no other) and one of them is only the chart's. */
function chartShaped(v: Record<string, any>): boolean {
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => CHART_VALUE_KEYS.has(k)) && (CHART_DISTINCT_KEYS.some((k) => k in v) || (isObj(v.config) && isCollectorConfig(v.config)));
}

export interface ShapeResult {
  objects: LintObject[];
  errors: InputError[];
  /** documents that are not for otel-doctor (a CI workflow, another chart's values): named in a note */
  skipped: Skipped[];
}

/** Why a well-formed document is not for otel-doctor, as specific as its shape allows. */
function notForUs(v: unknown): string {
  if (!isObj(v)) { return `a ${Array.isArray(v) ? 'list' : typeof v}, not a map`; }
  if (typeof v.kind === 'string') { return '`kind` without `apiVersion`'; }
  if (typeof v.apiVersion === 'string') {
    if (typeof v.name === 'string' && 'version' in v) { return 'Helm chart metadata (Chart.yaml)'; }
    return '`apiVersion` without `kind`';
  }
  if ('jobs' in v && ('on' in v || 'true' in v)) { return 'a GitHub Actions workflow'; }
  if (isObj(v.services) && Object.values(v.services).some((x) => isObj(x) && ('image' in x || 'build' in x))) { return 'a Compose file'; }
  return 'none of: a Kubernetes object (apiVersion + kind), a collector config (service + receivers/exporters), values of the opentelemetry-collector chart';
}

/**
 * Objects of one parsed document. A document of another kind of YAML (a CI workflow, a Compose file,
 * another chart's values) is skipped with its reason; an error is only what is broken for its own kind.
 */
export function objectsOf(sd: SourceDoc): ShapeResult {
  const v = sd.value;
  const skip = (reason: string): ShapeResult => ({ objects: [], errors: [], skipped: [{ file: sd.file, ...docStart(sd), reason: `document ${sd.index + 1}: ${reason}` }] });
  if (!isObj(v)) { return skip(notForUs(v)); }
  if (typeof v.kind === 'string' && typeof v.apiVersion === 'string') {
    if (/List$/.test(v.kind) && Array.isArray(v.items)) {
      const out: ShapeResult = { objects: [], errors: [], skipped: [] };
      v.items.forEach((item: unknown, i: number) => {
        const r = manifest(sd, item, ['items', i]);
        out.objects.push(...r.objects);
        out.skipped.push(...r.skipped);
      });
      return out;
    }
    return manifest(sd, v, []);
  }
  if (isCollectorConfig(v)) { return { objects: bareConfig(sd, v), errors: [], skipped: [] }; }
  // The chart's schema requires `mode` (and `apiVersion`, which has a default); without `config` the
  // chart's default config applies (charts/opentelemetry-collector/values.schema.json).
  if (typeof v.kind !== 'string' && CHART_MODES.includes(v.mode)) { return helmValues(sd, v); }
  if (typeof v.kind !== 'string' && chartShaped(v)) {
    if (v.mode === undefined || v.mode === '') {
      // NOTES.txt fails the install without a mode: this is an overlay for `-f`, lintable only merged.
      return skip('values of the opentelemetry-collector chart without `mode` (the chart refuses them alone: "\'mode\' must be set"); lint the values file that sets mode, merged with this one');
    }
    return { objects: [], errors: [{ file: sd.file, ...docStart(sd), message: `Helm values: mode must be deployment, daemonset or statefulset (got ${JSON.stringify(v.mode)})` }], skipped: [] };
  }
  return skip(notForUs(v));
}

function manifest(sd: SourceDoc, v: unknown, base: PathSeg[]): ShapeResult {
  if (!isObj(v) || typeof v.kind !== 'string') { return { objects: [], errors: [], skipped: [] }; }
  if (!isObj(v.metadata) || typeof v.metadata.name !== 'string' || !v.metadata.name) {
    // generateName objects cannot be linked by name; they are still not an input error worth failing CI.
    if (isObj(v.metadata) && typeof v.metadata.generateName === 'string') { return { objects: [], errors: [], skipped: [] }; }
    // The API server refuses an object with neither ("name or generateName is required"), so this is no
    // object to apply but a pattern: a test's assert file, a partial object in docs.
    const where = base.length ? `item ${Number(base[1]) + 1} of document ${sd.index + 1}` : `document ${sd.index + 1}`;
    return { objects: [], errors: [], skipped: [{ file: sd.file, ...docStart(sd), reason: `${where}: ${v.kind} without metadata.name or generateName (a partial object, as in a test's assert file): not applicable, so not linted` }] };
  }
  const obj = v as KObject;
  if (v.kind === 'OpenTelemetryCollector' && String(v.apiVersion).startsWith('opentelemetry.io/')) { return { objects: collectorCR(sd, obj, base), errors: [], skipped: [] }; }
  const origin: Origin = { sd, base, shape: 'manifest', ...(WORKLOAD_SPEC[v.kind] ? { podSpec: [...base, ...WORKLOAD_SPEC[v.kind]] } : {}) };
  return { objects: [{ obj, origin }], errors: [], skipped: [] };
}

/**
 * An object another tool rendered (kustomize), located in the source document `sd` at `base` that declares
 * it, and linked as part of `unit`.
 */
export function renderedObject(sd: SourceDoc, v: unknown, base: PathSeg[], unit: string): ShapeResult {
  const r = manifest(sd, v, base);
  for (const o of r.objects) { o.origin.unit = unit; }
  return r;
}

/** The pod a workload's template would create (named after the workload: lint has no pods). */
export function podOf(o: LintObject): KObject | undefined {
  const kind = o.obj.kind ?? '';
  if (kind === 'Pod') { return o.obj; }
  const path = WORKLOAD_SPEC[kind];
  if (!path) { return undefined; }
  let tpl: any = o.obj;
  for (const seg of path.slice(0, -1)) { tpl = tpl?.[seg]; }
  if (!isObj(tpl)) { return undefined; }
  const ns = o.obj.metadata.namespace ?? 'default';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: o.obj.metadata.name,
      namespace: ns,
      labels: isObj(tpl.metadata?.labels) ? tpl.metadata.labels : {},
      annotations: isObj(tpl.metadata?.annotations) ? tpl.metadata.annotations : {},
      ownerReferences: [{ apiVersion: String(o.obj.apiVersion ?? ''), kind, name: o.obj.metadata.name, uid: '', controller: true }],
    },
    spec: isObj(tpl.spec) ? tpl.spec : {},
  } as KObject;
}

/** ---------------------------------------------------------------- bare collector config */

function bareConfig(sd: SourceDoc, cfg: Record<string, any>): LintObject[] {
  const name = `${sd.file}${sd.index ? `#${sd.index + 1}` : ''}`;
  const pod: KObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      labels: {},
      ownerReferences: [{ apiVersion: 'v1', kind: 'CollectorConfig', name, uid: '', controller: true }],
    },
    // An image without a tag: the version is unknown, so --collector-version decides the defaults.
    spec: { containers: [{ name: 'otelcol', image: 'otelcol', args: ['--config=env:OTEL_DOCTOR_LINT_CONFIG'], env: [{ name: 'OTEL_DOCTOR_LINT_CONFIG', value: stringify(cfg) }] }] },
  };
  return [{ obj: pod, origin: { sd, base: [], shape: 'collector-config', config: { path: [], embedded: false } } }];
}

/** ---------------------------------------------------------------- Helm values */

/** Helm's value merge: maps deep, anything else replaced, `null` removes the key. */
export function helmMerge(base: any, over: any): any {
  if (!isObj(base) || !isObj(over)) { return over === undefined ? base : over; }
  const out: Record<string, any> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) { delete out[k]; } else { out[k] = k in base ? helmMerge(base[k], v) : v; }
  }
  return out;
}

function helmValues(sd: SourceDoc, values: Record<string, any>): ShapeResult {
  const mode = String(values.mode);
  if (!['deployment', 'daemonset', 'statefulset'].includes(mode)) {
    return { objects: [], errors: [{ file: sd.file, ...docStart(sd), message: `Helm values: mode must be deployment, daemonset or statefulset (got ${JSON.stringify(values.mode)})` }], skipped: [] };
  }
  const v = helmMerge(CHART_DEFAULTS, values);
  const cfg = isObj(values.alternateConfig) && Object.keys(values.alternateConfig).length ? values.alternateConfig : v.config;
  const release = 'release';
  const fullname = typeof values.fullnameOverride === 'string' && values.fullnameOverride ? values.fullnameOverride : `${release}-opentelemetry-collector`;
  const ns = typeof values.namespaceOverride === 'string' && values.namespaceOverride ? values.namespaceOverride : 'default';
  const component = mode === 'daemonset' ? 'agent-collector' : mode === 'statefulset' ? 'statefulset-collector' : 'standalone-collector';
  const selector = { 'app.kubernetes.io/name': 'opentelemetry-collector', 'app.kubernetes.io/instance': release, component };
  const labels = { 'helm.sh/chart': `opentelemetry-collector-${CHART_VERSION}`, 'app.kubernetes.io/name': 'opentelemetry-collector', 'app.kubernetes.io/instance': release, 'app.kubernetes.io/managed-by': 'Helm' };
  const repo = v.image?.repository || CHART_DEFAULT_IMAGE_REPOSITORY;
  const image = v.image?.digest ? `${repo}@${v.image.digest}` : `${repo}:${v.image?.tag || CHART_APP_VERSION}`;
  const ports = Object.entries(isObj(v.ports) ? v.ports : {}).filter(([, p]) => isObj(p) && p.enabled);
  const container = {
    name: 'opentelemetry-collector',
    image,
    args: ['--config=/conf/relay.yaml', ...(Array.isArray(v.command?.extraArgs) ? v.command.extraArgs : [])],
    ports: ports.map(([name, p]: [string, any]) => ({ name, containerPort: p.containerPort, protocol: p.protocol ?? 'TCP', ...(mode === 'daemonset' && p.hostPort ? { hostPort: p.hostPort } : {}) })),
    env: [{ name: 'MY_POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } }, ...(Array.isArray(v.extraEnvs) ? v.extraEnvs : [])],
    ...(isObj(v.livenessProbe) && Object.keys(v.livenessProbe).length ? { livenessProbe: v.livenessProbe } : {}),
    ...(isObj(v.readinessProbe) && Object.keys(v.readinessProbe).length ? { readinessProbe: v.readinessProbe } : {}),
    volumeMounts: [{ name: 'opentelemetry-collector-configmap', mountPath: '/conf' }],
  };
  const kind = mode === 'daemonset' ? 'DaemonSet' : mode === 'statefulset' ? 'StatefulSet' : 'Deployment';
  const existing = typeof v.configMap?.existingName === 'string' && v.configMap.existingName ? v.configMap.existingName : undefined;
  const cmName = existing ?? fullname;
  const origin: Origin = { sd, base: [], shape: 'helm-values', config: { path: ['config'], embedded: false } };
  const synth = (o: KObject): LintObject => ({ obj: o, origin });
  const out: LintObject[] = [
    synth({
      apiVersion: 'apps/v1',
      kind,
      metadata: { name: fullname, namespace: ns, labels },
      spec: {
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...selector, ...(isObj(v.podLabels) ? v.podLabels : {}) }, annotations: isObj(v.podAnnotations) ? v.podAnnotations : {} },
          spec: {
            // The chart's extraContainers / initContainers share the pod: same-pod clients of a loopback receiver.
            containers: [container, ...(Array.isArray(v.extraContainers) ? v.extraContainers.filter(isObj) : [])],
            ...(Array.isArray(v.initContainers) && v.initContainers.length ? { initContainers: v.initContainers.filter(isObj) } : {}),
            volumes: [{ name: 'opentelemetry-collector-configmap', configMap: { name: cmName, items: [{ key: 'relay', path: 'relay.yaml' }] } }],
            ...(v.hostNetwork === true ? { hostNetwork: true } : {}),
          },
        },
      },
    }),
  ];
  if (!existing && v.configMap?.create !== false) { out.push(synth({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: fullname, namespace: ns, labels }, data: { relay: stringify(cfg ?? {}) } })); }
  const svc = isObj(v.service) ? v.service : {};
  const serviceOn = svc.enabled === true || (svc.enabled === undefined && mode !== 'daemonset');
  if (serviceOn) {
    out.push(
      synth({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: fullname, namespace: ns, labels: { ...labels, component } },
        spec: {
          type: svc.type ?? 'ClusterIP',
          selector,
          ports: ports.map(([name, p]: [string, any]) => ({ name, port: p.servicePort, targetPort: p.containerPort, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) })),
          internalTrafficPolicy: svc.internalTrafficPolicy ?? (mode === 'daemonset' ? 'Local' : 'Cluster'),
        },
      }),
    );
  }
  return { objects: out, errors: [], skipped: [] };
}
