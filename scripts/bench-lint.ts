// Lint at scale, three trees, wall and CPU time each (exit 1 when a target is missed):
// - the 59 real cases of ../shared/fixtures/real at once (~2.6 MB, many objects declared in several cases,
//   unrelated examples side by side): target under 1 s;
// - that corpus replicated four times into a temp dir, each copy's namespaces renamed (~10 MB of real
//   shapes: operator CRs, Helm values, vendor charts' large ConfigMaps): target under 2 s;
// - 1,000 generated manifests (~10 MB: each a collector Deployment with a ConfigMap, a Service and an app,
//   padded with realistic annotations): target under 2 s.
// Usage: node --max-semi-space-size=16 scripts/bench-lint.ts: the V8 flag the plugin's launcher and standalone
// binaries run with. Too load-sensitive for the test suite on a shared machine.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { lint } from '../src/lint/index.ts';

const REAL = resolve(import.meta.dirname, '../../shared/fixtures/real');

function timed(label: string, paths: string[], bytes: number, targetMs: number): void {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const r = lint(paths);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  // CPU time too: on a loaded machine wall time says more about the neighbours than about lint.
  console.log(`${label}: ${r.files.length} files (${(bytes / 1e6).toFixed(1)} MB), ${r.snapshots.length} contexts, in ${ms.toFixed(0)} ms (cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms, load ${loadavg()[0].toFixed(1)}): ${r.report.summary.errors} errors, ${r.report.summary.warnings} warnings, ${r.errors.length} input errors, ${r.skipped.length} skipped; target < ${targetMs} ms ${ms < targetMs ? 'OK' : 'MISSED'}`);
  if (ms >= targetMs) { process.exitCode = 1; }
}

function treeBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).reduce((n, e) => n + readFileSync(join(e.parentPath, e.name)).length, 0);
}

/** The corpus `copies` times, each copy's explicit namespaces (and the DNS names that use them) renamed. */
function replicate(into: string, copies: number): void {
  for (let k = 0; k < copies; k++) {
    for (const e of readdirSync(REAL, { recursive: true, withFileTypes: true })) {
      if (!e.isFile() || !/\.ya?ml$/.test(e.name)) { continue; }
      const from = join(e.parentPath, e.name);
      const to = join(into, `copy-${k}`, from.slice(REAL.length + 1));
      mkdirSync(dirname(to), { recursive: true });
      if (k === 0) { cpSync(from, to); continue; }
      const text = readFileSync(from, 'utf8');
      const names = new Set([...text.matchAll(/^\s*namespace:\s*["']?([a-z0-9-]+)["']?\s*$/gm)].map((m) => m[1]));
      let out = text;
      for (const ns of names) {
        out = out.replace(new RegExp(`(^\\s*namespace:\\s*["']?)${ns}(["']?\\s*$)`, 'gm'), `$1${ns}-r${k}$2`).replace(new RegExp(`\\.${ns}(\\.svc|:\\d)`, 'g'), `.${ns}-r${k}$1`);
      }
      writeFileSync(to, out);
    }
  }
}

if (process.env.BENCH_LINT_KEEP) {
  // For profiling: leave the replicated tree at $BENCH_LINT_KEEP and stop.
  replicate(process.env.BENCH_LINT_KEEP, Math.ceil(10e6 / treeBytes(REAL)));
  process.exit(0);
}

if (existsSync(REAL)) {
  timed('real corpus (59 cases at once)', [REAL], treeBytes(REAL), 1000);
  const rep = mkdtempSync(join(tmpdir(), 'otel-doctor-bench-real-'));
  try {
    const copies = Math.ceil(10e6 / treeBytes(REAL));
    replicate(rep, copies);
    timed(`real corpus x${copies}, namespaces renamed`, [rep], treeBytes(rep), 2000);
  } finally {
    rmSync(rep, { recursive: true, force: true });
  }
} else {
  console.log(`no ${REAL}: the real-corpus figures are skipped`);
}

const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-bench-lint-'));
try {
  let bytes = 0;
  const pad = Array.from({ length: 150 }, (_, i) => `    example.com/note-${i}: "${'x'.repeat(40)}"`).join('\n');
  for (let i = 0; i < 1000; i++) {
    const ns = `team-${i % 20}`;
    const text = `apiVersion: v1
kind: ConfigMap
metadata:
  name: collector-${i}
  namespace: ${ns}
  annotations:
${pad}
data:
  config.yaml: |
    receivers:
      otlp:
        protocols:
          grpc:
            endpoint: ${i % 10 === 0 ? 'localhost' : '0.0.0.0'}:4317
    exporters:
      debug: {}
    service:
      pipelines:
        traces: {receivers: [otlp], exporters: [debug]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: collector-${i}, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: collector-${i}}}
  template:
    metadata: {labels: {app: collector-${i}}}
    spec:
      containers:
        - name: otelcol
          image: otel/opentelemetry-collector-contrib:0.111.0
          args: [--config=/conf/config.yaml]
          readinessProbe: {httpGet: {path: /, port: 13133}}
          volumeMounts: [{name: cfg, mountPath: /conf}]
      volumes: [{name: cfg, configMap: {name: collector-${i}}}]
---
apiVersion: v1
kind: Service
metadata: {name: collector-${i}, namespace: ${ns}}
spec:
  selector: {app: collector-${i}}
  ports: [{name: otlp-grpc, port: 4317, targetPort: 4317}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app-${i}, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: app-${i}}}
  template:
    metadata: {labels: {app: app-${i}}}
    spec:
      containers:
        - name: app
          image: python:3.12
          env:
            - {name: OTEL_EXPORTER_OTLP_ENDPOINT, value: "http://collector-${i}.${ns}.svc.cluster.local:4317"}
            - {name: OTEL_EXPORTER_OTLP_PROTOCOL, value: grpc}
`;
    bytes += Buffer.byteLength(text);
    writeFileSync(join(dir, `m${String(i).padStart(4, '0')}.yaml`), text);
  }
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const r = lint([dir]);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  // CPU time too: on a loaded machine wall time says more about the neighbours than about lint.
  console.log(`linted ${r.files.length} files (${(bytes / 1e6).toFixed(1)} MB) in ${ms.toFixed(0)} ms (cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms, load ${loadavg()[0].toFixed(1)}, node ${process.execArgv.filter((a) => a.startsWith('--max-semi')).join(' ') || 'default heap flags'}): ${r.report.summary.errors} errors, ${r.report.summary.warnings} warnings, ${r.errors.length} input errors; target < 2000 ms ${ms < 2000 ? 'OK' : 'MISSED'}`);
  if (ms >= 2000) { process.exitCode = 1; }
  // The same files through the command a user runs (launcher, start-up, rendering and all), for the README.
  const t1 = performance.now();
  const cli = spawnSync(join(import.meta.dirname, '../bin/kubectl-otel_doctor'), ['lint', dir, '-o', 'json'], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const cliMs = performance.now() - t1;
  let cliErrors: number | undefined;
  try { cliErrors = (JSON.parse(cli.stdout) as { summary: { errors: number } }).summary.errors; } catch { /* reported below */ }
  console.log(`kubectl-otel_doctor lint DIR -o json: ${cliMs.toFixed(0)} ms wall, exit ${cli.status}, ${cliErrors ?? '?'} errors`);
  if (cliErrors !== r.report.summary.errors) { console.log(cli.stderr.slice(0, 2000)); process.exitCode = 1; }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
