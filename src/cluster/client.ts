/**
 * The API client of a diagnosis, over node:https (connection.ts says how to reach the server; exec.ts
 * speaks the exec WebSocket). What a diagnosis needs and a plain HTTP client lacks lives here: list
 * pagination with a restart on 410 Expired and a page read ahead, bounded retries that honour
 * Retry-After on 429/5xx, a deadline on every call, and our User-Agent on every request (exec included).
 * @kubernetes/client-node is not imported here: connection.ts loads it only for credentials it cannot
 * read itself.
 */
import { ApiError } from '../errors.ts';
import { userAgent } from '../version.ts';
import { directConnection, readsCredentials, type Connection } from './connection.ts';
import { runExec, parseStatusBody, REASON_BY_CODE } from './exec.ts';
import { BodyTooLarge, readText, send } from './http.ts';
import type { LoadedKubeconfig } from './kubeconfig.ts';
import {
  RESOURCES,
  type AccessAttributes,
  type ClientStats,
  type ClusterClient,
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

export { parseExecStatus } from './exec.ts';

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
}

export const SSAR_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

/** The review as the client sends it. */
export function ssarBody(attrs: AccessAttributes): { apiVersion: string; kind: string; spec: { resourceAttributes: AccessAttributes } } {
  return { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { group: attrs.group ?? '', ...attrs } } };
}

/** Stable key for a review's attributes (the same object shape the body is built from). */
export function reviewKey(attrs: AccessAttributes): string {
  return JSON.stringify([attrs.verb, attrs.group ?? '', attrs.resource, attrs.subresource ?? '', attrs.namespace ?? '', attrs.name ?? '']);
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

/** The reason of a transport failure (a socket error may come wrapped in `cause`). */
export function transportReason(e: unknown): { reason: string; message: string } {
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
      if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_|SIGNATURE/.test(err.code)) { return { reason: 'TLSError', message: `${err.code}: ${err.message ?? ''}` }; }
    }
    if (!err.cause) { break; }
    err = err.cause as typeof err;
  }
  // a wrapper's message says little; the useful text is in the innermost cause
  let deepest = e as { message?: string; cause?: unknown } | undefined;
  const parts: string[] = [];
  for (let i = 0; i < 5 && deepest; i++) {
    if (deepest.message && !parts.includes(deepest.message)) { parts.push(deepest.message); }
    deepest = deepest.cause as typeof deepest;
  }
  return { reason: 'ConnectionError', message: parts.join(': ') || String(e) };
}

/**
 * What a pod's own HTTP answer through pods/proxy may weigh: the pod, not the API server, writes it, so a
 * hostile or broken one could be gigabytes. A collector's /metrics is tens of kilobytes.
 */
export const PROXY_MAX_BYTES = 8 * 1024 * 1024;

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

export class KubeClusterClient implements ClusterClient, ClusterWriter {
  private readonly conn: Connection | Promise<Connection>;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxRetryAfterMs: number;
  private readonly pageSize: number;
  private readonly onRequest?: ClientOptions['onRequest'];
  private readonly counters: ClientStats = { requests: 0, retries: 0, byVerb: {}, bytes: 0, wireBytes: 0 };
  private readonly ua = userAgent();
  /** access reviews asked ahead of gather (startAccessReviews), by reviewKey */
  private readonly reviews = new Map<string, Promise<boolean>>();
  /** aborted by close(): a call still in flight then ends as Canceled instead of being sent again */
  private readonly closing = new AbortController();

  /** `conn`: a connection, or one still being opened (client-node loading for exotic credentials). */
  constructor(conn: Connection | Promise<Connection>, opts: ClientOptions = {}) {
    this.conn = conn;
    // An unopened connection's failure reaches the first call; never an unhandled rejection before it.
    if (conn instanceof Promise) { conn.catch(() => undefined); }
    this.timeoutMs = opts.requestTimeoutMs && opts.requestTimeoutMs > 0 ? opts.requestTimeoutMs : 30_000;
    this.maxRetries = opts.maxRetries ?? 3;
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 5_000;
    this.pageSize = opts.pageSize ?? 500;
    this.onRequest = opts.onRequest;
  }

  async close(): Promise<void> {
    this.closing.abort();
    try {
      (await this.conn).close();
    } catch {
      // never opened: nothing to free
    }
  }

  stats(): ClientStats {
    return { ...this.counters, byVerb: { ...this.counters.byVerb } };
  }

  private count(verb: string): void {
    this.counters.requests++;
    this.counters.byVerb[verb] = (this.counters.byVerb[verb] ?? 0) + 1;
  }

  /** One API call under one deadline, retried on 429/5xx and connection resets. Returns the body text. */
  private async request(method: 'GET' | 'POST' | 'PATCH', path: string, opts: { body?: unknown; accept?: string; contentType?: string; verb: string; signal?: AbortSignal; maxBytes?: number; onHead?: (head: string) => unknown }): Promise<{ status: number; text: string }> {
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const stop = opts.signal ? AbortSignal.any([opts.signal, this.closing.signal]) : this.closing.signal;
    const signal = AbortSignal.any([deadline, stop]);
    // A dry run changes nothing, so a reset may be retried as a read is.
    const write = WRITES.has(method) && !/[?&]dryRun=All(&|$)/.test(path);
    const started = Date.now();
    const conn = await this.conn;
    const headers: Record<string, string> = { 'User-Agent': this.ua, Accept: opts.accept ?? 'application/json' };
    const body = opts.body !== undefined ? JSON.stringify(opts.body) : undefined;
    if (body !== undefined) { headers['Content-Type'] = opts.contentType ?? 'application/json'; }
    for (let attempt = 0; ; attempt++) {
      this.count(opts.verb);
      const t0 = Date.now();
      let status: number;
      let retryAfter: string | undefined;
      let text: string;
      try {
        const res = await send(conn, { method, path, headers, ...(body !== undefined ? { body } : {}), signal });
        status = res.status;
        retryAfter = res.headers['retry-after'];
        const read = await readText(res, opts.maxBytes, opts.onHead);
        text = read.text;
        this.counters.bytes = (this.counters.bytes ?? 0) + Buffer.byteLength(text);
        this.counters.wireBytes = (this.counters.wireBytes ?? 0) + read.wire;
      } catch (e) {
        if (e instanceof ApiError) { throw e; }
        if (e instanceof BodyTooLarge) {
          this.onRequest?.(method, path, 0, Date.now() - t0);
          throw new ApiError(`${method} ${path}: the answer is larger than ${e.max} bytes: not read`, { status: 0, reason: 'TooLarge', path, cause: e });
        }
        const { reason, message } = transportReason(e);
        this.onRequest?.(method, path, 0, Date.now() - t0);
        // A write whose answer was lost may have been applied: sending it again could meet its own change
        // (a 409 on the resourceVersion it set) and be reported as not written. Writes retry only a 429.
        const retriable = reason === 'ConnectionReset' && !signal.aborted && !write;
        if (retriable && attempt < this.maxRetries) {
          this.counters.retries++;
          await sleep(Math.min(100 * 2 ** attempt, 1000), signal).catch(() => undefined);
          if (!signal.aborted) { continue; }
        }
        const why = stop.aborted ? 'Canceled' : signal.aborted ? 'Timeout' : reason;
        const msg = why === 'Timeout' ? `${method} ${path}: no answer within ${this.timeoutMs} ms (--request-timeout)` : `${method} ${path}: ${message}`;
        throw new ApiError(msg, { status: 0, reason: why, path, cause: e });
      }
      this.onRequest?.(method, path, status, Date.now() - t0);
      if (status >= 200 && status < 300) { return { status, text }; }
      if (RETRY_STATUS.has(status) && (status === 429 || !write) && attempt < this.maxRetries) {
        const hinted = parseRetryAfter(retryAfter);
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
      const reason = st?.reason || REASON_BY_CODE[status] || `HTTP${status}`;
      throw new ApiError(st?.message || `${method} ${path}: HTTP ${status}`, { status, reason, path, detail: text.slice(0, 2000) });
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

  /**
   * Sends these reviews now, before gather asks for them: they travel while the rest of the diagnosis
   * loads, and accessReview takes their answers.
   */
  startAccessReviews(list: AccessAttributes[]): void {
    for (const attrs of list) {
      const k = reviewKey(attrs);
      if (this.reviews.has(k)) { continue; }
      const p = this.askReview(attrs);
      // consumed by accessReview; a review nobody takes must not become an unhandled rejection
      p.catch(() => undefined);
      this.reviews.set(k, p);
    }
  }

  private async askReview(attrs: AccessAttributes): Promise<boolean> {
    const { text } = await this.request('POST', SSAR_PATH, { verb: 'create-ssar', body: ssarBody(attrs) });
    return (JSON.parse(text) as { status?: { allowed?: unknown } } | null)?.status?.allowed === true;
  }

  accessReview(attrs: AccessAttributes): Promise<boolean> {
    const k = reviewKey(attrs);
    const asked = this.reviews.get(k);
    if (asked) {
      this.reviews.delete(k);
      return asked;
    }
    return this.askReview(attrs);
  }

  async addEphemeralContainer(namespace: string, pod: string, container: { name: string; image: string; command: string[]; targetContainerName?: string }): Promise<void> {
    const body = { spec: { ephemeralContainers: [{ ...container, stdin: false, tty: false, terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' }] } };
    await this.request('PATCH', `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/ephemeralcontainers`, {
      verb: 'patch',
      body,
      contentType: 'application/strategic-merge-patch+json',
    });
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

  async exec(namespace: string, pod: string, container: string, argv: string[], opts: ExecOptions): Promise<ExecResult> {
    const started = Date.now();
    this.count('exec');
    // The query as kubectl and client-node build it: one `command` per argument, in order.
    const q = new URLSearchParams({ stdout: 'true', stderr: 'true', stdin: String(opts.stdin !== undefined), tty: 'false' });
    for (const a of argv) { q.append('command', a); }
    q.set('container', container);
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/exec?${q}`;
    let r: Awaited<ReturnType<typeof runExec>>;
    try {
      r = await runExec(await this.conn, path, { userAgent: this.ua, ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}), timeoutMs: opts.timeoutMs, signal: opts.signal ? AbortSignal.any([opts.signal, this.closing.signal]) : this.closing.signal, transportError: transportReason });
    } catch (e) {
      // only the connection itself can fail here (credentials client-node could not get)
      r = { stdout: '', stderr: '', exitCode: null, error: { reason: (e as { reason?: string }).reason ?? 'ConnectionError', message: (e as Error).message, code: 0 } };
    }
    this.onRequest?.('EXEC', `${namespace}/${pod}/${container} ${argv[0] ?? ''}`, r.error?.code ?? 101, Date.now() - started);
    return { ...r, durationMs: Date.now() - started };
  }
}

/**
 * The client for a loaded context. Credentials connection.ts reads itself are read now (an unreadable
 * file is a KubeconfigError here); others wait for client-node, loaded in the background.
 */
export function createClusterClient(loaded: LoadedKubeconfig, opts: ClientOptions = {}): KubeClusterClient {
  const conn = readsCredentials(loaded) ? directConnection(loaded) : import('./connection-client-node.ts').then((m) => m.clientNodeConnection(loaded));
  return new KubeClusterClient(conn, opts);
}
