// Every upstream fixture set (manifests nobody here wrote, used unchanged) loads into the simulated
// cluster and settles. Needs root (network namespaces); skips otherwise.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { typeByKind } from '../../store.ts';

const here = dirname(fileURLToPath(import.meta.url));
const UPSTREAM = join(here, '../../../../../shared/fixtures/upstream');
const sets = existsSync(UPSTREAM) ? readdirSync(UPSTREAM, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort() : [];
const skip = process.getuid?.() !== 0 ? 'needs root: the simulated cluster creates network namespaces' : !sets.length ? `no fixtures at ${UPSTREAM}` : false;

describe('upstream fixtures settle in the simulated cluster', { skip }, () => {
  for (const set of sets) {
    test(set, { timeout: 120_000 }, async () => {
      const { startCluster } = await import('../../cli.ts');
      const lines: string[] = [];
      const cluster = await startCluster({ manifests: [join(UPSTREAM, set)], log: (l) => lines.push(l) });
      try {
        const pods = cluster.store.list(typeByKind('Pod')!);
        // Besides CoreDNS, the set's own workloads must have pods (the operator samples have only CRs).
        const own = pods.filter((p) => p.metadata.namespace !== 'kube-system');
        if (set !== 'operator-samples') { assert.ok(own.length > 0, `no pods for ${set}`); }
        for (const p of own) { assert.ok(p.spec.nodeName, `${p.metadata.name} unscheduled`); }
        process.stderr.write(`${set}: ${pods.length} pods settled in ${(cluster.bringUpMs / 1000).toFixed(1)} s\n`);
      } finally {
        await cluster.stop();
      }
    });
  }
});
