// The API server driven by @kubernetes/client-node 2.x, the client the plugin itself uses: typed
// lists, exec over WebSocket with its status callback, logs, watch. No root needed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { CoreV1Api, Exec, KubeConfig, Log, Watch, type V1Status } from '@kubernetes/client-node';
import { startHarness, type Harness } from '../../api/testkit.ts';

let h: Harness;
const kcs = new Map<string, KubeConfig>();
before(async () => { h = await startHarness(); });
after(async () => { await h?.stop(); });

async function kc(user = 'admin'): Promise<KubeConfig> {
  let k = kcs.get(user);
  if (!k) { k = new KubeConfig(); k.loadFromFile(await h.kubeconfig(user)); kcs.set(user, k); }
  return k;
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  return { stream: new Writable({ write(c, _e, cb) { chunks.push(Buffer.from(c)); cb(); } }), text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Runs one exec and resolves once the socket has closed, with the status channel's content. */
async function exec(user: string, ns: string, pod: string, container: string, command: string[], stdinText?: string) {
  const out = sink();
  const err = sink();
  let status: V1Status | undefined;
  const stdin = stdinText === undefined ? null : new PassThrough();
  const ws = await new Exec(await kc(user)).exec(ns, pod, container, command, out.stream, err.stream, stdin, false, (s) => { status = s; });
  if (stdin) { stdin.end(stdinText); }
  await new Promise<void>((resolve) => { if (ws.readyState === ws.CLOSED) { resolve(); } else { ws.on('close', () => resolve()); } });
  return { stdout: out.text(), stderr: err.text(), status, protocol: ws.protocol };
}

describe('client-node CoreV1Api', () => {
  test('lists pods in a namespace and across namespaces with a label selector', async () => {
    const api = (await kc()).makeApiClient(CoreV1Api);
    const apps = await api.listNamespacedPod({ namespace: 'apps' });
    assert.deepEqual(apps.items.map((p) => p.metadata?.name), ['app-1', 'crashy']);
    const crashy = apps.items[1];
    assert.equal(crashy.status?.containerStatuses?.[0].state?.waiting?.reason, 'CrashLoopBackOff');
    assert.equal(crashy.status?.containerStatuses?.[0].restartCount, 3);
    const web = await api.listPodForAllNamespaces({ labelSelector: 'tier=web' });
    assert.deepEqual(web.items.map((p) => p.metadata?.name), ['app-1', 'web-1', 'web-2', 'web-3']);
    const page = await api.listNamespacedPod({ namespace: 'default', limit: 2 });
    assert.equal(page.items.length, 2);
    assert.ok(page.metadata?._continue);
    assert.equal(page.metadata?.remainingItemCount, 3);
  });

  test('errors carry the Status body', async () => {
    const api = (await kc()).makeApiClient(CoreV1Api);
    await assert.rejects(api.readNamespacedPod({ namespace: 'apps', name: 'nope' }), (e: { code?: number; body?: string }) => {
      assert.equal(e.code, 404);
      assert.equal(JSON.parse(String(e.body)).message, 'pods "nope" not found');
      return true;
    });
    const ns = (await kc('namespaced-only')).makeApiClient(CoreV1Api);
    await assert.rejects(ns.listPodForAllNamespaces(), (e: { code?: number; body?: string }) => {
      assert.equal(e.code, 403);
      assert.equal(JSON.parse(String(e.body)).message, 'pods is forbidden: User "namespaced-only" cannot list resource "pods" in API group "" at the cluster scope');
      return true;
    });
  });
});

describe('client-node Exec', () => {
  test('success: output and a Success status on v5', async () => {
    const r = await exec('admin', 'apps', 'app-1', 'app', ['echo', 'from', 'client-node']);
    assert.equal(r.protocol, 'v5.channel.k8s.io');
    assert.equal(r.stdout, 'from client-node\n');
    assert.deepEqual(r.status, { metadata: {}, status: 'Success' });
  });

  test('non-zero exit: the NonZeroExitCode status with the exit code cause', async () => {
    const r = await exec('admin', 'apps', 'app-1', 'app', ['sh', '-c', 'exit 3']);
    assert.deepEqual(r.status, {
      metadata: {}, status: 'Failure', message: 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
      reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });

  test('stdin is delivered and closed with the v5 close frame', async () => {
    const r = await exec('admin', 'apps', 'app-1', 'sidecar', ['cat'], 'piped through\n');
    assert.equal(r.stdout, 'piped through\n');
    assert.equal(r.status?.status, 'Success');
  });

  test('a binary missing from the image: the runtime\'s InternalError status', async () => {
    const r = await exec('admin', 'observability', 'otel-collector-7d4b9c-x2x9q', 'otelcol', ['netstat', '-tln']);
    assert.equal(r.status?.status, 'Failure');
    assert.equal(r.status?.reason, 'InternalError');
    assert.equal(r.status?.code, 500);
    assert.match(String(r.status?.message), /exec: "netstat": executable file not found in \$PATH: unknown$/);
  });

  test('forbidden and invalid requests fail the handshake with the Status', async () => {
    // client-node rejects with the WebSocket error event, which names the HTTP status.
    const message = (e: unknown) => String((e as { message?: string }).message);
    await assert.rejects(exec('no-exec', 'apps', 'app-1', 'app', ['echo']), (e) => /Unexpected server response: 403/.test(message(e)));
    await assert.rejects(exec('admin', 'apps', 'app-1', 'nope', ['echo']), (e) => /Unexpected server response: 400/.test(message(e)));
    const denied = h.api.requests.filter((r) => r.subresource === 'exec' && r.code >= 400).map((r) => `${r.user} ${r.code}`);
    assert.deepEqual(denied.slice(-2), ['no-exec 403', 'admin 400']);
  });
});

describe('client-node Log and Watch', () => {
  test('Log streams a container\'s log with options', async () => {
    const out = sink();
    const done = new Promise<void>((resolve) => out.stream.on('finish', () => resolve()));
    await new Log(await kc()).log('apps', 'app-1', 'sidecar', out.stream, { tailLines: 2 });
    await done;
    assert.equal(out.text(), 'app-1/sidecar line 4\napp-1/sidecar line 5\n');
    assert.equal(h.runtime.logCalls.at(-1)!.opts.tailLines, 2);
  });

  test('Log without a container on a two-container pod is the registry\'s 400', async () => {
    const out = sink();
    await assert.rejects(new Log(await kc()).log('apps', 'app-1', '', out.stream), (e: { code?: number }) => e.code === 400);
    const raw = await fetchText('/api/v1/namespaces/apps/pods/app-1/log');
    assert.match(raw, /a container name must be specified for pod app-1, choose one of: \[app sidecar\]/);
  });

  test('Watch delivers changes after a list', async () => {
    const k = await kc();
    const api = k.makeApiClient(CoreV1Api);
    const list = await api.listNamespacedConfigMap({ namespace: 'default' });
    const seen: string[] = [];
    let resolveSeen!: () => void;
    const got = new Promise<void>((resolve) => { resolveSeen = resolve; });
    const req = await new Watch(k).watch('/api/v1/namespaces/default/configmaps', { resourceVersion: list.metadata?.resourceVersion }, (type, obj) => {
      seen.push(`${type} ${obj.metadata.name}`);
      if (seen.length === 2) { resolveSeen(); }
    }, () => { /* ends when aborted */ });
    await api.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'watched' }, data: { a: '1' } } });
    await api.deleteNamespacedConfigMap({ namespace: 'default', name: 'watched' });
    await got;
    req.abort();
    assert.deepEqual(seen, ['ADDED watched', 'DELETED watched']);
  });
});

async function fetchText(path: string): Promise<string> {
  const k = await kc();
  const { request } = await import('node:https');
  const u = new URL(h.api.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, headers: { Authorization: `Bearer ${h.api.tokenFor('admin')}` }, ca: h.api.caPem }, (res) => {
      let s = '';
      res.on('data', (c: Buffer) => { s += c; });
      res.on('end', () => resolve(s));
    });
    req.on('error', reject);
    req.end();
    void k;
  });
}
