// Just enough protobuf to read what kubectl sends as application/vnd.kubernetes.protobuf: the
// `k8s\0` + runtime.Unknown envelope, and the access-review kinds (client-go's typed clients use
// protobuf for built-in types; `kubectl auth can-i` is one of them). Other kinds answer 415.
import { badRequest, unsupportedMediaType } from './status.ts';

type Fields = Map<number, Array<Buffer | number>>;

function varint(buf: Buffer, pos: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) { throw badRequest('the object provided is unrecognized (truncated protobuf varint)'); }
    const b = buf[pos++];
    result += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) { return [result, pos]; }
    shift += 7;
  }
}

function fields(buf: Buffer): Fields {
  const out: Fields = new Map();
  let pos = 0;
  while (pos < buf.length) {
    let key: number;
    [key, pos] = varint(buf, pos);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    let v: Buffer | number;
    if (wire === 0) { [v, pos] = varint(buf, pos); }
    else if (wire === 2) { let len: number; [len, pos] = varint(buf, pos); v = buf.subarray(pos, pos + len); pos += len; }
    else if (wire === 1) { v = buf.subarray(pos, pos + 8); pos += 8; }
    else if (wire === 5) { v = buf.subarray(pos, pos + 4); pos += 4; }
    else { throw badRequest(`the object provided is unrecognized (protobuf wire type ${wire})`); }
    const list = out.get(field) ?? [];
    list.push(v);
    out.set(field, list);
  }
  return out;
}

const str = (f: Fields, n: number): string | undefined => { const v = f.get(n)?.[0]; return Buffer.isBuffer(v) ? v.toString('utf8') : undefined; };
const msg = (f: Fields, n: number): Fields | undefined => { const v = f.get(n)?.[0]; return Buffer.isBuffer(v) ? fields(v) : undefined; };

function strings(f: Fields | undefined, names: string[]): Record<string, string> {
  const o: Record<string, string> = {};
  if (!f) { return o; }
  names.forEach((name, i) => { const v = str(f, i + 1); if (v !== undefined) { o[name] = v; } });
  return o;
}

function map(f: Fields | undefined, n: number, bytes = false): Record<string, string> | undefined {
  const entries = f?.get(n);
  if (!entries) { return undefined; }
  const o: Record<string, string> = {};
  for (const e of entries) {
    if (!Buffer.isBuffer(e)) { continue; }
    const kv = fields(e);
    const v = kv.get(2)?.[0];
    o[str(kv, 1) ?? ''] = Buffer.isBuffer(v) ? (bytes ? v.toString('base64') : v.toString('utf8')) : '';
  }
  return o;
}

const repeated = (f: Fields | undefined, n: number): string[] => (f?.get(n) ?? []).filter(Buffer.isBuffer).map((b) => (b as Buffer).toString('utf8'));

function objectMeta(f: Fields | undefined): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  if (!f) { return m; }
  for (const [name, n] of [['name', 1], ['generateName', 2], ['namespace', 3], ['resourceVersion', 6]] as const) { const v = str(f, n); if (v) { m[name] = v; } }
  const labels = map(f, 11); if (labels) { m.labels = labels; }
  const annotations = map(f, 12); if (annotations) { m.annotations = annotations; }
  const finalizers = repeated(f, 14); if (finalizers.length) { m.finalizers = finalizers; }
  return m;
}

/** Decodes a protobuf request body into the JSON shape of the same object. */
export function decodeProtobuf(body: Buffer, contentType: string): Record<string, unknown> {
  if (body.length < 4 || body.subarray(0, 4).toString('latin1') !== 'k8s\u0000') { throw badRequest('the object provided is unrecognized (missing protobuf magic)'); }
  const unknown = fields(body.subarray(4));
  const tm = strings(msg(unknown, 1), ['apiVersion', 'kind']);
  const raw = unknown.get(2)?.[0];
  const obj = Buffer.isBuffer(raw) ? fields(raw) : new Map() as Fields;
  const spec = msg(obj, 2);
  switch (tm.kind) {
    case 'SelfSubjectAccessReview': {
      const ra = spec && msg(spec, 1);
      const nra = spec && msg(spec, 2);
      const s: Record<string, unknown> = {};
      if (ra) { s.resourceAttributes = strings(ra, ['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name']); }
      if (nra) { s.nonResourceAttributes = strings(nra, ['path', 'verb']); }
      return { apiVersion: tm.apiVersion, kind: tm.kind, metadata: {}, spec: s };
    }
    case 'Namespace': {
      const fin = repeated(spec, 1);
      return { apiVersion: tm.apiVersion, kind: tm.kind, metadata: objectMeta(msg(obj, 1)), spec: fin.length ? { finalizers: fin } : {} };
    }
    case 'ConfigMap': {
      const o: Record<string, unknown> = { apiVersion: tm.apiVersion, kind: tm.kind, metadata: objectMeta(msg(obj, 1)) };
      const data = map(obj, 2); if (data) { o.data = data; }
      const bin = map(obj, 3, true); if (bin) { o.binaryData = bin; }
      if (obj.get(4)?.[0] === 1) { o.immutable = true; }
      return o;
    }
    case 'Secret': {
      const o: Record<string, unknown> = { apiVersion: tm.apiVersion, kind: tm.kind, metadata: objectMeta(msg(obj, 1)) };
      const data = map(obj, 2, true); if (data) { o.data = data; }
      const type = str(obj, 3); if (type) { o.type = type; }
      const sd = map(obj, 4); if (sd) { o.stringData = sd; }
      if (obj.get(5)?.[0] === 1) { o.immutable = true; }
      return o;
    }
    case 'SelfSubjectRulesReview':
      return { apiVersion: tm.apiVersion, kind: tm.kind, metadata: {}, spec: strings(spec, ['namespace']) };
  }
  throw unsupportedMediaType(contentType);
}
