// The stand-in collector's `otlp` (gRPC) and `otlphttp` exporters: they really send what the receivers took
// in (app-export.ts does the wire work), and the exporter helper around them queues, retries, drops and logs
// as the real one does for the version played. Sources (collector repository, per tag):
// - exporter/exporterhelper/{queued_retry,retry_sender,queue_sender,common}.go up to v0.109.0, then
//   exporter/exporterhelper/internal/{retry_sender,queue_sender,base_exporter}.go: the log lines and their
//   fields; the v0.93.0 rewording (#9219) turned "No more retries left" / "The error is not retryable" into
//   one "Exporting failed. Dropping data." after the queue and "Rejecting data." before it, and a full queue
//   from "Dropping data because sending_queue is full" into a rejection with `sending queue is full`;
// - config/configretry (defaults 5s, 0.5, 1.5, 30s, 300s) and the queue defaults (10 consumers, 1000);
// - exporter/otlpexporter/otlp.go processError/shouldRetry, exporter/otlphttpexporter/otlp.go export and
//   isRetryableStatusCode (429, 502, 503, 504), consumer/consumererror permanent.go ("Permanent error: ").
import * as net from 'node:net';
import { exportGrpc, exportHttp, nameserver, type Failure } from './app-export.ts';
import type { ExportTarget } from './app-sdk.ts';
import { goDuration, goQuote, minorOf, type Fields, type Version, type ZapLogger } from './logformat.ts';
import { GRPC_PATHS, type Signal } from './otlp.ts';
import { isMap, type Conf } from './collector-config.ts';
import { GO_CODES, grpcStatusFromHttp, decodeStatus } from './collector-status.ts';
import type { SelfMetrics } from './collector-metrics.ts';

/** An error handed back up the pipeline: the receiver turns it into the app's answer. */
export class PipelineError extends Error {
  readonly permanent: boolean;
  /** A gRPC status the error already carries (status.FromError succeeds on it), else undefined. */
  readonly grpcCode: number | undefined;
  constructor(message: string, permanent: boolean, grpcCode?: number) {
    super(message);
    this.permanent = permanent;
    this.grpcCode = grpcCode;
  }
}

// ---------- durations and config ----------

/** A Go duration string or a number of nanoseconds (mapstructure's reading of time.Duration). */
export function parseGoDuration(v: unknown, dflt: number): number {
  if (typeof v === 'number') { return v / 1e6; }
  if (typeof v !== 'string' || v.trim() === '') { return dflt; }
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let ms = 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  let rest = v.trim();
  for (const m of v.trim().matchAll(re)) { ms += Number(m[1]) * units[m[2]]; rest = rest.replace(m[0], ''); }
  return rest === '' ? ms : dflt;
}

const goDur = (ms: number): string => goDuration(BigInt(Math.round(ms * 1e6)));

export interface RetryCfg { enabled: boolean; initial: number; randomization: number; multiplier: number; maxInterval: number; maxElapsed: number }
export interface QueueCfg { enabled: boolean; consumers: number; size: number }

export function retryConfig(c: unknown): RetryCfg {
  const r = isMap(c) ? c : {};
  return {
    enabled: r.enabled !== false,
    initial: parseGoDuration(r.initial_interval, 5000),
    randomization: typeof r.randomization_factor === 'number' ? r.randomization_factor : 0.5,
    multiplier: typeof r.multiplier === 'number' ? r.multiplier : 1.5,
    maxInterval: parseGoDuration(r.max_interval, 30_000),
    maxElapsed: parseGoDuration(r.max_elapsed_time, 300_000),
  };
}

export function queueConfig(c: unknown): QueueCfg {
  const q = isMap(c) ? c : {};
  return { enabled: q.enabled !== false, consumers: typeof q.num_consumers === 'number' ? q.num_consumers : 10, size: typeof q.queue_size === 'number' ? q.queue_size : 1000 };
}

/** cenkalti/backoff's ExponentialBackOff as the retry sender drives it. */
class Backoff {
  private current: number;
  private readonly cfg: RetryCfg;
  constructor(cfg: RetryCfg) { this.cfg = cfg; this.current = cfg.initial; }
  next(): number {
    const delta = this.cfg.randomization * this.current;
    const min = this.current - delta;
    const d = min + Math.random() * (2 * delta + 1e-6);
    this.current = this.current >= this.cfg.maxInterval / this.cfg.multiplier ? this.cfg.maxInterval : this.current * this.cfg.multiplier;
    return d;
  }
}

// ---------- where the log lines are (caller per version: the line of the zap call) ----------

function at(m: number, table: [number, number][]): number {
  let best = table[0][1];
  for (const [min, n] of table) { if (m >= min) { best = n; } }
  return best;
}

function helperFile(m: number, file: 'retry_sender' | 'queue_sender' | 'common'): string {
  if (m >= 110) { return `internal/${file === 'common' ? 'base_exporter' : file}.go`; }
  if (m <= 85) { return 'exporterhelper/queued_retry.go'; }
  return `exporterhelper/${file}.go`;
}

const RETRY_LINE: [number, number][] = [[0, 423], [84, 430], [85, 351], [86, 177], [89, 169], [90, 155], [91, 154], [92, 129], [93, 118], [112, 126], [122, 132], [123, 133], [158, 136]];
const NO_MORE_LINE: [number, number][] = [[0, 165], [84, 172], [85, 93], [86, 93], [89, 113], [90, 128], [91, 123], [92, 125]];
const NOT_RETRYABLE_LINE: [number, number][] = [[0, 391], [84, 398], [85, 319], [86, 145], [89, 135], [90, 127], [91, 126], [92, 102]];
const QUEUE_FULL_LINE: [number, number][] = [[0, 307], [84, 314], [85, 216], [86, 184], [89, 223], [90, 229], [91, 224], [92, 213]];
const DROP_LINE: [number, number][] = [[93, 95], [94, 97], [97, 101], [103, 90], [106, 92], [110, 100], [111, 92], [115, 100], [116, 103], [118, 105], [119, 84], [120, 107], [121, 46], [123, 56], [125, 57], [129, 58], [130, 51], [133, 52], [135, 42], [138, 49], [142, 50], [159, 62]];
const REJECT_LINE: [number, number][] = [[93, 174], [94, 201], [95, 213], [97, 268], [98, 292], [100, 296], [109, 312], [110, 140], [111, 153], [112, 130], [115, 139], [117, 128], [119, 131], [120, 123], [121, 120], [122, 118], [123, 116], [128, 117], [133, 118], [135, 114], [142, 115], [151, 118], [159, 119]];

// ---------- what a failed send reads like in Go ----------

const hostPort = (f: Failure): string => `${f.ip && net.isIPv6(f.ip) ? `[${f.ip}]` : f.ip}:${f.port}`;

/** grpc.NewClient (the dns resolver) in 0.100-0.112 and from 0.144; grpc.DialContext (passthrough) otherwise. */
function usesNewClient(m: number): boolean { return (m >= 100 && m <= 112) || m >= 144; }

/** The otlp exporter's error for a failed Export call: grpc-go's status error, retryable or permanent. */
export function grpcExportError(m: number, f: Failure): PipelineError {
  const unavailable = (desc: string): PipelineError => new PipelineError(`rpc error: code = Unavailable desc = ${desc}`, false, 14);
  const conn = (desc: string): PipelineError => unavailable(`connection error: desc = ${JSON.stringify(desc)}`);
  switch (f.kind) {
    case 'refused': return conn(`transport: Error while dialing: dial tcp ${hostPort(f)}: connect: connection refused`);
    case 'unreachable': return conn(`transport: Error while dialing: dial tcp ${hostPort(f)}: connect: no route to host`);
    case 'dns-nx': case 'dns-fail':
      if (usesNewClient(m)) { return unavailable('name resolver error: produced zero addresses'); }
      return conn(`transport: Error while dialing: dial tcp: lookup ${f.host} on ${nameserver()}: ${f.kind === 'dns-nx' ? 'no such host' : 'server misbehaving'}`);
    case 'timeout': return new PipelineError('rpc error: code = DeadlineExceeded desc = context deadline exceeded', false, 4);
    case 'tls': return conn('transport: authentication handshake failed: tls: first record does not look like a TLS handshake');
    case 'grpc-to-http': return conn('error reading server preface: http2: frame too large');
    case 'eof': return unavailable('connection closed before server preface received');
    case 'reset': return conn(`transport: Error while dialing: read tcp ${f.local ?? '0.0.0.0:0'}->${hostPort(f)}: read: connection reset by peer`);
    case 'status': {
      const code = f.grpcStatus ?? 2;
      const text = `rpc error: code = ${GO_CODES[code] ?? `Code(${code})`} desc = ${f.grpcMessage ?? ''}`;
      // shouldRetry: Canceled, DeadlineExceeded, Aborted, OutOfRange, Unavailable, DataLoss (ResourceExhausted only with RetryInfo).
      const retryable = [1, 4, 10, 11, 14, 15].includes(code);
      return retryable ? new PipelineError(text, false, code) : new PipelineError(`Permanent error: ${text}`, true, code);
    }
    default: return conn(`transport: Error while dialing: dial tcp ${hostPort(f)}: ${f.err?.message ?? 'unknown error'}`);
  }
}

/** The otlphttp exporter's error: `failed to make an HTTP request: <url.Error>` or the status it answered. */
export function httpExportError(m: number, url: string, f: Failure): PipelineError {
  const post = `failed to make an HTTP request: Post ${JSON.stringify(url)}`;
  const plain = (s: string): PipelineError => new PipelineError(`${post}: ${s}`, false);
  switch (f.kind) {
    case 'refused': return plain(`dial tcp ${hostPort(f)}: connect: connection refused`);
    case 'unreachable': return plain(`dial tcp ${hostPort(f)}: connect: no route to host`);
    case 'dns-nx': return plain(`dial tcp: lookup ${f.host} on ${nameserver()}: no such host`);
    case 'dns-fail': return plain(`dial tcp: lookup ${f.host} on ${nameserver()}: server misbehaving`);
    case 'timeout': return plain('context deadline exceeded (Client.Timeout exceeded while awaiting headers)');
    case 'tls': return plain(f.httpAnswer ? 'http: server gave HTTP response to HTTPS client' : 'tls: first record does not look like a TLS handshake');
    case 'http-to-grpc': return plain(`net/http: HTTP/1.x transport connection broken: malformed HTTP response ${goQuote(f.raw ?? Buffer.alloc(0))}`);
    case 'reset': return plain(`read tcp ${f.local ?? '0.0.0.0:0'}->${hostPort(f)}: read: connection reset by peer`);
    case 'eof': return plain('EOF');
    case 'status': {
      const code = f.status ?? 0;
      // readResponseStatus: the body decoded as a google.rpc.Status; an empty body decodes to an empty one.
      const st = code >= 400 && code <= 599 ? decodeStatus(Buffer.from(f.body ?? '', 'latin1')) : undefined;
      let text = st
        ? `error exporting items, request to ${url} responded with HTTP Status Code ${code}, Message=${st.message}, Details=[]`
        : `error exporting items, request to ${url} responded with HTTP Status Code ${code}`;
      const grpc = grpcStatusFromHttp(code);
      // From v0.99 the error is a gRPC status built from the HTTP code (statusutil.NewStatusFromMsgAndHTTPCode).
      if (m >= 99) { text = `rpc error: code = ${GO_CODES[grpc]} desc = ${text}`; }
      const retryable = [429, 502, 503, 504].includes(code);
      return retryable ? new PipelineError(text, false, m >= 99 ? grpc : undefined) : new PipelineError(`Permanent error: ${text}`, true, m >= 99 ? grpc : undefined);
    }
    default: return plain(f.err?.message ?? 'unknown error');
  }
}

// ---------- one exporter (one instance per id and signal, as the collector builds them) ----------

interface Request { items: number; body: Buffer; json: boolean }

export interface ExporterSettings {
  v: Version;
  log: ZapLogger;
  metrics: SelfMetrics;
  /** The component fields of this exporter's log lines for the version played. */
  fields: Fields;
}

const ITEM_FIELD: Record<Signal, string> = { traces: 'spans', metrics: 'metric_points', logs: 'log_records' };

export class Exporter {
  readonly id: string;
  readonly signal: Signal;
  private readonly type: string;
  private readonly conf: Conf;
  private readonly s: ExporterSettings;
  private readonly retry: RetryCfg;
  readonly queue: QueueCfg;
  private readonly waiting: Request[] = [];
  private busy = 0;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(id: string, signal: Signal, conf: Conf, s: ExporterSettings) {
    this.id = id;
    this.signal = signal;
    // Compared without underscores: 0.144 renamed otlphttp to otlp_http and kept the old name as an alias.
    this.type = id.split('/')[0].replace(/_/g, '');
    this.conf = conf;
    this.s = s;
    this.retry = retryConfig(conf.retry_on_failure);
    this.queue = queueConfig(conf.sending_queue);
    if (this.sends() && this.queue.enabled) {
      s.metrics.gauge('otelcol_exporter_queue_size', this.queueLabels(minorOf(s.v) >= 107), () => this.waiting.length);
      s.metrics.gauge('otelcol_exporter_queue_capacity', this.queueLabels(minorOf(s.v) >= 120), () => this.queue.size);
    }
  }

  private queueLabels(withType: boolean): Record<string, string> {
    return withType ? { data_type: this.signal, exporter: this.id } : { exporter: this.id };
  }

  /** Only the OTLP exporters leave the pod; debug, nop and the rest accept and keep nothing. */
  private sends(): boolean { return this.type === 'otlp' || this.type === 'otlphttp'; }

  private get m(): number { return minorOf(this.s.v); }

  private count(what: 'sent' | 'send_failed' | 'enqueue_failed', n: number): void {
    this.s.metrics.add(`otelcol_exporter_${what}_${ITEM_FIELD[this.signal]}`, { exporter: this.id }, n);
  }

  /** The exporter's Consume*: queue it (answering at once) or send it in the receiver's call. */
  async consume(items: number, body: Buffer, json: boolean): Promise<PipelineError | undefined> {
    if (!this.sends()) { return undefined; }
    const req: Request = { items, body, json };
    const m = this.m;
    if (!this.queue.enabled) {
      const err = await this.sendWithRetry(req);
      if (err && m >= 93) {
        const hint = ' Try enabling sending_queue to survive temporary failures.' + (this.retry.enabled ? '' : ' Try enabling retry_on_failure config option to retry on retryable errors.');
        this.s.log.error(`${helperFile(m, 'common')}:${at(m, REJECT_LINE)}`, `Exporting failed. Rejecting data.${hint}`, { ...this.s.fields, error: err.message, rejected_items: items });
      } else if (err && m >= 89) {
        // errorLoggingRequestSender (common.go, v0.89-v0.92): every error, dropped_items first.
        this.s.log.error(`exporterhelper/common.go:${m >= 92 ? 50 : 49}`, 'Exporting failed. Dropping data. Try enabling sending_queue to survive temporary failures.', { ...this.s.fields, dropped_items: items, error: err.message });
      }
      return err;
    }
    if (this.waiting.length >= this.queue.size) {
      this.count('enqueue_failed', items);
      if (m >= 93) {
        this.s.log.error(`${helperFile(m, 'common')}:${at(m, REJECT_LINE)}`, 'Exporting failed. Rejecting data.', { ...this.s.fields, error: 'sending queue is full', rejected_items: items });
      } else {
        this.s.log.error(`${helperFile(m, 'queue_sender')}:${at(m, QUEUE_FULL_LINE)}`, 'Dropping data because sending_queue is full. Try increasing queue_size.', { ...this.s.fields, dropped_items: items });
      }
      // ErrQueueIsFull read `sending_queue is full` up to v0.88.0 (queued_retry.go, queue_sender.go).
      return new PipelineError(m <= 88 ? 'sending_queue is full' : 'sending queue is full', false);
    }
    this.waiting.push(req);
    this.pump();
    return undefined;
  }

  /** num_consumers workers take requests off the queue, each through the retry sender. */
  private pump(): void {
    while (!this.stopped && this.busy < this.queue.consumers && this.waiting.length > 0) {
      const req = this.waiting.shift()!;
      this.busy++;
      void this.sendWithRetry(req).then((err) => {
        this.busy--;
        const m = this.m;
        if (err && m >= 93) {
          this.s.log.error(`${helperFile(m, 'queue_sender')}:${at(m, DROP_LINE)}`, 'Exporting failed. Dropping data.' + (this.retry.enabled ? '' : ' Try enabling retry_on_failure config option to retry on retryable errors.'), { ...this.s.fields, error: err.message, dropped_items: req.items });
        } else if (err && !err.permanent) {
          this.s.log.error(`${helperFile(m, 'queue_sender')}:${at(m, NO_MORE_LINE)}`, 'Exporting failed. No more retries left. Dropping data.', { ...this.s.fields, error: err.message, dropped_items: req.items });
        }
        this.pump();
      });
    }
  }

  /**
   * The obsreport sender sits outside the retry sender (queue -> obsrep -> retry -> timeout): a request is
   * counted once, sent or failed, when its retries are over; both counters are added to every time.
   */
  private async sendWithRetry(req: Request): Promise<PipelineError | undefined> {
    const err = await this.retrySend(req);
    this.count('sent', err ? 0 : req.items);
    this.count('send_failed', err ? req.items : 0);
    return err;
  }

  /** The retry sender: permanent errors at once, others with back-off until max_elapsed_time. */
  private async retrySend(req: Request): Promise<PipelineError | undefined> {
    const m = this.m;
    const started = Date.now();
    const backoff = new Backoff(this.retry);
    for (;;) {
      const err = await this.sendOnce(req);
      if (!err) { return undefined; }
      if (err.permanent || !this.retry.enabled) {
        if (err.permanent && m <= 92) {
          this.s.log.error(`${helperFile(m, 'retry_sender')}:${at(m, NOT_RETRYABLE_LINE)}`, 'Exporting failed. The error is not retryable. Dropping data.', { ...this.s.fields, error: err.message, dropped_items: req.items });
        }
        if (!this.retry.enabled) { return err; }
        return new PipelineError(m >= 93 ? `not retryable error: ${err.message}` : err.message, true, err.grpcCode);
      }
      const delay = backoff.next();
      if (this.retry.maxElapsed > 0 && Date.now() + delay > started + this.retry.maxElapsed) {
        return new PipelineError(m >= 93 ? `no more retries left: ${err.message}` : `max elapsed time expired ${err.message}`, false, err.grpcCode);
      }
      this.s.log.info(`${helperFile(m, 'retry_sender')}:${at(m, RETRY_LINE)}`, 'Exporting failed. Will retry the request after interval.', { ...this.s.fields, error: err.message, interval: goDur(delay) });
      await new Promise<void>((resolve) => { const t = setTimeout(() => { this.timers.delete(t); resolve(); }, delay); this.timers.add(t); });
      if (this.stopped) { return err; }
    }
  }

  private target(reqJson: boolean): { t: ExportTarget; url: string } | PipelineError {
    const endpoint = typeof this.conf.endpoint === 'string' ? this.conf.endpoint : '';
    const tlsConf = isMap(this.conf.tls) ? this.conf.tls : {};
    if (this.type === 'otlp') {
      // configgrpc: an http:// endpoint is plaintext, https:// is TLS, a bare host:port follows tls.insecure (TLS by default).
      const insecure = endpoint.startsWith('http://') || (!endpoint.startsWith('https://') && tlsConf.insecure === true);
      const hp = endpoint.replace(/^https?:\/\//, '').replace(/^dns:\/\/\/?/, '').replace(/\/.*$/, '');
      let url: URL;
      // A target no URL can hold (an unbracketed IPv6 address, say): grpc-go's own error for it is not
      // modelled, so the simulator says so in its words, as a permanent error.
      try { url = new URL(`${insecure ? 'http' : 'https'}://${hp}`); } catch { return new PipelineError(`sim: the otlp exporter's endpoint ${JSON.stringify(endpoint)} is not a target the simulator can dial`, true); }
      return { t: { protocol: 'grpc', url, tls: !insecure, raw: endpoint, timeoutMs: parseGoDuration(this.conf.timeout, 5000) }, url: hp };
    }
    const own = this.conf[`${this.signal}_endpoint`];
    const full = typeof own === 'string' ? own : `${endpoint.replace(/\/+$/, '')}/v1/${this.signal}`;
    let url: URL;
    try { url = new URL(full); } catch { return new PipelineError('endpoint must be a valid URL', true); }
    // The body goes out as it came in (OTLP/JSON stays JSON), whatever `encoding` says: no transcoding here.
    const json = this.conf.encoding === 'json' || reqJson;
    return { t: { protocol: json ? 'http/json' : 'http/protobuf', url, tls: url.protocol === 'https:', raw: full, timeoutMs: parseGoDuration(this.conf.timeout, 30_000) }, url: full };
  }

  private async sendOnce(req: Request): Promise<PipelineError | undefined> {
    const tg = this.target(req.json);
    if (tg instanceof PipelineError) { return tg; }
    const deadline = Date.now() + tg.t.timeoutMs;
    if (tg.t.protocol === 'grpc') {
      // A JSON request cannot be re-encoded here: its items are counted, the wire carries an empty request.
      const f = await exportGrpc(tg.t, '', deadline, undefined, { body: req.json ? Buffer.alloc(0) : req.body, grpcPath: GRPC_PATHS[this.signal] });
      return f ? grpcExportError(this.m, f) : undefined;
    }
    const f = await exportHttp(tg.t, '', deadline, undefined, { body: req.body });
    return f ? httpExportError(this.m, tg.url, f) : undefined;
  }

  shutdown(): void {
    this.stopped = true;
    for (const t of this.timers) { clearTimeout(t); }
  }
}
