import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitCodeFor, normalizeArgv, parseDuration } from '../../src/commands/diagnose.ts';
import { UsageError } from '../../src/errors.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin', 'kubectl-otel_doctor');
const built = existsSync(join(ROOT, 'dist', 'commands', 'diagnose.js'));
const skipBuilt = !built && 'needs the build (npm run build / scripts/setup.sh)';

/** Logs every module URL resolved to stderr, so a test can tell what a command loaded. */
const HOOK = `import { registerHooks } from 'node:module';
registerHooks({ resolve(s, c, next) { const r = next(s, c); if (r.url.includes('@kubernetes/client-node')) process.stderr.write('LOADED-CLIENT-NODE ' + r.url + '\\n'); return r; } });`;

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(BIN, args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 60_000 });
}

test('parseDuration, exitCodeFor and the optional --debug-container value', () => {
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('2'), 2000);
  for (const bad of ['abc', '10x', '', '5s garbage', '-1s']) { assert.throws(() => parseDuration(bad), UsageError); }
  assert.equal(exitCodeFor({ errors: 1, warnings: 0 }, 'error'), 1);
  assert.equal(exitCodeFor({ errors: 0, warnings: 3 }, 'error'), 0);
  assert.equal(exitCodeFor({ errors: 0, warnings: 3 }, 'warning'), 1);
  assert.equal(exitCodeFor({ errors: 5, warnings: 3 }, 'never'), 0);
  assert.deepEqual(normalizeArgv(['--debug-container', '-n', 'x']), ['--debug-container=busybox:1.36', '-n', 'x']);
  assert.deepEqual(normalizeArgv(['--debug-container=alpine:3']), ['--debug-container=alpine:3']);
});

test('version, --help and a token user\'s diagnose never load @kubernetes/client-node; an exec-plugin user\'s does', { skip: skipBuilt }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-hook-'));
  try {
    const hook = join(dir, 'hook.mjs');
    writeFileSync(hook, HOOK);
    // The module hook sees package imports by name, which the esbuild bundle has inlined into chunks:
    // check the module graph itself (the bundle keeps it lazy the same way; bench:startup measures it).
    const env = { NODE_OPTIONS: `--import ${hook}`, OTEL_DOCTOR_NO_BUNDLE: '1' };
    for (const args of [['version'], ['version', '-o', 'json'], ['--help'], ['diagnose', '--help']]) {
      const r = run(args, env);
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /LOADED-CLIENT-NODE/, `${args.join(' ')} loaded client-node`);
    }
    const kc = join(dir, 'kc.yaml');
    writeFileSync(kc, 'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:2", insecure-skip-tls-verify: true}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n');
    const r = run(['diagnose', '--kubeconfig', kc, '--request-timeout', '3s'], env);
    assert.doesNotMatch(r.stderr, /LOADED-CLIENT-NODE/, 'a token is read without client-node');
    assert.match(r.stderr, /127\.0\.0\.1:2/, 'and the diagnosis did try the server');
    // credentials only client-node reads: an exec plugin (it never runs: the server is unreachable first)
    const plugin = join(dir, 'plugin.yaml');
    writeFileSync(plugin, readFileSync(kc, 'utf8').replace('user: {token: t}', `user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: ${JSON.stringify(process.execPath)}, args: ["-e", "process.stdout.write(JSON.stringify({apiVersion:'client.authentication.k8s.io/v1',kind:'ExecCredential',status:{token:'t'}}))"], interactiveMode: Never}}`));
    const viaPlugin = run(['diagnose', '--kubeconfig', plugin, '--request-timeout', '3s'], env);
    assert.match(viaPlugin.stderr, /LOADED-CLIENT-NODE/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('version -o json carries version, commit and node', { skip: skipBuilt }, () => {
  const r = run(['version', '-o', 'json']);
  assert.equal(r.status, 0);
  const v = JSON.parse(r.stdout);
  assert.match(v.version, /^\d+\.\d+\.\d+/);
  assert.equal(v.node, process.versions.node);
  assert.ok(typeof v.gitCommit === 'string');
});

test('exit codes: 2 for usage errors, 3 when the cluster cannot be diagnosed, no stack traces', { skip: skipBuilt }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-exit-'));
  try {
    const bad = [['diagnose', '--fail-on', 'bogus'], ['diagnose', '--timeout', 'abc'], ['diagnose', '-o', 'xml'], ['diagnose', '--no-such-flag'], ['diagnose', '-A', '-n', 'x']];
    for (const args of bad) {
      const r = run(args, { KUBECONFIG: join(dir, 'none') });
      assert.equal(r.status, 2, `${args.join(' ')} -> ${r.status}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at .*\.js:\d+/, 'no stack trace');
    }
    // no kubeconfig at all, no in-cluster service account
    const none = run(['diagnose'], { KUBECONFIG: join(dir, 'missing.yaml'), HOME: dir });
    assert.equal(none.status, 3, none.stderr);
    assert.match(none.stderr, /^error: no kubeconfig found/m);
    const missing = run(['diagnose', '--kubeconfig', join(dir, 'nope.yaml')]);
    assert.equal(missing.status, 3);
    assert.match(missing.stderr, /no such file or directory/);
    // an API server that refuses connections
    const kc = join(dir, 'kc.yaml');
    writeFileSync(kc, 'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:2", insecure-skip-tls-verify: true}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: x\n  context: {cluster: c, user: u, namespace: observability}\ncurrent-context: x\n');
    const dead = run(['diagnose', '--kubeconfig', kc]);
    assert.equal(dead.status, 3, dead.stderr);
    assert.match(dead.stderr, /ECONNREFUSED/);
    assert.doesNotMatch(dead.stderr, /\n\s+at /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the launcher resolves its real directory through a symlink (as krew installs it)', { skip: skipBuilt }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-link-'));
  try {
    const link = join(dir, 'kubectl-otel_doctor');
    symlinkSync(BIN, link);
    const r = spawnSync(link, ['version'], { encoding: 'utf8', env: { ...process.env, PATH: '/usr/bin:/bin' } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^otel-doctor v\d/);
    // kubectl finds it on PATH as `kubectl otel-doctor`
    if (spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0) {
      const k = spawnSync('kubectl', ['otel-doctor', 'version'], { encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
      assert.equal(k.status, 0, k.stderr);
      assert.match(k.stdout, /^otel-doctor v\d/);
    }
    // an explicit node that does not exist: a clear error, exit 3
    const bad = spawnSync(link, ['version'], { encoding: 'utf8', env: { ...process.env, OTEL_DOCTOR_NODE: join(dir, 'no-node') } });
    assert.equal(bad.status, 3);
    assert.match(bad.stderr, /OTEL_DOCTOR_NODE/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
