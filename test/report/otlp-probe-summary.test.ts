import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { judge } from '../../src/engine.ts';
import { renderReport } from '../../src/report/render/index.ts';
import type { OtlpProbeResultKind } from '../../src/snapshot.ts';
import { loadSnapshot, variant } from '../rules/helpers.ts';

const schema = JSON.parse(readFileSync(new URL('../../schema/report.schema.json', import.meta.url), 'utf8'));
const compiled = new Ajv({ allErrors: true, strict: false }).compile(schema);

// Every kind, spelt once: the compiler fails here when OtlpProbeResultKind gains one the list lacks.
const KINDS: Record<OtlpProbeResultKind, true> = {
  'otlp-http-ok': true, 'grpc-ok': true, 'tls-ok': true, 'wrong-protocol': true, 'wrong-path': true, rejected: true, 'tls-expected': true,
  'plaintext-expected': true, 'no-answer': true, refused: true, timeout: true, 'dns-failure': true, 'not-run': true,
};

test('apps[].otlpProbe: the worst answer to the app\'s own protocol, every kind in the schema', () => {
  assert.deepEqual([...schema.properties.apps.items.properties.otlpProbe.enum].sort(), Object.keys(KINDS).sort());
  const s = variant(loadSnapshot('healthy-helm'), (x) => {
    const from = { namespace: 'shop', pod: x.apps[0].pod, container: 'cart' };
    const target = { kind: 'app-endpoint' as const, host: 'otel-collector.observability.svc.cluster.local', port: 4318 };
    x.probes = [
      { from, target, result: 'connected', otlp: { sent: 'http-post', path: '/v1/traces', result: 'otlp-http-ok', status: 200, detail: 'ok' } },
      { from, target: { ...target, signal: 'logs' }, result: 'connected', otlp: { sent: 'http-post', path: '/v1/logs', result: 'wrong-path', status: 404, detail: '404' } },
    ];
  });
  const doc = JSON.parse(renderReport(judge(s), 'json')) as { apps: { container: string; otlpProbe?: string }[] };
  // a plain boolean: ajv's type guard would narrow the document away
  const valid = compiled(doc) as boolean;
  assert.ok(valid, JSON.stringify(compiled.errors));
  assert.equal(doc.apps.find((a) => a.container === 'cart')?.otlpProbe, 'wrong-path');
  assert.equal(doc.apps.find((a) => a.container !== 'cart')?.otlpProbe, undefined, 'absent where no probe spoke');
});
