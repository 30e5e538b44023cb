import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judge } from '../../src/engine.ts';
import { renderReport } from '../../src/report/render/index.ts';
import { renderSarif } from '../../src/report/render/sarif.ts';
import { renderJunit } from '../../src/report/render/junit.ts';
import { sanitize, sanitizeDeep } from '../../src/report/sanitize.ts';
import { loadSnapshot, variant } from '../rules/helpers.ts';

// Every invisible format control that can reorder or hide text (Trojan Source, CVE-2021-42574), and the
// zero-width ones that make two different values look identical.
const BIDI = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c'];
const ZERO_WIDTH = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u2028', '\u2029'];
const RAW = /[\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/;

test('sanitize shows bidi and zero-width format controls as visible \\uXXXX escapes', () => {
  for (const c of [...BIDI, ...ZERO_WIDTH]) {
    const want = `a\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}b`;
    assert.equal(sanitize(`a${c}b`), want);
    assert.equal(sanitize(`a${c}b`, { keepNewlines: true }), want);
  }
  // the classic: an endpoint that displays as localhost:4317 but is not
  assert.equal(sanitize('http://localhost\u202e7134:'), 'http://localhost\\u202e7134:');
  // ordinary non-ASCII text is untouched
  assert.equal(sanitize('Überwachung 監視 ✓'), 'Überwachung 監視 ✓');
  // keys of JSON-like values too
  assert.deepEqual(sanitizeDeep({ ['k\u2066']: ['v\u202e'] }), { 'k\\u2066': ['v\\u202e'] });
});

const hostile = variant(loadSnapshot('seed'), (s) => {
  s.logs[1].matches[0].line = `traces export: connect: connection refused ${BIDI.join('')}EVIL`;
  s.apps[0].exporter.endpoint!.value = 'http://otel-collector.observability.svc.cluster.local:4317\u202e\u2066';
});

for (const fmt of ['table', 'wide', 'json', 'yaml', 'markdown', 'sarif', 'junit'] as const) {
  test(`${fmt}: no bidi or zero-width control from the cluster reaches the output raw`, () => {
    const report = judge(hostile);
    const out = fmt === 'sarif' ? renderSarif(report) : fmt === 'junit' ? renderJunit(report) : renderReport(report, fmt, { color: false, width: 400 });
    assert.doesNotMatch(out, RAW);
    assert.match(out, /\\\\?u202e/);
  });
}

test('the rest of category Cf: soft hyphen, Mongolian vowel separator, tag characters (escaped by code point, never split)', () => {
  assert.equal(sanitize('local\u00adhost:4317'), 'local\\u00adhost:4317');
  assert.equal(sanitize('a\u180eb\ufff9c'), 'a\\u180eb\\ufff9c');
  assert.equal(sanitize('ok\u{e0031}\u{e007f}'), 'ok\\u{e0031}\\u{e007f}');
  assert.equal(sanitize('emoji \u{1f600} stays'), 'emoji \u{1f600} stays');
});
