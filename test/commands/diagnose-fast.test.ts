// `diagnose` started without oclif (dist/bundle/diagnose.js, src/diagnose-fast.ts) must be the same command
// as oclif's: the same stdout, stderr and exit code for the same argv, with OTEL_DOCTOR_NO_FAST_START=1
// forcing oclif's start-up. A fresh bundle is built into a temporary install (bin/run.js, package.json,
// dist/bundle), so the test does not depend on the working tree's dist/. A module hook logs which bundle
// files each run loads: the fast path must never load the chunk that holds @oclif/core.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../../scripts/bundle.ts';
import { runAsync } from '../helpers/run.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let dir = '';
let run = '';
/** the bundle's files that hold @oclif/core (esbuild keeps each module's path as a comment) */
let oclifChunks: string[] = [];

const HOOK = `import { registerHooks } from 'node:module';
registerHooks({ resolve(s, c, next) { const r = next(s, c); if (/dist\\/bundle\\/.*\\.js$/.test(r.url)) process.stderr.write('LOADED ' + r.url.replace(/.*dist\\/bundle\\//, '') + ' ' + process.execArgv.filter((a) => a.startsWith('--max-semi')).join(' ') + '\\n'); return r; } });`;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'otel-doctor-fastdiag-'));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(ROOT, 'bin', 'run.js'), join(dir, 'bin', 'run.js'));
  // package.json first: run.js trusts the bundle only when it is newer
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  await bundle({ outdir: join(dir, 'dist', 'bundle') });
  writeFileSync(join(dir, 'hook.mjs'), HOOK);
  run = join(dir, 'bin', 'run.js');
  const chunks = join(dir, 'dist', 'bundle', 'chunks');
  oclifChunks = readdirSync(chunks).filter((f) => readFileSync(join(chunks, f), 'utf8').includes('node_modules/@oclif/core/lib/parser/parse.js')).map((f) => `chunks/${f}`);
  assert.equal(oclifChunks.length, 1, 'one chunk holds oclif');
});
after(() => { if (dir) { rmSync(dir, { recursive: true, force: true }); } });

interface Run { status: number; stdout: string; stderr: string; loaded: string[]; capped: boolean }

async function cli(args: string[], env: Record<string, string>, fast: boolean): Promise<Run> {
  const e: Record<string, string> = { NO_COLOR: '1', NODE_OPTIONS: `--import ${join(dir, 'hook.mjs')}`, OTEL_DOCTOR_NO_FAST_START: fast ? '' : '1', ...env };
  const r = await runAsync(process.execPath, [run, ...args], e, 150_000);
  const loaded = [...r.stderr.matchAll(/^LOADED (\S+)( --max-semi-space-size=16)?$/gm)];
  return {
    status: r.code,
    stdout: r.stdout,
    stderr: r.stderr.replace(/^LOADED .*\n/gm, ''),
    loaded: loaded.map((m) => m[1]),
    // every bundle file was loaded by the re-executed Node, the one with the young generation capped
    capped: loaded.length > 0 && loaded.every((m) => m[2] !== undefined),
  };
}

/** Runs argv both ways; asserts the same result, which path each took, and returns the fast run. */
async function same(args: string[], env: Record<string, string> = {}, declined = false): Promise<Run> {
  const what = args.join(' ');
  const fast = await cli(args, env, true);
  const slow = await cli(args, env, false);
  assert.equal(fast.stdout, slow.stdout, `${what}: stdout`);
  assert.equal(fast.stderr, slow.stderr, `${what}: stderr`);
  assert.equal(fast.status, slow.status, `${what}: exit code`);
  assert.ok(fast.loaded.includes('diagnose.js') && !slow.loaded.includes('diagnose.js'), `${what}: ${fast.loaded}`);
  assert.ok(slow.loaded.includes('cli.js') && slow.loaded.includes(oclifChunks[0]), `${what}: oclif's path loads oclif`);
  if (declined) {
    assert.ok(fast.loaded.includes('cli.js'), `${what}: declined, so oclif starts`);
  } else {
    assert.ok(!fast.loaded.includes('cli.js') && !fast.loaded.some((f) => oclifChunks.includes(f)), `${what}: the fast path loaded ${fast.loaded}`);
  }
  if (process.platform === 'linux') { assert.ok(fast.capped && slow.capped, `${what}: --max-semi-space-size=16`); }
  return fast;
}

test('without a usable kubeconfig, and on usage errors: what oclif\'s start-up prints, byte for byte', async () => {
  const env = { KUBECONFIG: join(dir, 'none.yaml'), HOME: dir };
  const missing = ['diagnose', '--kubeconfig', join(dir, 'nonexist')];
  const r = await same(missing, env);
  assert.equal(r.status, 3);
  assert.match(r.stderr, /^error: .*\nhint: .*\n\(run with -v for details\)\n$/);
  assert.equal((await same([...missing, '-v', '-o', 'json'], env)).status, 3);
  assert.equal((await same(['diagnose', '--all-contexts', '-o', 'json'], env)).status, 3);
  // usage errors found after the parse (by the shared runner): exit 2
  for (const bad of [['--timeout', '0s'], ['--request-timeout', 'soon'], ['--operator-version', '1.2'], ['--ignore', 'no-such-rule']]) {
    const u = await same([...missing, ...bad], env);
    assert.equal(u.status, 2, `${bad.join(' ')}: ${u.stderr}`);
  }
  // left to oclif: a value out of range, help, an unknown flag
  assert.equal((await same([...missing, '--concurrency', '0'], env, true)).status, 2);
  assert.equal((await same(['diagnose', '--bogus'], env, true)).status, 2);
  // a debugging run (DEBUG, here matching nothing, so the output stays comparable) goes to oclif as well
  await same(missing, { ...env, DEBUG: 'nothing-here' }, true);
  const help = await same(['diagnose', '-h'], env, true);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Exit codes:/);
});

const skipSim = process.getuid?.() !== 0 ? 'needs root: the simulated cluster creates network namespaces' : false;

test('on a (simulated) cluster: the same report, stderr and exit code both ways', { skip: skipSim, timeout: 600_000 }, async () => {
  const { startCluster } = await import('../sim/cli.ts');
  const cluster = await startCluster({ manifests: [join(ROOT, 'test/scenarios/seed/manifests')], log: () => {} });
  try {
    const env = { KUBECONFIG: cluster.kubeconfig };
    // the moment of the report is the one thing that differs between two runs
    const stable = (out: string): string => out.replace(/"generatedAt": "[^"]*"/, '"generatedAt": "-"');
    const runs = [['diagnose', '-n', 'observability', '-o', 'json'], ['diagnose', '-n', 'observability', '--no-exec', '-o', 'table'], ['diagnose', '-n', 'observability', '--no-exec', '-o', 'wide', '--color', 'always']];
    for (const args of runs) {
      const fast = await cli(args, env, true);
      const slow = await cli(args, env, false);
      const what = args.join(' ');
      assert.equal(stable(fast.stdout), stable(slow.stdout), what);
      assert.equal(fast.stderr, slow.stderr, what);
      // the seed scenario has an error finding (receivers bound to 127.0.0.1)
      assert.equal(fast.status, 1, `${what}: ${fast.stderr}`);
      assert.equal(slow.status, 1, what);
      assert.ok(fast.loaded.includes('diagnose.js') && !fast.loaded.some((f) => f === 'cli.js' || oclifChunks.includes(f)), `${what}: ${fast.loaded}`);
      if (args.includes('always')) { assert.match(fast.stdout, /\u001b\[/, 'coloured'); }
      if (args.includes('json')) {
        assert.match(fast.stdout, /"generatedAt": "/, 'the normalisation above applies');
        assert.ok(JSON.parse(fast.stdout).summary.errors > 0);
      }
    }
  } finally {
    await cluster.stop();
  }
});
