// The proxy kubectl would use, from the environment (golang.org/x/net/http/httpproxy, the tables of its
// proxy_test.go), and a diagnosis's API calls and exec upgrades really tunnelling through it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttp } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClusterClient } from '../../src/cluster/client.ts';
import type { LoadedKubeconfig } from '../../src/cluster/kubeconfig.ts';
import { agentProxyOptions, proxyFor, useProxy } from '../../src/cluster/proxy.ts';
import { KubeconfigError } from '../../src/errors.ts';
import { makeCerts } from '../sim/api/tls.ts';

const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-proxy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('NO_PROXY as httpproxy reads it (its UseProxyTests, at port 80); localhost and loopback never go through a proxy', () => {
  const noProxy = 'foobar.com, .barbaz.net, *.wildcard.io, 192.168.1.1, 192.168.1.2:81, 192.168.1.3:80, 10.0.0.0/30, 2001:db8::52:0:1, [2001:db8::52:0:2]:443, [2001:db8::52:0:3]:80, 2002:db8:a::45/64';
  const cases: [string, boolean][] = [
    ['localhost', false], ['127.0.0.1', false], ['127.0.0.2', false], ['[::1]', false], ['[::2]', true],
    ['192.168.1.1', false], ['192.168.1.2', true], ['192.168.1.3', false], ['192.168.1.4', true], ['10.0.0.2', false],
    ['[2001:db8::52:0:1]', false], ['[2001:db8::52:0:2]', true], ['[2001:db8::52:0:3]', false], ['[2002:db8:a::123]', false], ['[fe80::424b:c8be:1643:a1b6]', true],
    ['barbaz.net', true], ['www.barbaz.net', false], ['foobar.com', false], ['www.foobar.com', false], ['foofoobar.com', true], ['baz.com', true],
    ['localhost.net', true], ['local.localhost', true], ['barbarbaz.net', true], ['wildcard.io', true], ['nested.wildcard.io', false], ['awildcard.io', true],
  ];
  for (const [host, proxied] of cases) {
    assert.equal(useProxy(host, '80', noProxy), proxied, host);
    assert.equal(useProxy(host, '80', '*'), false, `${host} with NO_PROXY=*`);
  }
  assert.equal(useProxy('example.com', '80', ':1'), true, 'a malformed entry is ignored');
  assert.equal(useProxy('www.xn--fsq092h.com', '443', '示例.com'), false, 'an IDN entry matches its punycode');
  // Go's SplitHostPort: brackets only with a port, so `[2001:db8::1]` alone is a name that matches nothing
  assert.equal(useProxy('[2001:db8::1]', '443', '[2001:db8::1]'), true);
  assert.equal(useProxy('[2001:db8::1]', '443', '[2001:db8::1]:443'), false);
  // net.IP.Equal: an IPv4-mapped address is its IPv4 one, in either spelling Node's URL may give
  assert.equal(useProxy('[::ffff:a00:1]', '443', '10.0.0.1'), false);
  assert.equal(useProxy('10.0.0.1', '443', '::ffff:10.0.0.1'), false);
  assert.equal(useProxy('[::ffff:7f00:1]', '443', ''), false, 'mapped loopback');
  // an ASCII entry is compared as written (a name ending in a number is not rewritten)
  assert.equal(useProxy('api.10.0.0.1', '443', '.0.0.1'), false);
});

test('a proxy needs a Node whose agents tunnel (22.21, 24.5 and later): an older one is an error, never a direct connection', () => {
  const server = new URL('https://api.example.com:6443');
  const proxy = new URL('http://proxy:3128');
  assert.deepEqual(agentProxyOptions(server, undefined, '22.19.0'), {}, 'no proxy: nothing needed');
  assert.deepEqual(agentProxyOptions(server, proxy, '24.5.0'), { proxyEnv: { HTTPS_PROXY: 'http://proxy:3128/' } });
  assert.deepEqual(agentProxyOptions(server, proxy, '22.21.0'), { proxyEnv: { HTTPS_PROXY: 'http://proxy:3128/' } });
  assert.deepEqual(agentProxyOptions(new URL('http://api.example.com'), proxy, '25.0.0'), { proxyEnv: { HTTP_PROXY: 'http://proxy:3128/' } });
  for (const old of ['22.19.0', '22.20.1', '23.11.0', '24.4.1']) { assert.throws(() => agentProxyOptions(server, proxy, old), /needs Node\.js 22\.21 or 24\.5/, old); }
});

test('which variable for which server: HTTPS_PROXY before https_proxy (Go\'s order, not Node\'s), host:port taken as http://', () => {
  const k8s = new URL('https://api.example.com:6443');
  assert.equal(proxyFor(k8s, {}), undefined);
  assert.equal(proxyFor(k8s, { HTTPS_PROXY: 'cache.corp.example.com:1234' })?.href, 'http://cache.corp.example.com:1234/');
  assert.equal(proxyFor(k8s, { HTTPS_PROXY: 'https://secure.proxy.tld', https_proxy: 'http://other' })?.href, 'https://secure.proxy.tld/');
  assert.equal(proxyFor(k8s, { https_proxy: 'http://lower:3128' })?.href, 'http://lower:3128/');
  assert.equal(proxyFor(k8s, { HTTP_PROXY: 'http.proxy.tld' }), undefined, 'HTTP_PROXY is not for an https server');
  assert.equal(proxyFor(new URL('http://api.example.com:8080'), { HTTP_PROXY: 'http.proxy.tld', HTTPS_PROXY: 'secure.proxy.tld' })?.href, 'http://http.proxy.tld/');
  assert.equal(proxyFor(k8s, { HTTPS_PROXY: 'http://p:3128', NO_PROXY: '.example.com' }), undefined);
  assert.equal(proxyFor(k8s, { HTTPS_PROXY: 'http://p:3128', NO_PROXY: 'api.example.com:443' })?.href, 'http://p:3128/', 'the port must match when the entry has one');
  assert.equal(proxyFor(k8s, { HTTPS_PROXY: 'http://p:3128', NO_PROXY: 'api.example.com:6443' }), undefined);
  assert.equal(proxyFor(new URL('https://127.0.0.1:6443'), { HTTPS_PROXY: 'http://p:3128' }), undefined, 'loopback');
  // an https proxy is still used in a CGI environment; an http one is refused (golang.org/s/cgihttpproxy)
  assert.equal(proxyFor(k8s, { HTTPS_PROXY: 'https://secure.proxy.tld', REQUEST_METHOD: 'GET' })?.href, 'https://secure.proxy.tld/');
  assert.throws(() => proxyFor(new URL('http://api.example.com'), { HTTP_PROXY: 'http://10.1.2.3:8080', REQUEST_METHOD: 'GET' }), KubeconfigError);
  // never around the proxy: what kubectl fails on fails here, with the reason
  assert.throws(() => proxyFor(k8s, { HTTPS_PROXY: 'socks5://127.0.0.1:1080' }), /SOCKS5/);
  assert.throws(() => proxyFor(k8s, { HTTPS_PROXY: 'foo://host' }), /proxy scheme "foo" is not supported/);
  assert.equal(proxyFor(k8s, { HTTPS_PROXY: 'socks5://127.0.0.1:1080', NO_PROXY: 'example.com' }), undefined, 'unless NO_PROXY exempts the server');
  // the CGI refusal comes before NO_PROXY and loopback, as in httpproxy's proxyForURL
  assert.throws(() => proxyFor(new URL('http://127.0.0.1:8001'), { HTTP_PROXY: 'http://10.1.2.3:8080', REQUEST_METHOD: 'GET' }), /CGI/);
});

test('a context\'s proxy-url wins over the environment, as in client-go: HTTPS_PROXY is not even read', async () => {
  const saved = Object.fromEntries(['HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'].map((k) => [k, process.env[k]]));
  try {
    for (const k of Object.keys(saved)) { delete process.env[k]; }
    process.env.HTTPS_PROXY = 'socks5://127.0.0.1:1080';
    const loaded: LoadedKubeconfig = {
      config: {
        apiVersion: 'v1', kind: 'Config', preferences: {}, 'current-context': 'x',
        clusters: [{ name: 'c', cluster: { server: 'https://api.example.com:6443', 'proxy-url': 'http://127.0.0.1:9' } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      },
      context: 'x', namespace: 'default', sources: [], inCluster: false,
    };
    // without proxy-url the environment's SOCKS5 proxy is an error; with it, the connection is made
    assert.doesNotThrow(() => createClusterClient(loaded, { requestTimeoutMs: 1000 }).close());
    const plain = structuredClone(loaded);
    delete (plain.config.clusters[0].cluster as Record<string, unknown>)['proxy-url'];
    assert.throws(() => createClusterClient(plain, { requestTimeoutMs: 1000 }), /SOCKS5/);
  } finally {
    for (const [k, v] of Object.entries(saved)) { if (v === undefined) { delete process.env[k]; } else { process.env[k] = v; } }
  }
});

/** An HTTP CONNECT proxy on loopback that sends every tunnel to `target`, recording what was asked. */
async function connectProxy(target: number): Promise<{ url: string; asked: string[]; close: () => void }> {
  const asked: string[] = [];
  const sockets = new Set<Socket>();
  const srv = createHttp((_req, res) => { res.statusCode = 405; res.end(); });
  srv.on('connect', (req, client: Socket, head: Buffer) => {
    asked.push(req.url ?? '');
    const up = connect(target, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    for (const s of [client, up]) { sockets.add(s); s.on('error', () => undefined); s.on('close', () => sockets.delete(s)); }
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, asked, close: () => { for (const s of sockets) { s.destroy(); } srv.close(); } };
}

const CRED = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'from-plugin' } });
const USERS: [string, Record<string, unknown>][] = [
  ['a token user (read without client-node)', { token: 't' }],
  ['an exec-plugin user (client-node reads the credentials)', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: ['-e', `process.stdout.write(${JSON.stringify(CRED)})`], interactiveMode: 'Never' } }],
];

for (const [who, user] of USERS) {
  test(`${who}: the API calls and an exec upgrade go through HTTPS_PROXY with CONNECT, TLS verified end to end; NO_PROXY goes direct`, async () => {
    const certs = await makeCerts(join(dir, `tls-${USERS.findIndex(([w]) => w === who)}`));
    const auth: string[] = [];
    const srv = createHttps({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
      auth.push(req.headers.authorization ?? '');
      res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [{ metadata: { name: 'a', namespace: 'n' } }] }));
    });
    srv.on('upgrade', (_req, socket: Socket) => { socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n'); });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    const proxy = await connectProxy(port);
    // whatever proxy settings the machine running the tests has, these are the only ones
    const saved = Object.fromEntries(['HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'].map((k) => [k, process.env[k]]));
    for (const k of Object.keys(saved)) { delete process.env[k]; }
    // a name the proxy resolves (it sends every tunnel to the server): only a tunnel can reach it
    const server = `https://kubernetes.default.svc:${port}`;
    const loaded: LoadedKubeconfig = {
      config: {
        apiVersion: 'v1', kind: 'Config', preferences: {}, 'current-context': 'x',
        clusters: [{ name: 'c', cluster: { server, 'certificate-authority-data': Buffer.from(certs.caPem).toString('base64') } }],
        users: [{ name: 'u', user }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      },
      context: 'x', namespace: 'default', sources: [], inCluster: false,
    };
    try {
      process.env.HTTPS_PROXY = proxy.url;
      const c = createClusterClient(loaded, { requestTimeoutMs: 10_000 });
      assert.deepEqual((await c.list('pods')).map((p) => p.metadata.name), ['a']);
      const r = await c.exec('n', 'a', 'x', ['true'], { timeoutMs: 10_000 });
      assert.equal(r.error?.code, 403, `the upgrade reached the server through the tunnel: ${JSON.stringify(r.error)}`);
      await c.close();
      assert.ok(proxy.asked.length >= 2 && proxy.asked.every((a) => a === `kubernetes.default.svc:${port}`), proxy.asked.join(', '));
      assert.ok(auth.length > 0 && auth.every((a) => a === `Bearer ${'token' in user ? 't' : 'from-plugin'}`), auth.join(', '));

      // NO_PROXY names the server: no tunnel, so the name (which nothing resolves) fails as a connection error
      const before = proxy.asked.length;
      process.env.NO_PROXY = 'default.svc';
      const direct = createClusterClient(loaded, { requestTimeoutMs: 5000, maxRetries: 0 });
      await assert.rejects(direct.list('pods'));
      await direct.close();
      assert.equal(proxy.asked.length, before, 'nothing went to the proxy');
    } finally {
      for (const [k, v] of Object.entries(saved)) { if (v === undefined) { delete process.env[k]; } else { process.env[k] = v; } }
      proxy.close();
      srv.closeAllConnections();
      srv.close();
    }
  });
}
