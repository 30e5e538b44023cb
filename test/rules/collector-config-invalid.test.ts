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

/** healthy-helm with a spanmetrics connector wired into the pipelines by `wire`. */
const withConnector = (wire: (pipelines: any) => void) =>
  variant(loadSnapshot('healthy-helm'), (s) => {
    const cfg = s.collectors[0].effectiveConfig as any;
    cfg.connectors = { spanmetrics: {} };
    wire(cfg.service.pipelines);
  });

ruleTester(rule, {
  valid: [
    {
      name: 'a connector is the exporter of one pipeline and the receiver of another',
      snapshot: withConnector((p) => {
        p.traces.exporters = [...p.traces.exporters, 'spanmetrics'];
        p.metrics.receivers = [...p.metrics.receivers, 'spanmetrics'];
      }),
    },
    {
      name: 'an unknown config (a file in the image) is skipped with the reason, not reported',
      snapshot: variant(loadSnapshot('healthy-helm'), (s) => {
        s.collectors[0].effectiveConfig = null;
        s.collectors[0].configSources = [{ kind: 'file', arg: '--config=/etc/eks/config.yaml', path: '/etc/eks/config.yaml', unknown: 'no volume is mounted at /etc/eks/config.yaml: the file comes from the image' }];
      }),
      check: {
        subject: 'Deployment observability/otel-collector',
        status: 'skipped',
        reason: 'effective config unknown: --config=/etc/eks/config.yaml: no volume is mounted at /etc/eks/config.yaml: the file comes from the image',
      },
    },
  ],
  invalid: [
    {
      name: 'a connector used only as an exporter: nothing consumes it',
      snapshot: withConnector((p) => {
        p.traces.exporters = [...p.traces.exporters, 'spanmetrics'];
      }),
      findings: [{ severity: 'error', subject: COLLECTOR }],
    },
    {
      name: 'a connector named as a processor is not a processor',
      snapshot: withConnector((p) => {
        p.traces.processors = ['spanmetrics'];
      }),
      findings: [{ severity: 'error', subject: COLLECTOR }],
    },
    {
      name: 'a broken source (a mounted ConfigMap without the key) is reported',
      snapshot: variant(loadSnapshot('healthy-helm'), (s) => {
        s.collectors[0].effectiveConfig = null;
        s.collectors[0].configSources = [{ kind: 'configMap', arg: '--config=/conf/relay.yaml', configMap: { namespace: 'observability', name: 'otel', key: 'relay' }, error: 'ConfigMap observability/otel has no key relay' }];
      }),
      findings: [{ severity: 'error', subject: COLLECTOR }],
    },
  ],
});
