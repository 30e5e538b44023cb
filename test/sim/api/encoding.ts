// Response compression as kube-apiserver does it (feature gate APIResponseCompression, beta and on by default
// since 1.16; k8s.io/apiserver pkg/features/kube_features.go). Every API object the server serializes goes
// through responsewriters.SerializeObject's deferredResponseWriter (pkg/endpoints/handlers/responsewriters/
// writers.go): when the request's Accept-Encoding names gzip and the body is over defaultGzipThresholdBytes,
// the body goes out gzip at defaultGzipContentEncodingLevel with `Content-Encoding: gzip` and
// `Vary: Accept-Encoding`, and no Content-Length (Go's net/http chunks a body it cannot measure up front).
// What never passes there stays identity: watch (handlers/watch.go writes its own frames), pods/log
// (StreamObject), pods/proxy (the backend's bytes), exec upgrades, /version (WriteRawJSON), /healthz,
// and OpenAPI v3 (kube-openapi handler3, http.ServeContent).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';

/** writers.go `defaultGzipThresholdBytes`: bodies of this many bytes or fewer stay identity. */
export const GZIP_THRESHOLD_BYTES = 128 * 1024;
/**
 * writers.go `defaultGzipContentEncodingLevel` (1 since v1.26, was 4; kubernetes/kubernetes#112296: the least CPU
 * for ratios within 1.1x-1.3x of higher levels; `gzipContentEncodingLevel` in compression.go on main).
 */
export const GZIP_LEVEL = 1;

/**
 * responsewriters.ContentEncodingSupported (compression.go; negotiateContentEncoding in v1.32's writers.go):
 * the first Accept-Encoding header, split on commas, a token that is exactly `gzip` once trimmed. A token
 * with parameters (`gzip;q=1.0`) does not match there, so it does not here.
 */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) { return false; }
  return v.split(',').some((t) => t.trim() === 'gzip');
}

/** Responses whose request negotiated gzip (the gate on and Accept-Encoding naming it). */
const negotiated = new WeakSet<ServerResponse>();

/** Records what the request asked for; `enabled` is the APIResponseCompression gate. */
export function negotiateEncoding(req: IncomingMessage, res: ServerResponse, enabled: boolean): void {
  if (enabled && acceptsGzip(req.headers['accept-encoding'])) { negotiated.add(res); }
}

/**
 * A response body written in pieces, compressed as deferredResponseWriter decides: without gzip negotiated
 * the head goes out at once (writers.go: "non-gzip, no need to buffer"); with it, pieces are held until they
 * pass the threshold (gzip from there on) or the body ends under it (identity, with its Content-Length).
 * Compression is a zlib stream between the pieces and the socket, so neither the whole body nor a
 * compressed copy of it is ever held; `write` resolves once the stream can take more.
 */
export class ResponseBody {
  private readonly res: ServerResponse;
  private readonly code: number;
  private readonly headers: Record<string, string>;
  private readonly gzipOk: boolean;
  private held: string[] = [];
  private heldBytes = 0;
  private sink: Writable | undefined;

  constructor(res: ServerResponse, code: number, headers: Record<string, string>) {
    this.res = res;
    this.code = code;
    this.headers = headers;
    this.gzipOk = negotiated.has(res);
  }

  /** False once the client has gone (stop producing). */
  async write(piece: string): Promise<boolean> {
    if (!piece) { return !this.res.destroyed; }
    if (!this.sink) {
      if (!this.gzipOk) {
        this.commit(false);
      } else {
        this.held.push(piece);
        this.heldBytes += Buffer.byteLength(piece);
        if (this.heldBytes <= GZIP_THRESHOLD_BYTES) { return true; }
        this.commit(true);
        piece = this.takeHeld();
      }
    }
    const sink = this.sink!;
    if (!sink.write(piece)) {
      await new Promise<void>((r) => { const done = () => { sink.off('drain', done); sink.off('close', done); r(); }; sink.on('drain', done); sink.on('close', done); });
    }
    return !sink.destroyed && !this.res.destroyed;
  }

  end(last = ''): void {
    if (!this.sink) {
      if (last) { this.held.push(last); this.heldBytes += Buffer.byteLength(last); }
      const gzip = this.gzipOk && this.heldBytes > GZIP_THRESHOLD_BYTES;
      // A body that ended under the threshold was measured whole: say its length, as for any small answer.
      this.commit(gzip, gzip ? undefined : this.heldBytes);
      last = this.takeHeld();
    }
    this.sink!.end(last);
  }

  private takeHeld(): string {
    const s = this.held.length === 1 ? this.held[0] : this.held.join('');
    this.held = [];
    this.heldBytes = 0;
    return s;
  }

  private commit(gzip: boolean, length?: number): void {
    const h: Record<string, string | number> = { ...this.headers };
    if (gzip) {
      h['Content-Encoding'] = 'gzip';
      h.Vary = 'Accept-Encoding';
    } else if (length !== undefined) {
      h['Content-Length'] = length;
    }
    this.res.writeHead(this.code, h);
    if (!gzip) { this.sink = this.res; return; }
    const gz = createGzip({ level: GZIP_LEVEL });
    // pipeline destroys the compressor when the client goes, so a writer waiting on it wakes up.
    pipeline(gz, this.res, () => { /* a client that went away mid-body is not the server's error */ });
    this.sink = gz;
  }
}
