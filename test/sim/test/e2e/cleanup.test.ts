// Nothing of a run survives it: after a normal run, a failing command, and a run interrupted by SIGINT,
// SIGTERM or SIGHUP (during the command, and during bring-up held at a known stage), no network namespace,
// /etc/netns dir, veth, state dir or process of the run remains. Signals are sent only at points the run
// announces, never after a delay. Drives the real CLI as a child process. Needs root; skips otherwise.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Network } from '../../runtime/network.ts';
import { HOLD_ENV, HOLD_MARKER } from '../../hold.ts';

const here = dirname(fileURLToPath(import.meta.url));
const REPO = join(here, '../../../..');
const NODE = join(REPO, 'node_modules/.bin/node');
const CLI = join(here, '../../cli.ts');
const SEED = join(REPO, 'test/scenarios/seed/manifests');

const skip = process.getuid?.() !== 0 ? 'needs root: the simulated cluster creates network namespaces' : false;

function rootVeths(): Set<string> {
  const r = spawnSync('ip', ['-o', 'link', 'show', 'type', 'veth'], { encoding: 'utf8' });
  return new Set(r.stdout.split('\n').map((l) => l.split(':')[1]?.trim().split('@')[0]).filter(Boolean));
}

/** Everything a run could leave behind, found by its run id and state dir. */
function leftovers(runId: string, stateDir: string, vethsBefore: Set<string>): string[] {
  const out: string[] = [];
  const tag = `osim-${runId}-`;
  const netns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes(tag));
  out.push(...netns.map((n) => `netns ${n}`));
  if (existsSync('/etc/netns')) { out.push(...readdirSync('/etc/netns').filter((e) => e.includes(tag)).map((e) => `/etc/netns/${e}`)); }
  for (const v of rootVeths()) { if (!vethsBefore.has(v)) { out.push(`veth ${v} in the root namespace`); } }
  if (existsSync(stateDir)) { out.push(`state dir ${stateDir}`); }
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) { continue; }
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (cmd.includes(tag) || cmd.includes(stateDir) || env.includes(stateDir)) { out.push(`process ${pid}: ${cmd.replace(/\0/g, ' ').trim()}`); }
    } catch { /* gone meanwhile, or a kernel thread */ }
  }
  return out;
}

interface RunOutcome { code: number | null; signal: NodeJS.Signals | null; stderr: string; runId: string; stateDir: string; bringUpS?: number }

interface Interrupt {
  signal: NodeJS.Signals;
  /** Sent the moment stderr so far matches: only at a point the run itself announces, never after a delay. */
  when: RegExp;
  /** Runs just before the signal is sent, with stderr so far (the run is held or busy at that point). */
  before?: (stderr: string) => void;
}

const runLine = (stderr: string) => /sim: run ([0-9a-f]+), state (\S+)/.exec(stderr);

/** Runs the CLI; `interrupt` sends a signal when stderr matches `interrupt.when`. */
function runCli(cmd: string[], interrupt?: Interrupt, argv = [CLI, 'run', '--manifests', SEED, '--', ...cmd], env: NodeJS.ProcessEnv = {}): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const c = spawn(NODE, argv, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    let sent = false;
    let failed: unknown;
    c.stderr.on('data', (d) => {
      stderr += d;
      if (interrupt && !sent && interrupt.when.test(stderr)) {
        sent = true;
        try { interrupt.before?.(stderr); } catch (e) { failed = e; }
        c.kill(interrupt.signal);
      }
    });
    c.stdout.resume();
    const timer = setTimeout(() => { c.kill('SIGKILL'); reject(new Error(`cli did not finish in 90 s:\n${stderr}`)); }, 90_000);
    c.on('error', reject);
    c.on('close', (code, signal) => {
      clearTimeout(timer);
      if (failed) { reject(failed); return; }
      const m = runLine(stderr);
      if (!m) { reject(new Error(`no run id in stderr:\n${stderr}`)); return; }
      if (interrupt && !sent) { reject(new Error(`the run never printed ${interrupt.when}, so it was not signalled:\n${stderr}`)); return; }
      const up = /cluster up in ([\d.]+) s/.exec(stderr);
      resolve({ code, signal, stderr, runId: m[1], stateDir: m[2], bringUpS: up ? Number(up[1]) : undefined });
    });
  });
}

describe('teardown leaves nothing behind', { skip, concurrency: false }, () => {
  // Bring-up time is reported, not asserted: a budget fails on a loaded machine and proves nothing on a
  // fast one (npm run bench:sim measures it against its target).
  test('normal run: exits with the command\'s code 0 once the cluster was up', { timeout: 120_000 }, async (t) => {
    const before = rootVeths();
    const r = await runCli(['sh', '-c', 'test -n "$KUBECONFIG" && kubectl get ns observability >/dev/null']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.bringUpS !== undefined, `no 'cluster up in' line: ${r.stderr}`);
    t.diagnostic(`seed bring-up: ${r.bringUpS} s`);
    assert.deepEqual(leftovers(r.runId, r.stateDir, before), []);
  });

  test('failing command: its exit code is passed through', { timeout: 120_000 }, async () => {
    const before = rootVeths();
    const r = await runCli(['sh', '-c', 'exit 7']);
    assert.equal(r.code, 7, r.stderr);
    assert.deepEqual(leftovers(r.runId, r.stateDir, before), []);
  });

  test('a command that cannot start: 127', { timeout: 120_000 }, async () => {
    const before = rootVeths();
    const r = await runCli(['/nonexistent/otel-doctor-no-such-command']);
    assert.equal(r.code, 127, r.stderr);
    assert.deepEqual(leftovers(r.runId, r.stateDir, before), []);
  });

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    test(`${signal} while the command runs: forwarded, torn down, 128+n`, { timeout: 120_000 }, async () => {
      const before = rootVeths();
      const name = signal.slice(3);
      // The command announces itself once its trap is set, so the signal meets a running command on any
      // machine; the trap's line proves the CLI forwarded it (the CLI's own exit code would not).
      const cmd = `trap 'echo "cmd: got ${name}" >&2; kill $pid; exit 0' ${name}; sleep 60 & pid=$!; echo "cmd: running" >&2; wait $pid`;
      const r = await runCli(['sh', '-c', cmd], { signal, when: /cmd: running/ });
      const n = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 }[signal];
      assert.equal(r.code, 128 + n, r.stderr);
      assert.match(r.stderr, new RegExp(`cmd: got ${name}`));
      assert.deepEqual(leftovers(r.runId, r.stateDir, before), []);
    });
  }

  test('an in-process user of startCluster() killed by SIGTERM still cleans up, then dies of the signal', { timeout: 120_000 }, async () => {
    const before = rootVeths();
    const script = `import { startCluster } from ${JSON.stringify(CLI)};
      await startCluster({ manifests: [${JSON.stringify(SEED)}] });
      setInterval(() => {}, 1000);`;
    const r = await runCli([], { signal: 'SIGTERM', when: /cluster up in/ }, ['--input-type=module', '-e', script]);
    assert.equal(r.signal, 'SIGTERM', r.stderr);
    assert.deepEqual(leftovers(r.runId, r.stateDir, before), []);
  });

  test('SIGKILL of a cluster owner: the next sweep ends the processes left in its namespaces, then removes them', { timeout: 120_000 }, async () => {
    const before = rootVeths();
    const script = `import { startCluster } from ${JSON.stringify(CLI)};
      await startCluster({ manifests: [${JSON.stringify(SEED)}] });
      setInterval(() => {}, 1000);`;
    // SIGKILL skips every handler: containers (started detached, in their own process groups) outlive it.
    const r = await runCli([], { signal: 'SIGKILL', when: /cluster up in/ }, ['--input-type=module', '-e', script]);
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    const orphans = leftovers(r.runId, r.stateDir, before);
    assert.ok(orphans.some((l) => l.startsWith('process ')), `a SIGKILLed run leaves its containers running:\n${orphans.join('\n')}`);
    assert.ok(orphans.some((l) => l.startsWith('netns ')), 'and its namespaces');
    // A test file running alongside may sweep first (every startCluster() does): either way the sweep ends them.
    Network.sweepStale();
    // The state dir is left for sweepStaleStateDirs(), which waits until it is old enough to be sure.
    assert.deepEqual(leftovers(r.runId, r.stateDir, before).filter((l) => !l.startsWith('state dir ')), []);
    rmSync(r.stateDir, { recursive: true, force: true });
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} during bring-up, with pod namespaces and containers up: 128+n, nothing left`, { timeout: 120_000 }, async () => {
      const before = rootVeths();
      let held: string[] = [];
      // The bring-up holds (OTEL_DOCTOR_SIM_HOLD_AT) once a container runs, until the signal: the signal
      // lands mid-bring-up however fast or slow the machine is.
      const r = await runCli(['sleep', '60'], {
        signal,
        when: new RegExp(HOLD_MARKER),
        before: (stderr) => {
          const m = runLine(stderr)!;
          held = leftovers(m[1], m[2], before);
        },
      }, undefined, { [HOLD_ENV]: 'pods' });
      assert.equal(r.code, 128 + { SIGINT: 2, SIGTERM: 15 }[signal], r.stderr);
      assert.doesNotMatch(r.stderr, /cluster up in/);
      assert.ok(held.some((l) => l.startsWith('netns ')) && held.some((l) => l.startsWith('process ')), `namespaces and containers existed when the signal was sent:\n${held.join('\n')}`);
      assert.deepEqual(leftovers(r.runId, r.stateDir, before), []);
    });
  }
});

describe('up and down', { skip, concurrency: false }, () => {
  /** `up` in the background: resolves `up` once it says the cluster is up, `closed` with its exit code. */
  function up(stateDir: string): { up: Promise<void>; closed: Promise<number | null>; running: () => boolean } {
    const c = spawn(NODE, [CLI, 'up', '--manifests', SEED, '--state-dir', stateDir], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let exited = false;
    const closed = new Promise<number | null>((resolve) => c.on('close', (code) => { exited = true; resolve(code); }));
    const upP = new Promise<void>((resolve, reject) => {
      c.stderr.on('data', (d) => {
        stderr += d;
        if (/cluster is up/.test(stderr)) { resolve(); }
      });
      void closed.then((code) => reject(new Error(`up ended (${code}) before the cluster was up:\n${stderr}`)));
    });
    c.stdout.resume();
    return { up: upP, closed, running: () => !exited };
  }

  test('down --state-dir stops the cluster of that state dir, not the one started last', { timeout: 300_000 }, async () => {
    const [dirA, dirB] = ['a', 'b'].map((x) => join(REPO, '.sim', `down-${x}-${process.pid}`));
    const a = up(dirA);
    await a.up;
    const b = up(dirB);
    try {
      await b.up;
      // B is the latest (.sim/current names it): asking for A must still stop A.
      const downA = spawnSync(NODE, [CLI, 'down', '--state-dir', dirA], { cwd: REPO, encoding: 'utf8' });
      assert.equal(downA.status, 0, downA.stderr);
      assert.equal(await a.closed, 0);
      assert.equal(b.running(), true, 'the other cluster is still up');
      const again = spawnSync(NODE, [CLI, 'down', '--state-dir', dirA], { cwd: REPO, encoding: 'utf8' });
      assert.notEqual(again.status, 0, 'nothing is up there any more');
      const downB = spawnSync(NODE, [CLI, 'down', '--state-dir', dirB], { cwd: REPO, encoding: 'utf8' });
      assert.equal(downB.status, 0, downB.stderr);
      assert.equal(await b.closed, 0);
    } finally {
      for (const d of [dirA, dirB]) { spawnSync(NODE, [CLI, 'down', '--state-dir', d], { cwd: REPO }); }
      await Promise.all([a.closed, b.closed]);
    }
  });
});
