// `npm run bench:scale` (issue 13 §2): the plugin on the standard large cluster (test/scenarios-large/
// standard.ts: 5,000 nodes, 1,000 namespaces, 10,000 Deployments x 15, an agent DaemonSet, 3 gateways, a
// few broken ones), mostly virtual pods, at --api-latency-ms 25. Prints, from one run on one cluster:
// the simulator's bring-up time and memory; `kubectl get pods -A -o json > /dev/null` wall time; the
// plugin's wall time, CPU, peak RSS, API requests and bytes read; and whether each broken one was found.
// Targets: plugin wall <= kubectl's (ratio <= 1.0) and < 30 s, peak RSS < 300 MB. Needs root.
//
//   node --max-old-space-size=4096 scripts/bench-scale.ts [--nodes N] [--namespaces N] [--apps N]
//     [--replicas N] [--latency-ms 25] [--json]
// A smaller cluster of the same shape: --nodes 700 --namespaces 130 --apps 1300 (~20,000 pods).
// Against a cluster already up (brought up with `npm run sim -- up` from the generator's output, so the
// measuring can wait for a quiet machine): --kubeconfig FILE --cluster-dir DIR [--sim-pid PID]; the
// simulator's figures are then its RSS now and at peak (from /proc), the requests the plugin's own -v log.
// --formats table,yaml: the plugin once more per output format (wall, CPU, peak RSS each: the target holds
// in every format). --npm-bin: once more as `npm i -g` starts it, bin/run.js with no Node flags (the
// launcher's --max-semi-space-size comes from run.js itself there). --skip-kubectl: no kubectl run (the
// ratio is then not printed), for measuring the plugin alone while a quiet machine lasts.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { startCluster, REPO_ROOT, type Cluster } from '../test/sim/cli.ts';
import { readStandardCluster, writeStandardCluster, type StandardClusterOptions } from '../test/scenarios-large/standard.ts';

const args = process.argv.slice(2);
const num = (name: string): number | undefined => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : undefined; };
const latencyMs = num('--latency-ms') ?? 25;
const asJson = args.includes('--json');
const shape: StandardClusterOptions = { nodes: num('--nodes'), namespaces: num('--namespaces'), apps: num('--apps'), replicas: num('--replicas') };
const str = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const external = str('--kubeconfig') ? { kubeconfig: str('--kubeconfig')!, dir: str('--cluster-dir'), simPid: num('--sim-pid') } : undefined;
const PLUGIN = join(REPO_ROOT, 'bin/kubectl-otel_doctor');
const extraFormats = (str('--formats') ?? '').split(',').filter(Boolean);
const npmBin = args.includes('--npm-bin');
const skipKubectl = args.includes('--skip-kubectl');
const GNU_TIME = '/usr/bin/time';

if (process.getuid?.() !== 0) { process.stderr.write('bench:scale: needs root (the simulated cluster creates network namespaces)\n'); process.exit(2); }

interface Timed { wallS: number; code: number | null; stdout: string; stderr: string; peakRssMB?: number; cpuS?: number }

/** Runs a command under GNU time (peak RSS and CPU of the process itself); stdout kept only when asked. */
function timed(argv: string[], env: NodeJS.ProcessEnv, keepStdout: boolean): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(GNU_TIME, ['-f', 'BENCH_MAXRSS_KB=%M BENCH_CPU_S=%U+%S', ...argv], { env, stdio: ['ignore', keepStdout ? 'pipe' : 'ignore', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => { err += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = (performance.now() - t0) / 1000;
      const m = /BENCH_MAXRSS_KB=(\d+) BENCH_CPU_S=([\d.]+)\+([\d.]+)/.exec(err);
      resolve({ wallS, code, stdout: Buffer.concat(out).toString('utf8'), stderr: err.replace(/BENCH_MAXRSS_KB=.*\n?/, ''), ...(m ? { peakRssMB: Math.round(Number(m[1]) / 1024), cpuS: Number(m[2]) + Number(m[3]) } : {}) });
    });
  });
}

interface Finding { rule: string; subject?: { kind?: string; namespace?: string; name?: string }; affected?: { namespace?: string; workload?: string; pod?: string }[]; evidence?: { detail: string }[] }

async function main(): Promise<void> {
  process.stderr.write(`bench:scale: ${cpus().length} CPUs, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  if (external && !external.dir) { throw new Error('--kubeconfig needs --cluster-dir (the generator\'s output, for its cluster.json)'); }
  const spec = external ? readStandardCluster(external.dir!) : writeStandardCluster(undefined, shape);
  process.stderr.write(`bench:scale: ${spec.pods} pods on ${spec.nodes + spec.virtualNodes} nodes in ${spec.namespaces} namespaces ${external ? 'from' : 'written to'} ${spec.dir}\n`);
  let cluster: Cluster | undefined;
  try {
    const t0 = performance.now();
    if (!external) {
      cluster = await startCluster({ manifests: spec.manifests, virtualManifests: spec.virtualManifests, nodes: spec.nodes, virtualNodes: spec.virtualNodes, apiLatencyMs: latencyMs, log: (l) => process.stderr.write(`${l}\n`), settleTimeoutMs: 1_800_000 });
    }
    const bringUpS = (performance.now() - t0) / 1000;
    const simRssMB = external ? procMB(external.simPid, 'VmRSS') : Math.round(process.memoryUsage().rss / 1048576);
    const simPeakMB = external ? procMB(external.simPid, 'VmHWM') : Math.round(process.resourceUsage().maxRSS / 1024);
    const env = { ...process.env, KUBECONFIG: external?.kubeconfig ?? cluster!.kubeconfig, PATH: `${join(REPO_ROOT, 'bin')}:${join(REPO_ROOT, 'node_modules/.bin')}:${process.env.PATH}` };
    process.stderr.write(`bench:scale: ${external ? 'cluster already up' : `${cluster!.podCount} pods up in ${bringUpS.toFixed(1)} s`}${skipKubectl ? '' : '; running kubectl get pods -A -o json'}\n`);
    const kubectl: Timed = skipKubectl ? { wallS: Number.NaN, code: null, stdout: '', stderr: '' } : await timed(['kubectl', 'get', 'pods', '-A', '-o', 'json'], env, false);
    process.stderr.write(`bench:scale: kubectl ${skipKubectl ? 'skipped' : `${kubectl.wallS.toFixed(1)} s (exit ${kubectl.code})`}; running the plugin\n`);
    const before = cluster?.api.requests.length ?? 0;
    const snapFile = join(spec.dir, `snapshot-${process.pid}.json`);
    // --timeout well past the target: the figure is how long a whole diagnosis takes, not where 30 s cuts it.
    const started = Date.now();
    const plugin = await timed([PLUGIN, 'diagnose', '-A', '-o', 'json', '-v', '--timeout', '30m', '--save-snapshot', snapFile], env, true);
    // The same diagnosis in other formats, and as the npm bin starts it: plain runs (no -v, no snapshot).
    const more: { label: string; run: Timed }[] = [];
    for (const f of extraFormats) {
      process.stderr.write(`bench:scale: the plugin with -o ${f}\n`);
      more.push({ label: `-o ${f}`, run: await timed([PLUGIN, 'diagnose', '-A', '-o', f, '--timeout', '30m'], env, false) });
    }
    if (npmBin) {
      process.stderr.write('bench:scale: the plugin as the npm bin (node bin/run.js)\n');
      more.push({ label: '-o json, npm bin (node bin/run.js, no launcher)', run: await timed([process.execPath, join(REPO_ROOT, 'bin/run.js'), 'diagnose', '-A', '-o', 'json', '--timeout', '30m'], env, false) });
    }
    // The requests: the simulator's own log when it runs here, else the plugin's -v lines (`[ms] VERB path`).
    const requests = cluster ? cluster.api.requests.slice(before).filter((r) => r.userAgent.startsWith('otel-doctor/')).map((q) => ({ kind: q.subresource ? `${q.verb} ${q.subresource}` : q.verb, what: q.resource ? `${q.verb} ${q.resource}${q.subresource ? `/${q.subresource}` : ''}` : `${q.verb} ${q.path.split('?')[0]}`, at: (Date.parse(q.ts) - started) / 1000 })) : fromVerboseLog(plugin.stderr);
    const byVerb = new Map<string, number>();
    for (const q of requests) { byVerb.set(q.what, (byVerb.get(q.what) ?? 0) + 1); }
    // Where the wall time goes: when each kind of request was first and last made, from the plugin's start.
    const spans = new Map<string, [number, number]>();
    for (const q of requests) {
      const sp = spans.get(q.kind);
      spans.set(q.kind, sp ? [Math.min(sp[0], q.at), Math.max(sp[1], q.at)] : [q.at, q.at]);
    }
    const timeline = [...spans].sort((a, b) => a[1][0] - b[1][0]).map(([k, [a, b]]) => `${k} ${a.toFixed(1)}-${b.toFixed(1)} s`).join(', ');
    const stats = /API requests: (\d+) .*?([\d.]+) MB read/.exec(plugin.stderr);
    let findings: Finding[] = [];
    let sampling: unknown;
    let policyProbes: string[] = [];
    try {
      const j = JSON.parse(plugin.stdout);
      findings = j.findings ?? [];
      const snap = JSON.parse(readFileSync(snapFile, 'utf8'));
      sampling = snap.sampling;
      // No rule judges egress policies: what the probes from that namespace met is the evidence.
      policyProbes = (snap.probes ?? []).filter((p: any) => p.from?.namespace === spec.broken.policyNamespace).map((p: any) => `${p.target.host}:${p.target.port} ${p.result}`);
    } catch {
      process.stderr.write(`bench:scale: the plugin printed no JSON (exit ${plugin.code}):\n${plugin.stderr.split('\n').filter((l) => !/^(GET|POST|EXEC|PATCH) /.test(l)).slice(-20).join('\n')}\n`);
    }
    const [gwNs, gwName] = spec.broken.loopbackGateway.split('/');
    const [wpNs, wpApp] = spec.broken.wrongPortApp.split('/');
    const touches = (f: Finding, ns: string, name?: string): boolean =>
      (f.subject?.namespace === ns && (!name || f.subject?.name === name)) || (f.affected ?? []).some((a) => a.namespace === ns && (!name || a.workload === name || a.pod?.startsWith(`${name}-`) === true));
    const broken = {
      [`loopback gateway ${spec.broken.loopbackGateway}`]: findings.filter((f) => touches(f, gwNs, gwName)).map((f) => f.rule),
      [`apps of ${spec.broken.loopbackNamespace} exporting to it`]: findings.filter((f) => (f.affected ?? []).some((a) => a.namespace === spec.broken.loopbackNamespace)).map((f) => f.rule),
      [`wrong port ${spec.broken.wrongPortApp}`]: findings.filter((f) => touches(f, wpNs, wpApp)).map((f) => f.rule),
      [`NetworkPolicy in ${spec.broken.policyNamespace}`]: findings.filter((f) => touches(f, spec.broken.policyNamespace) || (f.evidence ?? []).some((e) => e.detail.includes(`${spec.broken.policyNamespace}/`))).map((f) => f.rule),
    };
    const result = {
      cluster: { pods: cluster?.podCount ?? spec.pods, nodes: spec.nodes + spec.virtualNodes, namespaces: spec.namespaces, deployments: spec.apps, replicas: spec.replicas, apiLatencyMs: latencyMs },
      simulator: { bringUpSeconds: external ? undefined : Number(bringUpS.toFixed(1)), rssMB: simRssMB, peakRssMB: simPeakMB },
      kubectl: { wallSeconds: Number(kubectl.wallS.toFixed(2)), peakRssMB: kubectl.peakRssMB, exitCode: kubectl.code },
      plugin: {
        wallSeconds: Number(plugin.wallS.toFixed(2)), cpuSeconds: plugin.cpuS !== undefined ? Number(plugin.cpuS.toFixed(2)) : undefined, peakRssMB: plugin.peakRssMB, exitCode: plugin.code,
        requests: requests.length, timeline, byVerb: Object.fromEntries([...byVerb].sort()), apiMBRead: stats ? Number(stats[2]) : undefined, findings: findings.length, sampling,
      },
      ratio: Number((plugin.wallS / kubectl.wallS).toFixed(2)),
      broken: Object.fromEntries(Object.entries(broken).map(([k, v]) => [k, [...new Set(v)].sort()])),
      policyNamespaceProbes: policyProbes,
      more: more.map((m) => ({ run: m.label, wallSeconds: Number(m.run.wallS.toFixed(2)), cpuSeconds: m.run.cpuS, peakRssMB: m.run.peakRssMB, exitCode: m.run.code })),
      loadAverageAfter: loadavg().map((x) => Number(x.toFixed(2))),
    };
    if (asJson) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    const ok = (b: boolean): string => (b ? 'ok' : 'OVER TARGET');
    process.stdout.write([
      `standard large cluster: ${result.cluster.pods} pods, ${result.cluster.nodes} nodes, ${result.cluster.namespaces} namespaces, ${result.cluster.deployments} Deployments x ${result.cluster.replicas}, API latency ${latencyMs} ms; ${cpus().length} CPUs`,
      `  simulator: bring-up ${result.simulator.bringUpSeconds} s, RSS ${result.simulator.rssMB} MB (peak ${result.simulator.peakRssMB} MB)`,
      skipKubectl ? '  kubectl: skipped (--skip-kubectl)' : `  kubectl get pods -A -o json > /dev/null: ${result.kubectl.wallSeconds} s, peak RSS ${result.kubectl.peakRssMB} MB`,
      `  plugin diagnose -A: ${result.plugin.wallSeconds} s (${skipKubectl ? '' : `ratio ${result.ratio}, target <= 1.0: ${ok(result.ratio <= 1)}; `}< 30 s: ${ok(result.plugin.wallSeconds < 30)}), CPU ${result.plugin.cpuSeconds} s, peak RSS ${result.plugin.peakRssMB} MB (< 300 MB: ${ok((result.plugin.peakRssMB ?? Infinity) < 300)}), exit ${result.plugin.exitCode}, ${result.plugin.findings} findings`,
      ...result.more.map((m) => `  plugin diagnose -A ${m.run}: ${m.wallSeconds} s (< 30 s: ${ok(m.wallSeconds < 30)}), CPU ${m.cpuSeconds} s, peak RSS ${m.peakRssMB} MB (< 300 MB: ${ok((m.peakRssMB ?? Infinity) < 300)}), exit ${m.exitCode}`),
      `  API: ${result.plugin.requests} requests, ${result.plugin.apiMBRead ?? '?'} MB read: ${Object.entries(result.plugin.byVerb).map(([k, v]) => `${k} ${v}`).join(', ')}`,
      `  requests over time (first-last, from the plugin's start): ${timeline}`,
      `  sampling: ${JSON.stringify(sampling)}`,
      ...Object.entries(result.broken).map(([k, v]) => `  ${k}: ${v.length ? v.join(', ') : 'NOT FOUND'}`),
      `  probes from ${spec.broken.policyNamespace}: ${policyProbes.join('; ') || 'none'}`,
      `  load average after: ${result.loadAverageAfter.join(' ')}`,
    ].join('\n') + '\n');
  } finally {
    await cluster?.stop();
    if (external) { rmSync(join(spec.dir, `snapshot-${process.pid}.json`), { force: true }); } else { rmSync(spec.dir, { recursive: true, force: true }); }
  }
}

/** A process's memory line from /proc (VmRSS now, VmHWM its peak), in MB; undefined without a pid. */
function procMB(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number | undefined {
  const f = `/proc/${pid}/status`;
  if (!pid || !existsSync(f)) { return undefined; }
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(f, 'utf8'))?.[1];
  return kb ? Math.round(Number(kb) / 1024) : undefined;
}

/** The plugin's requests from its -v lines: `[1234 ms] GET /api/v1/pods?... -> 200 (56 ms)`, `[ms] EXEC ns/pod/c ...`. */
function fromVerboseLog(stderr: string): { kind: string; what: string; at: number }[] {
  const out: { kind: string; what: string; at: number }[] = [];
  for (const m of stderr.matchAll(/^\[(\d+) ms\] (GET|POST|PATCH|EXEC) (\S+)/gm)) {
    const [, ms, verb, path] = m;
    const at = Number(ms) / 1000;
    if (verb === 'EXEC') { out.push({ kind: 'exec', what: 'create pods/exec', at }); continue; }
    const bare = path.split('?')[0];
    if (/^\/(apis?|version)\/?$/.test(bare)) { out.push({ kind: 'get', what: `get ${bare}`, at }); continue; }
    const sub = /\/(log|proxy|exec)(\/|$)/.exec(bare)?.[1];
    const list = verb === 'GET' && !sub && (path.includes('limit=') || /\/[a-z]+$/.test(bare) && !/\/namespaces\/[^/]+\/[a-z]+\/[^/]+$/.test(bare));
    const resource = /\/([a-z]+)(?:\/[^/]+)?(?:\/(?:log|proxy|exec).*)?$/.exec(bare.replace(/\/namespaces\/[^/]+(?=\/)/, ''))?.[1] ?? bare;
    const v = verb === 'POST' ? 'create' : verb === 'PATCH' ? 'patch' : list ? 'list' : 'get';
    out.push({ kind: sub ? `${v} ${sub}` : v, what: `${v} ${resource}${sub ? `/${sub}` : ''}`, at });
  }
  return out;
}

await main();
