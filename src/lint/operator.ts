/**
 * OpenTelemetryCollector CRs as the operator turns them into cluster objects: the collector workload, its
 * ConfigMap and Services, or a sidecar injected into annotated pods. Kept apart from shapes.ts because what
 * the operator generates depends on the operator's release.
 */
import { parse as yamlParse, stringify } from 'yaml';
import type { KObject } from '../cluster/types.ts';
import { defaultCollectorImage, nativeSidecar, readinessProbeFromHealthCheck } from '../otel/operator-data.ts';
import type { LintObject, Origin } from './shapes.ts';
import type { PathSeg, SourceDoc } from './source.ts';

function isObj(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

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

export function collectorCR(sd: SourceDoc, cr: KObject, base: PathSeg[]): LintObject[] {
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

/**
 * `sidecar.opentelemetry.io/inject: "true" | name | ns/name`: the operator adds its otc-container to the pod,
 * from 0.132 as a native sidecar (an init container with restartPolicy Always; pkg/sidecar/pod.go add), before
 * as a regular container. Without a release, the current one's placement.
 */
export function injectSidecars(pods: KObject[], crs: LintObject[], version?: string): void {
  const sidecarCRs = crs.filter((c) => String(c.obj.spec?.mode ?? '').toLowerCase() === 'sidecar');
  if (!sidecarCRs.length) { return; }
  for (const pod of pods) {
    const v = pod.metadata.annotations?.['sidecar.opentelemetry.io/inject'];
    if (v === undefined || v === 'false') { continue; }
    const ns = pod.metadata.namespace ?? 'default';
    const here = sidecarCRs.filter((c) => (c.obj.metadata.namespace ?? 'default') === ns);
    const cr = v === 'true' ? (here.length === 1 ? here[0] : undefined) : sidecarCRs.find((c) => `${c.obj.metadata.namespace ?? 'default'}/${c.obj.metadata.name}` === (String(v).includes('/') ? v : `${ns}/${v}`));
    const inits: any[] = Array.isArray(pod.spec?.initContainers) ? pod.spec.initContainers : [];
    if (!cr || !Array.isArray(pod.spec?.containers) || [...pod.spec.containers, ...inits].some((c: any) => c?.name === 'otc-container')) { continue; }
    const raw = cr.obj.spec?.config;
    const text = typeof raw === 'string' ? raw : isObj(raw) ? stringify(raw) : '';
    const otc = { name: 'otc-container', image: typeof cr.obj.spec?.image === 'string' ? cr.obj.spec.image : 'otel/opentelemetry-collector', args: ['--config=env:OTEL_CONFIG'], env: [{ name: 'OTEL_CONFIG', value: text }] };
    pod.spec = nativeSidecar(version)
      ? { ...pod.spec, initContainers: [...inits, { ...otc, restartPolicy: 'Always' }] }
      : { ...pod.spec, containers: [...pod.spec.containers, otc] };
    (pod as any).__sidecarOrigin = cr.origin;
  }
}

/**
 * What differs by operator release in the objects collectorCR() writes (it writes them as the current
 * release does): before 0.100.0 the container gets no readinessProbe (neither from health_check nor
 * spec.readinessProbe, which came with it); with a known release, a CR without `spec.image` runs that
 * release's default collector image, so the collector's version is known too.
 */
export function applyOperatorVersion(objects: LintObject[], version: string | undefined): void {
  if (!version) { return; }
  const image = defaultCollectorImage(version);
  // collectorCR() gives the CR and everything it writes one shared origin.
  const crOf = new Map<Origin, KObject>(objects.filter((o) => o.obj.kind === 'OpenTelemetryCollector').map((o) => [o.origin, o.obj]));
  for (const o of objects) {
    if (o.origin.shape !== 'collector-cr' || !['Deployment', 'DaemonSet', 'StatefulSet'].includes(o.obj.kind ?? '')) { continue; }
    const container = o.obj.spec?.template?.spec?.containers?.[0];
    if (!isObj(container) || container.name !== 'otc-container') { continue; }
    if (!readinessProbeFromHealthCheck(version)) { delete container.readinessProbe; }
    if (image && typeof crOf.get(o.origin)?.spec?.image !== 'string') { container.image = image; }
  }
}
