// Wire facts the collector's pipeline needs: gRPC status codes as grpc-go prints them, google.rpc.Status in
// protobuf and JSON, the HTTP <-> gRPC code mappings of the collector (receiver/otlpreceiver/internal/errors
// GetHTTPStatusCodeFromStatus, consumererror's NewStatusFromMsgAndHTTPCode), and counting the items of an
// OTLP export request (what `rejected_items`, `dropped_items` and the *_spans metrics count).
import type { Signal } from './otlp.ts';

/** grpc-go's codes.Code String(), as `rpc error: code = X desc = ...` prints it. */
export const GO_CODES = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated'];

/** statusconversion.NewStatusFromMsgAndHTTPCode: the gRPC code an HTTP answer becomes. */
export function grpcStatusFromHttp(status: number): number {
  switch (status) {
    case 400: return 3;
    case 401: return 16;
    case 403: return 7;
    case 404: return 12;
    case 429: return 8;
    case 502: case 503: case 504: return 14;
    default: return 2;
  }
}

/** errors.GetHTTPStatusCodeFromStatus: the HTTP status the OTLP/HTTP receiver answers for a gRPC code. */
export function httpStatusFromGrpc(code: number): number {
  if ([1, 4, 10, 11, 14, 15].includes(code)) { return 503; }
  switch (code) {
    case 8: return 429;
    case 3: return 400;
    case 16: return 401;
    case 7: return 403;
    case 12: return 404;
    default: return 500;
  }
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) { out.push((v & 0x7f) | 0x80); v = Math.floor(v / 128); }
  out.push(v);
  return out;
}

/** google.rpc.Status{code, message} in protobuf (fields 1 and 2; zero values left out, as proto3 does). */
export function encodeStatus(code: number, message: string): Buffer {
  const parts: Buffer[] = [];
  if (code !== 0) { parts.push(Buffer.from([0x08, ...varint(code)])); }
  const msg = Buffer.from(message);
  if (msg.length > 0) { parts.push(Buffer.concat([Buffer.from([0x12, ...varint(msg.length)]), msg])); }
  return Buffer.concat(parts);
}

/** The same Status as jsonpb writes it (compact; an empty details list is left out). */
export function encodeStatusJson(code: number, message: string): string {
  return JSON.stringify({ code, message });
}

interface Field { no: number; wire: number; value: number | Buffer }

/** Reads a protobuf message's top-level fields; undefined when the bytes are not a message. */
function fields(b: Buffer): Field[] | undefined {
  const out: Field[] = [];
  let i = 0;
  const readVarint = (): number | undefined => {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (i >= b.length || mul > 2 ** 63) { return undefined; }
      const c = b[i++];
      v += (c & 0x7f) * mul;
      if (c < 0x80) { return v; }
      mul *= 128;
    }
  };
  while (i < b.length) {
    const key = readVarint();
    if (key === undefined || key === 0) { return undefined; }
    const wire = key % 8;
    const no = Math.floor(key / 8);
    if (wire === 0) { const v = readVarint(); if (v === undefined) { return undefined; } out.push({ no, wire, value: v }); }
    else if (wire === 1) { if (i + 8 > b.length) { return undefined; } i += 8; out.push({ no, wire, value: 0 }); }
    else if (wire === 5) { if (i + 4 > b.length) { return undefined; } i += 4; out.push({ no, wire, value: 0 }); }
    else if (wire === 2) {
      const len = readVarint();
      if (len === undefined || i + len > b.length) { return undefined; }
      out.push({ no, wire, value: b.subarray(i, i + len) });
      i += len;
    } else { return undefined; }
  }
  return out;
}

/** proto.Unmarshal into a google.rpc.Status: undefined when the body is not one (a text body, say). */
export function decodeStatus(b: Buffer): { code: number; message: string } | undefined {
  const fs = fields(b);
  if (!fs) { return undefined; }
  let code = 0;
  let message = '';
  // Known fields with another wire type fail the unmarshal; unknown fields are kept aside, as protobuf-go does.
  for (const f of fs) {
    if (f.no === 1) { if (f.wire !== 0) { return undefined; } code = f.value as number; }
    else if (f.no === 2) { if (f.wire !== 2) { return undefined; } message = (f.value as Buffer).toString('utf8'); }
    else if (f.no === 3 && f.wire !== 2) { return undefined; }
  }
  return { code, message };
}

const sub = (b: Buffer, no: number): Buffer[] => (fields(b) ?? []).filter((f) => f.no === no && f.wire === 2).map((f) => f.value as Buffer);

/** pdata's SpanCount / DataPointCount / LogRecordCount of an export request, protobuf or OTLP/JSON. */
export function countItems(signal: Signal, body: Buffer, json: boolean): number {
  if (json) {
    let doc: Record<string, unknown>;
    try { doc = JSON.parse(body.toString('utf8')) as Record<string, unknown>; } catch { return 0; }
    const arr = (o: unknown, k: string): Record<string, unknown>[] => (o && typeof o === 'object' && Array.isArray((o as Record<string, unknown>)[k]) ? (o as Record<string, unknown[]>)[k] as Record<string, unknown>[] : []);
    if (signal === 'traces') { return arr(doc, 'resourceSpans').flatMap((r) => arr(r, 'scopeSpans')).reduce((n, s) => n + arr(s, 'spans').length, 0); }
    if (signal === 'logs') { return arr(doc, 'resourceLogs').flatMap((r) => arr(r, 'scopeLogs')).reduce((n, s) => n + arr(s, 'logRecords').length, 0); }
    return arr(doc, 'resourceMetrics').flatMap((r) => arr(r, 'scopeMetrics')).flatMap((s) => arr(s, 'metrics'))
      .reduce((n, mt) => n + ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'].reduce((k, t) => k + arr(mt[t], 'dataPoints').length, 0), 0);
  }
  // ResourceSpans/Logs/Metrics (1) -> Scope* (2) -> spans / log_records / metrics (2).
  const leaves = sub(body, 1).flatMap((r) => sub(r, 2)).flatMap((s) => sub(s, 2));
  if (signal !== 'metrics') { return leaves.length; }
  // Metric: gauge 5, sum 7, histogram 9, exponential_histogram 10, summary 11; each holds data_points (1).
  return leaves.reduce((n, mt) => n + [5, 7, 9, 10, 11].reduce((k, no) => k + sub(mt, no).reduce((j, d) => j + sub(d, 1).length, 0), 0), 0);
}

/** What the pipeline answers a receiver for one export request (undefined: taken). */
export interface Refusal { grpcCode: number; message: string; httpStatus: number }

/** A receiver's way into its pipelines: the request body as received, its items counted there. */
export type Consume = (signal: Signal, body: Buffer, json: boolean) => Promise<Refusal | undefined>;
