/**
 * The Prometheus text exposition format (version 0.0.4), as the collector's own telemetry serves it: the
 * OpenCensus exporter before 0.1xx, the OpenTelemetry Go SDK's prometheus exporter after (counters then gain
 * the `_total` suffix). Only samples are read; HELP/TYPE lines and comments are skipped. Written here rather
 * than taken from npm: no parser there is kept up, and the format's sample line is small
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format).
 */
import type { MetricSample } from '../snapshot.ts';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

function parseValue(s: string): number | null {
  if (s === '+Inf' || s === 'Inf') { return Number.POSITIVE_INFINITY; }
  if (s === '-Inf') { return Number.NEGATIVE_INFINITY; }
  if (s === 'NaN') { return Number.NaN; }
  // Go's strconv.ParseFloat forms: decimal, exponent, hex floats are not written by either exporter.
  if (!/^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(s)) { return null; }
  return Number(s);
}

/** `{a="1",b="x\"y"}` from position i (at `{`): the labels and the position after `}`; null when malformed. */
function parseLabels(line: string, i: number): { labels: Record<string, string>; end: number } | null {
  const labels: Record<string, string> = {};
  let p = i + 1;
  for (;;) {
    while (line[p] === ' ' || line[p] === ',') { p++; }
    if (line[p] === '}') { return { labels, end: p + 1 }; }
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(p));
    if (!name) { return null; }
    p += name[0].length;
    while (line[p] === ' ') { p++; }
    if (line[p] !== '=') { return null; }
    p++;
    while (line[p] === ' ') { p++; }
    if (line[p] !== '"') { return null; }
    p++;
    let value = '';
    for (;;) {
      const ch = line[p];
      if (ch === undefined) { return null; }
      if (ch === '"') { p++; break; }
      if (ch === '\\') {
        const next = line[p + 1];
        value += next === 'n' ? '\n' : next ?? '';
        p += 2;
        continue;
      }
      value += ch;
      p++;
    }
    labels[name[0]] = value;
  }
}

/** Every sample of an exposition; malformed lines are skipped (one bad line must not hide the others). */
export function parsePrometheusText(text: string): MetricSample[] {
  const out: MetricSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) { continue; }
    const name = NAME.exec(line);
    if (!name) { continue; }
    let p = name[0].length;
    let labels: Record<string, string> = {};
    if (line[p] === '{') {
      const l = parseLabels(line, p);
      if (!l) { continue; }
      labels = l.labels;
      p = l.end;
    }
    // value, then an optional timestamp
    const rest = line.slice(p).trim().split(/\s+/);
    const value = parseValue(rest[0] ?? '');
    if (value === null) { continue; }
    out.push({ name: name[0], labels, value });
  }
  return out;
}

/**
 * The name without what the exporter appended, so one lookup serves every version: `_total` (counters from
 * the OpenTelemetry Go prometheus exporter), and the doubled unit of collector v0.130.0's user-written pull
 * readers (`otelcol_exporter_sent_spans__spans__total`: CHANGELOG v0.130.0 known issue, fixed in v0.130.1, #13449).
 */
export function baseMetricName(name: string): string {
  const n = name.endsWith('_total') ? name.slice(0, -'_total'.length) : name;
  return n.replace(/__[a-z]+_*$/, '');
}

/** Samples of a metric (with or without `_total`) whose labels include every given pair. */
export function samplesOf(samples: readonly MetricSample[], base: string | RegExp, labels: Record<string, string> = {}): MetricSample[] {
  return samples.filter((s) => {
    const b = baseMetricName(s.name);
    if (typeof base === 'string' ? b !== base : !base.test(b)) { return false; }
    return Object.entries(labels).every(([k, v]) => s.labels[k] === v);
  });
}

/** The sum of those samples, or undefined when there is none (absent is not zero). */
export function sumOf(samples: readonly MetricSample[], base: string | RegExp, labels: Record<string, string> = {}): number | undefined {
  const m = samplesOf(samples, base, labels);
  return m.length ? m.reduce((a, s) => a + (Number.isFinite(s.value) ? s.value : 0), 0) : undefined;
}
