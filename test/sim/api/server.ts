// The simulated cluster's HTTPS API server: the Kubernetes wire protocol (discovery, REST, watch,
// Tables, Status bodies, exec over WebSocket, logs, access reviews) on top of the in-memory Store,
// faithful enough that kubectl and @kubernetes/client-node run against it unchanged.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { PassThrough, Writable } from 'node:stream';
import { appendFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { WebSocketServer, type WebSocket } from 'ws';
import { ConflictError, NotFoundError, RESOURCE_TYPES, apiVersionOf, typeByKind, type KObject, type ResourceType, type Store, type Change } from '../store.ts';
import { RuntimeError, type RuntimeApi, type LogOptions } from '../types.ts';
import { makeCerts } from './tls.ts';
import { Policy, type Attributes } from './policy.ts';
import { Admission } from './admission.ts';
import { fieldMatcher, labelMatcher } from './selectors.ts';
import { JsonPatchError, jsonPatch, mergePatch, strategicMerge } from './patch.ts';
import { toTable, type IncludeObject } from './table.ts';
import { decodeProtobuf } from './proto.ts';
import { FaultInjector, rejectUpgradeWithFault, sendFault, type FaultDecision } from './faults.ts';
import { SERVED_TYPES, apiGroup, apiGroupList, apiVersions, openApiV3Doc, openApiV3Root, resourceList } from './discovery.ts';
import {
  ApiError, alreadyExists, badRequest, conflict, expired, forbidden, internal, methodNotAllowed, notFound, pathNotFound, statusFrom,
  unauthorized, unsupportedMediaType, type StatusBody,
} from './status.ts';

export interface AuditEntry {
  ts: string;
  user: string;
  verb: string;
  method: string;
  path: string;
  query: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  code: number;
  userAgent: string;
}

export interface ApiServer {
  url: string;
  caPem: string;
  tokenFor(user: string): string;
  /** Stores an object through the same admission and defaulting as a POST (as admin). */
  create(obj: KObject): KObject;
  close(): Promise<void>;
  requests: AuditEntry[];
}

export interface ApiServerOptions {
  store: Store;
  runtime: RuntimeApi;
  stateDir: string;
  latencyMs?: number;
  auditLog?: string;
  policyFile?: string;
  /** Injected 429/5xx answers and delays (see faults.ts). */
  faults?: FaultInjector;
}

/** What `ApiServer.create` throws when admission or the store refuses: the Status a POST would answer. */
export class CreateError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly status: StatusBody;
  constructor(status: StatusBody) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.code = status.code;
    this.reason = status.reason ?? '';
    this.status = status;
  }
}

export const DEFAULT_POLICY_FILE = fileURLToPath(new URL('../policies.yaml', import.meta.url));
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

interface Target {
  type: ResourceType;
  version: string;
  namespace: string; // '' for cluster scope or all namespaces
  name: string;
  subresource: string;
  watch: boolean;
}

interface Ctx {
  req: IncomingMessage;
  url: URL;
  user: string;
  audit: AuditEntry;
}

interface HistoryEntry { rv: number; type: Change['type']; t: ResourceType; object: KObject; prev?: KObject }

const HISTORY_MAX = 10_000; // full objects; enough for clients to resume a watch after a short break
const SNAPSHOT_TTL_MS = 5 * 60_000; // etcd's default compaction interval bounds how long a continue token lives
const SNAPSHOT_MAX = 256;

const objKey = (t: ResourceType, ns: string | undefined, name: string) => `${t.group}/${t.plural}/${ns ?? ''}/${name}`;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const truthy = (v: string | null) => v === 'true' || v === '1';
const isCustom = (t: ResourceType) => t.group === 'opentelemetry.io';

function withVersion(o: KObject, t: ResourceType, version: string): KObject {
  o.apiVersion = apiVersionOf(t, version);
  o.kind = t.kind;
  return o;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function statusLine(code: number): string {
  const texts: Record<number, string> = { 200: 'OK', 201: 'Created', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 410: 'Gone', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity', 500: 'Internal Server Error' };
  return `HTTP/1.1 ${code} ${texts[code] ?? 'Error'}`;
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const { store, runtime } = opts;
  const latency = opts.latencyMs ?? 0;
  const policy = Policy.load(opts.policyFile ?? DEFAULT_POLICY_FILE);
  const tokens = new Map<string, string>(); // token -> user
  const tokenOf = new Map<string, string>(); // user -> token
  for (const user of policy.users.keys()) {
    const tok = randomBytes(24).toString('base64url');
    tokens.set(tok, user);
    tokenOf.set(user, tok);
  }
  const admission = new Admission(store);
  const requests: AuditEntry[] = [];
  const certs = await makeCerts(opts.stateDir);

  // Watch history: the store keeps no past, so the server records changes (as the watch cache does).
  const history: HistoryEntry[] = [];
  let compactedRv = Number(store.resourceVersion);
  const latest = new Map<string, KObject>();
  for (const t of RESOURCE_TYPES) for (const o of store.list(t)) latest.set(objKey(t, o.metadata.namespace, o.metadata.name), o);
  const watchers = new Set<(e: HistoryEntry) => void>();
  const onChange = (c: Change) => {
    const k = objKey(c.resource, c.object.metadata.namespace, c.object.metadata.name);
    const e: HistoryEntry = { rv: Number(c.object.metadata.resourceVersion), type: c.type, t: c.resource, object: c.object, prev: latest.get(k) };
    if (c.type === 'DELETED') latest.delete(k);
    else latest.set(k, c.object);
    history.push(e);
    if (history.length > HISTORY_MAX) compactedRv = history.splice(0, history.length - HISTORY_MAX).at(-1)!.rv;
    for (const w of watchers) w(e);
  };
  store.on('change', onChange);

  const snapshots = new Map<string, { items: KObject[]; rv: string; at: number }>();

  // ---------- helpers that need server state ----------

  function audit(e: AuditEntry): void {
    requests.push(e);
    if (opts.auditLog) appendFileSync(opts.auditLog, JSON.stringify(e) + '\n');
  }

  function authenticate(req: IncomingMessage): string | undefined {
    const h = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(h);
    return m ? tokens.get(m[1]) : undefined;
  }

  function authorize(a: Attributes): void {
    if (!policy.allows(a)) throw forbidden(a.resource, a.group, a.name || undefined, Policy.deniedMessage(a));
  }

  function storeError(t: ResourceType, name: string, e: unknown): never {
    if (e instanceof ApiError) throw e;
    if (e instanceof ConflictError) {
      if (/already exists/.test(e.message)) throw alreadyExists(t, name);
      throw conflict(t, name, e.message);
    }
    if (e instanceof NotFoundError) throw notFound(t, name);
    throw e;
  }

  function admitAndCreate(t: ResourceType, obj: KObject, dryRun: boolean): KObject {
    const o = structuredClone(obj);
    o.metadata ??= { name: '' };
    if (!t.namespaced) delete o.metadata.namespace;
    else o.metadata.namespace ||= 'default';
    if (!o.metadata.name && !o.metadata.generateName) {
      throw new ApiError({ ...statusFrom(422, 'Invalid', `${t.kind} "" is invalid: metadata.name: Required value: name or generateName is required`), details: { kind: t.kind, causes: [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }] } });
    }
    delete o.metadata.resourceVersion;
    delete o.metadata.uid;
    delete o.metadata.creationTimestamp;
    admission.admit(t, o);
    if (dryRun) {
      if (o.metadata.name && store.get(t, o.metadata.namespace, o.metadata.name)) throw alreadyExists(t, o.metadata.name);
      return o;
    }
    try {
      return store.create(t, o);
    } catch (e) {
      storeError(t, o.metadata.name, e);
    }
  }

  function cascadeDelete(owner: KObject): void {
    const uid = owner.metadata.uid;
    for (const t of RESOURCE_TYPES) {
      for (const o of store.list(t)) {
        if (!(o.metadata.ownerReferences ?? []).some((r) => r.uid === uid)) continue;
        try { cascadeDelete(store.delete(t, o.metadata.namespace, o.metadata.name)); } catch { /* already gone */ }
      }
    }
  }

  function deleteNamespaceContents(ns: string): void {
    for (const t of RESOURCE_TYPES) {
      if (!t.namespaced) continue;
      for (const o of store.list(t, ns)) try { store.delete(t, ns, o.metadata.name); } catch { /* raced */ }
    }
  }

  // ---------- bootstrap: what a fresh cluster has before anyone writes ----------
  const nsType = typeByKind('Namespace')!;
  const svcType = typeByKind('Service')!;
  for (const ns of SYSTEM_NAMESPACES) if (!store.get(nsType, undefined, ns)) admitAndCreate(nsType, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, false);

  // ---------- routing ----------

  function parseTarget(parts: string[]): { target?: Target; discovery?: object } {
    let group = '';
    let version: string;
    let rest: string[];
    if (parts[0] === 'api') {
      if (parts.length === 1) return { discovery: apiVersions('') };
      version = parts[1];
      if (version !== 'v1') throw pathNotFound();
      if (parts.length === 2) return { discovery: resourceList('', 'v1') };
      rest = parts.slice(2);
    } else {
      if (parts.length === 1) return { discovery: apiGroupList() };
      group = parts[1];
      if (parts.length === 2) { const g = apiGroup(group); if (!g) throw pathNotFound(); return { discovery: g }; }
      version = parts[2];
      if (parts.length === 3) { const r = resourceList(group, version); if (!r) throw pathNotFound(); return { discovery: r }; }
      rest = parts.slice(3);
    }
    let watch = false;
    if (rest[0] === 'watch') { watch = true; rest = rest.slice(1); }
    const find = (plural: string) => SERVED_TYPES.find((t) => t.group === group && t.plural === plural && t.versions.includes(version));
    let namespace = '';
    if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && ['status', 'finalize'].includes(rest[2]) && !find(rest[2]))) {
      namespace = rest[1];
      rest = rest.slice(2);
      const t = find(rest[0]);
      if (!t || !t.namespaced || rest.length > 3) throw pathNotFound();
      return { target: { type: t, version, namespace, name: rest[1] ?? '', subresource: rest[2] ?? '', watch } };
    }
    const t = find(rest[0]);
    if (!t || rest.length > 3) throw pathNotFound();
    if (t.namespaced && rest.length > 1) throw pathNotFound();
    const subresource = rest[2] ?? '';
    if (subresource && !(t.subresources ?? []).includes(subresource)) throw pathNotFound();
    return { target: { type: t, version, namespace: '', name: rest[1] ?? '', subresource, watch } };
  }

  function verbOf(method: string, tg: Target, url: URL): string {
    switch (method) {
      case 'GET': case 'HEAD':
        if (tg.name) return tg.watch || truthy(url.searchParams.get('watch')) ? 'watch' : 'get';
        return tg.watch || truthy(url.searchParams.get('watch')) ? 'watch' : 'list';
      case 'POST': return 'create';
      case 'PUT': return 'update';
      case 'PATCH': return 'patch';
      case 'DELETE': return tg.name ? 'delete' : 'deletecollection';
    }
    throw methodNotAllowed();
  }

  function send(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private', 'X-Kubernetes-Pf-Flowschema-Uid': 'sim', 'Audit-Id': randomUUID() });
    res.end(text);
  }

  function wantsTable(req: IncomingMessage): { table: boolean; partial: boolean } {
    const accept = String(req.headers.accept ?? '');
    const first = accept.split(',')[0] ?? '';
    return { table: /as=Table/.test(first), partial: /as=PartialObjectMetadata/.test(first) };
  }

  function includeObject(url: URL): IncludeObject {
    const v = url.searchParams.get('includeObject');
    return v === 'None' || v === 'Object' ? v : 'Metadata';
  }

  // ---------- list & watch ----------

  function encodeContinue(c: { rv: string; start: string; id?: string }): string {
    return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: Number(c.rv), start: c.start, id: c.id })).toString('base64');
  }

  function list(t: ResourceType, version: string, ns: string, url: URL): { items: KObject[]; meta: Record<string, unknown> } {
    const lm = labelMatcher(url.searchParams.get('labelSelector'));
    const fm = fieldMatcher(t, url.searchParams.get('fieldSelector'));
    const limit = Number(url.searchParams.get('limit') ?? 0) || 0;
    const cont = url.searchParams.get('continue');
    const rvParam = url.searchParams.get('resourceVersion');
    if (rvParam && rvParam !== '0' && !cont) {
      const n = Number(rvParam);
      if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid resource version: ${rvParam}`);
      if (n > Number(store.resourceVersion)) {
        throw new ApiError({ ...statusFrom(504, 'Timeout', `Too large resource version: ${n}, current: ${store.resourceVersion}`), details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 } });
      }
    }
    const keyOf = (o: KObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    let items: KObject[];
    let rv = store.resourceVersion;
    let start = '';
    let tokId: string | undefined;
    if (cont) {
      let tok: { rv?: number; start?: string; id?: string };
      try { tok = JSON.parse(Buffer.from(cont, 'base64').toString('utf8')); } catch { throw badRequest('continue key is not valid: illegal base64 data'); }
      if (typeof tok?.start !== 'string' || typeof tok.rv !== 'number') throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
      start = tok.start;
      tokId = typeof tok.id === 'string' ? tok.id : undefined;
      if (tok.id) {
        const snap = snapshots.get(tok.id);
        if (!snap || Date.now() - snap.at > SNAPSHOT_TTL_MS) {
          snapshots.delete(tok.id);
          const e = expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
          (e.status.metadata as Record<string, unknown>).continue = encodeContinue({ rv: '0', start });
          throw e;
        }
        items = snap.items;
        rv = snap.rv;
      } else {
        items = store.list(t, ns || undefined).filter((o) => lm(o.metadata.labels) && fm(o));
      }
      items = items.filter((o) => keyOf(o) > start);
    } else {
      items = store.list(t, ns || undefined).filter((o) => lm(o.metadata.labels) && fm(o));
    }
    const meta: Record<string, unknown> = { resourceVersion: rv };
    if (limit > 0 && items.length > limit) {
      // One snapshot per paginated list keeps later pages consistent with the first, as etcd's MVCC does;
      // a token without an id (handed out with a 410) continues inconsistently from the live state.
      let id: string | undefined = tokId;
      if (!cont) {
        const fresh = randomUUID();
        snapshots.set(fresh, { items: items.slice(), rv, at: Date.now() });
        while (snapshots.size > SNAPSHOT_MAX) snapshots.delete(snapshots.keys().next().value!);
        id = fresh;
      }
      const page = items.slice(0, limit);
      meta.continue = encodeContinue({ rv, start: keyOf(page[page.length - 1]) + '\u0000', id });
      meta.remainingItemCount = items.length - limit;
      items = page;
    }
    return { items: items.map((o) => withVersion(o, t, version)), meta };
  }

  function serveWatch(ctx: Ctx, res: ServerResponse, tg: Target): void {
    const t = tg.type;
    const url = ctx.url;
    const lm = labelMatcher(url.searchParams.get('labelSelector'));
    const fm = fieldMatcher(t, url.searchParams.get('fieldSelector'));
    const ns = tg.namespace;
    const match = (o: KObject | undefined) => !!o && (!ns || !t.namespaced || o.metadata.namespace === ns) && (!tg.name || o.metadata.name === tg.name) && lm(o.metadata.labels) && fm(o);
    const { table } = wantsTable(ctx.req);
    const include = includeObject(url);
    const rvParam = url.searchParams.get('resourceVersion');
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? 0);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    // Clients (fetch-based ones especially) wait for the headers before they start reading events.
    res.flushHeaders();
    const write = (type: string, o: KObject) => {
      const obj = withVersion(structuredClone(o), t, tg.version);
      const object = table ? toTable(t.kind, [obj], include, { resourceVersion: o.metadata.resourceVersion }) : obj;
      res.write(JSON.stringify({ type, object }) + '\n');
    };
    const onEvent = (e: HistoryEntry) => {
      if (e.t !== t) return;
      const now = match(e.object);
      const before = e.type !== 'ADDED' && match(e.prev);
      if (e.type === 'DELETED') { if (now) write('DELETED', e.object); return; }
      if (now && (before || e.type === 'MODIFIED' && !e.prev)) write('MODIFIED', e.object);
      else if (now) write('ADDED', e.object);
      else if (before) write('DELETED', { ...e.object, metadata: { ...e.object.metadata } });
    };
    if (!rvParam || rvParam === '0') {
      for (const o of store.list(t, ns || undefined)) if (match(o)) write('ADDED', o);
    } else {
      const from = Number(rvParam);
      if (!Number.isInteger(from)) throw badRequest(`invalid resource version: ${rvParam}`);
      if (from < compactedRv) {
        res.write(JSON.stringify({ type: 'ERROR', object: statusFrom(410, 'Expired', `too old resource version: ${from} (${compactedRv})`) }) + '\n');
        res.end();
        return;
      }
      for (const e of history) if (e.rv > from) onEvent(e);
    }
    watchers.add(onEvent);
    const stop = () => { watchers.delete(onEvent); clearTimeout(timer); if (!res.writableEnded) res.end(); };
    const timer = timeout > 0 ? setTimeout(stop, timeout * 1000) : undefined;
    ctx.req.on('close', stop);
    res.on('close', stop);
    if (truthy(url.searchParams.get('allowWatchBookmarks'))) {
      // Bookmarks let informers resume without relisting; one at start is what they need to learn the RV.
      res.write(JSON.stringify({ type: 'BOOKMARK', object: { kind: t.kind, apiVersion: apiVersionOf(t, tg.version), metadata: { resourceVersion: store.resourceVersion } } }) + '\n');
    }
  }

  // ---------- handlers ----------

  function findPod(ns: string, name: string): KObject {
    const t = typeByKind('Pod')!;
    const pod = store.get(t, ns, name);
    if (!pod) throw notFound(t, name);
    return pod;
  }

  /** validateContainer from the pod registry: the same rule for exec and logs. */
  function resolveContainer(pod: KObject, container: string | null): string {
    const spec = pod.spec ?? {};
    const all: string[] = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])].map((c: Any) => c.name);
    if (!container) {
      const cs: Any[] = spec.containers ?? [];
      if (cs.length === 1) return cs[0].name;
      if (cs.length === 0) throw badRequest(`pod ${pod.metadata.name} does not have a container`);
      throw badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${all.join(' ')}]`);
    }
    if (!all.includes(container)) throw badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`);
    return container;
  }

  function execTarget(ns: string, name: string, url: URL): { container: string; command: string[] } {
    const pod = findPod(ns, name);
    const container = resolveContainer(pod, url.searchParams.get('container'));
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') throw badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
    if (!pod.spec?.nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
    const statuses: Any[] = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.ephemeralContainerStatuses ?? [])];
    const st = statuses.find((s) => s.name === container);
    if (phase !== 'Running' || !st?.state?.running) throw badRequest(`unable to upgrade connection: container not found ("${container}")`);
    const command = url.searchParams.getAll('command');
    if (!command.length) throw badRequest('you must specify at least 1 command');
    return { container, command };
  }

  async function serveLogs(res: ServerResponse, tg: Target, url: URL): Promise<void> {
    const pod = findPod(tg.namespace, tg.name);
    const container = resolveContainer(pod, url.searchParams.get('container'));
    const num = (k: string): number | undefined => {
      const v = url.searchParams.get(k);
      if (v === null || v === '') return undefined;
      const n = Number(v);
      if (!Number.isInteger(n)) throw badRequest(`PodLogOptions "${tg.name}" is invalid: ${k}: Invalid value: "${v}": must be an integer`);
      return n;
    };
    const lo: LogOptions = { container };
    const tail = num('tailLines'); if (tail !== undefined) lo.tailLines = tail;
    const limit = num('limitBytes'); if (limit !== undefined) lo.limitBytes = limit;
    const sinceS = num('sinceSeconds'); if (sinceS !== undefined) lo.sinceSeconds = sinceS;
    const sinceT = url.searchParams.get('sinceTime'); if (sinceT) lo.sinceTime = sinceT;
    if (lo.sinceSeconds !== undefined && lo.sinceTime) throw badRequest('at most one of `sinceTime` or `sinceSeconds` may be specified');
    if (truthy(url.searchParams.get('timestamps'))) lo.timestamps = true;
    if (truthy(url.searchParams.get('previous'))) lo.previous = true;
    if (truthy(url.searchParams.get('follow'))) lo.follow = true;
    let text: string;
    try {
      text = await runtime.logs(tg.namespace, tg.name, lo);
    } catch (e) {
      if (e instanceof RuntimeError) throw new ApiError(statusFrom(e.code, e.reason, e.message));
      throw e;
    }
    send(res, 200, text, 'text/plain');
  }

  function accessReview(user: string, body: Any): KObject {
    const spec = body?.spec ?? {};
    const ra = spec.resourceAttributes;
    let allowed: boolean;
    if (ra) {
      allowed = policy.allows({ user, verb: ra.verb ?? '', group: ra.group ?? '', resource: ra.resource ?? '', subresource: ra.subresource ?? '', namespace: ra.namespace ?? '', name: ra.name ?? '' });
    } else {
      // Discovery and health endpoints are open to every authenticated user (system:discovery).
      allowed = !!spec.nonResourceAttributes && (spec.nonResourceAttributes.verb === 'get' || spec.nonResourceAttributes.verb === 'head');
    }
    const status: Record<string, unknown> = { allowed };
    if (allowed) status.reason = `RBAC: allowed by the simulator policy for User "${user}"`;
    return { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null as unknown as string, name: '' }, spec, status };
  }

  function rulesReview(user: string, body: Any): KObject {
    const ns = body?.spec?.namespace ?? '';
    const resourceRules = policy.rulesIn(user, ns).map((r) => ({ verbs: r.verbs, apiGroups: r.apiGroups, resources: r.resources, ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}) }));
    const nonResourceRules = [{ verbs: ['get'], nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'] }];
    return { kind: 'SelfSubjectRulesReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null as unknown as string, name: '' }, spec: { namespace: ns }, status: { resourceRules, nonResourceRules, incomplete: false } };
  }

  function parseJson(buf: Buffer, ct: string): Any {
    if (/protobuf/.test(ct)) return decodeProtobuf(buf, ct);
    try {
      return /yaml/.test(ct) ? parseYaml(buf.toString('utf8')) : JSON.parse(buf.toString('utf8'));
    } catch (e) {
      throw badRequest(`the object provided is unrecognized (${(e as Error).message})`);
    }
  }

  function applyPatch(cur: KObject, ct: string, body: Buffer): KObject {
    const type = ct.split(';')[0].trim();
    const patch = parseJson(body, type === 'application/apply-patch+yaml' ? 'yaml' : 'json');
    try {
      switch (type) {
        case 'application/merge-patch+json': return mergePatch(cur, patch) as KObject;
        case 'application/strategic-merge-patch+json': return strategicMerge(cur, patch) as KObject;
        case 'application/json-patch+json': return jsonPatch(cur, patch) as KObject;
        case 'application/apply-patch+yaml': return strategicMerge(cur, patch) as KObject;
      }
    } catch (e) {
      if (e instanceof JsonPatchError) throw new ApiError(statusFrom(422, 'Invalid', `the server rejected our request due to an error in our request: ${e.message}`));
      throw e;
    }
    throw unsupportedMediaType(ct);
  }

  /** Writes `next` over `cur`, keeping the parts the endpoint may not change (status vs. spec). */
  function writeUpdate(t: ResourceType, tg: Target, cur: KObject, next: KObject, dryRun: boolean): KObject {
    if (next.metadata?.name && next.metadata.name !== tg.name) throw badRequest(`the name of the object (${next.metadata.name}) does not match the name on the URL (${tg.name})`);
    if (t.namespaced && next.metadata?.namespace && next.metadata.namespace !== tg.namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    let out: KObject;
    if (tg.subresource === 'ephemeralcontainers') {
      out = admission.admitEphemeral(t, cur, next);
    } else if (tg.subresource === 'status') {
      out = structuredClone(cur);
      out.status = next.status;
      if (next.metadata?.resourceVersion) out.metadata.resourceVersion = next.metadata.resourceVersion;
    } else {
      out = structuredClone(next);
      out.metadata = { ...out.metadata, name: tg.name };
      if (t.namespaced) out.metadata.namespace = tg.namespace;
      if ((t.subresources ?? []).includes('status')) out.status = cur.status;
      if (t.kind === 'Pod') {
        out.spec ??= {};
        if (cur.spec?.ephemeralContainers) out.spec.ephemeralContainers = cur.spec.ephemeralContainers;
        else delete out.spec.ephemeralContainers;
      }
      admission.admit(t, out, cur);
    }
    if (dryRun) return out;
    try {
      return store.update(t, out, next.metadata?.resourceVersion || undefined);
    } catch (e) {
      storeError(t, tg.name, e);
    }
  }

  async function serveResource(ctx: Ctx, res: ServerResponse, tg: Target, body: Buffer): Promise<void> {
    const { req, url } = ctx;
    const t = tg.type;
    const method = req.method ?? 'GET';
    const dryRun = url.searchParams.getAll('dryRun').includes('All');
    const ct = String(req.headers['content-type'] ?? 'application/json');
    const { table, partial } = wantsTable(req);
    const out = (o: KObject) => withVersion(o, t, tg.version);

    if (t.kind === 'SelfSubjectAccessReview' || t.kind === 'SelfSubjectRulesReview') {
      if (method !== 'POST') throw methodNotAllowed();
      const b = parseJson(body, ct);
      return send(res, 201, t.kind === 'SelfSubjectAccessReview' ? accessReview(ctx.user, b) : rulesReview(ctx.user, b));
    }

    if (tg.subresource === 'log') {
      if (method !== 'GET') throw methodNotAllowed();
      return serveLogs(res, tg, url);
    }
    if (tg.subresource === 'exec') {
      // Reaching here means no WebSocket upgrade happened: answer what the real server answers after validation.
      execTarget(tg.namespace, tg.name, url);
      throw badRequest('Upgrade request required');
    }

    if (method === 'GET' || method === 'HEAD') {
      if (ctx.audit.verb === 'watch') return serveWatch(ctx, res, tg);
      if (tg.name) {
        const o = store.get(t, tg.namespace || undefined, tg.name);
        if (!o) throw notFound(t, tg.name);
        if (table && !tg.subresource) return send(res, 200, toTable(t.kind, [out(o)], includeObject(url), { resourceVersion: o.metadata.resourceVersion }));
        if (partial) return send(res, 200, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata });
        return send(res, 200, out(o));
      }
      const { items, meta } = list(t, tg.version, tg.namespace, url);
      if (table) return send(res, 200, toTable(t.kind, items, includeObject(url), meta));
      if (partial) return send(res, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: meta, items: items.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata })) });
      const plain = isCustom(t) ? items : items.map((o) => { const c: Record<string, unknown> = { ...o }; delete c.kind; delete c.apiVersion; return c; });
      return send(res, 200, { kind: t.listKind, apiVersion: apiVersionOf(t, tg.version), metadata: meta, items: plain });
    }

    if (method === 'POST') {
      if (tg.name) throw methodNotAllowed();
      const obj = parseJson(body, ct) as KObject;
      if (!obj || typeof obj !== 'object') throw badRequest('the object provided is unrecognized');
      obj.metadata ??= { name: '' };
      if (t.namespaced) {
        if (obj.metadata.namespace && obj.metadata.namespace !== tg.namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
        obj.metadata.namespace = tg.namespace;
      }
      return send(res, 201, out(admitAndCreate(t, obj, dryRun)));
    }

    if (!tg.name) {
      if (method === 'DELETE') {
        const { items } = list(t, tg.version, tg.namespace, url);
        for (const o of items) try { store.delete(t, o.metadata.namespace, o.metadata.name); } catch { /* raced */ }
        return send(res, 200, { kind: t.listKind, apiVersion: apiVersionOf(t, tg.version), metadata: { resourceVersion: store.resourceVersion }, items });
      }
      throw methodNotAllowed();
    }

    if (method === 'PUT') {
      const cur = store.get(t, tg.namespace || undefined, tg.name);
      if (!cur) throw notFound(t, tg.name);
      return send(res, 200, out(writeUpdate(t, tg, cur, parseJson(body, ct), dryRun)));
    }

    if (method === 'PATCH') {
      const cur = store.get(t, tg.namespace || undefined, tg.name);
      const patchType = ct.split(';')[0].trim();
      if (!cur) {
        if (patchType === 'application/apply-patch+yaml' && !tg.subresource) {
          const obj = parseJson(body, 'yaml') as KObject;
          obj.metadata = { ...obj.metadata, name: tg.name, ...(t.namespaced ? { namespace: tg.namespace } : {}) };
          return send(res, 201, out(admitAndCreate(t, obj, dryRun)));
        }
        throw notFound(t, tg.name);
      }
      const next = applyPatch(cur, ct, body);
      // A patch that names a resourceVersion is a precondition; one that does not applies to the latest.
      const patchRv = next.metadata?.resourceVersion !== cur.metadata.resourceVersion ? next.metadata?.resourceVersion : undefined;
      next.metadata = { ...next.metadata, resourceVersion: patchRv ?? '' } as KObject['metadata'];
      if (!patchRv) delete next.metadata.resourceVersion;
      return send(res, 200, out(writeUpdate(t, tg, cur, next, dryRun)));
    }

    if (method === 'DELETE') {
      if (tg.subresource) throw methodNotAllowed();
      let deleted: KObject;
      if (dryRun) {
        const o = store.get(t, tg.namespace || undefined, tg.name);
        if (!o) throw notFound(t, tg.name);
        return send(res, 200, out(o));
      }
      try { deleted = store.delete(t, tg.namespace || undefined, tg.name); } catch (e) { storeError(t, tg.name, e); }
      let propagation = url.searchParams.get('propagationPolicy');
      if (body.length) { try { propagation = JSON.parse(body.toString('utf8')).propagationPolicy ?? propagation; } catch { /* no options */ } }
      if (t.kind === 'Namespace') deleteNamespaceContents(tg.name);
      if (propagation !== 'Orphan') cascadeDelete(deleted);
      return send(res, 200, out(deleted));
    }
    throw methodNotAllowed();
  }

  function nonResource(path: string): unknown {
    switch (path) {
      case '/version': case '/version/':
        return { major: '1', minor: '32', gitVersion: 'v1.32.4-sim', gitCommit: '59526cd4867447956156ae3a602fcbac10a2c335', gitTreeState: 'clean', buildDate: '2025-04-22T16:02:27Z', goVersion: 'go1.23.6', compiler: 'gc', platform: 'linux/amd64' };
      case '/healthz': case '/livez': case '/readyz':
        return 'ok';
    }
    return undefined;
  }

  const audited = (req: IncomingMessage, url: URL, user: string): AuditEntry => ({
    ts: new Date().toISOString(), user, verb: '', method: req.method ?? '', path: url.pathname, query: url.search.replace(/^\?/, ''),
    resource: '', subresource: '', namespace: '', name: '', code: 0, userAgent: String(req.headers['user-agent'] ?? ''),
  });

  function fillTarget(a: AuditEntry, tg: Target, verb: string): void {
    a.verb = verb;
    a.resource = tg.type.plural;
    a.subresource = tg.subresource;
    a.namespace = tg.namespace;
    a.name = tg.name;
  }

  /** Applies the fault rules' delay; returns the fault to answer instead of serving, if any. */
  async function fault(a: AuditEntry): Promise<FaultDecision['answer']> {
    if (!opts.faults) return undefined;
    const d = opts.faults.decide({ verb: a.verb, resource: a.resource, subresource: a.subresource, namespace: a.namespace, userAgent: a.userAgent });
    if (d.delayMs) await sleep(d.delayMs);
    return d.answer;
  }

  function attrs(user: string, tg: Target, verb: string): Attributes {
    return { user, verb, group: tg.type.group, resource: tg.type.plural, subresource: tg.subresource, namespace: tg.type.namespaced ? tg.namespace : '', name: tg.name };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const a = audited(req, url, '');
    res.on('close', () => { a.code = res.statusCode; audit(a); });
    try {
      const body = req.method === 'GET' || req.method === 'HEAD' ? Buffer.alloc(0) : await readBody(req);
      if (latency) await sleep(latency);
      const user = authenticate(req);
      if (!user) throw unauthorized();
      a.user = user;
      const path = url.pathname.replace(/\/+$/, '') || '/';
      const parts = path.split('/').filter(Boolean);
      const nr = nonResource(path);
      if (nr !== undefined) { a.verb = 'get'; const f = await fault(a); if (f) return sendFault(res, f); return send(res, 200, nr, typeof nr === 'string' ? 'text/plain' : 'application/json'); }
      if (parts[0] === 'openapi' && parts[1] === 'v3') {
        a.verb = 'get';
        const doc = parts.length === 2 ? openApiV3Root() : openApiV3Doc(parts.slice(2).join('/'));
        if (!doc) throw pathNotFound();
        return send(res, 200, doc);
      }
      // No OpenAPI v2: kubectl falls back to v3 or to its compiled-in types for what it needs.
      if (parts[0] === 'openapi' || parts[0] === 'swagger.json') { a.verb = 'get'; throw pathNotFound(); }
      if (parts[0] !== 'api' && parts[0] !== 'apis') { a.verb = 'get'; throw pathNotFound(); }
      const { target, discovery } = parseTarget(parts);
      if (discovery) {
        a.verb = 'get';
        const f = await fault(a);
        if (f) return sendFault(res, f);
        const d = parts.length === 1 && parts[0] === 'api' ? apiVersions(`127.0.0.1:${port}`) : discovery;
        return send(res, 200, d);
      }
      const tg = target!;
      let verb = verbOf(req.method ?? 'GET', tg, url);
      if (tg.subresource === 'exec') verb = 'create';
      fillTarget(a, tg, verb);
      if (!tg.type.verbs.includes(verb) && !tg.subresource) throw methodNotAllowed();
      const f = await fault(a);
      if (f) return sendFault(res, f);
      authorize(attrs(user, tg, verb));
      await serveResource({ req, url, user, audit: a }, res, tg, body);
    } catch (e) {
      const err = e instanceof ApiError ? e : internal((e as Error)?.message ?? String(e));
      if (!(e instanceof ApiError)) console.error('sim api server:', e);
      if (res.headersSent) { res.end(); return; }
      send(res, err.code, err.status);
    }
  }

  // ---------- exec over WebSocket ----------

  const SUPPORTED = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => { for (const p of offered) if (SUPPORTED.includes(p)) return p; return false; },
  });

  function rejectUpgrade(socket: Duplex, status: StatusBody): void {
    const text = JSON.stringify(status);
    socket.end(`${statusLine(status.code)}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
  }

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const a = audited(req, url, '');
    socket.on('error', () => { /* client went away */ });
    try {
      if (latency) await sleep(latency);
      const user = authenticate(req);
      if (!user) throw unauthorized();
      a.user = user;
      const parts = url.pathname.split('/').filter(Boolean);
      if (parts[0] !== 'api' && parts[0] !== 'apis') throw pathNotFound();
      const { target } = parseTarget(parts);
      if (!target) throw pathNotFound();
      if (target.subresource !== 'exec') {
        // Only exec streams over WebSocket here; watches and logs use plain HTTP streaming.
        throw badRequest(`the server does not support WebSocket upgrades for ${target.subresource ? `${target.type.plural}/${target.subresource}` : target.type.plural}`);
      }
      // A WebSocket exec is a GET, yet it needs `create` on pods/exec, as on clusters since 1.31.
      fillTarget(a, target, 'create');
      const f = await fault(a);
      if (f) { a.code = f.code; audit(a); return rejectUpgradeWithFault(socket, f); }
      authorize(attrs(user, target, 'create'));
      const { container, command } = execTarget(target.namespace, target.name, url);
      if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') throw badRequest('the simulator speaks only WebSocket streaming (v4/v5.channel.k8s.io), not SPDY');
      const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
      if (!offered.some((p) => SUPPORTED.includes(p))) throw badRequest(`unable to upgrade: no supported subprotocol in [${offered.join(' ')}]; supported: ${SUPPORTED.join(', ')}`);
      wss.handleUpgrade(req, socket, head, (ws) => {
        a.code = 101;
        audit(a);
        void runExec(ws, target, container, command, url);
      });
    } catch (e) {
      const err = e instanceof ApiError ? e : internal((e as Error)?.message ?? String(e));
      a.code = err.code;
      audit(a);
      rejectUpgrade(socket, err.status);
    }
  }

  async function runExec(ws: WebSocket, tg: Target, container: string, command: string[], url: URL): Promise<void> {
    const v5 = ws.protocol === 'v5.channel.k8s.io';
    const ac = new AbortController();
    const wantStdin = truthy(url.searchParams.get('stdin'));
    const tty = truthy(url.searchParams.get('tty'));
    const stdin = wantStdin ? new PassThrough() : undefined;
    const channel = (n: number) => new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([n]), Buffer.from(chunk)]));
        cb();
      },
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const buf = Buffer.isBuffer(data) ? data : Buffer.from(data as unknown as ArrayBuffer);
      if (!isBinary || buf.length === 0) return;
      if (buf[0] === 0) stdin?.write(buf.subarray(1));
      else if (buf[0] === 255 && v5 && buf[1] === 0) stdin?.end();
    });
    ws.on('close', () => { ac.abort(); stdin?.end(); });
    ws.on('error', () => { ac.abort(); });
    let status: Record<string, unknown>;
    try {
      const streams = { stdout: channel(1), stderr: channel(2), ...(stdin ? { stdin } : {}) };
      const { exitCode } = await runtime.exec({ namespace: tg.namespace, pod: tg.name, container, command, stdin: wantStdin, tty }, streams, ac.signal);
      status = exitCode === 0
        ? { metadata: {}, status: 'Success' }
        : { metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`, reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] } };
    } catch (e) {
      if (e instanceof RuntimeError) {
        status = { metadata: {}, status: 'Failure', message: e.message, reason: e.reason, code: e.code };
        if (e.reason === 'InternalError') status.details = { causes: [{ message: e.message.replace(/^Internal error occurred: /, '') }] };
      } else {
        const msg = (e as Error)?.message ?? String(e);
        status = { metadata: {}, status: 'Failure', message: `Internal error occurred: ${msg}`, reason: 'InternalError', details: { causes: [{ message: msg }] }, code: 500 };
      }
    }
    // Let output written in the same tick reach the socket before the status that ends the session.
    await new Promise((r) => setImmediate(r));
    if (ws.readyState === ws.OPEN) {
      ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(status))]));
      ws.close(1000);
    }
  }

  // ---------- the server ----------

  const server: Server = createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => { void handle(req, res); });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => { void handleUpgrade(req, socket, head); });
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', () => resolve()); });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;

  // The `kubernetes` Service in `default` exists on every cluster, at the first address of the range.
  if (!store.get(svcType, 'default', 'kubernetes')) {
    admitAndCreate(svcType, {
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }], sessionAffinity: 'None', type: 'ClusterIP' },
    }, false);
  }

  return {
    url: `https://127.0.0.1:${port}`,
    caPem: certs.caPem,
    requests,
    tokenFor(user: string): string {
      const tok = tokenOf.get(user);
      if (!tok) throw new Error(`no user "${user}" in the policy file; known: ${[...tokenOf.keys()].join(', ')}`);
      return tok;
    },
    create(obj: KObject): KObject {
      if (!obj || typeof obj !== 'object' || !obj.kind || !obj.apiVersion) throw new Error(`cannot create an object without apiVersion and kind: ${JSON.stringify(obj)?.slice(0, 200)}`);
      const group = obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : '';
      const version = obj.apiVersion.split('/').pop()!;
      const t = RESOURCE_TYPES.find((x) => x.group === group && x.kind === obj.kind);
      if (!t) throw new Error(`no matches for kind "${obj.kind}" in version "${obj.apiVersion}" (the simulator serves: ${[...new Set(RESOURCE_TYPES.map((x) => `${x.kind}.${apiVersionOf(x)}`))].join(', ')})`);
      if (!t.versions.includes(version)) throw new Error(`no matches for kind "${obj.kind}" in version "${obj.apiVersion}"`);
      try {
        return admitAndCreate(t, obj, false);
      } catch (e) {
        if (e instanceof ApiError) throw new CreateError(e.status);
        throw e;
      }
    },
    async close(): Promise<void> {
      store.off('change', onChange);
      watchers.clear();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
