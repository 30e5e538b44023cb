// Hostile OTLP endpoint values (shell metacharacters, backticks, $(...)) must reach no shell: the plugin
// validates hosts before they get near a command and spawns argv arrays. Proven on the simulated cluster,
// whose exec runs real processes on this machine's filesystem: a value that executed anywhere (in the
// plugin, in an exec probe) would leave a /tmp/pwned* file behind. Needs root; skips otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { runAsync } from '../helpers/run.ts';

const here = dirname(fileURLToPath(import.meta.url));
const PLUGIN = resolve(here, '../../bin/kubectl-otel_doctor');
const skip = process.getuid?.() !== 0 ? 'needs root: the simulated cluster creates network namespaces' : false;

/** /tmp/pwned* entries with their mtimes: a file that appears or changes during the run is proof of execution. */
function pwnedFiles(): Map<string, number> {
  const m = new Map<string, number>();
  for (const f of readdirSync('/tmp')) { if (f.startsWith('pwned')) { m.set(f, statSync(join('/tmp', f)).mtimeMs); } }
  return m;
}

const run = (cmd: string, args: string[], env: Record<string, string>) => runAsync(cmd, args, env, 120_000);

function hostileApp(name: string, env: unknown[]): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop', labels: { app: name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations: { 'sim.otel-doctor.io/sdk': 'go' } },
        spec: { containers: [{ name, image: 'busybox:1.36', env: [{ name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'grpc' }, ...env] }] },
      },
    },
  };
}

test('hostile OTEL_EXPORTER_OTLP_ENDPOINT values: one malformed finding each, nothing executes', { skip, timeout: 240_000 }, async () => {
  const tag = `pwned-${process.pid}`;
  // Besides the scenario's `http://x;touch /tmp/pwned:4317`: backticks, $(...), a pipe, and a value that
  // arrives through a ConfigMap rather than the pod spec.
  const extra = mkdtempSync(join(tmpdir(), 'otel-doctor-hostile-'));
  const values: Record<string, string> = {
    backtick: `http://x\`touch /tmp/${tag}-backtick\`:4317`,
    subshell: `http://$(touch /tmp/${tag}-subshell):4317`,
    pipe: `http://x|touch /tmp/${tag}-pipe:4317`,
    configmap: `http://x;touch /tmp/${tag}-configmap;:4317`,
  };
  writeFileSync(join(extra, '30-hostile.yaml'), [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'otel-endpoint', namespace: 'shop' }, data: { endpoint: values.configmap } },
    hostileApp('backtick', [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: values.backtick }]),
    hostileApp('subshell', [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: values.subshell }]),
    hostileApp('pipe', [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: values.pipe }]),
    hostileApp('configmap', [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', valueFrom: { configMapKeyRef: { name: 'otel-endpoint', key: 'endpoint' } } }]),
  ].map((d) => stringify(d)).join('---\n'));

  const before = pwnedFiles();
  const { startCluster } = await import('../sim/cli.ts');
  const cluster = await startCluster({ manifests: [join(here, 'app-endpoint-malformed/manifests'), extra], log: () => {} });
  try {
    const first = cluster.api.requests.length;
    const env = { KUBECONFIG: cluster.kubeconfig, NO_COLOR: '1' };
    const json = await run(PLUGIN, ['diagnose', '-o', 'json', '-n', 'observability'], env);
    assert.equal(json.code, 1, json.stderr);
    const report = JSON.parse(json.stdout) as { findings: Array<{ rule: string; subject: { name: string; namespace?: string } }> };
    // The table path renders the same values: it must cope too.
    const wide = await run(PLUGIN, ['diagnose', '-o', 'wide', '-n', 'observability'], env);
    assert.equal(wide.code, 1, wide.stderr);

    for (const name of ['payment', ...Object.keys(values)]) {
      const rows = report.findings.filter((f) => f.subject.namespace === 'shop' && f.subject.name === name).map((f) => f.rule);
      assert.deepEqual(rows, ['app-endpoint-malformed'], `findings of ${name}`);
    }
    // The hostile text never became (part of) a command: exec requests carry their argv in the query.
    const execs = cluster.api.requests.slice(first).filter((e) => e.subresource === 'exec');
    const argvs = execs.map((e) => new URLSearchParams(e.query).getAll('command').join(' '));
    assert.ok(execs.length > 0 && argvs.every((a) => a.length > 0), 'the plugin probed with exec, and each exec carries its command');
    assert.deepEqual(argvs.filter((a) => /pwned|touch/.test(a)), [], 'exec commands built from a hostile value');
  } finally {
    await cluster.stop();
    rmSync(extra, { recursive: true, force: true });
  }
  const after = pwnedFiles();
  const appeared = [...after].filter(([f, t]) => before.get(f) !== t).map(([f]) => f);
  assert.deepEqual(appeared, [], 'files created by a hostile value');
});
