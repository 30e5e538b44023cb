import type { AffectedApp, Evidence, Rule, RuleFinding } from '../report/finding.ts';
import { baseMetricName } from '../otel/prometheus.ts';
import type { CollectorPod, MetricSample } from '../snapshot.ts';
import { currentCollectorMatches, exportersWith, judgeCollectorWorkloads, LIMITER_REFUSED, memoryLimiters, metricEvidence, RECEIVER_REFUSED, SEND_FAILED } from './exporter-shared.ts';
import { appLogMatches, clientsOf, truncate } from './util.ts';

/** memorylimiter.go logs the transitions: "Refusing data." going in, "back within limits" coming out. */
function refusingByLog(s: Parameters<Rule['check']>[0], p: CollectorPod): { refusing: boolean; recovered: boolean; lines: string[]; limits?: string } {
  const ms = currentCollectorMatches(s, p, ['memory-limit']);
  let refusing = false;
  let recovered = false;
  const lines: string[] = [];
  let limits: string | undefined;
  for (const m of ms) {
    const st = m.fields?.state;
    if (st === 'refusing') { refusing = true; recovered = false; lines.push(m.line); }
    else if (st === 'recovered') { refusing = false; recovered = true; lines.length = 0; }
    else if (st === 'hard-limit' && refusing) { lines.push(m.line); }
    else if (st === 'configured' && m.fields?.limit_mib) { limits = `limit_mib ${m.fields.limit_mib}${m.fields.spike_limit_mib ? `, spike_limit_mib ${m.fields.spike_limit_mib} (refusing from ${Number(m.fields.limit_mib) - Number(m.fields.spike_limit_mib)} MiB)` : ''}`; }
  }
  return { refusing, recovered, lines, ...(limits ? { limits } : {}) };
}

/**
 * The app's lines that carry the limiter's own refusal (ErrDataRefused). Not every 'backpressure' line: a
 * full sending queue upstream ("sending queue is full") is backpressure too, but no memory limiter's doing.
 */
function limiterRefusals(s: Parameters<Rule['check']>[0], app: Parameters<typeof appLogMatches>[1]): ReturnType<typeof appLogMatches> {
  return appLogMatches(s, app, ['backpressure']).filter((m) => m.signature === 'collector-memory-limited');
}

/** The memory limiter's refusal counters; the generic processor series counts only memory_limiter's. */
const limiterSample = (x: MetricSample): boolean => x.value > 0 && (/memory_limiter_refused/.test(x.name) || (x.labels.processor ?? '').split('/')[0] === 'memory_limiter');

function settingsText(settings: Record<string, unknown>): string {
  const keysOf = ['limit_mib', 'spike_limit_mib', 'limit_percentage', 'spike_limit_percentage'].filter((k) => settings[k] !== undefined);
  return keysOf.length ? keysOf.map((k) => `${k} ${String(settings[k])}`).join(', ') : 'no limits written';
}

export const rule: Rule = {
  id: 'collector-refusing-data',
  severity: 'error',
  title: 'Collector refuses data (memory limiter)',
  description:
    'The collector\'s memory_limiter is above its soft limit (limit minus spike) and refuses what the receivers hand it ("Memory usage is above soft limit. Refusing data."; until "Memory usage back within limits. Resuming normal operation."). The receivers pass the refusal back to the apps: gRPC UNAVAILABLE (Unknown before collector 0.93) and HTTP 503 (500 before 0.98) with "data refused due to high memory usage", which the SDKs log and retry, then drop. One row: the apps that log the refusal are its affected apps (an app\'s "sending queue is full" is the exporter queue\'s, not the limiter\'s). The collector\'s own metrics prove it where they can be read through the API server\'s pod proxy (otelcol_processor_refused_* / otelcol_processor_memory_limiter_refused_*, otelcol_receiver_refused_*). The counters are cumulative: when only they show it (no "Refusing data." as the last transition, no app logging it), or the collector\'s log ends on "back within limits" after the apps\' lines, it happened since the pod started and is a warning.',
  evidence: ['log', 'api', 'config'],
  fix: 'Give the collector memory headroom: raise the container\'s memory limit (limit_percentage follows it; limit_mib must be raised by hand), add replicas behind the Service, or lower what arrives (sampling, smaller batches). When its exporters fail too, a queue that cannot drain holds the memory: fix that first.',
  modes: ['diagnose'],
  check(s) {
    // Without a memory_limiter there is nothing that refuses: a pass, whatever was read.
    return judgeCollectorWorkloads(s, (w) => {
      const limiters = memoryLimiters(w.pods[0]);
      const evidence: Evidence[] = [];
      const refusingPods: CollectorPod[] = [];
      // Pods whose refusal only a cumulative counter shows: it happened since the pod started, maybe not now.
      const pastPods: CollectorPod[] = [];
      let limits: string | undefined;
      for (const p of w.pods) {
        const r = refusingByLog(s, p);
        limits ??= r.limits;
        const byMetric = (p.metrics?.samples ?? []).some((x) => LIMITER_REFUSED.test(baseMetricName(x.name)) && limiterSample(x));
        if (r.refusing) { refusingPods.push(p); }
        else if (byMetric) { pastPods.push(p); }
        for (const l of r.lines.slice(0, 2)) { evidence.push({ source: 'log', detail: truncate(l.trim(), 500) }); }
      }
      // The apps' side: their SDKs log the refusal the receiver passed back (collector-memory-limited).
      const clients = (refusingPods.length ? refusingPods : w.pods).flatMap((p) => clientsOf(s, p));
      const told = clients.filter((cl) => limiterRefusals(s, cl.app).length > 0);
      // Only a counter says so: it refused since the pod started. A recovery line in the log after the last
      // refusal, or no app line and no log at all, does not make that the current state.
      // The apps' lines are no more current than the collector's own: after "back within limits" on every
      // pod, they tell of a refusal that ended.
      const allRecovered = w.pods.every((p) => refusingByLog(s, p).recovered);
      const past = !refusingPods.length && (told.length ? allRecovered : pastPods.length > 0);
      if (past) { refusingPods.push(...(pastPods.length ? pastPods : w.pods)); }
      if (!refusingPods.length && !(told.length && limiters.length)) { return null; }
      if (!refusingPods.length) {
        // No log line or metric from the collector (rolled out of the tail, metrics unread): the apps' own lines.
        refusingPods.push(...new Set(told.flatMap((cl) => w.pods.filter((p) => clientsOf(s, p).some((x) => x.app === cl.app)))));
      }
      evidence.push(...metricEvidence(refusingPods, LIMITER_REFUSED, {}, limiterSample));
      evidence.push(...metricEvidence(refusingPods, RECEIVER_REFUSED, {}).filter((e) => !/were not read/.test(e.detail)));
      evidence.push({ source: 'config', detail: limiters.length ? limiters.map((l) => `${l.processor} in ${l.pipeline}: ${settingsText(l.settings)}`).filter((x, i, a) => a.indexOf(x) === i).join('; ') : 'no memory_limiter found in the effective config' });
      const affected = new Map<string, AffectedApp>();
      for (const cl of clients) {
        const a = cl.app;
        const k = `${a.namespace}/${a.pod}/${a.container}`;
        const lines = limiterRefusals(s, a);
        const cur = affected.get(k) ?? { namespace: a.namespace, workload: a.workload?.name, pod: a.pod, container: a.container, endpoint: cl.exp.url, symptoms: [] };
        for (const l of lines.slice(0, 1)) {
          const sy = `log: ${truncate(l.line.trim(), 300)}`;
          if (!cur.symptoms.includes(sy)) { cur.symptoms.push(sy); }
        }
        affected.set(k, cur);
      }
      // One line per app container (an app is a client once per signal it exports).
      for (const app of [...new Set(told.map((cl) => cl.app))].slice(0, 3)) {
        const l = limiterRefusals(s, app)[0];
        evidence.push({ source: 'log', detail: `${app.namespace}/${app.pod}: ${truncate(l.line.trim(), 400)}` });
      }
      const failing = exportersWith(w.pods, SEND_FAILED).size > 0 || w.pods.some((p) => currentCollectorMatches(s, p, ['export-failed', 'queue-full']).length > 0);
      if (past) {
        const recoveredPods = refusingPods.filter((p) => refusingByLog(s, p).recovered).map((p) => p.pod);
        const finding: RuleFinding = {
          subject: w.subject,
          severity: 'warning',
          summary: `the memory limiter refused data on ${refusingPods.length}/${w.pods.length} pod(s) since they started${recoveredPods.length ? ', and is back within limits' : ''}`,
          rootCause: `${pastPods.length ? 'The memory_limiter\'s refusal counters are above zero' : 'The apps logged the limiter\'s refusal'}: at some time since the pod started, memory use was above its soft limit${limits ? ` (${limits})` : ''} and batches were refused. ${recoveredPods.length ? `Its log says it is back within limits now (${recoveredPods.join(', ')}).` : 'Nothing read shows it refusing now (no "Refusing data." line in the log tail, no app logging the refusal).'}`,
          evidence,
          fix: { summary: `If it recurs, give ${w.label} memory headroom: raise the container's memory limit with the memory_limiter's, add replicas, or lower the load.`, target: `the memory_limiter processor and the container resources of ${w.label}` },
        };
        return { findings: [finding] };
      }
      const finding: RuleFinding = {
        subject: w.subject,
        summary: `the memory limiter refuses data on ${refusingPods.length}/${w.pods.length} pod(s): receivers answer apps with errors`,
        rootCause: `Memory use is above the memory_limiter's soft limit${limits ? ` (${limits})` : ''}, so it refuses every batch and the receivers answer the apps with UNAVAILABLE / 503 ("data refused due to high memory usage"); the SDKs retry, then drop.${failing ? ' Its exporters are failing too: a queue that cannot drain holds the memory (exporter-failing).' : ''}`,
        evidence,
        fix: { summary: `Give ${w.label} memory headroom: raise the container's memory limit with the memory_limiter's (limit_percentage follows the limit, limit_mib does not), add replicas, or lower the load.${failing ? ' Fix the failing exporter first.' : ''}`, target: `the memory_limiter processor and the container resources of ${w.label}` },
        ...(affected.size ? { affected: [...affected.values()] } : {}),
      };
      return { findings: [finding] };
    }, (w) => memoryLimiters(w.pods[0]).length > 0);
  },
};
