// Sidecar injection through both pod paths (the API server's create and the workload controllers'),
// against tests/e2e-sidecar/smoke-sidecar and smoke-sidecar-other-namespace (v0.158.0), and the operator's
// log lines when it cannot pick a collector (pkg/sidecar/podmutator.go).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, yamlOf, type Harness } from './harness.ts';
import { annotationValue } from '../../operator/sidecar.ts';
import type { KObject } from '../../store.ts';

// tests/e2e-sidecar/smoke-sidecar/00-install.yaml
const SIDECAR_CR = yamlOf(`
apiVersion: opentelemetry.io/v1beta1
kind: OpenTelemetryCollector
metadata:
  name: sidecar-for-my-app
spec:
  mode: sidecar
  configmaps:
  - mountpath: /tmp/example-config
    name: example-config
  config:
    receivers:
      jaeger:
        protocols:
          grpc: {}
    processors: {}
    exporters:
      debug: {}
    service:
      pipelines:
        traces:
          receivers: [jaeger]
          exporters: [debug]
`);
// tests/e2e-sidecar/smoke-sidecar/01-install-app.yaml
const APP = (annotation: string, ns = 'default') => yamlOf(`
apiVersion: apps/v1
kind: Deployment
metadata:
  name: my-deployment-with-sidecar
  namespace: ${ns}
spec:
  selector:
    matchLabels:
      app: my-pod-with-sidecar
  replicas: 1
  template:
    metadata:
      labels:
        app: my-pod-with-sidecar
      annotations:
        sidecar.opentelemetry.io/inject: "${annotation}"
    spec:
      containers:
      - name: myapp
        image: ghcr.io/open-telemetry/opentelemetry-operator/e2e-test-app-python:main
`);

const appPod = (h: Harness, ns = 'default') => h.list('Pod', ns).find((p) => p.metadata.labels?.app === 'my-pod-with-sidecar');
const logs = (h: Harness) => h.operator!.logs.lines().map((l) => JSON.parse(l));

// At v0.158.0 on a 1.29+ cluster: 01-assert-native.yaml (the otc-container an init container); at v0.131.0:
// tests/e2e/smoke-sidecar/01-assert.yaml of that tag (a regular container, no GOMEMLIMIT/GOMAXPROCS).
for (const [version, native, golang] of [['0.158.0', true, true], ['0.131.0', false, false]] as const) {
  test(`smoke-sidecar at v${version}: the Deployment's pod gets the otc-container${native ? ' as a native sidecar' : ''}; no Services (01-error.yaml)`, async () => {
    const h = harness({ version });
    try {
      h.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'example-config' }, data: { 'config.properties': 'app.theme=dark\n' } });
      h.create(SIDECAR_CR);
      await h.settle();
      h.create(APP('true'));
      await h.settle();
      const pod = appPod(h)!;
      assert.equal(pod.metadata.annotations?.['sidecar.opentelemetry.io/inject'], 'true');
      assert.ok(pod.spec.volumes.some((v: KObject) => v.name.startsWith('configmap-example-config')));
      assert.deepEqual(pod.spec.containers.map((c: KObject) => c.name), native ? ['myapp'] : ['myapp', 'otc-container']);
      assert.deepEqual((pod.spec.initContainers ?? []).map((c: KObject) => c.name), native ? ['otc-container'] : []);
      const otc = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((c: KObject) => c.name === 'otc-container');
      assert.equal(otc.restartPolicy, native ? 'Always' : undefined);
      assert.ok(otc.volumeMounts.some((m: KObject) => m.name.startsWith('configmap-example-config')));
      assert.deepEqual(otc.env.map((e: KObject) => e.name), ['POD_NAME', ...(golang ? ['GOMEMLIMIT', 'GOMAXPROCS'] : []), 'OTEL_CONFIG',
        'OTEL_RESOURCE_ATTRIBUTES_POD_NAME', 'OTEL_RESOURCE_ATTRIBUTES_POD_UID', 'OTEL_RESOURCE_ATTRIBUTES_NODE_NAME', 'OTEL_RESOURCE_ATTRIBUTES']);
      assert.deepEqual(otc.args, ['--config=env:OTEL_CONFIG']);
      assert.ok(!otc.volumeMounts.some((m: KObject) => m.name === 'otc-internal'), 'a sidecar reads its config from OTEL_CONFIG, not the ConfigMap');
      assert.match(otc.env.find((e: KObject) => e.name === 'OTEL_CONFIG').value, /endpoint: 0\.0\.0\.0:14250/);
      const rs = h.list('ReplicaSet', 'default')[0];
      const attrs = otc.env.find((e: KObject) => e.name === 'OTEL_RESOURCE_ATTRIBUTES').value;
      assert.equal(attrs, `k8s.deployment.name=my-deployment-with-sidecar,k8s.deployment.uid=${h.get('Deployment', 'my-deployment-with-sidecar')!.metadata.uid},`
        + `k8s.namespace.name=default,k8s.node.name=$(OTEL_RESOURCE_ATTRIBUTES_NODE_NAME),k8s.pod.name=$(OTEL_RESOURCE_ATTRIBUTES_POD_NAME),`
        + `k8s.pod.uid=$(OTEL_RESOURCE_ATTRIBUTES_POD_UID),k8s.replicaset.name=${rs.metadata.name},k8s.replicaset.uid=${rs.metadata.uid}`);
      assert.equal(pod.metadata.labels?.['sidecar.opentelemetry.io/injected'], 'default.sidecar-for-my-app');
      // The API server's defaulting reached the injected container too.
      assert.equal(otc.terminationMessagePath, '/dev/termination-log');
      for (const n of ['sidecar-for-my-app-collector', 'sidecar-for-my-app-collector-headless', 'sidecar-for-my-app-collector-monitoring']) {
        assert.equal(h.get('Service', n), undefined, n);
      }
      assert.equal(h.get('Deployment', 'sidecar-for-my-app-collector'), undefined);
      // internal/status/collector: a sidecar CR's scale is zero, which the omitempty fields leave out.
      assert.deepEqual(h.get('OpenTelemetryCollector', 'sidecar-for-my-app')!.status.scale, {});
    } finally { h.stop(); }
  });
}

test('smoke-sidecar-other-namespace: `ns/name` picks a collector in another namespace; a bare pod created through the API is injected too', async () => {
  const h = harness();
  try {
    h.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
    const cr = structuredClone(SIDECAR_CR);
    cr.metadata.namespace = 'other';
    delete cr.spec.configmaps;
    h.create(cr);
    h.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bare', annotations: { 'sidecar.opentelemetry.io/inject': 'other/sidecar-for-my-app' } }, spec: { containers: [{ name: 'app', image: 'busybox' }] } });
    const pod = h.get('Pod', 'bare')!;
    assert.deepEqual(pod.spec.containers.map((c: KObject) => c.name), ['app']);
    assert.deepEqual(pod.spec.initContainers.map((c: KObject) => c.name), ['otc-container']);
    assert.equal(pod.metadata.labels?.['sidecar.opentelemetry.io/injected'], 'other.sidecar-for-my-app');
  } finally { h.stop(); }
});

test('no sidecar collector, several, or one not in sidecar mode: the pod is admitted as it was and the operator logs why', async () => {
  const h = harness();
  try {
    h.create(APP('true'));
    await h.settle();
    assert.deepEqual(appPod(h)!.spec.containers.map((c: KObject) => c.name), ['myapp']);
    const line = logs(h).find((l) => l.message === "failed to select an OpenTelemetry Collector instance for this pod's sidecar");
    assert.deepEqual(line, { level: 'ERROR', timestamp: line.timestamp, message: "failed to select an OpenTelemetry Collector instance for this pod's sidecar", namespace: 'default', name: '', error: 'no OpenTelemetry Collector instances available' });
    assert.match(line.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);

    const dep = structuredClone(SIDECAR_CR);
    dep.metadata.name = 'gateway';
    dep.spec.mode = 'deployment';
    delete dep.spec.configmaps;
    h.create(dep);
    h.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', annotations: { 'sidecar.opentelemetry.io/inject': 'gateway' } }, spec: { containers: [{ name: 'app', image: 'busybox' }] } });
    assert.equal(h.get('Pod', 'p1')!.spec.containers.length, 1);
    assert.equal(logs(h).at(-1).error, "the OpenTelemetry Collector's mode is not set to sidecar");

    for (const n of ['a', 'b']) { const c = structuredClone(SIDECAR_CR); c.metadata.name = n; delete c.spec.configmaps; h.create(c); }
    h.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p2', annotations: { 'sidecar.opentelemetry.io/inject': 'true' } }, spec: { containers: [{ name: 'app', image: 'busybox' }] } });
    assert.equal(h.get('Pod', 'p2')!.spec.containers.length, 1);
    assert.equal(logs(h).at(-1).error, 'multiple OpenTelemetry Collector instances available, cannot determine which one to select');
  } finally { h.stop(); }
});

test('annotation precedence between pod and namespace (pkg/sidecar/annotation.go)', () => {
  const ann = (v?: string): Record<string, string> => (v === undefined ? {} : { 'sidecar.opentelemetry.io/inject': v });
  const ns = (v?: string): KObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', annotations: ann(v) } });
  const pod = (v?: string): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', annotations: ann(v) } });
  assert.equal(annotationValue(ns(), pod('true')), 'true');
  assert.equal(annotationValue(ns('my-col'), pod()), 'my-col');
  assert.equal(annotationValue(ns('my-col'), pod('false')), 'false');
  assert.equal(annotationValue(ns('my-col'), pod('true')), 'my-col');
  assert.equal(annotationValue(ns('false'), pod('true')), 'true');
  assert.equal(annotationValue(ns('true'), pod('other')), 'other');
});

test('a namespace annotated for injection injects its pods; older operators log in controller-runtime\'s keys', async () => {
  const h = harness({ version: '0.99.0' });
  try {
    h.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team', annotations: { 'sidecar.opentelemetry.io/inject': 'true' } } });
    h.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'team' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } });
    const line = logs(h).at(-1);
    assert.equal(line.level, 'error');
    assert.equal(line.msg, "failed to select an OpenTelemetry Collector instance for this pod's sidecar");
    assert.ok(line.ts && !('timestamp' in line));
    const cr = structuredClone(SIDECAR_CR);
    cr.metadata.namespace = 'team';
    delete cr.spec.configmaps;
    h.create(cr);
    h.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'q', namespace: 'team' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } });
    // v0.99 has no native sidecars: a second regular container.
    assert.deepEqual(h.get('Pod', 'q', 'team')!.spec.containers.map((c: KObject) => c.name), ['app', 'otc-container']);
  } finally { h.stop(); }
});
