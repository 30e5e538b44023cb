// The default output as a person sees it: the binary in a real pseudo-terminal (tmux) of a set size. It
// must find the terminal's width by itself, colour severities and proof labels there, never write a line
// the terminal has to wrap, and drop colour in a pipe (where COLUMNS gives the width).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MANIFESTS = join(ROOT, 'test', 'scenarios', 'seed', 'manifests');

const tmuxRuns = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
const skip = !tmuxRuns && 'tmux is not installed (scripts/setup.sh installs it as root with apt-get)';

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) { t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs); }
  }
  return t;
}

/**
 * The launcher (bin/kubectl-otel_doctor) when its bundle is at least as new as src/, as it decides itself;
 * else a bundle of the current sources built by scripts/bundle.ts into a temporary directory, so the test
 * judges this code, not an old build.
 */
async function binary(tmp: string): Promise<string[]> {
  const bundled = join(ROOT, 'dist', 'bundle', 'cli.js');
  if (existsSync(bundled) && statSync(bundled).mtimeMs >= newest(join(ROOT, 'src'))) { return [join(ROOT, 'bin', 'kubectl-otel_doctor')]; }
  const { bundle } = await import('../../scripts/bundle.ts');
  return [process.execPath, await bundle({ single: true, outdir: tmp })];
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs `cmd` in a detached tmux session of `cols` x 200 on a private server; the pane's text, escapes kept. */
let sessions = 0;
function inTmux(socket: string, cols: number, cmd: string): { text: string; joined: string } {
  const name = `s${++sessions}`;
  const tmux = (...args: string[]): string => {
    const r = spawnSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, `tmux ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const chan = `done-${socket}-${name}`;
  // The pane stays after the command ends (remain-on-exit); wait-for returns once the command signalled,
  // also when it signalled first (tmux marks the channel woken).
  tmux('new-session', '-d', '-s', name, '-x', String(cols), '-y', '200', `env -u NO_COLOR -u COLUMNS sh -c ${q(`${cmd}; tmux -L ${socket} wait-for -S ${chan}`)}`);
  tmux('set-option', '-t', name, 'remain-on-exit', 'on');
  tmux('wait-for', chan);
  const text = tmux('capture-pane', '-p', '-e', '-t', name, '-S', '-', '-E', '-');
  const joined = tmux('capture-pane', '-p', '-J', '-t', name, '-S', '-', '-E', '-');
  // tmux's own status line for a finished pane is not output.
  const own = (t: string): string => t.replace(/\n*Pane is dead[^\n]*\n*$/, '').trimEnd();
  return { text: own(text), joined: own(joined) };
}

test('in a real terminal: the width is the terminal\'s, severity and proof labels are coloured; a pipe gets neither colour nor more than COLUMNS', { skip, timeout: 600_000 }, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'otel-doctor-tty-'));
  const socket = `otel-doctor-test-${process.pid}`;
  try {
    const bin = (await binary(tmp)).map(q).join(' ');
    const lint = `${bin} lint ${q(MANIFESTS)}`;
    for (const cols of [80, 132]) {
      const { text, joined } = inTmux(socket, cols, lint);
      const plain = text.replace(/\x1b\[[0-9;]*m/g, '');
      assert.match(text, /\x1b\[31mERROR/, `severity coloured at ${cols}:\n${text}`);
      assert.match(text, /\x1b\[34mconfig/, 'proof label coloured');
      assert.match(plain, /^SEVERITY +RULE +SUBJECT +WHAT\nERROR +receiver-bound-to-loopback +Deployment/m);
      if (cols === 132) { assert.match(plain, /^ERROR +receiver-bound-to-loopback +Deployment observability\/otel-collector +otlp receiver listens/m); }
      const lines = plain.split('\n');
      for (const l of lines) { assert.ok(l.length <= cols, `${l.length} > ${cols}: ${l}`); }
      // Nothing the terminal wrapped: joining its soft-wrapped lines changes nothing.
      assert.equal(joined.split('\n').length, lines.length, 'the terminal wrapped a line');
      // The width was detected, not the default: at 132 the prose runs past 100 columns.
      if (cols === 132) { assert.ok(lines.some((l) => l.length > 100), 'width 132 detected'); }
    }
    const piped = inTmux(socket, 132, `COLUMNS=90 ${lint} | cat`);
    assert.doesNotMatch(piped.text, /\x1b\[3\dm/, 'no colour in a pipe');
    for (const l of piped.text.split('\n')) { assert.ok(l.length <= 90, `${l.length} > 90 (COLUMNS): ${l}`); }
    assert.ok(piped.text.split('\n').some((l) => l.length > 80), 'COLUMNS=90 used');
    const forced = inTmux(socket, 100, `${lint} --color always | cat`);
    assert.match(forced.text, /\x1b\[31mERROR/, '--color always colours a pipe');
  } finally {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
    rmSync(tmp, { recursive: true, force: true });
  }
});
