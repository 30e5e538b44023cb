// The simulated cluster at scale (issue 2): brings up the generated large scenario (3 collectors + 50 app
// Deployments x 2 replicas over 5 namespaces, test/scenarios-large/) and prints the wall time until every
// pod settled, the pod count, the peak total PSS of the run's processes (the simulator plus every process
// its runtime started, sampled during bring-up and after) and how much MemAvailable fell. Then the seed
// scenario's bring-up, median of 3. Targets: large < 60 s and < 6 GB. Needs root.
//
// --real-node-sdk F: the fraction of the large scenario's Node apps that run the real OpenTelemetry JS SDK
// (generate.ts; default all), to weigh what the real SDK costs against the stand-in.
//
//   node scripts/bench-sim.ts [--runs 3] [--json] [--real-node-sdk F]
import { readdirSync, readFile, readFileSync, readlinkSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { loadavg, cpus } from 'node:os';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, REPO_ROOT, type Cluster } from '../test/sim/cli.ts';
import { writeLargeScenario } from '../test/scenarios-large/generate.ts';

const readFileAsync = promisify(readFile);
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] || 3) || 3;
const asJson = args.includes('--json');
const realNodeSdk = args.includes('--real-node-sdk') ? Number(args[args.indexOf('--real-node-sdk') + 1]) : undefined;
const SEED = join(REPO_ROOT, 'test/scenarios/seed/manifests');
const LARGE_TARGET_S = 60;
const LARGE_TARGET_BYTES = 6 * 2 ** 30;

if (process.getuid?.() !== 0) { process.stderr.write('bench-sim: needs root (the simulated cluster creates network namespaces)\n'); process.exit(2); }

function memAvailable(): number {
  const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** PSS counts a shared page once in total (split among its users), so the sum is the run's real footprint. */
async function pss(pid: number): Promise<number> {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(await readFileAsync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch { return 0; }
}

const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on Linux x86-64 and arm64

/** User + system CPU seconds a process has used so far (/proc/<pid>/stat utime and stime). */
async function cpuSeconds(pid: number): Promise<number> {
  try {
    const stat = await readFileAsync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch { return 0; }
}

/**
 * Samples the run's total PSS until stopped; the runtime's pids are read anew each time (pods come and go).
 * Also the CPU its processes have used (the simulator's own excluded), by pid, at their last sample: a
 * figure the machine's load does not move, unlike wall time.
 */
function sampler(getPids: () => number[], everyMs: number) {
  let peak = 0, peakProcesses = 0, minAvail = memAvailable(), stopped = false;
  const cpu = new Map<number, number>();
  const loop = (async () => {
    while (!stopped) {
      const pids = [process.pid, ...getPids()];
      const total = (await Promise.all(pids.map(pss))).reduce((a, b) => a + b, 0);
      if (total > peak) { peak = total; peakProcesses = pids.length; }
      minAvail = Math.min(minAvail, memAvailable());
      for (const pid of pids.slice(1)) { const c = await cpuSeconds(pid); if (c > 0) { cpu.set(pid, c); } }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return { async stop() { stopped = true; await loop; return { peak, peakProcesses, minAvail, cpuSeconds: [...cpu.values()].reduce((a, b) => a + b, 0) }; } };
}

/**
 * Every process of a run: those whose network namespace is one of the run's (containers, prober agents,
 * exec sessions, `ip` helpers at work), found by the namespace files' inodes as `ip netns pids` does.
 * Usable during bring-up, before startCluster() hands out the runtime.
 */
function runPids(runId: string): number[] {
  const prefix = `osim-${runId}-`;
  const inodes = new Set<number>();
  for (const n of readdirSync('/run/netns').filter((f) => f.startsWith(prefix))) { try { inodes.add(statSync(join('/run/netns', n)).ino); } catch { /* gone */ } }
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    const pid = Number(e);
    if (!Number.isInteger(pid) || pid === process.pid) { continue; }
    try { const m = /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/net`)); if (m && inodes.has(Number(m[1]))) { out.push(pid);  }} catch { /* exited */ }
  }
  return out;
}

const fmtGB = (b: number) => `${(b / 2 ** 30).toFixed(2)} GB`;

const load = loadavg().map((x) => x.toFixed(2)).join(' ');
process.stderr.write(`bench-sim: ${cpus().length} CPUs, load average before: ${load}\n`);

// ---- large scenario ----
const dir = writeLargeScenario(undefined, { realNodeSdk });
const availBefore = memAvailable();
let cluster: Cluster | undefined;
let runId = '';
const s = sampler(() => (runId ? runPids(runId) : []), 1000);
const log: string[] = [];
const t0 = performance.now();
let large;
try {
  cluster = await startCluster({
    manifests: [dir], settleTimeoutMs: 180_000,
    log: (l) => { log.push(l); runId ||= /^sim: run ([0-9a-f]+),/.exec(l)?.[1] ?? ''; },
  });
  const wallS = (performance.now() - t0) / 1000;
  // Start-up garbage and the first probe rounds settle within a few seconds; keep sampling through them.
  await new Promise((r) => setTimeout(r, 5000));
  const mem = await s.stop();
  const availAfter = memAvailable();
  large = {
    pods: cluster.podCount, bringUpSeconds: Number(wallS.toFixed(1)), clusterReportedSeconds: Number((cluster.bringUpMs / 1000).toFixed(1)),
    processes: mem.peakProcesses, processesCpuSeconds: Number(mem.cpuSeconds.toFixed(1)), peakTotalPss: mem.peak, memAvailableDelta: availBefore - availAfter, memAvailableMaxDrop: availBefore - mem.minAvail,
  };
} finally {
  await s.stop();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
}
if (log.some((l) => /rules sync failed|error/i.test(l))) { process.stderr.write(log.filter((l) => /rules sync failed|error/i.test(l)).join('\n') + '\n'); }

// ---- seed scenario, median of N ----
const seedTimes: number[] = [];
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  const c = await startCluster({ manifests: [SEED], log: () => {} });
  seedTimes.push((performance.now() - t) / 1000);
  await c.stop();
}
const sorted = [...seedTimes].sort((a, b) => a - b);
const seedMedian = sorted[Math.floor(sorted.length / 2)];
const loadAfter = loadavg().map((x) => x.toFixed(2)).join(' ');

const result = { cpus: cpus().length, loadBefore: load, loadAfter, realNodeSdk: realNodeSdk ?? 1, large, seed: { runs: seedTimes.map((x) => Number(x.toFixed(2))), medianSeconds: Number(seedMedian.toFixed(2)) } };
if (asJson) { process.stdout.write(JSON.stringify(result, null, 2) + '\n'); } else {
  const ok = (b: boolean) => (b ? 'ok' : 'OVER TARGET');
  process.stdout.write([
    `large scenario (real Node SDK in ${(realNodeSdk ?? 1) * 100}% of its Node apps): ${large.pods} pods settled in ${large.bringUpSeconds} s (target < ${LARGE_TARGET_S} s: ${ok(large.bringUpSeconds < LARGE_TARGET_S)})`,
    `  peak total PSS (simulator + ${large.processes - 1} processes in the run's namespaces): ${fmtGB(large.peakTotalPss)} (target < 6 GB: ${ok(large.peakTotalPss < LARGE_TARGET_BYTES)})`,
    `  CPU used by the processes in the run's namespaces, to settled + 5 s: ${large.processesCpuSeconds} s`,
    `  host MemAvailable: ${fmtGB(large.memAvailableDelta)} less after bring-up, ${fmtGB(large.memAvailableMaxDrop)} at the lowest sample`,
    `seed scenario bring-up: median ${seedMedian.toFixed(2)} s of ${runs} (${seedTimes.map((x) => x.toFixed(2)).join(', ')})`,
    `load average before: ${load}; after: ${loadAfter} (${cpus().length} CPUs)`,
  ].join('\n') + '\n');
}
const failed = large.bringUpSeconds >= LARGE_TARGET_S || large.peakTotalPss >= LARGE_TARGET_BYTES;
process.exitCode = failed ? 1 : 0;
