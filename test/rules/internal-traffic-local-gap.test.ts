import assert from 'node:assert/strict';
import { rule } from '../../src/rules/internal-traffic-local-gap.ts';
import { findingsOf, loadSnapshot, ruleTester, test, variant } from './helpers.ts';

/** internalTrafficPolicy Local, the collector only on sim-node-1, cart on sim-node-2. */
const local = variant(loadSnapshot('healthy-helm'), (s) => (s.services[0].internalTrafficPolicy = 'Local'));

ruleTester(rule, {
  valid: [{ name: 'Cluster policy', snapshot: loadSnapshot('healthy-helm') }],
  invalid: [
    {
      name: 'Local policy with an app on a node without a collector',
      snapshot: local,
      findings: [{ severity: 'error', subject: 'Service observability/otel-collector', check: { subject: 'Service observability/otel-collector', status: 'fail' } }],
    },
  ],
});

test('the stranded app is the one affected', () => {
  assert.deepEqual(findingsOf(rule, local)[0].affected?.map((a) => a.workload), ['cart']);
});

test('a timed-out probe from the stranded pod is quoted as evidence', () => {
  const s = variant(local, (s) => {
    s.probes[0] = { ...s.probes[0], result: 'timeout', reason: 'nc: timed out' };
  });
  const f = findingsOf(rule, s)[0];
  assert.ok(f.evidence.some((e) => e.source === 'exec' && /cart-.*: timeout/.test(e.detail)), JSON.stringify(f.evidence));
});
