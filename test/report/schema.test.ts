import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { judge } from '../../src/engine.ts';
import { renderReport } from '../../src/report/render/index.ts';
import { loadSnapshot, variant } from '../rules/helpers.ts';

const schema = JSON.parse(readFileSync(new URL('../../schema/report.schema.json', import.meta.url), 'utf8'));
const compiled = new Ajv({ allErrors: true, strict: false }).compile(schema);
// A plain boolean (not ajv's type guard), so a failed validation does not narrow the value to never.
const validate = Object.assign((d: unknown): boolean => compiled(d) as boolean, { get errors() { return compiled.errors; } });

const fixtures = readdirSync(new URL('../fixtures/snapshots/', import.meta.url)).filter((f) => f.endsWith('.yaml'));

for (const f of fixtures) {
  test(`JSON and YAML output of ${f} validate against schema/report.schema.json`, () => {
    const r = judge(loadSnapshot(f));
    for (const doc of [JSON.parse(renderReport(r, "json")), parse(renderReport(r, "yaml"))] as any[]) {
      assert.ok(validate(doc), JSON.stringify(validate.errors, null, 2));
      assert.deepEqual(Object.keys(doc).filter((k) => ['schemaVersion', 'collectors', 'apps', 'checks', 'findings', 'summary'].includes(k)), ['schemaVersion', 'collectors', 'apps', 'checks', 'findings', 'summary']);
    }
  });
}

test('the schema rejects what it should (an unknown severity, internal keys)', () => {
  const doc: any = JSON.parse(renderReport(judge(loadSnapshot("seed")), "json"));
  assert.ok(validate(doc));
  const bad = structuredClone(doc);
  bad.findings[0].severity = 'critical';
  assert.equal(validate(bad), false);
  const leaky = structuredClone(doc);
  leaky.findings[0].explains = ['x'];
  assert.equal(validate(leaky), false);
});

test('a report with every rule firing still validates', () => {
  const s = variant(loadSnapshot('seed'), (s) => {
    s.permissions = { reviews: [{ verb: 'create', resource: 'pods/exec', allowed: false }] };
    s.incomplete = [{ check: 'probes', reason: 'no tool' }];
    delete s.collectors[0].readinessProbe;
  });
  assert.ok(validate(JSON.parse(renderReport(judge(s), 'json'))), JSON.stringify(validate.errors));
});
