// `npm run bench` (issue 3): how fast and how frugal a diagnosis is. Runs
// `kubectl-otel_doctor diagnose -A -o json` against the seed scenario and against the generated large one
// (test/scenarios-large/: 3 collectors, 50 Deployments x 2 replicas over 5 namespaces) with 25 ms of
// API latency, and prints per run: wall time, the plugin's API requests (from the simulator's request log,
// by the otel-doctor User-Agent) with list requests per namespace, and the plugin's peak RSS.
// Targets (issue 13): large scenario < 1.5 s wall with plugin CPU < 0.5 s; list requests grow with
// namespaces, not pods. --verbose also prints the critical path from the plugin's request log. Needs root.
//
//   node scripts/bench.ts [--latency-ms 25] [--runs 1] [--only seed|large] [--json] [--verbose]
// --verbose passes -v to the plugin and prints its stderr (request timing); flags after `--` go to the plugin.
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { startCluster, REPO_ROOT, type Cluster } from '../test/sim/cli.ts';
import { writeLargeScenario } from '../test/scenarios-large/generate.ts';
import type { AuditEntry } from '../test/sim/api/server.ts';
import { typeByKind } from '../test/sim/store.ts';

const dd = process.argv.indexOf('--');
const args = process.argv.slice(2, dd < 0 ? undefined : dd);
/** Extra plugin flags after `--` (e.g. `-- --no-exec` to separate exec cost from the rest). */
const extra = dd < 0 ? [] : process.argv.slice(dd + 1);
const opt = (name: string, dflt: number) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : dflt; };
const latencyMs = opt('--latency-ms', 25);
const runs = Math.max(1, opt('--runs', 1));
const asJson = args.includes('--json');
const verbose = args.includes('--verbose');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const PLUGIN = join(REPO_ROOT, 'bin/kubectl-otel_doctor');
const GNU_TIME = '/usr/bin/time';
const LARGE_TARGET_S = 1.5;
const LARGE_TARGET_CPU_S = 0.5;

if (process.getuid?.() !== 0) { process.stderr.write('bench: needs root (the simulated cluster creates network namespaces)\n'); process.exit(2); }

interface Run { wallS: number; exitCode: number | null; peakRssMB: number; cpuS?: number; requests: AuditEntry[]; stderr: string; findings?: number }

/** kB from /proc/<pid>/status; VmHWM is the high-water mark, so the last sample before exit is the peak. */
function vmHwmKb(pid: number): number {
  try { const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8')); return m ? Number(m[1]) : 0; } catch { return 0; }
}

/**
 * The critical path from the plugin's own -v request log (`[END ms] VERB PATH -> STATUS (DURATION ms)`, END
 * counted from the plugin's start): when each kind of request first went out and last came back, and how
 * many execs were in flight at most. What is left after the last request is judging and rendering.
 */
function requestPhases(stderr: string, wallS: number): string[] {
  const spans = new Map<string, { from: number; to: number; n: number }>();
  const execs: [number, number][] = [];
  let firstStart = Infinity;
  let lastEnd = 0;
  for (const m of stderr.matchAll(/^\[(\d+) ms\] (\S+) (\S+).* -> \S+ \((\d+) ms\)$/gm)) {
    const end = Number(m[1]);
    const start = end - Number(m[4]);
    const kind = m[2] === 'EXEC' ? 'exec' : m[2] === 'POST' ? 'access reviews' : /\/log\?/.test(m[3]) ? 'logs' : /\/proxy\//.test(m[3]) ? 'metrics' : m[2] === 'GET' ? 'lists' : m[2];
    const sp = spans.get(kind) ?? { from: Infinity, to: 0, n: 0 };
    spans.set(kind, { from: Math.min(sp.from, start), to: Math.max(sp.to, end), n: sp.n + 1 });
    // END and DURATION come from two clocks rounded to the ms: a slot handed on can look 1-2 ms overlapped
    if (kind === 'exec') { execs.push([start + 2, end]); }
    firstStart = Math.min(firstStart, start);
    lastEnd = Math.max(lastEnd, end);
  }
  if (!spans.size) { return []; }
  let inFlight = 0;
  let most = 0;
  for (const [, d] of execs.flatMap(([a, b]) => [[a, 1], [b, -1]] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1])) { inFlight += d; most = Math.max(most, inFlight); }
  const s = (ms: number) => (ms / 1000).toFixed(2);
  return [
    `  critical path (plugin -v): first request at ${s(firstStart)} s; ${[...spans].sort((a, b) => a[1].from - b[1].from).map(([k, v]) => `${k} ${v.n} ${s(v.from)}-${s(v.to)} s`).join(', ')}`,
    `    execs at most ${most} in flight; last request back at ${s(lastEnd)} s, then ${(wallS - lastEnd / 1000).toFixed(2)} s to exit (judge, render, and the process's end)`,
  ];
}

/** Runs the plugin once. Peak RSS from GNU time's rusage when installed (the wrapper execs node, same pid), else sampled VmHWM. */
function diagnose(cluster: Cluster): Promise<Run> {
  const pluginArgs = ['diagnose', '-A', '-o', 'json', ...(verbose ? ['-v'] : []), ...extra];
  const useTime = existsSync(GNU_TIME);
  const argv = useTime ? [GNU_TIME, '-f', 'BENCH_MAXRSS_KB=%M BENCH_CPU_S=%U+%S', PLUGIN, ...pluginArgs] : [PLUGIN, ...pluginArgs];
  const before = cluster.api.requests.length;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0], argv.slice(1), {
      env: { ...process.env, KUBECONFIG: cluster.kubeconfig, PATH: `${join(REPO_ROOT, 'bin')}:${join(REPO_ROOT, 'node_modules/.bin')}:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '', err = '', hwm = 0;
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    // Without GNU time: sample the node process (the wrapper script execs it, keeping the pid).
    const timer = useTime ? undefined : setInterval(() => { hwm = Math.max(hwm, vmHwmKb(child.pid!)); }, 10);
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = (performance.now() - t0) / 1000;
      if (timer) { clearInterval(timer); }
      const m = /BENCH_MAXRSS_KB=(\d+) BENCH_CPU_S=([\d.]+)\+([\d.]+)/.exec(err);
      let cpuS: number | undefined;
      if (m) { hwm = Number(m[1]); cpuS = Number(m[2]) + Number(m[3]); err = err.replace(/BENCH_MAXRSS_KB=.*\n?/, ''); }
      let findings: number | undefined;
      try { const j = JSON.parse(out); findings = Array.isArray(j.findings) ? j.findings.length : undefined; } catch { /* not JSON: reported below */ }
      const requests = cluster.api.requests.slice(before).filter((r) => r.userAgent.startsWith('otel-doctor/'));
      resolve({ wallS, exitCode: code, peakRssMB: Math.round(hwm / 1024), ...(cpuS !== undefined ? { cpuS } : {}), requests, stderr: err, findings });
    });
  });
}

function summarize(name: string, cluster: Cluster, r: Run) {
  const byVerb = new Map<string, number>();
  for (const q of r.requests) { const k = `${q.verb} ${q.resource}${q.subresource ? '/' + q.subresource : ''}`; byVerb.set(k, (byVerb.get(k) ?? 0) + 1); }
  const lists = r.requests.filter((q) => q.verb === 'list');
  const listsPerNs = new Map<string, number>();
  for (const q of lists) { listsPerNs.set(q.namespace || '(cluster)', (listsPerNs.get(q.namespace || '(cluster)') ?? 0) + 1); }
  const listsByResource = new Map<string, number>();
  for (const q of lists) { const k = `${q.resource}${q.namespace ? '' : ' (all namespaces)'}`; listsByResource.set(k, (listsByResource.get(k) ?? 0) + 1); }
  const namespaces = cluster.store.list(typeByKind('Namespace')!).length;
  return {
    scenario: name, pods: cluster.podCount, namespaces, apiLatencyMs: name === 'seed' ? 0 : latencyMs,
    wallSeconds: Number(r.wallS.toFixed(2)), pluginCpuSeconds: r.cpuS !== undefined ? Number(r.cpuS.toFixed(2)) : undefined, exitCode: r.exitCode, findings: r.findings, peakRssMB: r.peakRssMB,
    requests: r.requests.length, byVerb: Object.fromEntries(byVerb), lists: lists.length,
    listsPerNamespace: Object.fromEntries([...listsPerNs].sort()), listsByResource: Object.fromEntries([...listsByResource].sort()),
    errors: r.requests.filter((q) => q.code >= 400).map((q) => `${q.code} ${q.verb} ${q.path}`),
    runtimeExecMedianMs: undefined as number | undefined,
    phases: verbose ? requestPhases(r.stderr, r.wallS) : [],
  };
}

/** CPU busy fraction of the whole machine over `ms`, from /proc/stat. */
async function busy(ms: number): Promise<number> {
  const read = () => readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const a = read();
  await new Promise((r) => setTimeout(r, ms));
  const b = read();
  const d = b.map((v, i) => v - a[i]);
  const total = d.reduce((x, y) => x + y, 0);
  const idle = d[3] + (d[4] ?? 0);
  return total > 0 ? 1 - idle / total : 0;
}

/**
 * Right after the pods settle, a hundred stand-ins are still warming up (first exports, JIT) and the
 * machine is saturated for a second or two; a user diagnoses a cluster that has been running. Wait until
 * two consecutive seconds are under 50% busy (at most 20 s) and say how long that took.
 */
async function quiesce(): Promise<number> {
  const t0 = performance.now();
  let calm = 0;
  while (calm < 2 && performance.now() - t0 < 20_000) { calm = (await busy(1000)) < 0.5 ? calm + 1 : 0; }
  return (performance.now() - t0) / 1000;
}

async function bench(name: string, manifests: string, apiLatencyMs: number) {
  const cluster = await startCluster({ manifests: [manifests], apiLatencyMs, log: () => {}, settleTimeoutMs: 180_000 });
  try {
    process.stderr.write(`bench: ${name}: ${cluster.podCount} pods settled; waited ${(await quiesce()).toFixed(1)} s for the machine to calm down\n`);
    const results = [];
    for (let i = 0; i < runs; i++) {
      const r = await diagnose(cluster);
      if (verbose || r.findings === undefined) { process.stderr.write(`--- ${name} run ${i + 1} stderr:\n${r.stderr}\n`); }
      results.push(summarize(name, cluster, r));
    }
    // The simulator's own floor for one exec (no API, no WebSocket): what every plugin exec costs at least.
    const pod = cluster.store.list(typeByKind('Pod')!).find((p) => p.metadata.namespace !== 'kube-system' && !/collector/.test(p.metadata.name) && p.status?.phase === 'Running');
    if (pod) {
      const times: number[] = [];
      for (let i = 0; i < 10; i++) {
        const t = performance.now();
        await cluster.runtime.exec({ namespace: pod.metadata.namespace ?? "default", pod: pod.metadata.name, container: pod.spec.containers[0].name, command: ['sh', '-c', 'true'], stdin: false, tty: false },
          { stdout: new PassThrough().resume(), stderr: new PassThrough().resume() }, new AbortController().signal);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      for (const r of results) { r.runtimeExecMedianMs = Math.round(times[5]); }
    }
    return results;
  } finally {
    await cluster.stop();
  }
}

process.stderr.write(`bench: ${cpus().length} CPUs, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
const all = [];
if (only !== 'large') { all.push(...await bench('seed', join(REPO_ROOT, 'test/scenarios/seed/manifests'), 0)); }
if (only !== 'seed') {
const dir = writeLargeScenario();
try { all.push(...await bench('large', dir, latencyMs)); } finally { rmSync(dir, { recursive: true, force: true }); }
}

if (asJson) { process.stdout.write(JSON.stringify(all, null, 2) + '\n'); } else {
  for (const r of all) {
    process.stdout.write([
      `${r.scenario}: ${r.pods} pods in ${r.namespaces} namespaces, API latency ${r.apiLatencyMs} ms`,
      `  wall ${r.wallSeconds} s${r.scenario === 'large' ? ` (target < ${LARGE_TARGET_S} s: ${r.wallSeconds < LARGE_TARGET_S ? 'ok' : 'OVER TARGET'})` : ''}, exit ${r.exitCode}, ${r.findings ?? '?'} findings, peak RSS ${r.peakRssMB} MB${r.pluginCpuSeconds !== undefined ? `, plugin CPU ${r.pluginCpuSeconds} s${r.scenario === 'large' ? ` (target < ${LARGE_TARGET_CPU_S} s: ${r.pluginCpuSeconds < LARGE_TARGET_CPU_S ? 'ok' : 'OVER TARGET'})` : ''} (the simulated cluster shares the machine's ${cpus().length} CPUs)` : ''}`,
      ...(r.runtimeExecMedianMs !== undefined ? [`  one exec in the simulator's runtime (sh -c true, no API): median ${r.runtimeExecMedianMs} ms of 10`] : []),
      ...r.phases,
      `  API requests ${r.requests}: ${Object.entries(r.byVerb).map(([k, v]) => `${k} ${v}`).join(', ')}`,
      `  lists per namespace: ${Object.entries(r.listsPerNamespace).map(([k, v]) => `${k} ${v}`).join(', ')}`,
      `  lists by resource: ${Object.entries(r.listsByResource).map(([k, v]) => `${k} ${v}`).join(', ')}`,
      ...(r.errors.length ? [`  failed requests: ${r.errors.slice(0, 10).join('; ')}${r.errors.length > 10 ? ' ...' : ''}`] : []),
    ].join('\n') + '\n');
  }
  process.stdout.write(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
}
