import assert from 'node:assert/strict';
import { rule } from '../../src/rules/collector-not-ready.ts';
import { findingsOf, judged, loadSnapshot, ruleTester, test, variant } from './helpers.ts';

const BIND = 'Error: cannot start pipelines: listen tcp 0.0.0.0:4317: bind: address already in use';
const COLLECTOR = 'Deployment observability/otel-collector:opentelemetry-collector';

/** Crash-looping on a port in use; its Service has no ready endpoint. */
const crashLoop = variant(loadSnapshot('healthy-helm'), (s) => {
  const c = s.collectors[0];
  c.ready = false;
  c.containerStatuses = [{ name: c.container, ready: false, restartCount: 5, state: 'waiting', reason: 'CrashLoopBackOff', lastTerminationReason: 'Error', lastTerminationExitCode: 1 }];
  s.logs.push({ namespace: 'observability', pod: c.pod, container: c.container, role: 'collector', previous: true, matches: [{ signature: 'collector-bind-in-use', kind: 'bind', line: BIND }] });
  s.services[0].endpoints = { ready: [], notReady: [{ ip: '10.244.1.5', ready: false, pod: c.pod }] };
});
/** Not ready, with no known signature in its log, only a panic in the tail. */
const panicking = variant(loadSnapshot('healthy-helm'), (s) => {
  const c = s.collectors[0];
  c.ready = false;
  s.logs.push({ namespace: 'observability', pod: c.pod, container: c.container, role: 'collector', matches: [], tail: ['starting', 'panic: runtime error: invalid memory address or nil pointer dereference', 'goroutine 1 [running]:'] });
});

ruleTester(rule, {
  valid: [{ name: 'ready', snapshot: loadSnapshot('healthy-helm'), check: { subject: 'Deployment observability/otel-collector', status: 'pass' } }],
  invalid: [
    { name: 'crash-looping collector', snapshot: crashLoop, findings: [{ severity: 'error', subject: COLLECTOR, check: { subject: 'Deployment observability/otel-collector', status: 'fail' } }] },
    { name: 'not ready with no known log signature', snapshot: panicking, findings: [{ severity: 'error', subject: COLLECTOR }] },
  ],
});

test('crash-looping collector quotes the crash reason from its log; the empty Service is folded into its row', () => {
  assert.match(findingsOf(rule, crashLoop)[0].rootCause, /address already in use/);
  assert.deepEqual(judged(crashLoop), [`collector-not-ready error ${COLLECTOR}`]);
});

test('no known signature: the last error line of the log tail is quoted', () => {
  assert.match(findingsOf(rule, panicking)[0].rootCause, /nil pointer dereference/);
});
