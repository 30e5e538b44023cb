// `version` and the top-level `--help` come from dist/bundle/fast.js (src/fast-start.ts) without oclif. They
// must print exactly what oclif prints: the same bundle is run with the fast path and without it
// (OTEL_DOCTOR_NO_FAST_START=1), at several widths, with and without colour, and on a terminal. A fresh
// bundle is built into a temporary install (bin/run.js, package.json, dist/bundle), so the test does not
// depend on the state of the working tree's dist/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../../scripts/bundle.ts';
import { fastText, type FastData } from '../../src/fast-start.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
let dir = '';
let run = '';

/** Logs whether the CLI bundle was loaded, so a case can tell which path answered. */
const HOOK = `import { registerHooks } from 'node:module';
registerHooks({ resolve(s, c, next) { const r = next(s, c); if (/dist\\/bundle\\/(cli|fast)\\.js$/.test(r.url)) process.stderr.write('LOADED ' + r.url.replace(/.*\\//, '') + '\\n'); return r; } });`;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'otel-doctor-fast-'));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(ROOT, 'bin', 'run.js'), join(dir, 'bin', 'run.js'));
  // package.json first: run.js trusts the bundle only when it is newer
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  await bundle({ outdir: join(dir, 'dist', 'bundle'), commit: COMMIT });
  writeFileSync(join(dir, 'hook.mjs'), HOOK);
  run = join(dir, 'bin', 'run.js');
});
after(() => { if (dir) { rmSync(dir, { recursive: true, force: true }); } });

function cli(args: string[], env: Record<string, string | undefined>, fast: boolean): { out: string; loaded: string[] } {
  const e: Record<string, string | undefined> = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, OCLIF_COLUMNS: undefined, NODE_OPTIONS: `--import ${join(dir, 'hook.mjs')}`, ...env };
  if (!fast) { e.OTEL_DOCTOR_NO_FAST_START = '1'; }
  const r = spawnSync(process.execPath, [run, ...args], { encoding: 'utf8', env: e as NodeJS.ProcessEnv, timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return { out: r.stdout, loaded: [...r.stderr.matchAll(/^LOADED (\S+)/gm)].map((m) => m[1]) };
}

test('version, --help and -h: the fast path prints what oclif prints, and never loads the CLI', () => {
  const cases: [string[], Record<string, string | undefined>[]][] = [
    [['version'], [{}, { FORCE_COLOR: '1' }]],
    [['--help'], [{}, { OCLIF_COLUMNS: '40' }, { OCLIF_COLUMNS: '57' }, { OCLIF_COLUMNS: '1000' }, { FORCE_COLOR: '3', OCLIF_COLUMNS: '63' }, { NO_COLOR: '1' }]],
    [['-h'], [{ FORCE_COLOR: '1' }]],
  ];
  for (const [args, envs] of cases) {
    for (const env of envs) {
      const fast = cli(args, env, true);
      const slow = cli(args, env, false);
      const what = `${args.join(' ')} ${JSON.stringify(env)}`;
      assert.equal(fast.out, slow.out, what);
      assert.deepEqual(fast.loaded, ['fast.js'], what);
      assert.deepEqual(slow.loaded, ['cli.js'], what);
    }
  }
  assert.match(cli(['version'], {}, true).out, new RegExp(`^otel-doctor v\\d+\\.\\d+\\.\\d+ \\(commit ${COMMIT}, node v${process.versions.node}, `));
  assert.match(cli(['--help'], { FORCE_COLOR: '1' }, true).out, /^\u001b\[1mVERSION\u001b\[22m\n/);
});

// CI is unset as on a user's terminal: supports-color turns colour off under a CI variable of no known vendor.
test('on a terminal (a pty, at its own width) too', { skip: spawnSync('script', ['--version']).status !== 0 && 'needs script(1)' }, () => {
  for (const cols of [45, 80, 132]) {
    const tty = (fast: boolean): string => {
      const r = spawnSync('script', ['-qec', `stty cols ${cols}; ${fast ? '' : 'OTEL_DOCTOR_NO_FAST_START=1 '}'${process.execPath}' '${run}' --help`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, TERM: 'xterm-256color', NO_COLOR: undefined, FORCE_COLOR: undefined, OCLIF_COLUMNS: undefined, CI: undefined } as NodeJS.ProcessEnv, timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const fast = tty(true);
    assert.equal(fast, tty(false), `${cols} columns`);
    assert.match(fast, /\u001b\[1mCOMMANDS/, 'bold headers on a terminal');
  }
});

test('a theme oclif would read, or a width below 40: left to oclif', () => {
  const xdg = join(dir, 'xdg');
  mkdirSync(join(xdg, 'otel-doctor'), { recursive: true });
  writeFileSync(join(xdg, 'otel-doctor', 'theme.json'), '{"sectionHeader": "red", "command": "cyan"}');
  for (const env of [{ XDG_CONFIG_HOME: xdg, FORCE_COLOR: '1' }, { OCLIF_COLUMNS: '20' }]) {
    const fast = cli(['--help'], env, true);
    assert.deepEqual(fast.loaded, ['fast.js', 'cli.js'], JSON.stringify(env));
    assert.equal(fast.out, cli(['--help'], env, false).out);
  }
});

test('fastText declines what its data was not rendered for', () => {
  const data: FastData = {
    node: process.versions.node, platform: process.platform, arch: process.arch, version: 'v\n',
    help: { userAgent: 'x', name: 'x', pluginVersion: '0', dirname: 'none', configDirVars: [], disableThemeVars: [], widths: [{ from: 40, to: null, text: '\u0000USAGE\u0000\n  $ x\n' }] },
  };
  const deps = { colorize: (_: string | undefined, t: string) => `*${t}*`, width: 80, isWsl: () => false };
  assert.equal(fastText(data, ['version'], deps), 'v\n');
  assert.equal(fastText({ ...data, node: '1.0.0' }, ['version'], deps), undefined);
  assert.equal(fastText(data, ['version', '-o', 'json'], deps), undefined);
  assert.equal(fastText(data, ['--help'], deps), undefined, 'another userAgent');
  const ua = `x/0 ${process.platform}-${process.arch === 'ia32' ? 'x86' : process.arch} node-${process.version}`;
  const help = { ...data, help: { ...data.help, userAgent: ua } };
  assert.equal(fastText(help, ['--help'], deps), '*USAGE*\n  $ x\n');
  assert.equal(fastText(help, ['--help'], { ...deps, width: 39 }), undefined);
  assert.equal(fastText({ ...help, version: undefined }, ['version'], deps), undefined, 'no commit known at build time');
});
