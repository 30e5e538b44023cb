// The stand-in app against the reference (/work/shared/reference/sdk-export-errors.md): real sockets on
// loopback, the SDK's own failure lines with the real addresses, silence when the export works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { runStandin, simRoot, freePort } from '../../standins/testutil.ts';
import { traceTarget, sdkFor, type ExportTarget } from '../../standins/app-sdk.ts';
import { goLines } from '../../standins/app-lines.ts';

const T = { OTEL_EXPORTER_OTLP_TIMEOUT: '1000', OTEL_BSP_SCHEDULE_DELAY: '1000' };

function app(env: Record<string, string>) {
  return runStandin('app.ts', [], { SIM_IMAGE: 'ghcr.io/example/shop:1.0', ...T, ...env });
}

async function collector(grpcPort: number, httpPort: number) {
  const root = simRoot({ '/conf/c.yaml': `receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:${grpcPort}\n      http:\n        endpoint: 127.0.0.1:${httpPort}\nexporters:\n  debug: {}\nservice:\n  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [debug]\n` });
  const p = runStandin('collector.ts', ['--config=/conf/c.yaml'], { SIM_ROOT: root, SIM_IMAGE: 'otel/opentelemetry-collector-contrib:0.140.0' });
  await p.waitFor(/Everything is ready/);
  return p;
}

/**
 * A TCP relay in front of `port` that counts the export requests passing through it: HTTP/1.1 request
 * lines, or HTTP/2 HEADERS frames after the client preface (one per gRPC call). It lets a test wait for
 * exports that happened instead of sleeping for exports that should have.
 */
async function countingRelay(port: number): Promise<{ port: number; requests: () => number; close: () => void }> {
  let requests = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    for (const sock of [client, upstream]) {
      sockets.add(sock);
      sock.on('error', () => { client.destroy(); upstream.destroy(); });
      sock.on('close', () => { sockets.delete(sock); client.destroy(); upstream.destroy(); });
    }
    let buf = Buffer.alloc(0);
    let offset = 0;
    client.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.subarray(0, 3).toString('latin1') === 'PRI') {
        offset = Math.max(offset, 24);
        while (buf.length >= offset + 9) {
          const len = buf.readUIntBE(offset, 3);
          if (buf.length < offset + 9 + len) {
            break;
          }
          if (buf[offset + 3] === 1) {
            requests++;
          }
          offset += 9 + len;
        }
      } else {
        const text = buf.toString('latin1');
        for (let i = text.indexOf('POST /', offset); i >= 0; i = text.indexOf('POST /', offset)) {
          requests++;
          offset = i + 1;
        }
      }
    });
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests: () => requests,
    close: () => { server.close(); for (const sock of sockets) { sock.destroy(); } },
  };
}

const GOLINE = String.raw`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d traces export: `;
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('unit: endpoint and protocol from the environment, per spec and SDK', () => {
  const t = (env: Record<string, string>, sdk: Parameters<typeof traceTarget>[1] = 'go'): ExportTarget | undefined => traceTarget(env, sdk);
  assert.equal(t({}), undefined);
  assert.equal(t({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_TRACES_EXPORTER: 'none' }), undefined);
  const g = t({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability.svc.cluster.local:4317' })!;
  assert.deepEqual([g.protocol, g.url.host, g.tls, g.timeoutMs], ['grpc', 'otel-collector.observability.svc.cluster.local:4317', false, 10000]);
  const h = t({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' })!;
  assert.equal(h.url.href, 'http://c:4318/v1/traces');
  const ps = t({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:1', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })!;
  assert.equal(ps.url.href, 'http://c:4318/custom');
  const n = t({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_EXPORTER: 'otlp' }, 'node')!;
  assert.deepEqual([n.protocol, n.url.href], ['http/protobuf', 'http://localhost:4318/v1/traces']);
  const py = t({ OTEL_TRACES_EXPORTER: 'otlp' }, 'python')!;
  assert.deepEqual([py.protocol, py.url.host], ['grpc', 'localhost:4317']);
  const bare = t({ OTEL_EXPORTER_OTLP_ENDPOINT: 'c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' })!;
  assert.equal(bare.tls, true);
  assert.equal(sdkFor({ SIM_IMAGE: 'python:3.12-slim' }), 'python');
  assert.equal(sdkFor({ SIM_IMAGE: 'node:22-alpine' }), 'node');
  assert.equal(sdkFor({ SIM_IMAGE: 'eclipse-temurin:21-jre' }), 'java');
  assert.equal(sdkFor({ SIM_IMAGE: 'mcr.microsoft.com/dotnet/aspnet:8.0' }), 'dotnet');
  assert.equal(sdkFor({ SIM_IMAGE: 'ghcr.io/x/y:1' }), 'go');
  assert.equal(sdkFor({ SIM_IMAGE: 'python:3', SIM_SDK: 'java' }), 'java');
});

test('unit: Go DNS lines name the nameserver and the Go wording (no such host / server misbehaving)', () => {
  const t = traceTarget({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }, 'go')!;
  const [nx] = goLines(t, { kind: 'dns-nx', host: 'otel-collector', port: 4318 });
  assert.match(nx, new RegExp(GOLINE + esc('Post "http://otel-collector:4318/v1/traces": dial tcp: lookup otel-collector on ') + String.raw`\S+:53: no such host$`));
  const [sf] = goLines(t, { kind: 'dns-fail', host: 'otel-collector', port: 4318 });
  assert.match(sf, /traces export: processor export timeout: retry-able request failure: Post "http:\/\/otel-collector:4318\/v1\/traces": dial tcp: lookup otel-collector on \S+:53: server misbehaving$/);
});

test('Go, gRPC, closed port: connection refused with the dialled address, after the export timeout', async () => {
  const port = await freePort();
  const a = app({ SIM_SDK: 'go', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` });
  try {
    const line = await a.waitFor(/^.*traces export.*$/m);
    assert.match(line, new RegExp(GOLINE + esc(`context deadline exceeded: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:${port}: connect: connection refused"`) + '$'));
  } finally {
    assert.equal(await a.stop(), 0);
  }
});

test('Go, http/protobuf, closed port: Post ... connect: connection refused', async () => {
  const port = await freePort();
  const a = app({ SIM_SDK: 'go', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' });
  try {
    const line = await a.waitFor(/^.*traces export.*$/m);
    assert.match(line, new RegExp(GOLINE + esc(`Post "http://127.0.0.1:${port}/v1/traces": dial tcp 127.0.0.1:${port}: connect: connection refused`) + '$'));
  } finally {
    await a.stop();
  }
});

test('protocol/port mix-ups against a real stand-in collector, and silence when it works', async () => {
  const [g, h] = [await freePort(), await freePort()];
  const c = await collector(g, h);
  const apps: ReturnType<typeof app>[] = [];
  const relays: Array<{ close: () => void }> = [];
  try {
    const grpcToHttp = app({ SIM_SDK: 'go', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${h}` });
    const httpToGrpc = app({ SIM_SDK: 'go', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${g}`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' });
    const javaGrpcToHttp = app({ SIM_SDK: 'java', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${h}` });
    const nodeHttpToGrpc = app({ SIM_SDK: 'node', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${g}` });
    const goTls = app({ SIM_SDK: 'go', OTEL_EXPORTER_OTLP_ENDPOINT: `https://127.0.0.1:${h}`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' });
    // The working ones get a generous export timeout: on a loaded machine an export that works can take
    // longer than 1 s, and its deadline line would then break the silence asserted below.
    const ok = { OTEL_EXPORTER_OTLP_TIMEOUT: '10000' };
    // Each working app reaches the collector through its own counting relay, so the silence below is
    // checked after exports that happened, however fast or slow the machine.
    const [rg, rh, rj] = [await countingRelay(g), await countingRelay(h), await countingRelay(h)];
    relays.push(rg, rh, rj);
    const okGrpc = app({ ...ok, SIM_SDK: 'go', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rg.port}` });
    const okHttp = app({ ...ok, SIM_SDK: 'node', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rh.port}` });
    const okJson = app({ ...ok, SIM_SDK: 'python', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${rj.port}/v1/traces`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    apps.push(grpcToHttp, httpToGrpc, javaGrpcToHttp, nodeHttpToGrpc, goTls, okGrpc, okHttp, okJson);
    // The Go exporter retries inside its 10 s timeout: when the deadline meets an attempt in flight (a loaded
    // machine makes attempts slow) the line is the deadline's own, as the real retry loop reports it, and
    // the mix-up shows in a later export. So the line of the mix-up is waited for, then checked whole.
    assert.match(await grpcToHttp.waitFor(/^.*traces export.*frame too large.*$/m), new RegExp(GOLINE + esc('context deadline exceeded: rpc error: code = Unavailable desc = connection error: desc = "error reading server preface: http2: frame too large"') + '$'));
    assert.match(await httpToGrpc.waitFor(/^.*traces export.*malformed HTTP response.*$/m), new RegExp(GOLINE + esc(`Post "http://127.0.0.1:${g}/v1/traces": net/http: HTTP/1.x transport connection broken: malformed HTTP response "\\x00\\x00\\x06\\x04\\x00\\x00\\x00\\x00\\x00\\x00\\x05\\x00\\x00@\\x00"`) + '$'));
    await javaGrpcToHttp.waitFor(/^WARNING: Failed to export spans\. Server responded with gRPC status code 2\. Error message: FRAME_SIZE_ERROR: 4740180$/m);
    assert.match(await javaGrpcToHttp.waitFor(/^.*ThrottlingLogger doLog$/m), /^[A-Z][a-z]{2} \d\d, \d{4} \d{1,2}:\d\d:\d\d [AP]M io\.opentelemetry\.sdk\.internal\.ThrottlingLogger doLog$/);
    // The same for Node: its 1 s timer runs from the send, so a collector too busy to send its HTTP/2
    // SETTINGS within it makes that export a 'Request Timeout' (as the SDK's own timer would); the parse
    // error shows in a later export. Every line before it must be that timeout, nothing else.
    const nodeLine = await nodeHttpToGrpc.waitFor(/^\{"stack".*"HPE_INVALID_CONSTANT".*$/m);
    const before = nodeHttpToGrpc.out().slice(0, nodeHttpToGrpc.out().indexOf(nodeLine)).split('\n').filter((l) => l !== '');
    for (const l of before) { assert.equal((JSON.parse(l) as Record<string, string>).message, 'Request Timeout', l); }
    const parsed = JSON.parse(nodeLine) as Record<string, string>;
    assert.equal(parsed.code, 'HPE_INVALID_CONSTANT', nodeLine);
    assert.match(parsed.message, /^Parse Error: Expected HTTP\//);
    assert.equal(parsed.rawPacket, '\u0000\u0000\u0006\u0004\u0000\u0000\u0000\u0000\u0000\u0000\u0005\u0000\u0000@\u0000');
    assert.match(await goTls.waitFor(/^.*traces export.*server gave HTTP response.*$/m), new RegExp(GOLINE + esc(`Post "https://127.0.0.1:${h}/v1/traces": http: server gave HTTP response to HTTPS client`) + '$'));
    // No line at all from the working ones over two finished exports each: an export's outcome is
    // logged before the next one starts, so a third request means two outcomes are in. Their output is
    // read to its end (the pipes closed) before it is checked.
    while ([rg, rh, rj].some((r) => r.requests() < 3)) { await new Promise((r) => setTimeout(r, 50)); }
    for (const a of [okGrpc, okHttp, okJson]) {
      const closed = new Promise((r) => a.child.once('close', r));
      await a.stop();
      await closed;
    }
    assert.equal(okGrpc.out(), '');
    assert.equal(okHttp.out(), '');
    assert.equal(okJson.out(), '');
  } finally {
    for (const a of apps) { await a.stop(); }
    for (const r of relays) { r.close(); }
    await c.stop();
  }
});

test('Python, Java, Node lines for a refused port carry the SDK fingerprints', async () => {
  const port = await freePort();
  const py = app({ SIM_SDK: 'python', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` });
  const pyHttp = app({ SIM_SDK: 'python', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' });
  const java = app({ SIM_SDK: 'java-agent', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` });
  const node = app({ SIM_SDK: 'node', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` });
  const dotnet = app({ SIM_SDK: 'dotnet', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` });
  try {
    await py.waitFor(new RegExp(`^Transient error StatusCode\\.UNAVAILABLE encountered while exporting traces to 127\\.0\\.0\\.1:${port}, retrying in 1s\\.$`, 'm'));
    await py.waitFor(new RegExp(`^Failed to export traces to 127\\.0\\.0\\.1:${port}, error code: StatusCode\\.UNAVAILABLE$`, 'm'));
    await pyHttp.waitFor(/\[Errno 111\] Connection refused'\)\)/);
    await java.waitFor(new RegExp(`^\\[otel\\.javaagent \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d:\\d{3} \\+0000\\] \\[OkHttp http://127\\.0\\.0\\.1:${port}/\\.\\.\\.\\] ERROR io\\.opentelemetry\\.exporter\\.internal\\.http\\.HttpExporter - Failed to export spans\\. The request could not be executed\\. Full error message: Failed to connect to /127\\.0\\.0\\.1:${port}$`, 'm'));
    await java.waitFor(/^Caused by: java\.net\.ConnectException: Connection refused$|^java\.net\.ConnectException: Failed to connect to/m);
    const line = await node.waitFor(/^\{"stack".*$/m);
    const e = JSON.parse(line) as Record<string, string>;
    assert.deepEqual([e.code, e.syscall, e.address, e.port, e.errno, e.name], ['ECONNREFUSED', 'connect', '127.0.0.1', String(port), '-111', 'Error']);
    assert.equal(e.message, `connect ECONNREFUSED 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(dotnet.out(), '');
  } finally {
    for (const a of [py, pyHttp, java, node, dotnet]) { await a.stop(); }
  }
});

test('container ports answer 200 ok; no OTLP env means no export and no output; SIGTERM exits 0', async () => {
  const [p1, p2] = [await freePort(), await freePort()];
  const a = runStandin('app.ts', [], { SIM_IMAGE: 'nginx:1.27', SIM_CONTAINER_PORTS: JSON.stringify([{ name: 'http', containerPort: p1, protocol: 'TCP' }, { containerPort: p2 }]) });
  try {
    for (const port of [p1, p2]) {
      const res = await new Promise<string>((resolve, reject) => {
        const deadline = Date.now() + 120_000;
        const attempt = (): void => {
          const s = net.connect(port, '127.0.0.1', () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
          let got = '';
          s.on('data', (d: Buffer) => { got += d.toString(); });
          s.on('end', () => resolve(got));
          s.on('error', (e) => (Date.now() < deadline ? setTimeout(attempt, 100) : reject(e)));
        };
        attempt();
      });
      assert.match(res, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/);
    }
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(a.out(), '');
  } finally {
    assert.equal(await a.stop(), 0);
  }
});

test('unit: an app whose SDK neither annotation nor image tells uses the protocol its endpoint port implies', async () => {
  const { sdkUnknown } = await import('../../standins/app-sdk.ts');
  const demo = { SIM_IMAGE: 'ghcr.io/open-telemetry/demo:2.0.2-accounting', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' };
  assert.equal(sdkUnknown(demo), true);
  assert.equal(traceTarget(demo, 'go', true)!.protocol, 'http/protobuf');
  assert.equal(traceTarget({ ...demo, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4317' }, 'go', true)!.protocol, 'grpc');
  // A known SDK keeps its own default even where the port suggests otherwise: that mismatch is real.
  assert.equal(sdkUnknown({ ...demo, SIM_SDK: 'go' }), false);
  assert.equal(traceTarget(demo, 'go', false)!.protocol, 'grpc');
  assert.equal(sdkUnknown({ SIM_IMAGE: 'python:3.12-slim' }), false);
});

test('a healthy exporter keeps its connection between batches, and reports a refused reconnect once the collector is gone', async () => {
  // Counting server for both protocols: one TCP connection per protocol across several export rounds.
  const h2 = await import('node:http2');
  const http = await import('node:http');
  const conns = { grpc: 0, http: 0 };
  const requests = { grpc: 0, http: 0 };
  const g = h2.createServer();
  g.on('connection', () => { conns.grpc++; });
  g.on('stream', (stream) => {
    requests.grpc++;
    stream.resume();
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 0]));
    });
  });
  const h = http.createServer((req, res) => { requests.http++; req.resume(); req.on('end', () => { res.writeHead(200, { 'Content-Type': 'application/x-protobuf' }); res.end(); }); });
  h.keepAliveTimeout = 60_000;
  h.on('connection', () => { conns.http++; });
  await new Promise<void>((r) => g.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => h.listen(0, '127.0.0.1', r));
  const gp = (g.address() as net.AddressInfo).port;
  const hp = (h.address() as net.AddressInfo).port;
  // A slow export on a loaded machine must not time out (that would drop the connection and count a
  // second one); 3 s keeps the refused line after the collector is gone from waiting long.
  const fast = { OTEL_EXPORTER_OTLP_TIMEOUT: '3000', OTEL_BSP_SCHEDULE_DELAY: '300' };
  const a = runStandin('app.ts', [], { ...fast, SIM_SDK: 'go', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${gp}` });
  const b = runStandin('app.ts', [], { ...fast, SIM_SDK: 'go', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${hp}`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' });
  try {
    const deadline = Date.now() + 120_000;
    // More than 11 exports: a listener added per export on the kept socket would print Node's
    // MaxListenersExceededWarning into the app's log by then.
    while ((requests.grpc < 13 || requests.http < 13) && Date.now() < deadline) { await new Promise((r) => setTimeout(r, 100)); }
    assert.ok(requests.grpc >= 13 && requests.http >= 13, `exports seen: ${JSON.stringify(requests)}`);
    assert.deepEqual(conns, { grpc: 1, http: 1 });
    assert.equal(a.out() + b.out(), '');
    // The collector goes away: the kept connections break, the next batch reconnects and is refused.
    g.close(); h.close(); h.closeAllConnections();
    for (const s of (g as unknown as { sessions?: Set<{ destroy(): void }> }).sessions ?? []) { s.destroy(); }
    await a.waitFor(new RegExp(`traces export: .*connection refused`));
    await b.waitFor(new RegExp(`Post "http://127\\.0\\.0\\.1:${hp}/v1/traces": dial tcp 127\\.0\\.0\\.1:${hp}: connect: connection refused`));
  } finally {
    await a.stop(); await b.stop();
    g.close(); h.close();
  }
});
