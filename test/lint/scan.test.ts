/**
 * The line scan (src/lint/scan.ts) must say exactly what the CST walk says wherever it answers: every key
 * and item path of every document of the real corpus, the upstream manifests and the lint fixtures (plus a
 * missing key under each map), compared position for position. It must also answer for most of them, or it
 * saves nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSource, type PathSeg, type SourceDoc } from '../../src/lint/source.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const ROOTS = [resolve(REPO, '../shared/fixtures/real'), resolve(REPO, '../shared/fixtures/upstream'), join(REPO, 'test/fixtures/lint'), join(REPO, 'test/scenarios')].filter(existsSync);

function paths(v: unknown, prefix: PathSeg[], out: PathSeg[][], depth: number): void {
  out.push(prefix);
  if (depth > 9 || typeof v !== 'object' || v === null) { return; }
  if (Array.isArray(v)) {
    v.forEach((x, i) => paths(x, [...prefix, i], out, depth + 1));
    out.push([...prefix, v.length]);
  } else {
    for (const [k, x] of Object.entries(v)) { paths(x, [...prefix, k], out, depth + 1); }
    out.push([...prefix, 'no-such-key']);
  }
}

const cst = (sd: SourceDoc, path: PathSeg[]) => {
  const w = sd.find(path);
  if (w.offset === undefined) { return undefined; }
  const p = sd.linePos(w.offset);
  return { line: p.line, col: p.col, depth: w.depth };
};

test('the line scan agrees with the CST on every path it answers, and answers most', () => {
  let answered = 0;
  let total = 0;
  const files = ROOTS.flatMap((r) => readdirSync(r, { recursive: true, encoding: 'utf8' }).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(r, f)));
  assert.ok(files.length > 50, `${files.length} files`);
  for (const file of files) {
    const { docs } = parseSource(file, readFileSync(file, 'utf8'));
    for (const sd of docs) {
      if (!sd.scan) { continue; }
      const ps: PathSeg[][] = [];
      paths(sd.value, [], ps, 0);
      for (const p of ps) {
        total++;
        const s = sd.scan(p);
        if (!s) { continue; }
        answered++;
        assert.deepEqual(s, cst(sd, p), `${file} doc ${sd.index} ${JSON.stringify(p)}`);
      }
    }
  }
  assert.ok(answered > total * 0.8, `${answered} of ${total} paths answered by the scan`);
});

test('layouts the scan leaves to the lexer', () => {
  const cases: [string, PathSeg[]][] = [
    ['a: {b: 1}\n', ['a', 'b']],
    ['a:\n\tb: 1\n', ['a', 'b']],
    ['a: &x\n  b: 1\n', ['a', 'b']],
    ['? a\n: 1\n', ['a']],
    ['%YAML 1.2\n---\na: 1\n', ['a']],
    ['1.0: x\n', ['1']],
  ];
  for (const [text, path] of cases) {
    const sd = parseSource('t.yaml', text).docs[0];
    assert.equal(sd?.scan?.(path), undefined, JSON.stringify(text));
  }
});
