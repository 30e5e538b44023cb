/**
 * Suppressions and severity overrides, as kube-linter's `ignore-check.kube-linter.io/<check>` annotations
 * and popeye's spinach file allow: applied to a judged Report, so `lint` and `diagnose` share them.
 *
 * A suppressed finding is moved to `report.suppressed` with who suppressed it and why; it never counts
 * for the exit code and is never silently dropped (`-o wide`, json, yaml and SARIF show it). A disabled
 * rule's findings are dropped and its checks say `disabled`: the user asked for the rule not to run.
 * Pure: no I/O (the config file is read by doctor-config.ts).
 */
import { checkSubject, type Check, type Finding, type Report, type Severity, type Subject } from './report/finding.ts';
import type { IgnoreAnnotation } from './snapshot.ts';

/** The annotation: `otel-doctor.io/ignore: "<rule-id>[,<rule-id>]: <reason>"` on any object. */
export const IGNORE_ANNOTATION = 'otel-doctor.io/ignore';

export interface IgnoreEntry {
  /** a rule id, or `*` for every rule */
  rule: string;
  /** glob on `Kind namespace/name`, `namespace/name` or `name` (`*` any run of characters, `?` one); absent: everywhere */
  subject?: string;
  reason: string;
}

/** What a `.otel-doctor.yaml` (or `--config FILE`) holds, validated. */
export interface DoctorConfig {
  /** where it was read from, for the evidence of what it suppressed */
  file?: string;
  disable: string[];
  severity: Record<string, Severity>;
  ignore: IgnoreEntry[];
}

/** Who suppressed a finding and why; `source` is the annotated object, the config file, or the flag as typed. */
export type Suppression = NonNullable<Finding['suppression']>;

export interface Policy {
  config?: DoctorConfig;
  /** `--ignore RULE[=NAMESPACE/NAME]`, parsed */
  flags?: Array<{ rule: string; subject?: string; text: string }>;
  /** annotations found on the objects (Snapshot.ignores) */
  annotations?: IgnoreAnnotation[];
}

const RULE_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** `"rule-a,rule-b: why"` -> rules and reason; a missing reason or a malformed id is an error to report, not to guess. */
export function parseIgnoreAnnotation(value: string): { rules: string[]; reason: string } | { error: string } {
  const colon = value.indexOf(':');
  if (colon < 0) { return { error: `"${value}" gives no reason: write "<rule-id>[,<rule-id>]: <reason>"` }; }
  const rules = value.slice(0, colon).split(',').map((r) => r.trim()).filter(Boolean);
  const reason = value.slice(colon + 1).trim();
  if (!rules.length) { return { error: `"${value}" names no rule: write "<rule-id>[,<rule-id>]: <reason>"` }; }
  const bad = rules.find((r) => r !== '*' && !RULE_ID.test(r));
  if (bad) { return { error: `"${bad}" is not a rule id` }; }
  if (!reason) { return { error: `"${value}" gives no reason after the colon: the reason is required` }; }
  return { rules, reason };
}

/** `RULE` or `RULE=NAMESPACE/NAME` (a glob, as in the config file). */
export function parseIgnoreFlag(text: string): { rule: string; subject?: string; text: string } | { error: string } {
  const eq = text.indexOf('=');
  const rule = (eq < 0 ? text : text.slice(0, eq)).trim();
  const subject = eq < 0 ? undefined : text.slice(eq + 1).trim();
  if (rule !== '*' && !RULE_ID.test(rule)) { return { error: `--ignore ${JSON.stringify(text)}: "${rule}" is not a rule id` }; }
  if (subject !== undefined && !subject) { return { error: `--ignore ${JSON.stringify(text)}: nothing after "="; use RULE=NAMESPACE/NAME` }; }
  return { rule, ...(subject ? { subject } : {}), text };
}

function globRegExp(glob: string): RegExp {
  const body = glob.split('').map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`);
}

/** The spellings of a subject a glob may be written against. */
function subjectForms(s: Subject): string[] {
  const nsName = s.namespace ? `${s.namespace}/${s.name}` : s.name;
  return [`${s.kind} ${nsName}`, nsName, s.name];
}

function subjectMatches(glob: string | undefined, s: Subject): boolean {
  if (glob === undefined) { return true; }
  const re = globRegExp(glob);
  return subjectForms(s).some((f) => re.test(f));
}

const ruleMatches = (rules: string[], id: string) => rules.includes('*') || rules.includes(id);

function annotationMatches(a: IgnoreAnnotation, f: Finding): boolean {
  const s = f.subject;
  return a.kind === s.kind && a.name === s.name && (a.namespace ?? '') === (s.namespace ?? '') && ruleMatches(a.rules, f.rule);
}

function suppressionFor(f: Finding, policy: Policy): Suppression | undefined {
  for (const a of policy.annotations ?? []) {
    if (annotationMatches(a, f)) {
      return { by: 'annotation', reason: a.reason, source: `${IGNORE_ANNOTATION} on ${checkSubject(a)}${a.via ? ` (${a.via})` : ''}` };
    }
  }
  for (const e of policy.config?.ignore ?? []) {
    if (ruleMatches([e.rule], f.rule) && subjectMatches(e.subject, f.subject)) {
      return { by: 'config', reason: e.reason, source: `${policy.config?.file ?? 'config'}: ignore ${e.rule}${e.subject ? ` ${e.subject}` : ''}` };
    }
  }
  for (const e of policy.flags ?? []) {
    if (ruleMatches([e.rule], f.rule) && subjectMatches(e.subject, f.subject)) {
      return { by: 'flag', reason: 'ignored on the command line', source: `--ignore ${e.text}` };
    }
  }
  return undefined;
}

/** Rule ids a policy names that the catalogue does not know: a typo would otherwise suppress nothing, silently. */
export function unknownRules(policy: Policy, known: Set<string>): string[] {
  const named = [
    ...(policy.config?.disable ?? []),
    ...Object.keys(policy.config?.severity ?? {}),
    ...(policy.config?.ignore ?? []).map((e) => e.rule),
    ...(policy.flags ?? []).map((e) => e.rule),
  ];
  return [...new Set(named.filter((r) => r !== '*' && !known.has(r)))].sort();
}

const countOf = (findings: Finding[], sev: Severity) => findings.filter((f) => f.severity === sev).length;

/** The report with the policy applied: overrides, then disabled rules, then suppressions; summary recounted. */
export function applyPolicy(report: Report, policy: Policy, known: Set<string>): Report {
  const disabled = new Set(policy.config?.disable ?? []);
  const overrides = policy.config?.severity ?? {};
  const findings: Finding[] = [];
  const suppressed: Finding[] = [...(report.suppressed ?? [])];
  for (const f of report.findings) {
    if (disabled.has(f.rule)) { continue; }
    const severity = overrides[f.rule];
    const g: Finding = severity && severity !== f.severity ? { ...f, severity, defaultSeverity: f.defaultSeverity ?? f.severity } : f;
    const s = suppressionFor(g, policy);
    if (s) { suppressed.push({ ...g, suppression: s }); } else { findings.push(g); }
  }
  // A subject whose every finding of a rule is suppressed no longer fails that rule's check: it says why instead.
  const stillFailing = new Set(findings.map((f) => `${f.rule}\0${checkSubject(f.subject)}`));
  const suppressedBy = new Map(suppressed.map((f) => [`${f.rule}\0${checkSubject(f.subject)}`, f.suppression as Suppression]));
  const checks: Check[] = report.checks.filter((c) => !disabled.has(c.name)).map((c) => {
    const k = `${c.name}\0${c.subject}`;
    const by = suppressedBy.get(k);
    return c.status === 'fail' && by && !stillFailing.has(k) ? { ...c, status: 'skipped' as const, reason: `suppressed: ${by.reason} (${by.source})` } : c;
  });
  for (const id of [...disabled].filter((r) => known.has(r)).sort()) {
    checks.push({ name: id, subject: 'Cluster', status: 'skipped', reason: `disabled by ${policy.config?.file ?? 'config'}` });
  }
  checks.sort((a, b) => a.name.localeCompare(b.name) || a.subject.localeCompare(b.subject));
  const notes = [...(report.notes ?? [])];
  for (const a of policy.annotations ?? []) {
    const unknown = a.rules.filter((r) => r !== '*' && !known.has(r));
    if (unknown.length) { notes.push(`${IGNORE_ANNOTATION} on ${checkSubject(a)} names no rule otel-doctor has: ${unknown.join(', ')}`); }
  }
  return {
    ...report,
    checks,
    findings,
    ...(suppressed.length ? { suppressed } : {}),
    ...(notes.length ? { notes: [...new Set(notes)] } : {}),
    summary: { errors: countOf(findings, 'error'), warnings: countOf(findings, 'warning'), infos: countOf(findings, 'info'), ...(suppressed.length ? { suppressed: suppressed.length } : {}) },
  };
}
