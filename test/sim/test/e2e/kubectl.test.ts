// Fidelity proven by a client nobody here wrote: the real kubectl (v1.32) against the simulated cluster.
// Needs root (network namespaces); skips otherwise.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cluster } from '../../cli.ts';
import { typeByKind, type KObject } from '../../store.ts';
import { runAsync } from '../../../helpers/run.ts';

const here = dirname(fileURLToPath(import.meta.url));
const SCENARIOS = join(here, '../../../scenarios');
const skip = process.getuid?.() !== 0 ? 'needs root: the simulated cluster creates network namespaces' : false;

interface Result { code: number; stdout: string; stderr: string }
const run = (cmd: string, args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<Result> => runAsync(cmd, args, env, timeoutMs);

const CONNECT_4317 = 'import socket; socket.create_connection(("otel-collector.observability.svc.cluster.local", 4317), 2); print("connected")';

const podsOf = (cluster: Cluster, ns: string, prefix: string): KObject[] =>
  cluster.store.list(typeByKind('Pod')!, ns)
    .filter((p) => p.metadata.name.startsWith(prefix));

// Pods that exist only for this suite: a pod with real network tools, and a collector that crash-loops.
const FIDELITY = `
apiVersion: v1
kind: Namespace
metadata: { name: fidelity }
---
apiVersion: v1
kind: Pod
metadata: { name: netshoot, namespace: fidelity }
spec:
  containers:
    - name: netshoot
      image: nicolaka/netshoot:v0.13
      ports: [{ containerPort: 9000 }]
---
apiVersion: v1
kind: ConfigMap
metadata: { name: broken-config, namespace: fidelity }
data:
  collector.yaml: |
    receivers:
      otlp:
        protocols:
          grpc: { endpoint: 0.0.0.0:4317 }
    exporters:
      debug: {}
    service:
      pipelines:
        traces: { receivers: [otlp], exporters: [otlp] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: crashy, namespace: fidelity }
spec:
  selector: { matchLabels: { app: crashy } }
  template:
    metadata: { labels: { app: crashy } }
    spec:
      containers:
        - name: otelcol
          image: otel/opentelemetry-collector-contrib:0.111.0
          args: [--config=/conf/collector.yaml]
          volumeMounts: [{ name: conf, mountPath: /conf }]
      volumes: [{ name: conf, configMap: { name: broken-config } }]
`;

describe('kubectl against the seed scenario', { skip }, () => {
  let cluster: Cluster;
  let env: Record<string, string>;
  let extra: string;
  let collector: string;
  let checkout: string;
  const k = (...args: string[]) => run('kubectl', args, env);

  before(async () => {
    extra = mkdtempSync(join(tmpdir(), 'otel-doctor-fidelity-'));
    writeFileSync(join(extra, 'fidelity.yaml'), FIDELITY);
    const { startCluster } = await import('../../cli.ts');
    cluster = await startCluster({ manifests: [join(SCENARIOS, 'seed', 'manifests'), extra], log: () => {} });
    env = { KUBECONFIG: cluster.kubeconfig };
    collector = podsOf(cluster, 'observability', 'otel-collector-')[0].metadata.name;
    checkout = podsOf(cluster, 'shop', 'checkout-')[0].metadata.name;
  });
  after(async () => {
    await cluster?.stop();
    if (extra) { rmSync(extra, { recursive: true, force: true }); }
  });

  test('get pods -A -o wide: kubectl columns, pod IPs and nodes', async () => {
    const r = await k('get', 'pods', '-A', '-o', 'wide');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\b/);
    const row = lines.find((l) => l.includes(collector));
    assert.ok(row, r.stdout);
    assert.match(row, /^observability\s+otel-collector-\S+\s+1\/1\s+Running\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+sim-node-\d/);
    assert.ok(lines.some((l) => /^kube-system\s+coredns-\S+\s+1\/1\s+Running/.test(l)), r.stdout);
    // Between restarts the runtime shows what the kubelet shows: Error, CrashLoopBackOff, or briefly Running.
    assert.ok(lines.some((l) => /^fidelity\s+crashy-\S+\s+[01]\/1\s+(CrashLoopBackOff|Error|Running)\s+[1-9]\d* \(\S+ ago\)/.test(l)), r.stdout);
  });

  test('get svc,endpoints: ClusterIP, ports and the ready collector endpoint', async () => {
    const r = await k('get', 'svc,endpoints', '-n', 'observability');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /service\/otel-collector\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+4317\/TCP,4318\/TCP/);
    const ip = podsOf(cluster, 'observability', 'otel-collector-')[0].status.podIP;
    assert.match(r.stdout, new RegExp(`endpoints/otel-collector\\s+${ip.replace(/\./g, '\\.')}:431[78],${ip.replace(/\./g, '\\.')}:431[78]`));
  });

  test('describe pod shows node, IP, containers and probes', async () => {
    const r = await k('describe', 'pod', '-n', 'observability', collector);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Name:\s+otel-collector-/m);
    assert.match(r.stdout, /^Node:\s+sim-node-\d\/172\.18\.0\.\d+/m);
    assert.match(r.stdout, /^IP:\s+10\.244\./m);
    assert.match(r.stdout, /Image:\s+otel\/opentelemetry-collector-contrib:0\.111\.0/);
    assert.match(r.stdout, /Readiness:\s+http-get http:\/\/:13133\//);
    assert.match(r.stdout, /Controlled By:\s+ReplicaSet\/otel-collector-/);
  });

  test('exec ss -tlnp where the profile has it shows the pod\'s listening sockets', async () => {
    const r = await k('exec', '-n', 'fidelity', 'netshoot', '--', 'ss', '-tlnp');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /LISTEN\s+\d+\s+\d+\s+(0\.0\.0\.0|\*|\[::\]):9000\b/);
  });

  test('exec netstat -tln in a busybox app pod', async () => {
    const r = await k('exec', '-n', 'shop', checkout, '--', 'netstat', '-tln');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /:8080\s+\S+\s+LISTEN/);
  });

  test('exec into a FROM-scratch collector prints the runtime\'s not-found error and fails', async () => {
    const r = await k('exec', '-n', 'observability', collector, '--', 'ss', '-tln');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /OCI runtime exec failed: exec failed: unable to start container process: exec: "ss": executable file not found in \$PATH: unknown/);
  });

  test('logs of a healthy collector and --previous of a crash-looping one', async () => {
    const ok = await k('logs', '-n', 'observability', collector);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Everything is ready\. Begin running and processing data\./);
    const crashy = podsOf(cluster, 'fidelity', 'crashy-')[0].metadata.name;
    const prev = await k('logs', '-n', 'fidelity', crashy, '--previous');
    assert.equal(prev.code, 0, prev.stderr);
    assert.match(prev.stdout, /references exporter "otlp" which is not configured/);
    const none = await k('logs', '-n', 'observability', collector, '--previous');
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /previous terminated container "otel-collector" in pod "otel-collector-\S+" not found/);
  });

  test('auth can-i create pods/exec: yes for admin, no for no-exec', async () => {
    const yes = await k('auth', 'can-i', 'create', 'pods/exec', '-n', 'shop');
    assert.equal(yes.stdout.trim(), 'yes');
    assert.equal(yes.code, 0);
    // kubectl reads `pods/exec` as TYPE/NAME (a pod named "exec"), as on a real cluster: the subresource
    // question needs --subresource, and only that one is denied to no-exec.
    const quirk = await k('--user', 'no-exec', 'auth', 'can-i', 'create', 'pods/exec', '-n', 'shop');
    assert.equal(quirk.stdout.trim(), 'yes');
    const no = await k('--user', 'no-exec', 'auth', 'can-i', 'create', 'pods', '--subresource=exec', '-n', 'shop');
    assert.equal(no.stdout.trim(), 'no');
    assert.equal(no.code, 1);
    const admin = await k('auth', 'can-i', 'create', 'pods', '--subresource=exec', '-n', 'shop');
    assert.equal(admin.stdout.trim(), 'yes');
  });

  test('exec as a user forbidden to gets the real 403', async () => {
    const r = await k('--user', 'no-exec', 'exec', '-n', 'shop', checkout, '--', 'true');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`pods "${checkout}" is forbidden: User "no-exec" cannot create resource "pods/exec" in API group "" in the namespace "shop"`));
  });

  test('seed: the collector Service refuses connections on 4317 (real sockets)', async () => {
    // Debian's busybox (the busybox profile's binary) has no `nc -z`: without stdin, `nc -w 2` connects and quits.
    const r = await k('exec', '-n', 'shop', checkout, '--', 'nc', '-w', '2', 'otel-collector.observability.svc.cluster.local', '4317');
    assert.notEqual(r.code, 0, 'nc must fail');
    assert.match(r.stderr, /nc: can't connect to remote host \(10\.96\.\d+\.\d+\): Connection refused/);
    const frontend = podsOf(cluster, 'shop', 'frontend-')[0].metadata.name;
    const py = await k('exec', '-n', 'shop', frontend, '--', 'python3', '-c', CONNECT_4317);
    assert.notEqual(py.code, 0);
    assert.match(py.stderr, /ConnectionRefusedError: \[Errno 111\] Connection refused/);
    // The health port on 0.0.0.0 answers through the pod IP: the refusal is the loopback bind, not the network.
    const ip = podsOf(cluster, 'observability', 'otel-collector-')[0].status.podIP;
    const health = await k('exec', '-n', 'shop', checkout, '--', 'nc', '-w', '2', ip, '13133');
    assert.equal(health.code, 0, health.stderr);
  });

  test('kubectl debug adds an ephemeral container that sees the collector\'s sockets', async () => {
    const d = await k('debug', '-n', 'observability', collector, '--image=busybox', '--container=dbg');
    assert.equal(d.code, 0, d.stderr);
    let running = false;
    for (let i = 0; i < 100 && !running; i++) {
      const s = await k('get', 'pod', '-n', 'observability', collector, '-o', 'jsonpath={.status.ephemeralContainerStatuses[?(@.name=="dbg")].state.running}');
      running = s.stdout.trim().length > 0;
      if (!running) { await new Promise((r) => setTimeout(r, 100)); }
    }
    assert.ok(running, 'ephemeral container dbg never ran');
    const r = await k('exec', '-n', 'observability', collector, '-c', 'dbg', '--', 'netstat', '-tln');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /127\.0\.0\.1:4317\s+\S+\s+LISTEN/);
    assert.match(r.stdout, /127\.0\.0\.1:4318\s+\S+\s+LISTEN/);
    assert.match(r.stdout, /(0\.0\.0\.0|:::?):13133\s+\S+\s+LISTEN/);
  });
});

describe('kubectl against the seed-fixed scenario', { skip }, () => {
  let cluster: Cluster;
  before(async () => {
    const { startCluster } = await import('../../cli.ts');
    cluster = await startCluster({ manifests: [join(SCENARIOS, 'seed-fixed', 'manifests')], log: () => {} });
  });
  after(async () => { await cluster?.stop(); });

  // Reported, not asserted: a time budget fails on a loaded machine (npm run bench:sim holds the target).
  test('bring-up of the seed-sized scenario is measured', (t) => {
    assert.ok(cluster.bringUpMs > 0);
    t.diagnostic(`seed-fixed bring-up: ${Math.round(cluster.bringUpMs)} ms`);
  });

  test('seed-fixed: the collector Service accepts connections on 4317', async () => {
    const py = podsOf(cluster, 'shop', 'frontend-')[0].metadata.name;
    const p = await run('kubectl', ['exec', '-n', 'shop', py, '--', 'python3', '-c', CONNECT_4317], { KUBECONFIG: cluster.kubeconfig });
    assert.equal(p.code, 0, p.stderr);
    assert.equal(p.stdout.trim(), 'connected');
    const checkout = podsOf(cluster, 'shop', 'checkout-')[0].metadata.name;
    const r = await run('kubectl', ['exec', '-n', 'shop', checkout, '--', 'nc', '-w', '2', 'otel-collector.observability.svc.cluster.local', '4317'], { KUBECONFIG: cluster.kubeconfig });
    assert.equal(r.code, 0, r.stderr);
    // OTLP/HTTP on 4318 through the Service: the receiver itself answers (busybox wget without -T: Debian's
    // build crashes on -T).
    const w = await run('kubectl', ['exec', '-n', 'shop', checkout, '--', 'wget', '-O-', 'http://otel-collector.observability.svc.cluster.local:4318/v1/traces'], { KUBECONFIG: cluster.kubeconfig });
    assert.doesNotMatch(w.stderr, /refused|timed out|bad address/i);
    assert.match(w.stderr, /Connecting to otel-collector\.observability\.svc\.cluster\.local:4318 \(10\.96\.\d+\.\d+:4318\)/);
  });
});

describe('kubectl against the sidecar scenario', { skip }, () => {
  let cluster: Cluster;
  before(async () => {
    const { startCluster } = await import('../../cli.ts');
    cluster = await startCluster({ manifests: [join(SCENARIOS, 'sidecar', 'manifests')], log: () => {} });
  });
  after(async () => { await cluster?.stop(); });

  test('sidecar: the app reaches its own collector over localhost', async () => {
    const pod = podsOf(cluster, 'shop', 'checkout-')[0];
    assert.ok(pod.status.conditions.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True'));
    const r = await run('kubectl', ['exec', '-n', 'shop', pod.metadata.name, '-c', 'checkout', '--', 'netstat', '-tln'], { KUBECONFIG: cluster.kubeconfig });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /127\.0\.0\.1:4317\s+\S+\s+LISTEN/, 'the sidecar collector listens on the shared loopback');
    // 127.0.0.1, not localhost: busybox nc tries ::1 first, where a Go listener on localhost does not bind.
    const nc = await run('kubectl', ['exec', '-n', 'shop', pod.metadata.name, '-c', 'checkout', '--', 'nc', '-w', '2', '127.0.0.1', '4317'], { KUBECONFIG: cluster.kubeconfig });
    assert.equal(nc.code, 0, nc.stderr);
  });
});
