// The simulated cluster's entry point: `npm run sim -- [run|up|down] --manifests DIR ... -- CMD [ARGS...]`.
// Brings up API server, controllers and runtime, loads the manifests, waits until every pod has settled,
// runs CMD against the cluster and tears everything down on every path (normal end, failure, signals).
// Tests import `startCluster()` so they and the CLI share one bring-up and one teardown.
// This file is the command line (run, up and its detach, down); the bring-up is cluster.ts, the settle
// check settle.ts, the arguments cli-args.ts, all re-exported here for the tests and benches that import it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, openSync, closeSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants as osConstants } from 'node:os';
import { REPO_ROOT, startCluster, UsageError, type Cluster } from './cluster.ts';
import { SettleError } from './settle.ts';
import { parseArgs, USAGE, type Args } from './cli-args.ts';

export * from './cluster.ts';
export * from './settle.ts';
export { parseArgs, parseDuration } from './cli-args.ts';

const CURRENT_FILE = join(REPO_ROOT, '.sim/current');
/** In an `up` cluster's own state dir: its CLI's pid, for `down --state-dir`. */
const CLI_FILE = 'cli.json';

const signalExit = (sig: NodeJS.Signals) => 128 + (osConstants.signals[sig] ?? 1);

function readCurrent(): { pid: number; kubeconfig: string; stateDir: string } | undefined {
  try { return JSON.parse(readFileSync(CURRENT_FILE, 'utf8')); } catch { return undefined; }
}
function isOurCli(pid: number): boolean {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some((a) => a.endsWith('test/sim/cli.ts')); } catch { return false; }
}

/**
 * Stops the cluster `up` left running: the one whose state dir is `stateDir` when given (several may be
 * up at once, and stopping another than the one named would tear down someone's cluster), else the
 * latest (.sim/current).
 */
async function down(stateDir?: string): Promise<number> {
  let cur: { pid: number } | undefined;
  if (stateDir) {
    try { cur = JSON.parse(readFileSync(join(stateDir, CLI_FILE), 'utf8')); } catch { cur = undefined; }
    if (!cur) { process.stderr.write(`sim: no cluster is up with state dir ${stateDir} (no ${CLI_FILE} there)\n`); return 1; }
  } else {
    cur = readCurrent();
  }
  if (!cur) { process.stderr.write('sim: no cluster is up (no .sim/current)\n'); return 1; }
  // A stale file may name a pid the system has since given to another program: only signal our own CLI.
  if (!isOurCli(cur.pid)) {
    const stale = stateDir ? join(stateDir, CLI_FILE) : CURRENT_FILE;
    rmSync(stale, { force: true });
    process.stderr.write(`sim: cluster process ${cur.pid} is gone; removed the stale ${stale}\n`);
    return 0;
  }
  process.kill(cur.pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (isOurCli(cur.pid) && Date.now() < deadline) { await new Promise((r) => setTimeout(r, 100)); }
  if (isOurCli(cur.pid)) { process.stderr.write(`sim: cluster process ${cur.pid} did not stop within 30 s\n`); return 1; }
  process.stderr.write(`sim: cluster ${cur.pid} stopped\n`);
  return 0;
}

async function detach(argv: string[], settleTimeoutMs: number): Promise<number> {
  mkdirSync(dirname(CURRENT_FILE), { recursive: true });
  const logFile = join(dirname(CURRENT_FILE), 'up.log');
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...argv.filter((a) => a !== '--detach')], { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.unref();
  const deadline = Date.now() + settleTimeoutMs + 30_000;
  while (Date.now() < deadline) {
    const cur = readCurrent();
    if (cur && cur.pid === child.pid) {
      process.stdout.write(`export KUBECONFIG=${cur.kubeconfig}\n`);
      process.stderr.write(`sim: cluster running in the background (pid ${child.pid}, log ${logFile}); stop it with: npm run sim -- down\n`);
      return 0;
    }
    if (child.exitCode !== null || !isOurCli(child.pid!)) { break; }
    await new Promise((r) => setTimeout(r, 200));
  }
  process.stderr.write(`sim: the background cluster did not come up; see ${logFile}\n${existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : ''}\n`);
  return 3;
}

async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message) { process.stderr.write(`sim: ${e.message}\n`); }
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (args.mode === 'down') { return down(args.stateDir); }
  if (process.getuid?.() !== 0) { process.stderr.write('sim: the simulated cluster needs root (it creates network namespaces); run as root\n'); return 2; }
  if (args.mode === 'up' && args.detach) { return detach(argv, args.settleTimeoutMs); }

  let cluster: Cluster | undefined;
  let child: ChildProcess | undefined;
  let caught: NodeJS.Signals | undefined;
  let wake: (() => void) | undefined;
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (caught) {
      return; // a second Ctrl-C while tearing down must not cut the teardown short
    }
    caught = sig;
    process.stderr.write(`sim: ${sig}, tearing down\n`);
    abort.abort();
    if (child && child.exitCode === null) { child.kill(sig); }
    wake?.();
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) { process.on(s, onSignal); }

  try {
    try {
      cluster = await startCluster({
        manifests: args.manifests, virtualManifests: args.virtualManifests, virtualNodes: args.virtualNodes, apiLatencyMs: args.apiLatencyMs, apiResponseCompression: args.apiResponseCompression, apiFaults: args.apiFaults, auditLog: args.auditLog, user: args.user,
        nodes: args.nodes, stateDir: args.stateDir, settleTimeoutMs: args.settleTimeoutMs, keep: args.keep, signal: abort.signal,
        cleanupOnSignal: false, operatorVersion: args.operatorVersion, operator: !args.noOperator, ipFamily: args.ipFamily,
      });
    } catch (e) {
      // startCluster has torn down what it started; a signal during bring-up is not a failure to report.
      if (caught) { return signalExit(caught); }
      throw e;
    }
    if (caught) { return signalExit(caught); }

    if (args.mode === 'up') {
      mkdirSync(dirname(CURRENT_FILE), { recursive: true });
      const tmp = `${CURRENT_FILE}.${process.pid}`;
      writeFileSync(tmp, JSON.stringify({ pid: process.pid, kubeconfig: cluster.kubeconfig, stateDir: cluster.stateDir, runId: cluster.runId }));
      renameSync(tmp, CURRENT_FILE);
      writeFileSync(join(cluster.stateDir, CLI_FILE), JSON.stringify({ pid: process.pid }));
      process.stdout.write(`export KUBECONFIG=${cluster.kubeconfig}\n`);
      process.stderr.write('sim: cluster is up; Ctrl-C (or `npm run sim -- down`) stops it\n');
      await new Promise<void>((r) => { wake = r; if (caught) { r(); } });
      if (readCurrent()?.pid === process.pid) { rmSync(CURRENT_FILE, { force: true }); }
      return 0;
    }

    const PATH = [join(REPO_ROOT, 'bin'), join(REPO_ROOT, 'node_modules/.bin'), process.env.PATH ?? ''].join(':');
    const c = spawn(args.cmd[0], args.cmd.slice(1), { stdio: 'inherit', cwd: process.cwd(), env: { ...process.env, KUBECONFIG: cluster.kubeconfig, PATH } });
    child = c;
    const code = await new Promise<number>((resolveCode) => {
      c.once('error', (e) => { process.stderr.write(`sim: cannot run ${args.cmd[0]}: ${e.message}\n`); resolveCode(127); });
      c.once('exit', (code, sig) => resolveCode(code ?? signalExit(sig ?? 'SIGTERM')));
    });
    return caught ? signalExit(caught) : code;
  } catch (e) {
    if (e instanceof SettleError) { process.stderr.write(`sim: pods did not settle: ${e.message}\n`); return 4; }
    if (e instanceof UsageError) { process.stderr.write(`sim: ${e.message}\n`); return 2; }
    process.stderr.write(`sim: ${(e as Error).stack ?? e}\n`);
    return 3;
  } finally {
    await cluster?.stop();
    for (const s of signals) { process.off(s, onSignal); }
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => { process.stderr.write(`sim: ${(e as Error).stack ?? e}\n`); process.exit(3); },
  );
}
