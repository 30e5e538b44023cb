/**
 * `pods/exec` over a WebSocket with the API server's channel protocol, as kubectl's WebSocket executor
 * speaks it (k8s.io/apimachinery pkg/util/remotecommand and httpstream/wsstream): subprotocols
 * v5.channel.k8s.io then v4.channel.k8s.io (and the older ones client-node also offers); each binary
 * message is one channel byte then data: 1 stdout, 2 stderr, 3 the final Status (v4+: JSON), 255 a
 * stream's close (v5). The exec is complete on the channel-3 Status or on the socket's close, never on
 * open. No permessage-deflate: client-go does not offer it.
 */
import type { IncomingMessage } from 'node:http';
import type WebSocket from 'ws';
import type { Connection } from './connection.ts';
import type { ExecError } from './types.ts';

/** ws loads with the first exec, not with the client: the access reviews go out before it is read. */
let wsModule: Promise<typeof WebSocket> | undefined;
const loadWs = (): Promise<typeof WebSocket> => (wsModule ??= import('ws').then((m) => m.default));

export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
const MAX_OUTPUT = 1 << 20;

export interface StatusBody {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: { reason?: string; message?: string }[] };
}

export function parseStatusBody(text: string): StatusBody | undefined {
  try {
    const obj = JSON.parse(text);
    return obj && typeof obj === 'object' ? (obj as StatusBody) : undefined;
  } catch {
    return undefined;
  }
}

export const REASON_BY_CODE: Record<number, string> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 409: 'Conflict', 410: 'Expired', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout' };

/**
 * The Status of a finished exec (channel 3) as an exit code or a typed error. The API server sends
 * `Success`, `Failure`/`NonZeroExitCode` with the code in `details.causes[reason=ExitCode]`, or
 * `Failure` with another reason when the command could not start (containerd's `executable file not
 * found in $PATH` is `InternalError`/500).
 */
export function parseExecStatus(status: StatusBody | undefined): { exitCode: number | null; error?: ExecError } {
  if (!status) { return { exitCode: null, error: { reason: 'StreamClosed', message: 'the exec stream closed without a status', code: 0 } }; }
  if (status.status === 'Success') { return { exitCode: 0 }; }
  if (status.reason === 'NonZeroExitCode') {
    const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = cause?.message !== undefined ? Number.parseInt(cause.message, 10) : Number.NaN;
    if (Number.isInteger(code)) { return { exitCode: code }; }
    const m = /non-zero exit code.*?(\d+)\s*$/.exec(status.message ?? '');
    if (m) { return { exitCode: Number(m[1]) }; }
  }
  return {
    exitCode: null,
    error: { reason: status.reason || 'Unknown', message: status.message ?? JSON.stringify(status), code: typeof status.code === 'number' ? status.code : 0 },
  };
}

/** Output kept up to 1 MiB per stream: a probe's answer is a few lines; a runaway command is not our memory. */
class Sink {
  private chunks: Buffer[] = [];
  private size = 0;
  write(b: Buffer): void {
    if (this.size < MAX_OUTPUT) {
      this.chunks.push(b);
      this.size += b.length;
    }
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export interface ExecSession {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  error?: ExecError;
}

/**
 * Runs one exec. `path` is the exec URL's path and query; `transportError` words a socket error as the
 * client's other calls do. Never rejects: every end (Status, refusal, socket error, deadline, cancel) is
 * a result.
 */
export function runExec(
  conn: Connection,
  path: string,
  opts: { userAgent: string; stdin?: string; timeoutMs: number; signal?: AbortSignal; transportError: (e: unknown) => { reason: string; message: string } },
): Promise<ExecSession> {
  const stdout = new Sink();
  const stderr = new Sink();
  return new Promise<ExecSession>((resolve) => {
    let settled = false;
    let socket: WebSocket | undefined;
    const finish = (r: { exitCode: number | null; error?: ExecError }): void => {
      if (settled) { return; }
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      try {
        // terminate, not close: a hung server never answers a close handshake
        socket?.terminate();
      } catch {
        // already gone
      }
      resolve({ stdout: stdout.text(), stderr: stderr.text(), ...r });
    };
    const timer = setTimeout(
      () => finish({ exitCode: null, error: { reason: 'Timeout', message: `exec did not complete within ${opts.timeoutMs} ms`, code: 0 } }),
      opts.timeoutMs,
    );
    const onAbort = (): void => finish({ exitCode: null, error: { reason: 'Canceled', message: 'the diagnosis was canceled', code: 0 } });
    if (opts.signal?.aborted) { return onAbort(); }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const failed = (e: unknown): void => {
      const { reason, message } = opts.transportError(e);
      finish({ exitCode: null, error: { reason, message, code: 0 } });
    };

    Promise.all([conn.setup('upgrade'), loadWs()]).then(([setup, WebSocket]) => {
      if (settled) { return; }
      const url = (conn.server + path).replace(/^http/, 'ws');
      const ws = new WebSocket(url, EXEC_PROTOCOLS, {
        agent: setup.agent,
        headers: { ...setup.headers, 'User-Agent': opts.userAgent },
        ...(setup.auth ? { auth: setup.auth } : {}),
        perMessageDeflate: false,
      });
      socket = ws;
      // The upgrade refused (403 Forbidden, 404 pod gone, 400 bad container): the answer is a Status body.
      ws.on('unexpected-response', (req: { destroy?: () => void }, res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        const code = res.statusCode ?? 0;
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const st = parseStatusBody(Buffer.concat(chunks).toString('utf8'));
          finish({ exitCode: null, error: { reason: st?.reason || REASON_BY_CODE[code] || `HTTP${code}`, message: st?.message || `exec refused with HTTP ${code}`, code } });
          req.destroy?.();
        });
        res.on('error', () => finish({ exitCode: null, error: { reason: REASON_BY_CODE[code] ?? 'HTTPError', message: `exec refused with HTTP ${code}`, code } }));
      });
      ws.on('error', failed);
      ws.on('open', () => {
        if (opts.stdin === undefined) { return; }
        // Only v5 can close stdin alone (channel 255); on v4 the end of input is the socket's close, which
        // ends the output and the Status with it (API servers before Kubernetes 1.30).
        if (ws.protocol !== 'v5.channel.k8s.io') {
          finish({ exitCode: null, error: { reason: 'BadRequest', message: `stdin needs the v5.channel.k8s.io exec protocol; the API server chose ${ws.protocol || 'none'}`, code: 0 } });
          return;
        }
        ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(opts.stdin)]));
        ws.send(Buffer.from([255, 0]));
      });
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        const buf = isBinary ? data : Buffer.from(data);
        if (buf.length < 1) { return; }
        const channel = buf[0];
        if (channel === 1) { stdout.write(buf.subarray(1)); } else if (channel === 2) { stderr.write(buf.subarray(1)); } else if (channel === 3 && buf.length > 1) {
          const text = buf.subarray(1).toString('utf8');
          // v1-v3 carry plain error text on channel 3, v4+ a Status
          const st = parseStatusBody(text);
          finish(st ? parseExecStatus(st) : { exitCode: null, error: { reason: 'Unknown', message: text, code: 0 } });
        }
      });
      // A close without a Status: the v4/v5 protocols always send one, so this is an abnormal end. Later
      // than the messages already read, so a Status in the same read still wins.
      ws.on('close', () => setImmediate(() => finish(parseExecStatus(undefined))));
    }, failed);
  });
}
