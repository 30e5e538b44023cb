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
import { CHART_APP_VERSION, CHART_DEFAULT_IMAGE_REPOSITORY, CHART_DEFAULTS, CHART_VERSION } from './helm-defaults.ts';
import { docStart, type InputError, type PathSeg, type SourceDoc } from './source.ts';

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

function isObj(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const CHART_MODES: unknown[] = ['deployment', 'daemonset', 'statefulset'];

function isCollectorConfig(v: Record<string, any>): boolean {
  return 'receivers' in v && 'service' in v;
}

/** Objects of one parsed document, or an error when the document is none of the shapes lint knows. */
export function objectsOf(sd: SourceDoc): { objects: LintObject[]; errors: InputError[] } {
  const v = sd.value;
  const at = (path: PathSeg[]): { line?: number; column?: number } => (path.length ? {} : docStart(sd));
  if (!isObj(v)) {
    return { objects: [], errors: [{ file: sd.file, ...at([]), message: `document ${sd.index + 1} is a ${Array.isArray(v) ? 'list' : typeof v}, not a Kubernetes object, collector config or Helm values map` }] };
  }
  if (typeof v.kind === 'string' && typeof v.apiVersion === 'string') {
    if (/List$/.test(v.kind) && Array.isArray(v.items)) {
      const objects: LintObject[] = [];
      const errors: InputError[] = [];
      v.items.forEach((item: unknown, i: number) => {
        const r = manifest(sd, item, ['items', i]);
        objects.push(...r.objects);
        errors.push(...r.errors);
      });
      return { objects, errors };
    }
    return manifest(sd, v, []);
  }
  if (isCollectorConfig(v)) { return { objects: bareConfig(sd, v), errors: [] }; }
  // The chart's schema requires only `mode` (and `apiVersion`, which has a default); without `config` the
  // chart's default config applies (charts/opentelemetry-collector/values.schema.json).
  if (typeof v.kind !== 'string' && ('config' in v ? 'mode' in v : CHART_MODES.includes(v.mode))) { return helmValues(sd, v); }
  const missing = typeof v.kind === 'string' ? 'has `kind` but no `apiVersion`' : typeof v.apiVersion === 'string' ? 'has `apiVersion` but no `kind`' : 'is not recognised';
  return {
    objects: [],
    errors: [{ file: sd.file, ...at([]), message: `document ${sd.index + 1} ${missing}: expected a Kubernetes manifest (apiVersion + kind), a collector config (receivers + service) or opentelemetry-collector Helm values (mode)` }],
  };
}

function manifest(sd: SourceDoc, v: unknown, base: PathSeg[]): { objects: LintObject[]; errors: InputError[] } {
  if (!isObj(v) || typeof v.kind !== 'string') { return { objects: [], errors: [] }; }
  if (!isObj(v.metadata) || typeof v.metadata.name !== 'string' || !v.metadata.name) {
    // generateName objects cannot be linked by name; they are still not an input error worth failing CI.
    if (isObj(v.metadata) && typeof v.metadata.generateName === 'string') { return { objects: [], errors: [] }; }
    return { objects: [], errors: [{ file: sd.file, ...docStart(sd), message: `${v.kind} without metadata.name` }] };
  }
  const obj = v as KObject;
  if (v.kind === 'OpenTelemetryCollector' && String(v.apiVersion).startsWith('opentelemetry.io/')) { return { objects: collectorCR(sd, obj, base), errors: [] }; }
  const origin: Origin = { sd, base, shape: 'manifest', ...(WORKLOAD_SPEC[v.kind] ? { podSpec: [...base, ...WORKLOAD_SPEC[v.kind]] } : {}) };
  return { objects: [{ obj, origin }], errors: [] };
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

function helmValues(sd: SourceDoc, values: Record<string, any>): { objects: LintObject[]; errors: InputError[] } {
  const mode = String(values.mode);
  if (!['deployment', 'daemonset', 'statefulset'].includes(mode)) {
    return { objects: [], errors: [{ file: sd.file, ...docStart(sd), message: `Helm values: mode must be deployment, daemonset or statefulset (got ${JSON.stringify(values.mode)})` }] };
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
  return { objects: out, errors: [] };
}
