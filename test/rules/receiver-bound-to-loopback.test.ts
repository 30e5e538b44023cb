import assert from 'node:assert/strict';
import { judge } from '../../src/engine.ts';
import { renderReport } from '../../src/report/render/index.ts';
import { rule } from '../../src/rules/receiver-bound-to-loopback.ts';
import { findingsOf, judged, keyOf, loadSnapshot, ruleTester, test, variant } from './helpers.ts';

const COLLECTOR = 'Deployment observability/otel-collector:otel-collector';

/** A sidecar collector on loopback whose only client shares its pod. */
const sidecar = variant(loadSnapshot('seed'), (s) => {
  const c = s.collectors[0];
  c.sidecar = true;
  c.owner = { kind: 'Deployment', name: 'checkout', namespace: 'shop' };
  c.namespace = 'shop';
  c.pod = 'checkout-7c9d8b6f5-abcde';
  s.services = [];
  s.apps = [{ ...s.apps[0], exporter: { endpoint: { value: 'http://localhost:4317', env: 'OTEL_EXPORTER_OTLP_ENDPOINT', origin: 'value' } }, sidecarCollector: { container: 'otel-collector' } }];
  s.probes = [];
  s.logs = [];
});

ruleTester(rule, {
  valid: [
    {
      name: 'sidecar: a loopback receiver whose only client shares the pod',
      snapshot: sidecar,
      check: { subject: 'Pod shop/checkout', status: 'pass' },
    },
    {
      name: 'exec evidence overrides config: 0.0.0.0 in ss even if config says localhost',
      snapshot: variant(loadSnapshot('seed'), (s) => {
        s.collectors[0].listeners!.sockets = [
          { address: '0.0.0.0', port: 4317 },
          { address: '0.0.0.0', port: 4318 },
        ];
      }),
    },
    {
      name: 'the fixed config (0.0.0.0)',
      snapshot: variant(loadSnapshot('seed'), (s) => {
        const cfg = s.collectors[0].effectiveConfig as any;
        cfg.receivers.otlp.protocols.grpc.endpoint = '0.0.0.0:4317';
        cfg.receivers.otlp.protocols.http.endpoint = '0.0.0.0:4318';
        delete s.collectors[0].listeners;
        s.probes = [];
        s.logs = [];
      }),
      check: { subject: 'Deployment observability/otel-collector', status: 'pass' },
    },
    {
      name: 'a literal IP the pod does not have (stale pod IP, startup log says so) is not a loopback binding',
      snapshot: variant(loadSnapshot('seed'), (s) => {
        const cfg = s.collectors[0].effectiveConfig as any;
        cfg.receivers.otlp.protocols.grpc.endpoint = '10.244.1.17:4317';
        cfg.receivers.otlp.protocols.http.endpoint = '10.244.1.17:4318';
        s.collectors[0].listeners = { method: 'log', sockets: [{ address: '10.244.1.17', port: 4317 }, { address: '10.244.1.17', port: 4318 }] } as any;
      }),
    },
  ],
  invalid: [
    {
      name: 'seed: loopback receiver with cross-namespace clients',
      snapshot: loadSnapshot('seed'),
      findings: [{ severity: 'error', subject: COLLECTOR, check: { subject: 'Deployment observability/otel-collector', status: 'fail' } }],
    },
  ],
});

test('seed: one error with all evidence, the fix and the affected apps', () => {
  const r = judge(loadSnapshot('seed'), { mode: 'diagnose' });
  const errs = r.findings.filter((f) => f.severity !== 'info');
  assert.deepEqual(errs.map(keyOf), [`receiver-bound-to-loopback error ${COLLECTOR}`]);
  const f = errs[0];
  assert.ok(f.fix.summary.includes('ConfigMap observability/otel-collector-config key collector.yaml'));
  assert.match(f.fix.patch ?? '', /endpoint: 0\.0\.0\.0:4317/);
  assert.match(f.fix.patch ?? '', /\$\{env:MY_POD_IP\}:4317/);
  const sources = new Set(f.evidence.map((e) => e.source));
  for (const s of ['config', 'exec', 'log', 'api'] as const) {
    assert.ok(sources.has(s), `evidence from ${s}`);
  }
  assert.ok(f.evidence.some((e) => e.detail.includes('connect: connection refused')), 'Go app log quoted');
  assert.ok(f.evidence.some((e) => /127\.0\.0\.1:4317 only/.test(e.detail)), 'ss output quoted');
  assert.deepEqual(f.affected?.map((a) => a.workload).sort(), ['checkout', 'frontend']);
});

test('seed renders as a table that names rule, subject and fix within 100 columns', () => {
  const out = renderReport(judge(loadSnapshot('seed')), 'table', { color: false, width: 100 });
  assert.match(out, /^ERROR +receiver-bound-to-loopback +Deployment observability\/otel-collector +otlp receiver listen/m);
  assert.match(out, /^ {2}restart +kubectl rollout restart deployment\/otel-collector -n observability$/m);
  for (const line of out.split('\n')) {
    assert.ok(line.length <= 100, `line too long (${line.length}): ${line}`);
  }
  assert.doesNotMatch(out, /\x1b\[/);
  assert.match(out, /1 error/);
});

test('sidecar: no other rule objects to the loopback receiver either', () => {
  assert.deepEqual(judged(sidecar), []);
});

test('an app\'s probe symptom names an IPv6 target as [ip]:port', () => {
  const s = variant(loadSnapshot('healthy-helm'), (x) => {
    const cfg = x.collectors[0].effectiveConfig as any;
    cfg.receivers.otlp.protocols.grpc.endpoint = 'localhost:4317';
    cfg.receivers.otlp.protocols.http.endpoint = 'localhost:4318';
    delete x.collectors[0].listeners;
    x.probes = x.probes.map((p) => ({ ...p, target: { ...p.target, host: 'fd00:10:96::14' }, result: 'refused' as const }));
  });
  const [f] = findingsOf(rule, s);
  const syms = f.affected?.flatMap((a) => a.symptoms) ?? [];
  assert.ok(syms.length && syms.every((x) => /^probe \[fd00:10:96::14\]:\d+ refused$/.test(x) || x.startsWith('log: ')), JSON.stringify(syms));
});
