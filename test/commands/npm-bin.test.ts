// `npm i -g` links bin/run.js itself as the command (package.json "bin"), started by its shebang with no
// Node flags. The commands whose memory grows with their input replace that process with one started with
// the young-generation cap the kubectl launcher passes (bin/run.js): the same pid, once, and never when
// the flag is already there. A preload in NODE_OPTIONS (which execve keeps) logs each Node start.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RUN = join(ROOT, 'bin', 'run.js');
let dir = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'otel-doctor-npm-bin-'));
  writeFileSync(join(dir, 'log-start.mjs'), "import { appendFileSync } from 'node:fs';\nappendFileSync(process.env.STARTS_LOG, `${process.pid} ${JSON.stringify(process.execArgv)}\\n`);\n");
  writeFileSync(join(dir, 'app.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: {}\n');
});
after(() => { if (dir) { rmSync(dir, { recursive: true, force: true }); } });

/** Runs `argv` and returns each Node start it made (pid and execArgv), with its exit status and output. */
function starts(argv: string[], nodeOptions = ''): { starts: { pid: number; execArgv: string[] }[]; status: number | null; stdout: string; stderr: string } {
  const log = join(dir, `starts-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(log, '');
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 120_000, env: { ...process.env, STARTS_LOG: log, NODE_OPTIONS: `--import ${join(dir, 'log-start.mjs')} ${nodeOptions}`.trim(), NO_COLOR: '1' } });
  const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return {
    starts: lines.map((l) => ({ pid: Number(l.slice(0, l.indexOf(' '))), execArgv: JSON.parse(l.slice(l.indexOf(' ') + 1)) as string[] })),
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
  };
}

test('the npm bin (run.js with no flags) runs lint in the same process restarted with the launcher\'s semi-space cap', { skip: process.platform === 'win32' && 'no execve on Windows' }, () => {
  const bare = starts([process.execPath, RUN, 'lint', dir]);
  assert.equal(bare.starts.length, 2, JSON.stringify(bare));
  assert.equal(bare.starts[0].pid, bare.starts[1].pid, 'execve keeps the pid: no second process waits');
  assert.ok(!bare.starts[0].execArgv.some((a) => a.startsWith('--max-semi-space-size')));
  assert.deepEqual(bare.starts[1].execArgv, ['--max-semi-space-size=16']);
  // What the restarted one prints and exits with is what the launcher's start gives.
  const launcher = starts([join(ROOT, 'bin', 'kubectl-otel_doctor'), 'lint', dir]);
  assert.equal(launcher.starts.length, 1, 'the launcher passes the flag: no restart');
  assert.deepEqual(launcher.starts[0].execArgv, ['--max-semi-space-size=16']);
  assert.equal(bare.status, launcher.status);
  assert.equal(bare.stdout, launcher.stdout);
});

test('Node flags given to the npm bin are kept after the restart', { skip: process.platform === 'win32' && 'no execve on Windows' }, () => {
  const r = starts([process.execPath, '--stack-size=2000', RUN, 'lint', dir]);
  assert.equal(r.starts.length, 2, JSON.stringify(r));
  assert.deepEqual(r.starts[1].execArgv, ['--max-semi-space-size=16', '--stack-size=2000']);
});

test('no restart where the cap is already set or the command does not grow with its input', () => {
  assert.equal(starts([process.execPath, RUN, 'lint', dir], '--max-semi-space-size=8').starts.length, 1, 'NODE_OPTIONS sets it');
  assert.equal(starts([process.execPath, '--max-semi-space-size=4', RUN, 'lint', dir]).starts.length, 1, 'a flag of the user\'s own');
  assert.equal(starts([process.execPath, '--max_semi_space_size=4', RUN, 'lint', dir]).starts.length, 1, 'V8 spelling');
  const v = starts([process.execPath, RUN, 'version']);
  assert.equal(v.starts.length, 1, 'version answers from the first start');
  assert.equal(v.status, 0);
});
