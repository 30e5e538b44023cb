/**
 * lint(): files -> Report, offline. Reads and parses every input (errors collected per file, never thrown),
 * recognises shapes, links objects across files, judges the Snapshot in mode 'lint' with the same rule
 * catalogue as diagnose, and gives each finding its source location.
 */
import { judge } from '../engine.ts';
import type { Report } from '../report/finding.ts';
import type { Snapshot } from '../snapshot.ts';
import { buildLintSnapshot, findingLocation } from './build.ts';
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
  snapshot: Snapshot;
  errors: InputError[];
  files: string[];
}

/** Rules about the pod around a collector say nothing about a bare config file, which has no pod. */
const NEEDS_POD = new Set(['collector-no-readiness-probe', 'daemonset-no-hostport', 'service-missing']);

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
  const { snapshot, index } = buildLintSnapshot(objects, { files, collectorVersion: opts.collectorVersion, pluginVersion: opts.pluginVersion });
  const report = judge(snapshot, { mode: 'lint' });
  report.findings = report.findings.filter((f) => !(f.subject.kind === 'CollectorConfig' && NEEDS_POD.has(f.rule)));
  for (const f of report.findings) {
    const loc = findingLocation(f, index);
    if (loc) f.location = loc;
  }
  report.summary = {
    errors: report.findings.filter((f) => f.severity === 'error').length,
    warnings: report.findings.filter((f) => f.severity === 'warning').length,
    infos: report.findings.filter((f) => f.severity === 'info').length,
  };
  if (errors.length) report.notes = [...(report.notes ?? []), ...errors.map((e) => `input error: ${errorLine(e)}`)];
  if (!opts.collectorVersion && snapshot.collectors.some((c) => c.version === null)) {
    report.notes = [...(report.notes ?? []), 'some collector images name no version: default-endpoint rules assume 0.104.0 or later (localhost); pass --collector-version to decide'];
  }
  return { report, snapshot, errors, files };
}

export function lint(paths: string[], opts: LintOptions = {}): LintResult {
  const { files, errors } = expandPaths(paths.length ? paths : ['-']);
  const inputs: { file: string; text: string }[] = [];
  for (const file of files) {
    const r = readSource(file, opts.stdin);
    if (r.error) errors.push(r.error);
    else if (r.text !== undefined) inputs.push({ file, text: r.text });
  }
  return lintTexts(inputs, opts, errors);
}
