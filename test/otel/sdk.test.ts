// The protocol an app exports with when nothing sets OTEL_EXPORTER_OTLP_PROTOCOL, above all for the
// auto-instrumentation the OpenTelemetry operator injects. Sources (open-telemetry/opentelemetry-operator
// at v0.158.0) are cited per case; the model is src/otel/sdk.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appExports, defaultProtocol } from '../../src/otel/sdk.ts';
import { lintTexts } from '../../src/lint/index.ts';
import type { AppContainer, SdkGuess } from '../../src/snapshot.ts';

const d = (language: SdkGuess['language'], flavour?: SdkGuess['flavour'], version?: string) => defaultProtocol({ language, flavour, version, from: 't' }).protocol;

test('operator auto-instrumentation: the protocol each language really uses', () => {
  // python.go getDefaultPythonEnvVars: OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf unless the container sets
  // it ("it is what our autoinstrumentation supports"; requirements.txt ships only the proto-http exporter).
  assert.equal(d('python', 'auto'), 'http/protobuf');
  // autoinstrumentation/nodejs: @opentelemetry/auto-instrumentations-node register since 0.120 (#3570),
  // whose SDK default is http/protobuf; nodejs.go injects no protocol.
  assert.equal(d('node', 'auto'), 'http/protobuf');
  // dotnet.go injects no protocol; the .NET auto-instrumentation defaults to http/protobuf
  // (docs/auto-instrumentation/README.md: "Dotnet autoinstrumentation uses http/proto by default").
  assert.equal(d('dotnet', 'auto'), 'http/protobuf');
  // javaagent.go injects only JAVA_TOOL_OPTIONS; autoinstrumentation/java/version.txt is a 2.x agent,
  // which defaults to http/protobuf (1.x used grpc).
  assert.equal(d('java', 'agent'), 'http/protobuf');
  assert.equal(d('java', 'agent', '1.33.0'), 'grpc');
  // golang.go injects no protocol; README: "Go autoinstrumentation uses http/proto by default".
  assert.equal(d('go', 'auto'), 'http/protobuf');
  // apachehttpd.go / nginx.go: the otel-webserver-module loads libopentelemetry_exporter_otlp_grpc.so,
  // endpoint default http://localhost:4317/.
  assert.equal(d('cpp', 'auto'), 'grpc');
});

test('plain SDKs keep their own defaults', () => {
  assert.equal(d('python'), 'grpc');
  assert.equal(d('python', 'sdk'), 'grpc');
  assert.equal(d('python', 'unknown'), 'grpc');
  assert.equal(d('dotnet', 'sdk'), 'grpc');
  assert.equal(d('go'), null);
  assert.equal(d('cpp'), null);
});

const app = (sdk: SdkGuess, env: Record<string, string> = {}): AppContainer => ({
  namespace: 'shop',
  pod: 'p',
  container: 'c',
  sdk,
  exporter: {
    endpoint: { value: 'http://otel-collector.obs.svc.cluster.local:4318', env: 'OTEL_EXPORTER_OTLP_ENDPOINT', origin: 'instrumentation' },
    ...(env.OTEL_EXPORTER_OTLP_PROTOCOL ? { protocol: { value: env.OTEL_EXPORTER_OTLP_PROTOCOL, env: 'OTEL_EXPORTER_OTLP_PROTOCOL', origin: 'value' } } : {}),
    ...(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ? { signals: { traces: { protocol: { value: env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, env: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', origin: 'value' } } } } : {}),
  },
});
const pyAuto: SdkGuess = { language: 'python', flavour: 'auto', from: 'annotation instrumentation.opentelemetry.io/inject-python' };

test('explicit protocol env on the container wins over the operator default (appendIfNotSet)', () => {
  assert.deepEqual(appExports(app(pyAuto)).map((e) => e.protocol), ['http/protobuf', 'http/protobuf', 'http/protobuf']);
  assert.deepEqual(appExports(app(pyAuto)).map((e) => e.url), ['http://otel-collector.obs.svc.cluster.local:4318/v1/traces', 'http://otel-collector.obs.svc.cluster.local:4318/v1/metrics', 'http://otel-collector.obs.svc.cluster.local:4318/v1/logs']);
  assert.deepEqual(appExports(app(pyAuto, { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).map((e) => e.protocol), ['grpc', 'grpc', 'grpc']);
  assert.deepEqual(appExports(app(pyAuto, { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' })).map((e) => e.protocol), ['grpc', 'http/protobuf', 'http/protobuf']);
  // the web server modules read their own config file, never the env
  assert.deepEqual(appExports(app({ language: 'cpp', flavour: 'auto', from: 't' }, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' })).map((e) => e.protocol), ['grpc', 'grpc', 'grpc']);
});

const manifests = (env = '') => `apiVersion: opentelemetry.io/v1alpha1
kind: Instrumentation
metadata: {name: inst, namespace: shop}
spec:
  exporter:
    endpoint: http://otel-collector.obs.svc.cluster.local:4318
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: shop}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata:
      labels: {app: app}
      annotations:
        instrumentation.opentelemetry.io/inject-python: "true"
    spec:
      containers:
      - name: app
        image: example/app:1
${env}`;

test('lint: injected Python sending to 4318 is not a protocol/port mismatch; an explicit grpc is', () => {
  const clean = lintTexts([{ file: 'm.yaml', text: manifests() }]);
  assert.deepEqual(clean.errors, []);
  assert.deepEqual(clean.report.findings.filter((f) => f.rule === 'app-protocol-port-mismatch'), []);
  assert.equal(clean.report.apps[0]?.protocol, 'http/protobuf');
  const grpc = lintTexts([{ file: 'm.yaml', text: manifests('        env:\n        - {name: OTEL_EXPORTER_OTLP_PROTOCOL, value: grpc}\n') }]);
  assert.deepEqual(grpc.report.findings.map((f) => f.rule), ['app-protocol-port-mismatch']);
});

test('lint: an injected web server module (nginx, apache-httpd) speaks gRPC whatever the env says', () => {
  for (const lang of ['nginx', 'apache-httpd']) {
    const r = lintTexts([{ file: 'm.yaml', text: manifests('        env:\n        - {name: OTEL_EXPORTER_OTLP_PROTOCOL, value: http/protobuf}\n').replace('inject-python', `inject-${lang}`) }]);
    assert.equal(r.report.apps[0]?.protocol, 'grpc', lang);
    assert.deepEqual(r.report.findings.map((f) => f.rule), ['app-protocol-port-mismatch'], lang);
  }
});
