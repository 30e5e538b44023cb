// Response compression as kube-apiserver's deferredResponseWriter does it (api/encoding.ts): gzip at level 1
// for a body over 128 KiB when Accept-Encoding names gzip, with Content-Encoding and Vary and no
// Content-Length; identity for small bodies, without the header, with the gate off, and for watch, logs and
// exec. kubectl and client-node read the gzip lists. No root needed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { gunzipSync } from 'node:zlib';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { connect, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { Store, typeByKind, type KObject } from '../../store.ts';
import type { LogOptions } from '../../types.ts';
import { startApiServer, type ApiServer } from '../../api/server.ts';
import { FakeRuntime, startHarness, type Harness } from '../../api/testkit.ts';
import { GZIP_THRESHOLD_BYTES, ResponseBody, acceptsGzip, negotiateEncoding } from '../../api/encoding.ts';
import { parseArgs, UsageError } from '../../cli.ts';

const POD = typeByKind('Pod')!;
/** Under the 2,000 items a list streams above: one JSON.stringify answer, still far over the threshold. */
const BIG_NS = 1500;
/** With BIG_NS, an all-namespaces list written a chunk at a time. */
const OTHER_NS = 1500;
const LOG_BYTES = 300 * 1024;

/** A log bigger than the threshold, for the one pod named big-log. */
class BigLogRuntime extends FakeRuntime {
  override async logs(namespace: string, pod: string, opts: LogOptions): Promise<string> {
    if (pod !== 'big-log') { return super.logs(namespace, pod, opts); }
    const line = `${'x'.repeat(99)}\n`;
    return line.repeat(LOG_BYTES / line.length);
  }
}

function pod(ns: string, i: number): KObject {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: `pod-${String(i).padStart(5, '0')}`, namespace: ns, labels: { app: `app-${i % 50}` }, annotations: { note: `pod ${i} of the compression test` } },
    spec: { nodeName: `node-${i % 7}`, containers: [{ name: 'app', image: 'busybox:1.36', ports: [{ containerPort: 8080 }] }] },
    status: { phase: 'Running', podIP: `10.128.${i >> 8}.${i & 255}` },
  };
}

function fill(store: Store): void {
  for (let i = 0; i < BIG_NS; i++) { store.create(POD, pod('big', i)); }
  for (let i = 0; i < OTHER_NS; i++) { store.create(POD, pod('other', i)); }
}

interface Raw { status: number; headers: IncomingHttpHeaders; body: Buffer }

function raw(api: ApiServer, path: string, headers: Record<string, string> = {}): Promise<Raw> {
  const base = new URL(api.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, path, method: 'GET', ca: api.caPem, headers: { Authorization: `Bearer ${api.tokenFor('admin')}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const GZIP = { 'Accept-Encoding': 'gzip' };

/** The body as the client reads it: gunzipped when the answer says gzip. */
const decoded = (r: Raw) => (r.headers['content-encoding'] === 'gzip' ? gunzipSync(r.body) : r.body).toString('utf8');

/**
 * A body's JSON as two requests a moment apart both see it: without the page's continue token (it names
 * the request's own snapshot) and without a Table's Age cells (a second may pass between them).
 */
function comparable(text: string): unknown {
  const o = JSON.parse(text);
  delete o.metadata.continue;
  if (o.kind === 'Table') {
    const age = o.columnDefinitions.findIndex((c: { name: string }) => c.name === 'Age');
    for (const r of o.rows) { r.cells.splice(age, 1); }
  }
  return o;
}

/** Gzip as deferredResponseWriter writes it; decoding to the identity answer (exactly, unless `loose`). */
function assertGzip(r: Raw, identity: Raw, loose = false): void {
  assert.equal(r.status, 200, decoded(r));
  assert.equal(r.headers['content-encoding'], 'gzip');
  assert.equal(r.headers.vary, 'Accept-Encoding');
  assert.equal(r.headers['content-length'], undefined);
  assert.equal(r.headers['transfer-encoding'], 'chunked');
  assert.equal(r.headers['content-type'], identity.headers['content-type']);
  assert.ok(r.body.length < identity.body.length / 3, `${r.body.length} compressed vs ${identity.body.length}`);
  if (loose) { assert.deepEqual(comparable(decoded(r)), comparable(identity.body.toString('utf8'))); } else { assert.equal(decoded(r), identity.body.toString('utf8')); }
}

function assertIdentity(r: Raw): void {
  assert.equal(r.status, 200, r.body.toString('utf8'));
  assert.equal(r.headers['content-encoding'], undefined);
  assert.equal(r.headers.vary, undefined);
}

let dir: string;
/** The seeded cluster (running pods to exec into) plus the big namespaces, for exec and the real clients. */
let h: Harness;
let api: ApiServer;
let off: ApiServer;
let store: Store;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-api-gzip-'));
  store = new Store();
  api = await startApiServer({ store, runtime: new BigLogRuntime(), stateDir: join(dir, 'on') });
  off = await startApiServer({ store, runtime: new BigLogRuntime(), stateDir: join(dir, 'off'), responseCompression: false });
  for (const name of ['big', 'other']) { api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }); }
  fill(store);
  store.create(POD, { ...pod('other', 99_999), metadata: { name: 'big-log', namespace: 'other' } });
  h = await startHarness();
  fill(h.store);
});
after(async () => { await h?.stop(); await api?.close(); await off?.close(); await rm(dir, { recursive: true, force: true }); });

describe('negotiation (responsewriters.ContentEncodingSupported)', () => {
  test('a comma-separated token that is exactly gzip once trimmed; the first header only', () => {
    for (const yes of ['gzip', 'gzip, deflate', 'deflate,gzip', ' br , gzip ', 'gzip, deflate, br']) { assert.equal(acceptsGzip(yes), true, yes); }
    for (const no of [undefined, '', 'deflate', 'br', 'x-gzip', 'gzip;q=1.0', 'identity']) { assert.equal(acceptsGzip(no), false, String(no)); }
    assert.equal(acceptsGzip(['deflate', 'gzip']), false);
  });
});

describe('what is compressed', () => {
  test('one pod is under the threshold: identity, with its Content-Length, though gzip was asked for', async () => {
    const r = await raw(api, '/api/v1/namespaces/big/pods/pod-00001', GZIP);
    assertIdentity(r);
    assert.equal(Number(r.headers['content-length']), r.body.length);
    assert.equal(JSON.parse(r.body.toString('utf8')).metadata.name, 'pod-00001');
  });

  test('a namespace list (one JSON answer, over the threshold) comes back gzip and decodes to the identity JSON', async () => {
    const identity = await raw(api, '/api/v1/namespaces/big/pods');
    assertIdentity(identity);
    assert.ok(identity.body.length > GZIP_THRESHOLD_BYTES);
    const r = await raw(api, '/api/v1/namespaces/big/pods', { 'Accept-Encoding': 'gzip, deflate' });
    assertGzip(r, identity);
    assert.equal(JSON.parse(decoded(r)).items.length, BIG_NS);
  });

  test('an all-namespaces list written a chunk at a time is one gzip stream; Table and metadata-only too', async () => {
    for (const accept of [undefined, 'application/json;as=Table;v=v1;g=meta.k8s.io', 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1']) {
      const h: Record<string, string> = accept ? { Accept: accept } : {};
      const identity = await raw(api, '/api/v1/pods', h);
      assertIdentity(identity);
      const r = await raw(api, '/api/v1/pods', { ...h, ...GZIP });
      assertGzip(r, identity, !!accept?.includes('as=Table'));
      const body = JSON.parse(decoded(r));
      assert.equal((body.items ?? body.rows).length, BIG_NS + OTHER_NS + 1, accept);
    }
  });

  test('gzip exactly when the identity body is over defaultGzipThresholdBytes (128 KiB)', async () => {
    const seen = new Set<boolean>();
    for (const limit of [1, 20, 100, 150, 200, 250, 300, 400, 1000]) {
      const path = `/api/v1/namespaces/big/pods?limit=${limit}`;
      const identity = await raw(api, path);
      const r = await raw(api, path, GZIP);
      const over = identity.body.length > GZIP_THRESHOLD_BYTES;
      seen.add(over);
      if (over) { assertGzip(r, identity, true); } else { assertIdentity(r); assert.deepEqual(comparable(decoded(r)), comparable(identity.body.toString('utf8'))); }
    }
    assert.deepEqual([...seen].sort(), [false, true], 'the limits straddle the threshold');
  });

  test('without Accept-Encoding, or with the APIResponseCompression gate off, a large list is identity', async () => {
    const none = await raw(api, '/api/v1/pods');
    assertIdentity(none);
    assert.ok(none.body.length > GZIP_THRESHOLD_BYTES);
    const gateOff = await raw(off, '/api/v1/pods', GZIP);
    assertIdentity(gateOff);
    assert.equal(JSON.parse(gateOff.body.toString('utf8')).items.length, BIG_NS + OTHER_NS + 1);
  });
});

describe('what is never compressed', () => {
  test('watch: its events are written as they come, identity, however many', async () => {
    const r = await raw(api, '/api/v1/pods?watch=1&timeoutSeconds=1', GZIP);
    assertIdentity(r);
    assert.ok(r.body.length > GZIP_THRESHOLD_BYTES);
    const events = r.body.toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(events.filter((e) => e.type === 'ADDED').length, BIG_NS + OTHER_NS + 1);
  });

  test('pods/log (a streamed ResourceStreamer): identity, over the threshold', async () => {
    const r = await raw(api, '/api/v1/namespaces/other/pods/big-log/log', GZIP);
    assertIdentity(r);
    assert.equal(r.body.length, LOG_BYTES);
  });

  test('exec: the WebSocket upgrade carries no Content-Encoding and its frames are plain', async () => {
    const base = new URL(h.api.url);
    const url = `wss://${base.host}/api/v1/namespaces/apps/pods/app-1/exec?container=app&command=echo&command=hello&stdout=true`;
    const ws = new WebSocket(url, ['v5.channel.k8s.io'], { ca: h.api.caPem, headers: { Authorization: `Bearer ${h.api.tokenFor('admin')}`, ...GZIP } });
    let upgradeHeaders: IncomingHttpHeaders = {};
    ws.on('upgrade', (res) => { upgradeHeaders = res.headers; });
    const frames: Buffer[] = [];
    ws.on('message', (d: Buffer) => frames.push(d));
    await new Promise<void>((resolve, reject) => { ws.on('close', () => resolve()); ws.on('error', reject); });
    assert.equal(upgradeHeaders['content-encoding'], undefined);
    assert.equal(Buffer.concat(frames.filter((f) => f[0] === 1).map((f) => f.subarray(1))).toString('utf8'), 'hello\n');
  });

  test('/version and OpenAPI v3 are written around SerializeObject: identity', async () => {
    for (const path of ['/version', '/openapi/v3']) { assertIdentity(await raw(api, path, GZIP)); }
  });
});

describe('ResponseBody, a body in pieces', () => {
  /** A loopback server whose one answer is `pieces` written through ResponseBody. */
  async function serve(pieces: string[], acceptEncoding?: string): Promise<{ headers: IncomingHttpHeaders; body: Buffer }> {
    const srv = createServer(async (req, res) => {
      negotiateEncoding(req, res, true);
      const b = new ResponseBody(res, 200, { 'Content-Type': 'application/json' });
      for (const p of pieces.slice(0, -1)) { await b.write(p); }
      b.end(pieces.at(-1));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    try {
      return await new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/', headers: acceptEncoding ? { 'Accept-Encoding': acceptEncoding } : {} }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        });
        req.on('error', reject);
        req.end();
      });
    } finally {
      await new Promise((r) => srv.close(r));
    }
  }

  test('small pieces held under the threshold end as one identity body with its length; past it, gzip', async () => {
    const piece = 'y'.repeat(1000);
    const under = Array.from({ length: Math.floor(GZIP_THRESHOLD_BYTES / 1000) }, () => piece);
    const u = await serve(under, 'gzip');
    assert.equal(u.headers['content-encoding'], undefined);
    assert.equal(Number(u.headers['content-length']), under.length * 1000);
    const over = [...under, 'z'.repeat(GZIP_THRESHOLD_BYTES - under.length * 1000 + 1)];
    const o = await serve(over, 'gzip');
    assert.equal(o.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(o.body).toString('utf8'), over.join(''));
    const plain = await serve(over);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.body.toString('utf8'), over.join(''));
  });
});

/**
 * A TCP relay in front of an API server that counts the bytes it answers: Go's transport asks for gzip
 * itself and then hides Content-Encoding from kubectl -v=8, so the wire is where gzip shows.
 */
async function relay(target: ApiServer): Promise<{ url: string; answered: () => number; close: () => Promise<void> }> {
  const port = Number(new URL(target.url).port);
  let answered = 0;
  const srv = createNetServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    upstream.on('data', (d: Buffer) => { answered += d.length; });
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(srv.address() as { port: number }).port}`;
  return { url, answered: () => answered, close: () => new Promise<void>((r) => { srv.close(() => r()); }) };
}

/** kubectl with a kubeconfig whose server is `server` (the relay), as admin. */
async function kubectlVia(target: ApiServer, server: string, args: string[], home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const kubeconfig = join(home, 'kubeconfig');
  await writeFile(kubeconfig, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'sim',
    clusters: [{ name: 'sim', cluster: { server, 'certificate-authority-data': Buffer.from(target.caPem).toString('base64') } }],
    users: [{ name: 'admin', user: { token: target.tokenFor('admin') } }],
    contexts: [{ name: 'sim', context: { cluster: 'sim', user: 'admin' } }],
  }));
  return new Promise((resolve) => {
    execFile('kubectl', args, { env: { ...process.env, KUBECONFIG: kubeconfig, HOME: home, KUBECACHEDIR: join(home, 'cache') }, maxBuffer: 1 << 30 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: unknown }).code) || 1 : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

describe('clients', () => {
  test('kubectl get pods -A -o json reads every pod; with gzip its answers are a fraction of the bytes the gate-off server sends', async () => {
    const wire: Record<string, number> = {};
    for (const [name, target] of [['on', api], ['off', off]] as const) {
      const r = relay(target);
      const { url, answered, close } = await r;
      try {
        const home = await mkdtemp(join(dir, `kubectl-${name}-`));
        const k = await kubectlVia(target, url, ['get', 'pods', '-A', '-o', 'json'], home);
        assert.equal(k.code, 0, k.stderr);
        const items = JSON.parse(k.stdout).items as KObject[];
        assert.equal(items.length, store.list(POD).length);
        assert.ok(items.some((p) => p.metadata.namespace === 'big' && p.metadata.name === 'pod-01499'));
        wire[name] = answered();
      } finally {
        await close();
      }
    }
    // The same pages both times (kubectl's 500 a page), and TLS framing alike: only the encoding differs.
    assert.ok(wire.on < wire.off / 3, JSON.stringify(wire));
  });

  test('client-node (undici fetch) asks for gzip, gets it, and decodes the list', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(await h.kubeconfig('admin'));
    const seen: string[][] = [];
    const onHeaders = (m: unknown) => {
      const { response } = m as { response: { headers: Buffer[] } };
      const hs = response.headers.map((b) => b.toString('latin1'));
      seen.push(hs.filter((_, i) => i % 2 === 0).map((k, i) => `${k.toLowerCase()}: ${hs[i * 2 + 1]}`));
    };
    subscribe('undici:request:headers', onHeaders);
    try {
      const list = await kc.makeApiClient(CoreV1Api).listPodForAllNamespaces();
      assert.equal(list.items.length, h.store.list(POD).length);
    } finally {
      unsubscribe('undici:request:headers', onHeaders);
    }
    assert.ok(seen.some((hs) => hs.includes('content-encoding: gzip') && hs.includes('vary: Accept-Encoding')), JSON.stringify(seen));
  });
});

test('--feature-gates APIResponseCompression=false turns the gate off; unknown gates and non-bools are refused', () => {
  assert.equal(parseArgs(['--', 'true']).apiResponseCompression, undefined);
  assert.equal(parseArgs(['--feature-gates', 'APIResponseCompression=false', '--', 'true']).apiResponseCompression, false);
  assert.equal(parseArgs(['--feature-gates=APIResponseCompression=true', '--', 'true']).apiResponseCompression, true);
  assert.throws(() => parseArgs(['--feature-gates', 'WatchList=false', '--', 'true']), (e) => e instanceof UsageError && /unrecognized feature gate: WatchList/.test(e.message));
  assert.throws(() => parseArgs(['--feature-gates', 'APIResponseCompression=off', '--', 'true']), (e) => e instanceof UsageError && /invalid value of APIResponseCompression=off, err: strconv\.ParseBool: parsing "off": invalid syntax/.test(e.message));
});
