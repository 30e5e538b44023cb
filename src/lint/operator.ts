/**
 * OpenTelemetryCollector CRs as the operator turns them into cluster objects: the collector workload, its
 * ConfigMap and Services, or a sidecar injected into annotated pods. Kept apart from shapes.ts because what
 * the operator generates depends on the operator's release.
 */
import { parse as yamlParse, stringify } from 'yaml';
import type { KObject } from '../cluster/types.ts';
import { SIDECAR_ANNOTATION } from '../gather/discover.ts';
import { defaultCollectorImage, extensionServiceGenerated, golangFlags, nativeSidecar, readinessProbeFromHealthCheck, startupProbeFromHealthCheck } from '../otel/operator-data.ts';
import { configPorts, healthCheck, mergeSpecPorts } from './operator-ports.ts';
import type { LintObject, Origin } from './shapes.ts';
import type { PathSeg, SourceDoc } from './source.ts';
import { isObj } from './is-obj.ts';
import { asksForNothing, injectTarget } from '../otel/inject-select.ts';

/** otelconfig.MetricsEndpoint: a pull/prometheus reader's port, else `metrics.address`'s, else 8888. */
function metricsPort(cfg: Record<string, any> | null): number {
  const metrics = cfg?.service?.telemetry?.metrics;
  if (!isObj(metrics)) { return 8888; }
  const readers: any[] = Array.isArray(metrics.readers) ? metrics.readers : [];
  if (typeof metrics.address === 'string' && metrics.address && !readers.length) {
    const m = /:(\d+)$/.exec(metrics.address);
    return m ? Number(m[1]) : 8888;
  }
  const prom = readers.find((r) => isObj(r?.pull?.exporter?.prometheus))?.pull.exporter.prometheus;
  return (prom && Number(prom.port)) || 8888;
}

function parseConfig(raw: unknown): { cfg: Record<string, any> | null; text: string } {
  if (isObj(raw)) { return { cfg: raw, text: stringify(raw) }; }
  if (typeof raw !== 'string' || !raw) { return { cfg: null, text: '' }; }
  try {
    const p = yamlParse(raw, { maxAliasCount: 100 });
    return { cfg: isObj(p) ? p : null, text: raw };
  } catch {
    return { cfg: null, text: raw }; // collector-config-invalid reports it from the config text
  }
}

/** The health_check probe with the CR's timing fields over it (container.go defaultProbeSettings). */
function probeFor(cfg: Record<string, any> | null, over: unknown): any {
  const hc = healthCheck(cfg);
  if (!hc) { return undefined; }
  const p: Record<string, any> = { httpGet: { path: hc.path, port: hc.port } };
  for (const k of ['initialDelaySeconds', 'periodSeconds', 'failureThreshold', 'successThreshold', 'timeoutSeconds', 'terminationGracePeriodSeconds']) {
    if (isObj(over) && over[k] !== undefined) { p[k] = over[k]; }
  }
  return p;
}

/** manifestutils.Labels' version: the image tag (the digest's tag with one), `latest` without a tag. */
function versionLabel(image: unknown): string {
  const parts = String(image ?? '').split(':');
  if (parts.length === 3) { return parts.find((x) => x.endsWith('@sha256'))?.slice(0, -'@sha256'.length) ?? ''; }
  return parts.length === 2 ? parts[1].slice(0, 63) : 'latest';
}

/**
 * container.go Container() as the given release writes it (undefined: the current one): ports, args
 * (sorted), env (the CR's first, then what it does not name), probes from an enabled health_check.
 */
export function operatorContainer(spec: Record<string, any>, cfg: Record<string, any> | null, version: string | undefined, addConfig: boolean): Record<string, any> {
  const kinds: ('receiver' | 'exporter' | 'extension')[] = extensionServiceGenerated(version) ? ['receiver', 'exporter', 'extension'] : ['receiver', 'exporter'];
  const inferred = [...configPorts(cfg, kinds).map((p) => ({ name: p.name.slice(0, 15), containerPort: p.port, protocol: p.protocol ?? 'TCP' })), { name: 'metrics', containerPort: metricsPort(cfg), protocol: 'TCP' }];
  const specPorts: any[] = Array.isArray(spec.ports) ? spec.ports.filter(isObj) : [];
  const merged = mergeSpecPorts(inferred, specPorts, (p) => p.containerPort);
  const ports = [...merged.spec.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol ?? 'TCP', ...(p.hostPort ? { hostPort: p.hostPort } : {}) })), ...merged.kept]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const argsMap: Record<string, unknown> = isObj(spec.args) ? { ...spec.args } : {};
  if (addConfig) { delete argsMap.config; }
  const env: any[] = Array.isArray(spec.env) ? [...spec.env] : [];
  const named = new Set(env.map((e) => e?.name));
  const inferredEnv: any[] = [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }];
  if (golangFlags(version)) {
    inferredEnv.push(
      { name: 'GOMEMLIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory', containerName: 'otc-container' } } },
      { name: 'GOMAXPROCS', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', containerName: 'otc-container' } } },
    );
  }
  env.push(...inferredEnv.filter((e) => !named.has(e.name)));
  const liveness = probeFor(cfg, spec.livenessProbe);
  const readiness = readinessProbeFromHealthCheck(version) ? probeFor(cfg, spec.readinessProbe) : undefined;
  const startup = startupProbeFromHealthCheck(version) ? probeFor(cfg, spec.startupProbe) : undefined;
  return {
    name: 'otc-container',
    image: typeof spec.image === 'string' && spec.image ? spec.image : (version && defaultCollectorImage(version)) || 'otel/opentelemetry-collector',
    ports,
    ...(addConfig ? { volumeMounts: [{ name: 'otc-internal', mountPath: '/conf' }, ...(Array.isArray(spec.volumeMounts) ? spec.volumeMounts : [])] } : {}),
    args: [...(addConfig ? ['--config=/conf/collector.yaml'] : []), ...Object.entries(argsMap).map(([k, v]) => `--${k}=${v}`).sort()],
    ...(Array.isArray(spec.command) && spec.command.length ? { command: spec.command } : {}),
    env,
    ...(Array.isArray(spec.envFrom) ? { envFrom: spec.envFrom } : {}),
    ...(liveness ? { livenessProbe: liveness } : {}),
    ...(readiness ? { readinessProbe: readiness } : {}),
    ...(startup ? { startupProbe: startup } : {}),
  };
}

/**
 * What the operator's collector reconciler writes for a CR at a release (undefined: the current one): the
 * workload, its ConfigMap and Services (internal/manifests/collector/ @v0.158.0); nothing for a sidecar CR,
 * whose container injectSidecars() places. The ConfigMap keeps `<name>-collector`: from 0.101 the operator
 * appends a hash of the webhook-defaulted config, which lint does not reproduce (nothing judges the name).
 */
export function operatorManifests(cr: KObject, version: string | undefined): KObject[] {
  const ns = cr.metadata.namespace ?? 'default';
  const name = cr.metadata.name;
  const spec = isObj(cr.spec) ? cr.spec : {};
  const { cfg, text } = parseConfig(spec.config);
  const mode = String(spec.mode ?? 'deployment').toLowerCase();
  if (mode === 'sidecar') { return []; }
  const full = `${name}-collector`;
  const selector = { 'app.kubernetes.io/managed-by': 'opentelemetry-operator', 'app.kubernetes.io/instance': `${ns}.${name}`, 'app.kubernetes.io/part-of': 'opentelemetry', 'app.kubernetes.io/component': 'opentelemetry-collector' };
  const labels = (n: string): Record<string, string> => ({ ...(isObj(cr.metadata.labels) ? cr.metadata.labels : {}), ...selector, 'app.kubernetes.io/version': versionLabel(spec.image), 'app.kubernetes.io/name': n });
  const container = operatorContainer(spec, cfg, version, true);
  const kind = mode === 'daemonset' ? 'DaemonSet' : mode === 'statefulset' ? 'StatefulSet' : 'Deployment';
  const workload: KObject = {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name: full, namespace: ns, labels: labels(full) },
    spec: {
      selector: { matchLabels: selector },
      ...(kind === 'StatefulSet' ? { serviceName: spec.serviceName || `${full}-headless` } : {}),
      template: {
        metadata: { labels: { ...labels(full), ...(isObj(spec.podLabels) ? spec.podLabels : {}) }, annotations: isObj(spec.podAnnotations) ? spec.podAnnotations : {} },
        spec: {
          containers: [container, ...(Array.isArray(spec.additionalContainers) ? spec.additionalContainers : [])],
          ...(Array.isArray(spec.initContainers) && spec.initContainers.length ? { initContainers: spec.initContainers } : {}),
          volumes: [{ name: 'otc-internal', configMap: { name: full, items: [{ key: 'collector.yaml', path: 'collector.yaml' }] } }, ...(Array.isArray(spec.volumes) ? spec.volumes : [])],
          ...(spec.hostNetwork === true ? { hostNetwork: true } : {}),
        },
      },
    },
  };
  const configMap: KObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: full, namespace: ns, labels: labels(full) }, data: { 'collector.yaml': text } };
  // service.go: the receivers' and exporters' ports, the CR's spec.ports first; `<name>-collector` and
  // `-headless` only when there are some, internalTrafficPolicy Local for a DaemonSet (each node's apps reach
  // their node's collector); `-monitoring` always, on the metrics port; `-extension` for extension ports.
  const svcMerged = mergeSpecPorts(configPorts(cfg, ['receiver', 'exporter']), Array.isArray(spec.ports) ? spec.ports.filter(isObj) : [], (p) => p.port);
  const svcPorts = [
    ...svcMerged.spec.map((p) => Object.fromEntries(['name', 'port', 'protocol', 'appProtocol', 'targetPort', 'nodePort'].filter((k) => p[k] !== undefined).map((k) => [k, p[k]]))),
    ...svcMerged.kept.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, ...(p.protocol ? { protocol: p.protocol } : {}), ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) })),
  ];
  const out: KObject[] = [workload, configMap];
  const service = (n: string, s: Record<string, any>): KObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: n, namespace: ns, labels: labels(n) }, spec: { type: 'ClusterIP', selector, ...s } });
  if (svcPorts.length) {
    out.push(service(full, { internalTrafficPolicy: mode === 'daemonset' ? 'Local' : 'Cluster', ports: svcPorts }));
    out.push(service(`${full}-headless`, { internalTrafficPolicy: mode === 'daemonset' ? 'Local' : 'Cluster', clusterIP: 'None', ports: svcPorts }));
  }
  out.push(service(`${full}-monitoring`, { ports: [{ name: 'monitoring', port: metricsPort(cfg) }] }));
  const ext = extensionServiceGenerated(version) ? configPorts(cfg, ['extension']) : [];
  if (ext.length) { out.push(service(`${full}-extension`, { ports: ext.map((p) => ({ name: p.name, port: p.port, targetPort: p.port })) })); }
  return out;
}

export function collectorCR(sd: SourceDoc, cr: KObject, base: PathSeg[]): LintObject[] {
  const raw = cr.spec?.config;
  const origin: Origin = { sd, base, shape: 'collector-cr', config: { path: [...base, 'spec', 'config'], embedded: typeof raw === 'string' } };
  return [cr, ...operatorManifests(cr, undefined)].map((obj) => ({ obj, origin }));
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
    const v = pod.metadata.annotations?.[SIDECAR_ANNOTATION];
    if (v === undefined || asksForNothing(String(v))) { continue; }
    const t = injectTarget(String(v), pod.metadata.namespace ?? 'default');
    const here = sidecarCRs.filter((c) => (c.obj.metadata.namespace ?? 'default') === t.namespace);
    const cr = t.name === undefined ? (here.length === 1 ? here[0] : undefined) : here.find((c) => c.obj.metadata.name === t.name);
    const inits: any[] = Array.isArray(pod.spec?.initContainers) ? pod.spec.initContainers : [];
    if (!cr || !Array.isArray(pod.spec?.containers) || [...pod.spec.containers, ...inits].some((c: any) => c?.name === 'otc-container')) { continue; }
    const { cfg, text } = parseConfig(cr.obj.spec?.config);
    // pkg/sidecar/pod.go add: Container() without the config mount, the config passed in OTEL_CONFIG.
    const otc = operatorContainer(isObj(cr.obj.spec) ? cr.obj.spec : {}, cfg, version, false);
    otc.args = [...otc.args, '--config=env:OTEL_CONFIG'];
    otc.env = [...otc.env, { name: 'OTEL_CONFIG', value: text }];
    const crInits: any[] = Array.isArray(cr.obj.spec?.initContainers) ? cr.obj.spec.initContainers : [];
    // A native sidecar starts before the app; without a startupProbe its readinessProbe serves as one.
    const native = { ...otc, restartPolicy: 'Always', ...(!otc.startupProbe && otc.readinessProbe ? { startupProbe: otc.readinessProbe } : {}) };
    pod.spec = nativeSidecar(version)
      ? { ...pod.spec, initContainers: [...inits, ...crInits, native] }
      : { ...pod.spec, containers: [...pod.spec.containers, otc], ...(inits.length + crInits.length ? { initContainers: [...inits, ...crInits] } : {}) };
    (pod as any).__sidecarOrigin = cr.origin;
  }
}

/**
 * collectorCR() writes a CR's objects as the current release does; with a known release they are written
 * again as that release does (probes, env, ports, the default collector image, the extension Service).
 */
export function applyOperatorVersion(objects: LintObject[], version: string | undefined): void {
  if (!version) { return; }
  // collectorCR() gives the CR and everything it writes one shared origin.
  for (const cr of objects.filter((o) => o.origin.shape === 'collector-cr' && o.obj.kind === 'OpenTelemetryCollector')) {
    const at = objects.indexOf(cr);
    let end = at + 1;
    while (end < objects.length && objects[end].origin === cr.origin && objects[end].obj.kind !== 'OpenTelemetryCollector') { end++; }
    objects.splice(at + 1, end - at - 1, ...operatorManifests(cr.obj, version).map((obj) => ({ obj, origin: cr.origin })));
  }
}
