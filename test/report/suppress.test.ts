import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { judge } from '../../src/engine.ts';
import { findConfigUpward, parseDoctorConfig, policyFromFlags } from '../../src/doctor-config.ts';
import { UsageError } from '../../src/errors.ts';
import { ignoreAnnotations } from '../../src/gather/ignores.ts';
import type { Finding, Report } from '../../src/report/finding.ts';
import { renderReport } from '../../src/report/render/index.ts';
import { renderJunit } from '../../src/report/render/junit.ts';
import { renderSarif } from '../../src/report/render/sarif.ts';
import { RULES } from '../../src/rules/index.ts';
import { applyPolicy, parseIgnoreAnnotation, parseIgnoreFlag } from '../../src/suppress.ts';
import { loadSnapshot } from '../rules/helpers.ts';

const KNOWN = new Set(RULES.map((r) => r.id));

/** The seed's receiver-bound-to-loopback error, plus a warning on another collector to tell them apart. */
function report(): Report {
  const r = judge(loadSnapshot('seed.yaml'));
  const [loopback] = r.findings;
  assert.equal(loopback.rule, 'receiver-bound-to-loopback');
  const other: Finding = { ...structuredClone(loopback), rule: 'collector-no-readiness-probe', severity: 'warning', subject: { kind: 'DaemonSet', namespace: 'observability', name: 'otel-agent', container: 'otel-agent' } };
  r.findings.push(other);
  r.checks.push({ name: 'collector-no-readiness-probe', subject: 'DaemonSet observability/otel-agent', status: 'fail' });
  r.summary = { errors: 1, warnings: 1, infos: 0 };
  return r;
}

test('the annotation value: rules, then the required reason', () => {
  assert.deepEqual(parseIgnoreAnnotation('receiver-bound-to-loopback, service-missing: only a sidecar sends here'), { rules: ['receiver-bound-to-loopback', 'service-missing'], reason: 'only a sidecar sends here' });
  assert.match((parseIgnoreAnnotation('receiver-bound-to-loopback') as { error: string }).error, /no reason/);
  assert.match((parseIgnoreAnnotation('receiver-bound-to-loopback:   ') as { error: string }).error, /reason is required/);
  assert.match((parseIgnoreAnnotation('Receiver Bound: why') as { error: string }).error, /not a rule id/);
  assert.deepEqual(parseIgnoreFlag('service-missing=observability/otel-*'), { rule: 'service-missing', subject: 'observability/otel-*', text: 'service-missing=observability/otel-*' });
  assert.match((parseIgnoreFlag('service-missing=') as { error: string }).error, /nothing after "="/);
});

test('an annotation on the subject suppresses its finding: moved to suppressed with who and why, not counted, check skipped', () => {
  const r = applyPolicy(report(), { annotations: [{ kind: 'Deployment', namespace: 'observability', name: 'otel-collector', rules: ['receiver-bound-to-loopback'], reason: 'test harness only', via: 'pod template' }] }, KNOWN);
  assert.deepEqual(r.findings.map((f) => f.rule), ['collector-no-readiness-probe']);
  assert.equal(r.suppressed?.length, 1);
  assert.deepEqual(r.suppressed?.[0].suppression, { by: 'annotation', reason: 'test harness only', source: 'otel-doctor.io/ignore on Deployment observability/otel-collector (pod template)' });
  assert.deepEqual(r.summary, { errors: 0, warnings: 1, infos: 0, suppressed: 1 });
  const check = r.checks.find((c) => c.name === 'receiver-bound-to-loopback' && c.subject === 'Deployment observability/otel-collector');
  assert.equal(check?.status, 'skipped');
  assert.match(check?.reason ?? '', /^suppressed: test harness only/);
});

test('an annotation on another object, or naming another rule, suppresses nothing', () => {
  const r = applyPolicy(report(), { annotations: [
    { kind: 'Deployment', namespace: 'shop', name: 'otel-collector', rules: ['receiver-bound-to-loopback'], reason: 'x' },
    { kind: 'Deployment', namespace: 'observability', name: 'otel-collector', rules: ['service-missing'], reason: 'x' },
  ] }, KNOWN);
  assert.equal(r.findings.length, 2);
  assert.equal(r.suppressed, undefined);
});

test('config file: severity override, subject glob ignore, disabled rule', () => {
  const config = parseDoctorConfig([
    'severity:',
    '  receiver-bound-to-loopback: warning',
    'ignore:',
    '  - rule: collector-no-readiness-probe',
    '    subject: "DaemonSet observability/otel-*"',
    '    reason: agents are not behind a Service',
  ].join('\n'), '.otel-doctor.yaml');
  const r = applyPolicy(report(), { config }, KNOWN);
  assert.deepEqual(r.findings.map((f) => [f.rule, f.severity, f.defaultSeverity]), [['receiver-bound-to-loopback', 'warning', 'error']]);
  assert.equal(r.suppressed?.[0].suppression?.by, 'config');
  assert.match(r.suppressed?.[0].suppression?.source ?? '', /^\.otel-doctor\.yaml: ignore collector-no-readiness-probe DaemonSet observability\/otel-\*$/);
  assert.deepEqual(r.summary, { errors: 0, warnings: 1, infos: 0, suppressed: 1 });

  const off = applyPolicy(report(), { config: parseDoctorConfig('disable: [receiver-bound-to-loopback]', 'cfg.yaml') }, KNOWN);
  assert.deepEqual(off.findings.map((f) => f.rule), ['collector-no-readiness-probe']);
  assert.equal(off.suppressed, undefined, 'a disabled rule is not run, not suppressed');
  assert.deepEqual(off.checks.filter((c) => c.name === 'receiver-bound-to-loopback'), [{ name: 'receiver-bound-to-loopback', subject: 'Cluster', status: 'skipped', reason: 'disabled by cfg.yaml' }]);
});

test('--ignore RULE and RULE=NAMESPACE/NAME', () => {
  const everywhere = applyPolicy(report(), { flags: [{ rule: 'receiver-bound-to-loopback', text: 'receiver-bound-to-loopback' }] }, KNOWN);
  assert.equal(everywhere.suppressed?.[0].suppression?.source, '--ignore receiver-bound-to-loopback');
  const scoped = applyPolicy(report(), { flags: [{ rule: 'receiver-bound-to-loopback', subject: 'shop/*', text: 'receiver-bound-to-loopback=shop/*' }] }, KNOWN);
  assert.equal(scoped.suppressed, undefined);
  const named = applyPolicy(report(), { flags: [{ rule: '*', subject: 'observability/otel-collector', text: '*=observability/otel-collector' }] }, KNOWN);
  assert.deepEqual(named.suppressed?.map((f) => f.rule), ['receiver-bound-to-loopback']);
});

test('config files: found upward; malformed ones and unknown rules are usage errors naming the problem', () => {
  const root = mkdtempSync(join(tmpdir(), 'otel-doctor-config-'));
  try {
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    writeFileSync(join(root, '.otel-doctor.yaml'), 'disable: [service-missing]\n');
    assert.equal(findConfigUpward(join(root, 'a', 'b')), join(root, '.otel-doctor.yaml'));
    assert.deepEqual(policyFromFlags({ searchFrom: join(root, 'a', 'b') }, KNOWN).config?.disable, ['service-missing']);
    writeFileSync(join(root, 'a', '.otel-doctor.yaml'), 'disable: [servce-missing]\n');
    assert.throws(() => policyFromFlags({ searchFrom: join(root, 'a', 'b') }, KNOWN), (e) => e instanceof UsageError && /unknown rule servce-missing/.test(e.message));
    assert.throws(() => policyFromFlags({ ignore: ['no-such-rule'] }, KNOWN), /unknown rule no-such-rule \(--ignore\)/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  assert.throws(() => parseDoctorConfig('ignore:\n  - rule: service-missing\n', 'f.yaml'), /ignore\[0\] \(service-missing\): a reason is required/);
  assert.throws(() => parseDoctorConfig('disabled: [x]\n', 'f.yaml'), /unknown key "disabled"/);
  assert.throws(() => parseDoctorConfig('severity: {service-missing: critical}\n', 'f.yaml'), /severity.service-missing: "critical" is not one of/);
});

test('suppressed findings in the outputs: JSON/YAML validate, SARIF carries suppressions, JUnit skips them', () => {
  const r = applyPolicy(report(), {
    annotations: [{ kind: 'Deployment', namespace: 'observability', name: 'otel-collector', rules: ['receiver-bound-to-loopback'], reason: 'harness' }],
    flags: [{ rule: 'collector-no-readiness-probe', text: 'collector-no-readiness-probe' }],
  }, KNOWN);
  const schema = JSON.parse(readFileSync(new URL('../../schema/report.schema.json', import.meta.url), 'utf8'));
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  const json = JSON.parse(renderReport(r, 'json')) as { suppressed: unknown[]; findings: unknown[] };
  assert.ok(validate(json), JSON.stringify(validate.errors));
  assert.equal(json.suppressed.length, 2);
  assert.equal(json.findings.length, 0);

  const sarif = JSON.parse(renderSarif(r));
  const results = sarif.runs[0].results as Array<{ ruleId: string; suppressions?: Array<{ kind: string; justification: string }> }>;
  assert.deepEqual(results.map((x) => [x.ruleId, x.suppressions?.[0].kind]).sort(), [['collector-no-readiness-probe', 'external'], ['receiver-bound-to-loopback', 'inSource']]);
  assert.match(results.find((x) => x.ruleId === 'receiver-bound-to-loopback')?.suppressions?.[0].justification ?? '', /^harness \(otel-doctor\.io\/ignore on Deployment/);

  const junit = renderJunit(r);
  assert.match(junit, /failures="0"/);
  assert.match(junit, /<skipped message="suppressed: harness/);
});

test('annotations are read from objects, pod templates and the pods of a workload; a malformed one is a note', () => {
  const pod = (name: string, ann?: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'obs', annotations: (ann ? { 'otel-doctor.io/ignore': ann } : {}) as Record<string, string> } });
  const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'otel', namespace: 'obs', annotations: { 'otel-doctor.io/ignore': 'service-missing: scraped only' } }, spec: { template: { metadata: { annotations: { 'otel-doctor.io/ignore': 'collector-no-readiness-probe: batch' } } } } };
  const p1 = pod('otel-abc', 'receiver-bound-to-loopback: sidecar only');
  const { ignores, notes } = ignoreAnnotations({
    pods: [p1, pod('bad', 'receiver-bound-to-loopback')],
    services: [], networkPolicies: [], configMaps: new Map(), collectorCRs: [], instrumentations: [],
    workloads: [deploy],
    collectors: [{ pod: p1, workload: { kind: 'Deployment', namespace: 'obs', name: 'otel' } } as never],
    apps: [],
  });
  assert.deepEqual(ignores.map((i) => `${i.kind} ${i.name} ${i.rules.join(',')} ${i.via ?? ''}`).sort(), [
    'Deployment otel collector-no-readiness-probe pod template',
    'Deployment otel receiver-bound-to-loopback pod template',
    'Deployment otel service-missing ',
    'Pod otel-abc receiver-bound-to-loopback ',
  ]);
  assert.deepEqual(notes, ['otel-doctor.io/ignore on Pod obs/bad is not applied: "receiver-bound-to-loopback" gives no reason: write "<rule-id>[,<rule-id>]: <reason>"']);
});
