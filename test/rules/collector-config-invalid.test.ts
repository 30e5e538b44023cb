import assert from 'node:assert/strict';
import { rule } from '../../src/rules/collector-config-invalid.ts';
import { judge } from '../../src/engine.ts';
import { findingsOf, judged, loadSnapshot, ruleTester, test, variant } from './helpers.ts';

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

// --- otelcol validate without the binary: references, connectors, component types per distribution ----------

/** healthy-helm running `image`, its config changed by `edit`. */
const on = (image: string, edit: (cfg: any) => void = () => {}) =>
  variant(loadSnapshot('healthy-helm'), (s) => {
    const c = s.collectors[0];
    c.image = image;
    edit(c.effectiveConfig as any);
  });
const K8S_111 = 'otel/opentelemetry-collector-k8s:0.111.0';
const CONTRIB_111 = 'otel/opentelemetry-collector-contrib:0.111.0';
const CORE_111 = 'otel/opentelemetry-collector:0.111.0';
const SUBJECT = 'Deployment observability/otel-collector';

const undefinedProcessor = on(CONTRIB_111, (cfg) => {
  cfg.service.pipelines.traces.processors = ['k8sattributes', 'batch'];
});
/** The connector was renamed under connectors: and in the traces pipeline, not in the metrics one. */
const renamedConnector = on(CONTRIB_111, (cfg) => {
  cfg.connectors = { 'spanmetrics/red': {} };
  cfg.exporters.prometheus = { endpoint: '0.0.0.0:8889' };
  cfg.service.pipelines.traces.exporters = ['debug', 'spanmetrics/red'];
  cfg.service.pipelines.metrics.receivers = ['otlp', 'spanmetrics'];
  cfg.service.pipelines.metrics.exporters = ['prometheus'];
});
const prometheusOnK8s = on(K8S_111, (cfg) => {
  cfg.exporters.prometheus = { endpoint: '0.0.0.0:8889' };
  cfg.service.pipelines.metrics.exporters = ['prometheus'];
});
const k8sattributesOnCore = on(CORE_111, (cfg) => {
  cfg.processors.k8sattributes = {};
  cfg.service.pipelines.traces.processors = ['k8sattributes', 'batch'];
});
const withLogging = (image: string) =>
  on(image, (cfg) => {
    cfg.exporters.logging = { verbosity: 'detailed' };
    cfg.service.pipelines.logs.exporters = ['logging'];
  });
/** A contrib config using what only contrib ships, with a connector between two pipelines of supported signals. */
const validContrib = on(CONTRIB_111, (cfg) => {
  cfg.processors.k8sattributes = {};
  cfg.processors['resourcedetection/env'] = { detectors: ['env'] };
  cfg.connectors = { spanmetrics: {} };
  cfg.exporters.prometheus = { endpoint: '0.0.0.0:8889' };
  cfg.receivers['prometheus/self'] = { config: { scrape_configs: [] } };
  cfg.service.pipelines.traces.processors = ['k8sattributes', 'resourcedetection/env', 'batch'];
  cfg.service.pipelines.traces.exporters = ['debug', 'spanmetrics'];
  cfg.service.pipelines.metrics.receivers = ['otlp', 'spanmetrics'];
  cfg.service.pipelines.metrics.exporters = ['prometheus'];
  // unused definitions are valid: the collector builds only what pipelines name
  cfg.processors.filter = {};
});

ruleTester(rule, {
  valid: [
    { name: 'a contrib config with contrib components and a traces->metrics connector', snapshot: validContrib, check: { subject: SUBJECT, status: 'pass' } },
    { name: 'the logging exporter before its removal (core 0.110.0)', snapshot: withLogging('otel/opentelemetry-collector:0.110.0') },
    {
      name: 'the snake_case spelling of a renamed type (k8s_attributes) where the rename shipped',
      snapshot: on('otel/opentelemetry-collector-contrib:0.150.0', (cfg) => {
        cfg.processors.k8s_attributes = {};
        cfg.service.pipelines.traces.processors = ['k8s_attributes', 'batch'];
      }),
    },
    {
      name: 'a custom build (ocb image) is not type-checked, and the check says why',
      snapshot: variant(prometheusOnK8s, (s) => {
        s.collectors[0].image = 'registry.example.com/acme/otelcol-custom:1.2.3';
      }),
      check: { subject: SUBJECT, status: 'pass', reason: 'component types not checked: image registry.example.com/acme/otelcol-custom:1.2.3 is not a known distribution (a custom build?): its components are not known' },
    },
    {
      name: 'an image that names no release (latest) is not type-checked',
      snapshot: variant(prometheusOnK8s, (s) => {
        s.collectors[0].image = 'otel/opentelemetry-collector-k8s:latest';
      }),
      check: { subject: SUBJECT, status: 'pass' },
    },
    {
      name: 'a vendor distribution whose component list is unknown is not type-checked',
      snapshot: variant(prometheusOnK8s, (s) => {
        s.collectors[0].image = 'docker.elastic.co/elastic-agent/elastic-otel-collector:9.1.0';
      }),
    },
    {
      name: 'a kind whose vendor list is incomplete (NRDOT receivers from its own forks) is not judged',
      snapshot: on('newrelic/nrdot-collector:2.0.0', (cfg) => {
        cfg.receivers.nrmysqlsomething = {};
        cfg.service.pipelines.metrics.receivers = ['otlp', 'nrmysqlsomething'];
      }),
    },
    {
      name: "a Splunk-only receiver on the Splunk distribution (its own factory list)",
      snapshot: on('quay.io/signalfx/splunk-otel-collector:0.120.0', (cfg) => {
        cfg.receivers['smartagent/processlist'] = { type: 'processlist' };
        cfg.service.pipelines.logs.receivers = ['otlp', 'smartagent/processlist'];
      }),
    },
  ],
  invalid: [
    {
      name: 'a prometheus exporter on the Dynatrace distribution (its own builder manifest)',
      snapshot: variant(prometheusOnK8s, (s) => {
        s.collectors[0].image = 'ghcr.io/dynatrace/dynatrace-otel-collector/dynatrace-otel-collector:0.30.0';
      }),
      findings: [{ severity: 'error', subject: COLLECTOR }],
    },
    { name: 'a pipeline names a processor that is not defined', snapshot: undefinedProcessor, findings: [{ severity: 'error', subject: COLLECTOR, check: { subject: SUBJECT, status: 'fail' } }] },
    { name: 'a connector renamed in one place only', snapshot: renamedConnector, findings: [{ severity: 'error', subject: COLLECTOR }] },
    { name: 'a prometheus exporter on otelcol-k8s 0.111.0', snapshot: prometheusOnK8s, findings: [{ severity: 'error', subject: COLLECTOR }] },
    { name: 'a k8sattributes processor on core', snapshot: k8sattributesOnCore, findings: [{ severity: 'error', subject: COLLECTOR }] },
    { name: 'the logging exporter on contrib 0.111.0, where it was removed', snapshot: withLogging(CONTRIB_111), findings: [{ severity: 'error', subject: COLLECTOR }] },
    {
      name: 'a connector between pipelines of signals it does not convert (spanmetrics: traces to metrics only)',
      snapshot: on(CONTRIB_111, (cfg) => {
        cfg.connectors = { spanmetrics: {} };
        cfg.service.pipelines.traces.exporters = ['debug', 'spanmetrics'];
        cfg.service.pipelines.logs.receivers = ['otlp', 'spanmetrics'];
      }),
      findings: [{ severity: 'error', subject: COLLECTOR }],
    },
    {
      name: 'an extension in service.extensions that is not defined',
      snapshot: on(CONTRIB_111, (cfg) => {
        cfg.service.extensions = ['health_check', 'pprof'];
      }),
      findings: [{ severity: 'error', subject: COLLECTOR }],
    },
    {
      name: 'a pipeline with no exporter',
      snapshot: on(CONTRIB_111, (cfg) => {
        cfg.service.pipelines.logs.exporters = null;
      }),
      findings: [{ severity: 'error', subject: COLLECTOR }],
    },
    {
      name: 'an unknown type defined but used by no pipeline still fails (the collector decodes every section)',
      snapshot: on(K8S_111, (cfg) => {
        cfg.exporters.prometheus = {};
      }),
      findings: [{ severity: 'error', subject: COLLECTOR }],
    },
    {
      name: 'lint --collector-version decides the release of an upstream image without a tag',
      snapshot: variant(prometheusOnK8s, (s) => {
        s.collectors[0].image = 'otel/opentelemetry-collector-k8s';
        s.meta.assumedCollectorVersion = '0.111.0';
      }),
      findings: [{ severity: 'error', subject: COLLECTOR }],
    },
  ],
});

const only = (s: Parameters<typeof findingsOf>[1]) => {
  const f = findingsOf(rule, s);
  assert.equal(f.length, 1);
  return f[0];
};

test('an unknown type: the evidence names the component, pipeline, distribution and release; the fix what to change', () => {
  const f = only(prometheusOnK8s);
  const detail = f.evidence.map((e) => e.detail).join('\n');
  assert.match(detail, /exporters::prometheus \(pipeline metrics\): otelcol-k8s 0\.111\.0 has no exporter of type "prometheus"/);
  assert.match(detail, /unknown type: "prometheus" for id: "prometheus"/);
  assert.match(detail, /opentelemetry-collector-releases distributions\/otelcol-k8s\/manifest\.yaml at tag v0\.111\.0/);
  assert.match(f.fix.summary, /remove or replace exporter "prometheus" \(pipeline metrics\)/);
  assert.match(f.fix.summary, /it ships exporters debug, file, loadbalancing, nop, otelarrow, otlp, otlphttp/);
  assert.match(f.fix.summary, /run an image that has "prometheus" \(.*otelcol-contrib.*\)/);
  assert.equal(f.fix.target, 'ConfigMap observability/otel-collector key relay');
});

test('a release from --collector-version is said as such', () => {
  const f = only(
    variant(prometheusOnK8s, (s) => {
      s.collectors[0].image = 'otel/opentelemetry-collector-k8s';
      s.meta.assumedCollectorVersion = '0.111.0';
    }),
  );
  assert.match(f.summary, /otelcol-k8s 0\.111\.0 \(--collector-version\) has no exporter of type "prometheus"/);
});

test('k8sattributes on core and logging on 0.111.0 name the distribution and release', () => {
  assert.match(only(k8sattributesOnCore).summary, /processors::k8sattributes \(pipeline traces\): otelcol 0\.111\.0 has no processor of type "k8sattributes"/);
  assert.match(only(withLogging(CONTRIB_111)).summary, /exporters::logging \(pipeline logs\): otelcol-contrib 0\.111\.0 has no exporter of type "logging"/);
});

test('an undefined processor: the pipeline and the processor are named, the fix says define or remove it', () => {
  const f = only(undefinedProcessor);
  assert.match(f.summary, /service::pipelines::traces: references processor "k8sattributes" which is not configured/);
  assert.match(f.fix.summary, /define processor "k8sattributes" under processors: .* or remove it from the processors of pipeline traces/);
});

test('a connector renamed in one place: both sides of the break are reported, worded as the collector words them', () => {
  const details = only(renamedConnector).evidence.map((e) => e.detail);
  assert.ok(details.includes('invalid configuration: service::pipelines::metrics: references receiver "spanmetrics" which is not configured'), details.join('\n'));
  assert.ok(
    details.some((d) => d.startsWith('failed to build pipelines: connector "spanmetrics/red" used as exporter in [traces] pipeline but not used in any supported receiver pipeline')),
    details.join('\n'),
  );
});

test('where the component list is unknown, a finding for another reason says types were not checked', () => {
  const f = only(variant(undefinedProcessor, (s) => { s.collectors[0].image = 'otel/opentelemetry-collector-contrib:latest'; }));
  assert.ok(f.evidence.some((e) => /^component types not checked: the OpenTelemetry Collector Contrib release is unknown/.test(e.detail)), f.evidence.map((e) => e.detail).join('\n'));
});

test('lint: an operator CR on the core image (the model default) is not type-checked; a CR naming contrib is', () => {
  const managed = (image: string) =>
    variant(k8sattributesOnCore, (s) => {
      s.meta.mode = 'lint';
      s.collectors[0].image = image;
      s.collectors[0].managedBy = { operator: 'opentelemetry-operator', version: '0.158.0', crName: 'otel', mode: 'deployment' };
    });
  const core = judge(managed('ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector:0.158.0'), { rules: [rule.id] });
  assert.deepEqual(core.findings.map((f) => f.rule), []);
  assert.match(core.checks.find((c) => c.name === rule.id)?.reason ?? '', /operator's collector image is not known from the files/);
  const contrib = managed('otel/opentelemetry-collector-contrib:0.158.0');
  assert.deepEqual(findingsOf(rule, variant(contrib, (s) => { (s.collectors[0].effectiveConfig as any).processors.madeup = {}; })).length, 1);
});

test('metrics.address refused at unmarshal (0.111-0.122) on an IPv6 pod: one row, endpoint-ipv6-unbracketed, the config refusal folded in', () => {
  const ip = 'fd00:10:244:1::5';
  // service/telemetry/config.go (v0.115.0) Unmarshal: `failing to parse metrics address %q: %w`, under mapstructure's section.
  const lines = [
    'Error: failed to get config: cannot unmarshal the configuration: decoding failed due to the following error(s):',
    `'service.telemetry' failing to parse metrics address "${ip}:8888": address ${ip}:8888: too many colons in address`,
  ];
  const s = variant(loadSnapshot('healthy-helm'), (x) => {
    const c = x.collectors[0];
    c.podIP = ip;
    c.env = { MY_POD_IP: ip };
    c.ready = false;
    const cfg = c.effectiveConfig as any;
    cfg.receivers.otlp.protocols.grpc.endpoint = '[${env:MY_POD_IP}]:4317';
    cfg.receivers.otlp.protocols.http.endpoint = '[${env:MY_POD_IP}]:4318';
    cfg.extensions.health_check.endpoint = '[${env:MY_POD_IP}]:13133';
    cfg.service.telemetry = { metrics: { address: '${env:MY_POD_IP}:8888' } };
    x.logs.push({ namespace: 'observability', pod: c.pod, container: c.container, role: 'collector', matches: [
      { signature: 'collector-config-invalid', kind: 'config', line: lines[0] },
      { signature: 'collector-listen-too-many-colons', kind: 'bind', line: lines[1], fields: { address: `${ip}:8888` } },
    ] });
  });
  const [alone] = findingsOf(rule, s);
  assert.ok(alone, 'the rule alone still reports the refusal');
  assert.ok(alone.evidence.some((e) => e.detail.includes('failing to parse metrics address')), JSON.stringify(alone.evidence));
  const r = judge(s);
  const rows = r.findings.filter((f) => f.severity === 'error').map((f) => f.rule);
  assert.deepEqual(rows, ['endpoint-ipv6-unbracketed']);
  const root = r.findings.find((f) => f.rule === 'endpoint-ipv6-unbracketed');
  assert.ok(root?.evidence.some((e) => e.detail.startsWith('[collector-config-invalid]') && e.detail.includes('failed to get config')), JSON.stringify(root?.evidence));
  assert.ok(root?.evidence.some((e) => e.detail.includes('failing to parse metrics address')), JSON.stringify(root?.evidence));
  // A refusal of something else stays its own row beside it.
  const other = variant(s, (x) => {
    (x.collectors[0].effectiveConfig as any).service.pipelines.metrics.receivers = ['otlp', 'spanmetrics'];
  });
  assert.deepEqual(judge(other).findings.filter((f) => f.severity === 'error').map((f) => f.rule).sort(), ['collector-config-invalid', 'endpoint-ipv6-unbracketed']);
});
