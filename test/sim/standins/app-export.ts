// One export attempt of an app stand-in, made for real (DNS through the pod's resolver, TCP, HTTP/1.1 or
// HTTP/2, kept connections between batches) and its failure classified as the SDKs' errors tell them apart.
import * as net from 'node:net';
import { readFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { randomBytes } from 'node:crypto';
import { encodeTraceRequest, encodeTraceRequestJson, grpcFrame, GRPC_PATHS, H2_PREFACE } from './otlp.ts';
import type { ExportTarget, Protocol, Sdk } from './app-sdk.ts';

// ---------- one export attempt, classified ----------

export type FailKind = 'refused' | 'timeout' | 'dns-nx' | 'dns-fail' | 'tls' | 'http-to-grpc' | 'grpc-to-http' | 'status' | 'reset' | 'eof' | 'unreachable' | 'other';

export interface Failure {
  kind: FailKind;
  ip?: string;
  port: number;
  host: string;
  /** Bytes the server sent where an HTTP/1 status line was expected (http -> gRPC port). */
  raw?: Buffer;
  /** TLS probe: the server answered with an HTTP/1 response. */
  httpAnswer?: boolean;
  status?: number;
  statusText?: string;
  body?: string;
  grpcStatus?: number;
  grpcMessage?: string;
  /** The Node error behind it, when there is one (the Node SDK prints it as is). */
  err?: NodeJS.ErrnoException & { rawPacket?: Buffer; reason?: string };
  local?: string;
}

export function nameserver(): string {
  try {
    const m = /^nameserver\s+(\S+)/m.exec(readFileSync('/etc/resolv.conf', 'utf8'));
    if (m) { return m[1].includes(':') ? `[${m[1]}]:53` : `${m[1]}:53`; }
  } catch { /* Go falls back to 127.0.0.1:53 */ }
  return '127.0.0.1:53';
}

/**
 * Positive answers are reused for 30 s: grpc-go re-resolves at most every 30 s and the JVM caches a
 * lookup for 30 s, so a retrying exporter does not query DNS on every attempt (and at 100 pods the
 * simulator's DNS and getaddrinfo threads are spared four lookups a second). Failures are not cached.
 */
const DNS_TTL_MS = 30_000;
const dnsCache = new Map<string, { ip: string; until: number }>();
/** Only gRPC channels and the JVM cache lookups; Go's net/http, Python and Node resolve every new connection. */
let dnsCaching = false;
export function setDnsCaching(sdk: Sdk, protocol: Protocol): void {
  dnsCaching = protocol === 'grpc' || sdk === 'java' || sdk === 'java-agent';
}

async function resolve(host: string, port: number, deadline: number): Promise<{ ip: string } | Failure> {
  const h = host.replace(/^\[|\]$/g, '');
  if (net.isIP(h)) { return { ip: h }; }
  const hit = dnsCaching ? dnsCache.get(h) : undefined;
  if (hit && hit.until > Date.now()) { return { ip: hit.ip }; }
  const r = await lookupOnce(h, host, port, deadline);
  if (dnsCaching && !('kind' in r)) { dnsCache.set(h, { ip: r.ip, until: Date.now() + DNS_TTL_MS }); }
  return r;
}

async function lookupOnce(h: string, host: string, port: number, deadline: number): Promise<{ ip: string } | Failure> {
  try {
    const r = await Promise.race([
      lookup(h, { all: true }),
      new Promise<never>((_, rej) => setTimeout(() => rej(Object.assign(new Error('timeout'), { code: 'ETIMEOUT' })), Math.max(0, deadline - Date.now()))),
    ]);
    const v4 = r.find((a) => a.family === 4) ?? r[0];
    return { ip: v4.address };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ETIMEOUT') { return { kind: 'timeout', host, port }; }
    // getaddrinfo: EAI_NONAME (every search name NXDOMAIN) vs EAI_AGAIN (a server failure on the way).
    return { kind: err.code === 'ENOTFOUND' ? 'dns-nx' : 'dns-fail', host, port, err };
  }
}

function errnoKind(code: string | undefined): FailKind {
  if (code === 'ECONNREFUSED') { return 'refused'; }
  if (code === 'ECONNRESET' || code === 'EPIPE') { return 'reset'; }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') { return 'unreachable'; }
  if (code === 'ETIMEDOUT') { return 'timeout'; }
  if (code === 'EPROTO' || code?.startsWith('ERR_SSL') || code?.startsWith('ERR_TLS')) { return 'tls'; }
  return 'other';
}

/** What does this server answer to a TLS ClientHello-shaped greeting? Go words its error on that. */
async function probeTlsAnswer(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: ip, port });
    let got = Buffer.alloc(0);
    const done = (): void => { s.destroy(); resolve(got.subarray(0, 5).toString('latin1') === 'HTTP/'); };
    s.setTimeout(2000, done);
    s.on('connect', () => s.write(Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0x40, 0x01, 0x00, 0x00, 0x3c, 0x03, 0x03]), Buffer.alloc(64)])));
    s.on('data', (d: Buffer) => { got = Buffer.concat([got, d]); if (got.length >= 5) { done(); } });
    s.on('error', done);
    s.on('end', done);
  });
}

/**
 * Reconnects and reads the first 9 bytes a server sends after an HTTP/2 preface: a sane SETTINGS frame,
 * or an HTTP/1 answer read as a frame header. Also tells connect-level failures apart, because Node's
 * http2 session may report them only as a closed stream.
 */
async function probeH2Preface(ip: string, port: number): Promise<{ kind: 'frame-too-large' | 'closed' | 'ok' } | { kind: FailKind; err: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    const s = net.connect({ host: ip, port });
    let got = Buffer.alloc(0);
    let connected = false;
    const finish = (r: Awaited<ReturnType<typeof probeH2Preface>>): void => { s.destroy(); resolve(r); };
    s.setTimeout(2000, () => finish({ kind: connected ? 'closed' : 'timeout', err: new Error('timeout') as NodeJS.ErrnoException }));
    s.on('connect', () => { connected = true; s.write(Buffer.concat([H2_PREFACE, Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])])); });
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 3) { finish({ kind: got.readUIntBE(0, 3) > 16384 ? 'frame-too-large' : 'ok' }); }
    });
    s.on('error', (e: NodeJS.ErrnoException) => finish(connected ? { kind: 'closed' } : { kind: errnoKind(e.code), err: e }));
    s.on('end', () => finish({ kind: 'closed' }));
  });
}

interface SpanData { traceId: Buffer; spanId: Buffer; start: bigint; end: bigint }

function newSpan(): SpanData {
  const end = BigInt(Date.now()) * 1_000_000n;
  return { traceId: randomBytes(16), spanId: randomBytes(8), start: end - 5_000_000n, end };
}

/**
 * What a healthy exporter keeps between exports: gRPC channels and the HTTP exporters' keep-alive pools
 * hold their connection, so a working SDK neither re-resolves nor reconnects every batch. A failure on a
 * kept connection drops it and the export starts over from DNS, so every error line comes from a fresh
 * connect, as a reconnecting SDK's would.
 */
export interface Kept {
  ip?: string;
  session?: import('node:http2').ClientHttp2Session;
  agent?: import('node:http').Agent;
}

function dropKept(k: Kept | undefined): void {
  if (!k) { return; }
  k.session?.destroy();
  k.agent?.destroy();
  delete k.session; delete k.agent; delete k.ip;
}

/** A request that is not the stand-in's own span: the collector's exporters forward what their receivers took in. */
export interface Payload { body: Buffer; grpcPath?: string }

export async function exportHttp(t: ExportTarget, service: string, deadline: number, kept?: Kept, payload?: Payload): Promise<Failure | undefined> {
  const port = Number(t.url.port);
  const host = t.url.hostname;
  // The pool's connection is reused only while it is open; a new one resolves again, as net/http does.
  const reused = kept?.ip !== undefined && kept.agent !== undefined && Object.values(kept.agent.freeSockets).some((l) => (l?.length ?? 0) > 0);
  if (kept && !reused) { dropKept(kept); }
  const r = reused ? { ip: kept!.ip! } : await resolve(host, port, deadline);
  if ('kind' in r) { return r; }
  const sp = newSpan();
  const json = t.protocol === 'http/json';
  const body = payload?.body ?? (json ? Buffer.from(encodeTraceRequestJson(service, 'GET /', sp.traceId, sp.spanId, sp.start, sp.end)) : encodeTraceRequest(service, 'GET /', sp.traceId, sp.spanId, sp.start, sp.end));
  const mod = t.tls ? await import('node:https') : await import('node:http');
  if (kept) { kept.agent ??= new mod.Agent({ keepAlive: true, maxSockets: 1 }); }
  const f = await new Promise<Failure | undefined>((done) => {
    let settled = false;
    let local: string | undefined;
    const finish = (f: Failure | undefined): void => {
      if (settled) { return; }
      settled = true;
      clearTimeout(timer);
      // A finished request on a keep-alive agent goes back to its pool; anything else is torn down.
      if (f || !kept) { req.destroy(); }
      done(f);
    };
    const req = mod.request({
      host: r.ip, port, path: t.url.pathname + t.url.search, method: 'POST', servername: net.isIP(host) ? undefined : host,
      rejectUnauthorized: false, agent: kept?.agent ?? false,
      headers: { Host: t.url.host, 'Content-Type': json ? 'application/json' : 'application/x-protobuf', 'Content-Length': body.length, 'User-Agent': 'OTel OTLP Exporter Go/1.38.0' },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) { finish(undefined); }
        else { finish({ kind: 'status', ip: r.ip, port, host, status, statusText: res.statusMessage, body: Buffer.concat(chunks).toString('utf8') }); }
      });
      res.on('error', () => finish({ kind: 'reset', ip: r.ip, port, host, local }));
    });
    // A kept socket is connected already (and listening to it on every export would pile up listeners).
    req.on('socket', (s) => {
      if (s.connecting) { s.once('connect', () => { local = `${s.localAddress}:${s.localPort}`; }); }
      else { local = `${s.localAddress}:${s.localPort}`; }
    });
    const timer = setTimeout(() => finish({ kind: 'timeout', ip: r.ip, port, host }), Math.max(0, deadline - Date.now()));
    req.on('error', async (e: NodeJS.ErrnoException & { rawPacket?: Buffer }) => {
      if (settled) { return; }
      if (e.code === 'HPE_INVALID_CONSTANT' || e.code?.startsWith('HPE_')) { return finish({ kind: 'http-to-grpc', ip: r.ip, port, host, raw: e.rawPacket, err: e, local }); }
      const kind = errnoKind(e.code);
      if (kind === 'tls') {
        const httpAnswer = await probeTlsAnswer(r.ip, port);
        return finish({ kind, ip: r.ip, port, host, err: e, httpAnswer });
      }
      if (kind === 'reset' && !local) { return finish({ kind: 'reset', ip: r.ip, port, host, err: e }); }
      if (e.message === 'socket hang up') { return finish({ kind: 'eof', ip: r.ip, port, host, err: e, local }); }
      finish({ kind, ip: r.ip, port, host, err: e, local });
    });
    req.end(body);
  });
  if (!kept) { return f; }
  if (!f) { kept.ip = r.ip; return undefined; }
  // An HTTP answer is this export's answer (the connection stays); a failed kept connection is retried fresh.
  if (reused && f.kind === 'status') { return f; }
  dropKept(kept);
  return reused && f.kind !== 'timeout' ? exportHttp(t, service, deadline, kept, payload) : f;
}

type H2 = typeof import('node:http2');
let h2mod: H2 | undefined;

/**
 * Loads the exporter's transport before the first export: a real SDK has it loaded when its exporter is
 * built, so its export timer never pays for the load (on a loaded machine that alone can outlast 1 s).
 */
export async function loadTransport(t: ExportTarget): Promise<void> {
  if (t.protocol === 'grpc') { h2mod ??= await import('node:http2'); }
  else { await (t.tls ? import('node:https') : import('node:http')); }
}

export async function exportGrpc(t: ExportTarget, service: string, deadline: number, kept?: Kept, payload?: Payload): Promise<Failure | undefined> {
  h2mod ??= await import('node:http2');
  const h2 = h2mod;
  const port = Number(t.url.port);
  const host = t.url.hostname;
  const live = kept?.session && !kept.session.closed && !kept.session.destroyed ? kept.session : undefined;
  if (kept && !live) { dropKept(kept); }
  const r = live ? { ip: kept!.ip! } : await resolve(host, port, deadline);
  if ('kind' in r) { return r; }
  const sp = newSpan();
  const msg = grpcFrame(payload?.body ?? encodeTraceRequest(service, 'GET /', sp.traceId, sp.spanId, sp.start, sp.end));
  const authority = `${t.tls ? 'https' : 'http'}://${net.isIPv6(r.ip) ? `[${r.ip}]` : r.ip}:${port}`;
  const f = await new Promise<Failure | undefined | 'protocol'>((done) => {
    let settled = false;
    const session = live ?? h2.connect(authority, { rejectUnauthorized: false, servername: net.isIP(host) ? undefined : host } as import('node:http2').SecureClientSessionOptions);
    const onError = (e: NodeJS.ErrnoException): void => {
      const kind = errnoKind(e.code);
      if (kind === 'other') { finish('protocol'); } else { finish({ kind, ip: r.ip, port, host, err: e }); }
    };
    const onEnd = (): void => finish('protocol');
    const finish = (x: Failure | undefined | 'protocol'): void => {
      if (settled) { return; }
      settled = true;
      clearTimeout(timer);
      session.off('error', onError).off('goaway', onEnd).off('close', onEnd);
      if (x === undefined && kept) {
        // The channel stays up for the next batch; it must not keep the process alive by itself.
        kept.session = session; kept.ip = r.ip;
        session.unref();
      } else { session.destroy(); }
      done(x);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout', ip: r.ip, port, host }), Math.max(0, deadline - Date.now()));
    // Errors after this export is settled (a kept channel breaking, a late connect failure) are not its own.
    if (!live) { session.on('error', () => {}); }
    session.on('error', onError);
    session.on('goaway', onEnd);
    session.on('close', onEnd);
    const stream = session.request({
      ':method': 'POST', ':path': payload?.grpcPath ?? GRPC_PATHS.traces, ':authority': `${host}:${port}`, 'content-type': 'application/grpc', te: 'trailers',
      'grpc-timeout': `${Math.max(1, deadline - Date.now())}m`, 'user-agent': 'OTel OTLP Exporter Go/1.38.0 grpc-go/1.75.0',
    });
    let headerStatus: string | undefined;
    let headerMsg: string | undefined;
    stream.on('response', (h) => { headerStatus = h['grpc-status'] as string | undefined; headerMsg = h['grpc-message'] as string | undefined; });
    stream.on('trailers', (h) => { headerStatus = h['grpc-status'] as string | undefined; headerMsg = h['grpc-message'] as string | undefined; });
    stream.on('error', () => finish('protocol'));
    stream.resume();
    stream.on('close', () => {
      if (headerStatus === undefined) { return finish('protocol'); }
      const code = Number(headerStatus);
      if (code === 0) { return finish(undefined); }
      finish({ kind: 'status', ip: r.ip, port, host, grpcStatus: code, grpcMessage: decodeURIComponent(headerMsg ?? '') });
    });
    stream.end(msg);
  });
  if (live && f !== undefined) {
    // A status (the collector answered) or a deadline is this export's answer: the channel stays or the
    // time is gone. Anything else means the kept channel broke: reconnect and report what that meets.
    if (f !== 'protocol' && (f.kind === 'status' || f.kind === 'timeout')) {
      if (f.kind === 'timeout') { dropKept(kept); }
      return f;
    }
    dropKept(kept);
    return exportGrpc(t, service, deadline, kept, payload);
  }
  if (f !== 'protocol') { return f; }
  if (t.tls) {
    const c = await probeH2Preface(r.ip, port);
    if ('err' in c) { return { kind: c.kind, ip: r.ip, port, host, err: c.err }; }
    return { kind: 'tls', ip: r.ip, port, host, httpAnswer: await probeTlsAnswer(r.ip, port) };
  }
  const p = await probeH2Preface(r.ip, port);
  if ('err' in p) { return { kind: p.kind, ip: r.ip, port, host, err: p.err }; }
  return { kind: p.kind === 'frame-too-large' ? 'grpc-to-http' : 'eof', ip: r.ip, port, host };
}
