/**
 * Kustomize directories are linted as `kubectl kustomize DIR` renders them: with a stub kubectl on PATH (its
 * argv recorded, its output and failure chosen by the test), without any kubectl (a note with the command),
 * and with the real kubectl when this machine has one.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { lint } from '../../src/lint/index.ts';
import { kubectlOnPath } from '../../src/lint/kustomize.ts';

const BASE_COLLECTOR = `apiVersion: v1
kind: ConfigMap
metadata:
  name: otel-config
data:
  config.yaml: |
    receivers:
      otlp:
        protocols:
          grpc:
            endpoint: localhost:4317
    exporters:
      debug: {}
    service:
      pipelines:
        traces: {receivers: [otlp], exporters: [debug]}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: otel
spec:
  selector: {matchLabels: {app: otel}}
  template:
    metadata: {labels: {app: otel}}
    spec:
      containers:
        - name: otelcol
          image: otel/opentelemetry-collector-contrib:0.111.0
          args: [--config=/conf/config.yaml]
          volumeMounts: [{name: cfg, mountPath: /conf}]
      volumes: [{name: cfg, configMap: {name: otel-config}}]
`;

// A strategic-merge patch: partial, and linted on its own it would be a second, conflicting Deployment.
const PATCH = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: otel
spec:
  replicas: 3
`;

/** What kustomize renders for overlays/prod: the namespace set, the patch applied, keys sorted. */
const RENDERED = `apiVersion: v1
data:
  config.yaml: |
    receivers:
      otlp:
        protocols:
          grpc:
            endpoint: localhost:4317
    exporters:
      debug: {}
    service:
      pipelines:
        traces: {receivers: [otlp], exporters: [debug]}
kind: ConfigMap
metadata:
  name: otel-config
  namespace: prod
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: otel
  namespace: prod
spec:
  replicas: 3
  selector:
    matchLabels:
      app: otel
  template:
    metadata:
      labels:
        app: otel
    spec:
      containers:
      - args:
        - --config=/conf/config.yaml
        image: otel/opentelemetry-collector-contrib:0.111.0
        name: otelcol
        volumeMounts:
        - mountPath: /conf
          name: cfg
      volumes:
      - configMap:
          name: otel-config
        name: cfg
---
apiVersion: v1
kind: Service
metadata:
  name: prod-extra
  namespace: prod
spec:
  selector: {app: nothing-here}
  ports: [{port: 4317}]
`;

const dirs: string[] = [];
after(() => { for (const d of dirs) { rmSync(d, { recursive: true, force: true }); } });

function repo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-kustomize-'));
  dirs.push(dir);
  const files: Record<string, string> = {
    'deploy/base/collector.yaml': BASE_COLLECTOR,
    'deploy/base/kustomization.yaml': 'resources:\n  - collector.yaml\n',
    'deploy/overlays/prod/kustomization.yaml': 'namespace: prod\nresources:\n  - ../../base\npatches:\n  - path: replicas.yaml\n',
    'deploy/overlays/prod/replicas.yaml': PATCH,
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** A `kubectl` on PATH that records its argv and prints a chosen render, or fails with a chosen stderr. */
function stub(render: string, fail?: { code: number; stderr: string }): { bin: string; env: NodeJS.ProcessEnv; argv: () => string[] } {
  const bin = mkdtempSync(join(tmpdir(), 'otel-doctor-stub-kubectl-'));
  dirs.push(bin);
  writeFileSync(join(bin, 'render.yaml'), render);
  writeFileSync(
    join(bin, 'kubectl'),
    `#!/bin/sh\nprintf '%s\\n' "$@" >> '${join(bin, 'argv')}'\n${fail ? `printf '%s\\n' '${fail.stderr}' >&2\nexit ${fail.code}` : `cat '${join(bin, 'render.yaml')}'`}\n`,
  );
  chmodSync(join(bin, 'kubectl'), 0o755);
  const argv = (): string[] => {
    try { return readFileSync(join(bin, 'argv'), 'utf8').trim().split('\n'); } catch { return []; }
  };
  return { bin, env: { ...process.env, PATH: `${bin}:/usr/bin:/bin` }, argv };
}

describe('kustomize with a stub kubectl on PATH', () => {
  test('the outermost kustomizations are rendered (argv, never a shell) and linted instead of their files', () => {
    const dir = repo();
    const k = stub(RENDERED);
    const r = lint([join(dir, 'deploy')], { kustomize: { env: k.env } });
    assert.deepEqual(r.errors, []);
    // base/ and overlays/prod/ are siblings: each is rendered (the stub prints the overlay's render for both).
    assert.deepEqual(k.argv(), ['kustomize', join(dir, 'deploy/base'), 'kustomize', join(dir, 'deploy/overlays/prod')]);
    const loop = r.report.findings.filter((f) => f.rule === 'receiver-bound-to-loopback');
    assert.deepEqual(loop.map((f) => `${f.subject.namespace}/${f.subject.name}`), ['prod/otel']);
    // Located in the source file kustomize read, at the endpoint key: what a user edits.
    assert.deepEqual(loop[0].location, { file: join(dir, 'deploy/base/collector.yaml'), line: 11, column: 13 });
    assert.ok(r.report.notes?.includes(`${join(dir, 'deploy/overlays/prod/kustomization.yaml')}: linted as \`kubectl kustomize ${join(dir, 'deploy/overlays/prod')}\` renders it`), JSON.stringify(r.report.notes));
    // The raw patch is not a second Deployment: no variant notes, no findings on replicas.yaml.
    assert.ok(!r.report.notes?.some((n) => n.includes('declared differently')), JSON.stringify(r.report.notes));
    assert.ok(!r.report.findings.some((f) => f.location?.file.endsWith('replicas.yaml')));
  });

  test('an object kustomize made (no source declares it) points at the kustomization file', () => {
    const dir = repo();
    const k = stub(RENDERED);
    const r = lint([join(dir, 'deploy/overlays/prod')], { kustomize: { env: k.env } });
    assert.ok(r.snapshots.some((s) => s.services.some((v) => v.name === 'prod-extra' && v.location?.file === join(dir, 'deploy/overlays/prod/kustomization.yaml'))));
  });

  test('a render that fails is unusable input, with kubectl\'s stderr', () => {
    const dir = repo();
    const k = stub('', { code: 1, stderr: 'Error: accumulating resources: missing.yaml: no such file or directory' });
    const r = lint([join(dir, 'deploy/overlays/prod')], { kustomize: { env: k.env } });
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0].file, join(dir, 'deploy/overlays/prod/kustomization.yaml'));
    assert.match(r.errors[0].message, /`kubectl kustomize .*overlays\/prod` failed: Error: accumulating resources: missing\.yaml/);
  });

  test('a render that hangs is stopped at the time limit', () => {
    const dir = repo();
    const k = stub('');
    writeFileSync(join(k.bin, 'kubectl'), '#!/bin/sh\nexec sleep 30\n');
    const r = lint([join(dir, 'deploy/overlays/prod')], { kustomize: { env: k.env, timeoutMs: 200 } });
    assert.match(r.errors[0]?.message ?? '', /timed out after 0\.2 s/);
  });
});

test('without kubectl: a note with the exact command, and the kustomize inputs are not linted as they are', () => {
  const dir = repo();
  const empty = mkdtempSync(join(tmpdir(), 'otel-doctor-no-kubectl-'));
  dirs.push(empty);
  const r = lint([join(dir, 'deploy/overlays/prod')], { kustomize: { env: { PATH: empty } } });
  assert.deepEqual(r.errors, []);
  assert.equal(r.objects, 0);
  assert.deepEqual(r.skipped.map((s) => s.file), [join(dir, 'deploy/overlays/prod/kustomization.yaml')]);
  assert.match(r.skipped[0].reason, new RegExp(`run \`kubectl kustomize ${join(dir, 'deploy/overlays/prod').replace(/[/.]/g, '\\$&')} \\| kubectl otel-doctor lint -\``));
});

const realKubectl = kubectlOnPath();
test('the real kubectl renders the overlay', { skip: realKubectl ? false : 'no kubectl on PATH' }, () => {
  const dir = repo();
  const r = lint([join(dir, 'deploy/overlays/prod')]);
  assert.deepEqual(r.errors, []);
  const loop = r.report.findings.filter((f) => f.rule === 'receiver-bound-to-loopback');
  assert.deepEqual(loop.map((f) => `${f.subject.namespace}/${f.subject.name}`), ['prod/otel'], 'the namespace kustomize set');
  assert.deepEqual(loop[0].location, { file: join(dir, 'deploy/base/collector.yaml'), line: 11, column: 13 });
});
