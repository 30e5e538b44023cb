// The operator's sidecar from 0.132 is a native one: an init container with restartPolicy Always
// (pkg/sidecar/pod.go@v0.132.0 add). Discovery sees it as the pod's collector, as it sees a classic sidecar;
// an init container that runs to completion is not one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/cluster/types.ts';
import { assembleDiscovery, findCollectorPods } from '../../src/gather/discover.ts';
import { buildCollector } from '../../src/gather/models.ts';

const APP = { name: 'myapp', image: 'example/app:1', env: [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://localhost:4318' }] };
const OTC = { name: 'otc-container', image: 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector:0.140.0', args: ['--config=env:OTEL_CONFIG'], ports: [{ name: 'otlp-grpc', containerPort: 4317, protocol: 'TCP' }] };

function pod(spec: Record<string, unknown>, status: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'my-deploy-1', namespace: 'default', labels: { app: 'my-deploy', 'sidecar.opentelemetry.io/injected': 'default.sidecar' }, annotations: { 'sidecar.opentelemetry.io/inject': 'true' } },
    spec, status,
  } as KObject;
}

function discover(p: KObject) {
  const collectorPods = findCollectorPods([p], () => true, []);
  const lists = { pods: [p], collectorPods, configMapList: [], replicaSets: [], deployments: [], daemonSets: [], statefulSets: [], collectorCRs: [], instrumentations: [] };
  return { collectorPods, ...assembleDiscovery(lists, {}) };
}

test('a restartable init container running the collector is the pod\'s sidecar collector', () => {
  const p = pod(
    { initContainers: [{ ...OTC, restartPolicy: 'Always' }], containers: [APP] },
    { phase: 'Running', containerStatuses: [{ name: 'myapp', ready: true, restartCount: 0, state: { running: {} } }], initContainerStatuses: [{ name: 'otc-container', ready: true, restartCount: 2, state: { running: {} } }] },
  );
  const d = discover(p);
  assert.deepEqual(d.collectorPods.map((c) => [c.container.name, c.sidecar, c.matchedBy]), [['otc-container', true, ['sidecar']]]);
  assert.deepEqual(d.collectors[0].siblings, ['myapp']);
  // The app is served by its pod's collector; the collector itself is no app.
  assert.deepEqual(d.apps.map((a) => [a.container.name, a.sidecarCollector]), [['myapp', true]]);
  // Its readiness and restarts come from initContainerStatuses.
  const model = buildCollector(d.collectors[0], { ...d, listFailures: [] } as never);
  assert.equal(model.sidecar, true);
  assert.equal(model.ready, true);
  assert.equal(model.restarts, 2);
  assert.deepEqual(model.containerPorts, [{ name: 'otlp-grpc', containerPort: 4317, protocol: 'TCP' }]);
});

test('the classic sidecar is still seen; an init container that runs to completion is not a sidecar', () => {
  assert.deepEqual(discover(pod({ containers: [APP, OTC] })).collectorPods.map((c) => [c.container.name, c.sidecar]), [['otc-container', true]]);
  const oneShot = discover(pod({ initContainers: [OTC], containers: [APP] }));
  assert.deepEqual(oneShot.collectorPods, []);
  assert.deepEqual(oneShot.apps.map((a) => [a.container.name, a.sidecarCollector]), [['myapp', false]]);
});
