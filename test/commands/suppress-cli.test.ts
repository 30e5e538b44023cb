// Suppressions as a user meets them in `lint`: the annotation in the manifest, `.otel-doctor.yaml` found
// upward from the working directory, `--config` and `--ignore`; the exit code counts only what is left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFromSources } from '../helpers/run.ts';

const FIXTURE = new URL('../fixtures/lint/suppress/collector.yaml', import.meta.url);

function checkout(): { root: string; k8s: string; file: string } {
  const root = mkdtempSync(join(tmpdir(), 'otel-doctor-suppress-'));
  const k8s = join(root, 'deploy', 'k8s');
  mkdirSync(k8s, { recursive: true });
  const file = join(k8s, 'collector.yaml');
  cpSync(FIXTURE, file);
  return { root, k8s, file };
}

const json = (stdout: string) => JSON.parse(stdout) as { findings: Array<{ rule: string }>; suppressed?: Array<{ rule: string; suppression: { by: string; reason: string; source: string } }>; summary: Record<string, number> };

test('without a suppression the loopback receiver fails lint', () => {
  const c = checkout();
  try {
    const r = runFromSources(['lint', 'deploy/k8s', '-o', 'json'], { cwd: c.root });
    assert.equal(r.status, 1, r.stderr);
    assert.deepEqual(json(r.stdout).findings.map((f) => f.rule), ['receiver-bound-to-loopback']);
  } finally {
    rmSync(c.root, { recursive: true, force: true });
  }
});

test('the annotation on the Deployment suppresses it: exit 0, shown under suppressed with its reason', () => {
  const c = checkout();
  try {
    const text = readFileSync(c.file, 'utf8').replace('kind: Deployment\nmetadata:\n  name: otel\n', 'kind: Deployment\nmetadata:\n  name: otel\n  annotations:\n    otel-doctor.io/ignore: "receiver-bound-to-loopback: sidecar-only test collector"\n');
    assert.match(text, /otel-doctor.io\/ignore/);
    writeFileSync(c.file, text);
    const r = runFromSources(['lint', 'deploy/k8s', '-o', 'json'], { cwd: c.root });
    assert.equal(r.status, 0, r.stderr);
    const rep = json(r.stdout);
    assert.deepEqual(rep.findings, []);
    assert.deepEqual(rep.suppressed?.map((f) => [f.rule, f.suppression.by, f.suppression.reason]), [['receiver-bound-to-loopback', 'annotation', 'sidecar-only test collector']]);
    const sarif = runFromSources(['lint', 'deploy/k8s', '-o', 'sarif'], { cwd: c.root });
    assert.equal(sarif.status, 0, sarif.stderr);
    assert.equal(JSON.parse(sarif.stdout).runs[0].results[0].suppressions[0].kind, 'inSource');
  } finally {
    rmSync(c.root, { recursive: true, force: true });
  }
});

test('.otel-doctor.yaml at the checkout root applies from a subdirectory; --config names another; a typo is exit 2', () => {
  const c = checkout();
  try {
    writeFileSync(join(c.root, '.otel-doctor.yaml'), 'ignore:\n  - rule: receiver-bound-to-loopback\n    subject: "obs/otel"\n    reason: staging only\n');
    const r = runFromSources(['lint', 'k8s', '-o', 'json'], { cwd: join(c.root, 'deploy') });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(json(r.stdout).suppressed?.[0].suppression.by, 'config');

    writeFileSync(join(c.root, 'strict.yaml'), 'severity:\n  receiver-bound-to-loopback: warning\n');
    const strict = runFromSources(['lint', 'deploy/k8s', '-o', 'json', '--config', 'strict.yaml'], { cwd: c.root });
    assert.equal(strict.status, 0, `a warning does not fail --fail-on error\n${strict.stderr}`);
    assert.deepEqual(json(strict.stdout).summary, { errors: 0, warnings: 1, infos: 0 });

    writeFileSync(join(c.root, '.otel-doctor.yaml'), 'disable: [receiver-bound-to-loopbak]\n');
    const typo = runFromSources(['lint', 'deploy/k8s'], { cwd: c.root });
    assert.equal(typo.status, 2);
    assert.match(typo.stderr, /unknown rule receiver-bound-to-loopbak/);
  } finally {
    rmSync(c.root, { recursive: true, force: true });
  }
});

test('--ignore RULE=NAMESPACE/NAME suppresses only that object', () => {
  const c = checkout();
  try {
    const other = runFromSources(['lint', 'deploy/k8s', '-o', 'json', '--ignore', 'receiver-bound-to-loopback=shop/*'], { cwd: c.root });
    assert.equal(other.status, 1);
    const mine = runFromSources(['lint', 'deploy/k8s', '-o', 'json', '--ignore', 'receiver-bound-to-loopback=obs/otel'], { cwd: c.root });
    assert.equal(mine.status, 0, mine.stderr);
    assert.equal(json(mine.stdout).suppressed?.[0].suppression.source, '--ignore receiver-bound-to-loopback=obs/otel');
  } finally {
    rmSync(c.root, { recursive: true, force: true });
  }
});
