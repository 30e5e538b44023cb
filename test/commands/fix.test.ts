// `fix` end to end: the real plugin (bin/kubectl-otel_doctor, as kubectl runs it) against the simulated
// cluster. Without --apply it shows diffs and writes nothing; with --apply it dry-runs, patches with the
// resourceVersion it read, rolls out, and the next diagnosis is clean. The simulator's audit trail of the
// plugin's requests is the proof of what was written. Needs root (network namespaces); skips otherwise.
// Run the build first (tsc, scripts/bundle.ts): bin runs dist/.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { runAsync, type RunResult } from '../helpers/run.ts';
import { typeByKind } from '../sim/store.ts';

const here = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(here, '../..');
const PLUGIN = join(REPO, 'bin/kubectl-otel_doctor');
const SCENARIOS = join(REPO, 'test/scenarios');
const skip = process.getuid?.() !== 0 ? 'needs root: the simulated cluster creates network namespaces' : false;

type Cluster = Awaited<ReturnType<typeof import('../sim/cli.ts')['startCluster']>>;
type Entry = Cluster['api']['requests'][number];

const env = (kubeconfig: string) => ({ KUBECONFIG: kubeconfig, NO_COLOR: '1' });
const run = (args: string[], kubeconfig: string, extra: Record<string, string> = {}) => runAsync(PLUGIN, args, { ...env(kubeconfig), ...extra }, 240_000);

/** The plugin's requests since `from` that are not reads (exec and access reviews are what a diagnosis sends). */
function writesSince(cluster: Cluster, from: number): Entry[] {
  return cluster.api.requests.slice(from).filter((e) => e.userAgent.startsWith('otel-doctor/'))
    .filter((e) => !['get', 'list', 'watch'].includes(e.verb) && !(e.verb === 'create' && (e.resource === 'selfsubjectaccessreviews' || (e.resource === 'pods' && e.subresource === 'exec'))));
}

const show = (es: Entry[]) => es.map((e) => `${e.verb} ${e.path}${e.query ? `?${e.query}` : ''} ${e.code}`);

function ctx(r: RunResult): string {
  return `exit ${r.code}\nstderr:\n${r.stderr}\nstdout:\n${r.stdout.slice(0, 6000)}`;
}

async function diagnoseJson(kubeconfig: string, args: string[]): Promise<{ code: number; findings: { rule: string; subject: { kind: string; namespace?: string; name: string } }[] }> {
  const r = await run(['diagnose', '-o', 'json', ...args], kubeconfig);
  assert.ok(r.stdout.trim().startsWith('{'), `diagnose printed no report\n${ctx(r)}`);
  return { code: r.code, findings: (JSON.parse(r.stdout) as { findings: { rule: string; subject: { kind: string; namespace?: string; name: string } }[] }).findings };
}

function configMap(cluster: Cluster, ns: string, name: string): { data: Record<string, string>; metadata: { annotations?: Record<string, string>; labels?: Record<string, string>; resourceVersion: string } } {
  return cluster.store.get(typeByKind('ConfigMap')!, ns, name) as never;
}

/** Runs `fix --apply` held after its diffs (OTEL_DOCTOR_FIX_HOLD_FILE); `whileHeld` runs once it says so. */
function runHeld(args: string[], kubeconfig: string, whileHeld: () => Promise<void>, at: 'dry-run' | 'write' = 'dry-run'): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'fix-hold-'));
  const file = join(dir, 'go');
  return new Promise((res, reject) => {
    const c = spawn(PLUGIN, args, { env: { ...process.env, ...env(kubeconfig), OTEL_DOCTOR_FIX_HOLD_FILE: file, OTEL_DOCTOR_FIX_HOLD_AT: at }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let released = false;
    c.stdout.on('data', (d) => { stdout += d; });
    c.stderr.on('data', (d) => {
      stderr += d;
      if (!released && stderr.includes(`fix: holding at ${at} until`)) {
        released = true;
        whileHeld().then(() => writeFileSync(file, ''), (e) => { c.kill('SIGKILL'); reject(e); });
      }
    });
    c.on('error', reject);
    c.on('close', (code) => {
      rmSync(dir, { recursive: true, force: true });
      res({ code: code ?? -1, stdout, stderr });
    });
  });
}

describe('fix in the simulated cluster', { skip, concurrency: 1 }, () => {
  test('seed: diffs without writing, a concurrent edit refused, then --apply --restart leaves a clean diagnosis', { timeout: 600_000 }, async () => {
    const { startCluster } = await import('../sim/cli.ts');
    const cluster = await startCluster({ manifests: [join(SCENARIOS, 'seed/manifests')], log: () => {} });
    try {
      const kc = cluster.kubeconfigFor('fixer');
      // 1. Without --apply: the diff of the ConfigMap key, and not one write.
      let from = cluster.api.requests.length;
      const dry = await run(['fix', '-n', 'observability'], kc);
      assert.equal(dry.code, 1, ctx(dry));
      assert.match(dry.stdout, /^diff -u -N LIVE\/v1\.ConfigMap\.observability\.otel-collector-config MERGED\/v1\.ConfigMap\.observability\.otel-collector-config$/m, ctx(dry));
      assert.match(dry.stdout, /^-\s+endpoint: localhost:4317$/m, ctx(dry));
      assert.match(dry.stdout, /^\+\s+endpoint: 0\.0\.0\.0:4317$/m, ctx(dry));
      assert.match(dry.stdout, /^\+\s+otel-doctor\.io\/fixed: receiver-bound-to-loopback \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m, ctx(dry));
      assert.match(dry.stdout, /Nothing was changed/);
      assert.deepEqual(show(writesSince(cluster, from)), [], 'fix without --apply wrote to the cluster');

      // --rule scopes it: another rule's findings only (none here), and an unknown rule is a usage error.
      const other = await run(['fix', '-n', 'observability', '--rule', 'service-port-mismatch'], kc);
      assert.equal(other.code, 0, ctx(other));
      assert.equal(other.stdout, 'No findings: nothing to fix.\n');
      const typo = await run(['fix', '-n', 'observability', '--rule', 'receiver-bound-to-loopbak'], kc);
      assert.equal(typo.code, 2, ctx(typo));
      assert.match(typo.stderr, /unknown rule "receiver-bound-to-loopbak"/);

      // 2. --apply without --yes and without a terminal refuses, writing nothing.
      from = cluster.api.requests.length;
      const noTty = await run(['fix', '-n', 'observability', '--apply'], kc);
      assert.equal(noTty.code, 2, ctx(noTty));
      assert.match(noTty.stderr, /without a confirmation/);
      assert.deepEqual(show(writesSince(cluster, from)), []);

      // 2b. On a terminal it asks; an answer other than yes writes nothing. `script` gives it a pseudo-terminal.
      from = cluster.api.requests.length;
      const tty = await runAsync('sh', ['-c', `printf 'n\\n' | script -qec "${PLUGIN} fix -n observability --apply" /dev/null`], env(kc), 240_000);
      assert.equal(tty.code, 2, ctx(tty));
      assert.match(tty.stdout, /Apply 1 change\(s\) to the cluster\? \[y\/N\]/, ctx(tty));
      assert.match(tty.stdout, /Nothing was changed\./, ctx(tty));
      assert.deepEqual(show(writesSince(cluster, from)), []);

      // 3. Someone edits the ConfigMap between the diff and the write: the dry run gets the 409, nothing is written.
      from = cluster.api.requests.length;
      const rvBefore = configMap(cluster, 'observability', 'otel-collector-config').metadata.resourceVersion;
      const raced = await runHeld(['fix', '-n', 'observability', '--apply', '--yes', '--restart'], kc, async () => {
        const k = await runAsync('kubectl', ['--kubeconfig', cluster.kubeconfig, 'label', 'configmap', 'otel-collector-config', '-n', 'observability', 'edited-by=someone-else'], {}, 60_000);
        assert.equal(k.code, 0, k.stderr);
      });
      assert.equal(raced.code, 4, ctx(raced));
      assert.match(raced.stdout, /409 Conflict: Operation cannot be fulfilled on configmaps "otel-collector-config": the object has been modified/, ctx(raced));
      assert.deepEqual(show(writesSince(cluster, from)), [`patch /api/v1/namespaces/observability/configmaps/otel-collector-config?dryRun=All 409`]);
      const cmRaced = configMap(cluster, 'observability', 'otel-collector-config');
      assert.notEqual(cmRaced.metadata.resourceVersion, rvBefore);
      assert.equal(cmRaced.metadata.labels?.['edited-by'], 'someone-else', 'the concurrent edit stays');
      assert.match(cmRaced.data['collector.yaml'], /endpoint: localhost:4317/, 'nothing of the fix was written');

      // 3b. The same between the dry run and the write: the write itself is refused, nothing is overwritten.
      from = cluster.api.requests.length;
      const late = await runHeld(['fix', '-n', 'observability', '--apply', '--yes', '--restart'], kc, async () => {
        const k = await runAsync('kubectl', ['--kubeconfig', cluster.kubeconfig, 'label', 'configmap', 'otel-collector-config', '-n', 'observability', 'edited-by=someone-else-again', '--overwrite'], {}, 60_000);
        assert.equal(k.code, 0, k.stderr);
      }, 'write');
      assert.equal(late.code, 4, ctx(late));
      assert.match(late.stdout, /refused the change to ConfigMap observability\/otel-collector-config: 409 Conflict: Operation cannot be fulfilled/, ctx(late));
      assert.match(late.stdout, /^Nothing was changed\.$/m, ctx(late));
      assert.deepEqual(show(writesSince(cluster, from)), [
        'patch /api/v1/namespaces/observability/configmaps/otel-collector-config?dryRun=All 200',
        'patch /apis/apps/v1/namespaces/observability/deployments/otel-collector?dryRun=All 200',
        'patch /api/v1/namespaces/observability/configmaps/otel-collector-config 409',
      ]);
      assert.match(configMap(cluster, 'observability', 'otel-collector-config').data['collector.yaml'], /endpoint: localhost:4317/, 'nothing of the fix was written');

      // 4. Apply, restart, wait, diagnose again: clean, and exactly the expected writes.
      const podsBefore = cluster.store.list(typeByKind('Pod')!, 'observability').map((p) => p.metadata.name);
      from = cluster.api.requests.length;
      const applied = await run(['fix', '-n', 'observability', '--apply', '--yes', '--restart', '--timeout', '3m'], kc);
      assert.equal(applied.code, 0, ctx(applied));
      assert.match(applied.stdout, /fixed\s+ERROR {2}receiver-bound-to-loopback {2}Deployment observability\/otel-collector/, ctx(applied));
      const writes = writesSince(cluster, from);
      assert.deepEqual(show(writes), [
        'patch /api/v1/namespaces/observability/configmaps/otel-collector-config?dryRun=All 200',
        'patch /apis/apps/v1/namespaces/observability/deployments/otel-collector?dryRun=All 200',
        'patch /api/v1/namespaces/observability/configmaps/otel-collector-config 200',
        'patch /apis/apps/v1/namespaces/observability/deployments/otel-collector 200',
      ], ctx(applied));
      const cm = configMap(cluster, 'observability', 'otel-collector-config');
      const cfg = parse(cm.data['collector.yaml']) as { receivers: { otlp: { protocols: Record<string, { endpoint: string }> } } };
      assert.equal(cfg.receivers.otlp.protocols.grpc.endpoint, '0.0.0.0:4317');
      assert.equal(cfg.receivers.otlp.protocols.http.endpoint, '0.0.0.0:4318');
      assert.match(cm.metadata.annotations?.['otel-doctor.io/fixed'] ?? '', /^receiver-bound-to-loopback \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(cm.metadata.labels?.['edited-by'], 'someone-else-again', 'the other edits are kept');
      const dep = cluster.store.get(typeByKind('Deployment')!, 'observability', 'otel-collector');
      assert.match(dep?.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'the restart is kubectl rollout restart\'s annotation');
      const podsAfter = cluster.store.list(typeByKind('Pod')!, 'observability').map((p) => p.metadata.name);
      assert.ok(!podsAfter.some((p) => podsBefore.includes(p)), `the collector pods were replaced: before ${podsBefore}, after ${podsAfter}`);

      const after = await diagnoseJson(cluster.kubeconfig, ['-n', 'observability']);
      assert.deepEqual(after.findings.map((f) => f.rule), []);
      assert.equal(after.code, 0);
    } finally {
      await cluster.stop();
    }
  });

  const others: { scenario: string; rule: string; restart: boolean; writes: string[]; check: (c: Cluster) => void }[] = [
    {
      scenario: 'receiver-default-loopback', rule: 'receiver-default-loopback', restart: true,
      writes: [
        'patch /api/v1/namespaces/observability/configmaps/otel-collector-config?dryRun=All 200',
        'patch /apis/apps/v1/namespaces/observability/deployments/otel-collector?dryRun=All 200',
        'patch /api/v1/namespaces/observability/configmaps/otel-collector-config 200',
        'patch /apis/apps/v1/namespaces/observability/deployments/otel-collector 200',
      ],
      check: (c) => {
        const cfg = parse(configMap(c, 'observability', 'otel-collector-config').data['collector.yaml']) as { receivers: { otlp: { protocols: Record<string, { endpoint?: string }> } } };
        assert.equal(cfg.receivers.otlp.protocols.grpc.endpoint, '0.0.0.0:4317');
      },
    },
    {
      scenario: 'health-check-bound-to-loopback', rule: 'health-check-bound-to-loopback', restart: true,
      writes: [
        'patch /api/v1/namespaces/observability/configmaps/otel-collector-config?dryRun=All 200',
        'patch /apis/apps/v1/namespaces/observability/deployments/otel-collector?dryRun=All 200',
        'patch /api/v1/namespaces/observability/configmaps/otel-collector-config 200',
        'patch /apis/apps/v1/namespaces/observability/deployments/otel-collector 200',
      ],
      check: (c) => {
        const cfg = parse(configMap(c, 'observability', 'otel-collector-config').data['collector.yaml']) as { extensions: { health_check: { endpoint: string } } };
        assert.match(cfg.extensions.health_check.endpoint, /^0\.0\.0\.0:/);
      },
    },
    {
      scenario: 'service-port-mismatch', rule: 'service-port-mismatch', restart: false,
      writes: [
        'patch /api/v1/namespaces/observability/services/otel-collector?dryRun=All 200',
        'patch /api/v1/namespaces/observability/services/otel-collector 200',
      ],
      check: () => undefined,
    },
    {
      // Three apps, two kinds of change: a Service port for the one whose protocol the Service lacks, the
      // endpoint env of the two that dial a port nothing serves.
      scenario: 'app-port-not-exposed', rule: 'app-port-not-exposed', restart: false,
      writes: [
        'patch /api/v1/namespaces/observability/services/otel-collector?dryRun=All 200',
        'patch /apis/apps/v1/namespaces/shop/deployments/checkout?dryRun=All 200',
        'patch /apis/apps/v1/namespaces/shop/deployments/legacy?dryRun=All 200',
        'patch /api/v1/namespaces/observability/services/otel-collector 200',
        'patch /apis/apps/v1/namespaces/shop/deployments/checkout 200',
        'patch /apis/apps/v1/namespaces/shop/deployments/legacy 200',
      ],
      check: () => undefined,
    },
    {
      // A pod template edit rolls the app out by itself: no --restart, and fix waits for the rollouts.
      scenario: 'app-protocol-port-mismatch', rule: 'app-protocol-port-mismatch', restart: false,
      writes: [
        'patch /apis/apps/v1/namespaces/shop/deployments/cart?dryRun=All 200',
        'patch /apis/apps/v1/namespaces/shop/deployments/frontend?dryRun=All 200',
        'patch /apis/apps/v1/namespaces/shop/deployments/cart 200',
        'patch /apis/apps/v1/namespaces/shop/deployments/frontend 200',
      ],
      check: (c) => {
        const env = (name: string) => (c.store.get(typeByKind('Deployment')!, 'shop', name)?.spec.template.spec.containers[0].env as { name: string; value?: string }[]).find((e) => e.name === 'OTEL_EXPORTER_OTLP_PROTOCOL')?.value;
        assert.equal(env('frontend'), 'http/protobuf');
        assert.equal(env('cart'), 'grpc');
      },
    },
  ];
  for (const o of others) {
    test(`${o.scenario}: fix --apply --yes${o.restart ? ' --restart' : ''} leaves no ${o.rule} finding`, { timeout: 600_000 }, async () => {
      const { startCluster } = await import('../sim/cli.ts');
      const cluster = await startCluster({ manifests: [join(SCENARIOS, o.scenario, 'manifests')], log: () => {} });
      try {
        const expected = parse((await import('node:fs')).readFileSync(join(SCENARIOS, o.scenario, 'expected.yaml'), 'utf8')) as { args: string[] };
        let from = cluster.api.requests.length;
        const dry = await run(['fix', ...expected.args], cluster.kubeconfig);
        assert.equal(dry.code, 1, ctx(dry));
        assert.match(dry.stdout, /^diff -u -N LIVE\//m, ctx(dry));
        assert.deepEqual(show(writesSince(cluster, from)), [], 'fix without --apply wrote to the cluster');

        from = cluster.api.requests.length;
        const applied = await run(['fix', ...expected.args, '--apply', '--yes', ...(o.restart ? ['--restart'] : []), '--timeout', '3m'], cluster.kubeconfig);
        assert.equal(applied.code, 0, ctx(applied));
        assert.deepEqual(show(writesSince(cluster, from)), o.writes, ctx(applied));
        o.check(cluster);
        const after = await diagnoseJson(cluster.kubeconfig, expected.args);
        assert.deepEqual(after.findings.filter((f) => f.rule === o.rule).map((f) => f.rule), [], ctx(applied));
      } finally {
        await cluster.stop();
      }
    });
  }

  test('an operator-managed collector: fix patches the OpenTelemetryCollector CR, never the generated ConfigMap, and waits for the operator\'s rollout', { timeout: 600_000 }, async () => {
    const { startCluster } = await import('../sim/cli.ts');
    const cluster = await startCluster({ manifests: [join(here, 'fix-fixtures/operator-loopback')], log: () => {} });
    try {
      const from = cluster.api.requests.length;
      const r = await run(['fix', '-n', 'observability', '--apply', '--yes', '--timeout', '3m'], cluster.kubeconfigFor('fixer'));
      assert.equal(r.code, 0, ctx(r));
      assert.match(r.stdout, /^diff -u -N LIVE\/opentelemetry\.io\.v1beta1\.OpenTelemetryCollector\.observability\.otel /m, ctx(r));
      assert.deepEqual(show(writesSince(cluster, from)), [
        'patch /apis/opentelemetry.io/v1beta1/namespaces/observability/opentelemetrycollectors/otel?dryRun=All 200',
        'patch /apis/opentelemetry.io/v1beta1/namespaces/observability/opentelemetrycollectors/otel 200',
      ], ctx(r));
      const cr = cluster.store.get(typeByKind('OpenTelemetryCollector')!, 'observability', 'otel');
      assert.equal(cr?.spec.config.receivers.otlp.protocols.grpc.endpoint, '0.0.0.0:4317');
      const after = await diagnoseJson(cluster.kubeconfig, ['-n', 'observability']);
      assert.deepEqual(after.findings.filter((f) => f.rule === 'receiver-bound-to-loopback'), []);
    } finally {
      await cluster.stop();
    }
  });

  test('a Helm-managed collector: fix prints the helm upgrade command and writes nothing, even with --apply', { timeout: 600_000 }, async () => {
    const { startCluster } = await import('../sim/cli.ts');
    const cluster = await startCluster({ manifests: [join(here, 'fix-fixtures/helm-loopback'), join(SCENARIOS, 'upstream-helm-deployment/manifests')], log: () => {} });
    try {
      const from = cluster.api.requests.length;
      const r = await run(['fix', '-n', 'default', '--apply', '--yes', '--restart'], cluster.kubeconfig);
      assert.equal(r.code, 1, ctx(r));
      assert.match(r.stdout, /receiver-bound-to-loopback/, ctx(r));
      assert.match(r.stdout, /^\s+helm upgrade example open-telemetry\/opentelemetry-collector -n default --reuse-values .*--set config\.receivers\.otlp\.protocols\.grpc\.endpoint=0\.0\.0\.0:4317$/m, ctx(r));
      assert.doesNotMatch(r.stdout, /^diff -u -N/m, ctx(r));
      assert.match(r.stdout, /^Nothing was changed\.$/m, ctx(r));
      assert.deepEqual(show(writesSince(cluster, from)), [], 'fix patched a Helm-managed object');
    } finally {
      await cluster.stop();
    }
  });
});
