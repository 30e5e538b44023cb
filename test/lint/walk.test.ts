/**
 * `lint` at the root of a real repository: files that are not for otel-doctor are skipped with a note naming
 * each (in every output format), test expectations are not linted as objects, the collector chart's values
 * without `config` are values, and only what is broken (or nothing lintable at all) exits 2.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { lint, lintTexts } from '../../src/lint/index.ts';
import { junitWithSkipped, sarifWithSkipped } from '../../src/lint/skipped-render.ts';
import { renderJunit } from '../../src/report/render/junit.ts';
import { renderSarif } from '../../src/report/render/sarif.ts';
import { runFromSources } from '../helpers/run.ts';

const COLLECTOR = `apiVersion: v1
kind: ConfigMap
metadata: {name: otel-config, namespace: obs}
data:
  config.yaml: |
    receivers:
      otlp:
        protocols:
          grpc:
            endpoint: localhost:4317
    exporters:
      debug: {}
    service:
      pipelines:
        traces: {receivers: [otlp], exporters: [debug]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: otel, namespace: obs}
spec:
  selector: {matchLabels: {app: otel}}
  template:
    metadata: {labels: {app: otel}}
    spec:
      containers:
        - name: otelcol
          image: otel/opentelemetry-collector-contrib:0.111.0
          args: [--config=/conf/config.yaml]
          volumeMounts: [{name: cfg, mountPath: /conf}]
      volumes: [{name: cfg, configMap: {name: otel-config}}]
`;

/** What a repository holds besides manifests, each with the reason lint gives for skipping it. */
const OTHERS: Record<string, [string, RegExp]> = {
  'ci/workflow.yml': ['name: ci\non: [push]\njobs:\n  test: {runs-on: ubuntu-latest, steps: [{run: make}]}\n', /a GitHub Actions workflow/],
  'docker-compose.yaml': ['services:\n  web: {image: nginx:1.27, ports: ["8080:80"]}\n', /a Compose file/],
  'charts/redis/values.yaml': ['replicaCount: 1\nauth: {enabled: false}\nimage: {repository: redis}\n', /none of: a Kubernetes object/],
  'charts/redis/Chart.yaml': ['apiVersion: v2\nname: redis\nversion: 1.2.3\n', /Helm chart metadata/],
  // Not YAML until Helm renders it: read raw it would be malformed input.
  'charts/redis/templates/deployment.yaml': ['apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include "redis.fullname" . }}\n{{- with .Values.extra }}\n  {{- toYaml . | nindent 2 }}\n{{- end }}\n', /a template of the Helm chart .*charts\/redis: run `helm template/],
  // Read by a chart through .Files.Get and tpl, outside templates/: still a Go template, not YAML.
  'charts/op/conf/crds/crd.yaml': ['{{- if .Values.crds.create }}\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  annotations:\n    {{- with .Values.crds.annotations }}\n    {{- toYaml . | nindent 4 }}\n    {{- end }}\n  name: x.example.com\n{{- end }}\n', /a Go template/],
  // Not even YAML (a comment after a value): JSON with comments, skipped rather than refused.
  'tsconfig.json': ['{\n  "compilerOptions": {"strict": true}, // checks: all\n  "include": ["src"],\n}\n', /JSON with comments/],
  'docs/partial.yaml': ['apiVersion: v1\nkind: Pod\nspec: {containers: [{name: x}]}\n', /Pod without metadata.name or generateName/],
  'config/app.json': ['[1, 2, 3]\n', /a list, not a map/],
  'overlay-values.yaml': ['config:\n  receivers: {otlp: {protocols: {grpc: {}}}}\n  service: {pipelines: {}}\n', /chart without `mode`/],
};

const CHAINSAW_TEST = `apiVersion: chainsaw.kyverno.io/v1alpha1
kind: Test
metadata: {name: smoke}
spec:
  steps:
    - try:
        - apply: {file: 00-install.yaml}
        - assert: {file: check-*.yaml}
`;
// The state a test expects: the Deployment as the cluster shows it (partial, and different from the
// manifest), and a Pod known only by its labels.
const ASSERT_DEPLOYMENT = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: otel, namespace: obs}\nstatus: {readyReplicas: 1}\n';
const ASSERT_POD = 'apiVersion: v1\nkind: Pod\nmetadata: {labels: {app: otel}, namespace: obs}\nspec: {containers: [{name: otelcol, env: [{name: OTEL_EXPORTER_OTLP_ENDPOINT, value: "http://localhost:1"}]}]}\n';

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-walk-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const rules = (r: ReturnType<typeof lint>): string[] => r.report.findings.filter((f) => f.severity !== 'info').map((f) => `${f.rule} ${f.subject.namespace}/${f.subject.name}`);

describe('a repository walk', () => {
  const files = {
    'deploy/collector.yaml': COLLECTOR,
    'e2e/smoke/00-install.yaml': COLLECTOR,
    'e2e/smoke/chainsaw-test.yaml': CHAINSAW_TEST,
    'e2e/smoke/check-deployment.yaml': ASSERT_DEPLOYMENT,
    'e2e/smoke/check-pod.yaml': ASSERT_POD,
    'e2e/kuttl/01-assert.yaml': ASSERT_DEPLOYMENT,
    // Installed dependencies: not walked at all (their manifests are not this repository's).
    'node_modules/some-chart/collector.yaml': COLLECTOR.replace(/namespace: obs/g, 'namespace: deps'),
    // Chainsaw's assertion trees may repeat a key (a JMESPath projection per line): not YAML we refuse.
    'e2e/kuttl/02-assert.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {namespace: obs}\n(length(spec.containers)): 1\n(length(spec.containers)): 1\n',
    ...Object.fromEntries(Object.entries(OTHERS).map(([k, [text]]) => [k, text])),
  };

  test('other kinds of files are skipped with a note naming each; test expectations are not objects; no input error', () => {
    const dir = tree(files);
    try {
      const r = lint([dir]);
      assert.deepEqual(r.errors, []);
      for (const [name, [, reason]] of Object.entries(OTHERS)) {
        const s = r.skipped.filter((x) => x.file === join(dir, name));
        assert.equal(s.length, 1, `${name}: ${JSON.stringify(r.skipped)}`);
        assert.match(s[0].reason, reason, name);
        assert.ok(r.report.notes?.some((n) => n.startsWith(`skipped ${join(dir, name)}`) && reason.test(n)), `${name} among the notes`);
      }
      assert.match(r.skipped.find((x) => x.file.endsWith('check-pod.yaml'))?.reason ?? '', /an assert file of the Chainsaw Test .*chainsaw-test\.yaml/);
      assert.match(r.skipped.find((x) => x.file.endsWith('check-deployment.yaml'))?.reason ?? '', /an assert file of the Chainsaw Test/);
      assert.match(r.skipped.find((x) => x.file.endsWith('chainsaw-test.yaml'))?.reason ?? '', /a Chainsaw Test/);
      assert.match(r.skipped.find((x) => x.file.endsWith('01-assert.yaml'))?.reason ?? '', /KUTTL and Chainsaw convention/);
      assert.match(r.skipped.find((x) => x.file === join(dir, 'node_modules'))?.reason ?? '', /installed dependencies, not walked/);
      assert.ok(!r.files.some((f) => f.includes('node_modules')));
      // The asserts' partial Deployment would have been a conflicting second declaration, and the assert Pod
      // an app sending to localhost: neither reaches the rules. Each folder's copy is found where it is.
      assert.deepEqual(rules(r), ['receiver-bound-to-loopback obs/otel', 'receiver-bound-to-loopback obs/otel']);
      assert.deepEqual(r.report.findings.map((f) => f.location?.file).sort(), [join(dir, 'deploy/collector.yaml'), join(dir, 'e2e/smoke/00-install.yaml')]);
      assert.ok(!r.report.findings.some((f) => f.rule.startsWith('app-')), JSON.stringify(rules(r)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('broken input still exits 2 beside skipped files: malformed YAML, binary content', () => {
    const dir = tree({ ...files, 'deploy/broken.yaml': 'a: [1,\n' });
    writeFileSync(join(dir, 'deploy', 'blob.yaml'), Buffer.from([0x61, 0x00, 0x62]));
    try {
      const r = lint([dir]);
      assert.deepEqual(r.errors.map((e) => e.file).sort(), [join(dir, 'deploy/blob.yaml'), join(dir, 'deploy/broken.yaml')]);
      const cli = runFromSources(['lint', dir]);
      assert.equal(cli.status, 2, cli.stderr);
      assert.match(cli.stderr, /error: .*broken\.yaml:\d+:\d+: invalid YAML/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the command: skipped files on stderr in the terminal formats, exit from the findings alone', () => {
    const dir = tree(files);
    try {
      const cli = runFromSources(['lint', dir, '--fail-on', 'never']);
      assert.equal(cli.status, 0, cli.stderr);
      for (const name of Object.keys(OTHERS)) { assert.ok(cli.stderr.includes(`note: skipped ${join(dir, name)}`), `${name} on stderr:\n${cli.stderr}`); }
      assert.ok(!cli.stdout.includes('skipped docker-compose'), 'not repeated in the table');
      const json = runFromSources(['lint', dir, '-o', 'json', '--fail-on', 'never']);
      assert.equal(json.status, 0, json.stderr);
      const notes: string[] = JSON.parse(json.stdout).notes;
      assert.ok(notes.some((n) => n.startsWith(`skipped ${join(dir, 'docker-compose.yaml')}`)), JSON.stringify(notes));
      assert.equal(json.stderr, '', 'machine formats carry the notes themselves');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('nothing lintable at all exits 2, naming what was skipped', () => {
    const dir = tree(Object.fromEntries(Object.entries(OTHERS).map(([k, [text]]) => [k, text])));
    try {
      const r = lint([dir]);
      assert.equal(r.objects, 0);
      assert.deepEqual(r.errors, []);
      const cli = runFromSources(['lint', dir]);
      assert.equal(cli.status, 2);
      assert.match(cli.stderr, /note: skipped .*docker-compose\.yaml/);
      assert.match(cli.stderr, /error: no Kubernetes objects, collector configs or Helm values in the input/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('skipped files in SARIF and JUnit', () => {
  const r = lintTexts([{ file: 'deploy/c.yaml', text: COLLECTOR }, { file: 'docker-compose.yaml', text: OTHERS['docker-compose.yaml'][0] }]);
  test('SARIF: a tool-execution notification at level note, the run still successful', () => {
    const log = JSON.parse(sarifWithSkipped(renderSarif(r.report, { version: '0.0.0-test' }), r.skipped));
    const inv = log.runs[0].invocations[0];
    assert.equal(inv.executionSuccessful, true);
    assert.deepEqual(
      inv.toolExecutionNotifications.map((n: any) => [n.level, n.locations[0].physicalLocation.artifactLocation.uri, n.locations[0].physicalLocation.region.startLine]),
      [['note', 'docker-compose.yaml', 1]],
    );
    assert.match(inv.toolExecutionNotifications[0].message.text, /^skipped: document 1: a Compose file/);
    assert.equal(log.runs[0].results.length, r.report.findings.length);
  });
  test('JUnit: a skipped testcase per file in a suite of its own, counted in the totals', () => {
    const plain = renderJunit(r.report);
    const xml = junitWithSkipped(plain, r.skipped);
    const total = (x: string): number => Number(/<testsuites [^>]*tests="(\d+)"/.exec(x)?.[1]);
    assert.equal(total(xml), total(plain) + 1);
    assert.match(xml, /<testsuite name="skipped files" tests="1" failures="0" errors="0" skipped="1">\n {4}<testcase classname="skipped" name="docker-compose\.yaml" line="1">\n {6}<skipped message="document 1: a Compose file"\/>/);
    assert.ok(xml.trimEnd().endsWith('</testsuites>'));
  });
});

describe('values of the opentelemetry-collector chart', () => {
  test('without `config` they are values: the chart defaults apply', () => {
    const r = lintTexts([{ file: 'values.yaml', text: 'mode: daemonset\nimage: {repository: otel/opentelemetry-collector-k8s, tag: 0.111.0}\n' }]);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.skipped, []);
    assert.equal(r.snapshots.flatMap((s) => s.collectors).length, 1);
    assert.deepEqual(rules(r), []);
  });
  test('an invalid mode is broken values of this chart: an input error', () => {
    const r = lintTexts([{ file: 'values.yaml', text: 'mode: sidecar\npresets: {}\n' }]);
    assert.match(r.errors[0]?.message ?? '', /mode must be deployment, daemonset or statefulset/);
  });
});
