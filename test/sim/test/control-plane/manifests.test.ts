import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyObjects, loadManifests, parseManifestText, undeclaredNamespaces } from '../../manifests.ts';
import { Store, typeByKind } from '../../store.ts';
import { startControllers } from '../../controllers.ts';

const here = dirname(fileURLToPath(import.meta.url));
const UPSTREAM = join(here, '../../../../../shared/fixtures/upstream');
const SCENARIOS = join(here, '../../../scenarios');

test('multi-document YAML, List kinds and empty documents', () => {
  const objs = parseManifestText(`---
# only a comment
---
apiVersion: v1
kind: ConfigMap
metadata: { name: a }
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Service
    metadata: { name: s }
  - apiVersion: v1
    kind: ServiceList
    items: [{ apiVersion: v1, kind: Secret, metadata: { name: x } }]
---
`, 'inline');
  assert.deepEqual(objs.map((o) => `${o.kind}/${o.metadata.name}`), ['ConfigMap/a', 'Service/s', 'Secret/x']);
  assert.throws(() => parseManifestText('kind: [unclosed', 'bad.yaml'), /bad\.yaml/);
});

test('directories load recursively in path order; unserved kinds are skipped; creation order puts dependencies first', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-manifests-'));
  try {
    mkdirSync(join(dir, 'sub'));
    mkdirSync(join(dir, '.hidden'));
    writeFileSync(join(dir, 'b-deploy.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d, namespace: shop }\nspec: {}\n');
    writeFileSync(join(dir, 'a-svc.yml'), 'apiVersion: v1\nkind: Service\nmetadata: { name: s, namespace: shop }\n---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: { name: foos.example.com }\n');
    writeFileSync(join(dir, 'sub', 'ns.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }));
    writeFileSync(join(dir, 'sub', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c, namespace: other }\n');
    writeFileSync(join(dir, '.hidden', 'x.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: { name: hidden }\n');
    writeFileSync(join(dir, 'README.md'), '# not a manifest\n');
    const r = loadManifests([dir]);
    assert.deepEqual(r.files.map((f) => f.slice(dir.length + 1)), ['a-svc.yml', 'b-deploy.yaml', 'sub/cm.yaml', 'sub/ns.json']);
    assert.deepEqual(r.objects.map((o) => `${o.object.kind}/${o.object.metadata.name}`), ['Namespace/shop', 'ConfigMap/c', 'Service/s', 'Deployment/d']);
    assert.deepEqual(r.skipped.map((s) => `${s.kind}/${s.name}`), ['CustomResourceDefinition/foos.example.com']);
    assert.deepEqual(undeclaredNamespaces(r.objects, ['default']), ['other']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const upstreamSets = existsSync(UPSTREAM) ? readdirSync(UPSTREAM, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name) : [];

test('the upstream fixture folders exist', { skip: upstreamSets.length ? false : `no ${UPSTREAM}` }, () => {
  assert.ok(upstreamSets.length >= 5, upstreamSets.join(','));
});

for (const set of upstreamSets) {
  test(`upstream ${set} loads unchanged and its workloads get pods`, async () => {
    const r = loadManifests([join(UPSTREAM, set)]);
    assert.ok(r.objects.length > 0);
    for (const s of r.skipped) { process.stderr.write(`skipped ${set}: ${s.kind} ${s.name} (${s.source})\n`); }
    const store = new Store();
    for (const n of ['sim-node-1', 'sim-node-2']) { store.create(typeByKind('Node')!, { apiVersion: 'v1', kind: 'Node', metadata: { name: n, labels: { 'kubernetes.io/os': 'linux' } } }); }
    const ctl = startControllers(store, { debounceMs: 1 });
    const nsType = typeByKind('Namespace')!;
    for (const ns of undeclaredNamespaces(r.objects)) { store.create(nsType, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }); }
    applyObjects(r.objects, (o, t) => store.create(t, o), (o, t) => store.update(t, o));
    await ctl.flush();
    const workloads = r.objects.filter((o) => ['Deployment', 'DaemonSet', 'StatefulSet'].includes(o.object.kind));
    const pods = store.list(typeByKind('Pod')!);
    for (const w of workloads) {
      const expected = w.object.kind === 'DaemonSet' ? 2 : (w.object.spec?.replicas ?? 1);
      const mine = pods.filter((p) => p.metadata.namespace === (w.object.metadata.namespace ?? 'default') && (p.metadata.name.startsWith(`${w.object.metadata.name}-`)));
      assert.ok(mine.length >= expected, `${w.object.kind}/${w.object.metadata.name}: ${mine.length} pods, want ${expected}`);
      assert.ok(mine.every((p) => p.spec.nodeName), 'all scheduled');
    }
    ctl.stop();
  });
}

// A scenario's own manifests live in <scenario>/manifests (beside its README and expected.yaml); upstream
// folders it reuses are loaded by e2e-upstream.test.ts.
const scenarios = existsSync(SCENARIOS) ? readdirSync(SCENARIOS).filter((s) => existsSync(join(SCENARIOS, s, 'manifests'))) : [];
for (const s of scenarios) {
  test(`scenario ${s} parses and declares every namespace it uses`, () => {
    const r = loadManifests([join(SCENARIOS, s, 'manifests')]);
    assert.ok(r.objects.length > 0);
    assert.deepEqual(r.skipped, []);
    assert.deepEqual(undeclaredNamespaces(r.objects, ['default', 'kube-system']), []);
  });
}
