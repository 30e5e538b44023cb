/**
 * The collector's own metrics as proof of its way out (exporter failures, a full queue, refusals), read
 * through the API server's pod proxy (`GET pods/proxy`, read-only), which dials the pod IP: a telemetry
 * endpoint on localhost (the default from 0.111) cannot be reached that way, and is recorded as not read,
 * with why, instead of guessed.
 *
 * Where the endpoint comes from, per collector version (open-telemetry/opentelemetry-collector):
 * - `service.telemetry.metrics.readers[].pull.exporter.prometheus.{host,port}` (0.111+; earlier too);
 * - `service.telemetry.metrics.address` up to 0.122 (service/telemetry/config.go@v0.120.0 turns it into a pull
 *   reader; from 0.123 the telemetry.disableAddressFieldForInternalTelemetry gate is beta, so it is ignored);
 * - else the default: `:8888` up to 0.110 (service/telemetry/factory.go@v0.110.0), `localhost:8888` from 0.111
 *   (the telemetry.UseLocalHostAsDefaultMetricsAddress gate, beta on registration, factory.go@v0.111.0);
 * - `level: none` serves nothing.
 */
import type { ClusterClient } from '../cluster/types.ts';
import { ApiError } from '../errors.ts';
import { isMap } from '../otel/config.ts';
import { classifyHost, joinHostPort, splitHostPort } from '../otel/endpoint.ts';
import { expandEnv } from '../otel/envexpand.ts';
import { parsePrometheusText } from '../otel/prometheus.ts';
import { atLeast } from '../otel/version.ts';
import type { AccessReview, CollectorMetrics, CollectorPod, IncompleteCheck, LogEvidence, MetricSample } from '../snapshot.ts';
import { metricsAccessSpec } from './access.ts';

/** The series the rules read; everything else the endpoint serves is left out of the Snapshot. */
const KEEP = /^otelcol_(?:exporter_(?:send_failed|sent|enqueue_failed|queue_size|queue_capacity)_?|receiver_(?:refused|accepted)_|processor_(?:memory_limiter_)?refused_)/;

const DEFAULT_PORT = 8888;

export interface TelemetryEndpoint {
  /** `host:port` as the collector binds it, env expanded */
  endpoint: string;
  host: string;
  port: number;
  from: string;
}

/** The Prometheus pull endpoint of the collector's own telemetry, or why there is none to read. */
export function telemetryEndpoint(c: CollectorPod): TelemetryEndpoint | { notRun: NonNullable<CollectorMetrics['notRun']> } {
  const cfg = c.effectiveConfig;
  if (!cfg || !isMap(cfg)) { return { notRun: { reason: 'no-config', detail: c.configError ? `the config is invalid: ${c.configError}` : 'the effective config is unknown' } }; }
  const service = isMap(cfg.service) ? cfg.service : {};
  const telemetry = isMap(service.telemetry) ? service.telemetry : {};
  const metrics = isMap(telemetry.metrics) ? telemetry.metrics : {};
  if (typeof metrics.level === 'string' && metrics.level.toLowerCase() === 'none') {
    return { notRun: { reason: 'disabled', detail: 'service.telemetry.metrics.level is none' } };
  }
  const env: Record<string, string> = { ...(c.env ?? {}) };
  for (const [name, path] of Object.entries(c.envFieldRefs ?? {})) {
    if ((path === 'status.podIP' || path === 'status.podIPs') && env[name] === undefined && c.podIP) { env[name] = c.podIP; }
  }
  const expand = (v: unknown): string => (typeof v === 'string' ? expandEnv(v, env).value : typeof v === 'number' ? String(v) : '');
  const found: { host: string; port: number; from: string }[] = [];
  const readers = Array.isArray(metrics.readers) ? metrics.readers : undefined;
  for (const [i, r] of (readers ?? []).entries()) {
    const prom = isMap(r) && isMap(r.pull) && isMap(r.pull.exporter) && isMap(r.pull.exporter.prometheus) ? r.pull.exporter.prometheus : undefined;
    if (!prom) { continue; }
    const port = Number(expand(prom.port));
    if (!Number.isInteger(port) || port < 1 || port > 65535) { continue; }
    found.push({ host: expand(prom.host), port, from: `service.telemetry.metrics.readers[${i}]` });
  }
  const addressHonoured = atLeast(c.version, '0.123.0') !== true;
  if (typeof metrics.address === 'string' && addressHonoured) {
    const hp = splitHostPort(expand(metrics.address));
    if (hp.port !== null) { found.push({ host: hp.host, port: hp.port, from: 'service.telemetry.metrics.address' }); }
  }
  if (!found.length) {
    if (readers !== undefined && readers.length > 0) { return { notRun: { reason: 'disabled', detail: 'no pull (Prometheus) reader in service.telemetry.metrics.readers' } }; }
    const wildcard = atLeast(c.version, '0.111.0') === false;
    found.push({ host: wildcard ? '' : 'localhost', port: DEFAULT_PORT, from: wildcard ? 'the default before 0.111 (:8888)' : `the default from 0.111 (localhost:8888)${c.version ? '' : ', version unknown'}` });
  }
  // Several readers: the first the pod proxy can reach.
  const reachable = found.find((f) => ['all-interfaces', 'pod-ip'].includes(classifyHost(f.host, { podIP: c.podIP })));
  const pick = reachable ?? found[0];
  const endpoint = joinHostPort(pick.host, pick.port);
  if (!reachable) {
    const cls = classifyHost(pick.host, { podIP: c.podIP });
    return {
      notRun: cls === 'loopback'
        ? { reason: 'loopback', detail: `the telemetry endpoint ${endpoint} (${pick.from}) listens on loopback only: the API server's pod proxy dials the pod IP` }
        : { reason: 'other-address', detail: `the telemetry endpoint ${endpoint} (${pick.from}) is neither the pod IP nor every interface` },
    };
  }
  return { endpoint, host: pick.host, port: pick.port, from: pick.from };
}

export function proxyPath(namespace: string, pod: string, port: number): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}:${port}/proxy/metrics`;
}

/** Log kinds that make a pod's metrics worth reading beyond the first replica of its workload. */
const TELLING = new Set(['export-failed', 'queue-full', 'memory-limit']);
const PER_WORKLOAD = 3;

/**
 * Which pods are read: per workload the replicas whose logs tell of the way out failing, then the first one,
 * at most PER_WORKLOAD (a DaemonSet of hundreds shares one config; its metrics are proof, not a census).
 */
export function metricsTargets(collectors: CollectorPod[], logs: LogEvidence[]): CollectorPod[] {
  const telling = new Set(logs.filter((l) => l.role === 'collector' && l.matches.some((m) => TELLING.has(m.kind))).map((l) => `${l.namespace}/${l.pod}`));
  const byWorkload = new Map<string, CollectorPod[]>();
  for (const c of collectors) {
    const k = c.owner ? `${c.owner.kind}/${c.owner.namespace}/${c.owner.name}/${c.container}` : `Pod/${c.namespace}/${c.pod}/${c.container}`;
    const list = byWorkload.get(k) ?? [];
    list.push(c);
    byWorkload.set(k, list);
  }
  const out: CollectorPod[] = [];
  for (const pods of byWorkload.values()) {
    const t = pods.filter((c) => telling.has(`${c.namespace}/${c.pod}`));
    out.push(...(t.length ? t.slice(0, PER_WORKLOAD) : pods.slice(0, 1)));
  }
  return out;
}

export interface MetricsPhase {
  reviews: AccessReview[];
  incomplete: IncompleteCheck[];
}

/**
 * Reads the chosen pods' metrics into `c.metrics` (every collector gets a record: read, or not and why).
 * pods/proxy is asked for only in namespaces where a pod could be read, so a cluster whose collectors keep
 * the default localhost endpoint never sees the review.
 */
export async function readCollectorMetrics(
  client: ClusterClient,
  collectors: CollectorPod[],
  logs: LogEvidence[],
  opts: { run: <T>(fn: () => Promise<T>) => Promise<T>; signal?: AbortSignal },
): Promise<MetricsPhase> {
  const phase: MetricsPhase = { reviews: [], incomplete: [] };
  const chosen = new Set(metricsTargets(collectors, logs));
  const readable: { c: CollectorPod; ep: TelemetryEndpoint }[] = [];
  for (const c of collectors) {
    const ep = telemetryEndpoint(c);
    if ('notRun' in ep) {
      c.metrics = { notRun: ep.notRun };
      continue;
    }
    const base = { endpoint: ep.endpoint, from: ep.from, port: ep.port };
    if (!c.podIP || (c.phase !== undefined && c.phase !== 'Running')) {
      c.metrics = { ...base, notRun: { reason: 'not-running', detail: `pod phase ${c.phase ?? 'unknown'}${c.podIP ? '' : ', no pod IP'}` } };
    } else if (!chosen.has(c)) {
      c.metrics = base; // another replica of the workload stands for it
    } else {
      readable.push({ c, ep });
    }
  }
  const allowed = new Map<string, boolean>();
  for (const ns of new Set(readable.map((r) => r.c.namespace))) {
    const spec = metricsAccessSpec(ns);
    let ok: boolean;
    let error: string | undefined;
    try {
      ok = await client.accessReview(spec.attrs);
    } catch (e) {
      // A cluster that cannot answer reviews: let the read itself speak.
      ok = true;
      error = (e as Error).message;
    }
    allowed.set(ns, ok);
    phase.reviews.push({ verb: 'get', resource: 'pods/proxy', namespace: ns, allowed: ok, ...(error ? { reason: error } : {}) });
    if (!ok) {
      phase.incomplete.push({ check: 'metrics', reason: `cannot get pods/proxy in ${ns}: the collectors' own metrics (exporter failures, queue, refusals) were not read`, remedy: 'grant get on pods/proxy (read-only: the API server proxies a GET to the pod)', rbac: spec.rule });
    }
  }
  await Promise.all(readable.map(({ c, ep }) => opts.run(async () => {
    const path = proxyPath(c.namespace, c.pod, ep.port);
    const base = { endpoint: ep.endpoint, from: ep.from, port: ep.port, path };
    if (!allowed.get(c.namespace)) {
      c.metrics = { ...base, notRun: { reason: 'rbac-denied', detail: `get pods/proxy in ${c.namespace} is not allowed` } };
      return;
    }
    if (!client.proxyGet) {
      c.metrics = { ...base, notRun: { reason: 'request-failed', detail: 'this client cannot read through the pod proxy' } };
      return;
    }
    try {
      const text = await client.proxyGet(c.namespace, c.pod, ep.port, 'metrics', { signal: opts.signal });
      const samples: MetricSample[] = parsePrometheusText(text).filter((s) => KEEP.test(s.name));
      c.metrics = { ...base, samples };
    } catch (e) {
      const detail = e instanceof ApiError ? `${e.reason}: ${e.message}` : (e as Error).message;
      c.metrics = { ...base, notRun: { reason: 'request-failed', detail: detail.slice(0, 300) } };
    }
  })));
  return phase;
}
