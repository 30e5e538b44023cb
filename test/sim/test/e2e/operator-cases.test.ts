// Issue 14 "Proof": every OpenTelemetry Operator case of ../shared/fixtures/real (index.json, `operator-*`)
// comes up unchanged in the simulated cluster with the operator stand-in running, settles, and
// `kubectl otel-doctor diagnose -A -o json` agrees with the case's judgement, as test/lint/real-corpus.test.ts
// holds `lint` to it:
// - `expected: "clean"`: no error or warning;
// - a list: every listed {rule, name?, container?, kind?} present, and no other error or warning except
//   the case's `allowed` ones.
// A case that declares a collector the operator makes a workload of must also show that collector in the
// report (a clean diagnosis of an empty cluster proves nothing). Each case gets its own cluster (most use
// namespace `default`); two run at once. Bring-up and total times are reported, never asserted.
// Needs root (network namespaces); skips otherwise.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAsync } from '../../../helpers/run.ts';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
// CI has the repository at X/main and the shared data at X/shared.
const REAL = resolve(REPO, '../shared/fixtures/real');
const PLUGIN = join(REPO, 'bin/kubectl-otel_doctor');

interface Expectation { rule: string; name?: string; container?: string; kind?: string }
interface Case { dir: string; source: string; expected: 'clean' | Expectation[]; allowed?: Expectation[]; judgement: string }
interface Finding { rule: string; severity: string; subject: { kind: string; namespace?: string; name: string; container?: string } }

/**
 * Cases where the diagnosis disagrees with the judgement, each with the cause found. They run as todo: the
 * failure is reported, not counted. Remove a line when its case passes.
 */
const KNOWN_GAPS: Record<string, string> = {
  // Simulator and judgement: the test runs the operator as `make deploy-no-crds` installs it
  // (config/no-crds/config.yaml: enable-instrumentation-crds: false and a default Java instrumentation with
  // endpoint http://collector:4318), and its 01-assert.yaml expects the pod injected. Nothing in the case's
  // YAML says so, and the stand-in runs the operator as its release manifest installs it, which finds no
  // Instrumentation and admits the pod unchanged: instrumentation-not-injected (error) is right for that
  // operator, and the judgement's "nothing is injected" is wrong for the one the test installs. The upstream
  // test is `skip: true` (issue #5092). (The collector itself now runs: upstream images' CMD reads the mounted
  // /etc/otelcol-contrib/config.yaml.)
  'operator-no-crds': 'sim operator not in its no-CRDs install mode (config/no-crds), which the case does not carry; judgement disputed',
  // Judgement: the ConfigMap chainsaw-certs that otlp-receiver mounts is created by generate_certs.sh
  // (chainsaw-test.yaml step-02 runs it before applying 02-otlp-receiver.yaml), and the otel-sender collector
  // by create_otlp_sender.sh: neither is YAML, so neither is in the case. From the YAML alone the receiver pod
  // stays ContainerCreating (FailedMount), on a real cluster as here, and collector-not-ready is right.
  'operator-openshift-multi-cluster': 'judgement disputed: the case lacks the ConfigMap its chainsaw script creates; the collector cannot start',
};

const cases: Case[] = existsSync(join(REAL, 'index.json'))
  ? (JSON.parse(readFileSync(join(REAL, 'index.json'), 'utf8')) as Case[]).filter((c) => c.dir.startsWith('operator-'))
  : [];
const skip = process.getuid?.() !== 0
  ? 'needs root: the simulated cluster creates network namespaces'
  : cases.length ? false : `no ${REAL}/index.json (the shared fixtures sit beside the repository)`;

function matches(f: Finding, e: Expectation): boolean {
  return f.rule === e.rule && (e.name === undefined || f.subject.name === e.name) && (e.container === undefined || f.subject.container === e.container) && (e.kind === undefined || f.subject.kind === e.kind);
}
const describeFinding = (f: Finding) => `${f.rule} ${f.severity} ${f.subject.kind} ${f.subject.namespace ? `${f.subject.namespace}/` : ''}${f.subject.name}${f.subject.container ? `:${f.subject.container}` : ''}`;

/** An OpenTelemetryCollector CR of a mode that makes a workload (a sidecar is injected only into pods). */
function declaresCollectorCR(dir: string): boolean {
  const texts = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.ya?ml$/.test(f)).map((f) => readFileSync(join(dir, f), 'utf8'));
  return texts.some((t) => t.split(/^---\s*$/m).some((doc) => /^kind:\s*OpenTelemetryCollector\s*$/m.test(doc) && !/^\s+mode:\s*["']?sidecar/m.test(doc)));
}

test('the operator cases are all listed', { skip: cases.length ? false : `no ${REAL}/index.json` }, () => {
  assert.ok(cases.length >= 35, `${cases.length} operator cases`);
  for (const gap of Object.keys(KNOWN_GAPS)) { assert.ok(cases.some((c) => c.dir === gap), `${gap} is not an operator case`); }
});

describe('operator cases in the simulated cluster, diagnosed', { skip, concurrency: 2 }, () => {
  let t0 = 0;
  const bringUps: string[] = [];
  before(() => { t0 = performance.now(); });
  after(() => {
    // Reported on stderr: the suite's own diagnostic lines belong to its tests.
    process.stderr.write(`operator cases: ${bringUps.length} brought up in ${((performance.now() - t0) / 1000).toFixed(1)} s; bring-up ${bringUps.join(', ')}\n`);
  });
  for (const c of cases) {
    const gap = KNOWN_GAPS[c.dir];
    test(c.dir, { timeout: 900_000, ...(gap ? { todo: gap } : {}) }, async (t) => {
      const { startCluster } = await import('../../cli.ts');
      const lines: string[] = [];
      const cluster = await startCluster({ manifests: [join(REAL, c.dir)], log: (l) => lines.push(l) });
      try {
        const up = `${(cluster.bringUpMs / 1000).toFixed(1)} s`;
        bringUps.push(`${c.dir} ${up}`);
        t.diagnostic(`bring-up ${up}, ${cluster.podCount} pods`);
        for (const l of lines.filter((x) => /Error from server|resource mapping not found|declared twice/.test(x))) { t.diagnostic(l); }
        // Deadlines far above the defaults (30 s, 20 s per request): two clusters share this process's event
        // loop, and on a loaded machine an answer can take longer than a real API server's would.
        const r = await runAsync(PLUGIN, ['diagnose', '-A', '-o', 'json', '--timeout', '5m', '--request-timeout', '2m'], { KUBECONFIG: cluster.kubeconfig, NO_COLOR: '1' }, 600_000);
        const ctx = `stderr:\n${r.stderr.slice(0, 2000)}`;
        let report: { findings: Finding[]; collectors: unknown[] };
        try {
          report = JSON.parse(r.stdout) as typeof report;
        } catch (e) {
          assert.fail(`the plugin printed no JSON report (exit ${r.code}: ${(e as Error).message})\n${ctx}`);
        }
        const loud = report.findings.filter((f) => f.severity === 'error' || f.severity === 'warning');
        const expected = c.expected === 'clean' ? [] : c.expected;
        const allowed = c.allowed ?? [];
        const why = `judgement: ${c.judgement}\nreported: ${report.findings.map(describeFinding).join('; ') || 'nothing'}`;
        for (const e of expected) { assert.ok(loud.some((f) => matches(f, e)), `expected ${JSON.stringify(e)}\n${why}`); }
        const unexpected = loud.filter((f) => !expected.some((e) => matches(f, e)) && !allowed.some((e) => matches(f, e)));
        assert.deepEqual(unexpected.map(describeFinding), [], why);
        if (declaresCollectorCR(join(REAL, c.dir))) {
          assert.ok(report.collectors.length > 0, 'the case declares an OpenTelemetryCollector, but the diagnosis saw no collector');
        }
      } finally {
        await cluster.stop();
      }
    });
  }
});
