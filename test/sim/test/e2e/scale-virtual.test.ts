// A moderate standard large cluster (test/scenarios-large/standard.ts at ~20,000 pods, nearly all
// virtual) comes up through the real controllers and scheduler, and the simulator's memory grows by a
// bounded amount per pod. No time bound: a slow machine only takes longer. Needs root; skips otherwise.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from '../../cli.ts';
import { typeByKind } from '../../store.ts';
import { writeStandardCluster, type StandardCluster } from '../../../scenarios-large/standard.ts';

const skip = process.getuid?.() !== 0 ? 'needs root: the simulated cluster creates network namespaces' : false;
const POD = typeByKind('Pod')!;
/**
 * Generous: the simulator measured about 20-40 KB of RSS per virtual pod (README "Scale"); a copy per
 * event or per list, or an index that forgets to drop entries, shows up as several times that.
 */
const MAX_RSS_PER_POD = 100 * 1024;

describe('the standard large cluster at a moderate size', { skip }, () => {
  let cluster: Cluster;
  let sc: StandardCluster;
  let dir: string;
  let rssBefore = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sim-scale-'));
    sc = writeStandardCluster(dir, { nodes: 700, namespaces: 130, apps: 1300, replicas: 15 });
    const { startCluster } = await import('../../cli.ts');
    rssBefore = process.memoryUsage().rss;
    cluster = await startCluster({
      manifests: sc.manifests, virtualManifests: sc.virtualManifests, nodes: sc.nodes, virtualNodes: sc.virtualNodes,
      settleTimeoutMs: 3_600_000, log: () => {},
    });
  });
  after(async () => { await cluster?.stop(); rmSync(dir, { recursive: true, force: true }); });

  test('every pod the manifests make is there, Running and Ready, on the right kind of node', () => {
    assert.ok(sc.pods >= 20_000);
    const pods = cluster.store.select(POD, { unordered: true });
    const fromManifests = pods.filter((p) => p.metadata.namespace !== 'kube-system' && p.metadata.namespace !== 'opentelemetry-operator-system');
    assert.equal(fromManifests.length, sc.pods);
    const notReady = fromManifests.filter((p) => !(p.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True'));
    assert.deepEqual(notReady.map((p) => `${p.metadata.namespace}/${p.metadata.name}`), []);
    const real = fromManifests.filter((p) => p.spec.nodeName === 'sim-node-1').map((p) => p.metadata.labels?.['app.kubernetes.io/name'] ?? p.metadata.labels?.app);
    // The real node carries the gateways, the agent's pod there, and the restricted namespace's app.
    assert.deepEqual([...new Set(real)].sort(), ['otel-agent', 'otel-gateway-0', 'otel-gateway-1', 'otel-gateway-2', 'restricted-app']);
    const ds = cluster.store.get(typeByKind('DaemonSet')!, 'observability', 'otel-agent')!;
    assert.equal(ds.status.desiredNumberScheduled, 700);
    assert.equal(ds.status.numberReady, 700);
  });

  test('memory grows by a bounded amount per pod', () => {
    const perPod = (process.memoryUsage().rss - rssBefore) / sc.pods;
    assert.ok(perPod < MAX_RSS_PER_POD, `${Math.round(perPod / 1024)} KB of RSS per pod`);
  });
});
