// Every scenario under test/scenarios/<name>/ with an expected.yaml is brought up in the simulated cluster
// and diagnosed by the real plugin (bin/kubectl-otel_doctor, as kubectl runs it). The findings must be
// exactly the expected ones (rule, severity, subject), and the plugin must not have written anything:
// the simulator's audit trail of its requests holds reads, exec, logs and access reviews only. The same
// holds for `fix` without --apply, run after the diagnosis on the same cluster.
// Needs root (network namespaces); skips otherwise.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { RULES } from '../../src/rules/index.ts';
import { runAsync } from '../helpers/run.ts';

const here = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(here, '../..');
const PLUGIN = join(REPO, 'bin/kubectl-otel_doctor');
const skip = process.getuid?.() !== 0 ? 'needs root: the simulated cluster creates network namespaces' : false;

interface ExpectedFinding { rule: string; severity: string; subject: { kind: string; namespace?: string; name: string; container?: string } }
export interface Expected {
  /** Manifest directories; relative to the scenario dir. Default: ['manifests']. */
  manifests?: string[];
  /** Arguments after `diagnose` (besides `-o json`), e.g. ['-n', 'observability']. */
  args: string[];
  /** Simulator user (policies.yaml) whose token the plugin gets. Default admin. */
  user?: string;
  exitCode: number;
  /** Exactly these findings, no more and no fewer (a healthy scenario lists none). */
  findings: ExpectedFinding[];
  /** Only these severities are compared (e.g. upstream examples: [error, warning]). Default: all. */
  severities?: string[];
  /** Exactly these findings under `suppressed` (annotations, --config, --ignore); compared when given. */
  suppressed?: ExpectedFinding[];
  /** Evidence that must prove a finding: its rule, subject name, source and a regex its detail matches. */
  evidence?: { rule: string; name: string; source: string; matches: string }[];
  /** The cluster's IP family (`npm run sim -- --ip-family`). Default ipv4. */
  ipFamily?: IpFamily;
  /**
   * The whole path of these apps (apps[].hops), matched by workload name: one line per hop, `<hop> <status>`
   * then the rules that break it (failed) or the sources that prove it (ok).
   */
  hops?: { workload: string; container?: string; hops: string[] }[];
  /** Run once more in each of these families, expecting the same findings (rules where the family matters). */
  alsoIpFamilies?: IpFamily[];
  /**
   * Lines the diagnosis needs logged first (a failure the collector or an app logs once it happened): the
   * plugin runs once every entry's regex matches the log of a pod whose name starts with `pod`. No time
   * margin: the wait has no bound but the test's own timeout.
   */
  waitForLogs?: { namespace: string; pod: string; container: string; matches: string }[];
}

/** Until each entry's line is in the container's log (read through the simulated kubelet, as pods/log is). */
async function waitForLogs(cluster: import('../sim/cli.ts').Cluster, want: NonNullable<Expected['waitForLogs']>, signal: AbortSignal): Promise<void> {
  const { typeByKind } = await import('../sim/store.ts');
  const pods = typeByKind('Pod');
  if (!pods) { throw new Error('the simulator has no Pod type'); }
  for (const w of want) {
    const re = new RegExp(w.matches, 'm');
    for (;;) {
      signal.throwIfAborted();
      const names = cluster.store.list(pods, w.namespace).map((o) => o.metadata.name as string).filter((n) => n.startsWith(w.pod));
      let found = false;
      for (const name of names) {
        // A container not started yet answers 400: nothing logged so far.
        const text = await cluster.runtime.logs(w.namespace, name, { container: w.container }).catch(() => '');
        if (re.test(text)) { found = true; break; }
      }
      if (found) { break; }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

type IpFamily = 'ipv4' | 'ipv6' | 'dual';

export function loadScenarios(): Array<{ name: string; dir: string; expected: Expected }> {
  return readdirSync(here, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'expected.yaml')))
    .map((d) => ({ name: d.name, dir: join(here, d.name), expected: parse(readFileSync(join(here, d.name, 'expected.yaml'), 'utf8')) as Expected }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

const key = (f: ExpectedFinding) =>
  `${f.rule} ${f.severity} ${f.subject.kind}/${f.subject.namespace ?? ''}/${f.subject.name}${f.subject.container ? `[${f.subject.container}]` : ''}`;

const run = (cmd: string, args: string[], env: Record<string, string>) => runAsync(cmd, args, env, 120_000);

const scenarios = loadScenarios();

test('every rule of the catalogue is proven by at least one scenario', () => {
  const covered = new Set(scenarios.flatMap((s) => s.expected.findings.map((f) => f.rule)));
  const missing = RULES.map((r) => r.id).filter((id) => !covered.has(id));
  assert.deepEqual(missing, [], `rules without a scenario under test/scenarios/*/expected.yaml: ${missing.join(', ')}`);
});

describe('scenarios in the simulated cluster', { skip, concurrency: 1 }, () => {
  // A scenario runs in its own family, then once per alsoIpFamilies entry, named `<scenario> (<family>)`.
  const runs = scenarios.flatMap((s) => {
    const main = s.expected.ipFamily ?? 'ipv4';
    return [main, ...(s.expected.alsoIpFamilies ?? []).filter((f) => f !== main)].map((ipFamily) => ({ s, ipFamily, name: ipFamily === main ? s.name : `${s.name} (${ipFamily})` }));
  });
  for (const { s, ipFamily, name } of runs) {
    test(name, { timeout: 240_000 }, async (t) => {
      const { startCluster } = await import('../sim/cli.ts');
      const manifests = (s.expected.manifests ?? ['manifests']).map((m) => resolve(s.dir, m));
      const cluster = await startCluster({ manifests, ipFamily, log: () => {} });
      try {
        const kubeconfig = s.expected.user ? cluster.kubeconfigFor(s.expected.user) : cluster.kubeconfig;
        if (s.expected.waitForLogs) { await waitForLogs(cluster, s.expected.waitForLogs, t.signal); }
        const before = cluster.api.requests.length;
        const r = await run(PLUGIN, ['diagnose', '-o', 'json', ...s.expected.args], { KUBECONFIG: kubeconfig, NO_COLOR: '1' });
        const ctx = `stderr:\n${r.stderr}\nstdout:\n${r.stdout.slice(0, 4000)}`;
        assert.equal(r.code, s.expected.exitCode, `exit code\n${ctx}`);
        type Got = ExpectedFinding & { evidence?: { source: string; detail: string }[] };
        let report: { findings: Got[]; suppressed?: ExpectedFinding[] };
        try {
          report = JSON.parse(r.stdout) as { findings: Got[]; suppressed?: ExpectedFinding[] };
        } catch (e) {
          assert.fail(`the plugin printed no JSON report (${(e as Error).message})\n${ctx}`);
        }
        const severities = s.expected.severities;
        const got = report.findings
          .filter((f) => !severities || severities.includes(f.severity))
          .map((f) => key({ rule: f.rule, severity: f.severity, subject: { kind: f.subject.kind, namespace: f.subject.namespace, name: f.subject.name, container: s.expected.findings.some((e) => e.rule === f.rule && e.subject.container) ? f.subject.container : undefined } }))
          .sort();
        assert.deepEqual(got, s.expected.findings.map(key).sort(), `findings\n${ctx}`);
        for (const ev of s.expected.evidence ?? []) {
          const f = report.findings.find((x) => x.rule === ev.rule && x.subject.name === ev.name);
          assert.ok(f?.evidence?.some((e) => e.source === ev.source && new RegExp(ev.matches).test(e.detail)), `no ${ev.source} evidence matching /${ev.matches}/ on ${ev.rule} ${ev.name}\n${ctx}`);
        }
        for (const want of s.expected.hops ?? []) {
          const app = (report as { apps?: { workload?: string; container: string; hops?: { hop: string; status: string; findings?: string[]; sources?: string[] }[] }[] }).apps
            ?.find((a) => a.workload?.split('/')[1] === want.workload && (!want.container || a.container === want.container));
          const got = (app?.hops ?? []).map((h) => [h.hop, h.status, (h.findings ?? h.sources ?? []).join(',')].filter(Boolean).join(' '));
          assert.deepEqual(got, want.hops, `hops of ${want.workload}\n${JSON.stringify(app?.hops, null, 2)}`);
        }
        if (s.expected.suppressed) {
          assert.deepEqual((report.suppressed ?? []).map((f) => key({ rule: f.rule, severity: f.severity, subject: { ...f.subject, container: undefined } })).sort(), s.expected.suppressed.map(key).sort(), `suppressed\n${ctx}`);
        }

        // Read-only: the plugin's requests are reads, plus what a diagnosis needs and nothing else.
        const mine = cluster.api.requests.slice(before).filter((e) => e.userAgent.startsWith('otel-doctor/'));
        assert.ok(mine.length > 0, 'the plugin identified itself with its User-Agent');
        const writes = mine.filter((e) => !['get', 'list', 'watch'].includes(e.verb)
          && !(e.verb === 'create' && (e.resource === 'selfsubjectaccessreviews' || (e.resource === 'pods' && e.subresource === 'exec'))));
        assert.deepEqual(writes.map((e) => `${e.verb} ${e.path}`), [], 'the plugin wrote to the cluster');

        // `fix` without --apply is as read-only: it diagnoses, reads the objects it would change, prints diffs.
        const fixFrom = cluster.api.requests.length;
        const fx = await run(PLUGIN, ['fix', ...s.expected.args], { KUBECONFIG: kubeconfig, NO_COLOR: '1' });
        assert.ok(fx.code === 0 || fx.code === 1, `fix exit code ${fx.code}\nstderr:\n${fx.stderr}\nstdout:\n${fx.stdout.slice(0, 4000)}`);
        const fixWrites = cluster.api.requests.slice(fixFrom).filter((e) => e.userAgent.startsWith('otel-doctor/'))
          .filter((e) => !['get', 'list', 'watch'].includes(e.verb)
            && !(e.verb === 'create' && (e.resource === 'selfsubjectaccessreviews' || (e.resource === 'pods' && e.subresource === 'exec'))));
        assert.deepEqual(fixWrites.map((e) => `${e.verb} ${e.path}`), [], 'fix without --apply wrote to the cluster');
      } finally {
        await cluster.stop();
      }
    });
  }
});
