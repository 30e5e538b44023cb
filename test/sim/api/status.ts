// metav1.Status bodies exactly as the real API server shapes them; clients parse reason/code/details.
import type { ResourceType } from '../store.ts';

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: Array<{ reason?: string; message?: string; field?: string }>; retryAfterSeconds?: number };
  code: number;
}

/** An error that the HTTP layer turns into a Status response. */
export class ApiError extends Error {
  readonly status: StatusBody;
  constructor(status: StatusBody) {
    super(status.message ?? status.reason ?? String(status.code));
    this.status = status;
  }
  get code(): number { return this.status.code; }
}

function failure(code: number, reason: string, message: string, details?: StatusBody['details']): ApiError {
  const s: StatusBody = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) { s.details = details; }
  return new ApiError(s);
}

/** `pods` for core, `deployments.apps` otherwise: the qualified resource real messages use. */
export const qualified = (t: ResourceType): string => (t.group ? `${t.plural}.${t.group}` : t.plural);

const gd = (t: ResourceType, name: string | undefined, kind: string) => {
  const d: NonNullable<StatusBody['details']> = {};
  if (name !== undefined) { d.name = name; }
  if (t.group) { d.group = t.group; }
  d.kind = kind;
  return d;
};

export const notFound = (t: ResourceType, name: string) => failure(404, 'NotFound', `${qualified(t)} "${name}" not found`, gd(t, name, t.plural));
export const alreadyExists = (t: ResourceType, name: string) => failure(409, 'AlreadyExists', `${qualified(t)} "${name}" already exists`, gd(t, name, t.plural));
export const conflict = (t: ResourceType, name: string, message: string) => failure(409, 'Conflict', message, gd(t, name, t.plural));
export const badRequest = (message: string) => failure(400, 'BadRequest', message);
export const methodNotAllowed = () => failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
export const pathNotFound = () => failure(404, 'NotFound', 'the server could not find the requested resource');
export const unauthorized = () => failure(401, 'Unauthorized', 'Unauthorized');
export const unsupportedMediaType = (ct: string) => failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${ct})`);
export const expired = (message: string) => failure(410, 'Expired', message);
export const gone = (message: string) => failure(410, 'Gone', message);
export const internal = (message: string) => failure(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });

export function forbidden(resource: string, group: string, name: string | undefined, message: string): ApiError {
  const qr = group ? `${resource}.${group}` : resource;
  const d: NonNullable<StatusBody['details']> = {};
  if (name) { d.name = name; }
  if (group) { d.group = group; }
  d.kind = resource;
  return failure(403, 'Forbidden', `${qr}${name ? ` "${name}"` : ''} is forbidden: ${message}`, d);
}

/** 422 Invalid, as field validation reports it: `Kind "name" is invalid: field: Reason: detail`. */
export function invalid(t: ResourceType, name: string, causes: Array<{ reason: string; field: string; message: string }>): ApiError {
  const msgs = causes.map((c) => `${c.field}: ${c.message}`);
  const message = `${t.kind} "${name}" is invalid: ${msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`}`;
  return failure(422, 'Invalid', message, { ...gd(t, name, t.kind), causes: causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field })) });
}

export const statusFrom = (code: number, reason: string, message: string): StatusBody => failure(code, reason, message).status;
