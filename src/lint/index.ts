/**
 * lint(): files -> Report, offline. Reads and parses every input (errors collected per file, never thrown),
 * recognises shapes, links objects across files, judges the Snapshot in mode 'lint' with the same rule
 * catalogue as diagnose, and gives each finding its source location.
 */
import { compareAppSummaries, compareChecks, compareCollectorSummaries, compareFindings, judge } from '../engine.ts';
import type { Check, Finding, Report } from '../report/finding.ts';
import type { Snapshot } from '../snapshot.ts';
import { operatorAssumedNote } from '../otel/operator-data.ts';
import { buildLintSnapshot, findingLocation } from './build.ts';
import { lintContexts } from './contexts.ts';
import { chartOfTemplate, expectationFiles } from './expectations.ts';
import { isKustomization, kustomize, type KustomizeOptions, type KustomizeResult } from './kustomize.ts';
import { objectsOf, renderedObject, type LintObject } from './shapes.ts';
import { errorLine, expandPaths, parseSource, readSource, type InputError, type PathSeg, type Skipped, type SourceDoc } from './source.ts';

export { errorLine, type InputError, type Skipped };

export interface LintOptions {
  collectorVersion?: string;
  /** --operator-version: the OpenTelemetry operator release operator CRs and inject annotations are judged for */
  operatorVersion?: string;
  pluginVersion?: string;
  /** reads stdin for `-` (tests inject it) */
  stdin?: () => Buffer;
  /** how kustomizations are rendered (lint() only: lintTexts has no directories to render) */
  kustomize?: KustomizeOptions;
}

export interface LintResult {
  report: Report;
  /** one per lint context (see contexts.ts) */
  snapshots: Snapshot[];
  /** how many objects (manifests, configs, values) the files yielded: 0 means nothing was linted */
  objects: number;
  errors: InputError[];
  /** well-formed files and documents that are not for otel-doctor, each with why */
  skipped: Skipped[];
  files: string[];
}

/** Rules about the pod around a collector say nothing about a bare config file, which has no pod. */
const NEEDS_POD = new Set(['collector-no-readiness-probe', 'daemonset-no-hostport', 'service-missing']);

/** How an input error appears among the report's notes (lint's table output leaves these out again). */
export function inputErrorNote(e: InputError): string {
  return `input error: ${errorLine(e)}`;
}

/** How a skipped file or document appears among the report's notes (and on stderr in the terminal formats). */
export function skippedNote(s: Skipped): string {
  return `skipped ${s.line ? `${s.file}:${s.line}` : s.file}: ${s.reason}`;
}

export function lintTexts(inputs: { file: string; text: string }[], opts: LintOptions = {}, preErrors: InputError[] = []): LintResult {
  return lintInputs(inputs, opts, preErrors, false);
}

function lintInputs(inputs: { file: string; text: string }[], opts: LintOptions, preErrors: InputError[], onDisk: boolean, preSkipped: Skipped[] = []): LintResult {
  const errors = [...preErrors];
  const skipped: Skipped[] = [...preSkipped];
  const extraNotes: string[] = [];
  const objects: LintObject[] = [];
  const parsed = new Map<string, SourceDoc[]>();
  const consumed = new Set<string>();
  const parseErrors: InputError[] = [];
  for (const { file, text } of inputs) {
    // A Helm chart's templates are Go templates, not YAML yet: what `helm template` renders is lintable.
    const chart = onDisk ? chartOfTemplate(file) : undefined;
    if (chart) {
      skipped.push({ file, reason: `a template of the Helm chart ${chart}: run \`helm template ${chart} | kubectl otel-doctor lint -\`` });
      consumed.add(file);
      continue;
    }
    const p = parseSource(file, text);
    if (p.errors.length && /\.json$/i.test(file) && isJsonWithComments(text)) {
      // tsconfig.json, an editor's settings: JSON with comments, which no Kubernetes tool reads.
      skipped.push({ file, reason: 'JSON with comments (a compiler or editor config), not a manifest' });
      consumed.add(file);
      continue;
    }
    if (p.errors.length && GO_TEMPLATE.test(text)) {
      // Not YAML until a template engine runs (a chart's `.Files.Get` + `tpl` input, a CRD wrapped in
      // `{{- if .Values.crds.create }}`): the renderer's output is what can be linted.
      skipped.push({ file, reason: 'a Go template ({{ ... }} actions), not YAML until it is rendered (helm template)' });
      consumed.add(file);
      continue;
    }
    parseErrors.push(...p.errors);
    parsed.set(file, p.docs);
  }
  const files = inputs.map((i) => i.file);
  const expectations = expectationFiles(files.flatMap((f) => parsed.get(f) ?? []), files);
  // An assert file is the test tool's, in its dialect (JMESPath keys, repeated keys): not ours to refuse.
  errors.push(...parseErrors.filter((e) => !expectations.has(e.file)));
  for (const [file, reason] of expectations) {
    skipped.push({ file, reason });
    consumed.add(file);
  }
  const k = onDisk ? kustomize(files.filter((f) => !consumed.has(f)), parsed, opts.kustomize) : offDisk(files);
  errors.push(...k.errors);
  skipped.push(...k.skipped);
  extraNotes.push(...k.notes);
  for (const f of k.consumed) { consumed.add(f); }
  for (const r of k.rendered) {
    for (const doc of r.docs) {
      const v = doc.value as Record<string, any>;
      const items: [unknown, PathSeg[]][] = v && typeof v === 'object' && /List$/.test(String(v.kind)) && Array.isArray(v.items) ? v.items.map((it: unknown, i: number) => [it, ['items', i]]) : [[v, []]];
      for (const [item, base] of items) {
        const src = r.sourceOf(item);
        const res = renderedObject(src?.sd ?? doc, item, src?.base ?? base, r.kustomization);
        objects.push(...res.objects);
        skipped.push(...res.skipped);
      }
    }
  }
  for (const file of files) {
    if (consumed.has(file)) { continue; }
    for (const sd of parsed.get(file) ?? []) {
      const r = objectsOf(sd);
      objects.push(...r.objects);
      errors.push(...r.errors);
      skipped.push(...r.skipped);
    }
  }
  const { contexts, notes } = lintContexts(objects);
  const reports: Report[] = [];
  const snapshots: Snapshot[] = [];
  const order = new Map(files.map((f, i) => [f, i]));
  for (const ctx of contexts) {
    // The files this context was linked from (what a fix's verify command re-lints), not every input: each
    // finding's command listing two thousand files made judging a large tree quadratic.
    const ctxFiles = [...new Set(ctx.map((o) => o.origin.unit ?? o.origin.sd.file))].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    const { snapshot, index } = buildLintSnapshot(ctx, { files: ctxFiles, collectorVersion: opts.collectorVersion, operatorVersion: opts.operatorVersion, pluginVersion: opts.pluginVersion });
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
  const allNotes = [...extraNotes, ...notes, ...skipped.map(skippedNote), ...errors.map(inputErrorNote)];
  if (allNotes.length) { report.notes = [...(report.notes ?? []), ...allNotes]; }
  if (!opts.collectorVersion && snapshots.some((s) => s.collectors.some((c) => c.version === null))) {
    report.notes = [...(report.notes ?? []), 'some collector images name no version: default-endpoint rules assume 0.104.0 or later (localhost); pass --collector-version to decide'];
  }
  if (snapshots.some((s) => s.meta.operator && s.meta.operator.version === null)) { report.notes = [...(report.notes ?? []), operatorAssumedNote('lint reads no cluster')]; }
  return { report, snapshots, errors, skipped, files, objects: objects.length };
}

/** A Go template action at the start of a line: `{{- if ...}}`, `{{ end }}`, `{{ toYaml . | nindent 4 }}`. */
const GO_TEMPLATE = /^\s*(?:-\s+)?(?:[\w.-]+:\s*)?\{\{-?\s*(?:if|else|end|with|range|define|template|include|toYaml|tpl|\.|\$)/m;

/** Does the text parse as JSON once `//` and block comments outside strings (and trailing commas) are dropped? */
function isJsonWithComments(text: string): boolean {
  const stripped = text.replace(/("(?:[^"\\]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_m, str: string | undefined) => str ?? '').replace(/,(\s*[}\]])/g, '$1');
  try {
    JSON.parse(stripped);
    return true;
  } catch {
    return false;
  }
}

/** Texts without a directory on disk: a kustomization among them cannot be rendered, only named. */
function offDisk(files: string[]): KustomizeResult {
  const out: KustomizeResult = { rendered: [], errors: [], skipped: [], consumed: new Set(), notes: [] };
  for (const f of files.filter(isKustomization)) {
    out.consumed.add(f);
    out.skipped.push({ file: f, reason: 'a kustomization: lint its directory to have it rendered by `kubectl kustomize`' });
  }
  return out;
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
  const { files, errors, skipped } = expandPaths(paths.length ? paths : ['-']);
  const inputs: { file: string; text: string }[] = [];
  for (const file of files) {
    const r = readSource(file, opts.stdin);
    if (r.error) { errors.push(r.error); } else if (r.text !== undefined) { inputs.push({ file, text: r.text }); }
  }
  return lintInputs(inputs, opts, errors, true, skipped);
}
