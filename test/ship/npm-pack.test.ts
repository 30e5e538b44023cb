// The npm package: only the launcher, the build and the license; no sources, tests, scenarios, release
// archives or build stamps. And it runs from the unpacked tarball alone (no node_modules next to it),
// which is what `npx kubectl-otel-doctor` gets once npm has installed it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; bin: Record<string, string> };
const skip = !existsSync(join(ROOT, 'dist', 'commands')) && 'needs the build (scripts/setup.sh)';

test('npm pack: file list and a working CLI from the tarball alone', { skip, timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-pack-'));
  try {
    // prepack bundles, so the package always carries a fresh dist/bundle
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const [info] = JSON.parse(out.slice(out.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = info.files.map((f) => f.path).sort();
    for (const must of ['LICENSE', 'README.md', 'package.json', 'bin/run.js', 'bin/kubectl-otel_doctor', 'bin/kubectl_complete-otel_doctor', 'dist/bundle/cli.js', 'dist/commands/diagnose.js']) {
      assert.ok(files.includes(must), `${must} missing from the package`);
    }
    const junk = files.filter((f) => /^(src|test|scripts|release|deploy|docs|schema|node_modules|\.sim)\//.test(f) || /(^|\/)\.built$|\.ts$|\.map$|\.tsbuildinfo$|\.tgz$|\.tar\.gz$|(^|\/)\.npmignore$|expected\.yaml$|scenarios/.test(f));
    assert.deepEqual(junk, [], 'no sources, tests, scenarios or build junk');
    assert.ok(Object.values(pkg.bin).every((b) => files.includes(b)), 'the bin entry is in the package');

    execFileSync('tar', ['xzf', join(dir, info.filename), '-C', dir]);
    const bin = join(dir, 'package', Object.values(pkg.bin)[0]);
    const node = process.execPath;
    const v = spawnSync(node, [bin, 'version', '-o', 'json'], { encoding: 'utf8', cwd: dir });
    assert.equal(v.status, 0, v.stderr);
    assert.equal((JSON.parse(v.stdout) as { version: string }).version, pkg.version);
    const h = spawnSync(node, [bin, '--help'], { encoding: 'utf8', cwd: dir });
    assert.equal(h.status, 0, h.stderr);
    for (const c of ['diagnose', 'explain', 'completion', 'version']) { assert.match(h.stdout, new RegExp(`^  ${c} `, 'm')); }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
