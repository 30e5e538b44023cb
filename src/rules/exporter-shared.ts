/**
 * What exporter-failing, exporter-queue-full and collector-refusing-data share: an exporter's endpoint and
 * pipelines from the effective config, and the collector's own metrics as `api` evidence (or, when they were
 * not read, why: a proof that is missing is said, never implied).
 */
import type { CheckedEntry, Evidence, RuleFinding } from '../report/finding.ts';
import { isMap, pipelines } from '../otel/config.ts';
import { expandEnv } from '../otel/envexpand.ts';
import { baseMetricName, samplesOf } from '../otel/prometheus.ts';
import type { CollectorPod, LogMatch, MetricSample, Snapshot } from '../snapshot.ts';
import { collectorWorkloads } from './util.ts';

export type CollectorWorkload = ReturnType<typeof collectorWorkloads>[number];

/**
 * The walk the three rules share: each collector workload judged by `judge`, which returns what it found
 * there, or null for nothing. Nothing found is a pass only where the way out was read (wayOutRead): a
 * clean bill needs the log or metrics that would have shown the failure. `mustRead` false says the rule
 * had nothing to look for on that workload (no memory_limiter to refuse), a pass whatever was read.
 */
export function judgeCollectorWorkloads(
  s: Snapshot,
  judge: (w: CollectorWorkload) => { findings: RuleFinding[]; checked?: CheckedEntry[] } | null,
  mustRead: (w: CollectorWorkload) => boolean = () => true,
): { findings: RuleFinding[]; checked: CheckedEntry[] } {
  const findings: RuleFinding[] = [];
  const checked: CheckedEntry[] = [];
  for (const w of collectorWorkloads(s)) {
    const r = judge(w);
    if (r) {
      findings.push(...r.findings);
      checked.push(...(r.checked ?? []));
      continue;
    }
    checked.push({ subject: w.label, ...(!mustRead(w) || wayOutRead(s, w.pods) ? {} : { status: 'skipped' as const, reason: NOT_READ }) });
  }
  return { findings, checked };
}

/** Per exporter (the log's component), the pods whose running log shows `kind` for it and those lines, oldest first. */
export function matchesByExporter(s: Snapshot, pods: CollectorPod[], kind: string): Map<string, { pods: Set<CollectorPod>; lines: LogMatch[] }> {
  const out = new Map<string, { pods: Set<CollectorPod>; lines: LogMatch[] }>();
  for (const p of pods) {
    for (const m of currentCollectorMatches(s, p, [kind])) {
      const id = m.fields?.component ?? 'unknown';
      const cur = out.get(id) ?? { pods: new Set(), lines: [] };
      cur.pods.add(p);
      cur.lines.push(m);
      out.set(id, cur);
    }
  }
  return out;
}

/** Where an exporter sends: `endpoint`, or otlphttp's per-signal URLs; env expanded with the collector's env. */
export function exporterEndpoint(c: CollectorPod, id: string): string | undefined {
  const cfg = c.effectiveConfig;
  const exporters = cfg && isMap(cfg.exporters) ? cfg.exporters : {};
  const e = isMap(exporters[id]) ? exporters[id] : undefined;
  if (!e) { return undefined; }
  const raw = [e.endpoint, e.traces_endpoint, e.metrics_endpoint, e.logs_endpoint].find((v): v is string => typeof v === 'string' && v !== '');
  return raw === undefined ? undefined : expandEnv(raw, c.env ?? {}).value;
}

/** The pipelines (`traces`, `metrics/2`) that send to this exporter: the data each failure loses. */
export function pipelinesOf(c: CollectorPod, id: string): string[] {
  const cfg = c.effectiveConfig;
  if (!cfg || !isMap(cfg)) { return []; }
  return Object.entries(pipelines(cfg)).filter(([, p]) => p.exporters.includes(id)).map(([name]) => name);
}

/** Pipelines whose processors include a memory_limiter (`memory_limiter` or `memory_limiter/<name>`). */
export function memoryLimiters(c: CollectorPod): { pipeline: string; processor: string; settings: Record<string, unknown> }[] {
  const cfg = c.effectiveConfig;
  if (!cfg || !isMap(cfg)) { return []; }
  const procs = isMap(cfg.processors) ? cfg.processors : {};
  const out: { pipeline: string; processor: string; settings: Record<string, unknown> }[] = [];
  for (const [name, p] of Object.entries(pipelines(cfg))) {
    for (const id of p.processors) {
      if (id.split('/')[0] !== 'memory_limiter') { continue; }
      out.push({ pipeline: name, processor: id, settings: isMap(procs[id]) ? procs[id] : {} });
    }
  }
  return out;
}

/**
 * The running container's matching log lines, oldest first. Not the previous instance's (`--previous`, read
 * after a restart): what it logged before it died says nothing of what the collector does now.
 */
export function currentCollectorMatches(s: Snapshot, c: CollectorPod, kinds: string[]): LogMatch[] {
  return s.logs
    .filter((l) => l.role === 'collector' && !l.previous && l.namespace === c.namespace && l.pod === c.pod)
    .flatMap((l) => l.matches)
    .filter((m) => kinds.includes(m.kind));
}

/** Whether anything of the collector's way out was seen: its running log, or its own metrics. */
export function wayOutRead(s: Snapshot, pods: CollectorPod[]): boolean {
  return pods.some((p) => p.metrics?.samples || s.logs.some((l) => l.role === 'collector' && !l.previous && !l.error && l.namespace === p.namespace && l.pod === p.pod));
}

export const NOT_READ = 'no collector log or metrics read';

function sampleText(s: MetricSample): string {
  const labels = Object.entries(s.labels).filter(([k]) => !/^service_|^otel_scope_/.test(k)).map(([k, v]) => `${k}="${v}"`).join(',');
  return `${s.name}${labels ? `{${labels}}` : ''} ${s.value}`;
}

/**
 * The samples of `base` (with or without `_total`) above zero for this label filter, as one api evidence line
 * per pod; when a pod's metrics were not read, one line saying why.
 */
export function metricEvidence(pods: CollectorPod[], base: RegExp, labels: Record<string, string>, pred: (s: MetricSample) => boolean = (s) => s.value > 0): Evidence[] {
  const out: Evidence[] = [];
  for (const p of pods) {
    const m = p.metrics;
    if (!m) { continue; }
    if (m.notRun) {
      out.push({ source: 'api', detail: `${p.pod}: the collector's own metrics were not read (${m.notRun.reason}${m.notRun.detail ? `: ${m.notRun.detail}` : ''})` });
      continue;
    }
    if (!m.samples) { continue; }
    const hits = samplesOf(m.samples, base, labels).filter(pred);
    if (hits.length) { out.push({ source: 'api', detail: `${p.pod}: ${hits.map(sampleText).join('; ')} (${m.endpoint ?? 'metrics'}, read through the API server's pod proxy)` }); }
  }
  return uniqueNotRead(out);
}

/** One "not read" line for a workload whose replicas all say the same. */
function uniqueNotRead(ev: Evidence[]): Evidence[] {
  const seen = new Set<string>();
  return ev.filter((e) => {
    const k = e.detail.replace(/^[^:]+: /, '');
    if (!k.startsWith("the collector's own metrics were not read")) { return true; }
    if (seen.has(k)) { return false; }
    seen.add(k);
    return true;
  });
}

/** Exporter ids with a metric of `base` above zero in any of the pods' samples. */
export function exportersWith(pods: CollectorPod[], base: RegExp, pred: (s: MetricSample) => boolean = (s) => s.value > 0): Set<string> {
  const out = new Set<string>();
  for (const p of pods) {
    for (const s of p.metrics?.samples ?? []) {
      if (base.test(baseMetricName(s.name)) && s.labels.exporter && pred(s)) { out.add(s.labels.exporter); }
    }
  }
  return out;
}

export const SEND_FAILED = /^otelcol_exporter_send_failed_(?:spans|metric_points|log_records)$/;
export const SENT = /^otelcol_exporter_sent_(?:spans|metric_points|log_records)$/;
export const ENQUEUE_FAILED = /^otelcol_exporter_enqueue_failed_(?:spans|metric_points|log_records)$/;
export const RECEIVER_REFUSED = /^otelcol_receiver_refused_(?:spans|metric_points|log_records)$/;
/** `otelcol_processor_refused_*{processor="memory_limiter"}` up to ~0.11x, `otelcol_processor_memory_limiter_refused_*` after. */
export const LIMITER_REFUSED = /^otelcol_processor_(?:memory_limiter_)?refused_(?:spans|metric_points|log_records)$/;
