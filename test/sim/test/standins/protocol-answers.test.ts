// The stand-in receivers' first bytes to each thing a client may send, as the real servers write them
// (test/sim/README.md, "Protocol answers"): the OTLP/HTTP receiver, the gRPC receiver, and both with tls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grpcServer, otlpHttpServer, tlsServer } from '../../standins/collector-net.ts';
import { GRPC_GO_SETTINGS_FRAME, H2_PREFACE } from '../../standins/otlp.ts';

/** Sends `bytes` and reads until the server closes, or until `need` bytes came (a server that stays open). */
function ask(port: number, bytes: Buffer | string, need = Infinity): Promise<Buffer> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => { s.write(bytes); });
    let got = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= need) { s.destroy(); }
    });
    s.on('error', () => {});
    s.on('close', () => resolve(got));
  });
}

async function serve(handler: (s: net.Socket) => void): Promise<{ port: number; close: () => void }> {
  const srv = net.createServer(handler);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as net.AddressInfo).port, close: () => srv.close() };
}

const post = (path: string, ct: string, body = ''): string =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${ct}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;

test('OTLP/HTTP receiver: 200 with the empty response, 404 off its paths, 415, 405, and 400 to the HTTP/2 preface', async () => {
  const h = await serve(otlpHttpServer(new Map([['/v1/traces', 'traces']])));
  try {
    const ok = (await ask(h.port, post('/v1/traces', 'application/x-protobuf'))).toString('latin1');
    assert.match(ok, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(ok.endsWith('\r\n\r\n\x0a\x00'), 'the empty ExportTraceServiceResponse');
    assert.match((await ask(h.port, post('/v1/traces', 'application/json', '{}'))).toString(), /^HTTP\/1\.1 200 OK/);
    const nf = (await ask(h.port, post('/v1/metrics', 'application/x-protobuf'))).toString();
    assert.match(nf, /^HTTP\/1\.1 404 Not Found\r\n/);
    assert.ok(nf.endsWith('404 page not found\n'));
    assert.match((await ask(h.port, post('/v1/traces', 'text/plain'))).toString(), /^HTTP\/1\.1 415 [^]*415 unsupported media type, supported: \[application\/json, application\/x-protobuf\]$/);
    assert.match((await ask(h.port, 'GET /v1/traces HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toString(), /^HTTP\/1\.1 405 [^]*405 method not allowed, supported: \[POST\]$/);
    assert.match((await ask(h.port, H2_PREFACE)).toString(), /^HTTP\/1\.1 400 Bad Request\r\n/);
  } finally {
    h.close();
  }
});

test('gRPC receiver: its SETTINGS frame first, whatever the client sent', async () => {
  const g = await serve(await grpcServer(new Set(['traces'])));
  try {
    const toPost = await ask(g.port, post('/v1/traces', 'application/x-protobuf'));
    assert.deepEqual(toPost, GRPC_GO_SETTINGS_FRAME);
    const toPreface = await ask(g.port, Buffer.concat([H2_PREFACE, Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]), 9);
    assert.equal(toPreface[3], 0x04, 'a SETTINGS frame header');
  } finally {
    g.close();
  }
});

test('with tls: plaintext meets Go\'s answers, a ClientHello a handshake', { skip: spawnSync('openssl', ['version']).status !== 0 && 'no openssl' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'okd-standin-tls-'));
  const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=otel-collector']);
  assert.equal(gen.status, 0, String(gen.stderr));
  const creds = { cert: readFileSync(join(dir, 'c.pem')), key: readFileSync(join(dir, 'k.pem')) };
  const h = await serve(tlsServer(otlpHttpServer(new Map([['/v1/traces', 'traces']])), creds, 'http'));
  const g = await serve(tlsServer(await grpcServer(new Set(['traces'])), creds, 'grpc'));
  try {
    assert.equal((await ask(h.port, post('/v1/traces', 'application/x-protobuf'))).toString(), 'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n');
    assert.equal((await ask(g.port, H2_PREFACE)).length, 0, 'crypto/tls closes on a first record that is no handshake, without an alert');
    assert.equal((await ask(h.port, H2_PREFACE)).length, 0, 'PRI is no request net/http recognises on a TLS port');
    // a TLS client completes its handshake and speaks h2 (gRPC's ALPN) inside
    const alpn = await new Promise<string | false>((resolve, reject) => {
      const c = tls.connect({ port: g.port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['h2'] }, () => { resolve(c.alpnProtocol ?? false); c.destroy(); });
      c.on('error', reject);
    });
    assert.equal(alpn, 'h2');
  } finally {
    h.close();
    g.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
