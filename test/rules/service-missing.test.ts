import assert from 'node:assert/strict';
import { rule } from '../../src/rules/service-missing.ts';
import type { Snapshot } from '../../src/snapshot.ts';
import { findingsOf, judged, loadSnapshot, ruleKeys, ruleTester, test, variant } from './helpers.ts';

const COLLECTOR = 'Deployment observability/otel-collector:opentelemetry-collector';

/** Every app names otel-gateway.observability, which does not exist; cart's probe saw the DNS failure. */
const gateway = variant(loadSnapshot('healthy-helm'), (s) => {
  for (const a of s.apps) {
    a.exporter.endpoint!.value = a.exporter.endpoint!.value!.replace(/otel-collector\.observability(\.svc\.cluster\.local)?/, 'otel-gateway.observability.svc.cluster.local');
  }
  s.probes = [{ from: { namespace: 'shop', pod: s.apps[0].pod, container: s.apps[0].container }, target: { kind: 'app-endpoint', host: 'otel-gateway.observability.svc.cluster.local', port: 4317 }, method: 'node', result: 'dns-failure', reason: 'getaddrinfo ENOTFOUND' }];
});
/** No Service at all, while the apps name one. */
const noServices = variant(loadSnapshot('healthy-helm'), (s) => {
  s.services = [];
});

ruleTester(rule, {
  valid: [{ name: 'the Service the apps name exists and selects the collector', snapshot: loadSnapshot('healthy-helm') }],
  invalid: [
    {
      name: 'apps name otel-gateway.observability, which does not exist: error on that Service',
      snapshot: gateway,
      findings: [{ severity: 'error', subject: 'Service observability/otel-gateway', check: { subject: 'Service observability/otel-gateway', status: 'fail' } }],
    },
    {
      name: 'a collector Deployment no Service selects: warning',
      snapshot: variant(noServices, (s) => {
        s.apps = [];
      }),
      findings: [{ severity: 'warning', subject: COLLECTOR }],
    },
    {
      name: 'no Service at all while apps name one: the missing Service and the unexposed collector',
      snapshot: noServices,
      findings: [
        { severity: 'error', subject: 'Service observability/otel-collector' },
        { severity: 'warning', subject: COLLECTOR },
      ],
    },
  ],
});

test('a missing Service: the app rows are folded in, and each container\'s evidence appears once', () => {
  assert.deepEqual(judged(gateway), ['service-missing error Service observability/otel-gateway']);
  // Traces, metrics and logs of one container dial the same host.
  const details = findingsOf(rule, gateway)[0].evidence.map((e) => e.detail);
  assert.deepEqual(details, [...new Set(details)]);
  assert.equal(details.filter((d) => d.includes('dns-failure')).length, 1);
});

test('no Service at all: the unexposed collector is folded into the missing Service\'s row', () => {
  assert.equal(ruleKeys(rule, noServices).length, 2);
  assert.deepEqual(judged(noServices), ['service-missing error Service observability/otel-collector']);
});

/** gateway, with the collector's OTLP/HTTP receiver on the legacy port 55681 and gRPC on a custom 14317. */
const customPorts = variant(gateway, (s) => {
  const protocols = (s.collectors[0].effectiveConfig as any).receivers.otlp.protocols;
  protocols.grpc.endpoint = '${env:MY_POD_IP}:14317';
  protocols.http.endpoint = '${env:MY_POD_IP}:55681';
});

test('the Service to create carries the ports the receivers listen on (14317, 55681), not 4317/4318', () => {
  const [f] = findingsOf(rule, customPorts);
  assert.match(f.fix.summary, /\(ports 14317 otlp-grpc, 55681 otlp-http, where the OTLP receivers of the collectors in observability listen\)/);
  assert.match(f.fix.patch ?? '', /ports:\n {4}- \{name: otlp-grpc, port: 14317, targetPort: 14317\}\n {4}- \{name: otlp-http, port: 55681, targetPort: 55681\}$/);
  assert.doesNotMatch(`${f.fix.summary}\n${f.fix.patch}`, /\b4317\b|\b4318\b/);
});

test('a collector no Service selects: the fix names its receiver ports', () => {
  const s = variant(customPorts, (s) => {
    s.services = [];
    s.apps = [];
  });
  assert.match(findingsOf(rule, s)[0].fix.summary, /with ports 14317 otlp-grpc, 55681 otlp-http, where the OTLP receivers of this collector listen\.$/);
});

test('no collector config known: the OTLP defaults 4317/4318, and the fix says they are', () => {
  const s = variant(gateway, (s) => {
    s.collectors[0].effectiveConfig = null;
  });
  const [f] = findingsOf(rule, s);
  assert.match(f.fix.summary, /\(ports 4317 otlp-grpc, 4318 otlp-http: the OTLP defaults, as no OTLP receiver of the collectors in observability is known \(add the ports of its other push receivers\)\)/);
  assert.match(f.fix.patch ?? '', /ports: {2}# the OTLP defaults: the collectors' receiver config is unknown\n {4}- \{name: otlp-grpc, port: 4317, targetPort: 4317\}\n {4}- \{name: otlp-http, port: 4318, targetPort: 4318\}$/);
});

test('two OTLP receivers of one protocol: each port gets its own name', () => {
  const s = variant(customPorts, (s) => {
    const cfg = s.collectors[0].effectiveConfig as any;
    cfg.receivers['otlp/legacy'] = { protocols: { http: { endpoint: '0.0.0.0:55680' } } };
    cfg.service.pipelines.traces.receivers.push('otlp/legacy');
  });
  assert.match(findingsOf(rule, s)[0].fix.patch ?? '', /\{name: otlp-grpc, port: 14317, targetPort: 14317\}\n {4}- \{name: otlp-http, port: 55680, targetPort: 55680\}\n {4}- \{name: otlp-http-55681, port: 55681, targetPort: 55681\}$/);
});

/** No Service; the collector's receivers replaced by `receivers`, every pipeline using them. */
const unexposed = (receivers: Record<string, unknown>, patch: (s: Snapshot) => void = () => {}) =>
  variant(noServices, (s) => {
    s.apps = [];
    const cfg = s.collectors[0].effectiveConfig as any;
    cfg.receivers = receivers;
    for (const p of Object.values(cfg.service.pipelines) as any[]) { p.receivers = Object.keys(receivers); }
    patch(s);
  });

ruleTester(rule, {
  valid: [
    {
      name: 'a pull-only collector (prometheus, kafka) that no Service selects: nothing pushes to it',
      snapshot: unexposed({ prometheus: { config: {} }, kafka: { brokers: ['kafka:9092'] } }),
      check: { subject: 'Deployment observability/otel-collector', status: 'pass', reason: 'no receiver that other pods push to listens on the network' },
    },
    {
      name: 'a zipkin receiver bound to loopback serves its own pod only',
      snapshot: unexposed({ zipkin: { endpoint: 'localhost:9411' } }),
    },
    {
      name: 'operator-managed: the operator creates its Services',
      snapshot: unexposed({ otlp: { protocols: { grpc: {} } } }, (s) => {
        s.collectors[0].managedBy = { operator: 'opentelemetry-operator', crName: 'otel' };
      }),
      check: { subject: 'Deployment observability/otel-collector', status: 'skipped', reason: 'operator-managed: the operator creates its Services' },
    },
  ],
  invalid: [
    {
      name: 'a Jaeger receiver on all interfaces that no Service selects: warning',
      snapshot: unexposed({ jaeger: { protocols: { grpc: { endpoint: '0.0.0.0:14250' } } } }),
      findings: [{ severity: 'warning', subject: COLLECTOR }],
    },
  ],
});

test('the warning names the receivers other pods push to', () => {
  const [f] = findingsOf(rule, unexposed({ zipkin: { endpoint: '0.0.0.0:9411' }, prometheus: { config: {} } }));
  assert.ok(f.evidence.some((e) => e.detail === 'receivers other pods push to: zipkin'), JSON.stringify(f.evidence));
});
