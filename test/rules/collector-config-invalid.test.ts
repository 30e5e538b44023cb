import assert from 'node:assert/strict';
import { rule } from '../../src/rules/collector-config-invalid.ts';
import { judged, loadSnapshot, ruleTester, test, variant } from './helpers.ts';

const DANGLING = 'Error: invalid configuration: service::pipelines::metrics: references receiver "spanmetrics" which is not configured';

/** A pipeline names an unconfigured receiver; the collector crashes on it. */
const dangling = variant(loadSnapshot('healthy-helm'), (s) => {
  const c = s.collectors[0];
  (c.effectiveConfig as any).service.pipelines.metrics.receivers = ['otlp', 'spanmetrics'];
  c.ready = false;
  s.logs.push({ namespace: 'observability', pod: c.pod, container: c.container, role: 'collector', matches: [{ signature: 'collector-config-invalid', kind: 'config', line: DANGLING }] });
});
const COLLECTOR = 'Deployment observability/otel-collector:opentelemetry-collector';

ruleTester(rule, {
  valid: [{ name: 'a valid config', snapshot: loadSnapshot('healthy-helm'), check: { subject: 'Deployment observability/otel-collector', status: 'pass' } }],
  invalid: [
    { name: 'a pipeline references an unconfigured receiver', snapshot: dangling, findings: [{ severity: 'error', subject: COLLECTOR, check: { subject: 'Deployment observability/otel-collector', status: 'fail' } }] },
    {
      name: 'a config that failed to parse (configError from gather)',
      snapshot: variant(loadSnapshot('healthy-helm'), (s) => {
        s.collectors[0].effectiveConfig = null;
        s.collectors[0].configError = 'yaml: line 3: mapping values are not allowed in this context';
      }),
      findings: [{ severity: 'error', subject: COLLECTOR }],
    },
  ],
});

test('the crash the invalid config causes is folded into its one row', () => {
  assert.deepEqual(judged(dangling), [`collector-config-invalid error ${COLLECTOR}`]);
});
