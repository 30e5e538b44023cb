/** The catalogue is the single source: every rule has a unit test file, a docs section, and the docs are fresh. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { RULES } from '../../src/rules/index.ts';
import { renderRulesDoc } from '../../scripts/gen-docs.ts';

const root = new URL('../../', import.meta.url);

test('rule ids are unique, kebab-case, and each lives in src/rules/<id>.ts', () => {
  const ids = RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) {
    assert.match(id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    assert.ok(existsSync(new URL(`src/rules/${id}.ts`, root)), `src/rules/${id}.ts`);
  }
});

test('every rule file under src/rules is in the catalogue', () => {
  const helpers = new Set(['index.ts', 'util.ts', 'loopback-shared.ts']);
  const files = readdirSync(new URL('src/rules/', root)).filter((f) => f.endsWith('.ts') && !helpers.has(f));
  assert.deepEqual(files.map((f) => f.replace(/\.ts$/, '')).sort(), RULES.map((r) => r.id).sort());
});

test('every rule has test/rules/<id>.test.ts that exercises it', () => {
  for (const r of RULES) {
    const p = new URL(`test/rules/${r.id}.test.ts`, root);
    assert.ok(existsSync(p), `missing test/rules/${r.id}.test.ts`);
    assert.ok(readFileSync(p, 'utf8').includes(r.id), `test/rules/${r.id}.test.ts never asserts ${r.id}`);
  }
});

test('docs/rules.md has a section per rule and is not stale', () => {
  const doc = readFileSync(new URL('docs/rules.md', root), 'utf8');
  for (const r of RULES) assert.ok(doc.includes(`\n## ${r.id}\n`), `docs/rules.md lacks ## ${r.id}`);
  assert.equal(doc, renderRulesDoc(), 'docs/rules.md is stale: run `npm run docs`');
});

test('every rule is complete: title, description, evidence, fix, modes', () => {
  for (const r of RULES) {
    assert.ok(r.title && r.description.length > 40 && r.fix && r.evidence.length && r.modes.length, r.id);
    assert.ok(['error', 'warning', 'info'].includes(r.severity), r.id);
  }
});
