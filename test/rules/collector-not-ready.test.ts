import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rule } from '../../src/rules/collector-not-ready.ts';
import { judged, loadSnapshot, ruleKeys, variant } from './helpers.ts';

const BIND = 'Error: cannot start pipelines: listen tcp 0.0.0.0:4317: bind: address already in use';

test('crash-looping collector quotes the crash reason from its log', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    const c = s.collectors[0];
    c.ready = false;
    c.containerStatuses = [{ name: c.container, ready: false, restartCount: 5, state: 'waiting', reason: 'CrashLoopBackOff', lastTerminationReason: 'Error', lastTerminationExitCode: 1 }];
    s.logs.push({ namespace: 'observability', pod: c.pod, container: c.container, role: 'collector', previous: true, matches: [{ signature: 'collector-bind-in-use', kind: 'bind', line: BIND }] });
    s.services[0].endpoints = { ready: [], notReady: [{ ip: '10.244.1.5', ready: false, pod: c.pod }] };
  });
  const r = rule.check(s) as { findings: any[] };
  assert.deepEqual(ruleKeys(rule.check, s), ['collector-not-ready error Deployment observability/otel-collector:opentelemetry-collector']);
  assert.match(r.findings[0].rootCause, /address already in use/);
  // service-no-endpoints is a symptom of the unready pod: one row.
  assert.deepEqual(judged(s), ['collector-not-ready error Deployment observability/otel-collector:opentelemetry-collector']);
});

test('ready: nothing', () => assert.deepEqual(ruleKeys(rule.check, loadSnapshot('healthy-helm')), []));

test('no known signature: the last error line of the log tail is quoted', () => {
  const s = variant(loadSnapshot('healthy-helm'), (s) => {
    const c = s.collectors[0];
    c.ready = false;
    s.logs.push({ namespace: 'observability', pod: c.pod, container: c.container, role: 'collector', matches: [], tail: ['starting', 'panic: runtime error: invalid memory address or nil pointer dereference', 'goroutine 1 [running]:'] });
  });
  assert.deepEqual(ruleKeys(rule.check, s), ['collector-not-ready error Deployment observability/otel-collector:opentelemetry-collector']);
  assert.match((rule.check(s) as any).findings[0].rootCause, /nil pointer dereference/);
});
