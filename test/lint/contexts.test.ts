/**
 * Which folders lint links (src/lint/contexts.ts, refs.ts): a system spread over sibling folders is joined
 * through what its objects need; unrelated examples side by side are not, even when they reuse namespace
 * and names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lintTexts } from '../../src/lint/index.ts';

const collector = (ns: string, endpoint: string): string => `apiVersion: v1
kind: ConfigMap
metadata: {name: otel-config, namespace: ${ns}}
data:
  config.yaml: |
    receivers:
      otlp:
        protocols:
          grpc:
            endpoint: ${endpoint}
    exporters:
      debug: {}
    service:
      pipelines:
        traces: {receivers: [otlp], exporters: [debug]}
`;
const workload = (ns: string): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: otel, namespace: ${ns}}
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
---
apiVersion: v1
kind: Service
metadata: {name: otel, namespace: ${ns}}
spec:
  selector: {app: otel}
  ports: [{name: otlp-grpc, port: 4317}]
`;
const app = (ns: string, env: string): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: shop, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: shop}}
  template:
    metadata:
      labels: {app: shop}
      annotations: {instrumentation.opentelemetry.io/inject-python: "true"}
    spec:
      containers:
        - name: shop
          image: shop:1
          env:
${env}
`;
const instrumentation = (ns: string, endpoint: string): string => `apiVersion: opentelemetry.io/v1alpha1
kind: Instrumentation
metadata: {name: python, namespace: ${ns}}
spec:
  exporter: {endpoint: "${endpoint}"}
`;

const loud = (r: ReturnType<typeof lintTexts>): string[] => r.report.findings.filter((f) => f.severity !== 'info').map((f) => `${f.rule} ${f.subject.namespace}/${f.subject.name} ${f.location?.file}`).sort();

test('sibling folders of one system are joined through what they need ($(VAR) expanded as the kubelet does)', () => {
  const r = lintTexts([
    { file: 'deploy/config/otel-config.yaml', text: collector('obs', 'localhost:4317') },
    { file: 'deploy/collector/otel.yaml', text: workload('obs') },
    { file: 'deploy/apps/shop.yaml', text: app('obs', '            - {name: COLLECTOR, value: otel}\n            - {name: OTEL_EXPORTER_OTLP_ENDPOINT, value: "http://$(COLLECTOR):4317"}') },
  ]);
  assert.equal(r.snapshots.length, 1, 'one system, one context');
  const f = r.report.findings.find((x) => x.rule === 'receiver-bound-to-loopback');
  assert.ok(f, loud(r).join('\n'));
  assert.equal(f.location?.file, 'deploy/config/otel-config.yaml', 'the ConfigMap in its sibling folder is the config');
  assert.deepEqual(f.affected?.map((a) => a.workload ?? a.pod), ['shop']);
});

test('unrelated examples reusing namespace and names stay apart: neither hides nor invents the other\'s findings', () => {
  // a/ injects a loopback endpoint into its app; b/ sends to its collector. Each alone: a has the finding,
  // b is clean. Linked, `inject-python: "true"` would see two Instrumentations in `default`.
  const a = [
    { file: 'examples/a/collector.yaml', text: collector('default', '0.0.0.0:4317') + '---\n' + workload('default') },
    { file: 'examples/a/app.yaml', text: app('default', '            - {name: LOG_LEVEL, value: info}') + '---\n' + instrumentation('default', 'http://localhost:4317') },
  ];
  const b = [
    { file: 'examples/b/collector.yaml', text: collector('default', '0.0.0.0:4317') + '---\n' + workload('default') },
    { file: 'examples/b/app.yaml', text: app('default', '            - {name: LOG_LEVEL, value: debug}') + '---\n' + instrumentation('default', 'http://otel:4317') },
  ];
  const both = lintTexts([...a, ...b]);
  assert.deepEqual(loud(both), [...loud(lintTexts(a)), ...loud(lintTexts(b))].sort());
  assert.ok(loud(lintTexts(a)).some((x) => x.startsWith('app-endpoint-loopback default/shop examples/a/')), loud(lintTexts(a)).join('\n'));
  assert.ok(!loud(both).some((x) => x.startsWith('app-endpoint-loopback default/shop examples/b/')), 'b\'s app keeps b\'s Instrumentation');
});

test('"the Instrumentation in the namespace" is joined from a sibling only when exactly one folder offers it', () => {
  const shop = { file: 'deploy/apps/shop.yaml', text: app('obs', '            - {name: LOG_LEVEL, value: info}') };
  const one = lintTexts([shop, { file: 'deploy/instrumentation/python.yaml', text: instrumentation('obs', 'http://localhost:4317') }]);
  assert.ok(loud(one).some((x) => x.startsWith('app-endpoint-loopback obs/shop')), loud(one).join('\n'));
  // Nearest first: a sibling folder answers before a cousin.
  const near = lintTexts([shop, { file: 'deploy/instrumentation/python.yaml', text: instrumentation('obs', 'http://localhost:4317') }, { file: 'other/instrumentation/python.yaml', text: instrumentation('obs', 'http://otel:4317').replace('name: python', 'name: python-2') }]);
  assert.ok(loud(near).some((x) => x.startsWith('app-endpoint-loopback obs/shop')), loud(near).join('\n'));
  const two = lintTexts([
    shop,
    { file: 'deploy/instrumentation-a/python.yaml', text: instrumentation('obs', 'http://localhost:4317') },
    { file: 'deploy/instrumentation-b/python.yaml', text: instrumentation('obs', 'http://localhost:4318').replace('name: python', 'name: python-2') },
  ]);
  assert.ok(!loud(two).some((x) => x.startsWith('app-endpoint-loopback obs/shop')), 'ambiguous: linked to neither');
});
