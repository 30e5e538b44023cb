import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/cluster/types.ts';
import type { Finding } from '../../src/report/finding.ts';
import { classify, planObject, type Verdict } from '../../src/fix/plan.ts';
import { printBeforeAfter, printPlan } from '../../src/fix/print.ts';

const NOW = new Date('2026-12-05T14:00:00Z');
const f = (rule: string, fix: Finding['fix'], name = 'otel-collector'): Finding => ({ rule, severity: 'error', subject: { kind: 'Deployment', namespace: 'observability', name }, summary: 's', rootCause: 'r', evidence: [], fix });

const LOOPBACK = f('receiver-bound-to-loopback', { summary: 'bind', patch: 'receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 0.0.0.0:4317', object: { kind: 'ConfigMap', namespace: 'observability', name: 'cfg', key: 'relay' } });

test('the plan: per object the findings, the changes, the restart and the diff; manual fixes with their commands; read-only said', () => {
  // A hostile ConfigMap: an escape sequence in a comment must not reach the terminal.
  const cm: KObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'observability', resourceVersion: '1' }, data: { relay: '# \u001b[31mred\u001b[0m\nreceivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: localhost:4317\n' } };
  const { change } = planObject(cm, [classify(LOOPBACK) as Extract<Verdict, { kind: 'edit' }>], NOW);
  assert.ok(change);
  const manual = f('collector-not-ready', { summary: 'make it ready', commands: { apply: ['kubectl edit deployment/otel-collector -n observability'], verify: 'v' } });
  const out = printPlan([LOOPBACK, manual], { changes: [change], helm: [], manual: [{ finding: manual, reason: 'no automatic fix for this rule' }] }, { apply: false });
  assert.doesNotMatch(out, /\u001b/);
  assert.match(out, /^2 finding\(s\), 1 with an automatic fix\.$/m);
  assert.match(out, /^ConfigMap observability\/cfg$/m);
  assert.match(out, /^ {2}fixes {2}ERROR {2}receiver-bound-to-loopback {2}Deployment observability\/otel-collector$/m);
  assert.match(out, /^ {2}change relay: receivers\.otlp\.protocols\.grpc\.endpoint: localhost:4317 -> 0\.0\.0\.0:4317$/m);
  assert.match(out, /^ {2}then {3}roll out deployment\/otel-collector/m);
  assert.match(out, /^diff -u -N LIVE\/v1\.ConfigMap\.observability\.cfg MERGED\/v1\.ConfigMap\.observability\.cfg$/m);
  // A control character makes YAML quote the whole value (as kubectl diff shows it too): still one line per line.
  assert.match(out, /^-.*endpoint: localhost:4317/m);
  assert.match(out, /^ {2}no automatic fix: no automatic fix for this rule\n {2}manual fix: make it ready\n {4}kubectl edit deployment\/otel-collector -n observability$/m);
  assert.match(out, /Nothing was changed\. Run again with --apply/);
  assert.doesNotMatch(printPlan([LOOPBACK], { changes: [change], helm: [], manual: [] }, { apply: true }), /Nothing was changed/);
  assert.equal(printPlan([], { changes: [], helm: [], manual: [] }, { apply: false }), 'No findings: nothing to fix.\n');
});

test('before and after: fixed, still there, unchanged, new', () => {
  const other = f('collector-no-readiness-probe', { summary: 's' });
  const stubborn = f('service-port-mismatch', { summary: 's' }, 'svc');
  const fresh = f('service-no-endpoints', { summary: 's' }, 'headless');
  const fixed = new Set(['receiver-bound-to-loopback Deployment observability/otel-collector', 'service-port-mismatch Deployment observability/svc']);
  const out = printBeforeAfter([LOOPBACK, other, stubborn], [other, stubborn, fresh], fixed);
  assert.match(out, /^Findings: 3 before, 3 after\.$/m);
  assert.match(out, /^ {2}fixed {7}ERROR {2}receiver-bound-to-loopback/m);
  assert.match(out, /^ {2}unchanged {3}ERROR {2}collector-no-readiness-probe/m);
  assert.match(out, /^ {2}STILL THERE ERROR {2}service-port-mismatch/m);
  assert.match(out, /^ {2}new {9}ERROR {2}service-no-endpoints/m);
});
