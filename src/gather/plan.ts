/**
 * Probe planning, pure: which app pods probe (one per workload unless asked for more), and which targets
 * each one dials (its endpoints, the collector Service behind them, a collector pod IP).
 */
import type { AppContainer, ProbeRecord, ServiceInfo, Signal } from '../snapshot.ts';
import type { DiscoveredApp, Discovery } from './discover.ts';
import { appExports, isHttp } from '../otel/sdk.ts';
import { SIGNALS } from './models.ts';
import { isValidProbePath, type OtlpSpeak } from './otlp-probe.ts';
import { parseProbeTarget } from './probe-target.ts';

export interface ProbePlan {
  app: DiscoveredApp;
  kind: ProbeRecord['target']['kind'];
  endpoint?: string;
  signal?: Signal;
  ref?: string;
  parsed: ReturnType<typeof parseProbeTarget>;
}

/**
 * Indexes into `apps` of the pods that probe and are read: running pods first, at most `maxPods` per
 * workload; every container of a chosen pod is kept.
 */
export function selectProbePods(apps: DiscoveredApp[], maxPodsPerWorkload = 1): number[] {
  const perWorkload = new Map<string, number>();
  const chosenPods = new Set<string>();
  const maxPods = Math.max(1, maxPodsPerWorkload);
  const ready = (a: DiscoveredApp): number => (a.pod.status?.phase === 'Running' ? 0 : 1);
  const sortedApps = [...apps.entries()].sort(([, x], [, y]) => ready(x) - ready(y));
  const selected: number[] = [];
  for (const [idx, a] of sortedApps) {
    const wk = `${a.workload.kind}/${a.workload.namespace}/${a.workload.name}`;
    const podKey = `${a.pod.metadata.namespace}/${a.pod.metadata.name}`;
    if (!chosenPods.has(podKey)) {
      const n = perWorkload.get(wk) ?? 0;
      if (n >= maxPods) {
        continue;
      }
      perWorkload.set(wk, n + 1);
      chosenPods.add(podKey);
    }
    selected.push(idx);
  }
  return selected;
}

/** What to probe from one app container: its endpoints, the collector Service behind them, a collector pod IP. */
export function planProbes(app: AppContainer, d: DiscoveredApp, disc: Discovery, services: ServiceInfo[]): ProbePlan[] {
  const plans: ProbePlan[] = [];
  const endpoints = new Map<string, Signal | undefined>();
  const ex = app.exporter;
  if (ex.endpoint?.value !== undefined) { endpoints.set(ex.endpoint.value, undefined); }
  for (const s of SIGNALS) {
    const v = ex.signals?.[s]?.endpoint?.value;
    if (v !== undefined && !endpoints.has(v)) { endpoints.set(v, s); }
  }
  const exports = appExports(app);
  for (const [endpoint, signal] of endpoints) {
    const parsed = parseProbeTarget(endpoint);
    // What the SDK sends on this endpoint: the signal's export when per-signal, else the first one using it.
    const e = exports.find((x) => x.endpointSetting?.value === endpoint && (signal === undefined ? !x.perSignal : x.signal === signal));
    const otlp = e ? speakFor(e) : undefined;
    if (parsed.ok && otlp) { parsed.target.otlp = otlp; }
    plans.push({ app: d, kind: 'app-endpoint', endpoint, ...(signal ? { signal } : {}), parsed });
  }
  // The collector Service the endpoint names (short, namespaced or FQDN form), else the first collector Service.
  const appNs = app.namespace;
  const firstOk = plans.find((p) => p.parsed.ok);
  const port = firstOk && firstOk.parsed.ok ? firstOk.parsed.target.port : undefined;
  const host = firstOk && firstOk.parsed.ok ? firstOk.parsed.target.host.replace(/\.$/, '') : undefined;
  const named = host
    ? services.find((s) => {
        const forms = [`${s.name}.${s.namespace}`, `${s.name}.${s.namespace}.svc`, `${s.name}.${s.namespace}.svc.cluster.local`];
        if (s.namespace === appNs) { forms.push(s.name); }
        return forms.includes(host) || (s.clusterIP && s.clusterIP === host);
      })
    : undefined;
  const svc = named ?? services.find((s) => s.matchedCollectorPods.length > 0 && s.clusterIP !== 'None');
  if (svc && !app.sidecarCollector) {
    const sp = svc.ports.find((p) => p.port === port) ?? svc.ports.find((p) => /otlp|grpc|4317|4318/.test(`${p.name ?? ''} ${p.port}`)) ?? svc.ports[0];
    if (sp) {
      const fqdn = `${svc.name}.${svc.namespace}.svc.cluster.local`;
      if (!(named && host === fqdn && port === sp.port)) {
        plans.push({ app: d, kind: 'service', ref: `${svc.namespace}/${svc.name}`, parsed: parseProbeTarget(`${fqdn}:${sp.port}`) });
      }
      const targetPod = svc.matchedCollectorPods.map((k) => disc.collectors.find((c) => `${c.pod.metadata.namespace}/${c.pod.metadata.name}` === k)).find((c) => c?.pod.status?.podIP);
      if (targetPod) {
        const tp = sp.targetPort ?? sp.port;
        const num = typeof tp === 'number' ? tp : (targetPod.container?.ports ?? []).find((p: any) => p?.name === tp)?.containerPort;
        if (typeof num === 'number') {
          plans.push({ app: d, kind: 'pod-ip', ref: `${targetPod.pod.metadata.namespace}/${targetPod.pod.metadata.name}`, parsed: parseProbeTarget(`${targetPod.pod.status.podIP}:${num}`) });
        }
      }
    }
  }
  return plans;
}

/**
 * How the probe speaks to an endpoint as the SDK would: a ClientHello where the SDK starts TLS (https://,
 * or a scheme-less gRPC endpoint not marked insecure, which the gRPC exporters dial with TLS), the HTTP/2
 * preface for gRPC, else an empty POST on the SDK's path with its content type. Unknown protocol, or a
 * path outside the probe's character set: connect only.
 */
export function speakFor(e: ReturnType<typeof appExports>[number]): OtlpSpeak | undefined {
  if (!e.parsed || e.protocol === null) { return undefined; }
  const tls = e.parsed.scheme === 'https' || (e.parsed.scheme === null && e.protocol === 'grpc' && e.insecure !== true);
  if (tls) { return { mode: 't' }; }
  if (!isHttp(e.protocol)) { return { mode: 'g' }; }
  const path = e.parsed.path === '' ? '/' : e.parsed.path;
  return isValidProbePath(path) ? { mode: e.protocol === 'http/json' ? 'j' : 'p', path } : undefined;
}
