// plugin.yaml against the rules of krew's validator (pkg/index/validation) and the krew-index CI, the
// archives it points to (built by `npm run package` into release/), and the linux-amd64 binary used the
// way krew installs it: on PATH, found by kubectl, diagnosing the simulated seed cluster exactly as the
// development build does.
// The archives are not built by `npm test` (three Node runtimes, ~1-3 min): without them the archive
// tests skip and say so. The cluster test needs root.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RELEASE = join(ROOT, 'release');
const manifest = parse(readFileSync(join(ROOT, 'plugin.yaml'), 'utf8')) as {
  apiVersion: string; kind: string; metadata: { name: string };
  spec: { version: string; homepage?: string; shortDescription: string; description: string; caveats?: string;
    platforms: Array<{ selector: { matchLabels?: Record<string, string>; matchExpressions?: unknown }; uri: string; sha256: string; bin: string; files: Array<{ from: string; to: string }> }> };
};
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

/** The os/arch pairs krew knows (and that krew-index CI installs on). */
const SUPPORTED = ['darwin/amd64', 'darwin/arm64', 'linux/amd64', 'linux/arm64', 'linux/arm', 'linux/ppc64le', 'linux/s390x', 'windows/amd64', 'windows/arm64', 'windows/386', 'linux/386'];

const archiveOf = (p: (typeof manifest.spec.platforms)[number]) => join(RELEASE, p.uri.split('/').at(-1)!);
function listArchive(file: string): string[] {
  if (file.endsWith('.zip')) { return execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' }).split('\n').filter(Boolean); }
  return execFileSync('tar', ['tzf', file], { encoding: 'utf8' }).split('\n').filter(Boolean).map((f) => f.replace(/^\.\//, ''));
}
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

test('plugin.yaml passes krew validation', () => {
  const { spec } = manifest;
  assert.equal(manifest.apiVersion, 'krew.googlecontainertools.github.com/v1alpha2');
  assert.equal(manifest.kind, 'Plugin');
  assert.match(manifest.metadata.name, /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'plugin name: lowercase, digits, inner dashes');
  assert.match(spec.version, /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/, 'semver with a leading v');
  assert.equal(spec.version, `v${pkg.version}`, 'the version of package.json');
  assert.ok(spec.shortDescription.trim() && !spec.shortDescription.includes('\n') && spec.shortDescription.length <= 50, 'one-line shortDescription (krew-index: at most 50 characters)');
  assert.match(spec.description, /read-only/i);
  assert.match(spec.caveats ?? '', /deploy\/rbac\.yaml/);
  assert.match(spec.homepage ?? '', /^https:\/\//);
  assert.ok(spec.platforms.length > 0, 'platforms: run `npm run package`');
  const seen = new Map<string, number>();
  for (const [i, p] of spec.platforms.entries()) {
    const where = `platforms[${i}]`;
    assert.deepEqual(Object.keys(p.selector), ['matchLabels'], `${where}: selector with matchLabels only`);
    assert.deepEqual(Object.keys(p.selector.matchLabels ?? {}).sort(), ['arch', 'os'], `${where}: os and arch labels`);
    const pair = `${p.selector.matchLabels!.os}/${p.selector.matchLabels!.arch}`;
    assert.ok(SUPPORTED.includes(pair), `${where}: unsupported ${pair}`);
    assert.ok(!seen.has(pair), `${where}: ${pair} also matched by platforms[${seen.get(pair)}]`);
    seen.set(pair, i);
    const windows = p.selector.matchLabels!.os === 'windows';
    assert.match(p.uri, windows ? /^https:\/\/.+\.zip$/ : /^https:\/\/.+\.tar\.gz$/, `${where}: uri`);
    assert.ok(p.uri.endsWith(`kubectl-otel_doctor_${p.selector.matchLabels!.os}_${p.selector.matchLabels!.arch}.${windows ? 'zip' : 'tar.gz'}`), `${where}: archive name`);
    assert.match(p.sha256, /^[a-f0-9]{64}$/, `${where}: sha256`);
    assert.equal(p.bin, windows ? 'kubectl-otel_doctor.exe' : 'kubectl-otel_doctor', `${where}: bin`);
    assert.ok(p.files.length > 0 && p.files.every((f) => f.from && f.to), `${where}: files with from/to`);
    assert.ok(p.files.some((f) => /^LICEN[SC]E/.test(f.from)), `${where}: a license file`);
    assert.ok(p.files.some((f) => f.from === p.bin), `${where}: files carry the bin`);
  }
  for (const must of ['linux/amd64', 'linux/arm64']) { assert.ok(seen.has(must), must); }
});

const archives = manifest.spec.platforms.map((p) => ({ p, file: archiveOf(p) }));
const present = archives.filter((a) => existsSync(a.file));
const noArchives = present.length === 0 && `no archives in release/: run \`npm run package\` to test them`;

test('every archive matches its sha256 and holds its bin, the license and its files', { skip: noArchives }, () => {
  for (const { p, file } of present) {
    assert.equal(sha256(file), p.sha256, `${file}: sha256 in plugin.yaml is stale (re-run npm run package)`);
    const entries = listArchive(file);
    assert.ok(entries.includes(p.bin), `${file} lacks ${p.bin}`);
    assert.ok(entries.includes('LICENSE'), `${file} lacks LICENSE`);
    for (const f of p.files) { assert.ok(entries.includes(f.from), `${file} lacks ${f.from}`); }
    assert.ok(entries.every((e) => !e.includes('..') && !e.startsWith('/')), `${file}: unsafe path`);
  }
});

const linux = archives.find((a) => a.p.selector.matchLabels?.os === 'linux' && a.p.selector.matchLabels?.arch === 'amd64');
const noLinux = process.arch !== 'x64' ? 'not an x86-64 machine' : !linux || !existsSync(linux.file) ? 'release/kubectl-otel_doctor_linux_amd64.tar.gz absent: run `npm run package`' : false;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  // async: the simulated API server lives in this process
  return new Promise((res, rej) => {
    const c = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => { stdout += d; });
    c.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => c.kill('SIGKILL'), 180_000);
    c.on('error', rej);
    c.on('close', (code) => { clearTimeout(timer); res({ code: code ?? -1, stdout, stderr }); });
  });
}

describe('the linux-amd64 archive, installed the way krew does', { skip: noLinux, concurrency: 1 }, () => {
  let dir = '';
  let env: NodeJS.ProcessEnv = {};
  test('unpacked first on PATH: kubectl finds it, version and completion work without Node', () => {
    dir = mkdtempSync(join(tmpdir(), 'otel-doctor-krew-'));
    execFileSync('tar', ['xzf', linux!.file, '-C', dir]);
    // no node anywhere on this PATH: the binary must be self-contained
    env = { ...process.env, PATH: `${dir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, NO_COLOR: '1', OTEL_DOCTOR_NODE: '' };
    const list = spawnSync('kubectl', ['plugin', 'list'], { env, encoding: 'utf8' });
    assert.match(list.stdout, new RegExp(`${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/kubectl-otel_doctor`));
    const v = spawnSync('kubectl', ['otel-doctor', 'version', '-o', 'json'], { env, encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr);
    const info = JSON.parse(v.stdout) as { version: string; node: string; gitCommit: string; platform: string };
    assert.equal(info.version, pkg.version);
    assert.equal(info.platform, 'linux/amd64');
    assert.match(info.gitCommit, /^[0-9a-f]{40}$/);
    const c = spawnSync('kubectl', ['__complete', 'otel-doctor', 'ex'], { env, encoding: 'utf8' });
    assert.match(c.stdout, /^explain\t/m);
  });

  test('diagnose -o json of the seed scenario: the same findings as the development build', { skip: process.getuid?.() !== 0 && 'needs root: the simulated cluster creates network namespaces', timeout: 400_000 }, async () => {
    const { startCluster } = await import('../sim/cli.ts');
    const cluster = await startCluster({ manifests: [join(ROOT, 'test', 'scenarios', 'seed', 'manifests')], log: () => {} });
    try {
      const args = ['diagnose', '-o', 'json', '-n', 'observability'];
      const packaged = await run('kubectl', ['otel-doctor', ...args], { ...env, KUBECONFIG: cluster.kubeconfig });
      const dev = await run(join(ROOT, 'bin', 'kubectl-otel_doctor'), args, { ...process.env, KUBECONFIG: cluster.kubeconfig, NO_COLOR: '1' });
      assert.equal(packaged.code, dev.code, `exit codes\npackaged: ${packaged.stderr}\ndev: ${dev.stderr}`);
      const strip = (out: string) => {
        const r = JSON.parse(out) as { findings: Array<Record<string, unknown>>; generatedAt?: string };
        return r.findings.map(({ rule, severity, subject, summary, fix }) => ({ rule, severity, subject, summary, fix }));
      };
      const got = strip(packaged.stdout);
      assert.ok(got.some((f) => f.rule === 'receiver-bound-to-loopback'), 'the seed root cause');
      assert.deepEqual(got, strip(dev.stdout));
    } finally {
      await cluster.stop();
    }
  });

  test('clean up', () => {
    if (dir) { rmSync(dir, { recursive: true, force: true }); }
  });
});

test('the development launcher and the standalone binaries run Node with the same V8 flags', () => {
  const launcher = readFileSync(join(ROOT, 'bin/kubectl-otel_doctor'), 'utf8');
  const pkg = readFileSync(join(ROOT, 'scripts/package.ts'), 'utf8');
  const execLine = /^exec "\$node" (.*) "\$bindir\/run\.js" "\$@"$/m.exec(launcher);
  assert.ok(execLine, 'the launcher execs node with its flags');
  const fromLauncher = execLine[1].split(' ');
  const sea = /execArgv: (\[[^\]]*\])/.exec(pkg);
  assert.ok(sea, 'package.ts sets the SEA execArgv');
  assert.deepEqual(JSON.parse(sea[1].replace(/'/g, '"')), fromLauncher);
});
