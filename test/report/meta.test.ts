/** The catalogue is the single source: every rule has a unit test file, a scenario, a docs section, and the docs are fresh. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { RULES } from '../../src/rules/index.ts';
import { runRule } from '../../src/engine.ts';
import { normalizeSnapshot } from '../../src/snapshot.ts';
import { renderRulesDoc } from '../../scripts/gen-docs.ts';
import { collectCasesOnly, ruleCases } from '../rules/helpers.ts';

const root = new URL('../../', import.meta.url);

// The rule test files fill the ruleTester registry when imported; their tests run in their own processes.
collectCasesOnly();
for (const f of readdirSync(new URL('test/rules/', root)).filter((x) => x.endsWith('.test.ts')).sort()) {
  await import(new URL(`test/rules/${f}`, root).href);
}

test('rule ids are unique, kebab-case, and each lives in src/rules/<id>.ts', () => {
  const ids = RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) {
    assert.match(id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    assert.ok(existsSync(new URL(`src/rules/${id}.ts`, root)), `src/rules/${id}.ts`);
  }
});

test('every rule file under src/rules is in the catalogue', () => {
  const helpers = new Set(['index.ts', 'util.ts', 'keys.ts', 'loopback-shared.ts', 'exporter-shared.ts']);
  const files = readdirSync(new URL('src/rules/', root)).filter((f) => f.endsWith('.ts') && !helpers.has(f));
  assert.deepEqual(files.map((f) => f.replace(/\.ts$/, '')).sort(), RULES.map((r) => r.id).sort());
});

test('every rule has test/rules/<id>.test.ts whose ruleTester cases make it fire and keep it clean', () => {
  for (const r of RULES) {
    assert.ok(existsSync(new URL(`test/rules/${r.id}.test.ts`, root)), `missing test/rules/${r.id}.test.ts`);
    const cases = ruleCases.get(r.id);
    assert.ok(cases, `no ruleTester(rule, ...) for ${r.id} in test/rules`);
    // Run here, not only counted: a case list that no longer fires (or no longer stays clean) fails too.
    // runRule stamps the rule's id on what it returns, so "fires" is any finding, and "clean" also needs
    // no error check (a rule that throws returns no finding).
    const fires = cases.invalid.some((c) => runRule(r, normalizeSnapshot(c.snapshot)).findings.length > 0);
    assert.ok(fires, `${r.id}: no invalid case of ruleTester produces a finding of the rule (${cases.invalid.length} invalid case(s))`);
    const clean = cases.valid.some((c) => {
      const ran = runRule(r, normalizeSnapshot(c.snapshot));
      return ran.findings.length === 0 && !ran.checks.some((x) => x.status === 'error');
    });
    assert.ok(clean, `${r.id}: no valid case of ruleTester stays clean (${cases.valid.length} valid case(s))`);
  }
});

test('every rule is expected by at least one scenario diagnosed in the simulated cluster', () => {
  const scenarios = new URL('test/scenarios/', root);
  const expected = readdirSync(scenarios, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(new URL(`${d.name}/expected.yaml`, scenarios)))
    .map((d) => readFileSync(new URL(`${d.name}/expected.yaml`, scenarios), 'utf8'));
  for (const r of RULES) {
    const named = new RegExp(`\\brule: ${r.id}\\s*$`, 'm');
    assert.ok(expected.some((y) => named.test(y)), `no test/scenarios/*/expected.yaml expects ${r.id}`);
  }
});

test('docs/rules.md has a section per rule and is not stale', () => {
  const doc = readFileSync(new URL('docs/rules.md', root), 'utf8');
  for (const r of RULES) {
    assert.ok(doc.includes(`\n## ${r.id}\n`), `docs/rules.md lacks ## ${r.id}`);
  }
  assert.equal(doc, renderRulesDoc(), 'docs/rules.md is stale: run `npm run docs`');
});

test('every rule is complete: title, description, evidence, fix, modes', () => {
  for (const r of RULES) {
    assert.ok(r.title && r.description.length > 40 && r.fix && r.evidence.length && r.modes.length, r.id);
    assert.ok(['error', 'warning', 'info'].includes(r.severity), r.id);
  }
});
