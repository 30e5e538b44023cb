// The plugin under API and container faults, on the seed scenario (collector OTLP receivers bound to
// 127.0.0.1): the simulated API server throttles (429 + Retry-After), fails (500), answers slowly, or
// refuses exec; an app container has no tools at all. Each time the plugin must still print a complete
// JSON report with the seed's root cause (or exit 3 with one clear line when it cannot even list pods),
// say what it could not check, and never crash (no stack trace on stderr).
// Needs root (the simulated cluster creates network namespaces); skips otherwise.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import type { FaultRule } from '../sim/api/faults.ts';
import type { AuditEntry } from '../sim/api/server.ts';
import { runAsync } from '../helpers/run.ts';

const here = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(here, '../..');
const PLUGIN = join(REPO, 'bin/kubectl-otel_doctor');
const SEED = join(REPO, 'test/scenarios/seed/manifests');
const skip = process.getuid?.() !== 0 ? 'needs root: the simulated cluster creates network namespaces' : false;
const PLUGIN_UA = 'otel-doctor/';

interface Finding { rule: string; severity: string; subject: { kind: string; namespace?: string; name: string; container?: string }; summary: string; evidence: Array<{ source: string; detail: string }> }
interface Report { findings: Finding[]; summary: { errors: number; warnings: number } }
interface Run { code: number; stdout: string; stderr: string; ms: number; requests: AuditEntry[]; report?: Report }

const LOOPBACK = 'receiver-bound-to-loopback error Deployment/observability/otel-collector';
const keyOf = (f: Finding) => `${f.rule} ${f.severity} ${f.subject.kind}/${f.subject.namespace ?? ''}/${f.subject.name}`;

const spawnPlugin = (args: string[], env: Record<string, string>) => runAsync(PLUGIN, args, env, 150_000);

/** Brings up the seed (plus `extra` manifests) with the fault rules, runs one diagnosis, tears down. */
async function diagnose(faults: FaultRule[], opts: { extra?: string; args?: string[] } = {}): Promise<Run> {
  const { startCluster } = await import('../sim/cli.ts');
  const cluster = await startCluster({ manifests: [SEED, ...(opts.extra ? [opts.extra] : [])], apiFaults: faults, log: () => {} });
  try {
    const before = cluster.api.requests.length;
    const t0 = performance.now();
    const r = await spawnPlugin(['diagnose', '-o', 'json', '-n', 'observability', ...(opts.args ?? [])], { KUBECONFIG: cluster.kubeconfig, NO_COLOR: '1' });
    const ms = performance.now() - t0;
    const requests = cluster.api.requests.slice(before).filter((e) => e.userAgent.startsWith(PLUGIN_UA));
    let report: Report | undefined;
    try { report = JSON.parse(r.stdout) as Report; } catch { /* asserted by the caller */ }
    return { ...r, ms, requests, report };
  } finally {
    await cluster.stop();
  }
}

const ctx = (r: Run) => `exit ${r.code} after ${Math.round(r.ms)} ms\nstderr:\n${r.stderr}\nstdout:\n${r.stdout.slice(0, 3000)}`;

/** A complete report, no crash: JSON parses, has findings and a summary, stderr holds no stack frame. */
function assertReport(r: Run): Report {
  assert.doesNotMatch(r.stderr, /^\s+at .+\(?.*:\d+:\d+\)?$/m, `stack trace on stderr\n${ctx(r)}`);
  assert.ok(r.report, `stdout is not a JSON report\n${ctx(r)}`);
  assert.ok(Array.isArray(r.report.findings) && r.report.summary, `incomplete report\n${ctx(r)}`);
  return r.report;
}

const errorsAndWarnings = (rep: Report) => rep.findings.filter((f) => f.severity === 'error' || f.severity === 'warning').map(keyOf).sort();

describe('diagnose under API faults (seed scenario)', { skip, concurrency: 1 }, () => {
  test('(a) the first 2 pod lists answer 429 Retry-After 1: same findings, retries wait >= 1 s', { timeout: 240_000 }, async () => {
    const r = await diagnose([{ match: { verb: 'list', resource: 'pods', userAgentPrefix: PLUGIN_UA }, status: 429, retryAfterSeconds: 1, times: 2 }]);
    const rep = assertReport(r);
    assert.equal(r.code, 1, ctx(r));
    assert.deepEqual(errorsAndWarnings(rep), [LOOPBACK], ctx(r));
    const lists = r.requests.filter((e) => e.verb === 'list' && e.resource === 'pods');
    const throttled = lists.filter((e) => e.code === 429);
    assert.equal(throttled.length, 2, `two pod lists throttled: ${lists.map((e) => `${e.ts} ${e.path} ${e.code}`).join('\n')}`);
    // Each throttled list is asked again (same path and query), no sooner than Retry-After says.
    for (const t of throttled) {
      const next = lists.find((e) => e !== t && e.path === t.path && e.query === t.query && Date.parse(e.ts) >= Date.parse(t.ts) && lists.indexOf(e) > lists.indexOf(t));
      assert.ok(next, `no retry of ${t.path}?${t.query}`);
      const gap = Date.parse(next.ts) - Date.parse(t.ts);
      assert.ok(gap >= 950, `retry of ${t.path} after ${gap} ms, Retry-After was 1 s`);
      console.log(`# (a) ${t.path}?${t.query}: 429, retried after ${gap} ms`);
    }
    assert.ok(lists.every((e) => e.code === 429 || e.code === 200), lists.map((e) => e.code).join(','));
  });

  test('(b) services lists answer 500 twice: same findings after retries', { timeout: 240_000 }, async () => {
    const r = await diagnose([{ match: { verb: 'list', resource: 'services', userAgentPrefix: PLUGIN_UA }, status: 500, times: 2 }]);
    const rep = assertReport(r);
    assert.equal(r.code, 1, ctx(r));
    assert.deepEqual(errorsAndWarnings(rep), [LOOPBACK], ctx(r));
    const codes = r.requests.filter((e) => e.verb === 'list' && e.resource === 'services').map((e) => e.code);
    assert.equal(codes.filter((c) => c === 500).length, 2, codes.join(','));
    assert.ok(codes.includes(200), `services listed in the end: ${codes.join(',')}`);
  });

  test('(c) every request 300 ms slow: same findings, within --timeout', { timeout: 240_000 }, async () => {
    const r = await diagnose([{ match: { userAgentPrefix: PLUGIN_UA }, delayMs: 300 }]); // default --timeout 30s
    const rep = assertReport(r);
    assert.equal(r.code, 1, ctx(r));
    assert.deepEqual(errorsAndWarnings(rep), [LOOPBACK], ctx(r));
    assert.ok(!rep.findings.some((f) => f.rule === 'check-incomplete' && f.subject.name === 'timeout'), `hit --timeout\n${ctx(r)}`);
    assert.ok(r.requests.length > 10 && r.requests.every((e) => e.code < 400 || e.code === 101 || e.code === 404), r.requests.map((e) => `${e.verb} ${e.path} ${e.code}`).join('\n'));
    console.log(`# (c) ${r.requests.length} requests each >= 300 ms: diagnosis took ${Math.round(r.ms)} ms`);
  });

  test('(d) pods lists always 500: exit 3, one clear line, no report', { timeout: 240_000 }, async () => {
    const r = await diagnose([{ match: { verb: 'list', resource: 'pods', userAgentPrefix: PLUGIN_UA }, status: 500, message: 'etcdserver: leader changed' }]);
    assert.equal(r.code, 3, ctx(r));
    assert.doesNotMatch(r.stderr, /^\s+at /m, `stack trace\n${ctx(r)}`);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    assert.equal(lines.length, 1, ctx(r));
    assert.match(lines[0], /^error: .*could not|cannot list pods/i, ctx(r));
    assert.match(lines[0], /Internal error occurred: etcdserver: leader changed/, ctx(r));
    console.log(`# (d) exit ${r.code} after ${Math.round(r.ms)} ms: ${lines[0]}`);
    // Retried before giving up, a bounded number of times.
    const n = r.requests.filter((e) => e.verb === 'list' && e.resource === 'pods').length;
    assert.ok(n >= 2 && n <= 10, `pod lists: ${n}`);
  });

  test('(e) exec always 500: loopback finding from config and logs, check-incomplete for exec', { timeout: 240_000 }, async () => {
    const r = await diagnose([{ match: { verb: 'create', resource: 'pods', subresource: 'exec', userAgentPrefix: PLUGIN_UA }, status: 500 }]);
    const rep = assertReport(r);
    assert.equal(r.code, 1, ctx(r));
    const keys = rep.findings.map(keyOf);
    assert.ok(keys.includes(LOOPBACK), ctx(r));
    const incomplete = rep.findings.filter((f) => f.rule === 'check-incomplete');
    assert.ok(incomplete.length > 0, `no check-incomplete\n${ctx(r)}`);
    assert.ok(incomplete.some((f) => /exec|probe|socket/i.test(`${f.subject.name} ${f.summary}`) && /500|InternalError|Internal error/i.test(JSON.stringify(f))),
      `check-incomplete does not name the failing exec\n${JSON.stringify(incomplete, null, 2)}`);
    assert.ok(r.requests.some((e) => e.subresource === 'exec' && e.code === 500), 'exec was attempted and faulted');
    for (const f of incomplete) { console.log(`# (e) ${f.severity} ${f.subject.kind} ${f.subject.name}: ${f.summary}`); }
  });

  test('(f) an app container with no tools: its probes not-run with the reason, collector finding stands', { timeout: 240_000 }, async () => {
    // The seed's checkout Deployment again, its pods annotated with no tools at all (declared twice:
    // the later declaration replaces the seed's, as `kubectl apply` would).
    const extra = mkdtempSync(join(tmpdir(), 'otel-doctor-faults-'));
    try {
      const docs = parseAllDocuments(readFileSync(join(SEED, '20-apps.yaml'), 'utf8')).map((d) => d.toJS());
      const checkout = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'checkout');
      checkout.spec.template.metadata.annotations['sim.otel-doctor.io/tools'] = 'none';
      writeFileSync(join(extra, '90-checkout-no-tools.yaml'), stringify(checkout));
      const r = await diagnose([], { extra });
      const rep = assertReport(r);
      assert.equal(r.code, 1, ctx(r));
      assert.ok(rep.findings.map(keyOf).includes(LOOPBACK), ctx(r));
      const mine = rep.findings.filter((f) => f.rule === 'check-incomplete' && JSON.stringify(f).includes('checkout'));
      assert.ok(mine.length > 0, `no check-incomplete names checkout\n${JSON.stringify(rep.findings, null, 2)}`);
      assert.ok(mine.some((f) => /no probe tool|not in the container|executable file not found/i.test(JSON.stringify(f))), `reason missing\n${JSON.stringify(mine, null, 2)}`);
      for (const f of mine) { console.log(`# (f) ${f.severity} ${f.subject.kind} ${f.subject.name}: ${f.summary}`); }
      // The other app still probed and is not reported incomplete.
      assert.ok(!rep.findings.some((f) => f.rule === 'check-incomplete' && f.subject.name.startsWith('frontend')), ctx(r));
    } finally {
      rmSync(extra, { recursive: true, force: true });
    }
  });
});
