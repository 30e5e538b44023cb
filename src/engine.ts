/**
 * judge(): run every rule of the catalogue that applies to the mode, correlate, and sort. Pure: the same
 * Snapshot always gives the same Report (no clock, no I/O).
 */
import type { Mode, Snapshot } from './snapshot.ts';
import { normalizeSnapshot } from './snapshot.ts';
import { SEVERITY_ORDER, checkSubject, type AppSummary, type Check, type CollectorSummary, type Finding, type Report, type Rule, type RuleResult } from './report/finding.ts';
import { correlate } from './report/correlate.ts';
import { withFixPlans } from './report/fix-commands.ts';
import { withHops } from './report/hops.ts';
import { RULES } from './rules/index.ts';
import { collectorModel } from './otel/config.ts';
import { appExports } from './otel/sdk.ts';

export interface JudgeOptions {
  mode?: Mode;
  /** restrict to these rule ids (explain, tests) */
  rules?: string[];
  catalogue?: Rule[];
}

function subjectKey(f: Finding): string {
  const s = f.subject;
  return `${s.namespace ?? ''}/${s.kind}/${s.name}/${s.container ?? ''}`;
}

/** The report's orders, shared with lint's merge of several contexts (lint/index.ts). */
export const compareChecks = (a: Check, b: Check): number => a.name.localeCompare(b.name) || a.subject.localeCompare(b.subject);
export const compareCollectorSummaries = (a: CollectorSummary, b: CollectorSummary): number => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`);
export const compareAppSummaries = (a: AppSummary, b: AppSummary): number => `${a.namespace}/${a.pod}/${a.container}`.localeCompare(`${b.namespace}/${b.pod}/${b.container}`);

export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    subjectKey(a).localeCompare(subjectKey(b)) ||
    a.rule.localeCompare(b.rule) ||
    a.summary.localeCompare(b.summary)
  );
}

/**
 * One rule as judge() runs it: its findings stamped with the rule's id (and its default severity where a
 * finding sets none), and its checks[] entries derived. A rule that throws is one `error` check, so a
 * rule bug does not cost the user the rest of the report.
 */
export function runRule(rule: Rule, snapshot: Snapshot): { findings: Finding[]; checks: Check[] } {
  let result: RuleResult;
  try {
    result = rule.check(snapshot);
  } catch (e) {
    return { findings: [], checks: [{ name: rule.id, subject: 'Cluster', status: 'error', reason: `rule failed: ${(e as Error).message}` }] };
  }
  // rule and severity first, as every renderer and the JSON contract have always had them.
  const findings: Finding[] = (Array.isArray(result) ? result : result.findings).map(({ severity, ...rest }) => ({ rule: rule.id, severity: severity ?? rule.severity, ...rest }));
  const checks: Check[] = [];
  if (!Array.isArray(result) && result.skipped) {
    checks.push({ name: rule.id, subject: 'Cluster', status: 'skipped', reason: result.skipped });
    return { findings, checks };
  }
  const failed = new Set(findings.map((f) => checkSubject(f.subject)));
  for (const f of failed) {
    checks.push({ name: rule.id, subject: f, status: 'fail' });
  }
  const checked = Array.isArray(result) ? [] : (result.checked ?? []);
  // A Set, not a scan of `checks`: rules check every collector and app, and a scan made big runs quadratic.
  const seen = new Set<string>();
  for (const c of checked) {
    if (failed.has(c.subject) || seen.has(c.subject)) {
      continue;
    }
    seen.add(c.subject);
    checks.push({ name: rule.id, subject: c.subject, status: c.status === 'fail' ? 'pass' : (c.status ?? 'pass'), ...(c.reason ? { reason: c.reason } : {}) });
  }
  if (!failed.size && !checked.length) {
    checks.push({ name: rule.id, subject: 'Cluster', status: 'pass' });
  }
  return { findings, checks };
}

export function judge(input: Snapshot, opts: JudgeOptions = {}): Report {
  const snapshot = normalizeSnapshot(input);
  const mode = opts.mode ?? snapshot.meta.mode ?? 'diagnose';
  const catalogue = (opts.catalogue ?? RULES).filter((r) => r.modes.includes(mode) && (!opts.rules || opts.rules.includes(r.id)));
  const raw: Finding[] = [];
  const checks: Check[] = [];
  for (const rule of catalogue) {
    const ran = runRule(rule, snapshot);
    raw.push(...ran.findings);
    checks.push(...ran.checks);
  }
  const findings = withFixPlans(correlate(raw).sort(compareFindings), snapshot);
  checks.sort(compareChecks);
  const summary = {
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    infos: findings.filter((f) => f.severity === 'info').length,
  };
  return {
    schemaVersion: 'otel-doctor/v1',
    mode,
    generatedAt: snapshot.meta.time,
    collectors: summarizeCollectors(snapshot),
    apps: withHops(summarizeApps(snapshot), snapshot, findings),
    checks,
    findings,
    ...(snapshot.notes.length ? { notes: [...snapshot.notes] } : {}),
    summary,
  };
}

function summarizeCollectors(s: Snapshot): CollectorSummary[] {
  return s.collectors
    .map((c) => {
      const m = collectorModel(c, s.meta.assumedCollectorVersion);
      const endpoints = (m?.receivers ?? []).map((e) => `${e.component}/${e.protocol} ${e.effective} (${e.class})`);
      if (m?.healthCheck) { endpoints.push(`${m.healthCheck.component} ${m.healthCheck.effective} (${m.healthCheck.class})`); }
      return {
        namespace: c.namespace,
        name: c.pod,
        ...(c.owner ? { workload: `${c.owner.kind}/${c.owner.name}` } : {}),
        image: c.image,
        version: c.version,
        ready: c.ready,
        endpoints,
        ...(c.listeners ? { listenerMethod: c.listeners.method } : {}),
      };
    })
    .sort(compareCollectorSummaries);
}

const PROBE_RANK = ['refused', 'timeout', 'dns-failure', 'unreachable', 'connected', 'not-run'];
const OTLP_RANK = ['wrong-protocol', 'wrong-path', 'rejected', 'tls-expected', 'plaintext-expected', 'no-answer', 'refused', 'timeout', 'dns-failure', 'otlp-http-ok', 'grpc-ok', 'tls-ok', 'not-run'];

function summarizeApps(s: Snapshot): AppSummary[] {
  return s.apps
    .map((a) => {
      const ex = appExports(a);
      const first = ex[0];
      const by = a.probedBy ?? a;
      const probes = s.probes.filter((p) => p.from.namespace === by.namespace && p.from.pod === by.pod && p.target.kind === 'app-endpoint');
      const worst = probes.map((p) => p.result).sort((x, y) => PROBE_RANK.indexOf(x) - PROBE_RANK.indexOf(y))[0];
      const otlp = probes.flatMap((p) => (p.otlp ? [p.otlp.result] : [])).sort((x, y) => OTLP_RANK.indexOf(x) - OTLP_RANK.indexOf(y))[0];
      return {
        namespace: a.namespace,
        ...(a.workload ? { workload: `${a.workload.kind}/${a.workload.name}` } : {}),
        pod: a.pod,
        container: a.container,
        ...(first?.url ? { endpoint: first.url } : {}),
        ...(first?.protocol ? { protocol: first.protocol } : {}),
        ...(a.sdk ? { sdk: `${a.sdk.language}${a.sdk.flavour && a.sdk.flavour !== 'unknown' ? ` ${a.sdk.flavour}` : ''}` } : {}),
        ...(worst ? { probe: worst } : {}),
        ...(otlp ? { otlpProbe: otlp } : {}),
      };
    })
    .sort(compareAppSummaries);
}
