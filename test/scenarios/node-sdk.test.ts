// Apps running the real OpenTelemetry JS SDK in the simulated cluster (node-sdk-real/manifests, pods
// annotated sim.otel-doctor.io/sdk: node): `cart` exports over gRPC to a collector that listens on every
// address and is served (the collector's socket from cart's pod IP receives export after export, and
// cart, logging export errors with OTEL_LOG_LEVEL=error, logs none); `checkout` exports over HTTP to a
// collector bound to localhost and logs the SDK's own ECONNREFUSED line, which the plugin quotes as the
// evidence of receiver-bound-to-loopback; `payment` names the collector's Service by its short name from
// another namespace (grpc-js's "Name resolution failed", evidence of app-endpoint-unresolvable) and `shipping` sends http/protobuf to
// the gRPC port (Node's "Parse Error: Expected HTTP/", evidence of app-protocol-port-mismatch). No expected.yaml: the diagnosis waits here for the app's first
// line (a scenario run diagnoses as soon as the pods settle, before an SDK has timed out once).
// Needs root (network namespaces).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAsync } from '../helpers/run.ts';

const here = dirname(fileURLToPath(import.meta.url));
const PLUGIN = join(resolve(here, '../..'), 'bin/kubectl-otel_doctor');
const skip = process.getuid?.() !== 0 ? 'needs root: the simulated cluster creates network namespaces' : false;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Bytes the collector's sockets on `port` have received from `peerIp` (tcp_info, from ss in its namespace). */
function bytesFrom(netns: string, port: number, peerIp: string): number {
  const r = spawnSync('ip', ['netns', 'exec', netns, 'ss', '-tniH', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' });
  let total = 0;
  let fromPeer = false;
  for (const line of r.stdout.split('\n')) {
    const cols = line.trim().split(/\s+/);
    // A socket's line (Recv-Q Send-Q local peer) is followed by its info line.
    if (cols.length >= 4 && /^\d+$/.test(cols[0]) && /^\d+$/.test(cols[1])) { fromPeer = cols[3].replace(/^\[?(?:::ffff:)?/, '').startsWith(`${peerIp}`); continue; }
    const m = /bytes_received:(\d+)/.exec(line);
    if (m && fromPeer) { total += Number(m[1]); }
  }
  return total;
}

/** The run's pod namespace holding this IP (namespaces are named osim-<run>-p<n>, runtime/network.ts). */
function netnsOf(runId: string, ip: string): string {
  for (const ns of readdirSync('/run/netns').filter((n) => n.startsWith(`osim-${runId}-p`))) {
    const r = spawnSync('ip', ['-n', ns, '-o', 'addr', 'show'], { encoding: 'utf8' });
    if (new RegExp(`inet6? ${ip.replace(/\./g, '\\.')}/`).test(r.stdout)) { return ns; }
  }
  throw new Error(`no pod namespace of run ${runId} has ${ip}`);
}

test('real Node SDK apps: one served by a healthy collector; refused, unresolvable and wrong-protocol ones diagnosed from their own log lines', { skip, timeout: 300_000 }, async () => {
  const { startCluster } = await import('../sim/cli.ts');
  const { typeByKind } = await import('../sim/store.ts');
  const cluster = await startCluster({ manifests: [join(here, 'node-sdk-real/manifests')], log: () => {} });
  try {
    const pods = cluster.store.list(typeByKind('Pod')!);
    const pod = (ns: string, label: string, value: string) => {
      const p = pods.find((x) => x.metadata.namespace === ns && x.metadata.labels?.[label] === value);
      assert.ok(p?.status?.podIP, `pod ${ns}/${value} with an IP`);
      return { name: p.metadata.name as string, ip: p.status.podIP as string };
    };
    const cart = pod('shop', 'app', 'cart');
    const checkout = pod('shop', 'app', 'checkout');
    const collector = pod('observability', 'app.kubernetes.io/name', 'otel-collector');
    const payment = pod('shop', 'app', 'payment');
    const shipping = pod('shop', 'app', 'shipping');
    const logOf = (p: { name: string }, container: string): Promise<string> => cluster.runtime.logs('shop', p.name, { container });
    /** The SDK's first line, once an export has given up (OTEL_EXPORTER_OTLP_TIMEOUT). */
    const firstLine = async (p: { name: string }, container: string): Promise<string> => {
      for (;;) {
        const line = (await logOf(p, container)).split('\n').find((l) => l.includes('{"stack":'));
        if (line) { return line; }
        await sleep(500);
      }
    };
    assert.match(await firstLine(checkout, 'checkout'), /\{"stack":"Error: connect ECONNREFUSED \d+\.\d+\.\d+\.\d+:4318\\n {4}at TCPConnectWrap\.afterConnect/);
    assert.match(await firstLine(payment, 'payment'), /\{"stack":"Error: 14 UNAVAILABLE: Name resolution failed for target dns:otel-collector:4317\\n/);
    assert.match(await firstLine(shipping, 'shipping'), /\{"stack":"Error: Parse Error: Expected HTTP\//);

    // cart: the collector keeps receiving its exports (one batch a second) over the connection from cart's IP,
    // and cart logs no failure of them. Pods start together, so cart's first batches may have met a collector
    // not yet listening: lines from those are over once their OTEL_EXPORTER_OTLP_TIMEOUT (3 s) has passed
    // after the collector first received; from the mark on, any line would be a failure on the healthy path.
    const netns = netnsOf(cluster.runId, collector.ip);
    while (bytesFrom(netns, 4317, cart.ip) === 0) { await sleep(500); }
    await sleep(10_000);
    const mark = (await logOf(cart, 'cart')).length;
    const atMark = bytesFrom(netns, 4317, cart.ip);
    let later = atMark;
    while ((later = bytesFrom(netns, 4317, cart.ip)) <= atMark) { await sleep(500); }
    assert.ok(later > atMark, `collector received ${atMark} then ${later} bytes from cart`);
    // Long enough for an export sent after the mark to have timed out and been logged, had it failed.
    await sleep(10_000);
    assert.doesNotMatch((await logOf(cart, 'cart')).slice(mark), /\{"stack":/, 'cart logged an export error');

    const r = await runAsync(PLUGIN, ['diagnose', '-o', 'json', '-n', 'observability'], { KUBECONFIG: cluster.kubeconfig, NO_COLOR: '1' }, 120_000);
    type Finding = { rule: string; subject: { kind: string; namespace?: string; name: string }; evidence?: { source: string; detail: string }[] };
    const report = JSON.parse(r.stdout) as { findings: Finding[] };
    const ctx = `findings: ${report.findings.map((f) => `${f.rule} ${f.subject.namespace}/${f.subject.name}`).join(', ')}\nstderr:\n${r.stderr}`;
    const loopback = report.findings.find((f) => f.rule === 'receiver-bound-to-loopback' && f.subject.name === 'otel-collector-local');
    assert.ok(loopback, `receiver-bound-to-loopback on otel-collector-local\n${ctx}`);
    const quoted = loopback.evidence?.find((e) => e.source === 'log' && e.detail.includes(`shop/${checkout.name} (checkout): `));
    assert.ok(quoted, `checkout's log line quoted as evidence\n${JSON.stringify(loopback.evidence, null, 2)}`);
    assert.ok(quoted.detail.includes('{"stack":"Error: connect ECONNREFUSED '), quoted.detail);
    const quotes = (rule: string, app: string, text: string): void => {
      const f = report.findings.find((x) => x.rule === rule && x.subject.name === app);
      assert.ok(f, `${rule} on ${app}\n${ctx}`);
      assert.ok(f.evidence?.some((e) => e.source === 'log' && e.detail.includes(text)), `${app}'s line quoted by ${rule}\n${JSON.stringify(f.evidence, null, 2)}`);
    };
    quotes('app-endpoint-unresolvable', 'payment', '{"stack":"Error: 14 UNAVAILABLE: Name resolution failed for target dns:otel-collector:4317');
    quotes('app-protocol-port-mismatch', 'shipping', '{"stack":"Error: Parse Error: Expected HTTP/');
    const aboutHealthy = report.findings.filter((f) => f.subject.name === 'otel-collector' || f.subject.name === 'cart');
    assert.deepEqual(aboutHealthy.map((f) => `${f.rule} ${f.subject.name}`), [], `nothing wrong with cart's path\n${ctx}`);
  } finally {
    await cluster.stop();
  }
});
