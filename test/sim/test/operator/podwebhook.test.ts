// The pod webhook as a whole (internal/webhook/podmutation/webhookhandler.go): the sidecar mutator, then
// the instrumentation mutator (operator/instrumentation.ts), on a pod a ReplicaSet creates; against
// tests/e2e/env-vars/01-assert.yaml (v0.158.0). An error from either leaves the pod as it was sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, yamlOf, type Harness } from './harness.ts';
import type { KObject } from '../../store.ts';

// tests/e2e/env-vars/00-install-collector.yaml, 00-install-instrumentation.yaml, 01-deployment.yaml.
function install(h: Harness): void {
  h.create(yamlOf(`
apiVersion: opentelemetry.io/v1beta1
kind: OpenTelemetryCollector
metadata:
  name: sidecar
spec:
  config:
    receivers:
      otlp:
        protocols:
          grpc: {}
          http: {}
    exporters:
      debug: {}
    service:
      pipelines:
        traces:
          receivers: [otlp]
          exporters: [debug]
  mode: sidecar
`));
  h.create(yamlOf(`
apiVersion: opentelemetry.io/v1alpha1
kind: Instrumentation
metadata:
  name: sdk-only
spec:
  exporter:
    endpoint: http://localhost:4317
`));
}
const DEPLOY = yamlOf(`
apiVersion: apps/v1
kind: Deployment
metadata:
  name: my-deploy
spec:
  selector:
    matchLabels:
      app: my-deploy
  replicas: 1
  template:
    metadata:
      labels:
        app: my-deploy
      annotations:
        sidecar.opentelemetry.io/inject: "true"
        instrumentation.opentelemetry.io/inject-sdk: "true"
    spec:
      containers:
      - name: myapp
        image: ghcr.io/open-telemetry/opentelemetry-operator/e2e-test-app-python:main
`);

test('env-vars: the Deployment\'s pod gets the sidecar and the SDK variables 01-assert.yaml lists, with the Deployment\'s name', async () => {
  const h = harness();
  try {
    install(h);
    h.create(DEPLOY);
    await h.settle();
    const pod = h.list('Pod', 'default')[0];
    const app = pod.spec.containers.find((c: KObject) => c.name === 'myapp');
    assert.deepEqual(app.env.map((e: KObject) => e.name), ['OTEL_NODE_IP', 'OTEL_POD_IP', 'OTEL_SERVICE_NAME', 'OTEL_EXPORTER_OTLP_ENDPOINT',
      'OTEL_RESOURCE_ATTRIBUTES_POD_NAME', 'OTEL_RESOURCE_ATTRIBUTES_NODE_NAME', 'OTEL_RESOURCE_ATTRIBUTES']);
    const env = Object.fromEntries(app.env.map((e: KObject) => [e.name, e.value ?? e.valueFrom?.fieldRef?.fieldPath]));
    assert.equal(env.OTEL_SERVICE_NAME, 'my-deploy');
    assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://localhost:4317');
    for (const part of ['k8s.container.name=myapp', 'k8s.pod.name=$(OTEL_RESOURCE_ATTRIBUTES_POD_NAME)', 'k8s.replicaset.name=my-deploy-',
      'k8s.deployment.name=my-deploy', 'k8s.namespace.name=default', 'k8s.node.name=$(OTEL_RESOURCE_ATTRIBUTES_NODE_NAME)',
      'service.instance.id=default.$(OTEL_RESOURCE_ATTRIBUTES_POD_NAME).myapp', 'service.version=main']) {
      assert.ok(env.OTEL_RESOURCE_ATTRIBUTES.includes(part), part);
    }
    assert.deepEqual(pod.spec.initContainers.map((c: KObject) => c.name), ['otc-container'], 'the sidecar mutator ran first');
  } finally { h.stop(); }
});

test('an instrumentation error admits the pod as it was sent: no sidecar either, and the operator says why', async () => {
  const h = harness();
  try {
    install(h);
    h.create(yamlOf('apiVersion: opentelemetry.io/v1alpha1\nkind: Instrumentation\nmetadata:\n  name: second\nspec:\n  exporter:\n    endpoint: http://localhost:4318\n'));
    h.create(DEPLOY);
    await h.settle();
    const pod = h.list('Pod', 'default')[0];
    assert.deepEqual(pod.spec.containers.map((c: KObject) => [c.name, c.env ?? []]), [['myapp', []]]);
    assert.equal(pod.spec.initContainers, undefined);
    const line = h.operator!.logs.lines().map((l) => JSON.parse(l)).find((l) => l.level === 'ERROR' && /Instrumentation/.test(l.message));
    assert.ok(line, 'an ERROR line about the Instrumentation choice');
    assert.ok(line.error);
  } finally { h.stop(); }
});

test('a sidecar annotation naming no collector stops the webhook: no instrumentation either, nothing logged', async () => {
  const h = harness();
  try {
    install(h);
    const d = structuredClone(DEPLOY);
    d.spec.template.metadata.annotations['sidecar.opentelemetry.io/inject'] = 'missing';
    h.create(d);
    await h.settle();
    const pod = h.list('Pod', 'default')[0];
    assert.deepEqual(pod.spec.containers.map((c: KObject) => [c.name, c.env ?? []]), [['myapp', []]]);
    assert.ok(!h.operator!.logs.lines().some((l) => JSON.parse(l).level === 'ERROR'));
  } finally { h.stop(); }
});
