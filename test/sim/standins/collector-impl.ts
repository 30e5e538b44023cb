// Stand-in for the OpenTelemetry Collector (otelcol, otelcol-contrib, otelcol-k8s). It reads the same
// arguments and config, binds the same sockets and prints what the real binary prints for the version
// in the image tag. Facts and line formats: /work/shared/reference/collector-logs.md ("ref §x" below).
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as http from 'node:http';
import { lookup } from 'node:dns/promises';
import { availableParallelism } from 'node:os';
import { randomUUID } from 'node:crypto';
import { zapLogger, goLogTime, goDuration, goRfc3339Nano, nowNs, parseVersion, minorOf, NEWEST, type Version, type Fields, type ZapLogger } from './logformat.ts';
import { EMPTY_EXPORT_RESPONSE, GRPC_GO_SETTINGS_FRAME, GRPC_PATHS, H2_PREFACE, SIGNALS, grpcFrame, type Signal } from './otlp.ts';
import { isKnownType, KNOWN, CLIENT_ENDPOINT_RECEIVERS, UDP_PROTOCOLS } from './components.ts';

type Conf = Record<string, unknown>;
const isMap = (v: unknown): v is Conf => typeof v === 'object' && v !== null && !Array.isArray(v);

class CollectorError extends Error {}

// ---------- version, binary name ----------

export function versionFromImage(image: string | undefined): { version: Version; guessed: boolean } {
  if (!image || image.includes('@')) return { version: NEWEST, guessed: true };
  const last = image.slice(image.lastIndexOf('/') + 1);
  const colon = last.lastIndexOf(':');
  const tag = colon >= 0 ? last.slice(colon + 1) : '';
  const v = parseVersion(tag);
  return v ? { version: v, guessed: false } : { version: NEWEST, guessed: true };
}

function binaryName(argv0: string | undefined, image: string): string {
  if (argv0 && !argv0.startsWith('-')) {
    const base = argv0.slice(argv0.lastIndexOf('/') + 1);
    if (/^otel/.test(base)) return base;
  }
  if (/contrib/.test(image)) return 'otelcol-contrib';
  if (/collector-k8s|otelcol-k8s/.test(image)) return 'otelcol-k8s';
  if (/collector-otlp|otelcol-otlp/.test(image)) return 'otelcol-otlp';
  return 'otelcol';
}

// ---------- argument parsing ----------

export interface Args { configs: string[]; sets: string[] }

export function parseArgs(argv: string[]): Args {
  const configs: string[] = [];
  const sets: string[] = [];
  let i = 0;
  // The container's command element (`/otelcol-contrib`, `otelcol-k8s`) and a `validate`-less run.
  if (argv[0] !== undefined && !argv[0].startsWith('-')) i = 1;
  for (; i < argv.length; i++) {
    const a = argv[i];
    const take = (name: string): string | undefined => {
      if (a === `--${name}` || a === `-${name}`) return argv[++i];
      if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
      if (a.startsWith(`-${name}=`)) return a.slice(name.length + 2);
      return undefined;
    };
    const c = take('config');
    if (c !== undefined) { configs.push(c); continue; }
    const s = take('set');
    if (s !== undefined) { sets.push(s); continue; }
  }
  return { configs, sets };
}

// ---------- config retrieval, merge, expansion ----------

type YamlMod = typeof import('yaml');
let yamlMod: YamlMod | undefined;
async function yaml(): Promise<YamlMod> {
  yamlMod ??= await import('yaml');
  return yamlMod;
}

function underRoot(p: string): string {
  const root = process.env.SIM_ROOT ?? '';
  return root + (p.startsWith('/') ? p : '/' + p);
}

/** Keys written with the confmap delimiter (`a::b::c: v`) become nested maps, as the yaml: provider does. */
function explodeKeys(v: unknown): unknown {
  if (!isMap(v)) return v;
  const out: Conf = {};
  for (const [k, val] of Object.entries(v)) {
    const parts = k.split('::');
    let cur = out;
    for (const p of parts.slice(0, -1)) {
      if (!isMap(cur[p])) cur[p] = {};
      cur = cur[p] as Conf;
    }
    const leaf = parts[parts.length - 1];
    const ev = explodeKeys(val);
    cur[leaf] = isMap(cur[leaf]) && isMap(ev) ? merge(cur[leaf] as Conf, ev) : ev;
  }
  return out;
}

export function merge(a: Conf, b: Conf): Conf {
  const out: Conf = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isMap(out[k]) && isMap(v) ? merge(out[k] as Conf, v) : v;
  return out;
}

async function parseYaml(text: string, where: string): Promise<Conf> {
  const Y = await yaml();
  let doc: unknown;
  try {
    doc = Y.parse(text, { uniqueKeys: false, version: '1.1' });
  } catch (e) {
    // go-yaml says `yaml: line N: <what>`; the wrapping is confmap's. No paste of a YAML syntax error
    // was found (ref has none): keep go-yaml's shape with the JS parser's own wording.
    const err = e as { linePos?: { line: number }[]; message: string };
    const line = err.linePos?.[0]?.line ?? 1;
    const what = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new CollectorError(`failed to get config: cannot resolve the configuration: cannot retrieve the configuration: unable to read the file ${where}: yaml: line ${line}: ${what}`);
  }
  if (doc === null || doc === undefined) return {};
  if (!isMap(doc)) throw new CollectorError(`failed to get config: cannot resolve the configuration: retrieved value (type=${typeof doc === 'string' ? 'string' : typeof doc}) cannot be used as a Conf`);
  return doc;
}

async function retrieve(uri: string): Promise<Conf> {
  if (uri.startsWith('env:')) return (await parseYaml(process.env[uri.slice(4)] ?? '', uri)) ?? {};
  if (uri.startsWith('yaml:')) return explodeKeys(await parseYaml(uri.slice(5), uri)) as Conf;
  const path = uri.startsWith('file:') ? uri.slice(5) : uri;
  let text: string;
  try {
    text = readFileSync(underRoot(path), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : String(code).toLowerCase();
    // fileprovider wraps os.ReadFile's *PathError with the full URI (`file:` + path); from source, not in ref.
    throw new CollectorError(`failed to get config: cannot resolve the configuration: cannot retrieve the configuration: unable to read the file file:${path}: open ${path}: ${why}`);
  }
  return parseYaml(text, `file:${path}`);
}

interface EnvNote { name: string; empty: boolean }

/** confmap's expansion of `${env:VAR}`, `${VAR}`, `${env:VAR:-default}` and the `$$` escape, in string values. */
export function expandString(s: string, notes: EnvNote[], env: NodeJS.ProcessEnv = process.env): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '$') { out += c; continue; }
    if (s[i + 1] === '$') { out += '$'; i++; continue; }
    if (s[i + 1] === '{') {
      const end = s.indexOf('}', i + 2);
      if (end > 0) {
        const inner = s.slice(i + 2, end);
        const m = /^(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(inner);
        if (m && (inner.startsWith('env:') || !inner.includes(':'))) {
          const val = env[m[1]];
          if (val === undefined || (val === '' && m[2] !== undefined)) {
            if (m[2] !== undefined) out += m[2];
            else notes.push({ name: m[1], empty: false });
          } else {
            if (val === '') notes.push({ name: m[1], empty: true });
            out += val;
          }
          i = end;
          continue;
        }
      }
    }
    out += c;
  }
  return out;
}

function expandAll(v: unknown, notes: EnvNote[]): unknown {
  if (typeof v === 'string') return expandString(v, notes);
  if (Array.isArray(v)) return v.map((x) => expandAll(x, notes));
  if (isMap(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expandAll(x, notes)]));
  return v;
}

export async function loadConfig(args: Args): Promise<{ conf: Conf; notes: EnvNote[] }> {
  if (args.configs.length === 0) throw new CollectorError('at least one config flag must be provided');
  let conf: Conf = {};
  for (const uri of args.configs) conf = merge(conf, await retrieve(uri));
  for (const s of args.sets) {
    const eq = s.indexOf('=');
    if (eq < 0) throw new CollectorError(`missing equal sign for set value "${s}"`);
    const Y = await yaml();
    const value: unknown = Y.parse(s.slice(eq + 1) || '""');
    conf = merge(conf, explodeKeys({ [s.slice(0, eq)]: value }) as Conf);
  }
  const notes: EnvNote[] = [];
  conf = expandAll(conf, notes) as Conf;
  return { conf, notes };
}

// ---------- validation (unmarshal, then Validate) ----------

const typeOf = (id: string): string => id.split('/')[0];

function unmarshalError(v: Version, section: string, msg: string): CollectorError {
  // mapstructure v1 (<= 0.107) vs go-viper/mapstructure v2 (>= 0.108), ref §3.4.
  if (minorOf(v) >= 108) return new CollectorError(`failed to get config: cannot unmarshal the configuration: decoding failed due to the following error(s):\n\n'${section}' ${msg}`);
  return new CollectorError(`failed to get config: cannot unmarshal the configuration: 1 error(s) decoding:\n\n* error decoding '${section}': ${msg}`);
}

export function validate(conf: Conf, v: Version): void {
  for (const kind of ['receivers', 'processors', 'exporters', 'connectors', 'extensions']) {
    const sec = conf[kind];
    if (sec === undefined || sec === null) continue;
    if (!isMap(sec)) throw unmarshalError(v, kind, `expected a map, got '${Array.isArray(sec) ? 'slice' : typeof sec}'`);
    for (const id of Object.keys(sec)) {
      if (!isKnownType(kind, typeOf(id))) {
        const valid = [...KNOWN[kind]].sort().join(' ');
        throw unmarshalError(v, kind, `unknown type: "${typeOf(id)}" for id: "${id}" (valid values: [${valid}])`);
      }
    }
  }
  const service = isMap(conf.service) ? conf.service : {};
  const has = (kind: string, id: string): boolean => isMap(conf[kind]) && Object.prototype.hasOwnProperty.call(conf[kind], id);
  const pipelines = isMap(service.pipelines) ? service.pipelines : {};
  // Component Validate() runs before the service's (config.go: components first).
  for (const id of Object.keys(isMap(conf.receivers) ? conf.receivers : {})) {
    if (typeOf(id) !== 'otlp') continue;
    const rc = (conf.receivers as Conf)[id];
    const protocols = isMap(rc) && isMap(rc.protocols) ? rc.protocols : {};
    if (!('grpc' in protocols) && !('http' in protocols)) throw new CollectorError(`invalid configuration: receivers::${id}: must specify at least one protocol when using the OTLP receiver`);
  }
  if (Object.keys(pipelines).length === 0) throw new CollectorError('invalid configuration: service must have at least one pipeline');
  const exts = Array.isArray(service.extensions) ? service.extensions : [];
  for (const e of exts) if (!has('extensions', String(e))) throw new CollectorError(`invalid configuration: service::extensions: references extension "${e}" which is not configured`);
  for (const [pid, p] of Object.entries(pipelines)) {
    const pc = isMap(p) ? p : {};
    const list = (k: string): string[] => (Array.isArray(pc[k]) ? (pc[k] as unknown[]).map(String) : []);
    if (list('receivers').length === 0) throw new CollectorError(`invalid configuration: service::pipelines::${pid}: must have at least one receiver`);
    for (const r of list('receivers')) if (!has('receivers', r) && !has('connectors', r)) throw new CollectorError(`invalid configuration: service::pipelines::${pid}: references receiver "${r}" which is not configured`);
    for (const r of list('processors')) if (!has('processors', r)) throw new CollectorError(`invalid configuration: service::pipelines::${pid}: references processor "${r}" which is not configured`);
    if (list('exporters').length === 0) throw new CollectorError(`invalid configuration: service::pipelines::${pid}: must have at least one exporter`);
    for (const r of list('exporters')) if (!has('exporters', r) && !has('connectors', r)) throw new CollectorError(`invalid configuration: service::pipelines::${pid}: references exporter "${r}" which is not configured`);
  }
}

// ---------- listening like Go's net.Listen ----------

interface Bound { server: net.Server | import('node:dgram').Socket; shown: string }

function splitHostPort(ep: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(ep.trim());
  if (!m) return undefined;
  return { host: m[1] ?? m[2] ?? '', port: Number(m[3]) };
}

const ERRNO_TEXT: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'cannot assign requested address',
  EACCES: 'permission denied',
};

function resolvConfNameserver(): string {
  try {
    const m = /^nameserver\s+(\S+)/m.exec(readFileSync('/etc/resolv.conf', 'utf8'));
    if (m) return m[1].includes(':') ? `[${m[1]}]:53` : `${m[1]}:53`;
  } catch { /* no resolv.conf: Go falls back to localhost */ }
  return '127.0.0.1:53';
}

/** Resolves the host the way Go's Listen does; returns the IP to bind and how Go prints the address in errors. */
async function resolveListen(host: string, port: number, proto: 'tcp' | 'udp'): Promise<{ bindIp: string; wildcard: boolean; errAddr: string }> {
  if (host === '' ) return { bindIp: '::', wildcard: true, errAddr: `:${port}` };
  if (host === '0.0.0.0') return { bindIp: '::', wildcard: true, errAddr: `0.0.0.0:${port}` };
  if (host === '::') return { bindIp: '::', wildcard: true, errAddr: `[::]:${port}` };
  if (net.isIP(host)) return { bindIp: host, wildcard: false, errAddr: net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}` };
  // Go resolves names and listens on the first IPv4 address (localhost -> 127.0.0.1, from /etc/hosts).
  if (host === 'localhost') return { bindIp: '127.0.0.1', wildcard: false, errAddr: `127.0.0.1:${port}` };
  try {
    const r = await lookup(host, { family: 4 });
    return { bindIp: r.address, wildcard: false, errAddr: `${r.address}:${port}` };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOTFOUND' ? 'no such host' : 'server misbehaving';
    throw new CollectorError(`listen ${proto}: lookup ${host} on ${resolvConfNameserver()}: ${why}`);
  }
}

function shownAddr(bindIp: string, port: number, wildcardFamily: 'v6' | 'v4' | null): string {
  if (wildcardFamily === 'v6') return `[::]:${port}`;
  if (wildcardFamily === 'v4') return `0.0.0.0:${port}`;
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

export async function listenTcp(endpoint: string, onConn: (s: net.Socket) => void): Promise<Bound> {
  const hp = splitHostPort(endpoint);
  if (!hp) throw new CollectorError(`listen tcp: address ${endpoint}: missing port in address`);
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
    if (e instanceof CollectorError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? 'EINVAL';
    throw new CollectorError(`listen tcp ${r.errAddr}: bind: ${ERRNO_TEXT[code] ?? code.toLowerCase()}`);
  }
}

async function listenUdp(endpoint: string): Promise<Bound> {
  const hp = splitHostPort(endpoint);
  if (!hp) throw new CollectorError(`listen udp: address ${endpoint}: missing port in address`);
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
      if (!r.wildcard) throw e;
      return { server: await bindWith('udp4', '0.0.0.0'), shown: shownAddr('0.0.0.0', hp.port, 'v4') };
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EINVAL';
    throw new CollectorError(`listen udp ${r.errAddr}: bind: ${ERRNO_TEXT[code] ?? code.toLowerCase()}`);
  }
}

// ---------- protocol servers ----------

/** Go's net/http sets Content-Length on small bodies where Node would send chunks. */
function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'Content-Type': type, ...extra, 'Content-Length': String(b.length) });
  res.end(b);
}

function goNotFound(res: http.ServerResponse): void {
  send(res, 404, 'text/plain; charset=utf-8', '404 page not found\n', { 'X-Content-Type-Options': 'nosniff' });
}

/**
 * Go's net/http answers bytes it cannot parse as a request (a TLS ClientHello, say) with this and
 * closes; a Go TLS client then reports `http: server gave HTTP response to HTTPS client`.
 */
function goBadRequest(_e: Error, sock: net.Socket): void {
  if (sock.writable) sock.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request');
  else sock.destroy();
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
    if (isPrefix && buf.length < H2_PREFACE.length) return;
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.pause();
    if (isPrefix) { socket.unshift(buf); h2(socket); } else other(socket, buf);
  };
  const onEnd = (): void => { socket.destroy(); };
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('error', () => socket.destroy());
}

type H2 = typeof import('node:http2');
let h2mod: H2 | undefined;

async function grpcServer(signals: Set<Signal>): Promise<(s: net.Socket) => void> {
  h2mod ??= await import('node:http2');
  const h2server = h2mod.createServer();
  h2server.on('sessionError', () => {});
  h2server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    const path = String(headers[':path'] ?? '');
    const sig = SIGNALS.find((s) => GRPC_PATHS[s] === path);
    stream.resume();
    stream.on('end', () => {
      if (sig && signals.has(sig)) {
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

function otlpHttpServer(paths: Map<string, Signal>): (s: net.Socket) => void {
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
    req.on('end', () => {
      if (ct === 'application/json') {
        const body = Buffer.concat(chunks).toString('utf8');
        try {
          JSON.parse(body);
        } catch (e) {
          // The message is jsoniter's in reality; ours is V8's (no paste of the empty-body case exists).
          send(res, 400, 'application/json', JSON.stringify({ code: 3, message: (e as Error).message }));
          return;
        }
        send(res, 200, 'application/json', '{"partialSuccess":{}}');
      } else if (ct === 'application/x-protobuf') {
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

function plainHttp(handler: http.RequestListener): (s: net.Socket) => void {
  const server = http.createServer(handler);
  server.on('clientError', goBadRequest);
  return (s) => { server.emit('connection', s); };
}

// ---------- the collector ----------

interface Ctx {
  v: Version;
  log: ZapLogger;
  level: number;
  bound: Bound[];
  healthReady: boolean;
  upSinceNs: bigint;
}

const LEVELS: Record<string, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Caller line numbers differ per release; we use those of the nearest pasted version at or below ours. */
function line(v: Version, table: [number, number][]): number {
  const m = minorOf(v);
  let best = table[0][1];
  for (const [min, n] of table) if (m >= min) best = n;
  return best;
}

export async function run(): Promise<number> {
  const argv = process.argv.slice(2);
  const image = process.env.SIM_IMAGE ?? '';
  // `latest`, no tag or a digest: we play the newest modelled version and print it as the Version field.
  const { version: v } = versionFromImage(image);
  const m = minorOf(v);
  const binary = binaryName(argv[0], image);
  const stderr = (s: string): void => { process.stderr.write(s); };
  const fatal = (msg: string): number => {
    stderr(`Error: ${msg}\n`);
    // The builder's main.go log.Fatalf line exists up to 0.143 (ref §3.2).
    if (m <= 143) stderr(`${goLogTime()} collector server run finished with error: ${msg}\n`);
    return 1;
  };
  const sv = `service@v${v.text}`;

  let conf: Conf;
  let notes: EnvNote[];
  try {
    ({ conf, notes } = await loadConfig(parseArgs(argv)));
    validate(conf, v);
  } catch (e) {
    if (e instanceof CollectorError) return fatal(e.message);
    throw e;
  }

  const service = isMap(conf.service) ? conf.service : {};
  const telemetry = isMap(service.telemetry) ? service.telemetry : {};
  const logsConf = isMap(telemetry.logs) ? telemetry.logs : {};
  const resourceConf = isMap(telemetry.resource) ? telemetry.resource : {};
  const instanceId = randomUUID();
  const resource = (): Fields => {
    if (m < 126) return {};
    const r: Record<string, unknown> = {};
    if (m >= 128) Object.assign(r, { 'service.instance.id': instanceId, 'service.name': binary, 'service.version': v.text });
    for (const [k, val] of Object.entries(resourceConf)) {
      if (val === null) delete r[k];
      else r[k] = String(val);
    }
    return { resource: Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
  };
  const levelName = String(logsConf.level ?? 'info').toLowerCase();
  const raw = zapLogger(stderr, { json: String(logsConf.encoding ?? 'console') === 'json', version: v, base: resource });
  const ctx: Ctx = { v, log: raw, level: LEVELS[levelName] ?? 1, bound: [], healthReady: false, upSinceNs: 0n };
  const log: ZapLogger = {
    info: (c, msg, f) => { if (ctx.level <= 1) raw.info(c, msg, f); },
    warn: (c, msg, f) => { if (ctx.level <= 2) raw.warn(c, msg, f); },
    error: (c, msg, f) => raw.error(c, msg, f),
  };

  // Component identity fields per era (ref §1.2).
  const compFields = (kind: 'receiver' | 'extension' | 'exporter', id: string, signal?: string): Fields => {
    if (m >= 123 && m <= 124) return {};
    if (m >= 120) return { 'otelcol.component.id': id, 'otelcol.component.kind': m >= 125 ? kind : kind[0].toUpperCase() + kind.slice(1) };
    if (kind === 'extension') return { kind, name: id };
    if (m < 70) return { kind, name: id, pipeline: signal ?? 'traces' };
    return { kind, name: id, data_type: signal ?? 'traces' };
  };

  // 1. Buffered env-provider notes (from ~0.102, ref §3.5). envprovider is a stable v1 module from 0.110
  // on; its version tracks the collector minor minus 94 (0.117.0 ships envprovider@v1.23.0).
  if (m >= 102) {
    const envCaller = `envprovider@${m >= 110 ? `v1.${m - 94}.0` : `v${v.text}`}/provider.go:59`;
    for (const n of notes) {
      if (n.empty) log.info(envCaller, 'Configuration references empty environment variable', { name: n.name });
      else log.warn(envCaller, 'Configuration references unset environment variable', { name: n.name });
    }
  }
  if (m <= 133) log.info(`${sv}/service.go:${line(v, [[0, 115], [123, 197]])}`, 'Setting up own telemetry...');

  // Own metrics endpoint (Prometheus pull). Default `:8888` until 0.110, `localhost:8888` after
  // (metrics address default moved to localhost in 0.111; from the CHANGELOG as we recall it).
  const metricsConf = isMap(telemetry.metrics) ? telemetry.metrics : {};
  let metricsEndpoint: string | undefined = m >= 111 ? 'localhost:8888' : ':8888';
  if (typeof metricsConf.address === 'string') metricsEndpoint = metricsConf.address;
  if (Array.isArray(metricsConf.readers)) {
    metricsEndpoint = undefined;
    for (const r of metricsConf.readers) {
      const prom = isMap(r) && isMap(r.pull) && isMap(r.pull.exporter) && isMap(r.pull.exporter.prometheus) ? r.pull.exporter.prometheus : undefined;
      if (prom) metricsEndpoint = `${prom.host ?? 'localhost'}:${prom.port ?? 8888}`;
    }
  }
  if (String(metricsConf.level ?? '').toLowerCase() === 'none') metricsEndpoint = undefined;
  if (m <= 118 && metricsEndpoint) log.info(`${sv}/telemetry.go:96`, 'Serving metrics', { address: metricsEndpoint, level: metricsConf.level ? String(metricsConf.level)[0].toUpperCase() + String(metricsConf.level).slice(1) : 'Normal' });
  if (metricsEndpoint) {
    try {
      ctx.bound.push(await listenTcp(metricsEndpoint, plainHttp((req, res) => {
        if ((req.url ?? '').split('?')[0] !== '/metrics') { goNotFound(res); return; }
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(`# HELP otelcol_process_uptime Uptime of the process\n# TYPE otelcol_process_uptime counter\notelcol_process_uptime{service_instance_id="${instanceId}",service_name="${binary}",service_version="${v.text}"} ${process.uptime()}\n`);
      })));
    } catch {
      // Self-telemetry port clashes are not what this simulator studies; the pipelines still start.
    }
  }

  log.info(`${sv}/service.go:${line(v, [[0, 193], [107, 195], [117, 230], [123, 264], [127, 266], [138, 222]])}`, `Starting ${binary}...`, { Version: v.text, NumCPU: availableParallelism() });

  const defaultHost = m >= 104 ? 'localhost' : '0.0.0.0';
  const dosWarning = (kindFields: Fields, endpoint: string): void => {
    const host = splitHostPort(endpoint)?.host;
    if (host !== '0.0.0.0' && host !== '::') return;
    const doc = 'https://github.com/open-telemetry/opentelemetry-collector/blob/main/docs/security-best-practices.md#safeguards-against-denial-of-service-attacks';
    const base = 'Using the 0.0.0.0 address exposes this server to every network interface, which may facilitate Denial of Service attacks';
    if (m >= 64 && m <= 93) log.warn('internal/warning.go:51', base, { ...kindFields, documentation: doc });
    else if (m >= 94 && m <= 103) log.warn(`internal@v${v.text}/warning.go:42`, `${base}. Enable the feature gate to change the default and remove this warning.`, { ...kindFields, documentation: doc, 'feature gate ID': 'component.UseLocalHostAsDefaultHost' });
    else if (m >= 110 && m <= 116) log.warn(`internal@v${v.text}/warning.go:40`, `${base}.`, { ...kindFields, documentation: doc });
  };

  const extCaller = (n: number): string => `extensions/extensions.go:${n}`;
  const healthCaller = `healthcheck/handler.go:${m >= 160 ? 131 : 132}`;
  const extensions = (Array.isArray(service.extensions) ? service.extensions : []).map(String);
  const extConfs = isMap(conf.extensions) ? conf.extensions : {};
  const healthIds: string[] = [];

  const shutdown = (): void => {
    for (const id of healthIds) log.info(healthCaller, 'Health Check state change', { ...compFields('extension', id), status: 'unavailable' });
    ctx.healthReady = false;
    log.info(extCaller(line(v, [[0, 50], [107, 63]])), 'Stopping extensions...');
    log.info(`${sv}/service.go:${line(v, [[0, 192], [107, 272]])}`, 'Shutdown complete.');
    for (const b of ctx.bound) b.server.close();
  };
  const startFailure = (kind: 'receiver' | 'extension', id: string, err: string): number => {
    const kindCap = kind[0].toUpperCase() + kind.slice(1);
    // The `Failed to start component` error line exists from 0.106 (ref §3.1, from source; line number unseen).
    if (m >= 106) log.error('graph/graph.go:426', 'Failed to start component', { error: err, type: kindCap, id });
    log.info(`${sv}/service.go:${line(v, [[0, 178], [107, 258]])}`, 'Starting shutdown...');
    shutdown();
    if (kind === 'extension') return fatal(`failed to start extensions: ${err}`);
    return fatal(m >= 122 ? `cannot start pipelines: failed to start "${id}" receiver: ${err}` : `cannot start pipelines: ${err}`);
  };

  log.info(extCaller(line(v, [[0, 34], [117, 39], [123, 41]])), 'Starting extensions...');
  for (const id of extensions) {
    const type = typeOf(id).replace(/_/g, '');
    const ec = isMap(extConfs[id]) ? (extConfs[id] as Conf) : {};
    const f = compFields('extension', id);
    // Line 59 (`Extension started.`) is from the 0.117.0 paste; 56 for this one is an estimate (not seen in a paste).
    log.info(extCaller(line(v, [[0, 56]])), 'Extension is starting...', f);
    let endpoint: string | undefined;
    let handler: ((s: net.Socket) => void) | undefined;
    if (type === 'healthcheck') {
      endpoint = typeof ec.endpoint === 'string' ? ec.endpoint : `${defaultHost}:13133`;
      const path = typeof ec.path === 'string' ? ec.path : '/';
      healthIds.push(id);
      handler = plainHttp((req, res) => {
        if ((req.url ?? '/').split('?')[0] !== path) { goNotFound(res); return; }
        // ref §4: 200 when ready, 503 with the zero time before and after.
        const body = ctx.healthReady
          ? { status: 'Server available', upSince: goRfc3339Nano(ctx.upSinceNs), uptime: goDuration(nowNs() - ctx.upSinceNs) }
          : { status: 'Server not available', upSince: '0001-01-01T00:00:00Z', uptime: '' };
        send(res, ctx.healthReady ? 200 : 503, 'application/json', JSON.stringify(body));
      });
    } else if (type === 'pprof' || type === 'zpages') {
      endpoint = typeof ec.endpoint === 'string' ? ec.endpoint : `${type === 'pprof' ? 'localhost' : defaultHost}:${type === 'pprof' ? 1777 : 55679}`;
      handler = plainHttp((_req, res) => goNotFound(res));
    } else if (typeof ec.endpoint === 'string' && splitHostPort(ec.endpoint)) {
      endpoint = ec.endpoint;
      handler = plainHttp((_req, res) => goNotFound(res));
    }
    if (endpoint && handler) {
      dosWarning(f, endpoint);
      try {
        ctx.bound.push(await listenTcp(endpoint, handler));
      } catch (e) {
        if (e instanceof CollectorError) return startFailure('extension', id, e.message);
        throw e;
      }
    }
    log.info(extCaller(line(v, [[0, 59]])), 'Extension started.', f);
  }

  // Receivers in the order their pipelines name them; a receiver shared by pipelines starts once.
  const pipelines = isMap(service.pipelines) ? service.pipelines : {};
  const recvSignals = new Map<string, Set<Signal>>();
  const firstSignal = new Map<string, string>();
  for (const [pid, p] of Object.entries(pipelines)) {
    const sig = typeOf(pid);
    const pc = isMap(p) ? p : {};
    for (const r of Array.isArray(pc.receivers) ? pc.receivers.map(String) : []) {
      if (isMap(conf.connectors) && r in conf.connectors) continue;
      if (!recvSignals.has(r)) { recvSignals.set(r, new Set()); firstSignal.set(r, sig); }
      if ((SIGNALS as readonly string[]).includes(sig)) recvSignals.get(r)!.add(sig as Signal);
    }
  }
  const recvConfs = isMap(conf.receivers) ? conf.receivers : {};
  for (const [id, signals] of recvSignals) {
    const rc = isMap(recvConfs[id]) ? (recvConfs[id] as Conf) : {};
    const type = typeOf(id).replace(/_/g, '');
    const f = compFields('receiver', id, firstSignal.get(id));
    try {
      if (type === 'otlp') {
        const protocols = isMap(rc.protocols) ? rc.protocols : {};
        const grpcSrv = async (endpoint: string, what: 'GRPC' | 'HTTP', handler: (s: net.Socket) => void): Promise<void> => {
          const caller = `otlpreceiver@v${v.text}/otlp.go:${what === 'GRPC' ? line(v, [[0, 71], [73, 102], [123, 116], [138, 121], [146, 120]]) : line(v, [[0, 89], [73, 152], [108, 153], [123, 173], [138, 179], [146, 175]])}`;
          dosWarning(f, endpoint);
          // Before 0.133 the line precedes net.Listen and shows the configured endpoint; from 0.133 on it
          // follows a successful listen and shows the bound address (ref §1.2, §3.1 note a).
          if (m < 62) log.info(caller, `Starting ${what} server on endpoint ${endpoint}`, f);
          else if (m < 133) log.info(caller, `Starting ${what} server`, { ...f, endpoint });
          const b = await listenTcp(endpoint, handler);
          ctx.bound.push(b);
          if (m >= 133) log.info(caller, `Starting ${what} server`, { ...f, endpoint: b.shown });
        };
        if ('grpc' in protocols) {
          const g = isMap(protocols.grpc) ? protocols.grpc : {};
          await grpcSrv(typeof g.endpoint === 'string' ? g.endpoint : `${defaultHost}:4317`, 'GRPC', await grpcServer(signals));
        }
        if ('http' in protocols) {
          const h = isMap(protocols.http) ? protocols.http : {};
          const paths = new Map<string, Signal>();
          for (const s of signals) {
            const custom = h[`${s}_url_path`];
            paths.set(typeof custom === 'string' ? (custom.startsWith('/') ? custom : '/' + custom) : `/v1/${s}`, s);
          }
          await grpcSrv(typeof h.endpoint === 'string' ? h.endpoint : `${defaultHost}:4318`, 'HTTP', otlpHttpServer(paths));
        }
      } else if (!CLIENT_ENDPOINT_RECEIVERS.has(type)) {
        // Unmodelled receiver: it listens where its config says (top level, or jaeger-style protocols).
        const eps: [string, boolean][] = [];
        if (typeof rc.endpoint === 'string' && splitHostPort(rc.endpoint)) eps.push([rc.endpoint, false]);
        if (isMap(rc.protocols)) {
          for (const [pname, pc] of Object.entries(rc.protocols)) {
            if (isMap(pc) && typeof pc.endpoint === 'string' && splitHostPort(pc.endpoint)) eps.push([pc.endpoint, UDP_PROTOCOLS.has(pname)]);
          }
        }
        for (const [ep, udp] of eps) ctx.bound.push(udp ? await listenUdp(ep) : await listenTcp(ep, plainHttp((_q, res) => goNotFound(res))));
      }
    } catch (e) {
      if (e instanceof CollectorError) return startFailure('receiver', id, e.message);
      throw e;
    }
  }

  ctx.healthReady = true;
  ctx.upSinceNs = nowNs();
  for (const id of healthIds) log.info(healthCaller, 'Health Check state change', { ...compFields('extension', id), status: 'ready' });
  log.info(`${sv}/service.go:${line(v, [[0, 169], [104, 219], [107, 221], [108, 289], [117, 253], [123, 287], [127, 289], [138, 245]])}`, 'Everything is ready. Begin running and processing data.');
  // The localhost feature-gate lines come after the ready line (ref §2.2).
  if (m >= 94 && m <= 103) log.warn('localhostgate/featuregate.go:63', 'The default endpoints for all servers in components will change to use localhost instead of 0.0.0.0 in a future version. Use the feature gate to preview the new default.', { 'feature gate ID': 'component.UseLocalHostAsDefaultHost' });
  if (m >= 105 && m <= 109) log.info('localhostgate/featuregate.go:63', 'The default endpoints for all servers in components have changed to use localhost instead of 0.0.0.0. Disable the feature gate to temporarily revert to the previous default.', { 'feature gate ID': 'component.UseLocalHostAsDefaultHost' });

  return new Promise<number>((resolve) => {
    const onSignal = (name: string): void => {
      log.info(`otelcol@v${v.text}/collector.go:318`, 'Received signal from OS', { signal: name });
      log.info(`${sv}/service.go:${line(v, [[0, 178], [107, 258]])}`, 'Starting shutdown...');
      shutdown();
      resolve(0);
    };
    process.once('SIGTERM', () => onSignal('terminated'));
    process.once('SIGINT', () => onSignal('interrupt'));
  });
}

/** Entry point used by collector.ts: exit with run()'s code. */
export function main(): void {
  run().then((code) => {
    process.exitCode = code;
    // Servers may still hold sockets (keep-alive clients): the real process simply exits.
    setImmediate(() => process.exit(code));
  }, (e: unknown) => {
    process.stderr.write(`panic: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(2);
  });
}
