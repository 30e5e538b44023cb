// Virtual nodes and pods are IPv4 only (their addresses, ranges, bridge and resolver: virtual.ts,
// virtual-exec.ts): startCluster refuses them on an ipv6 or dual-stack cluster with a usage error,
// before anything is made (no run, no state dir). Needs root (startCluster's first check); skips otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const skip = process.getuid?.() !== 0 ? 'needs root: startCluster checks for it first' : false;

test('--virtual-nodes / --virtual-manifests are refused unless the ip family is ipv4', { skip }, async () => {
  const { startCluster, UsageError } = await import('../../cli.ts');
  const dir = mkdtempSync(join(tmpdir(), 'sim-virtual-family-'));
  try {
    writeFileSync(join(dir, 'apps.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: { name: team-a }\n');
    for (const ipFamily of ['ipv6', 'dual'] as const) {
      for (const opts of [{ virtualNodes: 2 }, { virtualManifests: [dir] }, { virtualManifests: [dir], virtualNodes: 0 }]) {
        const lines: string[] = [];
        await assert.rejects(startCluster({ manifests: [], ipFamily, ...opts, log: (l) => lines.push(l) }),
          (e: Error) => e instanceof UsageError && /need --ip-family ipv4 \(virtual nodes and pods are IPv4 only\), got /.test(e.message) && e.message.endsWith(ipFamily),
          `${ipFamily} ${JSON.stringify(opts)}`);
        assert.deepEqual(lines.filter((l) => l.startsWith('sim: run ')), [], 'refused before a run starts');
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
