/**
 * The only module that imports @kubernetes/client-node (loaded lazily by `diagnose`, so `version` and
 * `--help` start without it). client-node does what it is good at: credentials (tokens, client certs,
 * exec plugins, OIDC), TLS and the dispatcher, through `KubeConfig.applySecurityAuthentication`, its
 * fetch transport, and the WebSocket exec. Around that this module adds what a diagnosis needs and
 * client-node lacks: list pagination with a restart on 410 Expired, bounded retries that honour
 * Retry-After on 429/5xx, a deadline on every call, our User-Agent on every request (exec included),
 * and an exec that completes on the channel-3 Status or the socket's close instead of on open.
 */
import {
  Exec,
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  KubeConfig,
  RequestContext,
  type ResponseContext,
  type V1Status,
} from '@kubernetes/client-node';
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import { Readable, Writable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { ApiError, KubeconfigError } from '../errors.ts';
import { readFileSync } from 'node:fs';
import { userAgent } from '../version.ts';
import type { LoadedKubeconfig } from './kubeconfig.ts';
import { SSAR_PATH, ssarAllowed, ssarBody, type EarlyReviews } from './early.ts';
import {
  RESOURCES,
  type AccessAttributes,
  type ClientStats,
  type ClusterClient,
  type ExecError,
  type ExecOptions,
  type ExecResult,
  type KObject,
  type ListOptions,
  type LogOptions,
  type ClusterWriter,
  type PatchOptions,
  type PatchType,
  type ResourceName,
  type ResourceRef,
  type ServerVersion,
} from './types.ts';

export interface ClientOptions {
  /** deadline of one API call, retries included (`--request-timeout`) */
  requestTimeoutMs?: number;
  /** retries after the first attempt for 429 / 5xx / connection resets */
  maxRetries?: number;
  /** upper bound of one Retry-After wait */
  maxRetryAfterMs?: number;
  /** page size of list calls */
  pageSize?: number;
  /** called for every HTTP request (debugging, -v) */
  onRequest?: (verb: string, path: string, status: number, ms: number) => void;
  /** access reviews already sent before this module loaded (early.ts) */
  early?: EarlyReviews;
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
/** Methods that change an object: a 429 is the only answer that proves the server did not act on them. */
const WRITES = new Set(['PATCH', 'PUT', 'DELETE']);
/** The media types kubectl sends for `patch --type strategic|merge|json`. */
const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  strategic: 'application/strategic-merge-patch+json',
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
};
const MAX_OUTPUT = 1 << 20;

/** client-node needs a config object; give it exactly one, the merged one, so its own loader never runs. */
export function toKubeConfig(loaded: LoadedKubeconfig): KubeConfig {
  const kc = new KubeConfig();
  // kubectl's key is `tokenFile`; client-node only reads `token-file`. Read it here, as kubectl would.
  const config = structuredClone(loaded.config);
  for (const u of config.users) {
    const file = u.user.tokenFile ?? u.user['token-file'];
    if (typeof file === 'string' && u.user.token === undefined) {
      try {
        u.user.token = readFileSync(file, 'utf8').trim();
      } catch (e) {
        throw new KubeconfigError(`cannot read the token file ${file} of user ${u.name}: ${(e as Error).message}`, { cause: e });
      }
      delete u.user.tokenFile;
      delete u.user['token-file'];
    }
  }
  // loadFromString on the single merged document: same effect as loadFromOptions with client-node's
  // typed Cluster/User/Context, but through its own field mapping (token-file, exec, auth-provider).
  kc.loadFromString(JSON.stringify(config));
  kc.setCurrentContext(loaded.context);
  return kc;
}

export function resourcePath(ref: ResourceRef, namespace?: string): string {
  const base = ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  if (ref.namespaced && namespace) { return `${base}/namespaces/${encodeURIComponent(namespace)}/${ref.resource}`; }
  return `${base}/${ref.resource}`;
}

function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value) { return undefined; }
  const secs = Number(value);
  if (Number.isFinite(secs) && secs >= 0) { return secs * 1000; }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { return reject(signal.reason); }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The reason of a transport failure (undici wraps the socket error in `cause`). */
function transportReason(e: unknown): { reason: string; message: string } {
  let err = e as { name?: string; message?: string; code?: string; cause?: unknown } | undefined;
  for (let i = 0; i < 4 && err; i++) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') { return { reason: 'Timeout', message: 'the request did not complete before its deadline' }; }
    if (err.code) {
      const map: Record<string, string> = {
        ECONNREFUSED: 'ConnectionRefused',
        ENOTFOUND: 'DNSFailure',
        EAI_AGAIN: 'DNSFailure',
        ECONNRESET: 'ConnectionReset',
        ETIMEDOUT: 'Timeout',
        UND_ERR_CONNECT_TIMEOUT: 'Timeout',
        UND_ERR_HEADERS_TIMEOUT: 'Timeout',
        UND_ERR_SOCKET: 'ConnectionReset',
        EHOSTUNREACH: 'Unreachable',
        ENETUNREACH: 'Unreachable',
      };
      if (map[err.code]) { return { reason: map[err.code], message: `${err.code}: ${err.message ?? ''}`.trim() }; }
      if (/CERT|SSL|TLS|SELF_SIGNED/.test(err.code)) { return { reason: 'TLSError', message: `${err.code}: ${err.message ?? ''}` }; }
    }
    if (!err.cause) { break; }
    err = err.cause as typeof err;
  }
  // undici says only `fetch failed`; the useful text is in the innermost cause
  let deepest = e as { message?: string; cause?: unknown } | undefined;
  const parts: string[] = [];
  for (let i = 0; i < 5 && deepest; i++) {
    if (deepest.message && !parts.includes(deepest.message)) { parts.push(deepest.message); }
    deepest = deepest.cause as typeof deepest;
  }
  return { reason: 'ConnectionError', message: parts.join(': ') || String(e) };
}

interface StatusBody {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: { reason?: string; message?: string }[] };
}

function parseStatusBody(text: string): StatusBody | undefined {
  try {
    const obj = JSON.parse(text);
    return obj && typeof obj === 'object' ? (obj as StatusBody) : undefined;
  } catch {
    return undefined;
  }
}

const REASON_BY_CODE: Record<number, string> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 409: 'Conflict', 410: 'Expired', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout' };

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

/**
 * What a pod's own HTTP answer through pods/proxy may weigh: the pod, not the API server, writes it, so a
 * hostile or broken one could be gigabytes. A collector's /metrics is tens of kilobytes.
 */
export const PROXY_MAX_BYTES = 8 * 1024 * 1024;

class BodyTooLarge extends Error {
  readonly max: number;
  constructor(max: number) {
    super(`body larger than ${max} bytes`);
    this.max = max;
  }
}

/**
 * The body, decoded as it streams (and cut, the connection cancelled, as soon as it passes `max` bytes).
 * Decoding chunk by chunk keeps the text in V8's heap: a body decoded whole (`body.text()`) past ~1 MB
 * becomes an external string in malloc'd memory, and the pages of a 150,000-pod list left up to V8's
 * 64 MB external-memory allowance of such strings waiting for a GC, which fragmented the C heap by ~90 MB.
 */
async function readText(res: ResponseContext, max = Number.POSITIVE_INFINITY, onHead?: (head: string) => unknown): Promise<string> {
  const stream = res.body.stream();
  if (!stream) {
    const t = await res.body.text();
    if (Buffer.byteLength(t) > max) { throw new BodyTooLarge(max); }
    return t;
  }
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) { break; }
    n += value.byteLength;
    if (n > max) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLarge(max);
    }
    text += decoder.decode(value, { stream: true });
    if (onHead && res.httpStatusCode >= 200 && res.httpStatusCode < 300) {
      // Called with what has arrived until it says it has seen enough (a list's metadata comes before its items).
      if (onHead(text) !== undefined) { onHead = undefined; }
    }
  }
  return text + decoder.decode();
}

/**
 * A list's continue token from the start of its body: the API server encodes ListMeta before the items
 * (`{"kind":..,"apiVersion":..,"metadata":{..,"continue":".."},"items":[`), so the next page can be asked
 * for while this one still arrives and is parsed. `null`: the metadata is complete and holds none;
 * undefined: not decidable yet.
 */
export function continueFromHead(head: string): string | null | undefined {
  const items = head.indexOf('"items":');
  const meta = /^\s*\{(?:\s*"(?:kind|apiVersion)"\s*:\s*"[^"\\]*"\s*,)*\s*"metadata"\s*:\s*\{([^{}]*)\}/.exec(head);
  if (!meta) { return items >= 0 ? null : undefined; }
  const c = /"continue"\s*:\s*"([A-Za-z0-9+/=_-]*)"/.exec(meta[1]);
  return c ? c[1] : null;
}

class Collector extends Writable {
  chunks: Buffer[] = [];
  size = 0;
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.size < MAX_OUTPUT) {
      this.chunks.push(chunk);
      this.size += chunk.length;
    }
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export class KubeClusterClient implements ClusterClient, ClusterWriter {
  readonly kc: KubeConfig;
  private readonly server: string;
  private readonly http = new IsomorphicFetchHttpLibrary();
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxRetryAfterMs: number;
  private readonly pageSize: number;
  private readonly onRequest?: ClientOptions['onRequest'];
  private readonly early?: EarlyReviews;
  private readonly counters: ClientStats = { requests: 0, retries: 0, byVerb: {}, bytes: 0 };
  private readonly ua = userAgent();
  private dispatcher: ReturnType<RequestContext['getDispatcher']>;

  constructor(kc: KubeConfig, opts: ClientOptions = {}) {
    this.kc = kc;
    const cluster = kc.getCurrentCluster();
    if (!cluster) { throw new ApiError('the current context has no cluster', { status: 0, reason: 'NoCluster', path: '' }); }
    this.server = cluster.server.replace(/\/+$/, '');
    this.timeoutMs = opts.requestTimeoutMs && opts.requestTimeoutMs > 0 ? opts.requestTimeoutMs : 30_000;
    this.maxRetries = opts.maxRetries ?? 3;
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 5_000;
    this.pageSize = opts.pageSize ?? 500;
    this.onRequest = opts.onRequest;
    this.early = opts.early;
  }

  async close(): Promise<void> {
    const d = this.dispatcher as { close?: () => Promise<void> } | undefined;
    await d?.close?.().catch(() => undefined);
  }

  stats(): ClientStats {
    return { ...this.counters, byVerb: { ...this.counters.byVerb } };
  }

  /** One API call under one deadline, retried on 429/5xx and connection resets. Returns the body text. */
  private async request(method: 'GET' | 'POST' | 'PATCH', path: string, opts: { body?: unknown; accept?: string; contentType?: string; verb: string; signal?: AbortSignal; maxBytes?: number; onHead?: (head: string) => unknown }): Promise<{ status: number; text: string }> {
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline;
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const ctx = new RequestContext(this.server + path, method === 'GET' ? HttpMethod.GET : method === 'POST' ? HttpMethod.POST : HttpMethod.PATCH);
      await this.kc.applySecurityAuthentication(ctx);
      // client-node builds a new undici Agent on every call, i.e. a new TLS connection per request;
      // keep the first one so requests share keep-alive connections (credentials still refresh per call).
      const dispatcher = ctx.getDispatcher();
      if (dispatcher) {
        this.dispatcher ??= dispatcher;
        ctx.setDispatcher(this.dispatcher);
      }
      ctx.setHeaderParam('User-Agent', this.ua);
      ctx.setHeaderParam('Accept', opts.accept ?? 'application/json');
      if (opts.body !== undefined) {
        ctx.setHeaderParam('Content-Type', opts.contentType ?? 'application/json');
        ctx.setBody(JSON.stringify(opts.body));
      }
      ctx.setSignal(signal);
      this.counters.requests++;
      this.counters.byVerb[opts.verb] = (this.counters.byVerb[opts.verb] ?? 0) + 1;
      const t0 = Date.now();
      let res: ResponseContext;
      let text: string;
      try {
        res = await this.http.send(ctx).toPromise();
        text = await readText(res, opts.maxBytes, opts.onHead ? (h) => opts.onHead!(h) : undefined);
        this.counters.bytes = (this.counters.bytes ?? 0) + Buffer.byteLength(text);
      } catch (e) {
        if (e instanceof BodyTooLarge) {
          this.onRequest?.(method, path, 0, Date.now() - t0);
          throw new ApiError(`${method} ${path}: the answer is larger than ${e.max} bytes: not read`, { status: 0, reason: 'TooLarge', path, cause: e });
        }
        const { reason, message } = transportReason(e);
        this.onRequest?.(method, path, 0, Date.now() - t0);
        // A write whose answer was lost may have been applied: sending it again could meet its own change
        // (a 409 on the resourceVersion it set) and be reported as not written. Writes retry only a 429.
        const retriable = reason === 'ConnectionReset' && !signal.aborted && !WRITES.has(method);
        if (retriable && attempt < this.maxRetries) {
          this.counters.retries++;
          await sleep(Math.min(100 * 2 ** attempt, 1000), signal).catch(() => undefined);
          if (!signal.aborted) { continue; }
        }
        const why = signal.aborted && opts.signal?.aborted ? 'Canceled' : reason;
        const msg = why === 'Timeout' ? `${method} ${path}: no answer within ${this.timeoutMs} ms (--request-timeout)` : `${method} ${path}: ${message}`;
        throw new ApiError(msg, { status: 0, reason: why, path, cause: e });
      }
      this.onRequest?.(method, path, res.httpStatusCode, Date.now() - t0);
      if (res.httpStatusCode >= 200 && res.httpStatusCode < 300) { return { status: res.httpStatusCode, text }; }
      if (RETRY_STATUS.has(res.httpStatusCode) && (res.httpStatusCode === 429 || !WRITES.has(method)) && attempt < this.maxRetries) {
        const hinted = parseRetryAfter(res.headers['retry-after']);
        const wait = Math.min(hinted ?? 200 * 2 ** attempt, this.maxRetryAfterMs);
        const remaining = this.timeoutMs - (Date.now() - started);
        if (wait < remaining) {
          this.counters.retries++;
          try {
            await sleep(wait, signal);
            continue;
          } catch {
            // deadline hit while waiting: report the last answer below
          }
        }
      }
      const st = parseStatusBody(text);
      const reason = st?.reason || REASON_BY_CODE[res.httpStatusCode] || `HTTP${res.httpStatusCode}`;
      throw new ApiError(st?.message || `${method} ${path}: HTTP ${res.httpStatusCode}`, { status: res.httpStatusCode, reason, path, detail: text.slice(0, 2000) });
    }
  }

  async list(resource: ResourceName | ResourceRef, opts: ListOptions = {}): Promise<KObject[]> {
    let items: KObject[] = [];
    await this.listPages(resource, opts, (page) => {
      items.push(...page);
      return true;
    }, () => {
      items = [];
    });
    return items;
  }

  /**
   * The list, page by page (limit/continue): each page is parsed and handed over, then dropped. A continue
   * token can expire (410) on a long list; kubectl's answer is a fresh list, once, and so is this one's
   * (`onRestart` first: the pages already handed over come again).
   */
  async listPages(resource: ResourceName | ResourceRef, opts: ListOptions, onPage: (items: KObject[], more: boolean) => boolean | undefined, onRestart?: () => void): Promise<void> {
    const ref: ResourceRef = typeof resource === 'string' ? RESOURCES[resource] : resource;
    const path = resourcePath(ref, opts.namespace);
    const accept = opts.metadataOnly ? 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json' : undefined;
    // The next page is asked for as soon as the current one's head names its continue token, so the
    // server encodes one page while the client parses the last; one page ahead at most, and a guess the
    // parsed body contradicts is dropped.
    interface Page { text: Promise<string>; abort: AbortController; head?: string; whenHead?: (c: string) => void; next?: { cont: string; page: Page } }
    const fetchPage = (cont: string | undefined): Page => {
      const q = new URLSearchParams({ limit: String(opts.pageSize ?? this.pageSize) });
      if (opts.labelSelector) { q.set('labelSelector', opts.labelSelector); }
      if (opts.fieldSelector) { q.set('fieldSelector', opts.fieldSelector); }
      if (cont) { q.set('continue', cont); }
      const abort = new AbortController();
      const signal = opts.signal ? AbortSignal.any([opts.signal, abort.signal]) : abort.signal;
      const page: Page = { abort, text: Promise.resolve('') };
      const onHead = (head: string): unknown => {
        const c = continueFromHead(head);
        if (c) { page.head = c; page.whenHead?.(c); }
        return c;
      };
      page.text = this.request('GET', `${path}?${q}`, { verb: 'list', signal, onHead, ...(accept ? { accept } : {}) }).then((r) => r.text);
      // A page read ahead may fail before it is awaited: the await still sees the error, the process does not.
      page.text.catch(() => undefined);
      return page;
    };
    const readAhead = (p: Page): void => {
      const go = (c: string): void => { p.next ??= { cont: c, page: fetchPage(c) }; };
      if (p.head) { go(p.head); } else { p.whenHead = go; }
    };
    const drop = (p: Page | undefined): void => {
      if (p) { p.abort.abort(); p.text.catch(() => undefined); }
    };
    for (let restart = 0; ; restart++) {
      let cont: string | undefined;
      let current = fetchPage(undefined);
      readAhead(current);
      try {
        do {
          const text = await current.text;
          const body = JSON.parse(text) as { kind?: string; apiVersion?: string; items?: KObject[]; metadata?: { continue?: string } };
          // A metadata list says PartialObjectMetadataList; its items are the listed resource's, by metadata.
          const kind = opts.metadataOnly ? undefined : body.kind?.replace(/List$/, '');
          const page: KObject[] = [];
          for (const item of body.items ?? []) {
            // Lists omit each item's kind/apiVersion; put them back so objects are self-describing.
            page.push(opts.metadataOnly ? { metadata: item.metadata } : { ...item, kind: item.kind ?? kind, apiVersion: item.apiVersion ?? body.apiVersion });
          }
          cont = body.metadata?.continue || undefined;
          const next = current.next;
          current.whenHead = undefined;
          if (onPage(page, cont !== undefined) === false || !cont) {
            drop(next?.page);
            return;
          }
          if (next?.cont === cont) {
            current = next.page;
          } else {
            drop(next?.page);
            current = fetchPage(cont);
          }
          readAhead(current);
        } while (cont);
        return;
      } catch (e) {
        drop(current.next?.page);
        current.whenHead = undefined;
        if (e instanceof ApiError && e.status === 410 && restart === 0) {
          onRestart?.();
          continue;
        }
        throw e;
      }
    }
  }

  async getObject(resource: ResourceName | ResourceRef, namespace: string | undefined, name: string, opts: { signal?: AbortSignal } = {}): Promise<KObject> {
    const ref: ResourceRef = typeof resource === 'string' ? RESOURCES[resource] : resource;
    const o = await this.get(ref, namespace, name, opts);
    return { ...o, kind: o.kind ?? ref.resource, apiVersion: o.apiVersion ?? (ref.group ? `${ref.group}/${ref.version}` : ref.version) };
  }

  /** One object, with its resourceVersion: what `fix` edits and sends back as a precondition. */
  async get(resource: ResourceRef, namespace: string | undefined, name: string, opts: { signal?: AbortSignal } = {}): Promise<KObject> {
    const { text } = await this.request('GET', `${resourcePath(resource, namespace)}/${encodeURIComponent(name)}`, { verb: 'get', signal: opts.signal });
    return JSON.parse(text) as KObject;
  }

  /**
   * PATCH as `kubectl patch --type` sends it. A resourceVersion inside the body is a precondition the
   * server checks (409 Conflict when the object changed). Never retried on 409: only the caller can
   * decide what a concurrent edit means.
   */
  async patch(resource: ResourceRef, namespace: string | undefined, name: string, type: PatchType, body: unknown, opts: PatchOptions = {}): Promise<KObject> {
    const q = opts.dryRun ? '?dryRun=All' : '';
    const { text } = await this.request('PATCH', `${resourcePath(resource, namespace)}/${encodeURIComponent(name)}${q}`, {
      verb: 'patch',
      body,
      contentType: PATCH_CONTENT_TYPES[type],
      signal: opts.signal,
    });
    return JSON.parse(text) as KObject;
  }

  async logs(namespace: string, pod: string, container: string, opts: LogOptions): Promise<string> {
    const q = new URLSearchParams({ container, tailLines: String(opts.tailLines), limitBytes: String(opts.limitBytes) });
    if (opts.previous) { q.set('previous', 'true'); }
    if (opts.sinceSeconds !== undefined) { q.set('sinceSeconds', String(opts.sinceSeconds)); }
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log?${q}`;
    const { text } = await this.request('GET', path, { verb: 'log', accept: '*/*', signal: opts.signal });
    return text;
  }

  /** GET through the API server's pod proxy (`get pods/proxy`, read-only): `path` on the pod's `port`, over HTTP. */
  async proxyGet(namespace: string, pod: string, port: number, path: string, opts: { signal?: AbortSignal } = {}): Promise<string> {
    const p = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}:${port}/proxy/${path.replace(/^\//, '')}`;
    const { text } = await this.request('GET', p, { verb: 'proxy', accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1', signal: opts.signal, maxBytes: PROXY_MAX_BYTES });
    return text;
  }

  async accessReview(attrs: AccessAttributes): Promise<boolean> {
    const early = this.early?.take(attrs);
    if (early) {
      // It reached the server (or tried to): counted either way, as the client's own attempts are.
      this.counters.requests++;
      this.counters.byVerb['create-ssar'] = (this.counters.byVerb['create-ssar'] ?? 0) + 1;
      try {
        return await early;
      } catch (e) {
        // --request-timeout already ran out once: asking again would double the wait it promises.
        const name = (e as Error)?.name;
        if (name === 'TimeoutError' || name === 'AbortError') {
          throw new ApiError(`POST ${SSAR_PATH}: no answer within ${this.timeoutMs} ms (--request-timeout)`, { status: 0, reason: 'Timeout', path: SSAR_PATH, cause: e });
        }
        // anything else is asked again below, with this client's retries and error messages
      }
    }
    const { text } = await this.request('POST', SSAR_PATH, { verb: 'create-ssar', body: ssarBody(attrs) });
    return ssarAllowed(text);
  }

  async addEphemeralContainer(namespace: string, pod: string, container: { name: string; image: string; command: string[]; targetContainerName?: string }): Promise<void> {
    const body = { spec: { ephemeralContainers: [{ ...container, stdin: false, tty: false, terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' }] } };
    await this.request('PATCH', `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/ephemeralcontainers`, {
      verb: 'patch',
      body,
      contentType: 'application/strategic-merge-patch+json',
    });
  }

  private secureContext?: { key: string; ctx: import('node:tls').SecureContext };

  /** One TLS context for all exec sockets (the credentials are per kubeconfig user, fixed for a run). */
  private tlsContext(o: WebSocket.ClientOptions): import('node:tls').SecureContext {
    const key = JSON.stringify([o.ca, o.cert, o.key, o.passphrase, o.pfx].map((v) => (v === undefined ? null : String(v))));
    if (this.secureContext?.key !== key) {
      const tls = process.getBuiltinModule('node:tls') as typeof import('node:tls');
      this.secureContext = { key, ctx: tls.createSecureContext({ ca: o.ca, cert: o.cert, key: o.key, passphrase: o.passphrase, pfx: o.pfx }) };
    }
    return this.secureContext.ctx;
  }

  private tlsSession?: Buffer;

  /**
   * The TLS connection of one exec, resuming the last session the API server issued (a ticket): a
   * resumed handshake skips the certificate exchange and its signature checks on both sides, and a
   * diagnosis opens one connection per exec. As ws's own tlsConnect does otherwise (servername from the
   * host unless it is an IP).
   */
  private resumingConnect(o: import('node:tls').ConnectionOptions & { host?: string; path?: string }): import('node:tls').TLSSocket {
    const tls = process.getBuiltinModule('node:tls') as typeof import('node:tls');
    const net = process.getBuiltinModule('node:net') as typeof import('node:net');
    const host = o.host ?? '';
    const servername = o.servername || o.servername === '' ? o.servername : net.isIP(host) ? '' : host;
    const socket = tls.connect({ ...o, path: undefined, servername, ...(this.tlsSession ? { session: this.tlsSession } : {}) });
    socket.on('session', (session: Buffer) => {
      this.tlsSession = session;
    });
    return socket;
  }

  async serverVersion(): Promise<ServerVersion> {
    const { text } = await this.request('GET', '/version', { verb: 'get' });
    const v = JSON.parse(text);
    return { major: String(v.major ?? ''), minor: String(v.minor ?? ''), gitVersion: String(v.gitVersion ?? '') };
  }

  async apiGroups(opts: { signal?: AbortSignal } = {}): Promise<string[]> {
    const { text } = await this.request('GET', '/apis', { verb: 'get', ...(opts.signal ? { signal: opts.signal } : {}) });
    const groups = JSON.parse(text)?.groups;
    return Array.isArray(groups) ? groups.map((g: { name?: unknown }) => g?.name).filter((n: unknown): n is string => typeof n === 'string') : [];
  }

  exec(namespace: string, pod: string, container: string, argv: string[], opts: ExecOptions): Promise<ExecResult> {
    const started = Date.now();
    const stdout = new Collector();
    const stderr = new Collector();
    // client-node's handler ends its `streams` on a v5 close frame; by default those are process.stdout
    // and process.stderr, which would close our own output. Give it sinks.
    const sink = { stdin: Readable.from([]), stdout: new Collector(), stderr: new Collector() };
    this.counters.requests++;
    this.counters.byVerb.exec = (this.counters.byVerb.exec ?? 0) + 1;
    return new Promise<ExecResult>((resolve) => {
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
        this.onRequest?.('EXEC', `${namespace}/${pod}/${container} ${argv[0] ?? ''}`, r.error?.code ?? 101, Date.now() - started);
        resolve({ stdout: stdout.text(), stderr: stderr.text(), exitCode: r.exitCode, error: r.error, durationMs: Date.now() - started });
      };
      const timer = setTimeout(
        () => finish({ exitCode: null, error: { reason: 'Timeout', message: `exec did not complete within ${opts.timeoutMs} ms`, code: 0 } }),
        opts.timeoutMs,
      );
      const onAbort = (): void => finish({ exitCode: null, error: { reason: 'Canceled', message: 'the diagnosis was canceled', code: 0 } });
      opts.signal?.addEventListener('abort', onAbort, { once: true });

      const factory = (uri: string, protocols: string[], wsOpts: WebSocket.ClientOptions): WebSocket => {
        wsOpts.headers = { ...(wsOpts.headers ?? {}), 'User-Agent': this.ua };
        // Without one, every exec's TLS socket builds its own context from the CA and client certificate.
        const tlsOpts = wsOpts as WebSocket.ClientOptions & { secureContext?: import('node:tls').SecureContext };
        if (!tlsOpts.secureContext && (wsOpts.ca || wsOpts.cert || wsOpts.key)) { tlsOpts.secureContext = this.tlsContext(wsOpts); }
        if (uri.startsWith('wss:')) { (wsOpts as { createConnection?: unknown }).createConnection = (o: import('node:tls').ConnectionOptions & { host?: string; path?: string }) => this.resumingConnect(o); }
        const ws = new WebSocket(uri, protocols, wsOpts);
        socket = ws;
        if (settled) { ws.terminate(); }
        // The upgrade refused (403 Forbidden, 404 pod gone, 400 bad container): the answer is a Status body.
        ws.on('unexpected-response', (req: unknown, res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const st = parseStatusBody(Buffer.concat(chunks).toString('utf8'));
            const code = res.statusCode ?? 0;
            finish({
              exitCode: null,
              error: { reason: st?.reason || REASON_BY_CODE[code] || `HTTP${code}`, message: st?.message || `exec refused with HTTP ${code}`, code },
            });
            (req as { destroy?: () => void }).destroy?.();
          });
          res.on('error', () => finish({ exitCode: null, error: { reason: REASON_BY_CODE[res.statusCode ?? 0] ?? 'HTTPError', message: `exec refused with HTTP ${res.statusCode}`, code: res.statusCode ?? 0 } }));
        });
        ws.on('error', (e: Error) => {
          const { reason, message } = transportReason(e);
          finish({ exitCode: null, error: { reason, message, code: 0 } });
        });
        // A close without a Status: the v4/v5 protocols always send one, so this is an abnormal end.
        ws.on('close', () => setImmediate(() => finish(parseExecStatus(undefined))));
        return ws;
      };
      const handler = new WebSocketHandler(this.kc, factory as never, sink as never);
      const stdin = opts.stdin !== undefined ? Readable.from([Buffer.from(opts.stdin)]) : null;
      new Exec(this.kc, handler)
        .exec(namespace, pod, container, argv, stdout, stderr, stdin, false, (status: V1Status) => {
          finish(parseExecStatus(status as StatusBody));
        })
        .catch((e: unknown) => {
          const { reason, message } = transportReason(e);
          finish({ exitCode: null, error: { reason, message, code: 0 } });
        });
    });
  }
}

export function createClusterClient(loaded: LoadedKubeconfig, opts: ClientOptions = {}): KubeClusterClient {
  return new KubeClusterClient(toKubeConfig(loaded), opts);
}
