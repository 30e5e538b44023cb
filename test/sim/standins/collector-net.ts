// The collector stand-in's sockets: listening as Go's net.Listen does (addresses, the errors' texts, DNS of
// the host part), and the servers behind them: OTLP/gRPC, OTLP/HTTP and plain HTTP, answering as the
// real collector's do.
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as http from 'node:http';
import * as tls from 'node:tls';
import { Duplex } from 'node:stream';
import { lookup } from 'node:dns/promises';
import { EMPTY_EXPORT_RESPONSE, GRPC_GO_SETTINGS_FRAME, GRPC_PATHS, H2_PREFACE, SIGNALS, grpcFrame, type Signal } from './otlp.ts';
import { CollectorError } from './collector-config.ts';
import { encodeStatus, encodeStatusJson, type Consume } from './collector-status.ts';

// ---------- listening like Go's net.Listen ----------

export interface Bound { server: net.Server | import('node:dgram').Socket; shown: string }

/**
 * Go's net.SplitHostPort (net/ipsock.go), errors included: an IPv6 host must be in brackets, so
 * `fd00:10:244:1::5:4317` (the Helm chart's `${env:MY_POD_IP}:4317` on an IPv6 pod) is "too many colons
 * in address" (helm-charts#816). The error text is AddrError's: `address <hostport>: <why>`.
 */
export function goSplitHostPort(hostport: string): { host: string; port: string } | { error: string } {
  const err = (why: string) => ({ error: `address ${hostport}: ${why}` });
  const i = hostport.lastIndexOf(':');
  if (i < 0) { return err('missing port in address'); }
  let host: string;
  let j = 0, k = 0;
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0) { return err("missing ']' in address"); }
    if (end + 1 === hostport.length) { return err('missing port in address'); }
    if (end + 1 !== i) { return err(hostport[end + 1] === ':' ? 'too many colons in address' : 'missing port in address'); }
    host = hostport.slice(1, end);
    j = 1; k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) { return err('too many colons in address'); }
  }
  if (hostport.slice(j).includes('[')) { return err("unexpected '[' in address"); }
  if (hostport.slice(k).includes(']')) { return err("unexpected ']' in address"); }
  return { host, port: hostport.slice(i + 1) };
}

/** host and numeric port, or undefined where Go's SplitHostPort fails or the port is no number. */
export function splitHostPort(ep: string): { host: string; port: number } | undefined {
  const r = goSplitHostPort(ep.trim());
  if ('error' in r || !/^\d+$/.test(r.port)) { return undefined; }
  return { host: r.host, port: Number(r.port) };
}

/** An endpoint a component would hand to net.Listen, including the ones Go refuses for their colons. */
export function listenable(ep: string): boolean {
  const r = goSplitHostPort(ep.trim());
  return 'error' in r ? r.error.endsWith('too many colons in address') : /^\d+$/.test(r.port);
}

/**
 * service::telemetry::metrics::address from 0.111 to 0.122: telemetry.Config.Unmarshal turns it into a
 * Prometheus reader with net.SplitHostPort before anything starts (service/telemetry/config.go, while the
 * telemetry.disableAddressFieldForInternalTelemetry gate is alpha; beta from 0.123 ignores the field), so
 * an unbracketed IPv6 address fails the configuration, reported under the section mapstructure decodes.
 */
export function telemetryAddressError(address: unknown, minor: number): string | undefined {
  if (typeof address !== 'string' || !address || minor < 111 || minor > 122) { return undefined; }
  const r = goSplitHostPort(address);
  if ('error' in r) { return `failed to get config: cannot unmarshal the configuration: decoding failed due to the following error(s):\n\n'service.telemetry' failing to parse metrics address "${address}": ${r.error}`; }
  return undefined;
}

/** Go's net.JoinHostPort: an IPv6 host goes in brackets. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const ERRNO_TEXT: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'cannot assign requested address',
  EACCES: 'permission denied',
};

function resolvConfNameserver(): string {
  try {
    const m = /^nameserver\s+(\S+)/m.exec(readFileSync('/etc/resolv.conf', 'utf8'));
    if (m) { return m[1].includes(':') ? `[${m[1]}]:53` : `${m[1]}:53`; }
  } catch { /* no resolv.conf: Go falls back to localhost */ }
  return '127.0.0.1:53';
}

/** Resolves the host the way Go's Listen does; returns the IP to bind and how Go prints the address in errors. */
async function resolveListen(host: string, port: number, proto: 'tcp' | 'udp'): Promise<{ bindIp: string; wildcard: boolean; errAddr: string }> {
  if (host === '' ) { return { bindIp: '::', wildcard: true, errAddr: `:${port}` }; }
  if (host === '0.0.0.0') { return { bindIp: '::', wildcard: true, errAddr: `0.0.0.0:${port}` }; }
  if (host === '::') { return { bindIp: '::', wildcard: true, errAddr: `[::]:${port}` }; }
  if (net.isIP(host)) { return { bindIp: host, wildcard: false, errAddr: net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}` }; }
  // Go's ListenConfig.Listen resolves the name and binds `addrs.first(isIPv4)`: the first IPv4 address,
  // else the first one (localhost -> 127.0.0.1 from /etc/hosts even where ::1 is listed too).
  if (host === 'localhost') { return { bindIp: '127.0.0.1', wildcard: false, errAddr: `127.0.0.1:${port}` }; }
  try {
    const all = await lookup(host, { all: true, order: 'verbatim' });
    const r = all.find((a) => a.family === 4) ?? all[0];
    if (!r) { throw Object.assign(new Error('no address'), { code: 'ENOTFOUND' }); }
    return { bindIp: r.address, wildcard: false, errAddr: joinHostPort(r.address, port) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOTFOUND' ? 'no such host' : 'server misbehaving';
    throw new CollectorError(`listen ${proto}: lookup ${host} on ${resolvConfNameserver()}: ${why}`);
  }
}

function shownAddr(bindIp: string, port: number, wildcardFamily: 'v6' | 'v4' | null): string {
  if (wildcardFamily === 'v6') { return `[::]:${port}`; }
  if (wildcardFamily === 'v4') { return `0.0.0.0:${port}`; }
  return net.isIPv6(bindIp) ? `[${bindIp}]:${port}` : `${bindIp}:${port}`;
}

function listenOnce(server: net.Server, ip: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onErr = (e: Error): void => reject(e);
    server.once('error', onErr);
    server.listen({ host: ip, port, ipv6Only: false, exclusive: true }, () => {
      server.off('error', onErr);
      resolve();
    });
  });
}

/** SplitHostPort's error as net.Listen reports it (an OpError with no address: `listen tcp: address ...`). */
function parseListen(endpoint: string, proto: 'tcp' | 'udp'): { host: string; port: number } {
  const r = goSplitHostPort(endpoint);
  if ('error' in r) { throw new CollectorError(`listen ${proto}: ${r.error}`); }
  // Go looks a non-numeric port up in /etc/services; none of the collector's is one.
  if (!/^\d+$/.test(r.port)) { throw new CollectorError(`listen ${proto}: lookup ${proto}/${r.port}: unknown port`); }
  return { host: r.host, port: Number(r.port) };
}

export async function listenTcp(endpoint: string, onConn: (s: net.Socket) => void): Promise<Bound> {
  const hp = parseListen(endpoint, 'tcp');
  const r = await resolveListen(hp.host, hp.port, 'tcp');
  const server = net.createServer({ pauseOnConnect: false }, onConn);
  try {
    try {
      await listenOnce(server, r.bindIp, hp.port);
      return { server, shown: shownAddr(r.bindIp, hp.port, r.wildcard ? 'v6' : null) };
    } catch (e) {
      // Go falls back to an IPv4 socket when the namespace has no IPv6; so do we.
      if (r.wildcard && ['EAFNOSUPPORT', 'EADDRNOTAVAIL'].includes((e as NodeJS.ErrnoException).code ?? '')) {
        await listenOnce(server, '0.0.0.0', hp.port);
        return { server, shown: shownAddr('0.0.0.0', hp.port, 'v4') };
      }
      throw e;
    }
  } catch (e) {
    if (e instanceof CollectorError) { throw e; }
    const code = (e as NodeJS.ErrnoException).code ?? 'EINVAL';
    throw new CollectorError(`listen tcp ${r.errAddr}: bind: ${ERRNO_TEXT[code] ?? code.toLowerCase()}`);
  }
}

export async function listenUdp(endpoint: string): Promise<Bound> {
  const hp = parseListen(endpoint, 'udp');
  const r = await resolveListen(hp.host, hp.port, 'udp');
  const dgram = await import('node:dgram');
  const bindWith = (type: 'udp4' | 'udp6', ip: string): Promise<import('node:dgram').Socket> =>
    new Promise((resolve, reject) => {
      const s = dgram.createSocket({ type, ipv6Only: false });
      s.once('error', (e) => { s.close(); reject(e); });
      s.bind({ address: ip, port: hp.port, exclusive: true }, () => resolve(s));
    });
  try {
    const v6 = r.wildcard || net.isIPv6(r.bindIp);
    try {
      return { server: await bindWith(v6 ? 'udp6' : 'udp4', r.bindIp), shown: shownAddr(r.bindIp, hp.port, r.wildcard ? 'v6' : null) };
    } catch (e) {
      if (!r.wildcard) { throw e; }
      return { server: await bindWith('udp4', '0.0.0.0'), shown: shownAddr('0.0.0.0', hp.port, 'v4') };
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EINVAL';
    throw new CollectorError(`listen udp ${r.errAddr}: bind: ${ERRNO_TEXT[code] ?? code.toLowerCase()}`);
  }
}

// ---------- protocol servers ----------

/** Go's net/http sets Content-Length on small bodies where Node would send chunks. */
export function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'Content-Type': type, ...extra, 'Content-Length': String(b.length) });
  res.end(b);
}

export function goNotFound(res: http.ServerResponse): void {
  send(res, 404, 'text/plain; charset=utf-8', '404 page not found\n', { 'X-Content-Type-Options': 'nosniff' });
}

/**
 * Go's net/http answers bytes it cannot parse as a request (a TLS ClientHello, say) with this and
 * closes; a Go TLS client then reports `http: server gave HTTP response to HTTPS client`.
 */
function goBadRequest(_e: Error, sock: net.Socket): void {
  if (sock.writable) { sock.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request'); }
  else { sock.destroy(); }
}

/**
 * Peeks at a new connection: an HTTP/2 prior-knowledge preface goes to `h2`, anything else to `other`.
 * Both of the collector's ports need this because each one answers the other protocol the way Go does.
 */
function sniff(socket: net.Socket, h2: (s: net.Socket) => void, other: (s: net.Socket, first: Buffer) => void): void {
  let buf = Buffer.alloc(0);
  const onData = (d: Buffer): void => {
    buf = Buffer.concat([buf, d]);
    const n = Math.min(buf.length, H2_PREFACE.length);
    const isPrefix = buf.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (isPrefix && buf.length < H2_PREFACE.length) { return; }
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.pause();
    if (isPrefix) { socket.unshift(buf); h2(socket); } else { other(socket, buf); }
  };
  const onEnd = (): void => { socket.destroy(); };
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('error', () => socket.destroy());
}

type H2 = typeof import('node:http2');
let h2mod: H2 | undefined;

/** grpc-go's grpc-message: percent-encoding of bytes outside printable ASCII and of `%` itself. */
const grpcMessage = (m: string): string => Buffer.from(m).toString('latin1').replace(/[^\x20-\x24\x26-\x7e]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);

/** `consume` is the pipeline behind the receiver; without one every request is taken (a backend that accepts). */
export async function grpcServer(signals: Set<Signal>, consume?: Consume): Promise<(s: net.Socket) => void> {
  h2mod ??= await import('node:http2');
  const h2server = h2mod.createServer();
  h2server.on('sessionError', () => {});
  h2server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    const path = String(headers[':path'] ?? '');
    const sig = SIGNALS.find((s) => GRPC_PATHS[s] === path);
    const chunks: Buffer[] = [];
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('end', async () => {
      if (sig && signals.has(sig)) {
        // One length-prefixed message (uncompressed: no grpc-encoding is negotiated by the stand-ins).
        const framed = Buffer.concat(chunks);
        const refusal = consume && framed.length >= 5 ? await consume(sig, framed.subarray(5, 5 + framed.readUInt32BE(1)), false) : undefined;
        if (stream.destroyed) { return; }
        if (refusal) {
          stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(refusal.grpcCode), 'grpc-message': grpcMessage(refusal.message) }, { endStream: true });
          return;
        }
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(grpcFrame(EMPTY_EXPORT_RESPONSE));
        return;
      }
      // grpc-go registers a service only for signals with a pipeline (ref §5.1 applies to gRPC too).
      const m = /^\/([^/]+)\/([^/]+)$/.exec(path);
      const svc = m?.[1] ?? path;
      const registered = SIGNALS.some((s) => signals.has(s) && GRPC_PATHS[s].startsWith(`/${svc}/`));
      const msg = registered ? `unknown method ${m?.[2] ?? ''} for service ${svc}` : `unknown service ${svc}`;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': encodeURIComponent(msg).replace(/%20/g, ' ') }, { endStream: true });
    });
  });
  return (socket) => sniff(socket, (s) => h2server.emit('connection', s), (s) => {
    // grpc-go writes SETTINGS, reads 24 bytes of "preface", gives up and closes (FIN: its bufio reader
    // already drained the socket). The HTTP/1 client is left holding the SETTINGS bytes.
    s.write(GRPC_GO_SETTINGS_FRAME);
    s.end();
  });
}

export function otlpHttpServer(paths: Map<string, Signal>, consume?: Consume): (s: net.Socket) => void {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (!paths.has(url)) { req.resume(); goNotFound(res); return; }
    if (req.method !== 'POST') {
      req.resume();
      send(res, 405, 'text/plain', '405 method not allowed, supported: [POST]');
      return;
    }
    const ct = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', async () => {
      const signal = paths.get(url)!;
      if (ct === 'application/json') {
        const body = Buffer.concat(chunks).toString('utf8');
        try {
          JSON.parse(body);
        } catch (e) {
          // The message is jsoniter's in reality; ours is V8's (no paste of the empty-body case exists).
          send(res, 400, 'application/json', JSON.stringify({ code: 3, message: (e as Error).message }));
          return;
        }
        const refusal = await consume?.(signal, Buffer.from(body), true);
        if (refusal) { send(res, refusal.httpStatus, 'application/json', encodeStatusJson(refusal.grpcCode, refusal.message)); return; }
        send(res, 200, 'application/json', '{"partialSuccess":{}}');
      } else if (ct === 'application/x-protobuf') {
        const refusal = await consume?.(signal, Buffer.concat(chunks), false);
        if (refusal) { send(res, refusal.httpStatus, 'application/x-protobuf', encodeStatus(refusal.grpcCode, refusal.message)); return; }
        send(res, 200, 'application/x-protobuf', EMPTY_EXPORT_RESPONSE);
      } else {
        send(res, 415, 'text/plain', '415 unsupported media type, supported: [application/json, application/x-protobuf]');
      }
    });
  });
  server.on('clientError', goBadRequest);
  return (socket) => sniff(socket, (s) => {
    // Go's net/http reads the h2 preface as `PRI * HTTP/2.0`; ServeMux answers a `*` request 400 and
    // closes. A gRPC client then reads `HTT` as a frame length: 4740180 (ref §5.2).
    s.end(`HTTP/1.1 400 Bad Request\r\nConnection: close\r\nDate: ${new Date().toUTCString()}\r\nContent-Length: 0\r\n\r\n`);
  }, (s, first) => { s.unshift(first); server.emit('connection', s); s.resume(); });
}

/** Go's net/http tlsRecordHeaderLooksLikeHTTP (server.go): the first five bytes it answers instead of closing. */
const LOOKS_LIKE_HTTP = ['GET /', 'HEAD ', 'POST ', 'PUT /', 'OPTIO'];

/**
 * A receiver with `tls`: configtls loads the key pair, confighttp wraps the listener in tls.NewListener,
 * configgrpc hands grpc-go TLS credentials. What a client that does not start TLS meets is crypto/tls's
 * first-record check (conn.go readRecordOrCCS): a first record that is no handshake is "first record does
 * not look like a TLS handshake", closed without an alert; net/http (conn.serve) first writes
 * `HTTP/1.0 400 Bad Request ... Client sent an HTTP request to an HTTPS server.` when the five bytes look
 * like a request. A ClientHello goes on to a real handshake (node:tls), and the decrypted stream to the
 * same server as plaintext would.
 */
export function tlsServer(inner: (s: net.Socket) => void, creds: { cert: Buffer; key: Buffer }, kind: 'http' | 'grpc'): (s: net.Socket) => void {
  return (socket) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 5) { return; }
      socket.off('data', onData);
      socket.pause();
      const hdr = buf.subarray(0, 5);
      const handshake = hdr[0] === 0x16 && hdr.readUInt16BE(1) < 0x1000;
      if (!handshake) {
        if (kind === 'http' && LOOKS_LIKE_HTTP.includes(hdr.toString('latin1'))) {
          socket.end('HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n');
        } else {
          socket.destroy();
        }
        return;
      }
      // node:tls reads a net.Socket's handle directly and would miss the bytes already read: it gets a
      // stream that starts with them instead.
      const peeked = buf;
      const stream = new Duplex({
        read() { socket.resume(); },
        write(chunk: Buffer, _enc, cb) { socket.write(chunk, cb); },
        final(cb) { socket.end(); cb(); },
        destroy(err, cb) { socket.destroy(); cb(err); },
      });
      stream.push(peeked);
      socket.on('data', (d: Buffer) => { if (!stream.push(d)) { socket.pause(); } });
      socket.on('end', () => stream.push(null));
      socket.on('close', () => stream.destroy());
      const t = new tls.TLSSocket(stream as unknown as net.Socket, { isServer: true, cert: creds.cert, key: creds.key, ALPNProtocols: kind === 'grpc' ? ['h2'] : ['h2', 'http/1.1'] });
      t.on('error', () => t.destroy());
      inner(t as unknown as net.Socket);
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
  };
}

export function plainHttp(handler: http.RequestListener): (s: net.Socket) => void {
  const server = http.createServer(handler);
  server.on('clientError', goBadRequest);
  return (s) => { server.emit('connection', s); };
}
