/**
 * The one place for rule-test helpers: fixture snapshots, running a rule as the engine runs it, and
 * ruleTester(), which turns valid/invalid cases into node:test tests and records them for
 * test/report/meta.test.ts (every rule needs a case that fires and one that stays clean).
 */
import { readFileSync } from 'node:fs';
import { test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { normalizeSnapshot, type SettingValue, type Snapshot } from '../../src/snapshot.ts';
import type { CheckStatus, Finding, Rule, Severity, Subject } from '../../src/report/finding.ts';
import { judge, runRule } from '../../src/engine.ts';

const DIR = new URL('../fixtures/snapshots/', import.meta.url);

export function loadSnapshot(name: string): Snapshot {
  return normalizeSnapshot(parse(readFileSync(new URL(name.endsWith('.yaml') ? name : `${name}.yaml`, DIR), 'utf8')));
}

/** Deep clone + patch of a snapshot (tests derive variants from one fixture). */
export function variant(s: Snapshot, patch: (s: Snapshot) => void): Snapshot {
  const c = structuredClone(s);
  patch(c);
  return c;
}

/** An app exporter setting written as a plain env value (OTEL_EXPORTER_OTLP_ENDPOINT unless told). */
export function envValue(value: string, env = 'OTEL_EXPORTER_OTLP_ENDPOINT', extra: Partial<SettingValue> = {}): SettingValue {
  return { value, env, origin: 'value', ...extra };
}

/** `Kind ns/name[:container]`, the subject as ruleTester cases write it. */
function subjectKey(s: Subject): string {
  return `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}${s.container ? `:${s.container}` : ''}`;
}

/** Rule, severity and subject of a finding, compared exactly. */
export function keyOf(f: Finding): string {
  const s = f.subject;
  return `${f.rule} ${f.severity} ${s.kind} ${s.namespace ?? ''}/${s.name}${s.container ? `:${s.container}` : ''}`;
}

/** Keys of findings at error/warning (and info when asked), through the whole engine (correlation included). */
export function judged(s: Snapshot, withInfo = false): string[] {
  return judge(s).findings.filter((f) => withInfo || f.severity !== 'info').map(keyOf);
}

/** The findings of one rule as the engine stamps them (rule id, default severity), before correlation. */
export function findingsOf(rule: Rule, s: Snapshot): Finding[] {
  return runRule(rule, normalizeSnapshot(s)).findings;
}

/** Keys of the findings of one rule run alone (no correlation). */
export function ruleKeys(rule: Rule, s: Snapshot): string[] {
  return findingsOf(rule, s).map(keyOf);
}

/** An entry of the report's checks[] for the rule under test. */
export interface ExpectedCheck {
  subject: string;
  status: CheckStatus;
  reason?: string;
}

export interface ExpectedFinding {
  severity: Severity;
  /** `Kind ns/name[:container]` */
  subject: string;
  /** the checks[] entry judge(snapshot, {rules: [id]}) reports for this finding's subject */
  check?: ExpectedCheck;
}

export interface ValidCase {
  name: string;
  snapshot: Snapshot;
  /** a checks[] entry the clean run still reports (a pass, or a skip and why) */
  check?: ExpectedCheck;
}

export interface InvalidCase {
  name: string;
  snapshot: Snapshot;
  /** exactly the findings of the rule, in any order */
  findings: [ExpectedFinding, ...ExpectedFinding[]];
}

export interface RuleCases {
  valid: ValidCase[];
  invalid: InvalidCase[];
}

/** Every ruleTester() call so far, by rule id: meta.test.ts reads it to require real cases per rule. */
export const ruleCases = new Map<string, RuleCases>();

let collecting = false;

/**
 * Record cases without registering tests: meta.test.ts imports every test/rules file to read the registry,
 * and must not run their tests a second time.
 */
export function collectCasesOnly(): void {
  collecting = true;
}

/** node:test's test(), silent while cases are only being collected. */
export function test(name: string, fn: () => void | Promise<void>): void {
  if (!collecting) {
    void nodeTest(name, fn);
  }
}

function assertCheck(rule: Rule, s: Snapshot, want: ExpectedCheck): void {
  const checks = judge(s, { rules: [rule.id] }).checks.filter((c) => c.name === rule.id);
  const hit = checks.find((c) => c.subject === want.subject && c.status === want.status && (want.reason === undefined || c.reason === want.reason));
  assert.ok(hit, `no check ${rule.id} ${want.subject} ${want.status}${want.reason ? ` (${want.reason})` : ''}; got ${JSON.stringify(checks)}`);
}

/**
 * ESLint's RuleTester for our rules: each valid case must give no finding of the rule (and no rule error),
 * each invalid case exactly the findings listed (severity and subject), both as the engine runs the rule.
 */
export function ruleTester(rule: Rule, cases: RuleCases): void {
  const entry = ruleCases.get(rule.id) ?? { valid: [], invalid: [] };
  entry.valid.push(...cases.valid);
  entry.invalid.push(...cases.invalid);
  ruleCases.set(rule.id, entry);
  for (const c of cases.valid) {
    test(`${rule.id} valid: ${c.name}`, () => {
      const ran = runRule(rule, normalizeSnapshot(c.snapshot));
      assert.deepEqual(ran.findings.map(keyOf), []);
      assert.deepEqual(ran.checks.filter((x) => x.status === 'error'), []);
      if (c.check) {
        assertCheck(rule, c.snapshot, c.check);
      }
    });
  }
  for (const c of cases.invalid) {
    test(`${rule.id} invalid: ${c.name}`, () => {
      const { findings, checks } = runRule(rule, normalizeSnapshot(c.snapshot));
      // A rule that throws reports an error check and no finding: never a pass of an invalid case.
      assert.deepEqual(checks.filter((x) => x.status === 'error'), []);
      assert.deepEqual(findings.map((f) => `${f.severity} ${subjectKey(f.subject)}`).sort(), c.findings.map((f) => `${f.severity} ${f.subject}`).sort());
      for (const f of c.findings) {
        if (f.check) {
          assertCheck(rule, c.snapshot, f.check);
        }
      }
    });
  }
}
