// What the operator's pod webhook refuses or skips (internal/instrumentation/podmutator.go, helper.go,
// annotation.go at v0.158.0), the log lines it writes, and what older releases did differently
// (instrumentation-versions.ts cites the commits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../store.ts';
import { injectInstrumentation } from '../../operator/instrumentation.ts';

const inst = (name: string, ns = 'apps', spec: Record<string, unknown> = { exporter: { endpoint: 'http://collector:4318' } }): KObject =>
  ({ apiVersion: 'opentelemetry.io/v1alpha1', kind: 'Instrumentation', metadata: { name, namespace: ns }, spec });
const nsObj = (annotations: Record<string, string> = {}): KObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps', annotations } });
type C = Record<string, unknown>;
const pod = (annotations: Record<string, string>, containers: C[] = [{ name: 'app', image: 'example/app:1.2' }]): KObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'apps', annotations }, spec: { containers } });
const envNames = (c: C) => ((c.env ?? []) as Array<{ name: string }>).map((e: { name: string }) => e.name);
const envOf = (c: C, n: string) => ((c.env ?? []) as Array<{ name: string; value?: string }>).find((e: { name: string }) => e.name === n)?.value;

test('inject-java "true" with no Instrumentation in the namespace: admitted as sent, the real error line', () => {
  const p = pod({ 'instrumentation.opentelemetry.io/inject-java': 'true' });
  const r = injectInstrumentation(p, { namespace: nsObj(), instrumentations: [inst('elsewhere', 'other')], operatorVersion: '0.158.0' });
  assert.deepEqual(r.pod, p);
  assert.equal(r.error, 'no OpenTelemetry Instrumentation instances available');
  assert.deepEqual(r.logs, [{ level: 'error', msg: 'failed to select an OpenTelemetry Instrumentation instance for this pod', fields: { namespace: 'apps', name: 'p', error: 'no OpenTelemetry Instrumentation instances available' } }]);
});

test('inject-python "true" with two Instrumentations in the namespace: admitted as sent', () => {
  const p = pod({ 'instrumentation.opentelemetry.io/inject-python': 'true' });
  const r = injectInstrumentation(p, { namespace: nsObj(), instrumentations: [inst('a'), inst('b')], operatorVersion: '0.158.0' });
  assert.deepEqual(r.pod, p);
  assert.equal(r.error, 'multiple OpenTelemetry Instrumentation instances available, cannot determine which one to select');
  assert.equal(r.logs[0].msg, 'failed to select an OpenTelemetry Instrumentation instance for this pod');
});

test('a named Instrumentation: "name" in the pod\'s namespace, "ns/name" anywhere, a missing one is a NotFound', () => {
  const both = [inst('a'), inst('b'), inst('shared', 'observability', { exporter: { endpoint: 'http://central:4317' } })];
  const byName = injectInstrumentation(pod({ 'instrumentation.opentelemetry.io/inject-sdk': 'b' }), { namespace: nsObj(), instrumentations: both, operatorVersion: '0.158.0' });
  assert.equal(envOf(byName.pod.spec.containers[0], 'OTEL_EXPORTER_OTLP_ENDPOINT'), 'http://collector:4318');
  const other = injectInstrumentation(pod({ 'instrumentation.opentelemetry.io/inject-sdk': 'observability/shared' }), { namespace: nsObj(), instrumentations: both, operatorVersion: '0.158.0' });
  assert.equal(envOf(other.pod.spec.containers[0], 'OTEL_EXPORTER_OTLP_ENDPOINT'), 'http://central:4317');
  const missing = injectInstrumentation(pod({ 'instrumentation.opentelemetry.io/inject-sdk': 'nope' }), { namespace: nsObj(), instrumentations: both, operatorVersion: '0.158.0' });
  assert.equal(missing.error, 'Instrumentation.opentelemetry.io "nope" not found');
});

test('namespace annotations: the namespace asks for every pod, a pod "false" opts out, a pod "true" takes the namespace\'s name', () => {
  const insts = [inst('a'), inst('b', 'apps', { exporter: { endpoint: 'http://b:4317' } })];
  const fromNs = injectInstrumentation(pod({}), { namespace: nsObj({ 'instrumentation.opentelemetry.io/inject-sdk': 'b' }), instrumentations: insts, operatorVersion: '0.158.0' });
  assert.equal(envOf(fromNs.pod.spec.containers[0], 'OTEL_EXPORTER_OTLP_ENDPOINT'), 'http://b:4317');
  const podTrue = injectInstrumentation(pod({ 'instrumentation.opentelemetry.io/inject-sdk': 'true' }), { namespace: nsObj({ 'instrumentation.opentelemetry.io/inject-sdk': 'b' }), instrumentations: insts, operatorVersion: '0.158.0' });
  assert.equal(envOf(podTrue.pod.spec.containers[0], 'OTEL_EXPORTER_OTLP_ENDPOINT'), 'http://b:4317');
  const p = pod({ 'instrumentation.opentelemetry.io/inject-sdk': 'false' });
  const optOut = injectInstrumentation(p, { namespace: nsObj({ 'instrumentation.opentelemetry.io/inject-sdk': 'b' }), instrumentations: insts, operatorVersion: '0.158.0' });
  assert.deepEqual(optOut.pod, p);
  assert.deepEqual(optOut.logs.map((l) => [l.level, l.msg]), [['debug', 'annotation not present in deployment, skipping instrumentation injection']]);
});

test('container-names picks the containers; without it the first container; an unknown name is skipped', () => {
  const two = [{ name: 'a', image: 'x:1' }, { name: 'b', image: 'x:1' }];
  const named = injectInstrumentation(pod({ 'instrumentation.opentelemetry.io/inject-java': 'true', 'instrumentation.opentelemetry.io/container-names': 'b,ghost' }, two), { namespace: nsObj(), instrumentations: [inst('a')], operatorVersion: '0.158.0' });
  assert.deepEqual(envNames(named.pod.spec.containers[0]), []);
  assert.ok(envNames(named.pod.spec.containers[1]).includes('JAVA_TOOL_OPTIONS'));
  const first = injectInstrumentation(pod({ 'instrumentation.opentelemetry.io/inject-java': 'true' }, two), { namespace: nsObj(), instrumentations: [inst('a')], operatorVersion: '0.158.0' });
  assert.ok(envNames(first.pod.spec.containers[0]).includes('JAVA_TOOL_OPTIONS'));
  assert.deepEqual(envNames(first.pod.spec.containers[1]), []);
  const bad = injectInstrumentation(pod({ 'instrumentation.opentelemetry.io/inject-java': 'true', 'instrumentation.opentelemetry.io/container-names': 'a b' }, two), { namespace: nsObj(), instrumentations: [inst('a')], operatorVersion: '0.158.0' });
  assert.equal(bad.error, 'not valid characters included in the instrumentation container annotation a b');
});

test('several languages: names for some but not all is refused; the same container for two languages is allowed since 0.149', () => {
  const two = [{ name: 'a', image: 'x:1' }, { name: 'b', image: 'x:1' }];
  const ann = { 'instrumentation.opentelemetry.io/inject-java': 'true', 'instrumentation.opentelemetry.io/inject-nodejs': 'true', 'instrumentation.opentelemetry.io/java-container-names': 'a' };
  const p = pod(ann, two);
  const r = injectInstrumentation(p, { namespace: nsObj(), instrumentations: [inst('i')], operatorVersion: '0.158.0' });
  assert.deepEqual(r.pod, p);
  assert.equal(r.logs.find((l) => l.level === 'error')?.fields?.error, 'incorrect instrumentation configuration - please provide container names for all instrumentations');
  const same = { 'instrumentation.opentelemetry.io/inject-java': 'true', 'instrumentation.opentelemetry.io/inject-sdk': 'true', 'instrumentation.opentelemetry.io/java-container-names': 'a', 'instrumentation.opentelemetry.io/sdk-container-names': 'a' };
  const now = injectInstrumentation(pod(same, two), { namespace: nsObj(), instrumentations: [inst('i')], operatorVersion: '0.158.0' });
  assert.ok(envNames(now.pod.spec.containers[0]).includes('JAVA_TOOL_OPTIONS'));
  const before = injectInstrumentation(pod(same, two), { namespace: nsObj(), instrumentations: [inst('i')], operatorVersion: '0.148.0' });
  assert.equal(before.logs.find((l) => l.level === 'error')?.fields?.error, 'duplicated container names detected: [a]');
});

test('an already instrumented pod is left alone; JAVA_TOOL_OPTIONS from valueFrom skips the container but not the init container', () => {
  const done = pod({ 'instrumentation.opentelemetry.io/inject-java': 'true' }, [{ name: 'app', env: [{ name: 'OTEL_RESOURCE_ATTRIBUTES_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }] }]);
  const r = injectInstrumentation(done, { namespace: nsObj(), instrumentations: [inst('i')], operatorVersion: '0.158.0' });
  assert.deepEqual(r.pod, done);
  assert.equal(r.logs[0].msg, 'Skipping pod instrumentation - already instrumented');
  const vf = pod({ 'instrumentation.opentelemetry.io/inject-java': 'true' }, [{ name: 'app', env: [{ name: 'JAVA_TOOL_OPTIONS', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } }] }]);
  const s = injectInstrumentation(vf, { namespace: nsObj(), instrumentations: [inst('i')], operatorVersion: '0.158.0' });
  assert.deepEqual(envNames(s.pod.spec.containers[0]), ['JAVA_TOOL_OPTIONS']);
  assert.equal(s.pod.spec.initContainers[0].name, 'opentelemetry-auto-instrumentation-java');
  // sdk.go logs it through the root logger: no pod namespace or name on the line.
  assert.deepEqual(s.logs.find((l) => l.level === 'info'), { level: 'info', msg: 'Skipping javaagent injection', fields: { reason: 'the container defines env var value via ValueFrom, envVar: JAVA_TOOL_OPTIONS', container: 'app' } });
});

test('spec.exporter.tls naming a Secret the namespace lacks: "failed to validate instrumentations", admitted as sent', () => {
  const p = pod({ 'instrumentation.opentelemetry.io/inject-sdk': 'true' });
  const tls = inst('t', 'apps', { exporter: { endpoint: 'https://c:4317', tls: { secretName: 'certs', ca_file: 'ca.crt' } } });
  const r = injectInstrumentation(p, { namespace: nsObj(), instrumentations: [tls], operatorVersion: '0.158.0', lookup: () => undefined });
  assert.deepEqual(r.pod, p);
  assert.equal(r.logs[0].msg, 'failed to validate instrumentations');
  assert.equal(r.error, 'secret apps/certs with certificates does not exists: Secret "certs" not found');
});

test('older releases: Java agent path, images, Python protocol variables, spec.env priority, Node.js metrics exporter', () => {
  const java = (v: string) => injectInstrumentation(pod({ 'instrumentation.opentelemetry.io/inject-java': 'true' }), { namespace: nsObj(), instrumentations: [inst('i')], operatorVersion: v }).pod;
  assert.equal(envOf(java('0.120.0').spec.containers[0], 'JAVA_TOOL_OPTIONS'), ' -javaagent:/otel-auto-instrumentation-java/javaagent.jar');
  assert.equal(java('0.120.0').spec.initContainers[0].image, 'ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-java:1.33.6');
  assert.equal(java('0.151.0').spec.initContainers[0].image, 'ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-java:2.27.0');
  // Before 0.140 (#4324) the language's variables came before spec.env and won over it; since, spec.env wins.
  const pyInst = inst('py', 'apps', { exporter: { endpoint: 'http://c:4317' }, env: [{ name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'grpc' }] });
  const py = (v: string) => injectInstrumentation(pod({ 'instrumentation.opentelemetry.io/inject-python': 'true' }), { namespace: nsObj(), instrumentations: [pyInst], operatorVersion: v }).pod.spec.containers[0];
  assert.equal(envOf(py('0.158.0'), 'OTEL_EXPORTER_OTLP_PROTOCOL'), 'grpc');
  assert.equal(envOf(py('0.139.0'), 'OTEL_EXPORTER_OTLP_PROTOCOL'), 'http/protobuf');
  assert.deepEqual(envNames(py('0.100.0')).slice(2, 7), ['PYTHONPATH', 'OTEL_TRACES_EXPORTER', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_METRICS_EXPORTER', 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL']);
  const node = (v: string) => injectInstrumentation(pod({ 'instrumentation.opentelemetry.io/inject-nodejs': 'true' }), { namespace: nsObj(), instrumentations: [inst('i')], operatorVersion: v }).pod.spec.containers[0];
  assert.equal(envOf(node('0.158.0'), 'OTEL_METRICS_EXPORTER'), 'otlp');
  assert.equal(envOf(node('0.157.0'), 'OTEL_METRICS_EXPORTER'), undefined);
});

test('before 0.110 multi-instrumentation was off by default (main.go flag default): two languages without names both go into the first container', () => {
  const ann = { 'instrumentation.opentelemetry.io/inject-java': 'true', 'instrumentation.opentelemetry.io/inject-nodejs': 'true' };
  const old = injectInstrumentation(pod(ann), { namespace: nsObj(), instrumentations: [inst('i')], operatorVersion: '0.109.0' });
  const names = envNames(old.pod.spec.containers[0]);
  assert.ok(names.includes('JAVA_TOOL_OPTIONS') && names.includes('NODE_OPTIONS'));
  const now = injectInstrumentation(pod(ann), { namespace: nsObj(), instrumentations: [inst('i')], operatorVersion: '0.109.0', flags: { multiInstrumentation: true } });
  assert.deepEqual(envNames(now.pod.spec.containers[0]), []);
});

test('the Apache agent init container gets spec.env and the pod/node IPs only since 0.158 (#5334)', () => {
  const spec = { exporter: { endpoint: 'http://$(OTEL_NODE_IP):4317' }, env: [{ name: 'OTEL_TRACES_SAMPLER', value: 'always_on' }] };
  const agent = (v: string) => injectInstrumentation(pod({ 'instrumentation.opentelemetry.io/inject-apache-httpd': 'true' }, [{ name: 'web', image: 'httpd:2.4' }]), { namespace: nsObj(), instrumentations: [inst('i', 'apps', spec)], operatorVersion: v })
    .pod.spec.initContainers.find((c: { name: string }) => c.name === 'otel-agent-attach-apache');
  assert.deepEqual(envNames(agent('0.158.0')), ['OTEL_TRACES_SAMPLER', 'OTEL_POD_IP', 'OTEL_NODE_IP', 'OTEL_APACHE_AGENT_CONF', 'APACHE_SERVICE_INSTANCE_ID']);
  assert.deepEqual(envNames(agent('0.157.0')), ['OTEL_APACHE_AGENT_CONF', 'APACHE_SERVICE_INSTANCE_ID']);
});

test('before 0.105 a named Pod had its name written into k8s.pod.name; before 0.111 spec.exporter.tls was ignored', () => {
  const tls = inst('t', 'apps', { exporter: { endpoint: 'https://c:4317', tls: { configMapName: 'ca', ca_file: 'ca.crt' } } });
  const run = (v: string) => injectInstrumentation(pod({ 'instrumentation.opentelemetry.io/inject-sdk': 'true' }), { namespace: nsObj(), instrumentations: [tls], operatorVersion: v }).pod;
  const old = run('0.104.0');
  assert.deepEqual(envNames(old.spec.containers[0]), ['OTEL_NODE_IP', 'OTEL_POD_IP', 'OTEL_SERVICE_NAME', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_RESOURCE_ATTRIBUTES_NODE_NAME', 'OTEL_RESOURCE_ATTRIBUTES']);
  assert.match(envOf(old.spec.containers[0], 'OTEL_RESOURCE_ATTRIBUTES') ?? '', /k8s\.pod\.name=p,/);
  assert.equal(old.spec.volumes, undefined);
  const now = run('0.158.0');
  assert.deepEqual(envNames(now.spec.containers[0]), ['OTEL_NODE_IP', 'OTEL_POD_IP', 'OTEL_SERVICE_NAME', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_CERTIFICATE', 'OTEL_RESOURCE_ATTRIBUTES_POD_NAME', 'OTEL_RESOURCE_ATTRIBUTES_NODE_NAME', 'OTEL_RESOURCE_ATTRIBUTES']);
  assert.equal(envOf(now.spec.containers[0], 'OTEL_EXPORTER_OTLP_CERTIFICATE'), '/otel-auto-instrumentation-configmap-ca/ca.crt');
});
