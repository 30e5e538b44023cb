/**
 * lint(): files -> Report, offline. Reads and parses every input (errors collected per file, never thrown),
 * recognises shapes, links objects across files, judges the Snapshot in mode 'lint' with the same rule
 * catalogue as diagnose, and gives each finding its source location.
 */
import { compareAppSummaries, compareChecks, compareCollectorSummaries, compareFindings, judge } from '../engine.ts';
import type { Check, Finding, Report } from '../report/finding.ts';
import type { Snapshot } from '../snapshot.ts';
import { buildLintSnapshot, findingLocation } from './build.ts';
import { lintContexts } from './contexts.ts';
import { objectsOf, type LintObject } from './shapes.ts';
import { errorLine, expandPaths, parseSource, readSource, type InputError } from './source.ts';

export { errorLine, type InputError };

export interface LintOptions {
  collectorVersion?: string;
  pluginVersion?: string;
  /** reads stdin for `-` (tests inject it) */
  stdin?: () => Buffer;
}

export interface LintResult {
  report: Report;
  /** one per lint context (see contexts.ts): usually one */
  snapshots: Snapshot[];
  /** how many objects (manifests, configs, values) the files yielded: 0 means nothing was linted */
  objects: number;
  errors: InputError[];
  files: string[];
}

/** Rules about the pod around a collector say nothing about a bare config file, which has no pod. */
const NEEDS_POD = new Set(['collector-no-readiness-probe', 'daemonset-no-hostport', 'service-missing']);

/** How an input error appears among the report's notes (lint's table output leaves these out again). */
export function inputErrorNote(e: InputError): string {
  return `input error: ${errorLine(e)}`;
}

export function lintTexts(inputs: { file: string; text: string }[], opts: LintOptions = {}, preErrors: InputError[] = []): LintResult {
  const errors = [...preErrors];
  const objects: LintObject[] = [];
  for (const { file, text } of inputs) {
    const parsed = parseSource(file, text);
    errors.push(...parsed.errors);
    for (const sd of parsed.docs) {
      const r = objectsOf(sd);
      objects.push(...r.objects);
      errors.push(...r.errors);
    }
  }
  const files = inputs.map((i) => i.file);
  const { contexts, notes } = lintContexts(objects);
  const reports: Report[] = [];
  const snapshots: Snapshot[] = [];
  for (const ctx of contexts) {
    const { snapshot, index } = buildLintSnapshot(ctx, { files, collectorVersion: opts.collectorVersion, pluginVersion: opts.pluginVersion });
    const report = judge(snapshot, { mode: 'lint' });
    report.findings = report.findings.filter((f) => !(f.subject.kind === 'CollectorConfig' && NEEDS_POD.has(f.rule)));
    for (const f of report.findings) {
      const loc = findingLocation(f, index);
      if (loc) { f.location = loc; }
    }
    reports.push(report);
    snapshots.push(snapshot);
  }
  const report = reports.length === 1 ? reports[0] : mergeReports(reports);
  report.summary = {
    errors: report.findings.filter((f) => f.severity === 'error').length,
    warnings: report.findings.filter((f) => f.severity === 'warning').length,
    infos: report.findings.filter((f) => f.severity === 'info').length,
  };
  if (notes.length) { report.notes = [...(report.notes ?? []), ...notes]; }
  if (errors.length) { report.notes = [...(report.notes ?? []), ...errors.map(inputErrorNote)]; }
  if (!opts.collectorVersion && snapshots.some((s) => s.collectors.some((c) => c.version === null))) {
    report.notes = [...(report.notes ?? []), 'some collector images name no version: default-endpoint rules assume 0.104.0 or later (localhost); pass --collector-version to decide'];
  }
  return { report, snapshots, errors, files, objects: objects.length };
}

const CHECK_RANK: Record<string, number> = { fail: 0, error: 1, skipped: 2, pass: 3 };

/**
 * Reports of several lint contexts as one: a file shared by contexts yields the same finding in each (kept
 * once); a check keeps its worst status per subject; summaries of the same object in two variants stay
 * apart when they differ.
 */
function mergeReports(reports: Report[]): Report {
  const once = <T>(items: T[], key: (x: T) => string): T[] => {
    const seen = new Set<string>();
    return items.filter((x) => { const k = key(x); if (seen.has(k)) { return false;  }seen.add(k); return true; });
  };
  // The same finding from two contexts may explain different apps (a shared collector file linked with each
  // variant's apps): one finding, the apps of both.
  const byKey = new Map<string, Finding>();
  for (const f of reports.flatMap((r) => r.findings)) {
    const k = JSON.stringify([f.rule, f.subject, f.location, f.summary]);
    const prev = byKey.get(k);
    if (!prev) { byKey.set(k, f); continue; }
    const apps = [...(prev.affected ?? []), ...(f.affected ?? [])];
    const merged = once(apps, (a) => `${a.namespace}/${a.pod}/${a.container}`);
    if (merged.length) { prev.affected = merged; }
  }
  const findings = [...byKey.values()].sort(compareFindings);
  const worst = new Map<string, Check>();
  for (const c of reports.flatMap((r) => r.checks)) {
    const k = `${c.name}\0${c.subject}`;
    const prev = worst.get(k);
    if (!prev || (CHECK_RANK[c.status] ?? 9) < (CHECK_RANK[prev.status] ?? 9)) { worst.set(k, c); }
  }
  const checks = [...worst.values()].sort(compareChecks);
  const collectors = once(reports.flatMap((r) => r.collectors), (c) => JSON.stringify(c)).sort(compareCollectorSummaries);
  const apps = once(reports.flatMap((r) => r.apps), (a) => JSON.stringify(a)).sort(compareAppSummaries);
  const notes = once(reports.flatMap((r) => r.notes ?? []), (n) => n);
  return { ...reports[0], collectors, apps, checks, findings, ...(notes.length ? { notes } : {}) };
}

export function lint(paths: string[], opts: LintOptions = {}): LintResult {
  const { files, errors } = expandPaths(paths.length ? paths : ['-']);
  const inputs: { file: string; text: string }[] = [];
  for (const file of files) {
    const r = readSource(file, opts.stdin);
    if (r.error) { errors.push(r.error); } else if (r.text !== undefined) { inputs.push({ file, text: r.text }); }
  }
  return lintTexts(inputs, opts, errors);
}
