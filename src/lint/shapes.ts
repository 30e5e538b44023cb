/**
 * Recognising documents by shape and turning each into the Kubernetes objects a cluster would hold: plain
 * manifests as they are (List items unpacked), OpenTelemetryCollector CRs into what the operator creates
 * (workload, config, Service, or a sidecar injected into annotated pods), Helm values of the upstream
 * collector chart into what the chart renders, and a bare collector config into a stand-alone collector.
 * Every object remembers where it came from, so findings point at the file, line and column.
 */
import { parse as yamlParse, stringify } from 'yaml';
import type { KObject } from '../cluster/types.ts';
import { CHART_APP_VERSION, CHART_DEFAULT_IMAGE_REPOSITORY, CHART_DEFAULTS, CHART_VERSION } from './helm-defaults.ts';
import { docStart, type InputError, type PathSeg, type SourceDoc } from './source.ts';

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

/** ---------------------------------------------------------------- operator CRs */

const DEFAULT_PORTS: Record<string, Record<string, number>> = {
  otlp: { grpc: 4317, http: 4318 },
  jaeger: { grpc: 14250, thrift_http: 14268, thrift_compact: 6831, thrift_binary: 6832 },
  zipkin: { '': 9411 },
};

function portOf(endpoint: unknown): number | undefined {
  const m = typeof endpoint === 'string' ? /:(\d+)\s*$/.exec(endpoint) : null;
  return m ? Number(m[1]) : undefined;
}

/** The ports the operator opens for a config's receivers (its port parsers, simplified to the common ones). */
function receiverPorts(cfg: Record<string, any> | null): { name: string; port: number }[] {
  const out: { name: string; port: number }[] = [];
  const receivers = isObj(cfg?.receivers) ? cfg!.receivers : {};
  for (const [id, r] of Object.entries(receivers)) {
    const type = id.split('/')[0];
    const base = id.replace(/[^a-z0-9-]/gi, '-').toLowerCase();
    if (isObj(r) && isObj(r.protocols)) {
      for (const [proto, p] of Object.entries(r.protocols)) {
        const port = portOf(isObj(p) ? p.endpoint : undefined) ?? DEFAULT_PORTS[type]?.[proto];
        if (port) { out.push({ name: `${base}-${proto.replace(/_/g, '-')}`.slice(0, 15), port }); }
      }
    } else {
      const port = portOf(isObj(r) ? r.endpoint : undefined) ?? DEFAULT_PORTS[type]?.[''];
      if (port) { out.push({ name: base.slice(0, 15), port }); }
    }
  }
  return out.filter((p, i) => out.findIndex((x) => x.port === p.port) === i);
}

function healthProbe(cfg: Record<string, any> | null): any {
  const exts: unknown = cfg?.service?.extensions;
  if (!Array.isArray(exts)) { return undefined; }
  const id = exts.find((e) => typeof e === 'string' && e.split('/')[0] === 'health_check');
  if (!id) { return undefined; }
  const hc = cfg?.extensions?.[id];
  return { httpGet: { path: (isObj(hc) && typeof hc.path === 'string' && hc.path) || '/', port: portOf(isObj(hc) ? hc.endpoint : undefined) ?? 13133 } };
}

/** The collector's own metrics port, as the operator's otelconfig.MetricsEndpoint reads it (default 8888). */
function metricsPort(cfg: Record<string, any> | null): number {
  const metrics = cfg?.service?.telemetry?.metrics;
  const fromAddress = isObj(metrics) ? portOf(metrics.address) : undefined;
  const reader = isObj(metrics) && Array.isArray(metrics.readers) ? metrics.readers.find((r: any) => isObj(r?.pull?.exporter?.prometheus)) : undefined;
  const fromReader = reader ? Number(reader.pull.exporter.prometheus.port) || undefined : undefined;
  return fromAddress ?? fromReader ?? 8888;
}

function collectorCR(sd: SourceDoc, cr: KObject, base: PathSeg[]): LintObject[] {
  const ns = cr.metadata.namespace ?? 'default';
  const name = cr.metadata.name;
  const spec = isObj(cr.spec) ? cr.spec : {};
  const raw = spec.config;
  let cfg: Record<string, any> | null = null;
  let text = '';
  if (typeof raw === 'string') {
    text = raw;
  } else if (isObj(raw)) {
    cfg = raw;
    text = stringify(raw);
  }
  if (cfg === null && text) {
    try {
      const p = yamlParse(text, { maxAliasCount: 100 });
      cfg = isObj(p) ? p : null;
    } catch {
      cfg = null; // collector-config-invalid reports it from the config text
    }
  }
  const origin: Origin = { sd, base, shape: 'collector-cr', config: { path: [...base, 'spec', 'config'], embedded: typeof raw === 'string' } };
  const out: LintObject[] = [{ obj: cr, origin }];
  const mode = String(spec.mode ?? 'deployment').toLowerCase();
  if (mode === 'sidecar') {
    return out; // injected into annotated pods by injectSidecars()
  }
  const full = `${name}-collector`;
  const labels = {
    'app.kubernetes.io/managed-by': 'opentelemetry-operator',
    'app.kubernetes.io/instance': `${ns}.${name}`,
    'app.kubernetes.io/component': 'opentelemetry-collector',
    'app.kubernetes.io/name': full,
    'app.kubernetes.io/part-of': 'opentelemetry',
  };
  const ports = receiverPorts(cfg);
  const probe = isObj(spec.readinessProbe) ? { httpGet: { path: '/', port: 13133 }, ...spec.readinessProbe } : healthProbe(cfg);
  const liveness = isObj(spec.livenessProbe) ? { httpGet: { path: '/', port: 13133 }, ...spec.livenessProbe } : healthProbe(cfg);
  const container = {
    name: 'otc-container',
    image: typeof spec.image === 'string' ? spec.image : 'otel/opentelemetry-collector',
    args: ['--config=/conf/collector.yaml', ...(isObj(spec.args) ? Object.entries(spec.args).map(([k, v]) => `--${k}=${v}`) : [])],
    env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, ...(Array.isArray(spec.env) ? spec.env : [])],
    ports: ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })),
    volumeMounts: [{ name: 'otc-internal', mountPath: '/conf' }],
    ...(probe ? { readinessProbe: probe } : {}),
    ...(liveness ? { livenessProbe: liveness } : {}),
  };
  const kind = mode === 'daemonset' ? 'DaemonSet' : mode === 'statefulset' ? 'StatefulSet' : 'Deployment';
  const workload: KObject = {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name: full, namespace: ns, labels },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels: { ...labels, ...(isObj(spec.podLabels) ? spec.podLabels : {}) }, annotations: isObj(spec.podAnnotations) ? spec.podAnnotations : {} },
        spec: {
          containers: [container, ...(Array.isArray(spec.additionalContainers) ? spec.additionalContainers : [])],
          volumes: [{ name: 'otc-internal', configMap: { name: full, items: [{ key: 'collector.yaml', path: 'collector.yaml' }] } }],
          ...(spec.hostNetwork === true ? { hostNetwork: true } : {}),
        },
      },
    },
  };
  const configMap: KObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: full, namespace: ns, labels }, data: { 'collector.yaml': text } };
  const servicePorts = [...ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: 'TCP' })), ...(Array.isArray(spec.ports) ? spec.ports : [])];
  const synth = (o: KObject): LintObject => ({ obj: o, origin });
  out.push(synth(workload), synth(configMap));
  // The operator's Services (internal/manifests/collector/collector.go adds Service, HeadlessService and
  // MonitoringService for every mode but sidecar; service.go @be8944414): `<name>-collector` and
  // `-headless` only when the config yields ports, `<name>-collector-monitoring` always, on the metrics port,
  // all with SelectorLabels (managed-by, instance, part-of, component).
  const selector = { 'app.kubernetes.io/managed-by': 'opentelemetry-operator', 'app.kubernetes.io/instance': `${ns}.${name}`, 'app.kubernetes.io/component': 'opentelemetry-collector', 'app.kubernetes.io/part-of': 'opentelemetry' };
  if (servicePorts.length) {
    out.push(synth({ apiVersion: 'v1', kind: 'Service', metadata: { name: full, namespace: ns, labels }, spec: { type: 'ClusterIP', selector, ports: servicePorts } }));
    out.push(synth({ apiVersion: 'v1', kind: 'Service', metadata: { name: `${full}-headless`, namespace: ns, labels }, spec: { type: 'ClusterIP', clusterIP: 'None', selector, ports: servicePorts } }));
  }
  out.push(synth({ apiVersion: 'v1', kind: 'Service', metadata: { name: `${full}-monitoring`, namespace: ns, labels }, spec: { type: 'ClusterIP', selector, ports: [{ name: 'monitoring', port: metricsPort(cfg) }] } }));
  return out;
}

/** `sidecar.opentelemetry.io/inject: "true" | name | ns/name`: the operator adds its otc-container to the pod. */
export function injectSidecars(pods: KObject[], crs: LintObject[]): void {
  const sidecarCRs = crs.filter((c) => String(c.obj.spec?.mode ?? '').toLowerCase() === 'sidecar');
  if (!sidecarCRs.length) { return; }
  for (const pod of pods) {
    const v = pod.metadata.annotations?.['sidecar.opentelemetry.io/inject'];
    if (v === undefined || v === 'false') { continue; }
    const ns = pod.metadata.namespace ?? 'default';
    const here = sidecarCRs.filter((c) => (c.obj.metadata.namespace ?? 'default') === ns);
    const cr = v === 'true' ? (here.length === 1 ? here[0] : undefined) : sidecarCRs.find((c) => `${c.obj.metadata.namespace ?? 'default'}/${c.obj.metadata.name}` === (String(v).includes('/') ? v : `${ns}/${v}`));
    if (!cr || !Array.isArray(pod.spec?.containers) || pod.spec.containers.some((c: any) => c?.name === 'otc-container')) { continue; }
    const raw = cr.obj.spec?.config;
    const text = typeof raw === 'string' ? raw : isObj(raw) ? stringify(raw) : '';
    pod.spec = {
      ...pod.spec,
      containers: [
        ...pod.spec.containers,
        { name: 'otc-container', image: typeof cr.obj.spec?.image === 'string' ? cr.obj.spec.image : 'otel/opentelemetry-collector', args: ['--config=env:OTEL_CONFIG'], env: [{ name: 'OTEL_CONFIG', value: text }] },
      ],
    };
    (pod as any).__sidecarOrigin = cr.origin;
  }
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
