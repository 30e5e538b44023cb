// The operator's pod mutation per release (src/gather/instrumentation.ts reading src/otel/operator-data.ts):
// multi-instrumentation before and after 0.110.0, the env Python and Node.js get per release, and the
// web-server modules' init env from 0.158.0.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { injectedEnv, planInjection } from '../../src/gather/instrumentation.ts';

const P = 'instrumentation.opentelemetry.io/';

const pod = (annotations: Record<string, string>, containers: unknown[]) =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop', annotations }, spec: { containers }, status: { podIP: '10.0.0.5', hostIP: '10.1.0.1' } }) as any;
const inst = (spec: Record<string, unknown>) => ({ apiVersion: 'opentelemetry.io/v1alpha1', kind: 'Instrumentation', metadata: { name: 'i', namespace: 'shop' }, spec }) as any;
const two = [
  { name: 'api', image: 'node:22' },
  { name: 'worker', image: 'python:3.12' },
];
const targets = (plan: ReturnType<typeof planInjection>) => plan.targets.map((t) => `${t.container.name}:${t.injections.map((i) => i.language).join('+')}`);

describe('multi-instrumentation per operator release', () => {
  const i = inst({ exporter: { endpoint: 'http://c:4317' } });

  test('two languages without container names: refused from 0.110.0, both in the first container before', () => {
    const p = pod({ [`${P}inject-nodejs`]: 'true', [`${P}inject-python`]: 'true' }, two);
    assert.match(planInjection(p, [i], undefined, { version: '0.110.0' }).refused ?? '', /provide container names for all instrumentations/);
    assert.match(planInjection(p, [i]).refused ?? '', /provide container names/, 'an unknown operator is the current one');
    const old = planInjection(p, [i], undefined, { version: '0.109.0' });
    assert.equal(old.refused, undefined);
    assert.deepEqual(targets(old), ['api:nodejs+python']);
  });

  test('language container names are read only with multi-instrumentation (default, or the flag as the operator runs)', () => {
    const p = pod({ [`${P}inject-nodejs`]: 'true', [`${P}inject-python`]: 'true', [`${P}nodejs-container-names`]: 'api', [`${P}python-container-names`]: 'worker' }, two);
    assert.deepEqual(targets(planInjection(p, [i], undefined, { version: '0.120.0' })), ['api:nodejs', 'worker:python']);
    assert.deepEqual(targets(planInjection(p, [i], undefined, { version: '0.120.0', multiInstrumentation: false })), ['api:nodejs+python']);
    assert.deepEqual(targets(planInjection(p, [i], undefined, { version: '0.105.0' })), ['api:nodejs+python']);
  });

  test('one name for two languages: refused before 0.149.0 (duplicates looked for across languages), allowed after', () => {
    const p = pod({ [`${P}inject-nodejs`]: 'true', [`${P}inject-python`]: 'true', [`${P}container-names`]: 'api' }, two);
    assert.match(planInjection(p, [i], undefined, { version: '0.148.0' }).refused ?? '', /duplicated container names detected: \[api\]/);
    assert.deepEqual(targets(planInjection(p, [i], undefined, { version: '0.149.0' })), ['api:nodejs+python']);
  });

  test('container-names naming an init container: instrumented from 0.146.0, ignored before', () => {
    const p = { ...pod({ [`${P}inject-python`]: 'true', [`${P}container-names`]: 'migrate' }, two), spec: { initContainers: [{ name: 'migrate', image: 'python:3.12' }], containers: two } };
    assert.deepEqual(targets(planInjection(p, [i], undefined, { version: '0.146.0' })), ['migrate:python']);
    assert.deepEqual(targets(planInjection(p, [i], undefined, { version: '0.145.0' })), []);
  });

  test('the common container-names applies to every language in every release', () => {
    const p = pod({ [`${P}inject-nodejs`]: 'true', [`${P}container-names`]: 'worker' }, two);
    assert.deepEqual(targets(planInjection(p, [i], undefined, { version: '0.100.0' })), ['worker:nodejs']);
    assert.deepEqual(targets(planInjection(p, [i], undefined, { version: '0.150.0' })), ['worker:nodejs']);
  });
});

describe('the env a language gets per release', () => {
  const envOf = (lang: string, version: string | null, i = inst({ exporter: { endpoint: 'http://c:4318' } })) => {
    const p = pod({ [`${P}inject-${lang}`]: 'true' }, [{ name: 'app', image: 'app' }]);
    const plan = planInjection(p, [i], undefined, { version });
    return injectedEnv(p, plan.targets[0], plan.alreadyInjected, new Map(), version);
  };

  test('Python: per-signal protocols before 0.108.0, the general one from 0.108.0, OTEL_LOGS_EXPORTER from 0.111.0', () => {
    const names = (v: string) => envOf('python', v).env.map((e) => e.name).filter((n) => !/^OTEL_(NODE|POD)_IP$|ENDPOINT$/.test(n));
    assert.deepEqual(names('0.100.0'), ['OTEL_TRACES_EXPORTER', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_METRICS_EXPORTER', 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL']);
    assert.deepEqual(names('0.108.0'), ['OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_TRACES_EXPORTER', 'OTEL_METRICS_EXPORTER']);
    assert.deepEqual(names('0.111.0'), ['OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_TRACES_EXPORTER', 'OTEL_METRICS_EXPORTER', 'OTEL_LOGS_EXPORTER']);
  });

  test('Python: spec.python.env overrides the exporter endpoint (the usual 4318), as the operator appends it first', () => {
    const i = inst({ exporter: { endpoint: 'http://c:4317' }, python: { env: [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://c:4318' }] } });
    assert.equal(envOf('python', '0.120.0', i).env.find((e) => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT')?.value, 'http://c:4318');
  });

  test('Python: spec.env overrides the protocol default from 0.140.0 only (before, python.go set it ahead of spec.env)', () => {
    const i = inst({ exporter: { endpoint: 'http://c:4317' }, env: [{ name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'grpc' }] });
    const protocol = (v: string) => envOf('python', v, i).env.find((e) => e.name === 'OTEL_EXPORTER_OTLP_PROTOCOL')?.value;
    assert.equal(protocol('0.139.0'), 'http/protobuf');
    assert.equal(protocol('0.140.0'), 'grpc');
  });

  test('Node.js: OTEL_METRICS_EXPORTER=otlp only from 0.158.0', () => {
    assert.equal(envOf('nodejs', '0.157.0').env.some((e) => e.name === 'OTEL_METRICS_EXPORTER'), false);
    assert.equal(envOf('nodejs', '0.158.0').env.find((e) => e.name === 'OTEL_METRICS_EXPORTER')?.value, 'otlp');
  });

  test('NGINX: $(OTEL_NODE_IP) in the module endpoint expands from 0.158.0 only (the attach init container had no env before)', () => {
    const i = inst({ exporter: { endpoint: 'http://$(OTEL_NODE_IP):4317' } });
    const endpoint = (v: string) => envOf('nginx', v, i).exporterEnv?.find((e) => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT')?.value;
    assert.equal(endpoint('0.158.0'), 'http://10.1.0.1:4317');
    assert.equal(endpoint('0.157.0'), 'http://$(OTEL_NODE_IP):4317');
  });
});
