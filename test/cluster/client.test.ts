import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { continueFromHead, createClusterClient, parseExecStatus } from '../../src/cluster/client.ts';
import type { LoadedKubeconfig } from '../../src/cluster/kubeconfig.ts';
import { ApiError } from '../../src/errors.ts';
import { pluginVersion } from '../../src/version.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;
let handler: Handler = (_req, res) => res.end('{}');
const seen: { method: string; url: string; ua: string; auth: string }[] = [];

const server = createServer((req, res) => {
  seen.push({ method: req.method ?? '', url: req.url ?? '', ua: String(req.headers['user-agent']), auth: String(req.headers.authorization) });
  handler(req, res, new URL(req.url ?? '/', 'http://x'));
});
type WsBehaviour = (ws: import('ws').WebSocket, url: URL) => void;
let wsBehaviour: WsBehaviour = () => undefined;
let refuseUpgrade: { code: number; body: string } | undefined;
const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : false) });
server.on('upgrade', (req, socket, head) => {
  seen.push({ method: 'UPGRADE', url: req.url ?? '', ua: String(req.headers['user-agent']), auth: String(req.headers.authorization) });
  if (refuseUpgrade) {
    const { code, body } = refuseUpgrade;
    socket.end(`HTTP/1.1 ${code} Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => wsBehaviour(ws, new URL(req.url ?? '/', 'http://x')));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as AddressInfo).port;
after(() => {
  wss.close();
  server.closeAllConnections();
  server.close();
});

const loaded: LoadedKubeconfig = {
  config: {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'u', user: { token: 'sekret' } }],
    contexts: [{ name: 'c', context: { cluster: 'local', user: 'u' } }],
    'current-context': 'c',
    preferences: {},
  },
  context: 'c',
  namespace: 'default',
  sources: [],
  inCluster: false,
};

const json = (res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(code, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const status = (code: number, reason: string, message: string) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
const UA = new RegExp(`^otel-doctor/${pluginVersion().replace(/\./g, '\\.')} \\((linux|darwin|windows)/(amd64|arm64|[a-z0-9]+)\\)$`);

test('list paginates with limit 500 and continue, sends our User-Agent and the token', async () => {
  seen.length = 0;
  handler = (_req, res, url) => {
    const cont = url.searchParams.get('continue');
    assert.equal(url.searchParams.get('limit'), '500');
    assert.equal(url.searchParams.get('labelSelector'), 'app=x');
    if (!cont) { json(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: { continue: 'p2' }, items: [{ metadata: { name: 'a' } }] }); } else { json(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [{ metadata: { name: 'b' } }] }); }
  };
  const c = createClusterClient(loaded, { requestTimeoutMs: 3000 });
  const items = await c.list('pods', { namespace: 'ns1', labelSelector: 'app=x' });
  assert.deepEqual(items.map((i) => [i.metadata.name, i.kind, i.apiVersion]), [['a', 'Pod', 'v1'], ['b', 'Pod', 'v1']]);
  assert.equal(seen.length, 2);
  assert.match(seen[0].url, /^\/api\/v1\/namespaces\/ns1\/pods\?/);
  assert.match(seen[1].url, /continue=p2/);
  for (const s of seen) {
    assert.match(s.ua, UA);
    assert.equal(s.auth, 'Bearer sekret');
  }
});

test('the next page is asked for while this one still arrives (its head names the continue token)', async () => {
  // Page 1 sends its head and holds its items back until page 2 is asked for: a client that waits for
  // the whole of page 1 before asking never gets it (the test would time out, not pass).
  let release: (() => void) | undefined;
  const asked: string[] = [];
  handler = (_req, res, url) => {
    const cont = url.searchParams.get('continue') ?? '';
    asked.push(cont);
    if (!cont) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7","continue":"p2"},"items":[');
      release = () => res.end('{"metadata":{"name":"a"}}]}');
      return;
    }
    release?.();
    if (cont === 'p2') { return json(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: { continue: 'p3' }, items: [{ metadata: { name: 'b' } }] }); }
    json(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [{ metadata: { name: 'c' } }] });
  };
  const c = createClusterClient(loaded, { requestTimeoutMs: 20_000 });
  const items = await c.list('pods');
  assert.deepEqual(items.map((i) => i.metadata.name), ['a', 'b', 'c']);
  assert.deepEqual(asked, ['', 'p2', 'p3'], 'each page once, one ahead');
});

test('the continue token from a list\'s head: ListMeta before the items, else no guess', () => {
  assert.equal(continueFromHead('{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7","continue":"eyJ2Ijo="},"items":['), 'eyJ2Ijo=');
  assert.equal(continueFromHead('{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":['), null);
  assert.equal(continueFromHead('{"kind":"PodList","apiVersion":"v1","meta'), undefined, 'not decidable yet');
  assert.equal(continueFromHead('{"items":[],"metadata":{"continue":"x"}}'), null, 'items first: no guess');
  assert.equal(continueFromHead('{"kind":"PodList","metadata":{"continue":"a\\"b"}}'), null, 'a token outside the base64 alphabet is not guessed');
});

test('a 410 Expired continue restarts the list once, a second one fails', async () => {
  let calls = 0;
  handler = (_req, res, url) => {
    calls++;
    if (url.searchParams.get('continue')) { return json(res, 410, status(410, 'Expired', 'The provided continue parameter is too old')); }
    json(res, 200, { kind: 'ServiceList', apiVersion: 'v1', metadata: { continue: 'old' }, items: [{ metadata: { name: `s${calls}` } }] });
  };
  const c = createClusterClient(loaded, { requestTimeoutMs: 3000 });
  await assert.rejects(c.list('services'), (e: unknown) => e instanceof ApiError && e.status === 410 && e.reason === 'Expired');
  assert.equal(calls, 4, 'first list (2 pages) + one fresh list (2 pages)');

  calls = 0;
  let expiredOnce = false;
  handler = (_req, res, url) => {
    calls++;
    if (url.searchParams.get('continue') && !expiredOnce) {
      expiredOnce = true;
      return json(res, 410, status(410, 'Expired', 'too old'));
    }
    const page2 = url.searchParams.get('continue');
    json(res, 200, { kind: 'ServiceList', apiVersion: 'v1', metadata: page2 ? {} : { continue: 'k' }, items: [{ metadata: { name: page2 ? 'second' : 'first' } }] });
  };
  const items = await c.list('services');
  assert.deepEqual(items.map((i) => i.metadata.name), ['first', 'second'], 'no duplicates from the abandoned first pass');
  assert.equal(calls, 4);
});

test('429 with Retry-After is honoured, then the call succeeds', async () => {
  let calls = 0;
  const times: number[] = [];
  handler = (_req, res) => {
    calls++;
    times.push(Date.now());
    if (calls === 1) { return json(res, 429, status(429, 'TooManyRequests', 'slow down'), { 'retry-after': '1' }); }
    json(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.0' });
  };
  const c = createClusterClient(loaded, { requestTimeoutMs: 5000 });
  const v = await c.serverVersion();
  assert.equal(v.gitVersion, 'v1.32.0');
  assert.equal(calls, 2);
  assert.ok(times[1] - times[0] >= 950, `waited ${times[1] - times[0]} ms for Retry-After: 1`);
  assert.equal(c.stats().retries, 1);
});

test('500s are retried a bounded number of times, then surface as ApiError', async () => {
  let calls = 0;
  handler = (_req, res) => {
    calls++;
    json(res, 500, status(500, 'InternalError', 'etcdserver: leader changed'), { 'retry-after': '0' });
  };
  const c = createClusterClient(loaded, { requestTimeoutMs: 5000, maxRetries: 3 });
  await assert.rejects(c.list('pods'), (e: unknown) => e instanceof ApiError && e.status === 500 && /leader changed/.test(e.message));
  assert.equal(calls, 4);
});

test('a PATCH is not sent again after a 5xx or a reset (it may have been applied); only a 429 is retried', async () => {
  const cm = { group: '', version: 'v1', resource: 'configmaps', namespaced: true };
  let calls = 0;
  handler = (_req, res) => {
    calls++;
    json(res, 504, status(504, 'Timeout', 'the server was unable to return a response in the time allotted'));
  };
  const c = createClusterClient(loaded, { requestTimeoutMs: 5000, maxRetries: 3 });
  await assert.rejects(c.patch(cm, 'obs', 'otel', 'merge', { data: { a: '1' } }), (e: unknown) => e instanceof ApiError && e.status === 504);
  assert.equal(calls, 1, 'a gateway timeout leaves the write\'s outcome unknown: not repeated');

  calls = 0;
  handler = (req, res) => {
    calls++;
    if (calls === 1) { req.socket.destroy(); return; }
    json(res, 200, { kind: 'ConfigMap', metadata: { name: 'otel' } });
  };
  await assert.rejects(c.patch(cm, 'obs', 'otel', 'merge', { data: { a: '1' } }), (e: unknown) => e instanceof ApiError && e.reason === 'ConnectionReset');
  assert.equal(calls, 1, 'a reset after sending leaves the outcome unknown: not repeated');

  calls = 0;
  handler = (_req, res) => {
    calls++;
    if (calls === 1) { return json(res, 429, status(429, 'TooManyRequests', 'slow down'), { 'retry-after': '0' }); }
    json(res, 200, { kind: 'ConfigMap', metadata: { name: 'otel' } });
  };
  assert.equal((await c.patch(cm, 'obs', 'otel', 'merge', { data: { a: '1' } })).metadata.name, 'otel');
  assert.equal(calls, 2, 'a 429 means the server did not act: sent again');
});

test('403 is not retried and keeps the Status message', async () => {
  let calls = 0;
  handler = (_req, res) => {
    calls++;
    json(res, 403, status(403, 'Forbidden', 'pods is forbidden: User "jane" cannot list resource "pods" in API group "" at the cluster scope'));
  };
  const c = createClusterClient(loaded, { requestTimeoutMs: 3000 });
  await assert.rejects(c.list('pods'), (e: unknown) => e instanceof ApiError && e.reason === 'Forbidden' && /cannot list resource "pods"/.test(e.message));
  assert.equal(calls, 1);
});

test('a slow server hits the request deadline', async () => {
  handler = () => undefined; // never answers
  const c = createClusterClient(loaded, { requestTimeoutMs: 400 });
  const t0 = Date.now();
  await assert.rejects(c.list('pods'), (e: unknown) => e instanceof ApiError && e.reason === 'Timeout' && e.status === 0);
  // The Timeout reason says our deadline ended it (a hang would end only at the test's own timeout); the
  // lower bound says it was not cut early. No upper bound: a loaded machine may be late, never early.
  const took = Date.now() - t0;
  assert.ok(took >= 380, `took ${took} ms`);
});

test('Retry-After longer than the deadline gives up at once instead of sleeping past it', async () => {
  // Far apart on purpose: giving up at once, at the 20 s deadline, or after the 120 s Retry-After are told
  // apart by a bound a loaded machine cannot reach.
  handler = (_req, res) => json(res, 503, status(503, 'ServiceUnavailable', 'busy'), { 'retry-after': '120' });
  const c = createClusterClient(loaded, { requestTimeoutMs: 20_000, maxRetryAfterMs: 600_000 });
  const t0 = Date.now();
  await assert.rejects(c.list('pods'), (e: unknown) => e instanceof ApiError && e.status === 503);
  assert.ok(Date.now() - t0 < 10_000, 'gave up before the deadline');
});

test('logs and access review', async () => {
  handler = (req, res, url) => {
    if (url.pathname.endsWith('/log')) {
      assert.equal(url.searchParams.get('container'), 'otc');
      assert.equal(url.searchParams.get('tailLines'), '200');
      assert.equal(url.searchParams.get('previous'), 'true');
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('line1\nline2\n');
    }
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const spec = JSON.parse(body).spec.resourceAttributes;
      json(res, 201, { status: { allowed: spec.subresource === 'log' } });
    });
  };
  const c = createClusterClient(loaded, { requestTimeoutMs: 3000 });
  assert.equal(await c.logs('ns', 'p', 'otc', { tailLines: 200, limitBytes: 65536, previous: true }), 'line1\nline2\n');
  assert.equal(await c.accessReview({ verb: 'get', resource: 'pods', subresource: 'log' }), true);
  assert.equal(await c.accessReview({ verb: 'create', resource: 'pods', subresource: 'exec' }), false);
});

const frame = (ch: number, s: string): Buffer => Buffer.concat([Buffer.from([ch]), Buffer.from(s)]);

test('exec completes on the channel-3 Status: success, non-zero exit, not-found binary', async () => {
  const c = createClusterClient(loaded, { requestTimeoutMs: 3000 });
  wsBehaviour = (ws, url) => {
    const cmd = url.searchParams.getAll('command');
    if (cmd[0] === 'ss') {
      ws.send(frame(1, 'LISTEN 0 4096 127.0.0.1:4317 0.0.0.0:*\n'));
      ws.send(frame(3, JSON.stringify({ metadata: {}, status: 'Success' })));
    } else if (cmd[0] === 'false') {
      ws.send(frame(2, 'nope\n'));
      ws.send(frame(3, JSON.stringify({ metadata: {}, status: 'Failure', message: 'command terminated with non-zero exit code: error executing command [false], exit code 7', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '7' }] } })));
    } else {
      ws.send(frame(3, JSON.stringify({ metadata: {}, status: 'Failure', message: `Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "${'a'.repeat(64)}": OCI runtime exec failed: exec failed: unable to start container process: exec: "${cmd[0]}": executable file not found in $PATH: unknown`, reason: 'InternalError', code: 500 })));
    }
    // Some servers keep the socket open after the status: completion must not wait for close.
  };
  seen.length = 0;
  const ok = await c.exec('ns', 'p', 'c', ['ss', '-tlnH'], { timeoutMs: 2000 });
  assert.equal(ok.exitCode, 0);
  assert.match(ok.stdout, /127\.0\.0\.1:4317/);
  assert.match(seen[0].ua, UA, 'the WebSocket upgrade carries our User-Agent');
  assert.match(seen[0].url, /command=ss&command=-tlnH/);
  const nz = await c.exec('ns', 'p', 'c', ['false'], { timeoutMs: 2000 });
  assert.equal(nz.exitCode, 7);
  assert.equal(nz.stderr, 'nope\n');
  const nf = await c.exec('ns', 'p', 'c', ['netstat', '-tln'], { timeoutMs: 2000 });
  assert.equal(nf.exitCode, null);
  assert.equal(nf.error?.reason, 'InternalError');
  assert.match(nf.error?.message ?? '', /executable file not found/);
});

test('exec that never completes is cut at its deadline; a close without status is an error', async () => {
  // The request timeout is far from the exec's own deadline, so the elapsed time tells which one ended it.
  const c = createClusterClient(loaded, { requestTimeoutMs: 10_000 });
  wsBehaviour = () => undefined; // opens, then silence (the known client-node hang)
  const t0 = Date.now();
  const hung = await c.exec('ns', 'p', 'c', ['sleep', '100'], { timeoutMs: 500 });
  const ms = Date.now() - t0;
  assert.equal(hung.exitCode, null);
  assert.equal(hung.error?.reason, 'Timeout');
  assert.equal(hung.error?.message, 'exec did not complete within 500 ms');
  assert.ok(ms >= 450 && ms < 5000, `took ${ms} ms`);

  wsBehaviour = (ws) => {
    ws.send(frame(1, 'partial'));
    setTimeout(() => ws.close(), 20);
  };
  const closed = await c.exec('ns', 'p', 'c', ['cat'], { timeoutMs: 2000 });
  assert.equal(closed.exitCode, null);
  assert.equal(closed.error?.reason, 'StreamClosed');
  assert.equal(closed.stdout, 'partial');
});

test('exec refused at the upgrade (403) becomes a typed Forbidden result', async () => {
  const c = createClusterClient(loaded, { requestTimeoutMs: 3000 });
  refuseUpgrade = { code: 403, body: JSON.stringify(status(403, 'Forbidden', 'pods "p" is forbidden: User "jane" cannot create resource "pods/exec" in API group "" in the namespace "ns"')) };
  try {
    const r = await c.exec('ns', 'p', 'c', ['ss'], { timeoutMs: 2000 });
    assert.equal(r.exitCode, null);
    assert.equal(r.error?.reason, 'Forbidden');
    assert.equal(r.error?.code, 403);
    assert.match(r.error?.message ?? '', /cannot create resource "pods\/exec"/);
  } finally {
    refuseUpgrade = undefined;
  }
});

test('parseExecStatus', () => {
  assert.deepEqual(parseExecStatus({ status: 'Success' }), { exitCode: 0 });
  assert.equal(parseExecStatus({ status: 'Failure', reason: 'NonZeroExitCode', message: 'command terminated with non-zero exit code: exit status 124' }).exitCode, 124);
  assert.equal(parseExecStatus({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '1' }] } }).exitCode, 1);
  const internal = parseExecStatus({ status: 'Failure', reason: 'InternalError', code: 500, message: 'x' });
  assert.deepEqual(internal, { exitCode: null, error: { reason: 'InternalError', message: 'x', code: 500 } });
  assert.equal(parseExecStatus(undefined).error?.reason, 'StreamClosed');
});

test('a tokenFile user (in-cluster service account) sends the token from the file', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-token-'));
  try {
    writeFileSync(join(dir, 'token'), 'sa-token-123\n');
    const withFile: LoadedKubeconfig = structuredClone(loaded);
    withFile.config.users = [{ name: 'u', user: { tokenFile: join(dir, 'token') } }];
    seen.length = 0;
    handler = (_req, res) => json(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.0' });
    await createClusterClient(withFile, { requestTimeoutMs: 3000 }).serverVersion();
    assert.equal(seen[0].auth, 'Bearer sa-token-123');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('proxyGet: an answer past the 8 MiB cap is cut while it streams and reported as not read, TooLarge', async () => {
  const { PROXY_MAX_BYTES } = await import('../../src/cluster/client.ts');
  let written = 0;
  let closed: Promise<void> = Promise.resolve();
  handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    // Endless: only the client's cut ends it, which the closed socket proves.
    closed = new Promise((r) => res.on('close', () => r()));
    const pump = (): void => {
      while (!res.destroyed && res.write(chunk)) { written += chunk.length; }
      if (!res.destroyed) { res.once('drain', pump); }
    };
    pump();
  };
  const client = createClusterClient(loaded);
  await assert.rejects(client.proxyGet!('observability', 'otel-0', 8888, 'metrics'), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.reason, 'TooLarge');
    assert.match(e.message, /larger than 8388608 bytes: not read/);
    return true;
  });
  await closed;
  assert.ok(written < 4 * PROXY_MAX_BYTES, `the server wrote ${written} bytes before the cut`);
  // Under the cap, the whole body.
  handler = (_req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('otelcol_process_uptime 1\n'); };
  assert.equal(await client.proxyGet!('observability', 'otel-0', 8888, 'metrics'), 'otelcol_process_uptime 1\n');
  await client.close?.();
});
