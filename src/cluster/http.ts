/**
 * One HTTP exchange with the API server over node:http(s): send, then read the body as text as it
 * streams. gzip is asked for and decoded, as kubectl asks (client-go leaves Go's transport compression on)
 * and as the API server answers lists and gets above its threshold (APIResponseCompression).
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Connection } from './connection.ts';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH';
  /** path and query, after the connection's server prefix */
  path: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  message: IncomingMessage;
}

export function send(conn: Connection, req: HttpRequest): Promise<HttpResponse> {
  return conn.setup('request').then((setup) => new Promise<HttpResponse>((resolve, reject) => {
    const url = new URL(conn.server + req.path);
    const mod = (url.protocol === 'https:' ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http')) as typeof import('node:https');
    const headers: Record<string, string | string[]> = { ...setup.headers, ...req.headers };
    if (conn.compression) { headers['Accept-Encoding'] = 'gzip'; }
    if (req.body !== undefined) { headers['Content-Length'] = String(Buffer.byteLength(req.body)); }
    const r = mod.request(url, { method: req.method, agent: setup.agent, headers, signal: req.signal, ...(setup.auth ? { auth: setup.auth } : {}) }, (message) => {
      resolve({ status: message.statusCode ?? 0, headers: message.headers, message });
    });
    r.on('error', reject);
    r.end(req.body);
  }));
}

export class BodyTooLarge extends Error {
  readonly max: number;
  constructor(max: number) {
    super(`body larger than ${max} bytes`);
    this.max = max;
  }
}

/**
 * The body as text, decoded as it streams (and cut, the connection dropped, as soon as it passes `max`
 * bytes). `onHead` sees what has arrived until it returns something other than undefined: a list's
 * metadata comes before its items. Decoding chunk by chunk keeps the text in V8's heap: a body decoded
 * whole past ~1 MB becomes an external string in malloc'd memory, and the pages of a 150,000-pod list
 * left up to V8's 64 MB external-memory allowance of such strings waiting for a GC, which fragmented the
 * C heap by ~90 MB. Resolves with the text and the bytes that crossed the wire.
 */
export function readText(res: HttpResponse, max = Number.POSITIVE_INFINITY, onHead?: (head: string) => unknown): Promise<{ text: string; wire: number }> {
  return new Promise((resolve, reject) => {
    const message = res.message;
    let wire = 0;
    message.on('data', (c: Buffer) => {
      wire += c.length;
    });
    let stream: NodeJS.ReadableStream = message;
    let gunzip: import('node:zlib').Gunzip | undefined;
    const encoding = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
    if (encoding === 'gzip') {
      const zlib = process.getBuiltinModule('node:zlib') as typeof import('node:zlib');
      const g = zlib.createGunzip();
      gunzip = g;
      message.on('error', (e) => g.destroy(e));
      stream = message.pipe(g);
    }
    const decoder = new TextDecoder();
    let text = '';
    let n = 0;
    let done = false;
    const fail = (e: Error): void => {
      if (done) { return; }
      // An empty body labelled gzip (no gzip header at all): Go's reader gives an empty body, not an error.
      if (gunzip && wire === 0 && message.complete && (e as { code?: string }).code === 'Z_BUF_ERROR') {
        done = true;
        resolve({ text: '', wire });
        return;
      }
      done = true;
      message.destroy();
      gunzip?.destroy();
      reject(e);
    };
    stream.on('data', (chunk: Buffer) => {
      if (done) { return; }
      n += chunk.length;
      if (n > max) { return fail(new BodyTooLarge(max)); }
      text += decoder.decode(chunk, { stream: true });
      if (onHead && res.status >= 200 && res.status < 300 && onHead(text) !== undefined) { onHead = undefined; }
    });
    stream.on('error', fail);
    // A connection cut mid-body: 'aborted' on the message, then 'close' without 'end'.
    message.on('close', () => {
      if (!message.complete) { fail(Object.assign(new Error('the connection closed before the whole answer arrived'), { code: 'ECONNRESET' })); }
    });
    stream.on('end', () => {
      if (done) { return; }
      done = true;
      resolve({ text: text + decoder.decode(), wire });
    });
  });
}
