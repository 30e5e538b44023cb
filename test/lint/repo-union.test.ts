/**
 * A repository linted from its root finds what linting each self-contained folder finds, and nothing more:
 * the 59 real cases (most operator tests deploy the same names into `default`) linted as one tree must give
 * exactly the union of the cases linted one by one, findings and locations alike, and each case's judgement
 * must still hold on its own files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lint } from '../../src/lint/index.ts';
import type { Finding } from '../../src/report/finding.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const REAL = resolve(REPO, '../shared/fixtures/real');

interface Expectation {
  rule: string;
  name?: string;
  container?: string;
  kind?: string;
}
interface Case {
  dir: string;
  expected: 'clean' | Expectation[];
  allowed?: Expectation[];
}

const cases: Case[] = existsSync(join(REAL, 'index.json')) ? JSON.parse(readFileSync(join(REAL, 'index.json'), 'utf8')) : [];
const skip = cases.length ? false : `no ${REAL}/index.json (the shared fixtures sit beside the repository)`;

const key = (f: Finding): string => {
  const s = f.subject;
  return `${f.rule} ${f.severity} ${s.kind} ${s.namespace ?? ''}/${s.name}:${s.container ?? ''} at ${f.location?.file ?? '?'}:${f.location?.line ?? '?'}:${f.location?.column ?? '?'}`;
};
const matches = (f: Finding, e: Expectation): boolean =>
  f.rule === e.rule && (e.name === undefined || f.subject.name === e.name) && (e.container === undefined || f.subject.container === e.container) && (e.kind === undefined || f.subject.kind === e.kind);
const caseOf = (f: Finding): string | undefined => f.location?.file.slice(REAL.length + 1).split(sep)[0];

test('the real corpus as one tree: exactly the union of its cases, each case finding on its files what it finds alone', { skip }, () => {
  const whole = lint([REAL]);
  assert.deepEqual(whole.errors, [], 'no input error on real files');
  // index.json is the corpus's own catalogue: a JSON list, skipped by name, not an error.
  assert.deepEqual(whole.skipped.map((s) => s.file), [join(REAL, 'index.json')]);
  assert.ok(whole.snapshots.length >= cases.length, `${whole.snapshots.length} contexts: unrelated cases are not linked`);
  assert.ok(whole.report.findings.every((f) => f.location), 'every finding located in a file');
  const union: string[] = [];
  for (const c of cases) {
    const alone = lint([join(REAL, c.dir)]).report.findings;
    union.push(...alone.map(key));
    const inWhole = whole.report.findings.filter((f) => caseOf(f) === c.dir);
    // Nothing hidden, nothing invented: the same findings at the same places as the case on its own (whose
    // judgement real-corpus.test.ts holds: a clean case has no error or warning there).
    assert.deepEqual([...new Set(inWhole.map(key))].sort(), [...new Set(alone.map(key))].sort(), c.dir);
    const expected = c.expected === 'clean' ? [] : c.expected;
    for (const e of expected) { assert.ok(inWhole.some((f) => f.severity !== 'info' && matches(f, e)), `${c.dir}: expected ${JSON.stringify(e)} among ${inWhole.map(key).join('; ') || 'nothing'}`); }
    if (c.expected === 'clean') {
      const loud = inWhole.filter((f) => f.severity !== 'info' && !(c.allowed ?? []).some((e) => matches(f, e)));
      const loudAlone = alone.filter((f) => f.severity !== 'info' && !(c.allowed ?? []).some((e) => matches(f, e)));
      assert.deepEqual(loud.map(key), loudAlone.map(key), `${c.dir} is judged clean: the tree adds no error or warning to it`);
    }
  }
  assert.deepEqual([...new Set(whole.report.findings.map(key))].sort(), [...new Set(union)].sort());
});
