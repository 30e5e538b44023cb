import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANSWER_BYTES, classifyOtlpAnswer, CLIENT_HELLO, isValidProbePath, parseSpeakOutput, speakArgv, type OtlpMode } from '../../src/gather/otlp-probe.ts';
import { kitArgv, PROBE_KIT } from '../../src/gather/probe-kit.ts';
import type { ProbeTarget } from '../../src/gather/probe-target.ts';
import { probeAll } from '../../src/gather/probes.ts';
import { speakFor } from '../../src/gather/plan.ts';
import { appExports } from '../../src/otel/sdk.ts';
import type { AppContainer } from '../../src/snapshot.ts';
import type { ExecResult } from '../../src/cluster/types.ts';
import { grpcServer, otlpHttpServer } from '../sim/standins/collector-net.ts';
import { FakeClusterClient, notFound } from './fake-client.ts';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

// The first bytes each real server writes, as their sources define them (test/sim/README.md, "Protocol answers").
/** grpc-go http2_server.go newHTTP2Server: SETTINGS (MAX_FRAME_SIZE 16384) before it reads anything. */
const GRPC_GO_SETTINGS = Buffer.from('000006040000000000000500004000', 'hex');
/** Go net/http: ServeMux answers the `PRI * HTTP/2.0` request 400 with Connection: close. */
const GO_PRI_400 = b('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nDate: Sat, 05 Dec 2026 14:00:00 GMT\r\nContent-Length: 0\r\n\r\n');
/** Go net/http conn.serve: a line that is no request (a ClientHello up to its first newline). */
const GO_MALFORMED_400 = b('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request');
/** Go net/http over TLS: a plaintext request that looks like HTTP (server.go, tlsRecordHeaderLooksLikeHTTP). */
const GO_HTTPS_400 = b('HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n');
/** The collector's OTLP/HTTP receiver (otlphttp.go): 200 with the empty protobuf response, 404 from ServeMux, 415. */
const OTLP_200 = b('HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nDate: Sat, 05 Dec 2026 14:00:00 GMT\r\nContent-Length: 2\r\n\r\n\x0a\x00');
const GO_404 = b('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nDate: Sat, 05 Dec 2026 14:00:00 GMT\r\nContent-Length: 19\r\n\r\n404 page not found\n');
const OTLP_415 = b('HTTP/1.1 415 Unsupported Media Type\r\nContent-Type: text/plain\r\nContent-Length: 79\r\n\r\n415 unsupported media type, supported: [application/json, application/x-protobuf]');
/** crypto/tls: a ServerHello record, and an alert record (handshake_failure). */
const SERVER_HELLO = Buffer.from('160303007a020000760303', 'hex');
const TLS_ALERT = Buffer.from('15030100020228', 'hex');

const cut = (x: Buffer): Buffer => x.subarray(0, ANSWER_BYTES);

test('answers read as the real servers write them, per what was sent', () => {
  const cases: [OtlpMode, Buffer, string, string?][] = [
    ['g', GRPC_GO_SETTINGS, 'grpc-ok', 'http/2'],
    ['p', GRPC_GO_SETTINGS, 'wrong-protocol', 'http/2'],
    ['j', GRPC_GO_SETTINGS, 'wrong-protocol', 'http/2'],
    ['t', GRPC_GO_SETTINGS, 'plaintext-expected', 'http/2'],
    ['g', GO_PRI_400, 'wrong-protocol', 'http/1.1'],
    ['t', GO_MALFORMED_400, 'plaintext-expected', 'http/1.1'],
    ['p', GO_HTTPS_400, 'tls-expected', 'tls'],
    ['p', OTLP_200, 'otlp-http-ok', 'otlp-http'],
    ['p', GO_404, 'wrong-path', 'http/1.1'],
    ['j', OTLP_415, 'rejected', 'http/1.1'],
    ['t', SERVER_HELLO, 'tls-ok', 'tls'],
    ['t', TLS_ALERT, 'tls-ok', 'tls'],
    ['g', TLS_ALERT, 'tls-expected', 'tls'],
  ];
  for (const [mode, bytes, result, by] of cases) {
    const a = classifyOtlpAnswer(mode, cut(bytes), 'full');
    assert.equal(a.result, result, `${mode} ${JSON.stringify(bytes.toString('latin1').slice(0, 30))}: ${a.detail}`);
    assert.equal(a.answeredBy, by);
  }
  assert.equal(classifyOtlpAnswer('p', cut(GO_404), 'full').status, 404);
  assert.equal(classifyOtlpAnswer('j', cut(OTLP_415), 'full').status, 415);
  assert.match(classifyOtlpAnswer('p', cut(GO_HTTPS_400), 'full').detail, /HTTPS server/);
  // crypto/tls closes on a first record that is no handshake without an alert: the ClientHello asked next tells
  assert.equal(classifyOtlpAnswer('g', Buffer.alloc(0), 'closed', SERVER_HELLO).result, 'tls-expected');
  assert.equal(classifyOtlpAnswer('g', Buffer.alloc(0), 'closed', Buffer.alloc(0)).result, 'no-answer');
  assert.equal(classifyOtlpAnswer('p', Buffer.alloc(0), 'silent').result, 'no-answer');
  assert.equal(classifyOtlpAnswer('p', b('SSH-2.0-OpenSSH_9.6\r\n'), 'full').result, 'wrong-protocol');
});

test('speaker output: the answer, how it ended, the ClientHello follow-up', () => {
  assert.deepEqual(parseSpeakOutput('H000006 E\nK1603'), { first: Buffer.from('000006', 'hex'), ended: 'closed', tlsFollowUp: Buffer.from('1603', 'hex') });
  assert.equal(parseSpeakOutput('H S').ended, 'silent');
  assert.equal(parseSpeakOutput('Hzz E').first, undefined);
  assert.equal(parseSpeakOutput('probe: connect: Connection refused').first, undefined);
});

test('the ClientHello is one well-formed TLS record whose bytes make Go net/http answer', () => {
  assert.equal(CLIENT_HELLO[0], 0x16);
  assert.equal(CLIENT_HELLO.readUInt16BE(3), CLIENT_HELLO.length - 5);
  assert.equal(CLIENT_HELLO[5], 0x01);
  assert.equal(CLIENT_HELLO.readUIntBE(6, 3), CLIENT_HELLO.length - 9);
  // net/http reads a request line up to a newline: without one it would wait instead of answering 400
  assert.ok(CLIENT_HELLO.includes(0x0a));
});

test('paths travel like hosts: a fixed character set', () => {
  for (const ok of ['/v1/traces', '/', '/otlp/v1/metrics', '/a.b_c~d-e']) { assert.ok(isValidProbePath(ok), ok); }
  for (const bad of ['v1/traces', '/v1/traces;id', '/$(id)', '/a b', '/a%0a', '/a\\b', "/'", '/a?b', `/${'a'.repeat(300)}`]) { assert.ok(!isValidProbePath(bad), bad); }
  assert.throws(() => kitArgv([{ host: '10.0.0.1', port: 4318, otlp: { mode: 'p', path: '/v1/traces;id' } }]), /unvalidated/);
  assert.throws(() => kitArgv([{ host: '10.0.0.1', port: 4318, otlp: { mode: 'g', path: '/x' } }]), /unvalidated/);
  assert.deepEqual(kitArgv([{ host: '10.0.0.1', port: 4318, otlp: { mode: 'p', path: '/v1/traces' } }]).slice(4), ['10.0.0.1', '4318', '@p/v1/traces']);
});

function app(env: Record<string, string>, sdk: AppContainer['sdk'] = { language: 'python', flavour: 'sdk', from: 'test' }): AppContainer {
  const sv = (k: string) => (env[k] !== undefined ? { env: k, value: env[k] } : undefined);
  const signals = Object.fromEntries((['traces', 'metrics', 'logs'] as const).map((s) => [s, { endpoint: sv(`OTEL_EXPORTER_OTLP_${s.toUpperCase()}_ENDPOINT`) }]));
  return { namespace: 'n', pod: 'p', container: 'c', sdk, exporter: { endpoint: sv('OTEL_EXPORTER_OTLP_ENDPOINT'), protocol: sv('OTEL_EXPORTER_OTLP_PROTOCOL'), insecure: sv('OTEL_EXPORTER_OTLP_INSECURE'), signals } } as unknown as AppContainer;
}

test('the probe speaks as the SDK would: its protocol, its path, TLS where it starts TLS', () => {
  const first = (a: AppContainer) => speakFor(appExports(a)[0]);
  assert.deepEqual(first(app({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' })), { mode: 'g' });
  assert.deepEqual(first(app({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' })), { mode: 'p', path: '/v1/traces' });
  assert.deepEqual(first(app({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })), { mode: 'j', path: '/v1/traces' });
  // a per-signal endpoint is used verbatim: the probe POSTs where the SDK would
  assert.deepEqual(first(app({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' })), { mode: 'p', path: '/' });
  assert.deepEqual(first(app({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c:4317' })), { mode: 't' });
  assert.deepEqual(first(app({ OTEL_EXPORTER_OTLP_ENDPOINT: 'c:4317' })), { mode: 't' });
  assert.deepEqual(first(app({ OTEL_EXPORTER_OTLP_ENDPOINT: 'c:4317', OTEL_EXPORTER_OTLP_INSECURE: 'true' })), { mode: 'g' });
  // a path outside the probe's character set is never spoken: connect only
  assert.equal(first(app({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces;touch%20x', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' })), undefined);
  // Go links one exporter: protocol unknown, connect only
  assert.equal(first(app({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' }, { language: 'go', flavour: 'sdk', from: 'test' })), undefined);
});

/** Runs the kit locally, as the exec would, and hands its output to probeAll through a fake client. */
async function kitProbe(targets: ProbeTarget[], env: NodeJS.ProcessEnv = process.env): Promise<Awaited<ReturnType<typeof probeAll>>> {
  const argv = kitArgv(targets);
  const r = await new Promise<{ stdout: string; stderr: string; exitCode: number | null }>((resolve) => {
    const p = spawn(argv[0], argv.slice(1), { env });
    let so = '';
    let se = '';
    p.stdout.on('data', (d: Buffer) => (so += d));
    p.stderr.on('data', (d: Buffer) => (se += d));
    p.on('close', (code) => resolve({ stdout: so, stderr: se, exitCode: code }));
  });
  const fake = new FakeClusterClient();
  fake.onExec = (_n, _p, _c, a) => (a[3] === 'probe-kit' ? r : notFound(a[0]));
  return probeAll({ client: fake, namespace: 'n', pod: 'p', container: 'c' }, targets);
}

const hasBash = spawnSync('bash', ['-c', 'true']).status === 0;

test('the kit speaks to the stand-in receivers over real sockets: each mix-up reads as what it is', { skip: !hasBash && 'no bash' }, async () => {
  const gs = net.createServer(await grpcServer(new Set(['traces'])));
  const hs = net.createServer(otlpHttpServer(new Map([['/v1/traces', 'traces']])));
  await new Promise<void>((r) => gs.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => hs.listen(0, '127.0.0.1', r));
  const g = (gs.address() as net.AddressInfo).port;
  const h = (hs.address() as net.AddressInfo).port;
  try {
    const targets: [ProbeTarget, string, number?][] = [
      [{ host: '127.0.0.1', port: h, otlp: { mode: 'p', path: '/v1/traces' } }, 'otlp-http-ok', 200],
      [{ host: '127.0.0.1', port: h, otlp: { mode: 'j', path: '/v1/traces' } }, 'otlp-http-ok', 200],
      [{ host: '127.0.0.1', port: h, otlp: { mode: 'p', path: '/' } }, 'wrong-path', 404],
      [{ host: '127.0.0.1', port: h, otlp: { mode: 'g' } }, 'wrong-protocol', 400],
      [{ host: '127.0.0.1', port: h, otlp: { mode: 't' } }, 'plaintext-expected', 400],
      [{ host: '127.0.0.1', port: g, otlp: { mode: 'g' } }, 'grpc-ok'],
      [{ host: '127.0.0.1', port: g, otlp: { mode: 'p', path: '/v1/traces' } }, 'wrong-protocol'],
      [{ host: '127.0.0.1', port: g, otlp: { mode: 't' } }, 'plaintext-expected'],
    ];
    // the host's tools (bash first), and a busybox image's (sh, nc, od, tr: the nc pipeline)
    const bbDir = mkdtempSync(join(tmpdir(), 'okd-bbspeak-'));
    const envs: [string, NodeJS.ProcessEnv][] = [['bash', process.env]];
    if (existsSync('/usr/bin/busybox')) {
      for (const t of ['sh', 'nc', 'od', 'tr', 'timeout', 'printf']) { symlinkSync('/usr/bin/busybox', join(bbDir, t)); }
      envs.push(['nc', { PATH: bbDir }]);
    }
    try {
      for (const [speaker, env] of envs) {
        const res = await kitProbe(targets.map(([t]) => t), env);
        for (const [i, [t, want, status]] of targets.entries()) {
          const o = res[i].otlp;
          assert.equal(res[i].outcome, 'connected');
          assert.equal(o?.result, want, `${speaker} ${t.port} ${JSON.stringify(t.otlp)}: ${JSON.stringify(o)}`);
          if (status) { assert.equal(o?.status, status); }
          assert.equal(o?.tool, speaker);
          assert.ok(o?.argv?.includes('127.0.0.1') && o.argv.includes(String(t.port)), 'the argv a human can re-run');
        }
      }
    } finally {
      rmSync(bbDir, { recursive: true, force: true });
    }
  } finally {
    gs.close();
    hs.close();
  }
});

test('a TLS server answers the ClientHello; plaintext gRPC to it reads as TLS expected', { skip: (!hasBash || spawnSync('openssl', ['version']).status !== 0) && 'no bash or openssl' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'okd-tls-'));
  try {
    const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=otel-collector']);
    assert.equal(gen.status, 0, String(gen.stderr));
    const srv = tls.createServer({ key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) }, (s) => s.end());
    srv.on('tlsClientError', () => {});
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      const res = await kitProbe([{ host: '127.0.0.1', port, otlp: { mode: 't' } }, { host: '127.0.0.1', port, otlp: { mode: 'g' } }]);
      assert.equal(res[0].otlp?.result, 'tls-ok', JSON.stringify(res[0].otlp));
      // OpenSSL answers the HTTP/2 preface with an alert (Go closes without one): tls-expected either way
      assert.equal(res[1].otlp?.result, 'tls-expected', JSON.stringify(res[1].otlp));
    } finally {
      srv.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no speaker in the container: the TCP connect stands and the record says why', { skip: !hasBash && 'no bash' }, async () => {
  const srv = net.createServer((s) => s.end());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  const bbDir = mkdtempSync(join(tmpdir(), 'okd-nospeak-'));
  try {
    // dash and nc only (the host's binaries), as in a busybox image
    for (const [t, p] of [['sh', '/usr/bin/dash'], ['nc', '/usr/bin/busybox'], ['timeout', '/usr/bin/timeout']] as const) {
      if (existsSync(p)) { symlinkSync(p, join(bbDir, t)); }
    }
    const res = await kitProbe([{ host: '127.0.0.1', port, otlp: { mode: 'g' } }], { PATH: bbDir });
    assert.equal(res[0].outcome, 'connected');
    assert.equal(res[0].otlp?.result, 'not-run');
    assert.match(res[0].otlp?.fallback ?? '', /no bash, python3, node, nc \(with od and tr\)/);
    assert.ok(PROBE_KIT.includes("printf '@okp P %s - %s 0 \\n'"));
  } finally {
    srv.close();
    rmSync(bbDir, { recursive: true, force: true });
  }
});

/** A container without sh: each argv runs as its own process, a binary outside `tools` is missing. */
class ArgvClient extends FakeClusterClient {
  readonly tools: Set<string>;
  constructor(tools: Set<string>) {
    super();
    this.tools = tools;
  }
  override async exec(ns: string, pod: string, container: string, argv: string[]): Promise<ExecResult> {
    this.execLog.push({ ns, pod, container, argv });
    const bin = argv[0] === 'timeout' ? argv[2] : argv[0];
    if (!this.tools.has(bin)) { return { ...notFound(bin), durationMs: 1 }; }
    return await new Promise((resolve) => {
      // Debian's python3 where there is one: a version manager's shim costs seconds per start
      const run = argv.map((a) => (a === 'python3' && existsSync('/usr/bin/python3') ? '/usr/bin/python3' : a));
      const p = spawn(run[0], run.slice(1));
      let so = '';
      let se = '';
      p.stdout.on('data', (d: Buffer) => (so += d));
      p.stderr.on('data', (d: Buffer) => (se += d));
      p.on('close', (code) => resolve({ stdout: so, stderr: se, exitCode: code, durationMs: 1 }));
    });
  }
}

const hasPython = spawnSync('python3', ['-c', 'pass']).status === 0;

test('no shell: python3 or node connects, then speaks as its own exec, and reads as the kit does', async () => {
  const gs = net.createServer(await grpcServer(new Set(['traces'])));
  const hs = net.createServer(otlpHttpServer(new Map([['/v1/traces', 'traces']])));
  await new Promise<void>((r) => gs.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => hs.listen(0, '127.0.0.1', r));
  const g = (gs.address() as net.AddressInfo).port;
  const h = (hs.address() as net.AddressInfo).port;
  try {
    // distroless python, distroless node
    for (const speaker of [...(hasPython ? ['python3'] : []), 'node']) {
      const client = new ArgvClient(new Set([speaker]));
      const res = await probeAll({ client, namespace: 'n', pod: 'p', container: 'c' }, [
        { host: '127.0.0.1', port: h, otlp: { mode: 'p', path: '/v1/metrics' } },
        { host: '127.0.0.1', port: h, otlp: { mode: 'j', path: '/v1/traces' } },
        { host: '127.0.0.1', port: g, otlp: { mode: 'p', path: '/v1/traces' } },
        { host: '127.0.0.1', port: g, otlp: { mode: 'g' } },
        { host: '127.0.0.1', port: h, otlp: { mode: 'g' } },
      ]);
      assert.deepEqual(res.map((r) => r.otlp?.result), ['wrong-path', 'otlp-http-ok', 'wrong-protocol', 'grpc-ok', 'wrong-protocol'], `${speaker}: ${JSON.stringify(res.map((r) => r.otlp))}`);
      assert.deepEqual(res.map((r) => r.otlp?.tool), Array(5).fill(speaker));
      // bash is found missing once, not once per target
      assert.equal(client.execLog.filter((e) => e.argv[0] === 'bash').length, 1);
    }
  } finally {
    gs.close();
    hs.close();
  }
});

test('a whole SETTINGS frame ends the read: the speakers do not wait out the silence after it', async () => {
  // grpc-go: its SETTINGS, then nothing until a request (the connection stays open); the stand-in's
  // gRPC receiver (node:http2): its SETTINGS and the ACK of ours, then nothing either
  const held: net.Socket[] = [];
  const raw = net.createServer((s) => { held.push(s); s.on('error', () => {}); s.write(GRPC_GO_SETTINGS); });
  const gs = net.createServer(await grpcServer(new Set(['traces'])));
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => gs.listen(0, '127.0.0.1', r));
  try {
    const speakers = [...(hasBash ? ['bash' as const] : []), ...(hasPython ? ['python3' as const] : []), 'node' as const];
    for (const srv of [raw, gs]) {
      const port = String((srv.address() as net.AddressInfo).port);
      for (const tool of speakers) {
        const argv = speakArgv(tool, { host: '127.0.0.1', port, mode: 'g', path: '-', authority: `127.0.0.1:${port}` }).map((a) => (a === 'python3' && existsSync('/usr/bin/python3') ? '/usr/bin/python3' : a));
        // not spawnSync: the servers answer from this process's event loop
        const out = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
          const c = spawn(argv[0], argv.slice(1));
          let stdout = '';
          let stderr = '';
          c.stdout.on('data', (d: Buffer) => (stdout += d));
          c.stderr.on('data', (d: Buffer) => (stderr += d));
          c.on('close', () => resolve({ stdout, stderr }));
        });
        const s = parseSpeakOutput(out.stdout);
        // 'silent' would mean it read on until a second without a byte
        assert.equal(s.ended, 'full', `${tool} ${srv === raw ? 'grpc-go' : 'stand-in'}: ${out.stdout} ${out.stderr}`);
        assert.equal(classifyOtlpAnswer('g', s.first ?? Buffer.alloc(0), s.ended).result, 'grpc-ok');
        if (srv === raw) { assert.deepEqual(s.first, GRPC_GO_SETTINGS, tool); }
      }
    }
  } finally {
    for (const s of held) { s.destroy(); }
    raw.close();
    gs.close();
  }
});
