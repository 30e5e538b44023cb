// diagnose writes its report through the same src/output.ts as lint: a reader that closes stdout early
// (`| head -1`, `| true`) must end it quietly, with the exit code of the diagnosis, on a real (simulated)
// cluster. Needs root (the simulated cluster creates network namespaces); skips otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runClosedStdout } from '../helpers/run.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const skip = process.getuid?.() !== 0 ? 'needs root: the simulated cluster creates network namespaces' : false;

test('diagnose with stdout closed by its reader: no EPIPE error, exit code of the findings', { skip, timeout: 240_000 }, async () => {
  const { startCluster } = await import('../sim/cli.ts');
  const cluster = await startCluster({ manifests: [join(REPO, 'test/scenarios/seed/manifests')], log: () => {} });
  try {
    for (const o of ['wide', 'json']) {
      const r = await runClosedStdout(join(REPO, 'bin/kubectl-otel_doctor'), ['diagnose', '-n', 'observability', '-o', o], { KUBECONFIG: cluster.kubeconfig, NO_COLOR: '1' }, 150_000);
      assert.equal(r.stderr, '', `-o ${o}`);
      // the seed scenario has an error finding (receivers bound to 127.0.0.1)
      assert.equal(r.code, 1, `-o ${o}`);
    }
  } finally {
    await cluster.stop();
  }
});
