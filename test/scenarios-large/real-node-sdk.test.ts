// generate.ts --real-node-sdk: which Node apps keep the annotation that runs the real OpenTelemetry JS SDK.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { generateLargeScenario } from './generate.ts';

function nodeApps(realNodeSdk?: number): { annotated: string[]; plain: string[] } {
  const out = { annotated: [] as string[], plain: [] as string[] };
  for (const [name, text] of generateLargeScenario({ apps: 50, realNodeSdk })) {
    if (!name.startsWith('20-apps-')) { continue; }
    for (const d of parseAllDocuments(text)) {
      const o = d.toJS() as { kind: string; metadata: { name: string }; spec: { template: { metadata: { annotations?: Record<string, string> }; spec: { containers: { image: string }[] } } } };
      if (o.kind !== 'Deployment' || !o.spec.template.spec.containers[0].image.startsWith('node:')) { continue; }
      const sdk = o.spec.template.metadata.annotations?.['sim.otel-doctor.io/sdk'];
      assert.ok(sdk === undefined || sdk === 'node', `${o.metadata.name}: ${sdk}`);
      (sdk ? out.annotated : out.plain).push(o.metadata.name);
    }
  }
  return out;
}

test('every Node app runs the real SDK by default, none at 0, an even half at 0.5', () => {
  assert.deepEqual(nodeApps().plain, []);
  assert.equal(nodeApps().annotated.length, 10);
  assert.deepEqual(nodeApps(0).annotated, []);
  const half = nodeApps(0.5);
  assert.equal(half.annotated.length, 5);
  assert.equal(half.plain.length, 5);
  // Spread, not the first five: every other Node app (Node apps are app-003, app-008, app-013, ...).
  const idx = half.annotated.map((n) => Number(n.slice(4))).sort((a, b) => a - b);
  assert.deepEqual(idx, [8, 18, 28, 38, 48]);
});

test('a fraction outside 0..1 is refused', () => {
  assert.throws(() => generateLargeScenario({ realNodeSdk: 2 }), /fraction/);
  assert.throws(() => generateLargeScenario({ realNodeSdk: Number.NaN }), /fraction/);
});
