// Measures the runtime at scale: N pods (default 110) on two nodes with the real Network, time until all
// are Ready and the total PSS of every process the runtime started. Run as root:
//   node_modules/.bin/node test/sim/runtime/bench.ts [pods] [standinDir]
// Without a standinDir the test fixture stands in (test/sim/runtime/testdata/standins).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Store, typeByKind } from '../store.ts';
import { Runtime } from './index.ts';

const count = Number(process.argv[2] ?? 110);
const standinDir = resolve(process.argv[3] ?? join(import.meta.dirname, 'testdata/standins'));
const POD = typeByKind('Pod')!;
const NODE = typeByKind('Node')!;

function pss(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch { return 0; }
}

const stateDir = mkdtempSync(join(tmpdir(), 'sim-bench-'));
const store = new Store();
const runtime = new Runtime({ store, stateDir, runId: `b${randomBytes(3).toString('hex')}`, repoRoot: join(import.meta.dirname, '../../..'), standinDir });
const cleanup = () => { runtime.cleanupSync(); rmSync(stateDir, { recursive: true, force: true }); };
process.once('SIGINT', () => { cleanup(); process.exit(130); });
process.once('SIGTERM', () => { cleanup(); process.exit(143); });
try {
  await runtime.start();
  for (const n of ['sim-node-1', 'sim-node-2']) { store.create(NODE, { apiVersion: 'v1', kind: 'Node', metadata: { name: n } }); }
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const image = i < 3 && !process.argv[3] ? 'otel/opentelemetry-collector-contrib:0.98.0' : 'busybox';
    store.create(POD, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, namespace: 'default' },
      spec: { nodeName: `sim-node-${(i % 2) + 1}`, containers: [{ name: 'c', image, ports: [{ containerPort: 8080 }], readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }] },
    });
  }
  let allIPs = 0;
  let allRunning = 0;
  for (;;) {
    const pods = store.list(POD);
    if (!allIPs && pods.every((p) => p.status?.podIP)) { allIPs = performance.now() - t0; }
    if (!allRunning && pods.every((p) => p.status?.containerStatuses?.[0]?.state?.running)) { allRunning = performance.now() - t0; }
    const ready = pods.filter((p) => p.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True')).length;
    if (ready === count) { break; }
    if (performance.now() - t0 > 180_000) { throw new Error(`only ${ready}/${count} Ready after 180 s`); }
    await new Promise((r) => setTimeout(r, 200));
  }
  const secs = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 2000)); // let start-up garbage settle before measuring
  const pids = runtime.pids();
  const total = pids.reduce((s, p) => s + pss(p), 0) + pss(process.pid);
  console.log(JSON.stringify({ pods: count, readySeconds: Number(secs.toFixed(1)), allPodIPsSeconds: Number((allIPs / 1000).toFixed(1)), allRunningSeconds: Number((allRunning / 1000).toFixed(1)), processes: pids.length, totalPssMB: Math.round(total / 2 ** 20), perProcessPssMB: Number((total / 2 ** 20 / pids.length).toFixed(1)), simulatorPssMB: Math.round(pss(process.pid) / 2 ** 20) }));
  await runtime.stop();
} finally {
  cleanup();
}
