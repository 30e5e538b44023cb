import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffFileName, objectDiff, unifiedHunks } from '../../src/fix/diff.ts';

/** GNU diff's own hunks for the same two texts (its `---`/`+++` lines dropped). */
function gnuHunks(a: string, b: string): string[] | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'fix-diff-'));
  try {
    writeFileSync(join(dir, 'a'), a);
    writeFileSync(join(dir, 'b'), b);
    const r = spawnSync('diff', ['-u', join(dir, 'a'), join(dir, 'b')], { encoding: 'utf8' });
    if (r.error) { return undefined; }
    return r.stdout.split('\n').slice(2).filter((l, i, all) => l !== '' || i < all.length - 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const lines = (n: number, f: (i: number) => string) => `${Array.from({ length: n }, (_, i) => f(i)).join('\n')}\n`;

const CASES: [string, string, string][] = [
  ['one line changed mid-file', lines(20, (i) => `line ${i}`), lines(20, (i) => (i === 9 ? 'changed' : `line ${i}`))],
  ['two changes 6 lines apart join one hunk', lines(20, (i) => `line ${i}`), lines(20, (i) => (i === 3 || i === 10 ? `x${i}` : `line ${i}`))],
  ['two changes 7 lines apart make two hunks', lines(24, (i) => `line ${i}`), lines(24, (i) => (i === 3 || i === 11 ? `x${i}` : `line ${i}`))],
  ['lines added at the end', lines(5, (i) => `l${i}`), lines(8, (i) => `l${i}`)],
  ['lines removed at the start', lines(8, (i) => `l${i}`), lines(8, (i) => `l${i}`).split('\n').slice(3).join('\n')],
  ['a line inserted at the top', 'b\nc\n', 'a\nb\nc\n'],
  ['from nothing', '', 'a\nb\n'],
];

for (const [name, a, b] of CASES) {
  test(`hunks as GNU diff -u prints them: ${name}`, (t) => {
    const gnu = gnuHunks(a, b);
    if (!gnu) {
      t.skip('no diff binary');
      return;
    }
    assert.deepEqual(unifiedHunks(a, b), gnu);
  });
}

test('equal texts: no hunks, no diff block', () => {
  assert.deepEqual(unifiedHunks('a\n', 'a\n'), []);
  assert.equal(objectDiff({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'x' }, { metadata: { name: 'x' } }, { metadata: { name: 'x' } }), '');
});

test('kubectl diff\'s file names and headers; managedFields hidden, keys sorted', () => {
  assert.equal(diffFileName({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'observability', name: 'cfg' }), 'v1.ConfigMap.observability.cfg');
  assert.equal(diffFileName({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'checkout' }), 'apps.v1.Deployment.shop.checkout');
  const before = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cfg', managedFields: [{ manager: 'kubectl' }] }, data: { 'relay.yaml': 'receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: localhost:4317\n' } };
  const after = structuredClone(before);
  after.data['relay.yaml'] = after.data['relay.yaml'].replace('localhost', '0.0.0.0');
  const d = objectDiff({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'o', name: 'cfg' }, before, after);
  assert.equal(d, [
    'diff -u -N LIVE/v1.ConfigMap.o.cfg MERGED/v1.ConfigMap.o.cfg',
    '--- LIVE/v1.ConfigMap.o.cfg',
    '+++ MERGED/v1.ConfigMap.o.cfg',
    '@@ -5,7 +5,7 @@',
    '       otlp:',
    '         protocols:',
    '           grpc:',
    '-            endpoint: localhost:4317',
    '+            endpoint: 0.0.0.0:4317',
    ' kind: ConfigMap',
    ' metadata:',
    '   name: cfg',
  ].join('\n'));
});
