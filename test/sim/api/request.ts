// What every handler of the API server shares: the target a request's path names (discovery or a
// resource), its verb, the audit record, reading bodies and sending JSON, and Table negotiation.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { apiVersionOf, type KObject, type ResourceType } from '../store.ts';
import type { IncludeObject } from './table.ts';
import { SERVED_TYPES, apiGroup, apiGroupList, apiVersions, resourceList } from './discovery.ts';
import { ResponseBody } from './encoding.ts';
import { ApiError, methodNotAllowed, pathNotFound, statusFrom } from './status.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Any = any;


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

/** What a resource request's path names. */
export interface Target {
  type: ResourceType;
  version: string;
  namespace: string; // '' for cluster scope or all namespaces
  name: string;
  subresource: string;
  watch: boolean;
}

export interface Ctx {
  req: IncomingMessage;
  url: URL;
  user: string;
  audit: AuditEntry;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const truthy = (v: string | null) => v === 'true' || v === '1';

export function withVersion(o: KObject, t: ResourceType, version: string): KObject {
  o.apiVersion = apiVersionOf(t, version);
  o.kind = t.kind;
  return o;
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function statusLine(code: number): string {
  const texts: Record<number, string> = { 200: 'OK', 201: 'Created', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 410: 'Gone', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity', 500: 'Internal Server Error' };
  return `HTTP/1.1 ${code} ${texts[code] ?? 'Error'}`;
}

export function parseTarget(parts: string[]): { target?: Target; discovery?: object } {
  let group = '';
  let version: string;
  let rest: string[];
  if (parts[0] === 'api') {
    if (parts.length === 1) { return { discovery: apiVersions('') }; }
    version = parts[1];
    if (version !== 'v1') { throw pathNotFound(); }
    if (parts.length === 2) { return { discovery: resourceList('', 'v1') }; }
    rest = parts.slice(2);
  } else {
    if (parts.length === 1) { return { discovery: apiGroupList() }; }
    group = parts[1];
    if (parts.length === 2) { const g = apiGroup(group); if (!g) { throw pathNotFound(); } return { discovery: g }; }
    version = parts[2];
    if (parts.length === 3) { const r = resourceList(group, version); if (!r) { throw pathNotFound(); } return { discovery: r }; }
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
    if (!t || !t.namespaced || rest.length > 3) { throw pathNotFound(); }
    return { target: { type: t, version, namespace, name: rest[1] ?? '', subresource: rest[2] ?? '', watch } };
  }
  const t = find(rest[0]);
  if (!t || rest.length > 3) { throw pathNotFound(); }
  if (t.namespaced && rest.length > 1) { throw pathNotFound(); }
  const subresource = rest[2] ?? '';
  if (subresource && !(t.subresources ?? []).includes(subresource)) { throw pathNotFound(); }
  return { target: { type: t, version, namespace: '', name: rest[1] ?? '', subresource, watch } };
}

export function verbOf(method: string, tg: Target, url: URL): string {
  switch (method) {
    case 'GET': case 'HEAD':
      if (tg.name) { return tg.watch || truthy(url.searchParams.get('watch')) ? 'watch' : 'get'; }
      return tg.watch || truthy(url.searchParams.get('watch')) ? 'watch' : 'list';
    case 'POST': return 'create';
    case 'PUT': return 'update';
    case 'PATCH': return 'patch';
    case 'DELETE': return tg.name ? 'delete' : 'deletecollection';
  }
  throw methodNotAllowed();
}

const HEADERS = { 'Cache-Control': 'no-cache, private', 'X-Kubernetes-Pf-Flowschema-Uid': 'sim' };

/**
 * An API object's answer (what the real server writes through SerializeObject): gzip when the request
 * negotiated it and the body is over the threshold (encoding.ts).
 */
export function send(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  new ResponseBody(res, code, { 'Content-Type': contentType, ...HEADERS, 'Audit-Id': randomUUID() }).end(text);
}

/** An answer the real server writes around SerializeObject (/version, /healthz, OpenAPI, pods/log): never compressed. */
export function sendIdentity(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), ...HEADERS, 'Audit-Id': randomUUID() });
  res.end(text);
}

export function wantsTable(req: IncomingMessage): { table: boolean; partial: boolean; partialAs?: string } {
  const accept = String(req.headers.accept ?? '');
  const first = accept.split(',')[0] ?? '';
  const as = /;\s*as=([A-Za-z]+)/.exec(first)?.[1];
  return { table: as === 'Table', partial: as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList', partialAs: as?.startsWith('PartialObjectMetadata') ? as : undefined };
}

/** Items per write when a list is streamed: a page of JSON, never the whole list as one string. */
const STREAM_CHUNK = 500;
/** Lists with more items than this are streamed (chunked) rather than built as one string. */
const STREAM_ABOVE = 2000;

/**
 * Sends `{...head, [field]: items}` as JSON. A large list is written a chunk of items at a time (waiting for
 * the socket to drain), so 150,000 pods never become one string (V8 caps strings near 512 MB) and
 * memory stays at one chunk; the bytes are the same as JSON.stringify of the whole. Compressed or not as
 * ResponseBody decides, as a stream: gzip never holds the list either.
 */
export async function sendList(res: ServerResponse, head: Record<string, unknown>, items: unknown[], field = 'items'): Promise<void> {
  if (items.length <= STREAM_ABOVE) { send(res, 200, { ...head, [field]: items }); return; }
  const body = new ResponseBody(res, 200, { 'Content-Type': 'application/json', ...HEADERS, 'Audit-Id': randomUUID() });
  const open = JSON.stringify(head);
  let buf = `${open.slice(0, -1)}${open.length > 2 ? ',' : ''}${JSON.stringify(field)}:[`;
  for (let i = 0; i < items.length; i += STREAM_CHUNK) {
    const part = items.slice(i, i + STREAM_CHUNK).map((o) => JSON.stringify(o)).join(',');
    buf += (i ? ',' : '') + part;
    if (!(await body.write(buf))) { return; }
    buf = '';
  }
  body.end(`${buf}]}`);
}

export function includeObject(url: URL): IncludeObject {
  const v = url.searchParams.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

/** 406, as the API server's negotiation answers an `as=` the object cannot take (handlers/response.go). */
export function notAcceptable(message: string): ApiError {
  return new ApiError(statusFrom(406, 'NotAcceptable', message));
}
