// The same fidelity, through @kubernetes/client-node: list, exec with its status callback, logs.
// Needs root (network namespaces); skips otherwise.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import type { Cluster } from '../../cli.ts';

const here = dirname(fileURLToPath(import.meta.url));
const skip = process.getuid?.() !== 0 ? 'needs root: the simulated cluster creates network namespaces' : false;

interface ExecResult { status: k8s.V1Status | undefined; stdout: string; stderr: string }

/** client-node's exec resolves when the socket opens; completion is the status on channel 3 or the close. */
async function execIn(kc: k8s.KubeConfig, ns: string, pod: string, container: string, command: string[]): Promise<ExecResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => { out += d; });
  stderr.on('data', (d) => { err += d; });
  let status: k8s.V1Status | undefined;
  let gotStatus!: () => void;
  const statusSeen = new Promise<void>((r) => { gotStatus = r; });
  const ws = await new k8s.Exec(kc).exec(ns, pod, container, command, stdout, stderr, null, false, (s) => { status = s; gotStatus(); });
  const closed = new Promise<void>((r) => ws.on('close', () => r()));
  await Promise.race([Promise.all([statusSeen, closed]), new Promise((_, rej) => setTimeout(() => rej(new Error('exec did not complete in 15 s')), 15_000))]);
  await new Promise((r) => setImmediate(r)); // stream 'data' events of the last frames land after the close
  return { status, stdout: out, stderr: err };
}

describe('@kubernetes/client-node against the seed scenario', { skip }, () => {
  let cluster: Cluster;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;

  before(async () => {
    const { startCluster } = await import('../../cli.ts');
    cluster = await startCluster({ manifests: [join(here, '../../../scenarios/seed/manifests')], log: () => {} });
    kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
  });
  after(async () => { await cluster?.stop(); });

  const pod = async (ns: string, prefix: string) => {
    const list = await core.listNamespacedPod({ namespace: ns });
    const p = list.items.find((x) => x.metadata?.name?.startsWith(prefix));
    assert.ok(p, `${ns}/${prefix}*`);
    return p;
  };

  test('list pods in all namespaces, with typed status', async () => {
    const list = await core.listPodForAllNamespaces();
    const names = list.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);
    assert.ok(names.some((n) => n.startsWith('observability/otel-collector-')), names.join(' '));
    assert.ok(names.some((n) => n.startsWith('shop/checkout-')));
    assert.ok(names.some((n) => n.startsWith('kube-system/coredns-')));
    const col = list.items.find((p) => p.metadata?.name?.startsWith('otel-collector-'))!;
    assert.match(col.status?.podIP ?? '', /^10\.244\.\d+\.\d+$/);
    assert.equal(col.status?.containerStatuses?.[0].ready, true);
    assert.equal(col.metadata?.ownerReferences?.[0].kind, 'ReplicaSet');
    const slices = await kc.makeApiClient(k8s.DiscoveryV1Api).listNamespacedEndpointSlice({ namespace: 'observability', labelSelector: 'kubernetes.io/service-name=otel-collector' });
    assert.equal(slices.items.length, 1);
    assert.deepEqual((slices.items[0].endpoints ?? []).map((e) => e.addresses[0]), [col.status?.podIP]);
  });

  test('exec: success and non-zero exit through the status callback', async () => {
    const p = await pod('shop', 'checkout-');
    const ok = await execIn(kc, 'shop', p.metadata!.name!, 'checkout', ['sh', '-c', 'echo hello; echo oops >&2']);
    assert.equal(ok.status?.status, 'Success');
    assert.equal(ok.stdout, 'hello\n');
    assert.equal(ok.stderr, 'oops\n');
    const bad = await execIn(kc, 'shop', p.metadata!.name!, 'checkout', ['sh', '-c', 'exit 3']);
    assert.equal(bad.status?.status, 'Failure');
    assert.equal(bad.status?.reason, 'NonZeroExitCode');
    assert.deepEqual(bad.status?.details?.causes, [{ reason: 'ExitCode', message: '3' }]);
  });

  test('exec: refused connection to the collector Service from an app pod', async () => {
    const p = await pod('shop', 'checkout-');
    const r = await execIn(kc, 'shop', p.metadata!.name!, 'checkout', ['nc', '-w', '2', 'otel-collector.observability.svc.cluster.local', '4317']);
    assert.equal(r.status?.status, 'Failure');
    assert.equal(r.status?.reason, 'NonZeroExitCode');
    assert.match(r.stderr, /can't connect to remote host \(10\.96\.\d+\.\d+\): Connection refused/);
  });

  test('exec into a FROM-scratch container: InternalError with containerd\'s message', async () => {
    const p = await pod('observability', 'otel-collector-');
    const r = await execIn(kc, 'observability', p.metadata!.name!, 'otel-collector', ['cat', '/proc/net/tcp']);
    assert.equal(r.status?.status, 'Failure');
    assert.match(r.status?.message ?? '', /exec: "cat": executable file not found in \$PATH: unknown/);
  });

  test('logs: readNamespacedPodLog and the streaming Log client', async () => {
    const p = await pod('observability', 'otel-collector-');
    const text = await core.readNamespacedPodLog({ name: p.metadata!.name!, namespace: 'observability', container: 'otel-collector' });
    assert.match(text, /Everything is ready\. Begin running and processing data\./);
    const sink = new PassThrough();
    let streamed = '';
    sink.on('data', (d) => { streamed += d; });
    // client-node 2.x ignores the `done` callback of its d.ts overload: completion is the piped stream ending.
    const finished = new Promise<void>((resolve) => sink.on('finish', () => resolve()));
    await new k8s.Log(kc).log('observability', p.metadata!.name!, 'otel-collector', sink, { tailLines: 1 });
    await Promise.race([finished, new Promise((_, rej) => setTimeout(() => rej(new Error('log stream did not end in 10 s')), 10_000))]);
    assert.equal(streamed.trim().split('\n').length, 1, streamed);
  });
});
