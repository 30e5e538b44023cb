import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judge } from '../../src/engine.ts';
import { renderReport } from '../../src/report/render/index.ts';
import { sanitize } from '../../src/report/sanitize.ts';
import { loadSnapshot, variant } from '../rules/helpers.ts';

test('sanitize strips ANSI CSI/OSC and control characters', () => {
  assert.equal(sanitize('a\x1b[31mred\x1b[0m b'), 'ared b');
  assert.equal(sanitize('x\x1b]0;pwned\x07y'), 'xy');
  assert.equal(sanitize('bell\x07 nul\x00 del\x7f c1\x9b31m'), 'bell nul del c1');
  assert.equal(sanitize('two\nlines'), 'two lines');
  assert.equal(sanitize('two\nlines', { keepNewlines: true }), 'two\nlines');
});

const hostile = variant(loadSnapshot('seed'), (s) => {
  s.logs[1].matches[0].line = 'traces export: connect: connection refused \x1b[2J\x1b]0;owned\x07\x1b[31mEVIL';
  s.apps[0].exporter.endpoint!.value = 'http://otel-collector.observability.svc.cluster.local:4317\x1b[1m';
});

for (const fmt of ['table', 'wide', 'json', 'yaml', 'markdown'] as const) {
  test(`${fmt}: no escape sequence from the cluster reaches the output`, () => {
    const out = renderReport(judge(hostile), fmt, { color: false });
    assert.doesNotMatch(out, /\x1b|\x07/);
    assert.match(out, /receiver-bound-to-loopback/);
  });
}

test('colour only when asked', () => {
  const r = judge(loadSnapshot('seed'));
  assert.match(renderReport(r, 'table', { color: true }), /\x1b\[31mERROR/);
  assert.doesNotMatch(renderReport(r, 'table', { color: false }), /\x1b/);
});

test('healthy report says so and lists what was checked', () => {
  const out = renderReport(judge(loadSnapshot('healthy-helm')), 'table', { color: false });
  assert.match(out, /^No problems found: 1 collector pod\(s\) and 2 app container\(s\) checked/);
  assert.match(out, /app shop\/cart-5d9f8b7c6-aaaaa \(cart\) -> http:\/\/otel-collector\.observability\.svc\.cluster\.local:4318\/v1\/traces \[probe: connected\]/);
  assert.match(renderReport(judge(loadSnapshot('healthy-helm')), 'markdown'), /\*\*Healthy\.\*\*/);
});

test('wide shows every piece of evidence and the patch; table fits 100 columns', () => {
  const r = judge(loadSnapshot('seed'));
  const wide = renderReport(r, 'wide', { width: 160 });
  for (const e of r.findings[0].evidence) { assert.ok(wide.replace(/[\s│]+/g, '').includes(e.detail.replace(/\s+/g, '').slice(0, 30)), e.detail); }
  assert.match(wide, /endpoint: 0\.0\.0\.0:4317/);
  for (const line of renderReport(r, 'table', { width: 100 }).split('\n')) { assert.ok(line.length <= 100, line); }
});

test('judge is deterministic', () => {
  assert.equal(renderReport(judge(loadSnapshot('seed')), 'json'), renderReport(judge(loadSnapshot('seed')), 'json'));
});
