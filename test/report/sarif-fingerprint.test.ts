// SARIF partialFingerprints: GitHub code scanning merges results that share one, and closes and reopens
// an alert whose fingerprint changes. So: distinct findings -> distinct fingerprints, and a fingerprint
// depends on what a finding is about, not on where it sits in the file or on the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lintTexts } from '../../src/lint/index.ts';
import { findingIdentity, renderSarif } from '../../src/report/render/sarif.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Result { ruleId: string; message: { text: string }; partialFingerprints: Record<string, string>; locations?: { physicalLocation: { region: { startLine: number } } }[] }

function sarifResults(inputs: { file: string; text: string }[]): Result[] {
  const r = lintTexts(inputs, { collectorVersion: '0.111.0' });
  return (JSON.parse(renderSarif(r.report, { version: '0.0.0' })) as { runs: { results: Result[] }[] }).runs[0]!.results;
}
const fp = (r: Result): string => Object.values(r.partialFingerprints).join();

// The acceptance review's case: the chart's default receivers jaeger and zipkin left out of every pipeline.
const VALUES = `mode: deployment
image: {repository: otel/opentelemetry-collector-k8s}
config: {receivers: {otlp: {protocols: {grpc: {endpoint: localhost:4317}}}}, service: {pipelines: {traces: {receivers: [otlp]}}}}
`;

test('two receiver-not-in-pipeline findings on one Deployment get distinct fingerprints', () => {
  const results = sarifResults([{ file: 'values.yaml', text: VALUES }]);
  const unused = results.filter((r) => r.ruleId === 'receiver-not-in-pipeline');
  assert.deepEqual(unused.map((r) => /receiver (\w+)/.exec(r.message.text)?.[1]).sort(), ['jaeger', 'zipkin']);
  assert.notEqual(fp(unused[0]!), fp(unused[1]!));
  assert.equal(new Set(results.map(fp)).size, results.length, 'every result has its own fingerprint');
});

test('fingerprints do not move with the lines: comments inserted above', () => {
  const before = sarifResults([{ file: 'values.yaml', text: VALUES }]);
  const moved = sarifResults([{ file: 'values.yaml', text: `# rendered by CI\n# owner: platform team\n\n${VALUES}` }]);
  assert.deepEqual(moved.map(fp), before.map(fp));
  // the regions did move: the test would prove nothing if the lines were the same
  assert.deepEqual(
    moved.map((r) => r.locations![0]!.physicalLocation.region.startLine),
    before.map((r) => r.locations![0]!.physicalLocation.region.startLine + 3),
  );
});

test('fingerprints are the same in every run, and distinct over the fixtures and scenarios', () => {
  const dirs = [join(REPO, 'test/fixtures/lint/shapes'), ...readdirSync(join(REPO, 'test/scenarios'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(REPO, 'test/scenarios', d.name, 'manifests'))];
  let checked = 0;
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => /\.(ya?ml|json)$/.test(n));
    } catch {
      continue;
    }
    const inputs = names.map((n) => ({ file: n, text: readFileSync(join(dir, n), 'utf8') }));
    const a = sarifResults(inputs);
    assert.deepEqual(sarifResults(inputs).map(fp), a.map(fp), dir);
    assert.equal(new Set(a.map(fp)).size, a.length, `${dir}: ${a.map((r) => `${r.ruleId} ${fp(r)}`).join('\n')}`);
    checked += a.length;
  }
  assert.ok(checked > 10, `only ${checked} results checked`);
});

test('identity: components, ports and SDK settings named, never counts', () => {
  const f = (summary: string, fix = '') => findingIdentity({ summary, fix: { summary: fix } });
  assert.deepEqual(f('receiver jaeger is declared but no pipeline uses it, so it never starts'), ['receivers.jaeger']);
  assert.deepEqual(f('otlp receiver listens on loopback only (localhost:4317); 2 app(s) cannot export'), f('otlp receiver listens on loopback only (localhost:4317); 5 app(s) cannot export'));
  assert.notDeepEqual(f('Service port otlp-grpc 4317: targetPort 4318 is not open'), f('Service port otlp-http 4318: targetPort 4317 is not open'));
  assert.deepEqual(f('health_check listens on localhost:13133', 'In ConfigMap a/b (extensions.health_check.endpoint), set 0.0.0.0:13133'), ['extensions.health_check']);
});

test('the same finding on the same object in two files (k8s/prod and k8s/staging variants) is two alerts', () => {
  // The variants differ (identical copies are one declaration, reported once).
  const results = sarifResults([{ file: 'k8s/prod/values.yaml', text: VALUES }, { file: 'k8s/staging/values.yaml', text: VALUES.replace('localhost:4317', '127.0.0.1:4317') }]);
  const loop = results.filter((r) => r.ruleId === 'receiver-bound-to-loopback');
  assert.equal(loop.length, 2, JSON.stringify(results.map((r) => r.ruleId)));
  assert.notEqual(fp(loop[0]!), fp(loop[1]!));
  assert.equal(new Set(results.map(fp)).size, results.length, 'every result its own fingerprint');
});

test('an absolute path fingerprints as the path under the working directory: the same on every runner', () => {
  const r = lintTexts([{ file: '/runner-a/work/repo/k8s/values.yaml', text: VALUES }], { collectorVersion: '0.111.0' });
  const s = lintTexts([{ file: '/home/runner/x/repo/k8s/values.yaml', text: VALUES }], { collectorVersion: '0.111.0' });
  const fps = (rep: typeof r, baseDir: string) => (JSON.parse(renderSarif(rep.report, { version: '0', baseDir })) as { runs: { results: Result[] }[] }).runs[0]!.results.map(fp);
  assert.deepEqual(fps(r, '/runner-a/work/repo'), fps(s, '/home/runner/x/repo/'));
  assert.deepEqual(fps(r, '/runner-a/work/repo'), sarifResults([{ file: 'k8s/values.yaml', text: VALUES }]).map(fp));
});
