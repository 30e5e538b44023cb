// Lints 1,000 generated manifests (~10 MB: each a collector Deployment with a ConfigMap, a Service and an
// app, padded with realistic annotations) and prints wall and CPU time; target under 2 s wall. Usage:
// node --max-semi-space-size=16 scripts/bench-lint.ts (exit 1 when missed): the V8 flag the plugin's launcher
// and standalone binaries run with. Too load-sensitive for the test suite on a shared machine.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { lint } from '../src/lint/index.ts';

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
