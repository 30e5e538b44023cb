// lint: input shapes, locations, bad input, golden outputs per format, SARIF against the official schema,
// upstream manifests clean, lint/diagnose agreement on static scenarios, and a mutation fuzz.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { Ajv } from 'ajv';
import { lint, lintTexts } from '../../src/lint/index.ts';
import { locateEmbedded, parseSource, parseStrict } from '../../src/lint/source.ts';

const valueOf = (v: unknown, p: (string | number)[]): unknown => p.reduce((o: any, k) => o?.[k], v);
import { renderReport } from '../../src/report/render/index.ts';
import { renderSarif } from '../../src/report/render/sarif.ts';
import { renderJunit } from '../../src/report/render/junit.ts';
import { RULES } from '../../src/rules/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(here, '../..');
const FIX = join(REPO, 'test/fixtures/lint');
// CI has the repository at X/main and the shared data at X/shared.
const UPSTREAM = resolve(REPO, '../shared/fixtures/upstream');

function shape(name: string, opts = {}) {
  const text = readFileSync(join(FIX, 'shapes', name), 'utf8');
  return lintTexts([{ file: `shapes/${name}`, text }], opts);
}
const rules = (r: ReturnType<typeof shape>) => r.report.findings.map((f) => `${f.severity} ${f.rule} ${f.subject.kind}/${f.subject.namespace}/${f.subject.name}`);

describe('input shapes', () => {
  test('bare collector config: host-less grpc defaults to localhost (version unknown -> warning) at the grpc key', () => {
    const r = shape('bare-config.yaml');
    assert.deepEqual(rules(r), ['warning receiver-default-loopback CollectorConfig/default/shapes/bare-config.yaml']);
    assert.deepEqual(r.report.findings[0].location, { file: 'shapes/bare-config.yaml', line: 4, column: 7 });
  });
  test('--collector-version before 0.104 decides: 0.0.0.0 default, no finding', () => {
    assert.deepEqual(rules(shape('bare-config.yaml', { collectorVersion: '0.103.0' })), []);
    assert.equal(shape('bare-config.yaml', { collectorVersion: '0.104.0' }).report.findings[0].severity, 'warning');
  });
  test('v1alpha1 CR with string config: the embedded key line and column', () => {
    const r = shape('cr-v1alpha1.yaml');
    const f = r.report.findings.find((x) => x.rule === 'receiver-bound-to-loopback')!;
    assert.equal(f.subject.name, 'gateway-collector');
    assert.deepEqual(f.location, { file: 'shapes/cr-v1alpha1.yaml', line: 13, column: 13 });
    assert.match(f.fix.summary, /OpenTelemetryCollector observability\/gateway/);
  });
  test('v1beta1 CR in a JSON List: object config, location of the endpoint key', () => {
    const r = shape('cr-v1beta1-list.json');
    const f = r.report.findings.find((x) => x.rule === 'receiver-bound-to-loopback')!;
    assert.equal(f.location?.line, 5);
    const text = readFileSync(join(FIX, 'shapes/cr-v1beta1-list.json'), 'utf8').split('\n')[4];
    assert.equal(text.slice((f.location!.column ?? 1) - 1).startsWith('"endpoint"'), true);
  });
  test('Helm values merged over the chart defaults bind to ${env:MY_POD_IP}: info only', () => {
    // nothing in the files says IPv6, so the unbracketed pod-IP binding is only a note there too
    assert.deepEqual(rules(shape('helm-values.yaml')), ['info endpoint-ipv6-unbracketed Deployment/default/release-opentelemetry-collector', 'info receiver-bound-to-pod-ip Deployment/default/release-opentelemetry-collector']);
  });
  test('Instrumentation CR endpoint reaches the annotated Deployment', () => {
    const r = shape('instrumentation.yaml');
    assert.ok(rules(r).includes('error app-endpoint-loopback Deployment/shop/cart'), rules(r).join('\n'));
  });
  test('links across files: ConfigMap, Service and the app in separate inputs', () => {
    const dir = join(REPO, 'test/scenarios/seed/manifests');
    const r = lint([dir]);
    assert.deepEqual(rules(r), ['error receiver-bound-to-loopback Deployment/observability/otel-collector']);
    const f = r.report.findings[0];
    assert.equal(f.location?.file, join(dir, '10-collector.yaml'));
    assert.equal(readFileSync(f.location!.file, 'utf8').split('\n')[f.location!.line! - 1].slice(f.location!.column! - 1), 'endpoint: localhost:4317');
  });
});

/**
 * A collector as the tests below need it: a ConfigMap with its config, the Deployment mounting it, and
 * optionally a Service. `ns: null` leaves the namespace to the context. The endpoint stays on line 10.
 */
function collectorManifests(o: { ns?: string | null; cm?: string; image?: string; endpoint?: string; sibling?: boolean; telemetry?: string; ports?: boolean; service?: string }): string {
  const ns = o.ns === null ? '' : `, namespace: ${o.ns ?? 'obs'}`;
  const cm = o.cm ?? 'cfg';
  return `apiVersion: v1
kind: ConfigMap
metadata: {name: ${cm}${ns}}
data:
  config.yaml: |
    receivers:
      otlp:
        protocols:
          grpc:${o.endpoint ? `\n            endpoint: ${o.endpoint}` : ' {}'}
    exporters:
      debug: {}
    service:${o.telemetry ? `\n      telemetry:\n        metrics:\n          readers:\n            - periodic:\n                exporter:\n                  otlp: {protocol: grpc, endpoint: "${o.telemetry}"}` : ''}
      pipelines:
        traces: {receivers: [otlp], exporters: [debug]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: otel${ns}}
spec:
  selector: {matchLabels: {app: otel}}
  template:
    metadata: {labels: {app: otel}}
    spec:
      containers:
        - name: otelcol
          image: ${o.image ?? 'otel/opentelemetry-collector:0.99.0'}
          args: [--config=/conf/config.yaml]${o.ports ? '\n          ports: [{name: otlp-grpc, containerPort: 4317}]' : ''}
          readinessProbe: {httpGet: {path: /, port: 13133}}
          volumeMounts: [{name: cfg, mountPath: /conf}]${o.sibling ? '\n        - {name: app, image: shop/cart:1.0}' : ''}
      volumes: [{name: cfg, configMap: {name: ${cm}}}]
${o.service ? `---
apiVersion: v1
kind: Service
metadata: {name: otel${ns}}
spec:
  selector: {app: otel}
${o.service}` : ''}`;
}

describe('loopback receivers without a cluster: severity from what the manifests prove', () => {
  const collector = collectorManifests;
  const run = (text: string, opts = {}) => lintTexts([{ file: 'c.yaml', text }], opts).report.findings.filter((f) => f.rule.startsWith('receiver-'));
  test('an explicit loopback bind in a pod that runs nothing else is an error, with no Service or app in the input', () => {
    const [f, ...rest] = run(collector({ endpoint: '127.0.0.1:4317' }));
    assert.deepEqual([f?.rule, f?.severity, f?.subject.name, rest.length], ['receiver-bound-to-loopback', 'error', 'otel', 0]);
    assert.ok(f.evidence.some((e) => /the pod runs no container but otelcol/.test(e.detail)), JSON.stringify(f.evidence));
  });
  test('with another container in the pod it may be a same-pod client: a warning, not an error', () => {
    assert.deepEqual(run(collector({ endpoint: '127.0.0.1:4317', sibling: true })).map((f) => f.severity), ['warning']);
    // a native sidecar (an init container with restartPolicy: Always) shares the pod as well
    const native = collector({ endpoint: '127.0.0.1:4317' }).replace('      containers:\n', '      initContainers:\n        - {name: proxy, image: envoy:1, restartPolicy: Always}\n      containers:\n');
    assert.deepEqual(run(native).map((f) => f.severity), ['warning']);
    // and the Helm chart's extraContainers
    const values = (extra: string) => `mode: deployment\nimage: {repository: otel/opentelemetry-collector-k8s, tag: 0.111.0}\nservice: {enabled: false}\nconfig: {receivers: {otlp: {protocols: {grpc: {endpoint: "127.0.0.1:4317"}}}}}\n${extra}`;
    const sev = (text: string) => lintTexts([{ file: 'v.yaml', text }]).report.findings.filter((f) => f.rule === 'receiver-bound-to-loopback').map((f) => f.severity);
    assert.deepEqual(sev(values('')), ['error']);
    assert.deepEqual(sev(values('extraContainers: [{name: shipper, image: shipper:1}]\n')), ['warning']);
  });
  test("the collector's own telemetry exporting to that loopback port is a same-pod client: no finding", () => {
    assert.deepEqual(run(collector({ endpoint: 'localhost:4317', telemetry: 'http://localhost:4317' })), []);
    assert.deepEqual(run(collector({ endpoint: 'localhost:4317', telemetry: 'http://localhost:4318' })).map((f) => f.severity), ['error']);
  });
  test('--collector-version decides an untagged image exactly as a tag would', () => {
    const tagged = run(collector({ image: 'otel/opentelemetry-collector:0.111.0' }));
    assert.deepEqual(tagged.map((f) => [f.rule, f.severity]), [['receiver-default-loopback', 'error']]);
    for (const image of ['otel/opentelemetry-collector', 'otel/opentelemetry-collector:latest', 'otel/opentelemetry-collector@sha256:' + 'a'.repeat(64)]) {
      const unknown = run(collector({ image }));
      assert.deepEqual(unknown.map((f) => [f.rule, f.severity]), [['receiver-default-loopback', 'warning']], image);
      // The distribution table says why: no tag, `latest`, or a digest names no release.
      assert.ok(unknown[0].evidence.some((e) => /collector version unknown \(image \S+ \(OpenTelemetry Collector \(core\)\): (no tag|tag "latest"|pinned by digest)/.test(e.detail)), JSON.stringify(unknown[0].evidence));
      const given = run(collector({ image }), { collectorVersion: '0.111.0' });
      assert.deepEqual(given.map((f) => [f.rule, f.severity]), [['receiver-default-loopback', 'error']], image);
      assert.ok(given[0].evidence.some((e) => e.detail.startsWith('collector version 0.111.0 (--collector-version;')), JSON.stringify(given[0].evidence));
      assert.deepEqual(run(collector({ image }), { collectorVersion: '0.103.0' }), [], image);
    }
  });
});

describe('locations point at the offending key, not its parent', () => {
  const at = (r: ReturnType<typeof lintTexts>, rule: string, text: string) => {
    const f = r.report.findings.find((x) => x.rule === rule);
    assert.ok(f?.location, `${rule}: ${JSON.stringify(r.report.findings.map((x) => x.rule))}`);
    return text.split('\n')[f.location.line! - 1].slice(f.location.column! - 1);
  };
  test('service-port-mismatch: the targetPort of the port entry', () => {
    const text = collectorManifests({ image: 'otel/opentelemetry-collector:0.110.0', endpoint: '0.0.0.0:4317', ports: true, service: '  ports:\n    - name: metrics\n      port: 8888\n    - name: otlp\n      port: 4317\n      targetPort: otlp-grcp\n' });
    assert.equal(at(lintTexts([{ file: 's.yaml', text }]), 'service-port-mismatch', text), 'targetPort: otlp-grcp');
  });
  test('receiver-not-in-pipeline: the receiver declaration', () => {
    const text = 'receivers:\n  otlp:\n    protocols: {grpc: {endpoint: "0.0.0.0:4317"}}\n  zipkin: {}\nexporters: {debug: {}}\nservice:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [debug]}\n';
    assert.equal(at(lintTexts([{ file: 'c.yaml', text }]), 'receiver-not-in-pipeline', text), 'zipkin: {}');
  });
});

describe('the same object declared in several files (variants such as k8s/prod and k8s/staging)', () => {
  const variant = (endpoint: string) =>
    collectorManifests({ ns: null, cm: 'otel-config', image: 'otel/opentelemetry-collector:0.110.0', endpoint: `${endpoint}:4317`, service: '  ports: [{name: otlp-grpc, port: 4317}]\n' });
  const shared = `apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      containers:
        - name: app
          image: shop:1
          env: [{name: OTEL_EXPORTER_OTLP_ENDPOINT, value: "http://otel:4317"}]
`;
  const where = (r: ReturnType<typeof lintTexts>) => r.report.findings.filter((f) => f.severity !== 'info').map((f) => `${f.severity} ${f.rule} ${f.location?.file}:${f.location?.line}`);
  test('each variant is linked with its own files: the broken one is found, at its own line, whatever the order', () => {
    const prod = { file: 'k8s/prod/collector.yaml', text: variant('localhost') };
    const staging = { file: 'k8s/staging/collector.yaml', text: variant('0.0.0.0') };
    for (const inputs of [[prod, staging], [staging, prod]]) {
      const r = lintTexts(inputs);
      assert.deepEqual(where(r), ['error receiver-bound-to-loopback k8s/prod/collector.yaml:10'], inputs.map((i) => i.file).join(' '));
      assert.ok(r.report.notes?.some((n) => n.startsWith('ConfigMap default/otel-config is declared differently in 2 files (')), JSON.stringify(r.report.notes));
    }
  });
  test('a file no variant conflicts with is checked with each variant, and its findings are reported once', () => {
    const r = lintTexts([
      { file: 'k8s/apps/shop.yaml', text: shared },
      { file: 'k8s/prod/collector.yaml', text: variant('localhost') },
      { file: 'k8s/staging/collector.yaml', text: variant('127.0.0.1') },
    ]);
    assert.deepEqual(where(r).sort(), ['error receiver-bound-to-loopback k8s/prod/collector.yaml:10', 'error receiver-bound-to-loopback k8s/staging/collector.yaml:10']);
    assert.equal(r.snapshots.length, 2);
    const f = r.report.findings.find((x) => x.rule === 'receiver-bound-to-loopback')!;
    assert.deepEqual(f.affected?.map((a) => a.workload ?? a.pod), ['shop'], 'the shared app is linked to the variant collector');
  });
  test('the notes reach a clean table and markdown report too', () => {
    const r = lintTexts([{ file: 'k8s/prod/collector.yaml', text: variant('0.0.0.0') }, { file: 'k8s/staging/collector.yaml', text: variant('0.0.0.0').replace('name: otlp-grpc', 'name: grpc') }]);
    assert.deepEqual(where(r), []);
    assert.match(renderReport(r.report, 'table', { color: false, width: 100 }), /\nnote: Service default\/otel is declared differently in 2 files/);
    assert.match(renderReport(r.report, 'markdown'), /\*\*Notes\*\*\n\n(- .*\n)*- Service default\/otel is declared differently in 2 files/);
  });
  test('byte-identical copies (a Namespace atop every self-contained file) are one declaration: one context, linked', () => {
    const ns = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n---\n';
    const r = lintTexts([{ file: 'a/collector.yaml', text: ns + variant('0.0.0.0') }, { file: 'b/shop.yaml', text: ns + shared }, { file: 'c/again.yaml', text: ns }]);
    // c/ needs nothing and nothing needs it: a context of its own; a/ and b/ are linked by the app's endpoint.
    const linked = r.snapshots.filter((s) => s.collectors.length || s.apps.length);
    assert.equal(linked.length, 1);
    assert.deepEqual(r.report.notes ?? [], []);
    assert.deepEqual(where(r), []);
    assert.equal(linked[0].collectors.length, 1);
    assert.equal(linked[0].apps.length, 1);
  });
  test('an object declared twice in one file: the first declaration is the one checked', () => {
    const r = lintTexts([{ file: 'x.yaml', text: variant('localhost') + '---\n' + variant('0.0.0.0').split('---\n')[1] }]);
    assert.equal(r.snapshots[0].collectors.length, 1);
    assert.ok(r.report.notes?.some((n) => n === 'Deployment default/otel is declared more than once in x.yaml: the first declaration is the one checked'), JSON.stringify(r.report.notes));
  });
  test('no duplicates: one context, as before', () => {
    const r = lintTexts([{ file: 'a/collector.yaml', text: variant('0.0.0.0') }, { file: 'b/shop.yaml', text: shared }]);
    assert.equal(r.snapshots.length, 1);
    assert.deepEqual(where(r), []);
  });
});

describe('bad input: one line naming file and line, other files still checked', () => {
  const good = readFileSync(join(FIX, 'shapes/cr-v1alpha1.yaml'), 'utf8');
  const cases: [string, string, RegExp][] = [
    ['malformed', 'a: [1,\n', /^malformed:\d+:\d+: invalid YAML/],
    ['dup', 'apiVersion: v1\nkind: ConfigMap\nkind: Service\n', /^dup:3:1: duplicate key/],
    ['bomb', `a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n`, /^bomb:1:1: too many alias/],
  ];
  // Well-formed YAML of another kind is not broken input: skipped with a note naming it (test/lint/walk.test.ts).
  const notForUs: [string, string, RegExp][] = [
    ['unknown', 'foo: bar\n', /^unknown:1:1: document 1: none of: a Kubernetes object/],
    ['nokind', 'apiVersion: v1\nmetadata: {name: x}\n', /`apiVersion` without `kind`/],
    ['scalar', 'just text\n', /document 1: a string, not a map/],
  ];
  for (const [name, text, re] of notForUs) {
    test(`${name}: skipped, not an input error`, () => {
      const r = lintTexts([{ file: name, text }, { file: 'good', text: good }]);
      assert.deepEqual(r.errors, []);
      assert.equal(r.skipped.length, 1, JSON.stringify(r.skipped));
      assert.match(`${r.skipped[0].file}:${r.skipped[0].line}:${r.skipped[0].column}: ${r.skipped[0].reason}`, re);
      assert.ok(r.report.findings.some((f) => f.rule === 'receiver-bound-to-loopback'), 'the good file is still linted');
    });
  }
  for (const [name, text, re] of cases) {
    test(name, () => {
      const r = lintTexts([{ file: name, text }, { file: 'good', text: good }]);
      assert.equal(r.errors.length, 1, JSON.stringify(r.errors));
      const { errorLine } = { errorLine: (e: any) => `${e.file}${e.line ? `:${e.line}${e.column ? `:${e.column}` : ''}` : ''}: ${e.message}` };
      assert.match(errorLine(r.errors[0]), re);
      assert.ok(r.report.findings.some((f) => f.rule === 'receiver-bound-to-loopback'), 'the good file is still linted');
    });
  }
  test('anchors and aliases within limits resolve normally', () => {
    const r = lintTexts([{ file: 'anch', text: 'receivers:\n  otlp:\n    protocols:\n      grpc: &ep {endpoint: "127.0.0.1:4317"}\n      http: *ep\nexporters: {debug: {}}\nservice: {pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}\n' }]);
    assert.deepEqual(r.errors, []);
    assert.ok(r.report.findings.some((f) => f.rule === 'receiver-bound-to-loopback'));
  });
  test('binary, unreadable and missing paths', () => {
    const r = lint([join(REPO, 'node_modules/.bin/node'), '/nonexistent/otel-doctor', join(FIX, 'shapes/cr-v1alpha1.yaml')]);
    assert.equal(r.errors.length, 2);
    assert.match(r.errors.find((e) => e.file.endsWith('node'))!.message, /binary|too large/);
    assert.match(r.errors.find((e) => e.file.startsWith('/nonexistent'))!.message, /no such file/);
    assert.ok(r.report.findings.length > 0);
  });
  test('symbolic links: a loop back up the tree ends, and a file named twice or linked is linted once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-lint-links-'));
    try {
      mkdirSync(join(dir, 'a', 'b'), { recursive: true });
      symlinkSync('..', join(dir, 'a', 'b', 'loop'));
      writeFileSync(join(dir, 'a', 'UP.YAML'), readFileSync(join(FIX, 'shapes/bare-config.yaml')));
      symlinkSync(join(dir, 'a', 'UP.YAML'), join(dir, 'a', 'b', 'same.yaml'));
      const r = lint([dir, join(dir, 'a', 'UP.YAML'), join(dir, 'a', '.', 'UP.YAML')]);
      assert.deepEqual(r.errors, []);
      assert.deepEqual(r.files, [join(dir, 'a', 'UP.YAML')]);
      assert.equal(r.report.findings.length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test('empty standard input is unusable input (the command before the pipe failed), an empty file is not', () => {
    const r = lint(['-'], { stdin: () => Buffer.from('\n  \n') });
    assert.deepEqual(r.errors.map((e) => [e.file, e.message]), [['-', 'standard input is empty (did the command before the pipe fail?)']]);
  });
  test('text that is not UTF-8 is refused by name; a UTF-8 byte-order mark is not an error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-lint-enc-'));
    try {
      writeFileSync(join(dir, 'latin1.yaml'), Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n', 'latin1'));
      writeFileSync(join(dir, 'bom.yaml'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(readFileSync(join(FIX, 'shapes/cr-v1alpha1.yaml')))]));
      const r = lint([dir]);
      assert.deepEqual(r.errors.map((e) => [e.file, e.message]), [[join(dir, 'latin1.yaml'), 'not UTF-8 text (binary file?)']]);
      assert.ok(r.report.findings.some((f) => f.rule === 'receiver-bound-to-loopback' && f.location?.line !== undefined), 'the BOM file is linted with positions');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('golden outputs', () => {
  const inputs = ['bare-config.yaml', 'cr-v1alpha1.yaml', 'cr-v1beta1-list.json', 'helm-values.yaml', 'instrumentation.yaml'].map((n) => ({ file: `shapes/${n}`, text: readFileSync(join(FIX, 'shapes', n), 'utf8') }));
  const r = lintTexts(inputs, { pluginVersion: '0.0.0-test' });
  const outputs: Record<string, string> = {
    'report.json': renderReport(r.report, 'json'),
    'report.yaml': renderReport(r.report, 'yaml'),
    'report.txt': renderReport(r.report, 'table', { color: false, width: 100 }),
    'report.md': renderReport(r.report, 'markdown'),
    'report.sarif': renderSarif(r.report, { version: '0.0.0-test' }),
    'report.junit.xml': renderJunit(r.report),
  };
  for (const [name, out] of Object.entries(outputs)) {
    test(name, () => {
      const p = join(FIX, 'golden', name);
      if (process.env.UPDATE_GOLDEN === '1' || !existsSync(p)) { writeFileSync(p, out); }
      assert.equal(out, readFileSync(p, 'utf8'), `golden ${name} differs (UPDATE_GOLDEN=1 to accept)`);
    });
  }
  test('SARIF validates against the official SARIF 2.1.0 schema and carries every rule', () => {
    const schema = JSON.parse(readFileSync(join(REPO, 'test/data/sarif-2.1.0.schema.json'), 'utf8'));
    // The official file is draft-04 (`id`); ajv 8 reads it as draft-07 with the id renamed.
    delete schema.$schema;
    schema.$id = schema.id;
    delete schema.id;
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(schema);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const log: any = JSON.parse(outputs['report.sarif']);
    const valid: boolean = validate(log);
    assert.ok(valid, JSON.stringify(validate.errors?.slice(0, 5), null, 2));
    const run = log.runs[0];
    assert.deepEqual(run.tool.driver.rules.map((x: any) => x.id), RULES.map((x) => x.id));
    for (const x of run.tool.driver.rules) { assert.ok(x.shortDescription.text && x.help.text && x.helpUri, x.id); }
    // helpUri is the rule's heading in docs/rules.md in the repository plugin.yaml names as homepage.
    const homepage = /homepage:\s*(\S+)/.exec(readFileSync(join(REPO, 'plugin.yaml'), 'utf8'))?.[1];
    const anchors = new Set([...readFileSync(join(REPO, 'docs/rules.md'), 'utf8').matchAll(/^## (\S+)$/gm)].map((m) => m[1]));
    for (const x of run.tool.driver.rules) {
      assert.equal(x.helpUri, `${homepage}/blob/main/docs/rules.md#${x.id}`);
      assert.ok(anchors.has(x.id), `docs/rules.md has no heading for ${x.id}`);
    }
    for (const res of run.results) {
      assert.ok(res.partialFingerprints['otelDoctorFinding/v2']);
      assert.ok(res.locations[0].physicalLocation.region.startLine > 1, `${res.ruleId} points at line 1`);
    }
    // Invalid input is reported as a notification, and still validates.
    const bad = lintTexts([{ file: 'x.yaml', text: 'a: [\n' }]);
    assert.ok(validate(JSON.parse(renderSarif(bad.report, { inputErrors: bad.errors }))), JSON.stringify(validate.errors?.slice(0, 3)));
  });
});

describe('upstream manifests lint clean (no error, no warning)', () => {
  const dirs = existsSync(UPSTREAM) ? readdirSync(UPSTREAM, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name) : [];
  test('upstream fixtures are present', { skip: existsSync(UPSTREAM) ? false : `no ${UPSTREAM}` }, () => assert.ok(dirs.length >= 5));
  // True positives in upstream examples, asserted exactly so any other finding still fails:
  // helm-collector-deployment-use-existing-configMap mounts the ConfigMap volume AT /conf/config.yaml (no
  // subPath), which makes /conf/config.yaml a directory holding config.yaml, while the collector runs with
  // --config=/conf/config.yaml: it would fail reading a directory, whatever the (absent) ConfigMap holds.
  const known: Record<string, string[]> = {
    'helm-collector-deployment-use-existing-configMap': ['collector-config-invalid example-opentelemetry-collector'],
  };
  for (const d of dirs) {
    test(d, () => {
      const r = lint([join(UPSTREAM, d)]);
      assert.deepEqual(r.errors, []);
      const bad = r.report.findings.filter((f) => f.severity !== 'info').map((f) => `${f.rule} ${f.subject.name}`);
      assert.deepEqual(bad, known[d] ?? []);
      if (d === 'helm-collector-deployment-use-existing-configMap') {
        const f = r.report.findings.find((x) => x.rule === 'collector-config-invalid')!;
        assert.match(f.summary, /\/conf\/config\.yaml: is a directory, not a file/);
        assert.equal(f.fix.summary, 'In the pod spec of Deployment default/example-opentelemetry-collector, add `subPath: config.yaml` to volumeMount custom-otelcol-configmap, or mount it at /conf.');
      }
    });
  }
  test('the whole upstream tree at once: variants of one release name do not hide that true positive', { skip: existsSync(UPSTREAM) ? false : `no ${UPSTREAM}` }, () => {
    const r = lint([UPSTREAM]);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.report.findings.filter((f) => f.severity !== 'info').map((f) => `${f.rule} ${f.subject.name} ${relative(UPSTREAM, f.location?.file ?? '')}`), ['collector-config-invalid example-opentelemetry-collector helm-collector-deployment-use-existing-configMap/deployment.yaml']);
  });
  test('operator-managed collectors without health_check get an info pointing at the CR, not a warning', { skip: dirs.includes('operator-samples') ? false : 'no operator-samples' }, () => {
    const r = lint([join(UPSTREAM, 'operator-samples')]);
    const probe = r.report.findings.filter((f) => f.rule === 'collector-no-readiness-probe');
    assert.ok(probe.length > 0);
    for (const f of probe) {
      assert.equal(f.severity, 'info');
      assert.match(f.fix.target ?? '', /^OpenTelemetryCollector /);
    }
  });
});

describe('lint agrees with diagnose on statically detectable scenarios', () => {
  const sdir = join(REPO, 'test/scenarios');
  const lintRules = new Set(RULES.filter((r) => r.modes.includes('lint')).map((r) => r.id));
  const scenarios = readdirSync(sdir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(sdir, d.name, 'expected.yaml')))
    .map((d) => ({ name: d.name, dir: join(sdir, d.name), expected: parse(readFileSync(join(sdir, d.name, 'expected.yaml'), 'utf8')) }));
  const staticOnes = scenarios.filter((s) => s.expected.findings.length > 0 && s.expected.findings.every((f: any) => lintRules.has(f.rule)));
  test('at least seed and receiver-default-loopback are static', () => {
    assert.ok(staticOnes.some((s) => s.name === 'seed') && staticOnes.some((s) => s.name === 'receiver-default-loopback'), staticOnes.map((s) => s.name).join(','));
  });
  for (const s of staticOnes) {
    test(s.name, () => {
      const r = lint((s.expected.manifests ?? ['manifests']).map((m: string) => resolve(s.dir, m)));
      assert.deepEqual(r.errors, []);
      const got = new Set(r.report.findings.map((f) => `${f.rule} ${f.subject.kind}/${f.subject.namespace}/${f.subject.name}`));
      for (const f of s.expected.findings) {
        assert.ok(got.has(`${f.rule} ${f.subject.kind}/${f.subject.namespace}/${f.subject.name}`), `lint misses ${f.rule} on ${f.subject.name}; got:\n${[...got].join('\n')}`);
      }
      for (const f of r.report.findings) { assert.ok(f.location?.line, `${f.rule} has no location`); }
    });
  }
});

describe('fuzz: mutated fixtures never crash', () => {
  test('2000 mutations of every fixture', () => {
    const seeds = [...readdirSync(join(FIX, 'shapes')).map((n) => readFileSync(join(FIX, 'shapes', n), 'utf8')), readFileSync(join(REPO, 'test/scenarios/seed/manifests/10-collector.yaml'), 'utf8')];
    let x = 0x9e3779b9;
    const rnd = (n: number): number => {
      x ^= x << 13; x ^= x >>> 17; x ^= x << 5; // xorshift32: reproducible
      return (x >>> 0) % n;
    };
    const junk = ['', ':', '- ', '{', '}', '[', ']', '&a ', '*a', '<<: *a', '\t', '"', "'", '|', '>', '#', '---\n', '\u0000', '0.0.0.0:4317', 'null', '~', '  ', '\n'];
    for (let i = 0; i < 2000; i++) {
      let t = seeds[rnd(seeds.length)];
      for (let k = 0; k <= rnd(4); k++) {
        const pos = rnd(t.length + 1);
        const op = rnd(3);
        if (op === 0) { t = t.slice(0, pos) + junk[rnd(junk.length)] + t.slice(pos); }
        else if (op === 1) { t = t.slice(0, pos) + t.slice(pos + rnd(20)); }
        else { const a = t.split('\n'); const l = rnd(a.length); a.splice(rnd(a.length), 0, a[l]); t = a.join('\n'); }
      }
      const r = lintTexts([{ file: `m${i}`, text: t }]);
      renderSarif(r.report, { inputErrors: r.errors });
      renderJunit(r.report, { inputErrors: r.errors });
      for (const e of r.errors) { assert.ok(!e.message.includes('\n') && e.message.length < 400, e.message); }
    }
  });
});

describe('fast parse path', () => {
  // Values come from js-yaml and positions from yaml's CST, lexed on demand: both must describe the same
  // documents and give the offsets the composed (strict) Document gives, or a finding would point at the
  // wrong line. Compared on every fixture lint is tested with, at every key and item of every document.
  const files: string[] = [];
  const walkDir = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) { walkDir(p); } else if (/\.(ya?ml|json)$/.test(e.name)) { files.push(p); }
    }
  };
  for (const d of [join(FIX, 'shapes'), join(REPO, 'test/scenarios'), UPSTREAM]) { if (existsSync(d)) { walkDir(d); } }
  const pathsOf = (v: unknown, base: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] => {
    out.push(base);
    if (Array.isArray(v)) { v.forEach((x, i) => pathsOf(x, [...base, i], out)); }
    else if (v && typeof v === 'object') { for (const [k, x] of Object.entries(v)) { pathsOf(x, [...base, k], out); } }
    return out;
  };
  test('values and positions agree with the strict parse on every fixture', () => {
    assert.ok(files.length > 20, `${files.length} fixture files`);
    let fast = 0;
    let compared = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const { docs, errors } = parseSource(file, text);
      if (errors.length) { continue; }
      const strict = parseStrict(file, text);
      assert.deepEqual(strict.errors, [], file);
      if (!/[&*]|<</.test(text)) { fast++; }
      assert.equal(docs.length, strict.docs.length, file);
      docs.forEach((sd, i) => {
        const st = strict.docs[i];
        assert.deepEqual(sd.value, st.value, `${file} document ${i + 1}`);
        for (const path of [...pathsOf(sd.value), [...pathsOf(sd.value).at(-1)!, 'no-such-key']]) {
          const a = sd.find(path);
          const b = st.find(path);
          const where = `${file} document ${i + 1} at ${JSON.stringify(path)}`;
          assert.equal(a.offset, b.offset, where);
          assert.equal(a.depth, b.depth, where);
          if (typeof b.scalar?.value === 'string') { assert.deepEqual([a.scalar?.value, a.scalar?.type, a.scalar?.range[0]], [b.scalar.value, b.scalar.type, b.scalar.range[0]], where); }
          if (a.offset !== undefined) { assert.deepEqual(sd.linePos(a.offset), st.linePos(a.offset), where); }
          compared++;
        }
      });
    }
    assert.ok(fast > 10, `${fast} files took the fast path`);
    assert.ok(compared > 5000, `${compared} paths compared`);
  });

  test('embedded configs: the line scan finds the block the CST finds, at every key of every embedded config', () => {
    let compared = 0;
    let scanned = 0;
    const extra = [
      { file: 'two.yaml', text: 'a:\n  cfg: |\n    x: 1\n---\nb:\n  cfg: |\n    x: 1\n    y: {z: 2}\n' },
      { file: 'same.yaml', text: 'a:\n  cfg: |\n    x: 1\n  other:\n    cfg: |\n      x: 1\n' },
      { file: 'lead.yaml', text: '# c\n---\n---\nk:\n  - cfg: |-\n      p:\n        q: 1\n\n      r: 2\n' },
    ];
    for (const { file, text } of [...files.map((f) => ({ file: f, text: readFileSync(f, 'utf8') })), ...extra]) {
      const { docs } = parseSource(file, text);
      for (const sd of docs) {
        const blocks: (string | number)[][] = [];
        const visit = (v: unknown, p: (string | number)[]): void => {
          if (typeof v === 'string' && v.includes('\n') && p.length) { blocks.push(p); }
          else if (Array.isArray(v)) { v.forEach((x, i) => visit(x, [...p, i])); }
          else if (v && typeof v === 'object') { for (const [k, x] of Object.entries(v)) { visit(x, [...p, k]); } }
        };
        visit(sd.value, []);
        for (const bp of blocks) {
          let inner: unknown;
          try { inner = parse(valueOf(sd.value, bp) as string); } catch { continue; }
          for (const ip of pathsOf(inner).filter((x) => x.length)) {
            const slow = locateEmbedded(sd, bp, ip, { scan: false });
            const fast = locateEmbedded(sd, bp, ip);
            assert.deepEqual(fast, slow, `${file} doc ${sd.index + 1} ${JSON.stringify(bp)} ${JSON.stringify(ip)}`);
            compared++;
          }
          if (text.split('\n').some((l) => l.trimEnd().endsWith('|') || l.trimEnd().endsWith('|-'))) { scanned++; }
        }
      }
    }
    assert.ok(compared > 200 && scanned > 5, `${compared} keys compared in ${scanned} blocks`);
  });

  test('keys the value parsers resolve (numbers, booleans, quoted, flow maps and sequences) are found', () => {
    const text = 'a:\n  1.0: one\n  0x10: sixteen\n  "q k": quoted\n  True: yes\n  flow: {x: [p, {y: z}]}\n---\n---\nb: [1, 2]\n';
    const { docs } = parseSource('t.yaml', text);
    const strict = parseStrict('t.yaml', text);
    assert.equal(docs.length, 2);
    for (const [i, path] of [[0, ['a', '1']], [0, ['a', '16']], [0, ['a', 'q k']], [0, ['a', 'true']], [0, ['a', 'flow', 'x', 1, 'y']], [1, ['b', 1]]] as const) {
      const a = docs[i].find([...path]);
      assert.equal(a.depth, path.length, JSON.stringify(path));
      assert.equal(a.offset, strict.docs[i].find([...path]).offset, JSON.stringify(path));
    }
    assert.deepEqual(docs[1].linePos(docs[1].find(['b', 1]).offset!), { line: 9, col: 8 });
  });
});
