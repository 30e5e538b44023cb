import assert from 'node:assert/strict';
import { rule } from '../../src/rules/app-port-not-exposed.ts';
import { judge } from '../../src/engine.ts';
import type { Snapshot } from '../../src/snapshot.ts';
import { envValue, findingsOf, judged, loadSnapshot, ruleKeys, ruleTester, test, variant, type InvalidCase } from './helpers.ts';

const ID = 'app-port-not-exposed';
/** healthy-helm with the first app (cart, Node, http/protobuf) pointed elsewhere. */
const cartTo = (value: string, patch: (s: Snapshot) => void = () => {}) =>
  variant(loadSnapshot('healthy-helm'), (s) => {
    s.apps[0].exporter.endpoint = envValue(value);
    s.probes = s.probes.filter((p) => p.from.pod !== s.apps[0].pod);
    patch(s);
  });
/** cartTo behind a headless Service. */
const headless = (value: string, patch: (s: Snapshot) => void = () => {}) =>
  cartTo(value, (s) => {
    s.services[0].clusterIP = 'None';
    patch(s);
  });
const recordedRows = (): InvalidCase['findings'] => [
  { severity: 'error', subject: 'Deployment shop/cart:cart', check: { subject: 'Deployment shop/cart', status: 'fail' } },
  { severity: 'error', subject: 'Deployment shop/checkout:checkout' },
  { severity: 'error', subject: 'Deployment shop/legacy:legacy' },
];

ruleTester(rule, {
  valid: [
    { name: 'healthy: every app dials a declared port', snapshot: loadSnapshot('healthy-helm'), check: { subject: 'Deployment shop/cart', status: 'pass' } },
    ...[
      'http://otel-collector.observability.svc.cluster.local:4318',
      'http://no-such-svc.observability.svc.cluster.local:4319',
      'http://10.244.1.5:4319',
      'http://172.18.0.2:4317',
      'https://otlp.example.com:4319',
      'http://otel-collector.elsewhere:4319',
    ].map((value) => ({ name: `never cries wolf: ${value} (declared port, missing Service, pod IP, node IP, outside the cluster)`, snapshot: cartTo(value) })),
    {
      name: 'an ExternalName Service is not judged',
      snapshot: cartTo('http://otel-collector.observability.svc.cluster.local:4319', (s) => {
        s.services[0].type = 'ExternalName';
        s.services[0].externalName = 'collector.example.com';
      }),
    },
    {
      name: 'a probe that connected on the very port contradicts the claim',
      snapshot: cartTo('http://otel-collector.observability.svc.cluster.local:4319', (s) => {
        s.probes.push({ from: { namespace: 'shop', pod: s.apps[0].pod, container: 'cart' }, target: { kind: 'app-endpoint', host: 'otel-collector.observability.svc.cluster.local', port: 4319 }, method: 'node', result: 'connected' });
      }),
    },
    {
      name: 'headless Service: its port list does not matter, the pod listens on 4318',
      snapshot: headless('http://otel-collector.observability.svc.cluster.local:4318', (s) => (s.services[0].ports = s.services[0].ports.slice(0, 1))),
    },
    {
      name: 'headless Service whose collector ports are unknown (no sockets, a receiver the model does not know): skipped',
      snapshot: headless('http://otel-collector.observability.svc.cluster.local:9411', (s) => {
        delete s.collectors[0].listeners;
        const cfg = s.collectors[0].effectiveConfig as Record<string, any>;
        cfg.receivers.zipkin = {};
        cfg.service.pipelines.traces.receivers.push('zipkin');
      }),
      check: { subject: 'Deployment shop/cart', status: 'skipped', reason: "headless Service observability/otel-collector: the collector's ports are unknown" },
    },
  ],
  invalid: [
    { name: 'recorded scenario: typo 4319, legacy 55680 and unpublished 4318 are errors on the apps; 4317 is not', snapshot: loadSnapshot('app-port-not-exposed'), findings: recordedRows() },
    {
      name: 'lint (no probes, no logs): the same rows from configuration alone',
      snapshot: variant(loadSnapshot('app-port-not-exposed'), (s) => {
        s.meta.mode = 'lint';
        s.meta.exec = false;
        s.probes = [];
        s.logs = [];
      }),
      findings: recordedRows(),
    },
    { name: 'headless Service: a port the collector does not listen on', snapshot: headless('http://otel-collector.observability.svc.cluster.local:4319'), findings: [{ severity: 'error', subject: 'Deployment shop/cart:cart' }] },
  ],
});

test('recorded scenario through the whole engine: one row per app, no other rule repeats it', () => {
  const s = loadSnapshot('app-port-not-exposed');
  assert.deepEqual(judged(s, true).sort(), ruleKeys(rule, s).sort());
  assert.ok(rule.modes.includes('lint') && rule.modes.includes('diagnose'));
});

test('evidence: the env setting, the declared ports, the refused probe and the SDK log line', () => {
  const f = findingsOf(rule, loadSnapshot('app-port-not-exposed')).find((x) => x.subject.name === 'checkout');
  assert.ok(f);
  const text = f.evidence.map((e) => `[${e.source}] ${e.detail}`).join('\n');
  assert.match(text, /\[config\] OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/otel-collector\.observability\.svc\.cluster\.local:4319/);
  assert.match(text, /\[api\] Service observability\/otel-collector .*declares ports otlp-grpc 4317 \(targetPort otlp-grpc\); none is 4319/);
  assert.match(text, /\[exec\] probe from shop\/checkout-\S+ to otel-collector\.observability\.svc\.cluster\.local:4319 via nc: refused/);
  assert.match(text, /\[log\] .*dial tcp 10\.96\.0\.11:4319: connect: connection refused/);
  assert.equal(f.summary, 'sends OTLP/gRPC to port 4319, which Service observability/otel-collector does not declare (declared: 4317)');
  assert.equal(f.fix.patch, '- name: OTEL_EXPORTER_OTLP_ENDPOINT\n  value: http://otel-collector.observability.svc.cluster.local:4317');
  assert.equal(f.fix.target, 'Deployment shop/checkout container checkout');
});

test('fix: 4317 for the legacy gRPC port; for OTLP/HTTP with no HTTP port published, add the port to the Service', () => {
  const fs = findingsOf(rule, loadSnapshot('app-port-not-exposed'));
  const legacy = fs.find((x) => x.subject.name === 'legacy');
  assert.equal(legacy?.fix.patch, '- name: OTEL_EXPORTER_OTLP_ENDPOINT\n  value: http://otel-collector.observability:4317');
  const cart = fs.find((x) => x.subject.name === 'cart');
  assert.equal(cart?.fix.target, 'Service observability/otel-collector');
  assert.equal(cart?.fix.patch, 'spec:\n  ports:\n    - name: otlp-http\n      port: 4318\n      targetPort: otlp-http\n      protocol: TCP');
  assert.match(cart?.fix.summary ?? '', /or set OTEL_EXPORTER_OTLP_PROTOCOL=grpc and port 4317/);
});

test('a timed-out probe (iptables kube-proxy drops instead of rejecting) is quoted too', () => {
  const s = cartTo('http://otel-collector.observability.svc.cluster.local:4319', (s) => {
    s.probes.push({ from: { namespace: 'shop', pod: s.apps[0].pod, container: 'cart' }, target: { kind: 'app-endpoint', host: 'otel-collector.observability.svc.cluster.local', port: 4319 }, method: 'node', result: 'timeout', reason: 'no answer within 3 s' });
  });
  const f = findingsOf(rule, s)[0];
  assert.equal(f.rule, ID);
  assert.ok(f.evidence.some((e) => e.source === 'exec' && /:4319 via node: timeout/.test(e.detail)));
  // Node speaks OTLP/HTTP and the Service carries 4318 to the HTTP receiver.
  assert.equal(f.fix.patch, '- name: OTEL_EXPORTER_OTLP_ENDPOINT\n  value: http://otel-collector.observability.svc.cluster.local:4318');
});

test('grpc to an unpublished 4318 is this rule\'s one row (publishing or the right port helps, switching protocol would not)', () => {
  const s = variant(loadSnapshot('app-port-not-exposed'), (s) => {
    const legacy = s.apps.find((a) => a.workload?.name === 'legacy');
    if (legacy) { legacy.exporter.endpoint = envValue('http://otel-collector.observability:4318'); }
  });
  const keys = judged(s).filter((k) => k.includes('shop/legacy'));
  assert.deepEqual(keys, ['app-port-not-exposed error Deployment shop/legacy:legacy']);
});

test('no scheme or no port is app-endpoint-malformed\'s row only', () => {
  for (const value of ['otel-collector.observability:4319', 'http://otel-collector.observability']) {
    const keys = judged(cartTo(value)).filter((k) => k.includes('shop/cart'));
    assert.deepEqual(keys, ['app-endpoint-malformed error Deployment shop/cart:cart'], value);
  }
});

test('an SDK whose protocol is unknown (Go, nothing set) is told the one OTLP port the Service has', () => {
  const s = variant(loadSnapshot('app-port-not-exposed'), (s) => {
    const checkout = s.apps.find((a) => a.workload?.name === 'checkout');
    if (checkout) { delete checkout.exporter.protocol; }
    s.logs = s.logs.filter((l) => !l.pod.startsWith('checkout-'));
  });
  const f = findingsOf(rule, s).find((x) => x.subject.name === 'checkout');
  assert.equal(f?.summary, 'sends to port 4319, which Service observability/otel-collector does not declare (declared: 4317)');
  assert.match(f?.fix.summary ?? '', /:4317 \(Service port otlp-grpc 4317 leads to the OTLP\/gRPC receiver \(the only OTLP port it declares\)\)/);
});

test('an endpoint from a ConfigMap is fixed in the ConfigMap', () => {
  const s = cartTo('', (s) => {
    s.apps[0].exporter.endpoint = { value: 'http://otel-collector.observability:4319', env: 'OTEL_EXPORTER_OTLP_ENDPOINT', origin: 'configMap', from: 'ConfigMap shop/otel key endpoint' };
  });
  const f = findingsOf(rule, s)[0];
  assert.equal(f.fix.target, 'ConfigMap shop/otel key endpoint');
  assert.equal(f.fix.patch, 'http://otel-collector.observability:4318');
  assert.ok(f.evidence.some((e) => e.detail === 'OTEL_EXPORTER_OTLP_ENDPOINT=http://otel-collector.observability:4319 (ConfigMap shop/otel key endpoint)'));
});

test('headless Service: the evidence is what the collector listens on, the fix its receiver port', () => {
  const f = findingsOf(rule, headless('http://otel-collector.observability.svc.cluster.local:4319'));
  assert.match(f[0].rootCause, /headless Service/);
  assert.ok(f[0].evidence.some((e) => e.source === 'exec' && /listens on 4317, 4318, 13133; none is 4319/.test(e.detail)));
  assert.equal(f[0].fix.patch, '- name: OTEL_EXPORTER_OTLP_ENDPOINT\n  value: http://otel-collector.observability.svc.cluster.local:4318');
});

test('a collector without the app\'s protocol at all: folded into receiver-protocol-disabled, one row', () => {
  const s = variant(loadSnapshot('app-port-not-exposed'), (s) => {
    const cfg = s.collectors[0].effectiveConfig as Record<string, any>;
    delete cfg.receivers.otlp.protocols.http;
    s.collectors[0].listeners = { ...s.collectors[0].listeners!, sockets: s.collectors[0].listeners!.sockets.filter((x) => x.port !== 4318) };
  });
  const report = judge(s);
  const cart = report.findings.filter((f) => f.rule === ID && f.subject.name === 'cart');
  assert.deepEqual(cart, []);
  const root = report.findings.find((f) => f.rule === 'receiver-protocol-disabled');
  assert.ok(root, report.findings.map((f) => f.rule).join(', '));
  assert.ok(root.evidence.some((e) => e.detail.startsWith(`[${ID}]`) && /none is 4318/.test(e.detail)));
  // The other two apps keep their own rows: their protocol is served.
  assert.deepEqual(report.findings.filter((f) => f.rule === ID).map((f) => f.subject.name).sort(), ['checkout', 'legacy']);
});

test('the fix keeps a $(VAR) host as written, and falls back to the expanded value when the port came from a variable', () => {
  const byHost = cartTo('', (s) => {
    s.apps[0].exporter.endpoint = envValue('http://otel-collector.observability:4319', 'OTEL_EXPORTER_OTLP_ENDPOINT', { origin: 'var-ref', raw: 'http://$(OTEL_COLLECTOR_HOST):4319' });
  });
  assert.equal(findingsOf(rule, byHost)[0].fix.patch, '- name: OTEL_EXPORTER_OTLP_ENDPOINT\n  value: http://$(OTEL_COLLECTOR_HOST):4318');
  const byPort = cartTo('', (s) => {
    s.apps[0].exporter.endpoint = envValue('http://otel-collector.observability:4319', 'OTEL_EXPORTER_OTLP_ENDPOINT', { origin: 'var-ref', raw: 'http://otel-collector.observability:$(OTLP_PORT)' });
  });
  assert.equal(findingsOf(rule, byPort)[0].fix.patch, '- name: OTEL_EXPORTER_OTLP_ENDPOINT\n  value: http://otel-collector.observability:4318');
});
