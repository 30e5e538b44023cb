// The simulated cluster's HTTPS API server: the Kubernetes wire protocol (discovery, REST, watch,
// Tables, Status bodies, exec over WebSocket, logs, access reviews) on top of the in-memory Store,
// faithful enough that kubectl and @kubernetes/client-node run against it unchanged. This file holds
// authn/authz, routing and the REST verbs; request.ts, watch-cache.ts and pod-subresources.ts the rest.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { WebSocketServer } from 'ws';
import { INSTALLED_CRDS } from '../crds.ts';
import { ConflictError, NotFoundError, RESOURCE_TYPES, apiVersionOf, typeByKind, type KObject, type ResourceType, type Store } from '../store.ts';
import type { RuntimeApi } from '../types.ts';
import { makeCerts } from './tls.ts';
import { Policy, accessReview, rulesReview, type Attributes } from './policy.ts';
import { Admission } from './admission.ts';
import { RANGES, clusterIpFamily, familiesOf } from '../ip-family.ts';
import { JsonPatchError, jsonPatch, mergePatch, strategicMerge } from './patch.ts';
import { toTable } from './table.ts';
import { decodeProtobuf } from './proto.ts';
import { FaultInjector, rejectUpgradeWithFault, sendFault, type FaultDecision } from './faults.ts';
import { apiVersions, openApiV3Doc, openApiV3Root } from './discovery.ts';
import {
  ApiError, alreadyExists, badRequest, conflict, forbidden, internal, methodNotAllowed, notFound, pathNotFound, qualified, statusFrom,
  unauthorized, unsupportedMediaType, type StatusBody,
} from './status.ts';
import {
  includeObject, notAcceptable, parseTarget, readBody, send, sendIdentity, sendList, sleep, verbOf, wantsTable, withVersion, type Any, type AuditEntry, type Ctx, type Target,
} from './request.ts';
import { WatchCache } from './watch-cache.ts';
import { negotiateEncoding } from './encoding.ts';
import { type FieldActor, managerOf } from '../managed-fields.ts';
import { EXEC_PROTOCOLS, PodSubresources, podProxyTarget, rejectUpgrade } from './pod-subresources.ts';

export type { AuditEntry };

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
  /** The APIResponseCompression feature gate (default on, as since 1.16): gzip for large answers (encoding.ts). */
  responseCompression?: boolean;
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

const isCustom = (t: ResourceType) => t.group === 'opentelemetry.io';
/**
 * Custom resources are served by the apiextensions server, which takes JSON patch, merge patch and apply,
 * never a strategic merge (there are no Go types to read merge keys from): a 415 with the accepted types
 * (apiextensions-apiserver pkg/apiserver/customresource_handler.go, `supportedTypes`).
 */
const CUSTOM_PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];
const isCustomResource = (t: ResourceType) => isCustom(t) || INSTALLED_CRDS.some((c) => c.group === t.group && c.kind === t.kind);

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
  const watch = new WatchCache(store);
  const pods = new PodSubresources(store, runtime);

  // ---------- helpers that need server state ----------

  /** An apply body as the field manager reads it; one it cannot read fails later, in the patch, with its Status. */
  function parseYamlBody(body: Buffer): Any {
    try { return parseYaml(body.toString('utf8')); } catch { return undefined; }
  }

  function audit(e: AuditEntry): void {
    requests.push(e);
    if (opts.auditLog) { appendFileSync(opts.auditLog, JSON.stringify(e) + '\n'); }
  }

  function authenticate(req: IncomingMessage): string | undefined {
    const h = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(h);
    return m ? tokens.get(m[1]) : undefined;
  }

  function authorize(a: Attributes): void {
    if (!policy.allows(a)) { throw forbidden(a.resource, a.group, a.name || undefined, Policy.deniedMessage(a)); }
  }

  function storeError(t: ResourceType, name: string, e: unknown): never {
    if (e instanceof ApiError) { throw e; }
    if (e instanceof ConflictError) {
      if (/already exists/.test(e.message)) { throw alreadyExists(t, name); }
      throw conflict(t, name, e.message);
    }
    if (e instanceof NotFoundError) { throw notFound(t, name); }
    throw e;
  }

  function admitAndCreate(t: ResourceType, obj: KObject, dryRun: boolean): KObject {
    const o = structuredClone(obj);
    o.metadata ??= { name: '' };
    if (!t.namespaced) { delete o.metadata.namespace; } else { o.metadata.namespace ||= 'default'; }
    if (!o.metadata.name && !o.metadata.generateName) {
      throw new ApiError({ ...statusFrom(422, 'Invalid', `${t.kind} "" is invalid: metadata.name: Required value: name or generateName is required`), details: { kind: t.kind, causes: [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }] } });
    }
    delete o.metadata.resourceVersion;
    delete o.metadata.uid;
    delete o.metadata.creationTimestamp;
    admission.admit(t, o);
    if (dryRun) {
      if (o.metadata.name && store.get(t, o.metadata.namespace, o.metadata.name)) { throw alreadyExists(t, o.metadata.name); }
      return o;
    }
    try {
      const actor = store.currentActor;
      return store.as(actor ? { ...actor, sent: obj } : undefined, () => store.create(t, o));
    } catch (e) {
      storeError(t, o.metadata.name, e);
    }
  }

  function cascadeDelete(owner: KObject): void {
    const uid = owner.metadata.uid;
    for (const t of RESOURCE_TYPES) {
      for (const o of store.list(t)) {
        if (!(o.metadata.ownerReferences ?? []).some((r) => r.uid === uid)) { continue; }
        try { cascadeDelete(store.delete(t, o.metadata.namespace, o.metadata.name)); } catch { /* already gone */ }
      }
    }
  }

  function deleteNamespaceContents(ns: string): void {
    for (const t of RESOURCE_TYPES) {
      if (!t.namespaced) { continue; }
      for (const o of store.list(t, ns)) { try { store.delete(t, ns, o.metadata.name); } catch { /* raced */ } }
    }
  }

  // ---------- bootstrap: what a fresh cluster has before anyone writes ----------
  const nsType = typeByKind('Namespace')!;
  const svcType = typeByKind('Service')!;
  for (const ns of SYSTEM_NAMESPACES) { if (!store.get(nsType, undefined, ns)) { admitAndCreate(nsType, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, false); } }

  // ---------- routing ----------

  // ---------- handlers ----------

  function parseJson(buf: Buffer, ct: string): Any {
    if (/protobuf/.test(ct)) { return decodeProtobuf(buf, ct); }
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
      if (e instanceof JsonPatchError) { throw new ApiError(statusFrom(422, 'Invalid', `the server rejected our request due to an error in our request: ${e.message}`)); }
      throw e;
    }
    throw unsupportedMediaType(ct);
  }

  /** Writes `next` over `cur`, keeping the parts the endpoint may not change (status vs. spec). */
  function writeUpdate(t: ResourceType, tg: Target, cur: KObject, next: KObject, dryRun: boolean): KObject {
    if (next.metadata?.name && next.metadata.name !== tg.name) { throw badRequest(`the name of the object (${next.metadata.name}) does not match the name on the URL (${tg.name})`); }
    if (t.namespaced && next.metadata?.namespace && next.metadata.namespace !== tg.namespace) { throw badRequest('the namespace of the provided object does not match the namespace sent on the request'); }
    let out: KObject;
    if (tg.subresource === 'ephemeralcontainers') {
      out = admission.admitEphemeral(t, cur, next);
    } else if (tg.subresource === 'status') {
      out = structuredClone(cur);
      out.status = next.status;
      if (next.metadata?.resourceVersion) { out.metadata.resourceVersion = next.metadata.resourceVersion; }
    } else {
      out = structuredClone(next);
      out.metadata = { ...out.metadata, name: tg.name };
      if (t.namespaced) { out.metadata.namespace = tg.namespace; }
      if ((t.subresources ?? []).includes('status')) { out.status = cur.status; }
      if (t.kind === 'Pod') {
        out.spec ??= {};
        if (cur.spec?.ephemeralContainers) { out.spec.ephemeralContainers = cur.spec.ephemeralContainers; }
        else { delete out.spec.ephemeralContainers; }
      }
      admission.admit(t, out, cur);
    }
    // A dry run runs the same optimistic-concurrency check as the write (the registry's tryUpdate runs
    // inside the dry-run storage's GuaranteedUpdate too): a stale resourceVersion is a 409 either way.
    const expectRV = next.metadata?.resourceVersion || undefined;
    if (dryRun) {
      if (expectRV && expectRV !== cur.metadata.resourceVersion) { throw conflict(t, tg.name, `Operation cannot be fulfilled on ${qualified(t)} "${tg.name}": the object has been modified; please apply your changes to the latest version and try again`); }
      return out;
    }
    try {
      return store.update(t, out, expectRV);
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
    const { table, partial, partialAs } = wantsTable(req);
    const out = (o: KObject) => withVersion(o, t, tg.version);

    if (t.kind === 'SelfSubjectAccessReview' || t.kind === 'SelfSubjectRulesReview') {
      if (method !== 'POST') { throw methodNotAllowed(); }
      const b = parseJson(body, ct);
      return send(res, 201, t.kind === 'SelfSubjectAccessReview' ? accessReview(policy, ctx.user, b) : rulesReview(policy, ctx.user, b));
    }

    if (tg.subresource === 'proxy') {
      return pods.serveProxy(ctx.req, res, tg, podProxyTarget(url.pathname)?.rest ?? '/', url);
    }
    if (tg.subresource === 'log') {
      if (method !== 'GET') { throw methodNotAllowed(); }
      return pods.serveLogs(res, tg, url);
    }
    if (tg.subresource === 'exec') {
      // Reaching here means no WebSocket upgrade happened: answer what the real server answers after validation.
      pods.execTarget(tg.namespace, tg.name, url);
      throw badRequest('Upgrade request required');
    }

    if (method === 'GET' || method === 'HEAD') {
      if (ctx.audit.verb === 'watch') { return watch.serveWatch(ctx, res, tg); }
      if (tg.name) {
        const o = store.get(t, tg.namespace || undefined, tg.name);
        if (!o) { throw notFound(t, tg.name); }
        if (table && !tg.subresource) { return send(res, 200, toTable(t.kind, [out(o)], includeObject(url), { resourceVersion: o.metadata.resourceVersion })); }
        if (partialAs === 'PartialObjectMetadataList') { throw notAcceptable(`you requested PartialObjectMetadataList, but the requested object is not a list (*${tg.version}.${t.kind})`); }
        if (partial) { return send(res, 200, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata }); }
        return send(res, 200, out(o));
      }
      const { items, meta } = watch.list(t, tg.version, tg.namespace, url);
      // Large lists stream (request.ts sendList); the shapes are asPartialObjectMetadataList's and the printers'.
      if (table) { const { rows, ...head } = toTable(t.kind, items, includeObject(url), meta); return sendList(res, head, rows, 'rows'); }
      if (partialAs === 'PartialObjectMetadata') { throw notAcceptable(`you requested PartialObjectMetadata, but the requested object is a list (*${tg.version}.${t.listKind})`); }
      if (partial) { return sendList(res, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: meta }, items.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata }))); }
      const plain = isCustom(t) ? items : items.map((o) => { const c: Record<string, unknown> = { ...o }; delete c.kind; delete c.apiVersion; return c; });
      return sendList(res, { kind: t.listKind, apiVersion: apiVersionOf(t, tg.version), metadata: meta }, plain);
    }

    if (method === 'POST') {
      if (tg.name) { throw methodNotAllowed(); }
      const obj = parseJson(body, ct) as KObject;
      if (!obj || typeof obj !== 'object') { throw badRequest('the object provided is unrecognized'); }
      obj.metadata ??= { name: '' };
      if (t.namespaced) {
        if (obj.metadata.namespace && obj.metadata.namespace !== tg.namespace) { throw badRequest('the namespace of the provided object does not match the namespace sent on the request'); }
        obj.metadata.namespace = tg.namespace;
      }
      return send(res, 201, out(admitAndCreate(t, obj, dryRun)));
    }

    if (!tg.name) {
      if (method === 'DELETE') {
        const { items } = watch.list(t, tg.version, tg.namespace, url);
        for (const o of items) { try { store.delete(t, o.metadata.namespace, o.metadata.name); } catch { /* raced */ } }
        return send(res, 200, { kind: t.listKind, apiVersion: apiVersionOf(t, tg.version), metadata: { resourceVersion: store.resourceVersion }, items });
      }
      throw methodNotAllowed();
    }

    if (method === 'PUT') {
      const cur = store.get(t, tg.namespace || undefined, tg.name);
      if (!cur) { throw notFound(t, tg.name); }
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
      if (isCustomResource(t) && !CUSTOM_PATCH_TYPES.includes(patchType)) {
        throw new ApiError(statusFrom(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${CUSTOM_PATCH_TYPES.join(', ')}`));
      }
      const next = applyPatch(cur, ct, body);
      // A patch that names a resourceVersion is a precondition; one that does not applies to the latest.
      const patchRv = next.metadata?.resourceVersion !== cur.metadata.resourceVersion ? next.metadata?.resourceVersion : undefined;
      next.metadata = { ...next.metadata, resourceVersion: patchRv ?? '' } as KObject['metadata'];
      if (!patchRv) { delete next.metadata.resourceVersion; }
      return send(res, 200, out(writeUpdate(t, tg, cur, next, dryRun)));
    }

    if (method === 'DELETE') {
      if (tg.subresource) { throw methodNotAllowed(); }
      let deleted: KObject;
      if (dryRun) {
        const o = store.get(t, tg.namespace || undefined, tg.name);
        if (!o) { throw notFound(t, tg.name); }
        return send(res, 200, out(o));
      }
      try { deleted = store.delete(t, tg.namespace || undefined, tg.name); } catch (e) { storeError(t, tg.name, e); }
      let propagation = url.searchParams.get('propagationPolicy');
      if (body.length) { try { propagation = JSON.parse(body.toString('utf8')).propagationPolicy ?? propagation; } catch { /* no options */ } }
      if (t.kind === 'Namespace') { deleteNamespaceContents(tg.name); }
      if (propagation !== 'Orphan') { cascadeDelete(deleted); }
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
    if (!opts.faults) { return undefined; }
    const d = opts.faults.decide({ verb: a.verb, resource: a.resource, subresource: a.subresource, namespace: a.namespace, userAgent: a.userAgent });
    if (d.delayMs) { await sleep(d.delayMs); }
    return d.answer;
  }

  function attrs(user: string, tg: Target, verb: string): Attributes {
    return { user, verb, group: tg.type.group, resource: tg.type.plural, subresource: tg.subresource, namespace: tg.type.namespaced ? tg.namespace : '', name: tg.name };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const a = audited(req, url, '');
    res.on('close', () => { a.code = res.statusCode; audit(a); });
    negotiateEncoding(req, res, opts.responseCompression !== false);
    try {
      const body = req.method === 'GET' || req.method === 'HEAD' ? Buffer.alloc(0) : await readBody(req);
      if (latency) { await sleep(latency); }
      const user = authenticate(req);
      if (!user) { throw unauthorized(); }
      a.user = user;
      const path = url.pathname.replace(/\/+$/, '') || '/';
      const parts = path.split('/').filter(Boolean);
      const nr = nonResource(path);
      if (nr !== undefined) { a.verb = 'get'; const f = await fault(a); if (f) { return sendFault(res, f); } return sendIdentity(res, 200, nr, typeof nr === 'string' ? 'text/plain' : 'application/json'); }
      if (parts[0] === 'openapi' && parts[1] === 'v3') {
        a.verb = 'get';
        const doc = parts.length === 2 ? openApiV3Root() : openApiV3Doc(parts.slice(2).join('/'));
        if (!doc) { throw pathNotFound(); }
        return sendIdentity(res, 200, doc);
      }
      // No OpenAPI v2: kubectl falls back to v3 or to its compiled-in types for what it needs.
      if (parts[0] === 'openapi' || parts[0] === 'swagger.json') { a.verb = 'get'; throw pathNotFound(); }
      if (parts[0] !== 'api' && parts[0] !== 'apis') { a.verb = 'get'; throw pathNotFound(); }
      // pods/proxy's path runs on past the subresource (`.../proxy/metrics`): parseTarget would refuse it.
      const proxied = podProxyTarget(path);
      const { target, discovery } = proxied ? { target: proxied.target, discovery: undefined } : parseTarget(parts);
      if (discovery) {
        a.verb = 'get';
        const f = await fault(a);
        if (f) { return sendFault(res, f); }
        const d = parts.length === 1 && parts[0] === 'api' ? apiVersions(`127.0.0.1:${port}`) : discovery;
        return send(res, 200, d);
      }
      const tg = target!;
      let verb = verbOf(req.method ?? 'GET', tg, url);
      if (tg.subresource === 'exec') { verb = 'create'; }
      fillTarget(a, tg, verb);
      if (!tg.type.verbs.includes(verb) && !tg.subresource) { throw methodNotAllowed(); }
      const f = await fault(a);
      if (f) { return sendFault(res, f); }
      authorize(attrs(user, tg, verb));
      // The field manager (managed-fields.ts): ?fieldManager= or the User-Agent's program name; an apply
      // PATCH records the applied object's fields, anything else the fields it changed.
      const applying = req.method === 'PATCH' && String(req.headers['content-type'] ?? '').split(';')[0].trim() === 'application/apply-patch+yaml';
      const actor: FieldActor = {
        manager: managerOf(url.searchParams.get('fieldManager'), a.userAgent),
        operation: applying ? 'Apply' : 'Update',
        apiVersion: apiVersionOf(tg.type, tg.version),
        ...(tg.subresource ? { subresource: tg.subresource } : {}),
        ...(applying ? { applied: parseYamlBody(body) } : {}),
      };
      await store.as(actor, () => serveResource({ req, url, user, audit: a }, res, tg, body));
    } catch (e) {
      const err = e instanceof ApiError ? e : internal((e as Error)?.message ?? String(e));
      if (!(e instanceof ApiError)) { console.error('sim api server:', e); }
      if (res.headersSent) { res.end(); return; }
      send(res, err.code, err.status);
    }
  }

  // ---------- exec over WebSocket ----------

  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => { for (const p of offered) { if (EXEC_PROTOCOLS.includes(p)) { return p; } } return false; },
  });

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const a = audited(req, url, '');
    socket.on('error', () => { /* client went away */ });
    try {
      if (latency) { await sleep(latency); }
      const user = authenticate(req);
      if (!user) { throw unauthorized(); }
      a.user = user;
      const parts = url.pathname.split('/').filter(Boolean);
      if (parts[0] !== 'api' && parts[0] !== 'apis') { throw pathNotFound(); }
      const { target } = parseTarget(parts);
      if (!target) { throw pathNotFound(); }
      if (target.subresource !== 'exec') {
        // Only exec streams over WebSocket here; watches and logs use plain HTTP streaming.
        throw badRequest(`the server does not support WebSocket upgrades for ${target.subresource ? `${target.type.plural}/${target.subresource}` : target.type.plural}`);
      }
      // A WebSocket exec is a GET, yet it needs `create` on pods/exec, as on clusters since 1.31.
      fillTarget(a, target, 'create');
      const f = await fault(a);
      if (f) { a.code = f.code; audit(a); return rejectUpgradeWithFault(socket, f); }
      authorize(attrs(user, target, 'create'));
      const { container, command } = pods.execTarget(target.namespace, target.name, url);
      if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') { throw badRequest('the simulator speaks only WebSocket streaming (v4/v5.channel.k8s.io), not SPDY'); }
      const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
      if (!offered.some((p) => EXEC_PROTOCOLS.includes(p))) { throw badRequest(`unable to upgrade: no supported subprotocol in [${offered.join(' ')}]; supported: ${EXEC_PROTOCOLS.join(', ')}`); }
      wss.handleUpgrade(req, socket, head, (ws) => {
        a.code = 101;
        audit(a);
        void pods.runExec(ws, target, container, command, url);
      });
    } catch (e) {
      const err = e instanceof ApiError ? e : internal((e as Error)?.message ?? String(e));
      a.code = err.code;
      audit(a);
      rejectUpgrade(socket, err.status);
    }
  }

  // ---------- the server ----------

  // kube-apiserver is a Go net/http server: its header limit is http.DefaultMaxHeaderBytes, 1 << 20 (net/http
  // server.go). Node's default of 16 KB would reset long exec URLs (one `command=` per argv word) the real one takes.
  const server: Server = createServer({ cert: certs.certPem, key: certs.keyPem, maxHeaderSize: 1 << 20 }, (req, res) => { void handle(req, res); });
  // kube-apiserver's http.Server (k8s.io/apiserver pkg/server/secure_serving.go): IdleTimeout 90 s,
  // ReadHeaderTimeout 32 s, no ReadTimeout. Node's defaults differ (keep-alive 5 s, whole request 300 s),
  // and its timers run late after a long synchronous stretch of this process: the first timers phase then
  // closes every keep-alive socket past 5 s idle, including one a client has just reused (ECONNRESET).
  server.keepAliveTimeout = 90_000;
  server.headersTimeout = 32_000;
  server.requestTimeout = 0;
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
      spec: { clusterIP: RANGES[familiesOf(clusterIpFamily(store))[0]].kubernetesIP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }], sessionAffinity: 'None', type: 'ClusterIP' },
    }, false);
  }

  return {
    url: `https://127.0.0.1:${port}`,
    caPem: certs.caPem,
    requests,
    tokenFor(user: string): string {
      const tok = tokenOf.get(user);
      if (!tok) { throw new Error(`no user "${user}" in the policy file; known: ${[...tokenOf.keys()].join(', ')}`); }
      return tok;
    },
    create(obj: KObject): KObject {
      if (!obj || typeof obj !== 'object' || !obj.kind || !obj.apiVersion) { throw new Error(`cannot create an object without apiVersion and kind: ${JSON.stringify(obj)?.slice(0, 200)}`); }
      const group = obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : '';
      const version = obj.apiVersion.split('/').pop()!;
      const t = RESOURCE_TYPES.find((x) => x.group === group && x.kind === obj.kind);
      if (!t) { throw new Error(`no matches for kind "${obj.kind}" in version "${obj.apiVersion}" (the simulator serves: ${[...new Set(RESOURCE_TYPES.map((x) => `${x.kind}.${apiVersionOf(x)}`))].join(', ')})`); }
      if (!t.versions.includes(version)) { throw new Error(`no matches for kind "${obj.kind}" in version "${obj.apiVersion}"`); }
      try {
        // In-process creates are the bring-up's `kubectl apply` unless the caller names its own manager.
        const actor = store.currentActor ?? { manager: 'kubectl-client-side-apply', operation: 'Update' as const };
        return store.as({ ...actor, apiVersion: obj.apiVersion }, () => admitAndCreate(t, obj, false));
      } catch (e) {
        if (e instanceof ApiError) { throw new CreateError(e.status); }
        throw e;
      }
    },
    async close(): Promise<void> {
      watch.close();
      for (const ws of wss.clients) { ws.terminate(); }
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
