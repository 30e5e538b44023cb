// The operator's version as diagnose learns it (src/gather/list.ts findOperator): its Deployment's manager
// image, one label-selected list cluster-wide, else in the default install namespace, else unknown; and
// what that version changes in the apps' model.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../src/errors.ts';
import { discover, findOperator, operatorFromCRs } from '../../src/gather/list.ts';
import { buildApp } from '../../src/gather/models.ts';
import { lintTexts } from '../../src/lint/index.ts';
import { FakeClusterClient } from './fake-client.ts';
import { runAsync } from '../helpers/run.ts';

const operatorDeployment = (ns: string, image: string, args: string[] = []) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'opentelemetry-operator-controller-manager', namespace: ns, labels: { 'app.kubernetes.io/name': 'opentelemetry-operator', 'control-plane': 'controller-manager' } },
  spec: { template: { spec: { containers: [{ name: 'manager', image, args: ['--zap-log-level=info', ...args] }, { name: 'kube-rbac-proxy', image: 'quay.io/brancz/kube-rbac-proxy:v0.13.1' }] } } },
});
const forbidden = () => new ApiError('deployments.apps is forbidden', { status: 403, reason: 'Forbidden', path: '' });
const IMG = 'ghcr.io/open-telemetry/opentelemetry-operator/opentelemetry-operator';

describe('findOperator', () => {
  test('cluster-wide: one list call, label-selected; the version from the manager image, the multi-instrumentation flag from its args', async () => {
    const fake = new FakeClusterClient([operatorDeployment('otel', `${IMG}:0.121.0`, ['--enable-multi-instrumentation=false'])]);
    const op = await findOperator(fake);
    assert.deepEqual(op, { version: '0.121.0', source: `Deployment otel/opentelemetry-operator-controller-manager, image ${IMG}:0.121.0`, multiInstrumentation: false });
    assert.deepEqual(fake.calls, ['list deployments -l app.kubernetes.io/name=opentelemetry-operator']);
  });

  test('forbidden cluster-wide: one namespaced try in opentelemetry-operator-system', async () => {
    const fake = new FakeClusterClient([operatorDeployment('opentelemetry-operator-system', `${IMG}:v0.115.0`)]);
    fake.listErrors.set('deployments', (o) => (o.namespace ? undefined : forbidden()));
    assert.equal((await findOperator(fake)).version, '0.115.0');
    assert.deepEqual(fake.calls, ['list deployments -l app.kubernetes.io/name=opentelemetry-operator', 'list deployments -n opentelemetry-operator-system -l app.kubernetes.io/name=opentelemetry-operator']);
  });

  test('forbidden in both, absent, or a build that names no upstream release: unknown, and why', async () => {
    const denied = new FakeClusterClient([]);
    denied.listErrors.set('deployments', () => forbidden());
    const a = await findOperator(denied);
    assert.equal(a.version, null);
    assert.match(a.source, /cannot be listed cluster-wide \(forbidden\) nor in opentelemetry-operator-system/);
    const none = await findOperator(new FakeClusterClient([]));
    assert.match(none.source, /no Deployment labelled app\.kubernetes\.io\/name=opentelemetry-operator cluster-wide/);
    const digest = await findOperator(new FakeClusterClient([operatorDeployment('otel', `${IMG}@sha256:0123`)]));
    assert.equal(digest.version, null);
    assert.match(digest.source, /names no upstream release/);
  });
});

describe('discover: the operator version reaches the injected apps', () => {
  const objects = (operatorImage?: string) => [
    ...(operatorImage ? [operatorDeployment('otel', operatorImage)] : []),
    { apiVersion: 'opentelemetry.io/v1alpha1', kind: 'Instrumentation', metadata: { name: 'inst', namespace: 'shop' }, spec: { exporter: { endpoint: 'http://otel-collector.otel:4317' } } },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'shop', annotations: { 'instrumentation.opentelemetry.io/inject-nodejs': 'true' } },
      spec: { containers: [{ name: 'web', image: 'node:22' }] },
      status: { podIP: '10.0.0.9', hostIP: '10.1.0.1' },
    },
  ];
  const run = async (fake: FakeClusterClient, operatorVersion?: string) => {
    const disc = await discover(fake, { namespace: 'otel', allNamespaces: false, appNamespaces: ['shop'], canListClusterWide: true, ...(operatorVersion ? { operatorVersion } : {}) });
    return { disc, app: buildApp(disc.apps[0], disc) };
  };

  test('operator 0.121.0 from its Deployment: the Node.js image is 0.53.0, which exports gRPC', async () => {
    const { disc, app } = await run(new FakeClusterClient(objects(`${IMG}:0.121.0`)));
    assert.equal(disc.operator?.version, '0.121.0');
    assert.equal(app.sdk?.defaultProtocol?.protocol, 'grpc');
    assert.match(app.sdk?.defaultProtocol?.why ?? '', /0\.53\.0, the default of operator 0\.121\.0/);
  });

  test('--operator-version decides without a lookup', async () => {
    const fake = new FakeClusterClient(objects(`${IMG}:0.121.0`));
    const { disc, app } = await run(fake, '0.140.0');
    assert.deepEqual(disc.operator, { version: '0.140.0', source: '--operator-version' });
    assert.equal(app.sdk?.defaultProtocol?.protocol, 'http/protobuf');
    assert.equal(fake.calls.some((c) => c.includes('-l app.kubernetes.io/name=opentelemetry-operator')), false);
  });

  test('unknown: the current release is assumed, and the evidence says so', async () => {
    const { disc, app } = await run(new FakeClusterClient(objects()));
    assert.equal(disc.operator?.version, null);
    assert.equal(app.sdk?.defaultProtocol?.protocol, 'http/protobuf');
    assert.match(app.sdk?.defaultProtocol?.why ?? '', /the default of operator 0\.158\.0, assumed as the operator's version is unknown/);
  });

  test('no pod of the operator’s doing: no lookup at all', async () => {
    const fake = new FakeClusterClient([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace: 'otel' }, spec: { containers: [{ name: 'x', image: 'busybox' }] } }]);
    const { disc } = await (async () => ({ disc: await discover(fake, { namespace: 'otel', allNamespaces: false, appNamespaces: [], canListClusterWide: true }) }))();
    assert.equal(disc.operator, undefined);
    assert.equal(fake.calls.some((c) => c.includes('opentelemetry-operator')), false);
  });
});

describe('lint --operator-version: the CR judged as that release deploys it', () => {
  const cr = [
    'apiVersion: opentelemetry.io/v1beta1',
    'kind: OpenTelemetryCollector',
    'metadata: {name: gw, namespace: otel}',
    'spec:',
    '  mode: deployment',
    '  config:',
    '    receivers: {otlp: {protocols: {grpc: {}, http: {}}}}',
    '    extensions: {health_check: {}}',
    '    exporters: {debug: {}}',
    '    service:',
    '      extensions: [health_check]',
    '      pipelines: {traces: {receivers: [otlp], exporters: [debug]}}',
  ].join('\n');
  const lintAt = (operatorVersion?: string) => lintTexts([{ file: 'cr.yaml', text: cr }], operatorVersion ? { operatorVersion } : {});
  const rules = (r: ReturnType<typeof lintAt>) => r.report.findings.map((f) => `${f.rule}:${f.severity}`);

  test('0.110 .. 0.121: receivers defaulted to 0.0.0.0, health_check left on localhost while the probes hit the pod IP', () => {
    const r = lintAt('0.115.0');
    assert.deepEqual(rules(r), ['health-check-bound-to-loopback:error']);
    assert.equal(r.snapshots[0].collectors[0].image, 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector:0.115.1', "the release's default image");
    assert.deepEqual(r.snapshots[0].meta.operator, { version: '0.115.0', source: '--operator-version' });
  });

  test('0.122 on: both defaulted; 0.104 .. 0.109: the localhost gate disabled', () => {
    assert.deepEqual(rules(lintAt('0.125.0')), []);
    assert.deepEqual(rules(lintAt('0.107.0')), []);
  });

  test('before 0.100: no readinessProbe from health_check', () => {
    const r = lintAt('0.99.0');
    assert.equal(r.snapshots[0].collectors[0].readinessProbe, undefined);
    assert.deepEqual(rules(r), ['collector-no-readiness-probe:info']);
  });

  test('no flag: the current release, and a note says so', () => {
    const r = lintAt();
    assert.deepEqual(rules(r), []);
    assert.ok(r.report.notes?.some((n) => /OpenTelemetry operator version unknown \(lint reads no cluster\): its release 0\.158\.0 is assumed/.test(n)));
  });
});

describe('operatorFromCRs: out of sight, the CRs still tell', () => {
  const cr = (name: string, version?: string) => ({ apiVersion: 'opentelemetry.io/v1beta1', kind: 'OpenTelemetryCollector', metadata: { name, namespace: 'otel' }, ...(version ? { status: { version } } : {}) });

  test('the newest status.version names the earliest release shipping that collector', () => {
    const op = operatorFromCRs([cr('a', '0.114.0'), cr('b', '0.122.1'), cr('c')], 'forbidden');
    assert.equal(op?.version, '0.122.0');
    assert.match(op?.source ?? '', /^forbidden; OpenTelemetryCollector otel\/b has status\.version 0\.122\.1, the collector release of operator 0\.122\.0$/);
  });

  test('no status, or a collector no release ships: nothing inferred', () => {
    assert.equal(operatorFromCRs([cr('a'), cr('b', '0.999.0')], 'x'), undefined);
  });
});

test('lint: an inject annotation alone (its Instrumentation elsewhere) is the operator at work too: the note says what is assumed', () => {
  const app = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: {name: web, namespace: shop}',
    'spec:',
    '  selector: {matchLabels: {app: web}}',
    '  template:',
    '    metadata: {labels: {app: web}, annotations: {instrumentation.opentelemetry.io/inject-nodejs: "true"}}',
    '    spec: {containers: [{name: web, image: node:22}]}',
  ].join('\n');
  const r = lintTexts([{ file: 'app.yaml', text: app }]);
  assert.ok(r.report.notes?.some((n) => /OpenTelemetry operator version unknown/.test(n)), JSON.stringify(r.report.notes));
  const plain = lintTexts([{ file: 'app.yaml', text: app.replace(/, annotations: \{[^}]*\}/, '') }]);
  assert.equal(plain.report.notes?.some((n) => /OpenTelemetry operator/.test(n)) ?? false, false);
});

describe('--operator-version on the command line', () => {
  const PLUGIN = new URL('../../bin/kubectl-otel_doctor', import.meta.url).pathname;
  const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-opver-'));
  const file = join(dir, 'cr.yaml');
  writeFileSync(
    file,
    'apiVersion: opentelemetry.io/v1beta1\nkind: OpenTelemetryCollector\nmetadata: {name: gw, namespace: otel}\nspec:\n  config:\n    receivers: {otlp: {protocols: {grpc: {}}}}\n    extensions: {health_check: {}}\n    exporters: {debug: {}}\n    service: {extensions: [health_check], pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}\n',
  );
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('lint: X.Y.Z (a leading v accepted) decides; anything else is a usage error', async () => {
    const old = await runAsync(PLUGIN, ['lint', file, '-o', 'json', '--operator-version', 'v0.115.0'], { NO_COLOR: '1' });
    assert.equal(old.code, 1, old.stderr);
    assert.deepEqual((JSON.parse(old.stdout) as { findings: { rule: string }[] }).findings.map((f) => f.rule), ['health-check-bound-to-loopback']);
    const current = await runAsync(PLUGIN, ['lint', file, '-o', 'json', '--operator-version', '0.122.0'], { NO_COLOR: '1' });
    assert.equal(current.code, 0, current.stderr);
    const bad = await runAsync(PLUGIN, ['lint', file, '--operator-version', '0.115'], { NO_COLOR: '1' });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error: invalid --operator-version "0\.115": use X\.Y\.Z, e\.g\. 0\.120\.0$/m);
  });

  test('diagnose: the same validation, before any cluster is contacted', async () => {
    const bad = await runAsync(PLUGIN, ['diagnose', '--operator-version', 'latest'], { NO_COLOR: '1', KUBECONFIG: join(dir, 'none') });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error: invalid --operator-version "latest": use X\.Y\.Z, e\.g\. 0\.120\.0$/m);
  });
});
