// `explain` prints the catalogue the checks use: every rule must have a complete entry, reachable by id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RULES } from '../../src/rules/index.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin', 'kubectl-otel_doctor');
const run = (args: string[]) => spawnSync(BIN, args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });

test('every catalogue rule has a complete entry', () => {
  const ids = new Set<string>();
  for (const r of RULES) {
    assert.match(r.id, /^[a-z0-9]+(-[a-z0-9]+)*$/, `rule id ${r.id}`);
    assert.ok(!ids.has(r.id), `duplicate rule id ${r.id}`);
    ids.add(r.id);
    assert.ok(r.title.trim().length > 5, `${r.id}: title`);
    assert.ok(r.description.trim().length > 40, `${r.id}: description`);
    assert.ok(r.fix.trim().length > 10, `${r.id}: fix`);
    assert.ok(r.evidence.length > 0, `${r.id}: evidence`);
    assert.ok(r.modes.length > 0, `${r.id}: modes`);
  }
});

test('explain without a rule lists every rule; -o json carries the catalogue', () => {
  const r = run(['explain']);
  assert.equal(r.status, 0, r.stderr);
  for (const rule of RULES) { assert.match(r.stdout, new RegExp(`^  ${rule.id} +${rule.severity} +`, 'm'), `${rule.id} missing from the list`); }
  const j = run(['explain', '-o', 'json']);
  assert.equal(j.status, 0, j.stderr);
  const entries = JSON.parse(j.stdout) as Array<{ id: string; description: string; fix: string; evidence: string[] }>;
  assert.deepEqual(entries.map((e) => e.id), RULES.map((x) => x.id));
  for (const [i, e] of entries.entries()) {
    assert.equal(e.description, RULES[i].description);
    assert.equal(e.fix, RULES[i].fix);
    assert.deepEqual(e.evidence, RULES[i].evidence);
  }
});

test('explain RULE prints explanation, evidence and fix for every rule', async () => {
  // a few at a time: one process per rule is the point (the CLI, not the catalogue object)
  const runAsync = (args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((res) => {
      execFile(BIN, args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 }, (err, stdout, stderr) => res({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }));
    });
  const queue = [...RULES];
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let rule = queue.shift(); rule; rule = queue.shift()) {
      const r = await runAsync(['explain', rule.id]);
      assert.equal(r.status, 0, `${rule.id}: ${r.stderr}`);
      assert.ok(r.stdout.startsWith(`${rule.id} (${rule.severity}): ${rule.title}\n`), `${rule.id}: header\n${r.stdout}`);
      const flat = r.stdout.replace(/\s+/g, ' ');
      assert.ok(flat.includes(rule.description.replace(/\s+/g, ' ')), `${rule.id}: description`);
      assert.ok(flat.includes(rule.fix.replace(/\s+/g, ' ')), `${rule.id}: fix`);
      for (const e of rule.evidence) { assert.match(r.stdout, new RegExp(`^  - ${e}: `, 'm'), `${rule.id}: evidence ${e}`); }
    }
  }));
});

test('explain with an unknown rule exits 2 and lists the rules', () => {
  const r = run(['explain', 'no-such-rule']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown rule "no-such-rule"/);
  for (const rule of RULES) { assert.ok(r.stderr.includes(rule.id), `${rule.id} missing from the error's list`); }
});
