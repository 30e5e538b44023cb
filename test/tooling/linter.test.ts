/**
 * The project's linter (biome.json, run by scripts/test.sh) rejects the shapes it is there for: the
 * dangling else that once dropped apps in correlate(), `==`, unused imports and floating promises. Each
 * sample is linted with the project's own configuration, extended from a scratch folder so that only the
 * sample is read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const biome = join(root, 'node_modules/.bin/biome');

function lint(source: string): { code: number; rules: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-lint-'));
  try {
    writeFileSync(join(dir, 'biome.json'), JSON.stringify({ extends: [join(root, 'biome.json')], vcs: { enabled: false }, files: { includes: ['**'] } }));
    writeFileSync(join(dir, 'sample.ts'), source);
    try {
      execFileSync(biome, ['lint', '--max-diagnostics=50', 'sample.ts'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return { code: 0, rules: [] };
    } catch (e) {
      const err = e as { status: number; stdout: string; stderr: string };
      const rules = [...`${err.stdout}${err.stderr}`.matchAll(/lint\/[a-z]+\/([A-Za-z]+)/g)].map((m) => m[1]);
      return { code: err.status, rules: [...new Set(rules)] };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the dangling else of the old correlate() is rejected', () => {
  const r = lint(
    [
      'export function fold(cur: string[][], a: string[], same: string[] | undefined): void {',
      '  if (same) for (const sy of a) if (!same.includes(sy)) same.push(sy);',
      '  else cur.push([...a]);',
      '}',
      '',
    ].join('\n'),
  );
  assert.equal(r.code, 1);
  assert.deepEqual(r.rules, ['useBlockStatements']);
});

test('the same logic with braces passes', () => {
  const r = lint(
    [
      'export function fold(cur: string[][], a: string[], same: string[] | undefined): void {',
      '  if (same) {',
      '    for (const sy of a) {',
      '      if (!same.includes(sy)) {',
      '        same.push(sy);',
      '      }',
      '    }',
      '  } else {',
      '    cur.push([...a]);',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  assert.deepEqual(r, { code: 0, rules: [] });
});

// Biome infers promises from the types it can see in the file (not yet from node's typings): what the
// project's own async functions return is what it can tell, and that is what this sample uses.
test('==, an unused import and a floating promise are rejected', () => {
  const r = lint(
    [
      "import { join } from 'node:path';",
      'async function fetchConfig(): Promise<string> {',
      "  return 'x';",
      '}',
      'export function eq(a: unknown, b: unknown): boolean {',
      '  return a == b;',
      '}',
      'export function load(): void {',
      '  fetchConfig();',
      '}',
      '',
    ].join('\n'),
  );
  assert.equal(r.code, 1);
  assert.deepEqual(r.rules.sort(), ['noDoubleEquals', 'noFloatingPromises', 'noUnusedImports']);
});
