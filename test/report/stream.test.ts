import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { stringify } from 'yaml';
import { judge } from '../../src/engine.ts';
import type { Report } from '../../src/report/finding.ts';
import { publicReport } from '../../src/report/render/common.ts';
import { renderJson } from '../../src/report/render/json.ts';
import { renderYaml } from '../../src/report/render/yaml.ts';
import { jsonChunks, writeChunks, yamlChunks } from '../../src/report/render/stream.ts';
import { keys } from '../../src/rules/keys.ts';
import { loadSnapshot } from '../rules/helpers.ts';

// The streamed formats must be byte for byte what the whole-value serialisers write.
const wholeJson = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;
const wholeYaml = (v: unknown): string => stringify(v, { lineWidth: 0 });

const awkward: Record<string, unknown> = {
  schemaVersion: 'otel-doctor/v1',
  gone: undefined,
  empty: [],
  emptyObject: {},
  nothing: null,
  zero: 0,
  'key: with colon': 'x',
  nested: { a: [], b: { c: [1, 'two', { d: null }] }, e: undefined },
  items: [
    { text: 'line one\nline two\n\n\nafter blank lines\n\n', lead: '  leading spaces\n  kept', list: [], inner: [{ x: '- dash' }, 'yes', '123', ''] },
    'a plain string',
    ['nested', ['deeper', []]],
    null,
    42,
    { quote: '"quoted" and \'single\'', unicode: 'héllo \u2028 sep', tab: 'a\tb', trailingSpace: 'x  ', keep: 'ends with newline\n', hash: 'a # not a comment' },
  ],
  last: [undefined, () => 1, { f: () => 1, u: undefined }],
};

test('jsonChunks writes exactly JSON.stringify(value, null, 2)', () => {
  assert.equal([...jsonChunks(awkward)].join(''), wholeJson(awkward));
  assert.equal([...jsonChunks({})].join(''), wholeJson({}));
  assert.equal([...jsonChunks({ only: [] })].join(''), wholeJson({ only: [] }));
});

test('yamlChunks writes exactly yaml stringify of the whole value', () => {
  const noFunctions = JSON.parse(JSON.stringify(awkward)) as Record<string, unknown>;
  assert.equal([...yamlChunks(noFunctions)].join(''), wholeYaml(noFunctions));
  assert.equal([...yamlChunks({})].join(''), wholeYaml({}));
});

for (const f of readdirSync(new URL('../fixtures/snapshots/', import.meta.url)).filter((n) => n.endsWith('.yaml'))) {
  test(`the JSON and YAML reports of ${f} are the whole-document serialisations of publicReport()`, () => {
    const r: Report = judge(loadSnapshot(f));
    assert.ok(r.apps.length > 0 || r.findings.length > 0);
    assert.equal(renderJson(r), wholeJson(publicReport(r)));
    assert.equal(renderYaml(r), wholeYaml(publicReport(r)));
  });
}

test('a hostile report streams as its sanitised whole: escapes dropped, correlation keys dropped', () => {
  const r: Report = judge(loadSnapshot('seed'));
  r.notes = ['\x1b[31mred\x1b[0m note', 'multi\nline'];
  if (r.findings[0]) { r.findings[0] = { ...r.findings[0], summary: `\x1b]0;title\x07${r.findings[0].summary}`, explains: [keys.notReady('k')] }; }
  assert.equal(renderJson(r), wholeJson(publicReport(r)));
  assert.equal(renderYaml(r), wholeYaml(publicReport(r)));
  assert.doesNotMatch(renderJson(r), /\x1b|"explains"/);
});

test('writeChunks hands over every chunk in order, in bounded writes', async () => {
  const writes: string[] = [];
  const chunks = Array.from({ length: 1000 }, (_, i) => `${i},`);
  await writeChunks(chunks, (t) => {
    writes.push(t);
  }, 100);
  assert.equal(writes.join(''), chunks.join(''));
  assert.ok(writes.length > 10);
  assert.ok(writes.every((w) => w.length < 110));
});
