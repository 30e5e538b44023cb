import assert from 'node:assert/strict';
import { rule } from '../../src/rules/receiver-default-loopback.ts';
import { findingsOf, judged, loadSnapshot, ruleTester, test, variant } from './helpers.ts';

const COLLECTOR = 'Deployment observability/otel-collector:otel-collector';

/** seed with its OTLP receiver's endpoints unset (`grpc: {}`), no sockets and no collector log. */
function unset(version: string | null, image: string) {
  return variant(loadSnapshot('seed'), (s) => {
    const c = s.collectors[0];
    c.version = version;
    c.image = image;
    const cfg = c.effectiveConfig as any;
    cfg.receivers.otlp.protocols = { grpc: {}, http: null };
    delete c.listeners;
    s.logs = s.logs.filter((l) => l.role === 'app');
  });
}
/** An unknown version (latest) and no exec evidence at all. */
const unknownVersion = variant(unset(null, 'otel/opentelemetry-collector-contrib:latest'), (s) => {
  s.probes = [];
  s.logs = [];
  s.apps = [];
});

ruleTester(rule, {
  valid: [
    { name: 'no endpoint on 0.103.0: the default is 0.0.0.0', snapshot: unset('0.103.0', 'otel/opentelemetry-collector-contrib:0.103.0') },
    {
      name: 'operator-managed (>= 0.110) gets 0.0.0.0 for an empty endpoint',
      snapshot: variant(unset('0.111.0', 'otel/opentelemetry-collector-contrib:0.111.0'), (s) => (s.collectors[0].managedBy = { operator: 'opentelemetry-operator', version: '0.113.0', crName: 'otel' })),
    },
    { name: 'an explicit localhost is receiver-bound-to-loopback\'s, not this rule\'s', snapshot: loadSnapshot('seed') },
  ],
  invalid: [
    {
      name: 'no endpoint on 0.111.0: the localhost default is an error',
      snapshot: unset('0.111.0', 'otel/opentelemetry-collector-contrib:0.111.0'),
      findings: [{ severity: 'error', subject: COLLECTOR, check: { subject: 'Deployment observability/otel-collector', status: 'fail' } }],
    },
    { name: 'unknown version (latest) without exec evidence: a warning', snapshot: unknownVersion, findings: [{ severity: 'warning', subject: COLLECTOR }] },
  ],
});

test('no endpoint on 0.111.0: the one row of the report', () => {
  assert.deepEqual(judged(unset('0.111.0', 'otel/opentelemetry-collector-contrib:0.111.0')), [`receiver-default-loopback error ${COLLECTOR}`]);
});

test('the operator does not rewrite an explicit localhost', () => {
  const s = variant(loadSnapshot('seed'), (s) => {
    s.collectors[0].managedBy = { operator: 'opentelemetry-operator', version: '0.113.0', crName: 'otel' };
  });
  assert.deepEqual(judged(s), [`receiver-bound-to-loopback error ${COLLECTOR}`]);
});

test('unknown version: the warning names the versions it applies to', () => {
  assert.ok(findingsOf(rule, unknownVersion)[0].evidence.some((e) => /0\.104\.0 and later/.test(e.detail)));
});
