import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/internal-traffic-local-gap.ts';
import { loadSnapshot, ruleKeys, variant } from './helpers.ts';

test('Local policy, collector only on sim-node-1, cart on sim-node-2: error', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => (s.services[0].internalTrafficPolicy = 'Local'));
  assert.deepEqual(ruleKeys(rule.check, s), ['internal-traffic-local-gap error Service observability/otel-collector']);
  const f = (rule.check(s) as any[])[0];
  assert.deepEqual(f.affected.map((a: any) => a.workload), ['cart']);
});

test('Cluster policy: nothing', () => assert.deepEqual(ruleKeys(rule.check, loadSnapshot('healthy-helm')), []));

test('a timed-out probe from the stranded pod is quoted as evidence', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    s.services[0].internalTrafficPolicy = 'Local';
    s.probes[0] = { ...s.probes[0], result: 'timeout', reason: 'nc: timed out' };
  });
  const f = (rule.check(s) as any[])[0];
  assert.ok(f.evidence.some((e: any) => e.source === 'exec' && /cart-.*: timeout/.test(e.detail)), JSON.stringify(f.evidence));
});
