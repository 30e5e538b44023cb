// Stand-in for an instrumented application: it exports spans the way the SDK named in SIM_SDK does
// (endpoint and protocol from the OTEL_* variables, real DNS, real TCP, real HTTP/1.1 or HTTP/2) and
// logs each failure the way that SDK logs it. Line formats: /work/shared/reference/sdk-export-errors.md
// ("ref" below); [P]/[S]/[I] there say how sure each line is, and comments here repeat it where it matters.
import * as net from 'node:net';
import { readFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { randomBytes } from 'node:crypto';
import { goLogTime, goQuote } from './logformat.ts';
import { encodeTraceRequest, encodeTraceRequestJson, grpcFrame, GRPC_PATHS, H2_PREFACE } from './otlp.ts';

export type Sdk = 'go' | 'python' | 'java' | 'java-agent' | 'node' | 'dotnet';
export type Protocol = 'grpc' | 'http/protobuf' | 'http/json';

export function sdkFor(env: NodeJS.ProcessEnv): Sdk {
  const s = (env.SIM_SDK ?? '').toLowerCase();
  if (['go', 'python', 'java', 'java-agent', 'node', 'dotnet'].includes(s)) return s as Sdk;
  const img = (env.SIM_IMAGE ?? '').toLowerCase();
  const name = img.slice(img.lastIndexOf('/') + 1);
  if (/python/.test(name)) return 'python';
  if (/^node|[-/]node/.test(name) || /^node/.test(name)) return 'node';
  if (/temurin|openjdk|jdk|jre|java/.test(name)) return 'java';
  if (/dotnet|aspnet/.test(img)) return 'dotnet';
  return 'go';
}

/**
 * Neither the annotation nor the image tells the SDK (e.g. the OpenTelemetry demo's
 * `ghcr.io/open-telemetry/demo:<v>-<service>` images, written in a dozen languages). Such an app is
 * played as a well-configured one: an unset protocol is the one its endpoint's port implies (4318:
 * http/protobuf, else gRPC), rather than Go's gRPC default, which would invent a mismatch that the real
 * app, using its own SDK's default, does not have. Failures are still logged in Go's words.
 */
export function sdkUnknown(env: NodeJS.ProcessEnv): boolean {
  const s = (env.SIM_SDK ?? '').toLowerCase();
  if (['go', 'python', 'java', 'java-agent', 'node', 'dotnet'].includes(s)) return false;
  const img = (env.SIM_IMAGE ?? '').toLowerCase();
  const name = img.slice(img.lastIndexOf('/') + 1);
  return !(/python/.test(name) || /^node|[-/]node/.test(name) || /temurin|openjdk|jdk|jre|java/.test(name) || /dotnet|aspnet/.test(img));
}

export interface ExportTarget {
  protocol: Protocol;
  /** Full URL for HTTP; for gRPC scheme://host:port. */
  url: URL;
  tls: boolean;
  /** What the user wrote, for SDKs that print it as given. */
  raw: string;
  timeoutMs: number;
}

/** The spec's (and each SDK's) reading of OTEL_EXPORTER_OTLP_* for traces; undefined when nothing asks for export. */
export function traceTarget(env: NodeJS.ProcessEnv, sdk: Sdk, unknownSdk = false): ExportTarget | undefined {
  const anyOtlp = Object.keys(env).some((k) => k.startsWith('OTEL_EXPORTER_OTLP_')) || env.OTEL_TRACES_EXPORTER !== undefined;
  if (!anyOtlp) return undefined;
  if ((env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',').map((s) => s.trim()).every((s) => s !== 'otlp')) return undefined;
  // Default protocols: the OTLP spec says http/protobuf, but the Go, Python, Java SDK and .NET exporters
  // most apps link are gRPC; Node's sdk-node and the Java agent 2.x default to http/protobuf (ref §3).
  const impliedByPort = /:4318(\/|$)/.test((env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').trim()) ? 'http/protobuf' : 'grpc';
  const def: Protocol = unknownSdk ? impliedByPort : sdk === 'node' || sdk === 'java-agent' ? 'http/protobuf' : 'grpc';
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? def).trim() as Protocol;
  const perSignal = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const http = protocol !== 'grpc';
  let raw: string;
  let withPath: string;
  if (perSignal) {
    raw = perSignal;
    withPath = perSignal;
  } else if (base) {
    raw = base;
    withPath = http ? base.replace(/\/+$/, '') + '/v1/traces' : base;
  } else {
    raw = http ? 'http://localhost:4318' : 'http://localhost:4317';
    withPath = http ? raw + '/v1/traces' : raw;
  }
  const insecureEnv = (env.OTEL_EXPORTER_OTLP_TRACES_INSECURE ?? env.OTEL_EXPORTER_OTLP_INSECURE ?? '').toLowerCase() === 'true';
  // No scheme: Go's otlptracehttp and the gRPC exporters use TLS unless told insecure (ref §1.5 [S]).
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(withPath);
  const url = new URL(hasScheme ? withPath : `${insecureEnv ? 'http' : 'https'}://${withPath}`);
  const tls = url.protocol === 'https:' && !(protocol === 'grpc' && insecureEnv && !hasScheme);
  if (!url.port) url.port = tls ? '443' : '80';
  const timeoutMs = Number(env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? env.OTEL_EXPORTER_OTLP_TIMEOUT ?? 10000) || 10000;
  return { protocol, url, tls, raw, timeoutMs };
}

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

function nameserver(): string {
  try {
    const m = /^nameserver\s+(\S+)/m.exec(readFileSync('/etc/resolv.conf', 'utf8'));
    if (m) return m[1].includes(':') ? `[${m[1]}]:53` : `${m[1]}:53`;
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
  if (net.isIP(h)) return { ip: h };
  const hit = dnsCaching ? dnsCache.get(h) : undefined;
  if (hit && hit.until > Date.now()) return { ip: hit.ip };
  const r = await lookupOnce(h, host, port, deadline);
  if (dnsCaching && !('kind' in r)) dnsCache.set(h, { ip: r.ip, until: Date.now() + DNS_TTL_MS });
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
    if (err.code === 'ETIMEOUT') return { kind: 'timeout', host, port };
    // getaddrinfo: EAI_NONAME (every search name NXDOMAIN) vs EAI_AGAIN (a server failure on the way).
    return { kind: err.code === 'ENOTFOUND' ? 'dns-nx' : 'dns-fail', host, port, err };
  }
}

function errnoKind(code: string | undefined): FailKind {
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'reset';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'unreachable';
  if (code === 'ETIMEDOUT') return 'timeout';
  if (code === 'EPROTO' || code?.startsWith('ERR_SSL') || code?.startsWith('ERR_TLS')) return 'tls';
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
    s.on('data', (d: Buffer) => { got = Buffer.concat([got, d]); if (got.length >= 5) done(); });
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
      if (got.length >= 3) finish({ kind: got.readUIntBE(0, 3) > 16384 ? 'frame-too-large' : 'ok' });
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
  if (!k) return;
  k.session?.destroy();
  k.agent?.destroy();
  delete k.session; delete k.agent; delete k.ip;
}

export async function exportHttp(t: ExportTarget, service: string, deadline: number, kept?: Kept): Promise<Failure | undefined> {
  const port = Number(t.url.port);
  const host = t.url.hostname;
  // The pool's connection is reused only while it is open; a new one resolves again, as net/http does.
  const reused = kept?.ip !== undefined && kept.agent !== undefined && Object.values(kept.agent.freeSockets).some((l) => (l?.length ?? 0) > 0);
  if (kept && !reused) dropKept(kept);
  const r = reused ? { ip: kept!.ip! } : await resolve(host, port, deadline);
  if ('kind' in r) return r;
  const sp = newSpan();
  const json = t.protocol === 'http/json';
  const body = json ? Buffer.from(encodeTraceRequestJson(service, 'GET /', sp.traceId, sp.spanId, sp.start, sp.end)) : encodeTraceRequest(service, 'GET /', sp.traceId, sp.spanId, sp.start, sp.end);
  const mod = t.tls ? await import('node:https') : await import('node:http');
  if (kept) kept.agent ??= new mod.Agent({ keepAlive: true, maxSockets: 1 });
  const f = await new Promise<Failure | undefined>((done) => {
    let settled = false;
    let local: string | undefined;
    const finish = (f: Failure | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // A finished request on a keep-alive agent goes back to its pool; anything else is torn down.
      if (f || !kept) req.destroy();
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
        if (status >= 200 && status < 300) finish(undefined);
        else finish({ kind: 'status', ip: r.ip, port, host, status, statusText: res.statusMessage, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', () => finish({ kind: 'reset', ip: r.ip, port, host, local }));
    });
    // A kept socket is connected already (and listening to it on every export would pile up listeners).
    req.on('socket', (s) => {
      if (s.connecting) s.once('connect', () => { local = `${s.localAddress}:${s.localPort}`; });
      else local = `${s.localAddress}:${s.localPort}`;
    });
    const timer = setTimeout(() => finish({ kind: 'timeout', ip: r.ip, port, host }), Math.max(0, deadline - Date.now()));
    req.on('error', async (e: NodeJS.ErrnoException & { rawPacket?: Buffer }) => {
      if (settled) return;
      if (e.code === 'HPE_INVALID_CONSTANT' || e.code?.startsWith('HPE_')) return finish({ kind: 'http-to-grpc', ip: r.ip, port, host, raw: e.rawPacket, err: e, local });
      const kind = errnoKind(e.code);
      if (kind === 'tls') {
        const httpAnswer = await probeTlsAnswer(r.ip, port);
        return finish({ kind, ip: r.ip, port, host, err: e, httpAnswer });
      }
      if (kind === 'reset' && !local) return finish({ kind: 'reset', ip: r.ip, port, host, err: e });
      if (e.message === 'socket hang up') return finish({ kind: 'eof', ip: r.ip, port, host, err: e, local });
      finish({ kind, ip: r.ip, port, host, err: e, local });
    });
    req.end(body);
  });
  if (!kept) return f;
  if (!f) { kept.ip = r.ip; return undefined; }
  // An HTTP answer is this export's answer (the connection stays); a failed kept connection is retried fresh.
  if (reused && f.kind === 'status') return f;
  dropKept(kept);
  return reused && f.kind !== 'timeout' ? exportHttp(t, service, deadline, kept) : f;
}

type H2 = typeof import('node:http2');
let h2mod: H2 | undefined;

export async function exportGrpc(t: ExportTarget, service: string, deadline: number, kept?: Kept): Promise<Failure | undefined> {
  h2mod ??= await import('node:http2');
  const h2 = h2mod;
  const port = Number(t.url.port);
  const host = t.url.hostname;
  const live = kept?.session && !kept.session.closed && !kept.session.destroyed ? kept.session : undefined;
  if (kept && !live) dropKept(kept);
  const r = live ? { ip: kept!.ip! } : await resolve(host, port, deadline);
  if ('kind' in r) return r;
  const sp = newSpan();
  const msg = grpcFrame(encodeTraceRequest(service, 'GET /', sp.traceId, sp.spanId, sp.start, sp.end));
  const authority = `${t.tls ? 'https' : 'http'}://${net.isIPv6(r.ip) ? `[${r.ip}]` : r.ip}:${port}`;
  const f = await new Promise<Failure | undefined | 'protocol'>((done) => {
    let settled = false;
    const session = live ?? h2.connect(authority, { rejectUnauthorized: false, servername: net.isIP(host) ? undefined : host } as import('node:http2').SecureClientSessionOptions);
    const onError = (e: NodeJS.ErrnoException): void => {
      const kind = errnoKind(e.code);
      if (kind === 'other') finish('protocol');
      else finish({ kind, ip: r.ip, port, host, err: e });
    };
    const onEnd = (): void => finish('protocol');
    const finish = (x: Failure | undefined | 'protocol'): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.off('error', onError).off('goaway', onEnd).off('close', onEnd);
      if (x === undefined && kept) {
        // The channel stays up for the next batch; it must not keep the process alive by itself.
        kept.session = session; kept.ip = r.ip;
        session.unref();
      } else session.destroy();
      done(x);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout', ip: r.ip, port, host }), Math.max(0, deadline - Date.now()));
    // Errors after this export is settled (a kept channel breaking, a late connect failure) are not its own.
    if (!live) session.on('error', () => {});
    session.on('error', onError);
    session.on('goaway', onEnd);
    session.on('close', onEnd);
    const stream = session.request({
      ':method': 'POST', ':path': GRPC_PATHS.traces, ':authority': `${host}:${port}`, 'content-type': 'application/grpc', te: 'trailers',
      'grpc-timeout': `${Math.max(1, deadline - Date.now())}m`, 'user-agent': 'OTel OTLP Exporter Go/1.38.0 grpc-go/1.75.0',
    });
    let headerStatus: string | undefined;
    let headerMsg: string | undefined;
    stream.on('response', (h) => { headerStatus = h['grpc-status'] as string | undefined; headerMsg = h['grpc-message'] as string | undefined; });
    stream.on('trailers', (h) => { headerStatus = h['grpc-status'] as string | undefined; headerMsg = h['grpc-message'] as string | undefined; });
    stream.on('error', () => finish('protocol'));
    stream.resume();
    stream.on('close', () => {
      if (headerStatus === undefined) return finish('protocol');
      const code = Number(headerStatus);
      if (code === 0) return finish(undefined);
      finish({ kind: 'status', ip: r.ip, port, host, grpcStatus: code, grpcMessage: decodeURIComponent(headerMsg ?? '') });
    });
    stream.end(msg);
  });
  if (live && f !== undefined) {
    // A status (the collector answered) or a deadline is this export's answer: the channel stays or the
    // time is gone. Anything else means the kept channel broke: reconnect and report what that meets.
    if (f !== 'protocol' && (f.kind === 'status' || f.kind === 'timeout')) {
      if (f.kind === 'timeout') dropKept(kept);
      return f;
    }
    dropKept(kept);
    return exportGrpc(t, service, deadline, kept);
  }
  if (f !== 'protocol') return f;
  if (t.tls) {
    const c = await probeH2Preface(r.ip, port);
    if ('err' in c) return { kind: c.kind, ip: r.ip, port, host, err: c.err };
    return { kind: 'tls', ip: r.ip, port, host, httpAnswer: await probeTlsAnswer(r.ip, port) };
  }
  const p = await probeH2Preface(r.ip, port);
  if ('err' in p) return { kind: p.kind, ip: r.ip, port, host, err: p.err };
  return { kind: p.kind === 'frame-too-large' ? 'grpc-to-http' : 'eof', ip: r.ip, port, host };
}

// ---------- what each SDK prints ----------

const GRPC_CODES = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];
const GO_CODES = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated'];

const hp = (f: Failure): string => `${f.ip && net.isIPv6(f.ip) ? `[${f.ip}]` : f.ip}:${f.port}`;
const errnoText: Partial<Record<FailKind, string>> = { refused: 'connection refused', unreachable: 'no route to host', reset: 'connection reset by peer' };

/** Go: otel.Handle -> log.Print (ref §1). Retryable failures carry the deadline/processor prefix. */
export function goLines(t: ExportTarget, f: Failure): string[] {
  const url = t.url.href.replace(/\/$/, t.url.pathname === '/' ? '' : '/');
  const line = (s: string): string[] => [`${goLogTime()} traces export: ${s}`];
  if (t.protocol === 'grpc') {
    const unavailable = (desc: string): string[] => line(`context deadline exceeded: rpc error: code = Unavailable desc = ${desc}`);
    switch (f.kind) {
      case 'refused': case 'unreachable':
        return unavailable(`connection error: desc = "transport: Error while dialing: dial tcp ${hp(f)}: connect: ${errnoText[f.kind]}"`);
      case 'timeout': return line('context deadline exceeded: rpc error: code = DeadlineExceeded desc = context deadline exceeded');
      // grpc.NewClient's dns resolver turns a failed lookup into an empty address list ([P] hookdeck/outpost#291).
      case 'dns-nx': case 'dns-fail': return unavailable('name resolver error: produced zero addresses');
      case 'tls': return unavailable('connection error: desc = "transport: authentication handshake failed: tls: first record does not look like a TLS handshake"');
      case 'grpc-to-http': return unavailable('connection error: desc = "error reading server preface: http2: frame too large"');
      case 'eof': return unavailable('connection closed before server preface received');
      case 'reset': return unavailable(`connection error: desc = "transport: Error while dialing: read tcp ${hp(f)}: read: connection reset by peer"`);
      case 'status': {
        const code = GO_CODES[f.grpcStatus ?? 2] ?? 'Unknown';
        const retryable = ['Unavailable', 'DeadlineExceeded', 'ResourceExhausted', 'Aborted', 'OutOfRange', 'Canceled', 'DataLoss'].includes(code);
        return line(`${retryable ? 'context deadline exceeded: ' : ''}rpc error: code = ${code} desc = ${f.grpcMessage ?? ''}`);
      }
      default: return unavailable(`connection error: desc = "transport: Error while dialing: dial tcp ${hp(f)}: ${f.err?.message ?? 'unknown error'}"`);
    }
  }
  const post = `Post ${JSON.stringify(url)}`;
  const retry = 'processor export timeout: retry-able request failure: ';
  switch (f.kind) {
    case 'refused': case 'unreachable': return line(`${post}: dial tcp ${hp(f)}: connect: ${errnoText[f.kind]}`);
    case 'timeout': return line(`${retry}${post}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)`);
    // Go prints `no such host` for NXDOMAIN (not temporary, no retry) and `server misbehaving` for SERVFAIL (retried), ref §1.3.
    case 'dns-nx': return line(`${post}: dial tcp: lookup ${f.host} on ${nameserver()}: no such host`);
    case 'dns-fail': return line(`${retry}${post}: dial tcp: lookup ${f.host} on ${nameserver()}: server misbehaving`);
    case 'tls': return line(f.httpAnswer ? `${post}: http: server gave HTTP response to HTTPS client` : `${post}: tls: first record does not look like a TLS handshake`);
    case 'http-to-grpc': return line(`${post}: net/http: HTTP/1.x transport connection broken: malformed HTTP response ${goQuote(f.raw ?? Buffer.alloc(0))}`);
    case 'reset': return line(`${post}: read tcp ${f.local ?? '0.0.0.0:0'}->${hp(f)}: read: connection reset by peer`);
    case 'eof': return line(`${post}: EOF`);
    case 'status': return line(`failed to send to ${url}: ${f.status} ${f.statusText ?? ''}`.trimEnd());
    default: return line(`${post}: ${f.err?.message ?? 'unknown error'}`);
  }
}

const pyRepr = (b: Buffer): string => {
  let s = "'";
  for (const c of b) s += c === 0x27 ? "\\'" : c === 0x5c ? '\\\\' : c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '\\x' + c.toString(16).padStart(2, '0');
  return s + "'";
};

/** Python: stdlib logging through the last-resort handler (bare message), ref §2. */
export function pythonLines(t: ExportTarget, f: Failure): string[] {
  if (t.protocol === 'grpc') {
    const target = t.raw.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
    const out: string[] = [];
    if (f.kind === 'tls') {
      const d = new Date();
      const p2 = (n: number): string => String(n).padStart(2, '0');
      // grpc-core's own stderr line ([P] open-telemetry/opentelemetry-python#1747).
      out.push(`E${p2(d.getMonth() + 1)}${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}000000      ${process.pid} ssl_transport_security.cc:1395] Handshake failed with fatal error SSL_ERROR_SSL: error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER.`);
    }
    const code = f.kind === 'timeout' ? 'DEADLINE_EXCEEDED' : f.kind === 'status' ? GRPC_CODES[f.grpcStatus ?? 2] : 'UNAVAILABLE';
    if (code === 'UNAVAILABLE') out.push(`Transient error StatusCode.UNAVAILABLE encountered while exporting traces to ${target}, retrying in 1s.`);
    out.push(`Failed to export traces to ${target}, error code: StatusCode.${code}`);
    return out;
  }
  // HTTP exporter, newer releases ([S] wording); the reason is the `requests` exception's text.
  const pool = `${t.tls ? 'HTTPS' : 'HTTP'}ConnectionPool(host='${f.host}', port=${f.port})`;
  const conn = `<urllib3.connection.${t.tls ? 'HTTPS' : 'HTTP'}Connection object at 0x7f3c2a1b4d90>`;
  const max = `${pool}: Max retries exceeded with url: ${t.url.pathname}`;
  let reason: string;
  switch (f.kind) {
    case 'refused': reason = `${max} (Caused by NewConnectionError('${conn}: Failed to establish a new connection: [Errno 111] Connection refused'))`; break;
    case 'unreachable': reason = `${max} (Caused by NewConnectionError('${conn}: Failed to establish a new connection: [Errno 113] No route to host'))`; break;
    case 'timeout': reason = `${pool}: Read timed out. (read timeout=${t.timeoutMs / 1000})`; break;
    case 'dns-nx': reason = `${max} (Caused by NameResolutionError("${conn}: Failed to resolve '${f.host}' ([Errno -2] Name or service not known)"))`; break;
    case 'dns-fail': reason = `${max} (Caused by NameResolutionError("${conn}: Failed to resolve '${f.host}' ([Errno -3] Temporary failure in name resolution)"))`; break;
    case 'tls': reason = `${max} (Caused by SSLError(SSLError(1, '[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)')))`; break;
    case 'http-to-grpc': reason = `('Connection aborted.', BadStatusLine(${pyRepr(f.raw ?? Buffer.alloc(0))}))`; break;
    case 'reset': reason = `('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))`; break;
    case 'eof': reason = `('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))`; break;
    case 'status': return [`Failed to export span batch code: ${f.status}, reason: ${f.body ?? ''}`];
    default: reason = String(f.err?.message ?? 'error');
  }
  return [`Transient error ${reason} encountered while exporting span batch, retrying in 1.00s.`, 'Failed to export span batch due to timeout, max retries or shutdown.'];
}

function julTime(d = new Date()): string {
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getMonth()];
  const h = d.getHours() % 12 || 12;
  return `${mon} ${String(d.getDate()).padStart(2, '0')}, ${d.getFullYear()} ${h}:${String(d.getMinutes()).padStart(2, '0')}:${String(d.getSeconds()).padStart(2, '0')} ${d.getHours() < 12 ? 'AM' : 'PM'}`;
}

/** Java SDK (JUL two-line format) or Java agent 2.x (one line + exception), ref §3. */
export function javaLines(t: ExportTarget, f: Failure, agent: boolean): string[] {
  const javaAddr = `${f.host}/${f.ip ?? ''}:${f.port}`.replace(/^(\d+\.\d+\.\d+\.\d+)\//, '/');
  const grpc = t.protocol === 'grpc';
  let level = 'SEVERE';
  let msg: string;
  let exc: string | undefined;
  const notExecuted = 'Failed to export spans. The request could not be executed. Full error message: ';
  switch (f.kind) {
    case 'refused': case 'unreachable':
      if (grpc) { level = 'WARNING'; msg = `Failed to export spans. Server responded with gRPC status code 2. Error message: Failed to connect to ${javaAddr}`; }
      else { msg = notExecuted + `Failed to connect to ${javaAddr}`; exc = `java.net.ConnectException: Failed to connect to ${javaAddr}`; }
      break;
    case 'timeout': msg = notExecuted + 'timeout'; exc = 'java.io.InterruptedIOException: timeout'; break;
    case 'dns-nx': msg = notExecuted + `${f.host}: Name or service not known`; exc = `java.net.UnknownHostException: ${f.host}: Name or service not known`; break;
    case 'dns-fail': msg = notExecuted + `${f.host}: Temporary failure in name resolution`; exc = `java.net.UnknownHostException: ${f.host}: Temporary failure in name resolution`; break;
    // [I] JDK wording; no OTel paste of this case exists.
    case 'tls': msg = notExecuted + 'Unsupported or unrecognized SSL message'; exc = 'javax.net.ssl.SSLException: Unsupported or unrecognized SSL message'; break;
    case 'grpc-to-http': level = 'WARNING'; msg = 'Failed to export spans. Server responded with gRPC status code 2. Error message: FRAME_SIZE_ERROR: 4740180'; break;
    case 'http-to-grpc': case 'reset': msg = notExecuted + 'Connection reset'; exc = 'java.net.SocketException: Connection reset'; break;
    case 'eof': msg = notExecuted + 'unexpected end of stream'; exc = 'java.io.IOException: unexpected end of stream'; break;
    case 'status':
      level = 'WARNING';
      msg = grpc
        ? `Failed to export spans. Server responded with gRPC status code ${f.grpcStatus}. Error message: ${f.grpcMessage ?? ''}`
        : `Failed to export spans. Server responded with HTTP status code ${f.status}. Error message: Unable to parse response body, HTTP status message: ${f.statusText ?? ''}`;
      break;
    default: msg = notExecuted + (f.err?.message ?? 'error');
  }
  if (agent) {
    const d = new Date();
    const p = (n: number, w = 2): string => String(n).padStart(w, '0');
    const ts = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}:${p(d.getMilliseconds(), 3)} +0000`;
    const logger = grpc ? 'io.opentelemetry.exporter.internal.grpc.GrpcExporter' : 'io.opentelemetry.exporter.internal.http.HttpExporter';
    const lvl = level === 'SEVERE' ? 'ERROR' : 'WARN';
    return [`[otel.javaagent ${ts}] [OkHttp ${t.url.protocol}//${t.url.host}/...] ${lvl} ${logger} - ${msg}`, ...(exc ? [exc] : [])];
  }
  return [`${julTime()} io.opentelemetry.sdk.internal.ThrottlingLogger doLog`, `${level}: ${msg}`, ...(exc ? [exc] : [])];
}

/** @opentelemetry/core's loggingErrorHandler: the error flattened to one JSON line, every value a string (ref §4). */
function nodeFlatten(e: Error & Record<string, unknown>): string {
  const out: Record<string, string> = {};
  let o: object | null = e;
  while (o && o !== Object.prototype) {
    for (const k of Object.getOwnPropertyNames(o)) {
      if (k in out || k === 'constructor') continue;
      const v = (e as Record<string, unknown>)[k];
      if (typeof v === 'function') continue;
      out[k] = Buffer.isBuffer(v) ? v.toString('latin1') : String(v);
    }
    o = Object.getPrototypeOf(o);
  }
  return JSON.stringify(out);
}

function nodeError(name: string, message: string, frames: string[], extra: Record<string, string> = {}): string {
  const e = Object.assign(new Error(message), extra) as Error & Record<string, unknown>;
  e.stack = `${name}: ${message}\n` + frames.map((f) => `    at ${f}`).join('\n');
  Object.defineProperty(e, 'name', { value: name, enumerable: true });
  return nodeFlatten(e);
}

export function nodeLines(t: ExportTarget, f: Failure): string[] {
  if (t.protocol === 'grpc') {
    const grpcFrames = ['callErrorFromStatus (/app/node_modules/@grpc/grpc-js/build/src/call.js:32:19)', 'Object.onReceiveStatus (/app/node_modules/@grpc/grpc-js/build/src/client.js:193:76)'];
    let code = 14;
    let details: string;
    switch (f.kind) {
      case 'refused': details = `No connection established. Last error: Error: connect ECONNREFUSED ${hp(f)}`; break;
      case 'dns-nx': case 'dns-fail': details = `Name resolution failed for target dns:${f.host}:${f.port}`; break;
      case 'timeout': code = 4; details = `Deadline exceeded after ${(t.timeoutMs / 1000).toFixed(3)}s,LB pick: 0.001s,remote_addr=${hp(f)}`; break;
      case 'tls': details = 'No connection established. Last error: SSL routines:ssl3_get_record:wrong version number'; break;
      case 'status': code = f.grpcStatus ?? 2; details = f.grpcMessage ?? ''; break;
      // No paste for grpc-js against an HTTP/1 port (ref §4.5): grpc-js reports a failed HTTP/2 session this way.
      default: details = `No connection established. Last error: ${f.err?.message ?? 'Protocol error'}`;
    }
    return [nodeError('Error', `${code} ${GRPC_CODES[code]}: ${details}`, grpcFrames, { code: String(code), details, metadata: '[object Object]' })];
  }
  if (f.kind === 'timeout') return [nodeError('OTLPExporterError', 'Request Timeout', ['ClientRequest.<anonymous> (/app/node_modules/@opentelemetry/otlp-exporter-base/build/src/transport/http-transport-utils.js:52:29)'])];
  if (f.kind === 'status') return [nodeError('OTLPExporterError', f.statusText ?? 'Error', ['IncomingMessage.<anonymous> (/app/node_modules/@opentelemetry/otlp-exporter-base/build/src/transport/http-transport-utils.js:39:31)'], { data: f.body ?? '', code: String(f.status) })];
  // Everything else is Node's own error from this very request, as the real exporter would see it.
  if (f.err) return [nodeFlatten(f.err as unknown as Error & Record<string, unknown>)];
  return [nodeError('Error', 'socket hang up', ['Socket.socketOnEnd (node:_http_client:542:25)'], { code: 'ECONNRESET' })];
}

export function sdkLines(sdk: Sdk, t: ExportTarget, f: Failure): string[] {
  switch (sdk) {
    case 'go': return goLines(t, f);
    case 'python': return pythonLines(t, f);
    case 'java': return javaLines(t, f, false);
    case 'java-agent': return javaLines(t, f, true);
    case 'node': return nodeLines(t, f);
    // The .NET exporter writes nothing to stdout/stderr: failures go to EventSource only (ref §5).
    case 'dotnet': return [];
  }
}

/** Whether the SDK keeps retrying this failure until the export timeout (so the line appears only then). */
function retryable(sdk: Sdk, t: ExportTarget, f: Failure): boolean {
  if (f.kind === 'status') return t.protocol === 'grpc' ? [1, 4, 8, 10, 11, 14, 15].includes(f.grpcStatus ?? 0) : [429, 502, 503, 504].includes(f.status ?? 0);
  if (sdk === 'go' && t.protocol !== 'grpc') return f.kind === 'timeout' || f.kind === 'dns-fail';
  return !['dns-nx', 'http-to-grpc'].includes(f.kind) || t.protocol === 'grpc';
}

// ---------- ports ----------

/**
 * Every declared TCP containerPort answers `200 ok` to whatever arrives (probes, Services). Raw sockets
 * instead of node:http: an idle app then never loads the HTTP stack, which keeps start-up and memory small.
 */
function listenPorts(): net.Server[] {
  let ports: { containerPort?: number; protocol?: string }[] = [];
  try { ports = JSON.parse(process.env.SIM_CONTAINER_PORTS ?? '[]'); } catch { ports = []; }
  const servers: net.Server[] = [];
  const reply = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok';
  for (const p of ports) {
    if (!p.containerPort || (p.protocol ?? 'TCP').toUpperCase() !== 'TCP') continue;
    const s = net.createServer((sock) => {
      sock.on('error', () => sock.destroy());
      sock.once('data', () => sock.end(reply));
      sock.setTimeout(10_000, () => sock.destroy());
    });
    s.on('error', (e) => process.stderr.write(`listen tcp :${p.containerPort}: ${(e as NodeJS.ErrnoException).code}\n`));
    s.listen({ port: p.containerPort, host: '0.0.0.0' });
    servers.push(s);
  }
  return servers;
}

// ---------- main loop ----------

async function run(): Promise<void> {
  const servers = listenPorts();
  const sdk = sdkFor(process.env);
  const target = traceTarget(process.env, sdk, sdkUnknown(process.env));
  let stopping = false;
  const timers = new Set<NodeJS.Timeout>();
  const sleep = (ms: number): Promise<void> => new Promise((r) => { const t = setTimeout(() => { timers.delete(t); r(); }, ms); timers.add(t); });
  process.once('SIGTERM', () => { stopping = true; for (const s of servers) s.close(); process.exit(0); });
  process.once('SIGINT', () => process.exit(0));
  // A container's main process idles until it is stopped, ports or not.
  setInterval(() => {}, 3_600_000);
  if (!target) return;
  const service = process.env.OTEL_SERVICE_NAME ?? process.env.SIM_CONTAINER_NAME ?? 'unknown_service';
  const interval = Number(process.env.OTEL_BSP_SCHEDULE_DELAY ?? 5000) || 5000;
  await sleep(Math.min(1000, interval));
  setDnsCaching(sdk, target.protocol);
  const kept: Kept = {};
  while (!stopping) {
    const started = Date.now();
    const deadline = started + target.timeoutMs;
    let f: Failure | undefined;
    // The exporters retry retryable failures with backoff inside the export timeout, then report once.
    for (let backoff = 1000; ; backoff *= 2) {
      f = target.protocol === 'grpc' ? await exportGrpc(target, service, deadline, kept) : await exportHttp(target, service, deadline, kept);
      if (!f || !retryable(sdk, target, f) || Date.now() >= deadline) break;
      await sleep(Math.min(backoff, Math.max(0, deadline - Date.now())));
      if (Date.now() >= deadline) break;
    }
    if (f) for (const l of sdkLines(sdk, target, f)) process.stderr.write(l + '\n');
    await sleep(Math.max(0, interval - (Date.now() - started)));
  }
}

export function main(): void {
  run().catch((e: unknown) => { process.stderr.write(`${(e as Error).stack ?? String(e)}\n`); process.exit(2); });
}
