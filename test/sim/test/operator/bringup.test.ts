// The operator stand-in in a real bring-up: its pod in opentelemetry-operator-system with the chosen
// release's image, a deployment-mode collector and a sidecar-injected app whose processes come up and
// settle, the manager's log read back through the kubelet; and `operator: false`. Needs root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { typeByKind, type KObject } from '../../store.ts';

const skip = process.getuid?.() !== 0 ? 'needs root: the simulated cluster creates network namespaces' : false;

// tests/e2e/smoke-collector/smoke-collector-deployment (config part) and tests/e2e-sidecar/smoke-sidecar, v0.158.0.
const MANIFESTS = `
apiVersion: opentelemetry.io/v1beta1
kind: OpenTelemetryCollector
metadata:
  name: smoke
spec:
  mode: deployment
  config:
    receivers:
      otlp:
        protocols:
          grpc: {}
          http: {}
    extensions:
      health_check: {}
    exporters:
      debug: {}
    service:
      extensions: [health_check]
      pipelines:
        traces:
          receivers: [otlp]
          exporters: [debug]
---
apiVersion: opentelemetry.io/v1beta1
kind: OpenTelemetryCollector
metadata:
  name: sidecar-for-my-app
spec:
  mode: sidecar
  config:
    receivers:
      otlp:
        protocols:
          grpc: {}
    exporters:
      debug: {}
    service:
      pipelines:
        traces:
          receivers: [otlp]
          exporters: [debug]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: my-deployment-with-sidecar
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
        sidecar.opentelemetry.io/inject: "true"
    spec:
      containers:
      - name: myapp
        image: ghcr.io/open-telemetry/opentelemetry-operator/e2e-test-app-python:main
`;

function manifestsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-operator-test-'));
  writeFileSync(join(dir, 'all.yaml'), MANIFESTS);
  return dir;
}
const isReady = (p: KObject) => (p.status?.conditions ?? []).some((c: KObject) => c.type === 'Ready' && c.status === 'True');

test('operator v0.140.0: its pod, a collector Deployment and an injected sidecar come up and settle; its log reads through the kubelet', { skip, timeout: 120_000 }, async (t) => {
  const { startCluster } = await import('../../cli.ts');
  const dir = manifestsDir();
  const cluster = await startCluster({ manifests: [dir], operatorVersion: '0.140.0', log: () => {} });
  try {
    t.diagnostic(`bring-up ${(cluster.bringUpMs / 1000).toFixed(1)} s, ${cluster.podCount} pods`);
    const pods = cluster.store.list(typeByKind('Pod')!);
    const op = pods.find((p) => p.metadata.namespace === 'opentelemetry-operator-system')!;
    assert.equal(op.spec.containers[0].image, 'ghcr.io/open-telemetry/opentelemetry-operator/opentelemetry-operator:0.140.0');
    assert.ok(isReady(op));
    const col = pods.find((p) => p.metadata.name.startsWith('smoke-collector-'))!;
    assert.ok(isReady(col), 'the collector passes its health_check probes');
    assert.equal(col.spec.containers[0].image, 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector:0.140.0');
    const app = pods.find((p) => p.metadata.labels?.app === 'my-pod-with-sidecar')!;
    assert.deepEqual(app.spec.containers.map((c: KObject) => c.name), ['myapp']);
    assert.deepEqual(app.spec.initContainers.map((c: KObject) => [c.name, c.restartPolicy]), [['otc-container', 'Always']], 'a native sidecar from v0.132 on 1.29+');
    assert.ok(isReady(app), 'the injected collector runs beside the app');
    const log = await cluster.runtime.logs('opentelemetry-operator-system', op.metadata.name, { container: 'manager' });
    const first = JSON.parse(log.split('\n')[0]);
    assert.equal(first.message, 'Starting the OpenTelemetry Operator');
    assert.equal(first['opentelemetry-operator'], '0.140.0');
    const status = cluster.store.get(typeByKind('OpenTelemetryCollector')!, 'default', 'smoke')!.status;
    assert.equal(status.scale.statusReplicas, '1/1');
    assert.equal(status.version, '0.140.0');
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('operator: false: CRs stay unreconciled, no operator pod, the annotated app runs alone', { skip, timeout: 120_000 }, async (t) => {
  const { startCluster } = await import('../../cli.ts');
  const dir = manifestsDir();
  const cluster = await startCluster({ manifests: [dir], operator: false, log: () => {} });
  try {
    t.diagnostic(`bring-up ${(cluster.bringUpMs / 1000).toFixed(1)} s, ${cluster.podCount} pods`);
    assert.equal(cluster.operator, undefined);
    const pods = cluster.store.list(typeByKind('Pod')!);
    assert.deepEqual(pods.filter((p) => p.metadata.namespace !== 'kube-system').map((p) => p.spec.containers.map((c: KObject) => c.name).join(',')), ['myapp']);
    assert.equal(cluster.store.get(typeByKind('Namespace')!, undefined, 'opentelemetry-operator-system'), undefined);
    const cr = cluster.store.get(typeByKind('OpenTelemetryCollector')!, 'default', 'smoke')!;
    assert.equal(cr.status, undefined);
    assert.deepEqual(cr.spec.config.receivers.otlp.protocols.grpc, {});
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
