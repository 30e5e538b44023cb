// The operator's release as diagnose reads it from the operator's own Deployment, end to end: the
// scenario operator-multi-instrumentation (Node.js and Python by container names, the Instrumentation
// naming the gRPC port) in the simulated cluster with the operator stand-in at two releases. Operator
// 0.121.0 injects the Node.js image 0.53.0 (gRPC: fine, but it leaves health_check on the collector's
// localhost default); 0.158.0 the image 0.78.0 (http/protobuf to the gRPC port: app-protocol-port-mismatch).
// --operator-version decides without the lookup; a tenant who may not list Deployments gets the release
// from the CR's status.version instead of an assumption.
// Needs root (network namespaces); skips otherwise.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAsync } from '../helpers/run.ts';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const PLUGIN = join(REPO, 'bin/kubectl-otel_doctor');
const MANIFESTS = join(REPO, 'test/scenarios/operator-multi-instrumentation/manifests');
const skip = process.getuid?.() !== 0 ? 'needs root: the simulated cluster creates network namespaces' : false;

interface Report { findings: { rule: string; subject: { name: string; container?: string } }[]; notes?: string[]; collectors?: unknown[] }

async function diagnose(kubeconfig: string, args: string[] = []): Promise<Report> {
  const r = await runAsync(PLUGIN, ['diagnose', '-n', 'observability', '-o', 'json', ...args], { KUBECONFIG: kubeconfig, NO_COLOR: '1' }, 120_000);
  try {
    return JSON.parse(r.stdout) as Report;
  } catch {
    assert.fail(`no JSON report (exit ${r.code})\nstderr:\n${r.stderr}`);
  }
}
const rows = (r: Report) => r.findings.map((f) => `${f.rule} ${f.subject.name}/${f.subject.container ?? ''}`).sort();

describe('diagnose reads the operator release from its Deployment', { skip, concurrency: 1 }, () => {
  test('operator 0.121.0: the Node.js agent exports gRPC, and the gRPC port is right; its health_check stays on localhost', { timeout: 240_000 }, async () => {
    const { startCluster } = await import('../sim/cli.ts');
    const cluster = await startCluster({ manifests: [MANIFESTS], operatorVersion: '0.121.0', log: () => {} });
    try {
      const r = await diagnose(cluster.kubeconfig);
      // 0.110 .. 0.121 default receiver endpoints but not health_check's (from 0.122), while the probes
      // they write target the pod IP: the collector 0.121.0 binds localhost:13133.
      assert.deepEqual(rows(r), ['health-check-bound-to-loopback otel-collector/otc-container']);
      assert.ok(
        (r.notes ?? []).includes(`OpenTelemetry operator 0.121.0 (Deployment opentelemetry-operator-system/opentelemetry-operator-controller-manager, image ghcr.io/open-telemetry/opentelemetry-operator/opentelemetry-operator:0.121.0): its release's defaults are applied`),
        JSON.stringify(r.notes),
      );
    } finally {
      await cluster.stop();
    }
  });

  test('operator 0.158.0: http/protobuf to the gRPC port; the flag overrides; without list on Deployments the CR status tells', { timeout: 240_000 }, async () => {
    const { startCluster } = await import('../sim/cli.ts');
    const cluster = await startCluster({ manifests: [MANIFESTS], operatorVersion: '0.158.0', log: () => {} });
    try {
      assert.deepEqual(rows(await diagnose(cluster.kubeconfig)), ['app-protocol-port-mismatch web/api']);
      assert.deepEqual(rows(await diagnose(cluster.kubeconfig, ['--operator-version', '0.121.0'])), []);
      // A tenant may not list Deployments anywhere but its namespaces: the CR's status.version tells instead.
      const tenant = await diagnose(cluster.kubeconfigFor('namespaced-only'));
      assert.ok((tenant.collectors ?? []).length > 0, 'the tenant sees the operator-managed collector, so the operator is looked up');
      assert.equal((tenant.notes ?? []).some((n) => /operator version unknown/.test(n)), false, JSON.stringify(tenant.notes));
    } finally {
      await cluster.stop();
    }
  });
});
