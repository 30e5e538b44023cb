// Access reviews sent before client-node loads (src/cluster/early.ts): what goes on the wire, what the
// answers mean, and when the early path stands aside for client-node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEarlyReviews, reviewKey } from '../../src/cluster/early.ts';
import type { LoadedKubeconfig } from '../../src/cluster/kubeconfig.ts';

function loaded(server: string, user: Record<string, unknown>, cluster: Record<string, unknown> = {}): LoadedKubeconfig {
  return {
    config: {
      apiVersion: 'v1', kind: 'Config', preferences: {}, 'current-context': 'x',
      clusters: [{ name: 'c', cluster: { server, 'insecure-skip-tls-verify': true, ...cluster } }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    },
    context: 'x', namespace: 'default', sources: [], inCluster: false,
  };
}

const attrs = [
  { verb: 'list', resource: 'pods' },
  { verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'observability' },
  { verb: 'get', resource: 'pods', subresource: 'log', namespace: 'observability' },
];

test('early reviews: one POST each with our User-Agent and the bearer token; answers by attributes; a failed one is asked again', async () => {
  const seen: { ua?: string; auth?: string; path?: string; body: any }[] = [];
  const srv = createServer((req: IncomingMessage, res) => {
    let b = '';
    req.on('data', (d) => { b += d; });
    req.on('end', () => {
      const body = JSON.parse(b);
      seen.push({ ua: req.headers['user-agent'], auth: req.headers.authorization, path: req.url, body });
      const ra = body.spec.resourceAttributes;
      if (ra.subresource === 'log') { res.statusCode = 500; res.end('{}'); return; }
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ ...body, status: { allowed: ra.subresource !== 'exec' } }));
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  try {
    const logged: string[] = [];
    const early = startEarlyReviews(loaded(`http://127.0.0.1:${port}/prefix/`, { token: 't0k' }), attrs, { userAgent: 'otel-doctor/9.9.9 (linux/amd64)', timeoutMs: 5000, env: {}, onRequest: (v, p, s) => logged.push(`${v} ${p} ${s}`) });
    assert.ok(early);
    await early.sent(2000);
    assert.equal(await early.take(attrs[0]), true);
    assert.equal(await early.take(attrs[1]), false);
    await assert.rejects(early.take(attrs[2])!, /HTTP 500/);
    assert.equal(early.take(attrs[0]), undefined, 'each answer is taken once');
    assert.equal(early.take({ verb: 'list', resource: 'services' }), undefined, 'never asked early');
    assert.equal(seen.length, 3);
    for (const s of seen) {
      assert.equal(s.ua, 'otel-doctor/9.9.9 (linux/amd64)');
      assert.equal(s.auth, 'Bearer t0k');
      assert.equal(s.path, '/prefix/apis/authorization.k8s.io/v1/selfsubjectaccessreviews');
      assert.equal(s.body.kind, 'SelfSubjectAccessReview');
      assert.equal(s.body.spec.resourceAttributes.group, '');
    }
    assert.deepEqual(seen.map((s) => s.body.spec.resourceAttributes.verb).sort(), ['create', 'get', 'list']);
    assert.equal(logged.length, 3);
  } finally {
    srv.close();
  }
});

test('early reviews stand aside for what only client-node does: exec plugins, auth providers, impersonation, proxies, plain HTTP without skip-verify', () => {
  const opts = { userAgent: 'ua', timeoutMs: 1000, env: {} };
  const s = 'https://127.0.0.1:1';
  assert.equal(startEarlyReviews(loaded(s, { exec: { command: 'aws' } }), attrs, opts), undefined);
  assert.equal(startEarlyReviews(loaded(s, { 'auth-provider': { name: 'oidc' } }), attrs, opts), undefined);
  assert.equal(startEarlyReviews(loaded(s, { token: 'x', as: 'admin' }), attrs, opts), undefined);
  assert.equal(startEarlyReviews(loaded(s, { username: 'a', password: 'b' }), attrs, opts), undefined);
  assert.equal(startEarlyReviews(loaded(s, { token: 'x' }, { 'proxy-url': 'http://proxy:3128' }), attrs, opts), undefined);
  assert.equal(startEarlyReviews(loaded(s, { token: 'x' }), attrs, { ...opts, env: { HTTPS_PROXY: 'http://proxy:3128' } }), undefined);
  assert.equal(startEarlyReviews(loaded('http://127.0.0.1:1', { token: 'x' }, { 'insecure-skip-tls-verify': false }), attrs, opts), undefined);
  assert.equal(startEarlyReviews(loaded(s, { 'client-certificate-data': 'eA==' }), attrs, opts), undefined, 'a certificate without its key');
  assert.equal(startEarlyReviews(loaded(s, { tokenFile: '/nonexistent/token' }), attrs, opts), undefined, 'an unreadable token file is client-node\'s to report');
});

test('reviewKey: the same attributes give the same key, any difference another', () => {
  assert.equal(reviewKey({ verb: 'list', resource: 'pods' }), reviewKey({ resource: 'pods', verb: 'list', group: '' }));
  assert.notEqual(reviewKey({ verb: 'list', resource: 'pods' }), reviewKey({ verb: 'list', resource: 'pods', namespace: 'a' }));
});

test('a server that never answers costs one --request-timeout, not two: the early timeout is the answer', async () => {
  const { createClusterClient } = await import('../../src/cluster/client.ts');
  let requests = 0;
  const srv = createServer(() => { requests++; /* never answers */ });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  try {
    const kc = loaded(`http://127.0.0.1:${port}`, { token: 't' });
    // Timed from the start of the early review, so the total covers both. Two timeouts cannot end before
    // 3 s (timers never fire early), so anything under that is one, however slow the machine.
    const t0 = Date.now();
    const early = startEarlyReviews(kc, [attrs[0]], { userAgent: 'ua', timeoutMs: 1500, env: {} });
    assert.ok(early);
    const client = createClusterClient(kc, { requestTimeoutMs: 1500, early });
    await assert.rejects(client.accessReview(attrs[0]), (e: Error & { reason?: string }) => e.reason === 'Timeout' && /no answer within 1500 ms/.test(e.message));
    const ms = Date.now() - t0;
    assert.ok(ms < 3000, `took ${ms} ms: two timeouts`);
    assert.equal(requests, 1, 'not asked again');
    await client.close();
  } finally {
    srv.closeAllConnections();
    srv.close();
  }
});

test('early reviews leave a context without a user, NODE_TLS_REJECT_UNAUTHORIZED=0, and file-plus-data credentials to client-node', () => {
  const opts = { userAgent: 'ua', timeoutMs: 1000, env: {} };
  const noUser = loaded('https://127.0.0.1:1', { token: 'x' });
  noUser.config.contexts[0].context = { cluster: 'c' };
  assert.equal(startEarlyReviews(noUser, attrs, opts), undefined);
  assert.equal(startEarlyReviews(loaded('https://127.0.0.1:1', { token: 'x' }), attrs, { ...opts, env: { NODE_TLS_REJECT_UNAUTHORIZED: '0' } }), undefined);
  assert.equal(startEarlyReviews(loaded('https://127.0.0.1:1', { token: 'x' }, { 'certificate-authority': '/x/ca.crt', 'certificate-authority-data': 'eA==' }), attrs, opts), undefined);
});
