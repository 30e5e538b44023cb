// The one reading of an inject-<lang> value (podmutator.go getInstrumentationInstance), and its callers agreeing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asksForNothing, injectTarget, selectInstrumentation } from '../../src/otel/inject-select.ts';
import { planInjection } from '../../src/gather/instrumentation.ts';
import { injectionRequests } from '../../src/gather/injection.ts';

const inst = (name: string, namespace?: string) => ({ apiVersion: 'opentelemetry.io/v1alpha1', kind: 'Instrumentation', metadata: { name, ...(namespace ? { namespace } : {}) }, spec: {} });

test('the value names a namespace and a name, or the namespace alone for "true" (any case); empty or "false" nothing', () => {
  for (const v of ['', 'false', 'False', 'FALSE']) { assert.equal(asksForNothing(v), true, v); }
  for (const v of ['true', 'java', 'ns/java', 'falsey']) { assert.equal(asksForNothing(v), false, v); }
  assert.deepEqual(injectTarget('true', 'shop'), { namespace: 'shop' });
  assert.deepEqual(injectTarget('TRUE', 'shop'), { namespace: 'shop' });
  assert.deepEqual(injectTarget('java', 'shop'), { namespace: 'shop', name: 'java' });
  assert.deepEqual(injectTarget('observability/java', 'shop'), { namespace: 'observability', name: 'java' });
});

test("selection and the operator's errors", () => {
  const all = [inst('a', 'shop'), inst('b', 'other'), inst('c', 'other')];
  assert.equal(selectInstrumentation('true', 'shop', all).selected?.metadata.name, 'a');
  assert.deepEqual(selectInstrumentation('true', 'other', all), { error: 'multiple OpenTelemetry Instrumentation instances available, cannot determine which one to select', from: 'other' });
  assert.deepEqual(selectInstrumentation('true', 'empty', all), { error: 'no OpenTelemetry Instrumentation instances available', from: 'empty' });
  assert.equal(selectInstrumentation('other/c', 'shop', all).selected?.metadata.name, 'c');
  assert.deepEqual(selectInstrumentation('b', 'shop', all), { error: 'instrumentations.opentelemetry.io "b" not found', from: 'shop' });
});

test('an object written without a namespace is in default, for the planned injection and the request alike', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', annotations: { 'instrumentation.opentelemetry.io/inject-java': 'true' } }, spec: { containers: [{ name: 'app', image: 'app' }] } };
  const instrumentations = [inst('i', 'default')];
  const plan = planInjection(pod as any, instrumentations as any, () => true);
  assert.equal(plan.refused, undefined);
  assert.deepEqual(plan.targets.flatMap((t) => t.injections.map((i) => i.instrumentation?.metadata.name)), ['i']);
  const [req] = injectionRequests({ pods: [pod as any], workloads: [], instrumentations: instrumentations as any, live: false });
  assert.equal(req.selected, 'default/i');
});
