// The collector's own metrics on its telemetry endpoint (service::telemetry::metrics), in the Prometheus
// text format (0.0.4) with the names, labels and help texts of the version played. Sources (collector, per tag):
// - names: exporter/exporterhelper, receiver/receiverhelper and processor metadata (documentation.md,
//   internal/metadata/generated_telemetry.go); the OpenCensus-era names were the same (`exporter/sent_spans`
//   under the `otelcol` namespace);
// - no `_total` on the default endpoint in any version: OpenCensus up to 0.92 added none, the OTel Go SDK
//   Prometheus exporter that replaced it (telemetry.useOtelForInternalMetrics, beta in v0.93.0, #7454) was
//   built with WithoutCounterSuffixes and WithoutUnits "to remain backwards compatible" (CHANGELOG v0.90.1;
//   service/internal/proctelemetry/config.go), and from v0.119.0 the default reader sets
//   without_type_suffix/without_units (service/telemetry/factory.go). A user-written `readers:` pull exporter
//   WITHOUT those options gets `_total` and units from v0.119.0 (CHANGELOG v0.119.0, #11611) until v0.152.0
//   gave explicit readers the same defaults (#13867). Units in braces are dropped, `s` is `_seconds`; in
//   v0.130.0 alone they came out as `__spans_` (`otelcol_exporter_sent_spans__spans__total`, otel-go#7039,
//   fixed in v0.130.1, #13449);
// - the resource as constant labels (otelinit/config.go WithResourceAsConstantLabels): service_instance_id,
//   service_name, service_version, escaped to underscores for a scraper that does not ask for UTF-8 names
//   (CHANGELOG v0.148.0 known issue);
// - the memory limiter's counters are otelcol_processor_{accepted,refused}_* up to v0.154 and
//   otelcol_processor_memory_limiter_{accepted,refused}_* from v0.155.0 (memorylimiterprocessor documentation.md);
// - queue_size carries data_type from v0.107.0 (queue_sender.go), queue_capacity from v0.120.0 (obs_queue.go);
// - help texts gain " [alpha]" in v0.115.0 (queue gauges in v0.119.0) and " [Alpha]" from v0.139.0.
import { minorOf, type Version } from './logformat.ts';

type Labels = Record<string, string>;

interface Series { labels: Labels; value: () => number }
interface Family { name: string; type: 'counter' | 'gauge'; series: Map<string, Series> }

const HELP: Record<string, string> = {
  otelcol_exporter_sent: 'successfully sent to destination.',
  otelcol_exporter_send_failed: 'in failed attempts to send to destination.',
  otelcol_exporter_enqueue_failed: 'failed to be added to the sending queue.',
  otelcol_receiver_accepted: 'successfully pushed into the pipeline.',
  otelcol_receiver_refused: 'that could not be pushed into the pipeline.',
  otelcol_processor_accepted: 'successfully pushed into the next component in the pipeline.',
  otelcol_processor_refused: 'that were rejected by the next component in the pipeline.',
};
const WHAT: Record<string, string> = { spans: 'spans', metric_points: 'metric points', log_records: 'log records' };

function helpFor(name: string, m: number): string {
  const tag = (since: number): string => (m >= 139 ? ' [Alpha]' : m >= since ? ' [alpha]' : '');
  if (name === 'otelcol_exporter_queue_size') { return `Current size of the retry queue (in batches)${m >= 119 ? '.' : ''}${tag(119)}`; }
  if (name === 'otelcol_exporter_queue_capacity') { return `Fixed capacity of the retry queue (in batches)${m >= 119 ? '.' : ''}${tag(119)}`; }
  if (name === 'otelcol_process_uptime') { return `Uptime of the process${tag(115)}`; }
  const mm = /^(otelcol_(?:exporter|receiver|processor)_[a-z]+(?:_failed)?)_(spans|metric_points|log_records)$/.exec(name.replace('_memory_limiter_', '_'));
  if (mm && HELP[mm[1]]) { return `Number of ${WHAT[mm[2]]} ${HELP[mm[1]]}${tag(115)}`; }
  return name;
}

/** The units of the families this registry holds (generated_telemetry.go WithUnit, v0.130.0). */
function unitOf(name: string): string | undefined {
  if (name === 'otelcol_process_uptime') { return 's'; }
  if (/_queue_(size|capacity)$/.test(name)) { return '{batches}'; }
  const items = /_(spans|metric_points|log_records)$/.exec(name)?.[1];
  return items === 'spans' ? '{spans}' : items === 'metric_points' ? '{datapoints}' : items === 'log_records' ? '{records}' : undefined;
}

/** How a scrape names the families: the default reader's (plain) or a `readers:` prometheus exporter's. */
export interface Naming { typeSuffix: boolean; units: boolean; unitBug: boolean }

/** The naming a `service::telemetry::metrics` config gets in this version (see the header for the sources). */
export function readerNaming(v: Version, metricsConf: Record<string, unknown>): Naming {
  const m = minorOf(v);
  const readers = Array.isArray(metricsConf.readers) ? metricsConf.readers : [];
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  const prom = readers.map((r) => (isObj(r) && isObj(r.pull) && isObj(r.pull.exporter) && isObj(r.pull.exporter.prometheus) ? r.pull.exporter.prometheus : undefined)).find((p) => p);
  const explicit = prom !== undefined && m >= 119 && m < 152;
  return { typeSuffix: explicit && prom.without_type_suffix !== true, units: explicit && prom.without_units !== true, unitBug: v.text === '0.130.0' };
}

function exposedName(f: { name: string; type: 'counter' | 'gauge' }, n: Naming): string {
  let name = f.name;
  const unit = n.units ? unitOf(f.name) : undefined;
  if (unit === 's') { name += '_seconds'; }
  else if (unit?.startsWith('{') && n.unitBug) { name += `__${unit.slice(1, -1)}_`; }
  if (f.type === 'counter' && n.typeSuffix) { name += '_total'; }
  return name;
}

const key = (l: Labels): string => JSON.stringify(Object.entries(l).sort(([a], [b]) => (a < b ? -1 : 1)));

/** Go's strconv.FormatFloat(v, 'g', -1, 64) as client_golang writes sample values (the shortest exact form). */
function goFloat(v: number): string {
  if (Math.abs(v) >= 1e21 || (v !== 0 && Math.abs(v) < 1e-4)) { return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2'); }
  return String(v);
}

const escapeLabel = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

export class SelfMetrics {
  private readonly families = new Map<string, Family>();

  private series(name: string, type: 'counter' | 'gauge', labels: Labels): Series {
    let f = this.families.get(name);
    if (!f) { f = { name, type, series: new Map() }; this.families.set(name, f); }
    const k = key(labels);
    let s = f.series.get(k);
    if (!s) {
      let n = 0;
      s = { labels, value: () => n };
      (s as Series & { add: (d: number) => void }).add = (d: number) => { n += d; };
      f.series.set(k, s);
    }
    return s;
  }

  /** A monotonic counter; the series exists (at 0) from its first mention, as instruments report 0 once used. */
  add(name: string, labels: Labels, n: number): void {
    (this.series(name, 'counter', labels) as Series & { add: (d: number) => void }).add(n);
  }

  gauge(name: string, labels: Labels, read: () => number, type: 'counter' | 'gauge' = 'gauge'): void {
    const f = this.families.get(name) ?? { name, type, series: new Map<string, Series>() };
    this.families.set(name, f);
    f.series.set(key(labels), { labels, value: read });
  }

  value(name: string, labels: Labels): number | undefined {
    return this.families.get(name)?.series.get(key(labels))?.value();
  }

  /** The scrape body, the families named as `naming` says (readerNaming). */
  render(v: Version, constLabels: Labels, naming: Naming = { typeSuffix: false, units: false, unitBug: false }): string {
    const m = minorOf(v);
    const out: string[] = [];
    for (const f of [...this.families.values()].sort((a, b) => (exposedName(a, naming) < exposedName(b, naming) ? -1 : 1))) {
      if (f.series.size === 0) { continue; }
      const name = exposedName(f, naming);
      out.push(`# HELP ${name} ${helpFor(f.name, m)}`, `# TYPE ${name} ${f.type}`);
      const rows = [...f.series.values()].map((s) => {
        const all = { ...s.labels, ...constLabels };
        const labels = Object.keys(all).sort().map((k) => `${k}="${escapeLabel(all[k])}"`).join(',');
        return { labels, text: `${name}{${labels}} ${goFloat(s.value())}` };
      }).sort((a, b) => (a.labels < b.labels ? -1 : a.labels > b.labels ? 1 : 0));
      for (const r of rows) { out.push(r.text); }
    }
    // The OTel-era exporter also writes the resource as target_info (no WithoutTargetInfo option is set).
    if (m >= 93) {
      const labels = Object.keys(constLabels).sort().map((k) => `${k}="${escapeLabel(constLabels[k])}"`).join(',');
      out.push('# HELP target_info Target metadata', '# TYPE target_info gauge', `target_info{${labels}} 1`);
    }
    return out.join('\n') + '\n';
  }
}
