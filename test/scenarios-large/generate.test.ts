// The large benchmark scenario is what its numbers claim: 3 collectors, 50 app Deployments x 2 replicas
// over 5 namespaces, every object loadable by the simulator's manifest reader. No root needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { loadManifests } from '../sim/manifests.ts';
import { writeLargeScenario } from './generate.ts';

test('default large scenario: shape and loadability', () => {
  const dir = writeLargeScenario();
  try {
    const loaded = loadManifests([dir]);
    const { skipped } = loaded;
    const objects = loaded.objects.map((o) => o.object);
    assert.deepEqual(skipped, []);
    const of = (kind: string) => objects.filter((o) => o.kind === kind);
    assert.deepEqual(of('Namespace').map((n) => n.metadata.name).sort(), ['observability', 'team-1', 'team-2', 'team-3', 'team-4', 'team-5']);
    const deploys = of('Deployment');
    const collectors = deploys.filter((d) => d.metadata.namespace === 'observability');
    const apps = deploys.filter((d) => d.metadata.namespace !== 'observability');
    assert.equal(collectors.length, 3);
    assert.equal(apps.length, 50);
    assert.ok(apps.every((d) => d.spec.replicas === 2));
    for (let n = 1; n <= 5; n++) { assert.equal(apps.filter((d) => d.metadata.namespace === `team-${n}`).length, 10); }
    // Every app exports to a collector Service that exists.
    const svcs = new Set(of('Service').map((s) => `${s.metadata.name}.${s.metadata.namespace}`));
    for (const a of apps) {
      const ep = a.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT').value as string;
      const host = new URL(ep).hostname.split('.');
      assert.ok(svcs.has(`${host[0]}.${host[1]}`), ep);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('options scale it', () => {
  const dir = writeLargeScenario(undefined, { collectors: 1, apps: 4, replicas: 1, namespaces: 2 });
  try {
    const objects = loadManifests([dir]).objects.map((o) => o.object);
    assert.equal(objects.filter((o) => o.kind === 'Deployment').length, 5);
    assert.equal(objects.filter((o) => o.kind === 'Namespace').length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
