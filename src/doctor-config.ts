/**
 * `.otel-doctor.yaml`: rules to disable, severity overrides and ignores, read and validated here (the only
 * I/O of suppressions; src/suppress.ts applies them). `lint` finds the file upward from the working
 * directory, as ESLint and kube-linter find theirs; `diagnose` reads it only when given (`--config`), since
 * a cluster is not a checkout.
 *
 * ```yaml
 * disable: [collector-no-readiness-probe]
 * severity:
 *   health-check-bound-to-loopback: info
 * ignore:
 *   - rule: service-missing
 *     subject: "observability/batch-*"      # glob on `Kind namespace/name`, `namespace/name` or `name`
 *     reason: batch collectors only scrape
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { UsageError } from './errors.ts';
import type { Severity } from './report/finding.ts';
import { parseIgnoreFlag, unknownRules, type DoctorConfig, type IgnoreEntry, type Policy } from './suppress.ts';

export const CONFIG_FILE_NAMES = ['.otel-doctor.yaml', '.otel-doctor.yml'];
const SEVERITIES: Severity[] = ['error', 'warning', 'info'];
const KEYS = new Set(['disable', 'severity', 'ignore']);

/** The nearest config file from `dir` up to the filesystem root, or undefined. */
export function findConfigUpward(dir: string): string | undefined {
  let d = resolve(dir);
  for (;;) {
    for (const n of CONFIG_FILE_NAMES) {
      const p = join(d, n);
      if (existsSync(p)) { return p; }
    }
    const up = dirname(d);
    if (up === d) { return undefined; }
    d = up;
  }
}

export function loadDoctorConfig(file: string): DoctorConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  return parseDoctorConfig(text, file);
}

/** Validates a config file's text; every problem is a usage error naming the file and the key. */
export function parseDoctorConfig(text: string, file: string): DoctorConfig {
  let doc: unknown;
  try {
    doc = parse(text) ?? {};
  } catch (e) {
    throw new UsageError(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const bad = (what: string) => new UsageError(`${file}: ${what}`, { hint: 'see `kubectl otel-doctor lint --help` for the config file format' });
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) { throw bad('expected a mapping with disable, severity and ignore'); }
  const o = doc as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !KEYS.has(k));
  if (extra.length) { throw bad(`unknown key ${extra.map((k) => JSON.stringify(k)).join(', ')} (known: disable, severity, ignore)`); }
  const disable = o.disable ?? [];
  if (!Array.isArray(disable) || !disable.every((r) => typeof r === 'string')) { throw bad('disable: expected a list of rule ids'); }
  const severity: Record<string, Severity> = {};
  if (o.severity !== undefined) {
    if (typeof o.severity !== 'object' || o.severity === null || Array.isArray(o.severity)) { throw bad('severity: expected a mapping of rule id to error, warning or info'); }
    for (const [rule, sev] of Object.entries(o.severity)) {
      if (!SEVERITIES.includes(sev as Severity)) { throw bad(`severity.${rule}: ${JSON.stringify(sev)} is not one of error, warning, info`); }
      severity[rule] = sev as Severity;
    }
  }
  const ignore: IgnoreEntry[] = [];
  if (o.ignore !== undefined && !Array.isArray(o.ignore)) { throw bad('ignore: expected a list of {rule, subject, reason}'); }
  for (const [i, e] of ((o.ignore as unknown[] | undefined) ?? []).entries()) {
    const entry = e as Record<string, unknown>;
    if (typeof e !== 'object' || e === null || typeof entry.rule !== 'string') { throw bad(`ignore[${i}]: expected {rule, subject, reason} with rule a rule id or "*"`); }
    if (typeof entry.reason !== 'string' || !entry.reason.trim()) { throw bad(`ignore[${i}] (${entry.rule}): a reason is required`); }
    if (entry.subject !== undefined && typeof entry.subject !== 'string') { throw bad(`ignore[${i}] (${entry.rule}): subject must be a string glob such as "observability/otel-*"`); }
    ignore.push({ rule: entry.rule, ...(entry.subject ? { subject: entry.subject } : {}), reason: entry.reason.trim() });
  }
  return { file, disable: disable as string[], severity, ignore };
}

/**
 * The policy the flags and the config file make, validated before anything else runs: an unknown rule id
 * (a typo) is a usage error, since it would otherwise suppress nothing without a word.
 */
export function policyFromFlags(opts: { config?: string; ignore?: string[]; searchFrom?: string }, knownRules: Set<string>): Omit<Policy, 'annotations'> {
  const file = opts.config ?? (opts.searchFrom !== undefined ? findConfigUpward(opts.searchFrom) : undefined);
  const config = file ? loadDoctorConfig(file) : undefined;
  const flags = (opts.ignore ?? []).map((t) => {
    const p = parseIgnoreFlag(t);
    if ('error' in p) { throw new UsageError(p.error); }
    return p;
  });
  const policy = { ...(config ? { config } : {}), ...(flags.length ? { flags } : {}) };
  const unknown = unknownRules(policy, knownRules);
  if (unknown.length) {
    throw new UsageError(`unknown rule${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}${file ? ` (in ${file} or --ignore)` : ' (--ignore)'}`, { hint: 'list the rules with `kubectl otel-doctor explain`' });
  }
  return policy;
}
