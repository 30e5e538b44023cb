// What the operator's collector reconciler builds for one OpenTelemetryCollector
// (internal/manifests/collector/: configmap.go, deployment.go, daemonset.go, statefulset.go, container.go,
// volume.go, service.go, serviceaccount.go; internal/manifests/manifestutils/: labels.go, annotations.go;
// internal/naming/). The CR is taken in its v1beta1 shape (see webhook.ts for v1alpha1).
import { ownerRefTo } from '../controller-kit.ts';
import type { KObject } from '../store.ts';
import { componentType, configSha, configYaml, enabled, healthCheckProbe, metricsEndpoint, ports, type Config, type ServicePort } from './config.ts';
import { behaviour, defaultCollectorImage } from './versions.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

export const COMPONENT = 'opentelemetry-collector';
export const CONTAINER = 'otc-container';
export const CONFIG_VOLUME = 'otc-internal';
export const CONFIG_KEY = 'collector.yaml';

const fmt = (format: string, values: string[]) => { let i = 0; return format.replace(/%s/g, () => values[i++] ?? ''); };

/**
 * internal/naming Truncate: the formatted string cut to `max` by shortening the values from the first on
 * (so `<name>-collector` keeps its suffix), then non-alphanumerics trimmed from both ends; a hard cap when
 * the fixed part alone is too long.
 */
export function truncate(format: string, max: number, ...values: string[]): string {
  let result = fmt(format, values);
  let excess = result.length - max;
  if (excess > 0) {
    const cut = values.map((v) => {
      if (excess === 0) { return v; }
      if (v.length > excess) { const o = v.slice(0, v.length - excess); excess = 0; return o; }
      excess -= v.length;
      return '';
    });
    result = fmt(format, cut);
  }
  if (result.length > max) { return result.slice(0, max); }
  return result.replace(/[^A-Za-z0-9]+$/, '').replace(/^[^A-Za-z0-9]+/, '');
}

/** internal/naming DNSName: lower case, any other character `-` (or `a` at either end); the length kept. */
export function dnsName(name: string): string {
  // Go ranges over a string by byte offset and compares it with the rune count: kept as written.
  const last = [...name].length - 1;
  let offset = 0;
  let out = '';
  for (const c of name.toLowerCase()) {
    out += /[a-z0-9]/.test(c) ? c : offset === 0 || offset === last ? 'a' : '-';
    offset += Buffer.byteLength(c, 'utf8');
  }
  return out;
}

export const collectorName = (cr: string) => dnsName(truncate('%s-collector', 63, cr));
export const headlessName = (cr: string) => dnsName(truncate('%s-headless', 63, collectorName(cr)));
export const monitoringName = (cr: string) => dnsName(truncate('%s-monitoring', 63, collectorName(cr)));
export const extensionName = (cr: string) => dnsName(truncate('%s-extension', 63, collectorName(cr)));
export const configMapExtraName = (cm: string) => dnsName(truncate('configmap-%s', 63, cm));

export function configMapName(cr: string, config: Config, version: string): string {
  return behaviour(version).versionedConfigMap ? dnsName(truncate('%s-collector-%s', 63, cr, configSha(config).slice(0, 8))) : collectorName(cr);
}

/** manifestutils.SelectorLabels. */
export function selectorLabels(cr: KObject): Record<string, string> {
  return {
    'app.kubernetes.io/managed-by': 'opentelemetry-operator',
    'app.kubernetes.io/instance': truncate('%s.%s', 63, cr.metadata.namespace ?? '', cr.metadata.name),
    'app.kubernetes.io/part-of': 'opentelemetry',
    'app.kubernetes.io/component': COMPONENT,
  };
}

/** manifestutils.Labels: the CR's labels, the selector labels, the version from the image tag, the name. */
export function labels(cr: KObject, name: string, image: string | undefined): Record<string, string> {
  const out: Record<string, string> = { ...(cr.metadata.labels ?? {}), ...selectorLabels(cr) };
  const parts = String(image ?? '').split(':');
  let digestVersion = '';
  for (const p of parts) { if (p.endsWith('@sha256')) { digestVersion = p.slice(0, -'@sha256'.length); } }
  out['app.kubernetes.io/version'] = parts.length === 3 ? digestVersion : parts.length === 2 ? truncate('%s', 63, parts[1]) : 'latest';
  out['app.kubernetes.io/name'] ??= name;
  return out;
}

function annotations(cr: KObject): Record<string, string> { return { ...(cr.metadata.annotations ?? {}) }; }

function podAnnotations(cr: KObject, version: string): Record<string, string> {
  const a: Record<string, string> = { ...(cr.spec?.podAnnotations ?? {}) };
  for (const [k, v] of Object.entries(annotations(cr))) { a[k] ??= v; }
  if (!cr.spec?.observability?.metrics?.disablePrometheusAnnotations) {
    let stamped = false;
    for (const [k, v] of [['prometheus.io/scrape', 'true'], ['prometheus.io/port', '8888'], ['prometheus.io/path', '/metrics']]) {
      if (!(k in a)) { a[k] = v; stamped = true; }
    }
    if (stamped && behaviour(version).prometheusMarker) { a['operator.opentelemetry.io/prometheus-annotations-added'] = 'true'; }
  }
  a['opentelemetry-operator-config/sha256'] = configSha(cr.spec.config);
  return a;
}

/** The image the operator uses: the CR's, else the one its versions.txt names. */
export const imageOf = (cr: KObject, version: string): string => cr.spec?.image || defaultCollectorImage(version);

/** container.go getConfigContainerPorts + getContainerPorts: the config's ports, `metrics`, and spec.ports merged in. */
function containerPorts(cr: KObject, version: string): Any[] {
  const cfg: Config = cr.spec.config;
  const inferred: Any[] = [];
  for (const p of ports(cfg, behaviour(version).extensionPorts ? ['receiver', 'exporter', 'extension'] : ['receiver', 'exporter'])) {
    const name = p.name.length > 15 ? p.name.slice(0, 15) : p.name;
    inferred.push({ name, containerPort: p.port, protocol: p.protocol ?? 'TCP' });
  }
  inferred.push({ name: 'metrics', containerPort: metricsEndpoint(cfg).port, protocol: 'TCP' });
  let out = inferred;
  const spec: Any[] = cr.spec?.ports ?? [];
  if (spec.length) {
    const nums = new Set(spec.map((p) => `${p.port}/${p.protocol ?? 'TCP'}`));
    const names = new Set(spec.map((p) => p.name));
    const kept: Any[] = [];
    for (const c of inferred) {
      if (nums.has(`${c.containerPort}/${c.protocol ?? 'TCP'}`)) { continue; }
      if (names.has(c.name)) {
        const fb = `port-${c.containerPort}`;
        if (names.has(fb)) { continue; }
        kept.push({ ...c, name: fb });
      } else { kept.push(c); }
    }
    const specPorts = spec.map((p) => {
      const o: Any = { name: p.name, containerPort: p.port, protocol: p.protocol ?? 'TCP' };
      if (p.hostPort) { o.hostPort = p.hostPort; }
      return o;
    });
    out = [...specPorts, ...kept];
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function probe(cr: KObject, which: 'livenessProbe' | 'readinessProbe' | 'startupProbe'): Any {
  const hc = healthCheckProbe(cr.spec.config);
  if (!hc) { return undefined; }
  const p: Any = { httpGet: { path: hc.path, port: hc.port } };
  const o = cr.spec?.[which];
  if (o) {
    for (const k of ['initialDelaySeconds', 'periodSeconds', 'failureThreshold', 'successThreshold', 'timeoutSeconds', 'terminationGracePeriodSeconds']) {
      if (o[k] !== undefined) { p[k] = o[k]; }
    }
  }
  return p;
}

/** container.go Container(): the otc-container. `addConfig` false for a sidecar (its config comes by env). */
export function container(cr: KObject, version: string, addConfig: boolean): Any {
  const args: string[] = [];
  const argsMap: Record<string, string> = { ...(cr.spec?.args ?? {}) };
  const volumeMounts: Any[] = [];
  if (addConfig) {
    delete argsMap.config;
    args.push(`--config=/conf/${CONFIG_KEY}`);
    volumeMounts.push({ name: CONFIG_VOLUME, mountPath: '/conf' });
  }
  args.push(...Object.entries(argsMap).map(([k, v]) => `--${k}=${v}`).sort());
  volumeMounts.push(...(cr.spec?.volumeMounts ?? []));
  for (const cm of cr.spec?.configmaps ?? []) {
    const vn = configMapExtraName(cm.name);
    volumeMounts.push({ name: vn, mountPath: ['/var/conf', cm.mountpath, vn].filter(Boolean).join('/').replace(/\/+/g, '/') });
  }
  // getContainerEnvVars: the CR's env first, then the inferred variables it does not name.
  const env: Any[] = [...(cr.spec?.env ?? [])];
  const userEnv = new Set(env.map((e) => e.name));
  const inferred: Any[] = [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }];
  if (behaviour(version).golangFlags) {
    inferred.push(
      { name: 'GOMEMLIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory', containerName: CONTAINER } } },
      { name: 'GOMAXPROCS', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', containerName: CONTAINER } } },
    );
  }
  // receivers/kubeletstats.go: the kubelet_stats receiver gets the node name.
  if ([...enabled(cr.spec.config).receivers].some((r) => ['kubelet_stats', 'kubeletstats'].includes(componentType(r)))) {
    inferred.push({ name: 'K8S_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } });
  }
  for (const e of inferred) { if (!userEnv.has(e.name)) { env.push(e); } }
  const c: Any = { name: CONTAINER, image: imageOf(cr, version) };
  if (cr.spec?.imagePullPolicy) { c.imagePullPolicy = cr.spec.imagePullPolicy; }
  c.ports = containerPorts(cr, version);
  if (volumeMounts.length) { c.volumeMounts = volumeMounts; }
  c.args = args;
  if (cr.spec?.command?.length) { c.command = [...cr.spec.command]; }
  c.env = env;
  if (cr.spec?.envFrom) { c.envFrom = cr.spec.envFrom; }
  c.resources = cr.spec?.resources ?? {};
  if (cr.spec?.securityContext) { c.securityContext = cr.spec.securityContext; }
  const live = probe(cr, 'livenessProbe');
  const ready = behaviour(version).readinessProbe ? probe(cr, 'readinessProbe') : undefined;
  const start = behaviour(version).startupProbe ? probe(cr, 'startupProbe') : undefined;
  if (live) { c.livenessProbe = live; }
  if (ready) { c.readinessProbe = ready; }
  if (start) { c.startupProbe = start; }
  if (cr.spec?.lifecycle) { c.lifecycle = cr.spec.lifecycle; }
  return c;
}

function volumes(cr: KObject, version: string): Any[] {
  const v: Any[] = [{ name: CONFIG_VOLUME, configMap: { name: configMapName(cr.metadata.name, cr.spec.config, version), items: [{ key: CONFIG_KEY, path: CONFIG_KEY }] } }];
  v.push(...(cr.spec?.volumes ?? []));
  for (const cm of cr.spec?.configmaps ?? []) { v.push({ name: configMapExtraName(cm.name), configMap: { name: cm.name } }); }
  return v;
}

/** serviceaccount.go: the CR's serviceAccount, else `<name>-collector` (which the operator creates). */
export const serviceAccountName = (cr: KObject): string => cr.spec?.serviceAccount || collectorName(cr.metadata.name);

function podSpec(cr: KObject, version: string): Any {
  const s = cr.spec ?? {};
  const spec: Any = {
    serviceAccountName: serviceAccountName(cr),
    containers: [container(cr, version, true), ...(s.additionalContainers ?? [])],
    volumes: volumes(cr, version),
    // manifestutils.GetDNSPolicy: the CR's, else None when podDnsConfig names nameservers (over the host
    // network's ClusterFirstWithHostNet), else ClusterFirst.
    dnsPolicy: s.dnsPolicy ?? (Array.isArray(s.podDnsConfig?.nameservers) ? 'None' : s.hostNetwork ? 'ClusterFirstWithHostNet' : 'ClusterFirst'),
    // DNSConfig: &spec.PodDNSConfig, a pointer to the (maybe empty) struct: always written.
    dnsConfig: s.podDnsConfig ?? {},
    shareProcessNamespace: s.shareProcessNamespace ?? false,
  };
  if (s.initContainers?.length) { spec.initContainers = s.initContainers; }
  for (const [from, to] of [['hostNetwork', 'hostNetwork'], ['hostPID', 'hostPID'], ['hostAliases', 'hostAliases'], ['tolerations', 'tolerations'],
    ['nodeSelector', 'nodeSelector'], ['podSecurityContext', 'securityContext'], ['priorityClassName', 'priorityClassName'], ['affinity', 'affinity'],
    ['terminationGracePeriodSeconds', 'terminationGracePeriodSeconds'], ['topologySpreadConstraints', 'topologySpreadConstraints']]) {
    if (s[from] !== undefined && s[from] !== false && s[from] !== '') { spec[to] = s[from]; }
  }
  return spec;
}

/** The workload for the CR's mode (deployment, daemonset, statefulset); undefined for sidecar. */
export function workload(cr: KObject, version: string): KObject | undefined {
  const mode = cr.spec?.mode ?? 'deployment';
  const name = collectorName(cr.metadata.name);
  // manifestutils.Labels reads spec.image as written: a CR without one gets version `latest`.
  const l = labels(cr, name, cr.spec?.image);
  const meta = { name, namespace: cr.metadata.namespace, labels: l, annotations: annotations(cr), ownerReferences: [ownerRefTo(cr)] };
  const template = { metadata: { labels: { ...l }, annotations: podAnnotations(cr, version) }, spec: podSpec(cr, version) };
  const selector = { matchLabels: selectorLabels(cr) };
  switch (mode) {
    case 'deployment': {
      const spec: Any = { replicas: cr.spec?.replicas ?? 1, selector, template };
      if (cr.spec?.deploymentUpdateStrategy?.type) { spec.strategy = cr.spec.deploymentUpdateStrategy; }
      return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta, spec };
    }
    case 'daemonset': {
      const spec: Any = { selector, template };
      if (cr.spec?.daemonSetUpdateStrategy?.type) { spec.updateStrategy = cr.spec.daemonSetUpdateStrategy; }
      return { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta, spec };
    }
    case 'statefulset': {
      const spec: Any = {
        serviceName: cr.spec?.serviceName || headlessName(cr.metadata.name), replicas: cr.spec?.replicas ?? 1, selector, template,
        podManagementPolicy: cr.spec?.podManagementPolicy || 'Parallel',
      };
      if (cr.spec?.volumeClaimTemplates?.length) { spec.volumeClaimTemplates = cr.spec.volumeClaimTemplates; }
      return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta, spec };
    }
    default:
      return undefined;
  }
}

export function configMap(cr: KObject, version: string): KObject {
  const name = collectorName(cr.metadata.name);
  return {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: {
      name: configMapName(cr.metadata.name, cr.spec.config, version), namespace: cr.metadata.namespace,
      labels: labels(cr, name, cr.spec?.image), annotations: annotations(cr), ownerReferences: [ownerRefTo(cr)],
    },
    data: { [CONFIG_KEY]: configYaml(cr.spec.config) },
  };
}

export function serviceAccount(cr: KObject, version: string): KObject | undefined {
  if (cr.spec?.serviceAccount) { return undefined; }
  const name = collectorName(cr.metadata.name);
  return {
    apiVersion: 'v1', kind: 'ServiceAccount',
    metadata: { name, namespace: cr.metadata.namespace, labels: labels(cr, name, cr.spec?.image), annotations: annotations(cr), ownerReferences: [ownerRefTo(cr)] },
  };
}

function svcPort(p: ServicePort): Any {
  const o: Any = { name: p.name, port: p.port };
  if (p.protocol) { o.protocol = p.protocol; }
  if (p.appProtocol) { o.appProtocol = p.appProtocol; }
  return o;
}

function serviceSpecExtras(cr: KObject): Any {
  const s = cr.spec ?? {};
  const o: Any = {};
  if (s.ipFamilies) { o.ipFamilies = s.ipFamilies; }
  if (s.ipFamilyPolicy) { o.ipFamilyPolicy = s.ipFamilyPolicy; }
  if (s.trafficDistribution) { o.trafficDistribution = s.trafficDistribution; }
  if (s.sessionAffinity) { o.sessionAffinity = s.sessionAffinity; }
  if (s.sessionAffinityConfig) { o.sessionAffinityConfig = s.sessionAffinityConfig; }
  return o;
}

/** service.go: the base, headless, monitoring and extension Services (the base two only when the config yields ports). */
export function services(cr: KObject, version: string): KObject[] {
  const cfg: Config = cr.spec.config;
  const out: KObject[] = [];
  const b = behaviour(version);
  const typeLabel = (type: string): Record<string, string> => (b.serviceTypeLabel ? { 'operator.opentelemetry.io/collector-service-type': type } : {});
  const base = (name: string, type: string): KObject['metadata'] => ({
    name, namespace: cr.metadata.namespace,
    labels: { ...labels(cr, name, cr.spec?.image), ...typeLabel(type) },
    annotations: annotations(cr), ownerReferences: [ownerRefTo(cr)],
  });
  let svcPorts = ports(cfg, ['receiver', 'exporter']).map(svcPort);
  const spec: Any[] = cr.spec?.ports ?? [];
  if (spec.length) {
    const nums = new Set(spec.map((p) => `${p.port}/${p.protocol ?? 'TCP'}`));
    const names = new Set(spec.map((p) => p.name));
    const kept: Any[] = [];
    for (const c of svcPorts) {
      if (nums.has(`${c.port}/${c.protocol ?? 'TCP'}`)) { continue; }
      if (names.has(c.name)) {
        const fb = `port-${c.port}`;
        if (!names.has(fb)) { kept.push({ ...c, name: fb }); }
      } else { kept.push(c); }
    }
    svcPorts = [...spec.map((p) => {
      const o: Any = { name: p.name, port: p.port };
      for (const k of ['protocol', 'appProtocol', 'targetPort', 'nodePort']) { if (p[k] !== undefined) { o[k] = p[k]; } }
      return o;
    }), ...kept];
  }
  const mode = cr.spec?.mode ?? 'deployment';
  if (svcPorts.length) {
    const name = collectorName(cr.metadata.name);
    const main: KObject = {
      apiVersion: 'v1', kind: 'Service', metadata: base(name, 'base'),
      spec: { internalTrafficPolicy: mode === 'daemonset' ? 'Local' : 'Cluster', selector: selectorLabels(cr), ports: svcPorts, ...serviceSpecExtras(cr) },
    };
    out.push(main);
    const h = structuredClone(main);
    h.metadata.name = headlessName(cr.metadata.name);
    h.metadata.labels = { ...h.metadata.labels, 'operator.opentelemetry.io/collector-headless-service': 'Exists', ...typeLabel('headless') };
    h.metadata.annotations = { 'service.beta.openshift.io/serving-cert-secret-name': `${h.metadata.name}-tls`, ...h.metadata.annotations };
    h.spec.clusterIP = 'None';
    out.push(h);
  }
  const mon = monitoringName(cr.metadata.name);
  const monMeta = base(mon, 'monitoring');
  monMeta.labels = { ...labels(cr, mon, cr.spec?.image), ...(b.monitoringLabel ? { 'operator.opentelemetry.io/collector-monitoring-service': 'Exists' } : {}), ...typeLabel('monitoring') };
  out.push({ apiVersion: 'v1', kind: 'Service', metadata: monMeta, spec: { selector: selectorLabels(cr), ports: [{ name: 'monitoring', port: metricsEndpoint(cfg).port }], ...serviceSpecExtras(cr) } });
  const ext = behaviour(version).extensionPorts ? ports(cfg, ['extension']) : [];
  if (ext.length) {
    out.push({ apiVersion: 'v1', kind: 'Service', metadata: base(extensionName(cr.metadata.name), 'extension'), spec: { selector: selectorLabels(cr), ports: ext.map(svcPort) } });
  }
  return out;
}

/** Everything the reconciler owns for this CR (sidecar mode: the ConfigMap and ServiceAccount only). */
export function desiredObjects(cr: KObject, version: string): KObject[] {
  const out: KObject[] = [configMap(cr, version)];
  const sa = serviceAccount(cr, version);
  if (sa) { out.push(sa); }
  if ((cr.spec?.mode ?? 'deployment') === 'sidecar') { return out; }
  out.push(...services(cr, version));
  const w = workload(cr, version);
  if (w) { out.push(w); }
  return out;
}
