// What each SDK prints for a failed export (Go, Python, Java and its agent, Node; .NET is silent), in
// the exact formats of the reference ("ref": /work/shared/reference/sdk-export-errors.md), and which
// failures an SDK retries.
import * as net from 'node:net';
import { goLogTime, goQuote } from './logformat.ts';
import type { ExportTarget, Sdk } from './app-sdk.ts';
import { nameserver, type FailKind, type Failure } from './app-export.ts';

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
    // 429/502/503/504 are retried as a retryableError (`retry-able request failure`, ref §1) until the
    // export times out; any other status is final at once.
    case 'status': return [429, 502, 503, 504].includes(f.status ?? 0) ? line(`${retry.replace(/: $/, '')}`) : line(`failed to send to ${url}: ${f.status} ${f.statusText ?? ''}`.trimEnd());
    default: return line(`${post}: ${f.err?.message ?? 'unknown error'}`);
  }
}

const pyRepr = (b: Buffer): string => {
  let s = "'";
  for (const c of b) { s += c === 0x27 ? "\\'" : c === 0x5c ? '\\\\' : c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '\\x' + c.toString(16).padStart(2, '0'); }
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
    if (code === 'UNAVAILABLE') { out.push(`Transient error StatusCode.UNAVAILABLE encountered while exporting traces to ${target}, retrying in 1s.`); }
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
    // _is_retryable (408 and 5xx in the `span batch` releases, [P] langfuse/langfuse#7741's `Transient error
    // Internal Server Error`): retried with the status reason until the deadline; others fail at once.
    case 'status':
      if (f.status === 408 || ((f.status ?? 0) >= 500 && (f.status ?? 0) <= 599)) {
        return [`Transient error ${f.statusText ?? ''} encountered while exporting span batch, retrying in 1.00s.`, 'Failed to export span batch due to timeout, max retries or shutdown.'];
      }
      return [`Failed to export span batch code: ${f.status}, reason: ${f.body ?? ''}`];
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
      if (k in out || k === 'constructor') { continue; }
      const v = (e as Record<string, unknown>)[k];
      if (typeof v === 'function') { continue; }
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
  if (f.kind === 'timeout') { return [nodeError('OTLPExporterError', 'Request Timeout', ['ClientRequest.<anonymous> (/app/node_modules/@opentelemetry/otlp-exporter-base/build/src/transport/http-transport-utils.js:52:29)'])]; }
  if (f.kind === 'status') { return [nodeError('OTLPExporterError', f.statusText ?? 'Error', ['IncomingMessage.<anonymous> (/app/node_modules/@opentelemetry/otlp-exporter-base/build/src/transport/http-transport-utils.js:39:31)'], { data: f.body ?? '', code: String(f.status) })]; }
  // Everything else is Node's own error from this very request, as the real exporter would see it.
  if (f.err) { return [nodeFlatten(f.err as unknown as Error & Record<string, unknown>)]; }
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
export function retryable(sdk: Sdk, t: ExportTarget, f: Failure): boolean {
  if (f.kind === 'status') { return t.protocol === 'grpc' ? [1, 4, 8, 10, 11, 14, 15].includes(f.grpcStatus ?? 0) : [429, 502, 503, 504].includes(f.status ?? 0); }
  if (sdk === 'go' && t.protocol !== 'grpc') { return f.kind === 'timeout' || f.kind === 'dns-fail'; }
  return !['dns-nx', 'http-to-grpc'].includes(f.kind) || t.protocol === 'grpc';
}
