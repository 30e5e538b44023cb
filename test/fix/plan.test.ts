import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/cluster/types.ts';
import type { Finding } from '../../src/report/finding.ts';
import { classify, planObject, restartPatch, type Verdict } from '../../src/fix/plan.ts';
import { rolloutState } from '../../src/fix/rollout.ts';
import { FIXABLE } from '../../src/fix/table.ts';
import { RULES } from '../../src/rules/index.ts';

const NOW = new Date('2026-12-05T14:00:00.123Z');

function finding(rule: string, fix: Finding['fix'], subject: Finding['subject'] = { kind: 'Deployment', namespace: 'observability', name: 'otel-collector' }): Finding {
  return { rule, severity: 'error', subject, summary: 's', rootCause: 'r', evidence: [], fix };
}

const LOOPBACK = finding('receiver-bound-to-loopback', {
  summary: 'bind to all interfaces',
  patch: 'receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 0.0.0.0:4317\n# narrower: ${env:MY_POD_IP}:4317',
  object: { kind: 'ConfigMap', namespace: 'observability', name: 'otel-collector-config', key: 'relay' },
});

const CM: KObject = {
  apiVersion: 'v1', kind: 'ConfigMap',
  metadata: { name: 'otel-collector-config', namespace: 'observability', resourceVersion: '42' },
  data: { relay: '# ours\nreceivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: localhost:4317\n', other: 'x' },
};

const edit = (f: Finding) => classify(f) as Extract<Verdict, { kind: 'edit' }>;

test('every row of the table is a rule of the catalogue', () => {
  const ids = new Set(RULES.map((r) => r.id));
  assert.deepEqual(Object.keys(FIXABLE).filter((id) => !ids.has(id)), []);
});

test('classify: a fixable rule with an object to edit, Helm, and the rest manual', () => {
  assert.equal(classify(LOOPBACK).kind, 'edit');
  const helm = finding('receiver-bound-to-loopback', { summary: 's', object: { kind: 'Helm release', namespace: 'default', name: 'example', key: 'config' }, commands: { apply: ['helm upgrade example open-telemetry/opentelemetry-collector --reuse-values --set config.x=y'], verify: 'v' } }, { kind: 'Deployment', namespace: 'default', name: 'c', managedBy: { tool: 'helm', release: 'example' } });
  assert.deepEqual(classify(helm), { kind: 'helm', finding: helm, commands: ['helm upgrade example open-telemetry/opentelemetry-collector --reuse-values --set config.x=y'] });
  assert.equal(classify(finding('collector-not-ready', { summary: 's' })).kind, 'manual');
  const v = classify(finding('receiver-bound-to-loopback', { summary: 's', object: { kind: 'Pod', namespace: 'o', name: 'p' } }));
  assert.deepEqual(v.kind === 'manual' ? v.reason : v.kind, 'no automatic fix changes a Pod');
});

test('a ConfigMap key: the Document edit, a merge patch of that key alone with the resourceVersion read and the annotation, and the collector to roll out', () => {
  const { change, refused } = planObject(CM, [edit(LOOPBACK)], NOW);
  assert.deepEqual(refused, []);
  assert.ok(change);
  assert.equal(change.after.data?.relay, '# ours\nreceivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 0.0.0.0:4317\n');
  assert.deepEqual(change.changes, ['relay: receivers.otlp.protocols.grpc.endpoint: localhost:4317 -> 0.0.0.0:4317']);
  assert.equal(change.patchType, 'merge');
  assert.deepEqual(change.patch, {
    metadata: { resourceVersion: '42', annotations: { 'otel-doctor.io/fixed': 'receiver-bound-to-loopback 2026-12-05T14:00:00Z' } },
    data: { relay: change.after.data?.relay },
  });
  assert.deepEqual(change.restart, [{ kind: 'Deployment', namespace: 'observability', name: 'otel-collector' }]);
  assert.equal(CM.data?.relay.includes('localhost'), true, 'the live object is not mutated');
});

test('two findings on one ConfigMap: one patch, both rules in the annotation', () => {
  const hc = finding('health-check-bound-to-loopback', { summary: 's', patch: 'extensions:\n  health_check:\n    endpoint: 0.0.0.0:13133', object: LOOPBACK.fix.object });
  const cm = structuredClone(CM);
  cm.data = { relay: `${cm.data?.relay}extensions:\n  health_check:\n    endpoint: localhost:13133\n` };
  const { change } = planObject(cm, [edit(LOOPBACK), edit(hc)], NOW);
  assert.equal((change?.patch.metadata as { annotations: Record<string, string> }).annotations['otel-doctor.io/fixed'], 'receiver-bound-to-loopback,health-check-bound-to-loopback 2026-12-05T14:00:00Z');
  assert.equal(change?.changes.length, 2);
});

test('refusals: Helm or the operator owns the object, the receiver is elsewhere, nothing left to change', () => {
  const helmCm = structuredClone(CM);
  helmCm.metadata.labels = { 'app.kubernetes.io/managed-by': 'Helm' };
  assert.match(planObject(helmCm, [edit(LOOPBACK)], NOW).refused[0].reason, /managed by Helm release/);
  const opCm = structuredClone(CM);
  opCm.metadata.labels = { 'app.kubernetes.io/managed-by': 'opentelemetry-operator' };
  assert.match(planObject(opCm, [edit(LOOPBACK)], NOW).refused[0].reason, /OpenTelemetryCollector CR/);
  const elsewhere = structuredClone(CM);
  elsewhere.data = { relay: 'exporters:\n  debug: {}\n' };
  const r = planObject(elsewhere, [edit(LOOPBACK)], NOW);
  assert.equal(r.change, undefined);
  assert.match(r.refused[0].reason, /receivers\.otlp is not defined/);
  const done = structuredClone(CM);
  done.data = { relay: 'receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 0.0.0.0:4317\n' };
  assert.match(planObject(done, [edit(LOOPBACK)], NOW).refused[0].reason, /already has what the fix sets/);
});

test('an OpenTelemetryCollector CR: spec.config as an object (v1beta1) or as YAML text (v1alpha1), a merge patch (CRs take no strategic merge)', () => {
  const f = finding('receiver-bound-to-loopback', { ...LOOPBACK.fix, object: { kind: 'OpenTelemetryCollector', namespace: 'observability', name: 'otel', key: 'spec.config' } });
  const cr: KObject = { apiVersion: 'opentelemetry.io/v1beta1', kind: 'OpenTelemetryCollector', metadata: { name: 'otel', namespace: 'observability', resourceVersion: '7' }, spec: { mode: 'deployment', config: { receivers: { otlp: { protocols: { grpc: { endpoint: 'localhost:4317' } } } } } } };
  const { change } = planObject(cr, [edit(f)], NOW);
  assert.equal(change?.patchType, 'merge');
  assert.deepEqual((change?.patch.spec as { config: unknown }).config, { receivers: { otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317' } } } } });
  assert.deepEqual(change?.restart, [], 'the operator rolls its pods on a config change');
  assert.deepEqual(change?.operatorRolls, [{ kind: 'Deployment', namespace: 'observability', name: 'otel-collector' }], 'and fix waits for that rollout');
  const old = structuredClone(cr);
  old.spec.config = 'receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: localhost:4317 # keep\n';
  assert.equal(planObject(old, [edit(f)], NOW).change?.after.spec.config, 'receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 0.0.0.0:4317 # keep\n');
});

test('a Service port: merged by its number, a strategic merge patch with only that port', () => {
  const f = finding('service-port-mismatch', { summary: 's', patch: 'spec:\n  ports:\n    - name: otlp-grpc\n      port: 4317\n      targetPort: 4317', object: { kind: 'Service', namespace: 'observability', name: 'otel-collector' } }, { kind: 'Service', namespace: 'observability', name: 'otel-collector' });
  const svc: KObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'otel-collector', namespace: 'observability', resourceVersion: '9' }, spec: { ports: [{ name: 'otlp-grpc', port: 4317, targetPort: 14317, protocol: 'TCP' }, { name: 'otlp-http', port: 4318, targetPort: 4318, protocol: 'TCP' }] } };
  const { change } = planObject(svc, [edit(f)], NOW);
  assert.equal(change?.patchType, 'strategic');
  assert.deepEqual((change?.patch.spec as { ports: unknown }).ports, [{ name: 'otlp-grpc', port: 4317, targetPort: 4317, protocol: 'TCP' }]);
  assert.deepEqual(change?.changes, ['port 4317 targetPort: 14317 -> 4317']);
  assert.deepEqual(change?.restart, []);
  const add = finding('app-port-not-exposed', { summary: 's', patch: 'spec:\n  ports:\n    - name: otlp-http\n      port: 4318\n      targetPort: 4318\n      protocol: TCP', object: { kind: 'Service', namespace: 'observability', name: 'otel-collector' } });
  const only = structuredClone(svc);
  only.spec.ports = [svc.spec.ports[0]];
  assert.deepEqual(planObject(only, [edit(add)], NOW).change?.after.spec.ports.map((p: { port: number }) => p.port), [4317, 4318]);
});

test('a container env var: set by name, refused when it comes from valueFrom or the value is a placeholder; the workload rolls by itself', () => {
  const f = finding('app-protocol-port-mismatch', { summary: 's', patch: '- name: OTEL_EXPORTER_OTLP_PROTOCOL\n  value: grpc\n# or keep http/protobuf and change the endpoint port to 4318', object: { kind: 'Deployment', namespace: 'shop', name: 'cart', container: 'cart' } }, { kind: 'Deployment', namespace: 'shop', name: 'cart', container: 'cart' });
  const dep: KObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'cart', namespace: 'shop', resourceVersion: '3' }, spec: { template: { spec: { containers: [{ name: 'side', env: [] }, { name: 'cart', env: [{ name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'http/protobuf' }, { name: 'B', value: 'b' }] }] } } } };
  const { change } = planObject(dep, [edit(f)], NOW);
  assert.deepEqual((change?.patch.spec as Record<string, unknown>).template, { spec: { containers: [{ name: 'cart', env: [{ name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'grpc' }] }] } });
  assert.deepEqual(change?.rolls, [{ kind: 'Deployment', namespace: 'shop', name: 'cart' }]);
  const fromCm = structuredClone(dep);
  fromCm.spec.template.spec.containers[1].env[0] = { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', valueFrom: { configMapKeyRef: { name: 'x', key: 'y' } } };
  assert.match(planObject(fromCm, [edit(f)], NOW).refused[0].reason, /comes from configMapKeyRef/);
  const placeholder = finding('app-port-not-exposed', { summary: 's', patch: 'env:\n  - name: OTEL_EXPORTER_OTLP_ENDPOINT\n    value: http://<collector-service>.<namespace>.svc.cluster.local:4317', object: { kind: 'Deployment', namespace: 'shop', name: 'cart', container: 'cart' } });
  assert.match(planObject(dep, [edit(placeholder)], NOW).refused[0].reason, /placeholder/);
});

test('the restart patch is kubectl rollout restart\'s, with an RFC 3339 time in seconds', () => {
  assert.deepEqual(restartPatch(NOW), { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-12-05T14:00:00Z' } } } } });
});

test('rollout state: as kubectl rollout status reads a Deployment', () => {
  const d = (status: Record<string, unknown>, generation = 2): KObject => ({ kind: 'Deployment', metadata: { name: 'c', namespace: 'o', generation } as KObject['metadata'], spec: { replicas: 2 }, status });
  assert.equal(rolloutState(d({ observedGeneration: 1, updatedReplicas: 2, replicas: 2, availableReplicas: 2 })).done, false, 'not yet observed');
  assert.equal(rolloutState(d({ observedGeneration: 2, updatedReplicas: 1, replicas: 2, availableReplicas: 2 })).done, false);
  assert.equal(rolloutState(d({ observedGeneration: 2, updatedReplicas: 2, replicas: 3, availableReplicas: 2 })).done, false, 'old pods still terminating');
  assert.equal(rolloutState(d({ observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 1 })).done, false);
  assert.equal(rolloutState(d({ observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 2 })).done, true);
});

test('an OpenTelemetryCollector CR whose config holds nulls (`batch:` with no settings): the merge patch carries the changed leaf only, so no key is deleted', () => {
  const f = finding('receiver-bound-to-loopback', { ...LOOPBACK.fix, object: { kind: 'OpenTelemetryCollector', namespace: 'observability', name: 'otel', key: 'spec.config' } });
  const config = {
    receivers: { otlp: { protocols: { grpc: { endpoint: 'localhost:4317' }, http: null } } },
    processors: { batch: null },
    extensions: { health_check: null },
    exporters: { debug: {} },
    service: { extensions: ['health_check'], pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['debug'] } } },
  };
  const cr: KObject = { apiVersion: 'opentelemetry.io/v1beta1', kind: 'OpenTelemetryCollector', metadata: { name: 'otel', namespace: 'observability', resourceVersion: '9' }, spec: { mode: 'deployment', config } };
  const { change } = planObject(cr, [edit(f)], NOW);
  const body = (change?.patch.spec as { config: unknown }).config;
  assert.deepEqual(body, { receivers: { otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317' } } } } });
  assert.ok(!JSON.stringify(body).includes('null'), 'a null in a merge patch deletes the key');
  assert.deepEqual(change?.after.spec.config.processors, { batch: null }, 'the object after the change keeps them');
});
