// A fleet: several kubeconfig contexts diagnosed in one run. The fan-out and merge (src/fleet.ts) are
// tested on their own, then the real plugin (bin/, as kubectl runs it) diagnoses two simulated clusters
// up at once, one broken (the seed scenario) and one healthy (seed-fixed), plus a context whose API
// server port is closed. Needs root for the simulated clusters; those tests skip otherwise.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { stringify } from 'yaml';
import { contextNames } from '../../src/cluster/kubeconfig.ts';
import { CannotDiagnoseError, KubeconfigError } from '../../src/errors.ts';
import { commandInContext, mergeReports, runFleet, worstExitCode, type ClusterResult } from '../../src/fleet.ts';
import type { Finding, Report } from '../../src/report/finding.ts';
import { renderMarkdown } from '../../src/report/render/markdown.ts';
import { renderSarif } from '../../src/report/render/sarif.ts';
import { renderFleetTable } from '../../src/report/render/table.ts';
import { renderWide } from '../../src/report/render/wide.ts';
import { runAsync, runFromSources } from '../helpers/run.ts';

const here = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(here, '../..');
const PLUGIN = join(REPO, 'bin/kubectl-otel_doctor');
const skip = process.getuid?.() !== 0 ? 'needs root: the simulated cluster creates network namespaces' : false;
const schema = JSON.parse(readFileSync(join(REPO, 'schema/report.schema.json'), 'utf8'));
const compiled = new Ajv({ allErrors: true, strict: false }).compile(schema);
const validate = (d: unknown): boolean => compiled(d) as boolean;

function finding(name: string, severity: Finding['severity'] = 'error'): Finding {
  return {
    rule: 'receiver-bound-to-loopback',
    severity,
    subject: { kind: 'Deployment', namespace: 'observability', name },
    summary: 'receiver otlp/grpc listens on 127.0.0.1:4317',
    rootCause: 'Only the pod itself can connect.',
    evidence: [{ source: 'config', detail: 'receivers.otlp.protocols.grpc.endpoint: 127.0.0.1:4317' }],
    fix: { summary: 'Listen on 0.0.0.0:4317.' },
  };
}

function report(findings: Finding[]): Report {
  const count = (s: Finding['severity']) => findings.filter((f) => f.severity === s).length;
  return {
    schemaVersion: 'otel-doctor/v1',
    mode: 'diagnose',
    collectors: [{ namespace: 'observability', name: 'otel-collector', image: 'otel/opentelemetry-collector:0.120.0', version: '0.120.0', ready: true, endpoints: ['otlp/grpc 0.0.0.0:4317 (all-interfaces)'] }],
    apps: [{ namespace: 'shop', pod: 'checkout-1', container: 'app', endpoint: 'http://otel-collector.observability:4317' }],
    checks: [{ name: 'receiver-bound-to-loopback', subject: 'Deployment observability/otel-collector', status: findings.length ? 'fail' : 'pass' }],
    findings,
    summary: { errors: count('error'), warnings: count('warning'), infos: count('info') },
  };
}

const byErrors = (r: Report) => (r.summary.errors > 0 ? 1 : 0);

describe('runFleet', () => {
  test('never runs more than the bound at once, and returns the results in the order of the contexts', async () => {
    let inFlight = 0;
    let most = 0;
    const gates: Array<() => void> = [];
    const started: string[] = [];
    const contexts = ['a', 'b', 'c', 'd', 'e'];
    const run = runFleet(contexts, 2, async (ctx) => {
      started.push(ctx);
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise<void>((r) => gates.push(r));
      inFlight--;
      return report(ctx === 'b' ? [finding('x')] : []);
    }, byErrors);
    // Release whichever diagnosis waits, last started first, so they finish out of order.
    while (started.length < contexts.length || gates.length > 0) {
      await new Promise((r) => setImmediate(r));
      gates.pop()?.();
    }
    const results = await run;
    assert.equal(most, 2);
    assert.deepEqual(results.map((r) => r.cluster), contexts);
    assert.deepEqual(results.map((r) => r.exitCode), [0, 1, 0, 0, 0]);
  });

  test('a cluster that cannot be diagnosed is a finding for it with exit 3; the others still report', async () => {
    const results = await runFleet(['up', 'down', 'ghost'], 4, async (ctx) => {
      if (ctx === 'down') { throw new CannotDiagnoseError('cannot reach the API server at https://127.0.0.1:1: connect ECONNREFUSED'); }
      if (ctx === 'ghost') { throw new KubeconfigError('context "ghost" does not exist', { hint: 'known contexts: up, down' }); }
      return report([finding('otel-collector', 'warning')]);
    }, byErrors);
    assert.deepEqual(results.map((r) => [r.cluster, r.exitCode]), [['up', 0], ['down', 3], ['ghost', 3]]);
    const down = results[1]!.report.findings;
    assert.equal(down.length, 1);
    assert.equal(down[0]!.rule, 'check-incomplete');
    assert.equal(down[0]!.severity, 'error');
    assert.deepEqual(down[0]!.subject, { kind: 'Cluster', name: 'down' });
    assert.match(down[0]!.evidence[0]!.detail, /ECONNREFUSED/);
    assert.equal(results[2]!.report.findings[0]!.fix.summary, 'known contexts: up, down');
    assert.equal(worstExitCode(results), 3);
  });

  test("each finding's fix commands act on its own cluster, whatever the current context", async () => {
    const f = finding('otel-collector');
    f.fix.commands = { apply: ['kubectl edit configmap/otel-collector-config -n observability'], restart: 'kubectl rollout restart deployment/otel-collector -n observability', verify: 'kubectl otel-doctor diagnose -n observability --collector otel-collector' };
    const [r] = await runFleet(['prod eu'], 1, async () => report([f]), byErrors);
    assert.deepEqual(r!.report.findings[0]!.fix.commands, {
      apply: ["kubectl --context 'prod eu' edit configmap/otel-collector-config -n observability"],
      restart: "kubectl --context 'prod eu' rollout restart deployment/otel-collector -n observability",
      verify: "kubectl otel-doctor diagnose --context 'prod eu' -n observability --collector otel-collector",
    });
  });

  test('commandInContext: helm and its $(helm ...) take --kube-context; a here-document body is left alone', () => {
    assert.equal(
      commandInContext(`helm upgrade otel open-telemetry/opentelemetry-collector -n o --reuse-values --version "$(helm get metadata otel -n o | awk '/^VERSION:/ {print $2}')" -f - <<'EOF'\nconfig: {}\nEOF`, 'prod'),
      `helm --kube-context prod upgrade otel open-telemetry/opentelemetry-collector -n o --reuse-values --version "$(helm --kube-context prod get metadata otel -n o | awk '/^VERSION:/ {print $2}')" -f - <<'EOF'\nconfig: {}\nEOF`,
    );
    assert.equal(commandInContext("kubectl apply -f - <<'EOF'\nkubectl apply: not a command here\nEOF", 'c'), "kubectl --context c apply -f - <<'EOF'\nkubectl apply: not a command here\nEOF");
  });

  test('a bug (not a DoctorError) is not hidden as an unreachable cluster', async () => {
    await assert.rejects(runFleet(['a'], 1, async () => { throw new TypeError('x is undefined'); }, byErrors), TypeError);
  });

  test('the worst exit code wins: 0 < 1 < 3', () => {
    assert.equal(worstExitCode([]), 0);
    assert.equal(worstExitCode([{ exitCode: 0 }, { exitCode: 1 }, { exitCode: 0 }]), 1);
    assert.equal(worstExitCode([{ exitCode: 3 }, { exitCode: 1 }]), 3);
  });
});

describe('the merged report', () => {
  const results: ClusterResult[] = [
    { cluster: 'prod', report: report([finding('otel-collector')]), exitCode: 1 },
    { cluster: 'staging', report: report([finding('otel-collector'), finding('otel-agent', 'warning')]), exitCode: 1 },
    { cluster: 'dev', report: report([]), exitCode: 0 },
  ];
  const merged = mergeReports(results, '2026-12-05T00:00:00Z');

  test('every finding, check, collector and app names its cluster; the summary adds up; it validates', () => {
    assert.deepEqual(merged.findings.map((f) => `${f.cluster} ${f.subject.name}`), ['prod otel-collector', 'staging otel-collector', 'staging otel-agent']);
    assert.deepEqual(merged.collectors.map((c) => c.cluster), ['prod', 'staging', 'dev']);
    assert.deepEqual(merged.apps.map((a) => a.cluster), ['prod', 'staging', 'dev']);
    assert.ok(merged.checks.every((c) => c.cluster));
    assert.deepEqual(merged.summary, { errors: 2, warnings: 1, infos: 0 });
    assert.ok(validate(JSON.parse(JSON.stringify(merged))), JSON.stringify(compiled.errors));
  });

  test('SARIF: the same finding in two clusters is two alerts, each with its cluster', () => {
    const sarif = JSON.parse(renderSarif(merged)) as { runs: { results: { partialFingerprints: Record<string, string>; properties: { cluster?: string } }[] }[] };
    const rs = sarif.runs[0]!.results;
    assert.deepEqual(rs.map((r) => r.properties.cluster), ['prod', 'staging', 'staging']);
    const fps = rs.map((r) => Object.values(r.partialFingerprints)[0]);
    assert.equal(new Set(fps).size, 3);
  });

  test('markdown names the cluster of each finding', () => {
    const md = renderMarkdown(merged);
    assert.match(md, /\| Severity \| Rule \| Cluster \| Subject \| Summary \|/);
    assert.match(md, /## ERROR: receiver-bound-to-loopback on staging: Deployment observability\/otel-collector/);
  });

  test('table: a heading per cluster with its findings or its clean summary, then the total', () => {
    const out = renderFleetTable(results, { width: 100, color: false });
    const heads = out.split('\n').filter((l) => l.startsWith('Cluster '));
    assert.deepEqual(heads, ['Cluster prod: 1 error, 0 warnings, 0 infos', 'Cluster staging: 1 error, 1 warning, 0 infos', 'Cluster dev: 0 errors, 0 warnings, 0 infos']);
    const dev = out.slice(out.indexOf('Cluster dev'));
    assert.doesNotMatch(dev, /receiver-bound-to-loopback  Deployment/);
    assert.match(out.trimEnd().split('\n').at(-1)!, /^3 clusters: 2 errors, 1 warning, 0 infos$/);
  });

  test('wide: the same sections, each cluster rendered wide', () => {
    const out = renderFleetTable(results, { width: 120, color: false }, renderWide);
    assert.equal(out.split('\n').filter((l) => l.startsWith('Cluster ')).length, 3);
    assert.ok(out.includes(renderWide(results[1]!.report, { width: 120, color: false }).trimEnd()));
  });
});

test('--all-contexts takes every context of the KUBECONFIG list, the first file winning a shared name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-kc-'));
  try {
    const kc = (name: string, contexts: string[]) => {
      const file = join(dir, name);
      writeFileSync(file, stringify({ apiVersion: 'v1', kind: 'Config', clusters: contexts.map((c) => ({ name: c, cluster: { server: `https://${name}.example` } })), users: [], contexts: contexts.map((c) => ({ name: c, context: { cluster: c } })), 'current-context': contexts[0] }));
      return file;
    };
    const a = kc('a', ['prod', 'shared']);
    const b = kc('b', ['shared', 'staging']);
    assert.deepEqual(contextNames({ env: { KUBECONFIG: `${a}:${join(dir, 'missing')}:${b}` } }), ['prod', 'shared', 'staging']);
    assert.deepEqual(contextNames({ kubeconfig: b, env: { KUBECONFIG: a } }), ['shared', 'staging']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the command: an unknown context and a closed port are each a finding; one report, exit 3', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-cli-'));
  try {
    const kc = join(dir, 'config');
    writeFileSync(kc, stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${await closedPort()}`, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'closed', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'closed',
    }));
    // No simulated API server in this process, so the synchronous run cannot deadlock it.
    const r = runFromSources(['diagnose', '--kubeconfig', kc, '--context', 'closed', '--context', 'ghost', '-o', 'json', '--request-timeout', '3s']);
    assert.equal(r.status, 3, r.stderr);
    const rep = JSON.parse(r.stdout) as Report;
    assert.deepEqual(rep.findings.map((f) => [f.cluster, f.rule, f.severity, f.subject.name]), [['closed', 'check-incomplete', 'error', 'closed'], ['ghost', 'check-incomplete', 'error', 'ghost']]);
    assert.match(rep.findings[1]!.summary, /context "ghost" does not exist/);
    assert.ok(validate(rep), JSON.stringify(compiled.errors));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--all-contexts with --context is a usage error (exit 2) before any cluster call', () => {
  const r = runFromSources(['diagnose', '--all-contexts', '--context', 'a']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^error: .*--context/m);
});

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('two simulated clusters and an unreachable one, in one report', { skip, concurrency: 1 }, () => {
  test('findings tagged by cluster, the unreachable context a finding, the exit code the worst', async () => {
    const { startCluster } = await import('../sim/cli.ts');
    const dir = mkdtempSync(join(tmpdir(), 'fleet-'));
    const broken = await startCluster({ manifests: [join(REPO, 'test/scenarios/seed/manifests')], contextName: 'broken', stateDir: join(dir, 'broken'), log: () => {} });
    try {
      const healthy = await startCluster({ manifests: [join(REPO, 'test/scenarios/seed-fixed/manifests')], contextName: 'healthy', stateDir: join(dir, 'healthy'), log: () => {} });
      try {
        const down = join(dir, 'down.kubeconfig');
        writeFileSync(down, stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: 'down', cluster: { server: `https://127.0.0.1:${await closedPort()}`, 'insecure-skip-tls-verify': true } }],
          users: [{ name: 'down', user: { token: 'not-checked' } }],
          contexts: [{ name: 'down', context: { cluster: 'down', user: 'down', namespace: 'default' } }],
          'current-context': 'down',
        }));
        const env = { KUBECONFIG: [broken.kubeconfig, healthy.kubeconfig, down].join(':'), NO_COLOR: '1' };

        const all = await runAsync(PLUGIN, ['diagnose', '--all-contexts', '-n', 'observability', '-o', 'json', '--request-timeout', '5s'], env, 180_000);
        assert.equal(all.code, 3, all.stderr);
        const r = JSON.parse(all.stdout) as Report;
        assert.ok(validate(r), JSON.stringify(compiled.errors));
        const seen = r.findings.map((f) => `${f.cluster} ${f.rule} ${f.severity} ${f.subject.kind}/${f.subject.namespace ?? ''}/${f.subject.name}`);
        assert.deepEqual(seen, [
          'broken receiver-bound-to-loopback error Deployment/observability/otel-collector',
          'down check-incomplete error Cluster//down',
        ]);
        assert.ok(r.collectors.some((c) => c.cluster === 'healthy'), 'the healthy cluster reported its collector');
        assert.match(r.findings[0]!.fix.commands?.verify ?? '', /^kubectl otel-doctor diagnose --context broken /);
        assert.ok(r.collectors.some((c) => c.cluster === 'broken'));

        // Without the unreachable context the worst is the broken cluster's findings: 1.
        const two = await runAsync(PLUGIN, ['diagnose', '--context', 'healthy', '--context', 'broken', '-n', 'observability'], env, 180_000);
        assert.equal(two.code, 1, two.stderr);
        const heads = two.stdout.split('\n').filter((l) => l.startsWith('Cluster '));
        assert.deepEqual(heads, ['Cluster healthy: 0 errors, 0 warnings, 0 infos', 'Cluster broken: 1 error, 0 warnings, 0 infos']);
        assert.match(two.stdout.slice(two.stdout.indexOf('Cluster broken')), /receiver-bound-to-loopback/);
        assert.doesNotMatch(two.stdout.slice(0, two.stdout.indexOf('Cluster broken')), /receiver-bound-to-loopback/);

        // One context: the single-cluster output, no cluster field.
        const one = await runAsync(PLUGIN, ['diagnose', '--context', 'healthy', '-n', 'observability', '-o', 'json'], env, 180_000);
        assert.equal(one.code, 0, one.stderr);
        const single = JSON.parse(one.stdout) as Report;
        assert.equal(single.collectors.length > 0, true);
        assert.ok(single.collectors.every((c) => c.cluster === undefined) && single.findings.every((f) => f.cluster === undefined));
      } finally {
        await healthy.stop();
      }
    } finally {
      await broken.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
