// The linux-arm64 standalone binary, run on this amd64 machine under qemu-user with an arm64 sysroot
// (scripts/arm64-sysroot.sh; .ci/run prepares both after `npm run package`). It must start with no Node,
// say it is linux/arm64, and lint exactly as the development build does. Skips, saying why, without them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ARCHIVE = join(ROOT, 'release', 'kubectl-otel_doctor_linux_arm64.tar.gz');
const SYSROOT = join(ROOT, 'node_modules', '.cache', 'otel-doctor-arm64', 'root');
const qemu = ['/usr/bin/qemu-aarch64-static', '/usr/bin/qemu-aarch64'].find((p) => existsSync(p));
const skip = !existsSync(ARCHIVE)
  ? 'no release/kubectl-otel_doctor_linux_arm64.tar.gz: run `npm run package`'
  : !qemu || !existsSync(join(SYSROOT, 'lib', 'ld-linux-aarch64.so.1'))
    ? 'no qemu-user or arm64 sysroot: run `sh scripts/arm64-sysroot.sh` (root, apt)'
    : false;

test('the linux-arm64 binary runs (qemu-user): version says linux/arm64, lint gives the development build\'s findings', { skip, timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-arm64-'));
  try {
    execFileSync('tar', ['xzf', ARCHIVE, '-C', dir]);
    const bin = join(dir, 'kubectl-otel_doctor');
    // ELF, 64-bit, e_machine EM_AARCH64 (0xb7): read from the header, no `file` needed
    const head = Buffer.alloc(20);
    const fd = openSync(bin, 'r');
    try { readSync(fd, head, 0, 20, 0); } finally { closeSync(fd); }
    assert.equal(head.subarray(0, 4).toString('latin1'), '\x7fELF');
    assert.equal(head[4], 2, 'ELFCLASS64');
    assert.equal(head.readUInt16LE(18), 0xb7, 'EM_AARCH64');
    // No node on PATH: the binary brings its runtime.
    const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', NO_COLOR: '1', HOME: dir };
    const arm = (args: string[]) => spawnSync(qemu!, ['-L', SYSROOT, bin, ...args], { env, encoding: 'utf8', timeout: 120_000 });
    const v = arm(['version', '-o', 'json']);
    assert.equal(v.status, 0, v.stderr);
    const info = JSON.parse(v.stdout) as { version: string; platform: string; node: string };
    assert.equal(info.platform, 'linux/arm64');
    assert.equal(info.version, (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    // A scenario with real findings and an upstream example without: same rules, subjects and exit codes.
    let findings = 0;
    for (const input of [join(ROOT, 'test', 'scenarios', 'seed', 'manifests'), join(ROOT, '..', 'shared', 'fixtures', 'upstream', 'helm-collector-deployment-otlp-traces')]) {
      if (!existsSync(input)) { continue; }
      const a = arm(['lint', input, '-o', 'json']);
      const d = spawnSync(join(ROOT, 'bin', 'kubectl-otel_doctor'), ['lint', input, '-o', 'json'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      assert.equal(a.status, d.status, `${input}: exit codes\narm64: ${a.stderr}\ndev: ${d.stderr}`);
      const strip = (out: string) => (JSON.parse(out) as { findings: Array<Record<string, unknown>> }).findings.map(({ rule, severity, subject, location }) => ({ rule, severity, subject, location }));
      assert.deepEqual(strip(a.stdout), strip(d.stdout), input);
      findings += strip(a.stdout).length;
    }
    assert.ok(findings > 0, 'the seed scenario has findings to compare');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
