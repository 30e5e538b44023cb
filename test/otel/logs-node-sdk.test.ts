// The app log matcher (src/otel/logs.ts) against the lines the real OpenTelemetry JS SDK prints
// (@opentelemetry/sdk-node 0.301.x and its OTLP exporters, run by test/sim/standins/app-node-sdk.js exactly
// as a simulated pod runs it), for each way an export fails. The servers are the simulator's receivers
// (collector-net.ts, answering as the collector's do) or small ones whose answers are cited where they are
// made, all on 127.0.0.1; the DNS case runs in a private network namespace with the DNS stand-in.
// test/fixtures/sdk/node-0.301.txt keeps the lines of one run (RECORD_SDK_FIXTURES=1 rewrites it) and is
// checked offline by the first test, so the classification is held even where the live runs cannot start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { matchSdkLine } from '../../src/otel/logs.ts';
import { grpcServer, otlpHttpServer, tlsServer } from '../sim/standins/collector-net.ts';
import { NODE_FLAGS } from '../sim/runtime/standin-launch.ts';
import { freePort } from '../sim/standins/testutil.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const APP = join(HERE, '../sim/standins/app-node-sdk.js');
const FIXTURE = join(HERE, '../fixtures/sdk/node-0.301.txt');
const SDK_VERSION = (JSON.parse(readFileSync(join(HERE, '../../node_modules/@opentelemetry/sdk-node/package.json'), 'utf8')) as { version: string }).version;
const root = process.getuid?.() === 0;
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

type Kind = 'refused' | 'timeout' | 'dns' | 'protocol' | 'http-status' | 'tls' | 'unavailable' | 'backpressure';

interface Case {
  id: string;
  /** What the matcher must say of the SDK's line. */
  kind: Kind;
  /** The OTEL_* variables of the app (the endpoint filled in from the server's port). */
  env: (port: number) => Record<string, string>;
  server: () => Promise<Served>;
  needs?: 'openssl';
}

interface Served { port: number; close: () => void; env?: Record<string, string> }

async function serve(handler: (s: net.Socket) => void): Promise<Served> {
  const srv = net.createServer(handler);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const sockets = new Set<net.Socket>();
  srv.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  return { port: (srv.address() as net.AddressInfo).port, close: () => { for (const s of sockets) { s.destroy(); } srv.close(); } };
}

const nothing = async (): Promise<Served> => ({ port: await freePort(), close: () => {} });
/** Accepts and never answers: a receiver behind a NetworkPolicy that drops replies, or a hung one. */
const silent = (): Promise<Served> => serve((s) => { s.on('error', () => {}); s.resume(); });
const otlpHttp = (): Promise<Served> => serve(otlpHttpServer(new Map([['/v1/traces', 'traces']])));
const otlpGrpc = async (): Promise<Served> => serve(await grpcServer(new Set(['traces'])));

let certDir: string | undefined;
function creds(): { cert: Buffer; key: Buffer; certFile: string } {
  if (!certDir) {
    certDir = mkdtempSync(join(tmpdir(), 'okd-node-sdk-tls-'));
    const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(certDir, 'k.pem'), '-out', join(certDir, 'c.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
    assert.equal(gen.status, 0, String(gen.stderr));
  }
  return { cert: readFileSync(join(certDir, 'c.pem')), key: readFileSync(join(certDir, 'k.pem')), certFile: join(certDir, 'c.pem') };
}

/**
 * The OTLP receivers' answer when the memory limiter refuses data: the error is not permanent, so
 * GetStatusFromError makes it codes.Unavailable with the error's text (receiver/otlpreceiver/internal/
 * errors/errors.go; trace/otlp.go Export), which OTLP/HTTP writes as 503 with the google.rpc.Status
 * message as its body (otlphttp.go writeError, GetHTTPStatusCodeFromStatus) and gRPC as grpc-status 14.
 * The text is internal/memorylimiter's ErrDataRefused ("data refused due to high memory usage").
 */
const REFUSED = 'data refused due to high memory usage';
const refusingHttp = (): Promise<Served> => serve((socket) => {
  const msg = Buffer.from(REFUSED);
  // google.rpc.Status{code: 14, message}: field 1 varint, field 2 length-delimited.
  const body = Buffer.concat([Buffer.from([0x08, 14, 0x12, msg.length]), msg]);
  let buf = '';
  socket.on('error', () => {});
  socket.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    const head = buf.indexOf('\r\n\r\n');
    if (head < 0) { return; }
    const len = Number(/content-length:\s*(\d+)/i.exec(buf.slice(0, head))?.[1] ?? 0);
    if (buf.length - head - 4 < len) { return; }
    buf = buf.slice(head + 4 + len);
    socket.write(`HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/x-protobuf\r\nDate: ${new Date().toUTCString()}\r\nContent-Length: ${body.length}\r\n\r\n`);
    socket.write(body);
  });
});
const refusingGrpc = async (): Promise<Served> => {
  const h2 = http2.createServer();
  h2.on('stream', (stream) => {
    stream.on('error', () => {});
    stream.resume();
    stream.on('end', () => stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '14', 'grpc-message': REFUSED }, { endStream: true }));
  });
  return serve((s) => h2.emit('connection', s));
};

const http = (port: number, path = ''): Record<string, string> => ({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}${path}` });
const grpc = (port: number, scheme = 'http'): Record<string, string> => ({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: `${scheme}://127.0.0.1:${port}` });

const CASES: Case[] = [
  { id: 'http-refused', kind: 'refused', env: (p) => http(p), server: nothing },
  { id: 'grpc-refused', kind: 'refused', env: (p) => grpc(p), server: nothing },
  { id: 'http-timeout', kind: 'timeout', env: (p) => http(p), server: silent },
  { id: 'grpc-timeout', kind: 'timeout', env: (p) => grpc(p), server: silent },
  { id: 'http-to-grpc-port', kind: 'protocol', env: (p) => http(p), server: otlpGrpc },
  { id: 'grpc-to-http-port', kind: 'protocol', env: (p) => grpc(p), server: otlpHttp },
  { id: 'http-wrong-path', kind: 'http-status', env: (p) => ({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${p}/` }), server: otlpHttp },
  { id: 'http-json-wrong-path', kind: 'http-status', env: (p) => ({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${p}/otlp` }), server: otlpHttp },
  { id: 'https-to-plaintext', kind: 'tls', env: (p) => ({ ...http(p), OTEL_EXPORTER_OTLP_ENDPOINT: `https://127.0.0.1:${p}` }), server: otlpHttp },
  { id: 'grpc-tls-to-plaintext', kind: 'tls', env: (p) => grpc(p, 'https'), server: otlpGrpc },
  { id: 'http-plaintext-to-tls', kind: 'tls', env: (p) => http(p), server: async () => serve(tlsServer(otlpHttpServer(new Map([['/v1/traces', 'traces']])), creds(), 'http')), needs: 'openssl' },
  // grpc-js reports only that the session closed before the server's SETTINGS ("Failed to connect",
  // transport.js): Go's crypto/tls closes on a first record that is no handshake. Nothing in the line
  // says TLS, so it stays weak evidence; the probe's ClientHello is what proves this one.
  { id: 'grpc-plaintext-to-tls', kind: 'unavailable', env: (p) => grpc(p), server: async () => serve(tlsServer(await grpcServer(new Set(['traces'])), creds(), 'grpc')), needs: 'openssl' },
  // The HTTP exporter retries a 503 until its timeout and then reports no status and no body
  // (otlp-export-delegate.mjs: "Export failed with retryable status"); gRPC carries the collector's text.
  { id: 'http-collector-refusing', kind: 'unavailable', env: (p) => http(p), server: refusingHttp },
  { id: 'grpc-collector-refusing', kind: 'backpressure', env: (p) => grpc(p), server: refusingGrpc },
];

/** Only the traces pipeline, exported every half second and given up after two seconds; errors printed. */
const BASE_ENV: Record<string, string> = {
  OTEL_LOG_LEVEL: 'error',
  OTEL_METRICS_EXPORTER: 'none',
  OTEL_LOGS_EXPORTER: 'none',
  OTEL_BSP_SCHEDULE_DELAY: '500',
  OTEL_EXPORTER_OTLP_TIMEOUT: '2000',
  OTEL_SERVICE_NAME: 'cart',
};

interface App { child: ChildProcess; firstLine: Promise<string>; stop: () => Promise<void> }

/** The app as the kubelet starts it (same flags, same entry), optionally inside `ip netns exec <ns>`. */
function startApp(env: Record<string, string>, netns?: string): App {
  const argv = [...NODE_FLAGS, APP];
  const child = netns
    ? spawn('ip', ['netns', 'exec', netns, process.execPath, ...argv], { env: { PATH: process.env.PATH ?? '', ...BASE_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, argv, { env: { PATH: process.env.PATH ?? '', ...BASE_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const firstLine = new Promise<string>((resolve, reject) => {
    // The diag logger's lines are JSON objects (loggingErrorHandler); Node's own warnings, such as DEP0123
    // for a TLS ServerName that is an IP address, are not the SDK's.
    child.stderr!.on('data', (d: Buffer) => {
      buf += d.toString();
      const line = buf.split('\n').slice(0, -1).find((l) => l.startsWith('{'));
      if (line !== undefined) { resolve(line); }
    });
    child.stdout!.on('data', (d: Buffer) => { buf += d.toString(); });
    void exited.then(() => reject(new Error(`app exited (${child.exitCode ?? child.signalCode}) before a line:\n${buf}`)));
  });
  firstLine.catch(() => {});
  return { child, firstLine, stop: async () => { if (child.exitCode === null && child.signalCode === null) { child.kill('SIGTERM'); } await exited; } };
}

/** A line with its run-specific parts (ports, paths, line:column, durations) made stable for the fixture. */
function normalise(line: string): string {
  return line
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
    .replace(/("port":")\d+/g, '$1PORT')
    .replace(/(file:\/\/)?\/(?:[^\s"()/]+\/)*?node_modules\//g, (_m, f: string | undefined) => `${f ?? ''}/app/node_modules/`)
    .replace(/after \d+(?:\.\d+)?m?s/g, 'after Nms')
    .replace(/\d+(?:\.\d+)?s,LB pick: \d+(?:\.\d+)?s/g, 'Ns,LB pick: Ns');
}

function fixtureCases(): Array<{ id: string; kind: Kind; line: string }> {
  const out: Array<{ id: string; kind: Kind; line: string }> = [];
  for (const l of readFileSync(FIXTURE, 'utf8').split('\n')) {
    const m = /^(\S+) (\S+) (.*)$/.exec(l);
    if (!m || l.startsWith('#')) { continue; }
    out.push({ id: m[1], kind: m[2] as Kind, line: m[3] });
  }
  return out;
}

test('fixture: every recorded real Node SDK line is classified as its failure', () => {
  const recorded = fixtureCases();
  assert.ok(recorded.length >= CASES.length, `fixture has ${recorded.length} lines`);
  for (const r of recorded) {
    const m = matchSdkLine(r.line);
    assert.equal(m?.kind, r.kind, `${r.id}: ${r.line.slice(0, 300)} -> ${m?.signature}`);
  }
});

const recorded: Array<{ id: string; kind: Kind; line: string }> = [];

test('live: the real SDK\'s first line for each failure, classified', { timeout: 600_000 }, async (t) => {
  // Four at a time: each app is a full SDK (~85 MB), and the machine is shared.
  const queue = [...CASES];
  const wrong: string[] = [];
  const worker = async (): Promise<void> => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      if (c.needs === 'openssl' && !hasOpenssl) { t.diagnostic(`${c.id}: skipped, no openssl`); continue; }
      const srv = await c.server();
      const app = startApp(c.env(srv.port));
      try {
        const line = await app.firstLine;
        const m = matchSdkLine(line);
        recorded.push({ id: c.id, kind: c.kind, line: normalise(line) });
        if (m?.kind !== c.kind) { wrong.push(`${c.id}: wanted ${c.kind}, got ${m?.kind} (${m?.signature}) for ${line.slice(0, 400)}`); }
      } finally {
        await app.stop();
        srv.close();
      }
    }
  };
  try {
    await Promise.all([worker(), worker(), worker(), worker()]);
    assert.deepEqual(wrong, []);
  } finally {
    if (certDir) { rmSync(certDir, { recursive: true, force: true }); certDir = undefined; }
  }
});

test('live: OTEL_EXPORTER_OTLP_CERTIFICATE is read from the container\'s root and the export over TLS arrives', { skip: !hasOpenssl && 'no openssl', timeout: 300_000 }, async () => {
  const { cert, key } = creds();
  const got: string[] = [];
  const { createServer } = await import('node:https');
  const srv = createServer({ cert, key }, (req, res) => {
    req.resume();
    req.on('end', () => {
      got.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      res.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const root = mkdtempSync(join(tmpdir(), 'okd-node-sdk-root-'));
  mkdirSync(join(root, 'etc/otel'), { recursive: true });
  writeFileSync(join(root, 'etc/otel/ca.pem'), cert);
  const app = startApp({ ...http((srv.address() as net.AddressInfo).port), OTEL_EXPORTER_OTLP_ENDPOINT: `https://127.0.0.1:${(srv.address() as net.AddressInfo).port}`, OTEL_EXPORTER_OTLP_CERTIFICATE: '/etc/otel/ca.pem', SIM_ROOT: root });
  // A CA it could not read would fail the handshake (self-signed certificate) and log that instead.
  let failed: string | undefined;
  void app.firstLine.then((l) => { failed = l; }, () => {});
  try {
    while (!got.includes('POST /v1/traces application/x-protobuf')) {
      assert.equal(failed, undefined, 'the export failed');
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await app.stop();
    srv.close();
    rmSync(root, { recursive: true, force: true });
    if (certDir) { rmSync(certDir, { recursive: true, force: true }); certDir = undefined; }
  }
});

test('live: a name the pod\'s DNS does not know (private namespace, the DNS stand-in answering NXDOMAIN)', { skip: root ? false : 'needs root (network namespaces)', timeout: 300_000 }, async () => {
  const ns = `okd-sdk-${process.pid}-${randomBytes(3).toString('hex')}`;
  const etc = `/etc/netns/${ns}`;
  const ip = (...args: string[]): void => {
    const r = spawnSync('ip', args, { encoding: 'utf8' });
    assert.equal(r.status, 0, `ip ${args.join(' ')}: ${r.stderr}`);
  };
  const dir = mkdtempSync(join(tmpdir(), 'okd-sdk-dns-'));
  const apps: App[] = [];
  let dns: ChildProcess | undefined;
  try {
    ip('netns', 'add', ns);
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'addr', 'add', '10.96.0.10/32', 'dev', 'lo');
    mkdirSync(etc, { recursive: true });
    writeFileSync(join(etc, 'resolv.conf'), 'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
    writeFileSync(join(dir, 'dns.json'), JSON.stringify({ domain: 'cluster.local', services: [] }));
    dns = spawn('ip', ['netns', 'exec', ns, process.execPath, join(HERE, '../sim/standins/dns.js')], { env: { PATH: process.env.PATH ?? '', SIM_DNS_DATA: join(dir, 'dns.json'), SIM_DNS_HOST: '10.96.0.10' }, stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      dns!.stdout!.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('CoreDNS-')) { resolve(); } });
      dns!.once('exit', () => reject(new Error(`DNS stand-in exited: ${out}`)));
    });
    const fqdn = 'otel-collector.observability.svc.cluster.local';
    const cases: Array<{ id: string; env: Record<string, string> }> = [
      { id: 'http-dns', env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_ENDPOINT: `http://${fqdn}:4318` } },
      { id: 'grpc-dns', env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: `http://${fqdn}:4317` } },
    ];
    for (const c of cases) { apps.push(startApp(c.env, ns)); }
    for (const [i, c] of cases.entries()) {
      const line = await apps[i].firstLine;
      const m = matchSdkLine(line);
      recorded.push({ id: c.id, kind: 'dns', line: normalise(line) });
      assert.equal(m?.kind, 'dns', `${c.id}: ${line.slice(0, 400)} -> ${m?.signature}`);
      assert.equal(m?.fields?.host, fqdn, `${c.id}: the host named`);
    }
  } finally {
    for (const a of apps) { await a.stop(); }
    if (dns && dns.exitCode === null) { dns.kill('SIGTERM'); }
    spawnSync('ip', ['netns', 'del', ns]);
    rmSync(etc, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

test('record', { skip: process.env.RECORD_SDK_FIXTURES !== '1' && 'set RECORD_SDK_FIXTURES=1 to rewrite the fixture' }, () => {
  mkdirSync(dirname(FIXTURE), { recursive: true });
  const head = [
    `# Real lines of @opentelemetry/sdk-node ${SDK_VERSION} (its OTLP trace exporters, @grpc/grpc-js), Node ${process.version}: the`,
    '# first stderr line of test/sim/standins/app-node-sdk.js per failure, as test/otel/logs-node-sdk.test.ts makes it',
    '# (RECORD_SDK_FIXTURES=1 node --test test/otel/logs-node-sdk.test.ts). OTEL_LOG_LEVEL=error: without it the',
    '# SDK prints nothing (sdk-node dist/sdk.mjs sets a DiagConsoleLogger only when OTEL_LOG_LEVEL is set).',
    '# Ports, node_modules paths and durations normalised. Format: <case> <kind the matcher gives> <line>',
  ];
  const order = [...CASES.map((c) => c.id), 'http-dns', 'grpc-dns'];
  const rows = [...recorded].sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id)).map((r) => `${r.id} ${r.kind} ${r.line}`);
  writeFileSync(FIXTURE, `${[...head, ...rows].join('\n')}\n`);
});
