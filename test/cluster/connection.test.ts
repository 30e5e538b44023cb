// How the client reaches the API server: credentials read as kubectl reads them (no client-node), TLS
// verified against the kubeconfig's CA, gzip asked for and decoded, impersonation headers as client-go
// sends them, the access reviews sent ahead, and client-node loaded for what only it reads (an exec plugin).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttp, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createClusterClient } from '../../src/cluster/client.ts';
import { headerKeyEscape, readsCredentials } from '../../src/cluster/connection.ts';
import type { LoadedKubeconfig } from '../../src/cluster/kubeconfig.ts';
import { KubeconfigError } from '../../src/errors.ts';
import { makeCerts } from '../sim/api/tls.ts';

const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-conn-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function loaded(server: string, user: Record<string, unknown>, cluster: Record<string, unknown> = {}): LoadedKubeconfig {
  return {
    config: {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server, ...cluster } }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
      preferences: {},
    },
    context: 'x',
    namespace: 'default',
    sources: [],
    inCluster: false,
  };
}

type Seen = { url: string; headers: IncomingMessage['headers']; distinct: IncomingMessage['headersDistinct'] };
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void, tls?: { cert: string; key: string }): Promise<{ url: string; seen: Seen[]; close: () => void }> {
  const seen: Seen[] = [];
  const h = (req: IncomingMessage, res: ServerResponse) => {
    seen.push({ url: req.url ?? '', headers: req.headers, distinct: req.headersDistinct });
    handler(req, res);
  };
  const srv = tls ? createHttps(tls, h) : createHttp(h);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, seen, close: () => { srv.closeAllConnections(); srv.close(); } };
}

const podList = { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [{ metadata: { name: 'a', namespace: 'n' } }] };

test('what is read without client-node: tokens, token files, client certificates, impersonation, nobody; the rest is client-node\'s', () => {
  const s = 'https://127.0.0.1:1';
  assert.equal(readsCredentials(loaded(s, { token: 'x' })), true);
  assert.equal(readsCredentials(loaded(s, { tokenFile: '/var/run/token' })), true);
  assert.equal(readsCredentials(loaded(s, { 'client-certificate-data': 'eA==', 'client-key-data': 'eA==' })), true);
  assert.equal(readsCredentials(loaded(s, { token: 'x', as: 'admin', 'as-groups': ['g'] })), true);
  assert.equal(readsCredentials(loaded(s, {})), true);
  assert.equal(readsCredentials(loaded(s, { token: 'x' }, { 'disable-compression': true, 'tls-server-name': 'k' })), true);
  assert.equal(readsCredentials(loaded(s, { exec: { command: 'aws' } })), false);
  assert.equal(readsCredentials(loaded(s, { 'auth-provider': { name: 'oidc' } })), false);
  assert.equal(readsCredentials(loaded(s, { username: 'a', password: 'b' })), false);
  assert.equal(readsCredentials(loaded(s, { token: 'x' }, { 'proxy-url': 'http://proxy:3128' })), false);
  assert.equal(readsCredentials(loaded(s, { 'client-certificate-data': 'eA==' })), false, 'a certificate without its key');
});

test('TLS: the kubeconfig\'s CA verifies the server; another CA fails as a TLSError, skip-verify passes', async () => {
  const [good, other] = await Promise.all([makeCerts(join(dir, 'a')), makeCerts(join(dir, 'b'))]);
  const srv = await serve((_req, res) => res.end(JSON.stringify(podList)), { cert: good.certPem, key: good.keyPem });
  try {
    const ok = createClusterClient(loaded(srv.url, { token: 't' }, { 'certificate-authority-data': Buffer.from(good.caPem).toString('base64') }), { requestTimeoutMs: 5000 });
    assert.deepEqual((await ok.list('pods')).map((p) => p.metadata.name), ['a']);
    assert.deepEqual((await ok.list('pods')).map((p) => p.metadata.name), ['a'], 'and again on the kept-alive connection');
    await ok.close();
    writeFileSync(join(dir, 'other-ca.crt'), other.caPem);
    const bad = createClusterClient(loaded(srv.url, { token: 't' }, { 'certificate-authority': join(dir, 'other-ca.crt') }), { requestTimeoutMs: 5000, maxRetries: 0 });
    await assert.rejects(bad.list('pods'), (e: Error & { reason?: string }) => e.reason === 'TLSError');
    await bad.close();
    const skip = createClusterClient(loaded(srv.url, { token: 't' }, { 'insecure-skip-tls-verify': true }), { requestTimeoutMs: 5000 });
    assert.equal((await skip.list('pods')).length, 1);
    await skip.close();
  } finally {
    srv.close();
  }
});

test('close() ends a call in flight as Canceled; it is not sent again', async () => {
  let hits = 0;
  const srv = await serve(() => { hits++; /* never answers */ });
  try {
    const c = createClusterClient(loaded(srv.url, { token: 't' }), { requestTimeoutMs: 60_000 });
    const p = c.list('pods');
    while (hits === 0) { await new Promise((r) => setTimeout(r, 10)); }
    await c.close();
    await assert.rejects(p, (e: Error & { reason?: string }) => e.reason === 'Canceled');
    assert.equal(hits, 1);
    assert.equal(c.stats().retries, 0);
  } finally {
    srv.close();
  }
});

test('an empty body labelled gzip reads as empty, as Go reads it', async () => {
  const srv = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
    res.end();
  });
  try {
    const c = createClusterClient(loaded(srv.url, { token: 't' }), { requestTimeoutMs: 5000 });
    assert.equal(await c.logs('n', 'p', 'c', { tailLines: 10, limitBytes: 100 }), '');
    await c.close();
  } finally {
    srv.close();
  }
});

test('an unreadable CA or token file is a KubeconfigError when the client is made, not a crash later', () => {
  assert.throws(() => createClusterClient(loaded('https://127.0.0.1:1', { 'client-certificate-data': Buffer.from('not a certificate').toString('base64'), 'client-key-data': Buffer.from('nor a key').toString('base64') })), (e: unknown) => e instanceof KubeconfigError && /TLS material/.test((e as Error).message));
  assert.throws(() => createClusterClient(loaded('https://127.0.0.1:1', { token: 't' }, { 'certificate-authority': join(dir, 'missing.crt') })), (e: unknown) => e instanceof KubeconfigError && /certificate authority file/.test((e as Error).message));
  assert.throws(() => createClusterClient(loaded('https://127.0.0.1:1', { tokenFile: join(dir, 'missing-token') })), (e: unknown) => e instanceof KubeconfigError && /token file/.test((e as Error).message));
});

test('gzip is asked for and decoded (bytes on the wire counted apart); disable-compression asks for none', async () => {
  const body = JSON.stringify({ ...podList, items: Array.from({ length: 2000 }, (_, i) => ({ metadata: { name: `p-${i}`, namespace: 'n' } })) });
  const srv = await serve((req, res) => {
    if (String(req.headers['accept-encoding'] ?? '').includes('gzip')) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(body));
    } else {
      res.end(body);
    }
  });
  try {
    const c = createClusterClient(loaded(srv.url, { token: 't' }), { requestTimeoutMs: 5000 });
    assert.equal((await c.list('pods')).length, 2000);
    const st = c.stats();
    assert.equal(st.bytes, Buffer.byteLength(body));
    assert.ok((st.wireBytes ?? 0) < (st.bytes ?? 0) / 5, `wire ${st.wireBytes} of ${st.bytes}`);
    await c.close();
    const plain = createClusterClient(loaded(srv.url, { token: 't' }, { 'disable-compression': true }), { requestTimeoutMs: 5000 });
    assert.equal((await plain.list('pods')).length, 2000);
    assert.equal(srv.seen.at(-1)?.headers['accept-encoding'], undefined);
    await plain.close();
  } finally {
    srv.close();
  }
});

test('headerKeyEscape: what client-go escapes in an Impersonate-Extra key (non-tchar bytes and %)', () => {
  assert.equal(headerKeyEscape('acme.io/team'), 'acme.io%2Fteam');
  assert.equal(headerKeyEscape('scopes(a)'), 'scopes%28a%29');
  assert.equal(headerKeyEscape('100%'), '100%25');
  assert.equal(headerKeyEscape("a!#$&'*+-.^_`|~Z9"), "a!#$&'*+-.^_`|~Z9");
  assert.equal(headerKeyEscape('é'), '%C3%A9');
});

test('impersonation: Impersonate-User, -Uid, one Impersonate-Group per group and Impersonate-Extra-<key>, as client-go sends them', async () => {
  const srv = await serve((_req, res) => res.end(JSON.stringify(podList)));
  try {
    const c = createClusterClient(loaded(srv.url, { token: 't', as: 'jane', 'as-uid': '42', 'as-groups': ['dev', 'ops'], 'as-user-extra': { 'acme.io/team': ['sre'] } }), { requestTimeoutMs: 5000 });
    await c.list('pods');
    await c.close();
    const h = srv.seen[0].headers;
    assert.equal(h['impersonate-user'], 'jane');
    assert.equal(h['impersonate-uid'], '42');
    assert.deepEqual(srv.seen[0].distinct['impersonate-group'], ['dev', 'ops'], 'one header per group, not one joined value');
    assert.equal(h['impersonate-extra-acme.io%2fteam'], 'sre');
    assert.equal(h.authorization, 'Bearer t');
  } finally {
    srv.close();
  }
});

test('access reviews sent ahead: each once, taken by accessReview; a server that never answers costs one --request-timeout', async () => {
  const reviews: string[] = [];
  let answer = true;
  const srv = await serve((req, res) => {
    let b = '';
    req.on('data', (d) => { b += d; });
    req.on('end', () => {
      reviews.push(JSON.parse(b).spec.resourceAttributes.verb);
      if (answer) { res.end(JSON.stringify({ status: { allowed: true } })); }
    });
  });
  try {
    const attrs = [{ verb: 'list', resource: 'pods' }, { verb: 'create', resource: 'pods', subresource: 'exec' }];
    const c = createClusterClient(loaded(srv.url, { token: 't' }), { requestTimeoutMs: 1500 });
    c.startAccessReviews(attrs);
    assert.equal(await c.accessReview(attrs[1]), true);
    assert.equal(await c.accessReview(attrs[0]), true);
    assert.deepEqual(reviews.sort(), ['create', 'list']);
    assert.equal(c.stats().byVerb['create-ssar'], 2);
    await c.close();

    answer = false;
    reviews.length = 0;
    const slow = createClusterClient(loaded(srv.url, { token: 't' }), { requestTimeoutMs: 1500 });
    slow.startAccessReviews([attrs[0]]);
    await assert.rejects(slow.accessReview(attrs[0]), (e: Error & { reason?: string }) => e.reason === 'Timeout' && /no answer within 1500 ms/.test(e.message));
    assert.equal(reviews.length, 1, 'asked once');
    await slow.close();
  } finally {
    srv.close();
  }
});

test('an exec-plugin user goes through client-node: its token reaches the server', async () => {
  const srv = await serve((_req, res) => res.end(JSON.stringify(podList)));
  try {
    const cred = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'from-plugin' } });
    const user = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: ['-e', `process.stdout.write(${JSON.stringify(cred)})`], interactiveMode: 'Never' } };
    const kc = loaded(srv.url, user, { 'insecure-skip-tls-verify': true });
    assert.equal(readsCredentials(kc), false);
    const c = createClusterClient(kc, { requestTimeoutMs: 10_000 });
    assert.equal((await c.list('pods')).length, 1);
    await c.close();
    assert.equal(srv.seen[0].headers.authorization, 'Bearer from-plugin');
  } finally {
    srv.close();
  }
});

test('calls made at once through client-node share one run of the exec plugin, and impersonation is sent whole', async () => {
  const srv = await serve((_req, res) => res.end(JSON.stringify(podList)));
  const runs = join(dir, 'plugin-runs');
  try {
    const cred = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'once', expirationTimestamp: new Date(Date.now() + 3_600_000).toISOString() } });
    const script = `require('fs').appendFileSync(${JSON.stringify(runs)}, 'x'); process.stdout.write(${JSON.stringify(cred)})`;
    const user = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: ['-e', script], interactiveMode: 'Never' }, as: 'jane', 'as-groups': ['dev', 'ops'] };
    const c = createClusterClient(loaded(srv.url, user, { 'insecure-skip-tls-verify': true }), { requestTimeoutMs: 20_000 });
    const lists = await Promise.all(['pods', 'services', 'configmaps', 'namespaces', 'endpoints'].map((r) => c.list(r as 'pods')));
    assert.equal(lists.length, 5);
    await c.close();
    assert.equal(readFileSync(runs, 'utf8'), 'x', 'the plugin ran once');
    for (const s of srv.seen) {
      assert.equal(s.headers.authorization, 'Bearer once');
      assert.deepEqual(s.distinct['impersonate-group'], ['dev', 'ops']);
    }
  } finally {
    srv.close();
  }
});
