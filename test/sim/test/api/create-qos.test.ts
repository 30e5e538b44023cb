// ApiServer.create(): a refused create keeps the Status code (409 AlreadyExists, 404 for a missing
// namespace) so callers can apply `kubectl apply` semantics; Pods get status.qosClass as the real API
// server computes it. No root needed: the server listens on loopback with a fake runtime.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../store.ts';
import { startApiServer, CreateError, type ApiServer } from '../../api/server.ts';
import { podQosClass } from '../../api/admission.ts';
import { FakeRuntime } from '../../api/testkit.ts';

const c = (resources?: Record<string, Record<string, string>>) => ({ name: 'c', image: 'busybox', ...(resources ? { resources } : {}) });

test('podQosClass: the API server\'s rules (cpu and memory only, requests default to limits, quantities by value)', () => {
  assert.equal(podQosClass({ containers: [c()] }), 'BestEffort');
  assert.equal(podQosClass({ containers: [c({ limits: { 'ephemeral-storage': '1Gi' } })] }), 'BestEffort', 'other resources do not count');
  assert.equal(podQosClass({ containers: [c({ requests: { cpu: '0' } })] }), 'BestEffort', 'a zero request is none');
  assert.equal(podQosClass({ containers: [c({ requests: { cpu: '100m' } })] }), 'Burstable');
  assert.equal(podQosClass({ containers: [c({ limits: { cpu: '1', memory: '1Gi' } })] }), 'Guaranteed', 'requests default to limits');
  assert.equal(podQosClass({ containers: [c({ limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '0.5', memory: '1024Mi' } })] }), 'Guaranteed');
  assert.equal(podQosClass({ containers: [c({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } })] }), 'Burstable');
  assert.equal(podQosClass({ containers: [c({ limits: { cpu: '1' } })] }), 'Burstable', 'no memory limit');
  assert.equal(podQosClass({ containers: [c({ limits: { cpu: '1', memory: '1Gi' } }), c()] }), 'Burstable', 'one container without limits');
  assert.equal(podQosClass({ initContainers: [c()], containers: [c({ limits: { cpu: '1', memory: '1Gi' } })] }), 'Burstable', 'init containers count');
});

const stateDir = mkdtempSync(join(tmpdir(), 'sim-api-create-'));
let api: ApiServer | undefined;
after(async () => { await api?.close(); rmSync(stateDir, { recursive: true, force: true }); });

test('create(): refusals are CreateErrors with the Status code and reason; Pods carry status.qosClass', async () => {
  const store = new Store();
  api = await startApiServer({ store, runtime: new FakeRuntime(), stateDir });
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' }, data: { a: '1' } };
  api.create(structuredClone(cm));
  assert.throws(() => api!.create(structuredClone(cm)), (e: unknown) => e instanceof CreateError && e.code === 409 && e.reason === 'AlreadyExists' && e.message === 'configmaps "x" already exists');
  assert.throws(() => api!.create({ ...structuredClone(cm), metadata: { name: 'y', namespace: 'nope' } }), (e: unknown) => e instanceof CreateError && e.code === 404 && e.reason === 'NotFound');
  const pod = api.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [c({ limits: { cpu: '1', memory: '64Mi' } })] } });
  assert.equal(pod.status.qosClass, 'Guaranteed');
  assert.equal(pod.status.phase, 'Pending');
});
