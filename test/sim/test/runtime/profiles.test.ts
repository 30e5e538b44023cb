import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandName, listProfileDir, materializeProfile, profileFor, profileNameForImage } from '../../runtime/profiles.ts';
import { formatLog, parseCriLog, rfc3339Nano } from '../../runtime/logs.ts';
import { imageID, normalizeImage, standinFor } from '../../runtime/kubelet.ts';

test('profile by image', () => {
  const cases: Array<[string, string]> = [
    ['otel/opentelemetry-collector-contrib:0.98.0', 'none'],
    ['otel/opentelemetry-collector:0.133.0', 'none'],
    ['ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s:0.120.0', 'none'],
    ['my.registry/team/otelcol-custom:1', 'none'],
    ['gcr.io/distroless/static-debian12', 'none'],
    ['scratch', 'none'],
    ['busybox:1.36', 'busybox'],
    ['alpine:3.20', 'busybox'],
    ['nginx:1.27-alpine', 'busybox'],
    ['debian:bookworm-slim', 'debian'],
    ['ubuntu:24.04', 'debian'],
    ['python:3.12-slim', 'python'],
    ['node:22', 'node'],
    ['eclipse-temurin:21-jre', 'debian'],
    ['nicolaka/netshoot:v0.13', 'netshoot'],
    ['ghcr.io/example/app@sha256:abcd', 'debian'],
  ];
  for (const [image, want] of cases) { assert.equal(profileNameForImage(image), want, image); }
});

test('profile contents: what each image has and lacks', () => {
  const node = process.execPath;
  const none = profileFor('otel/opentelemetry-collector:0.98.0', undefined, node);
  assert.equal(none.commands.size, 0);
  const bb = profileFor('busybox', undefined, node);
  for (const c of ['sh', 'nc', 'wget', 'netstat', 'cat', 'timeout', 'nslookup']) { assert.equal(bb.commands.get(c), '/usr/bin/busybox', c); }
  assert.equal(bb.commands.has('ss'), false);
  assert.equal(bb.commands.has('bash'), false);
  const deb = profileFor('debian:bookworm-slim', undefined, node);
  for (const c of ['sh', 'bash', 'cat', 'ls', 'timeout']) { assert.ok(deb.commands.has(c), c); }
  for (const c of ['nc', 'ss', 'netstat', 'curl', 'wget', 'python3', 'node']) { assert.equal(deb.commands.has(c), false, c); }
  assert.equal(deb.commands.get('sh'), '/usr/bin/dash');
  assert.ok(profileFor('python:3.12', undefined, node).commands.has('python3'));
  assert.equal(profileFor('node:22', undefined, node).commands.get('node'), node);
  const shoot = profileFor('nicolaka/netshoot', undefined, node);
  for (const c of ['ss', 'curl', 'bash', 'nc']) { assert.ok(shoot.commands.has(c), c); }
});

test('the tools annotation overrides the image', () => {
  const node = process.execPath;
  assert.equal(profileFor('busybox', 'none', node).commands.size, 0);
  assert.equal(profileFor('otel/opentelemetry-collector:0.98.0', 'busybox', node).name, 'busybox');
  const custom = profileFor('busybox', 'cat, ss ,no-such-tool-xyz', node);
  assert.equal(custom.name, 'custom');
  assert.deepEqual([...custom.commands.keys()].sort(), ['cat', 'ss']);
  assert.deepEqual([...profileFor('busybox', '../../bin/sh,.,..,a/b,sh', node).commands.keys()], ['sh'], 'paths in the annotation are ignored');
});

test('materialised profile is a directory of symlinks, shared by identical sets', () => {
  const base = mkdtempSync(join(tmpdir(), 'sim-prof-'));
  try {
    const p = profileFor('busybox', undefined, process.execPath);
    const dir = materializeProfile(base, p);
    assert.equal(materializeProfile(base, profileFor('alpine', undefined, process.execPath)), dir);
    assert.ok(listProfileDir(dir).includes('nc'));
    assert.equal(readlinkSync(join(dir, 'sh')), '/usr/bin/busybox');
    assert.notEqual(materializeProfile(base, profileFor('debian', undefined, process.execPath)), dir);
  } finally { rmSync(base, { recursive: true, force: true }); }
  assert.equal(commandName('/bin/sh'), 'sh');
  assert.equal(commandName('ss'), 'ss');
});

test('images: normalised names, digests, stand-in choice', () => {
  assert.equal(normalizeImage('busybox'), 'docker.io/library/busybox:latest');
  assert.equal(normalizeImage('otel/opentelemetry-collector:0.98.0'), 'docker.io/otel/opentelemetry-collector:0.98.0');
  assert.equal(normalizeImage('localhost:5000/app'), 'localhost:5000/app:latest');
  assert.match(imageID('busybox:1.36'), /^docker\.io\/library\/busybox@sha256:[0-9a-f]{64}$/);
  assert.equal(imageID('ghcr.io/x/y@sha256:' + 'a'.repeat(64)), 'ghcr.io/x/y@sha256:' + 'a'.repeat(64));
  assert.equal(standinFor('otel/opentelemetry-collector-contrib:0.98.0'), 'collector');
  assert.equal(standinFor('registry.k8s.io/coredns/coredns:v1.11.1'), 'dns');
  assert.equal(standinFor('busybox'), 'app');
});

test('CRI logs: format, partial lines, tail, since, timestamps, limitBytes', () => {
  const a = rfc3339Nano();
  const b = rfc3339Nano();
  assert.match(a, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  assert.ok(b > a, 'timestamps strictly increase');
  const content = [
    '2026-01-01T00:00:01.000000001Z stdout F one',
    '2026-01-01T00:00:02.000000002Z stderr P tw',
    '2026-01-01T00:00:02.000000003Z stderr F o',
    '2026-01-01T00:00:03.5Z stdout F three',
    '',
  ].join('\n');
  const entries = parseCriLog(content);
  assert.deepEqual(entries.map((e) => e.text), ['one', 'two', 'three']);
  assert.equal(formatLog(entries, {}), 'one\ntwo\nthree\n');
  assert.equal(formatLog(entries, { tailLines: 1 }), 'three\n');
  assert.equal(formatLog(entries, { tailLines: 0 }), '');
  assert.equal(formatLog(entries, { timestamps: true, tailLines: 1 }), '2026-01-01T00:00:03.5Z three\n');
  assert.equal(formatLog(entries, { sinceTime: '2026-01-01T00:00:02Z' }), 'two\nthree\n');
  assert.equal(formatLog(entries, { sinceTime: '2026-01-01T00:00:02.000000003Z' }), 'three\n');
  assert.equal(formatLog(entries, { sinceSeconds: 2 }, Date.parse('2026-01-01T00:00:04Z')), 'two\nthree\n');
  assert.equal(formatLog(entries, { limitBytes: 6 }), 'one\ntw');
});
