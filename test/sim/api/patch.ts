// The three patch formats the API server accepts besides apply: JSON merge (RFC 7386), JSON patch
// (RFC 6902) and Kubernetes' strategic merge, whose lists merge by the keys the Go types declare.
import { badRequest } from './status.ts';

type J = unknown;
type Obj = Record<string, J>;
const isObj = (v: J): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergePatch(target: J, patch: J): J {
  if (!isObj(patch)) { return structuredClone(patch); }
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) { delete out[k]; } else { out[k] = mergePatch(out[k], v); }
  }
  return out;
}

const unescape = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

function pointer(path: string): string[] {
  if (path === '') { return []; }
  if (!path.startsWith('/')) { throw badRequest(`the server rejected our request due to an error in our request: JSON pointer must be empty or start with a "/": ${path}`); }
  return path.slice(1).split('/').map(unescape);
}

function getAt(doc: J, parts: string[]): J {
  let cur = doc;
  for (const p of parts) {
    if (Array.isArray(cur)) { cur = cur[Number(p)]; }
    else if (isObj(cur)) { cur = cur[p]; }
    else { return undefined; }
  }
  return cur;
}

export function jsonPatch(doc: J, ops: J): J {
  if (!Array.isArray(ops)) { throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch'); }
  let root = structuredClone(doc);
  const fail = (msg: string): never => { throw new JsonPatchError(msg); };
  for (const raw of ops) {
    if (!isObj(raw)) { fail('invalid operation'); }
    const op = raw as { op: string; path: string; from?: string; value?: J };
    const parts = pointer(op.path);
    const parentOf = (ps: string[]) => { const parent = getAt(root, ps.slice(0, -1)); if (!isObj(parent) && !Array.isArray(parent)) { fail(`doc is missing path: "${op.path}": missing value`); } return parent as Obj | J[]; };
    const add = (ps: string[], value: J) => {
      if (ps.length === 0) { root = value; return; }
      const parent = parentOf(ps);
      const last = ps[ps.length - 1];
      if (Array.isArray(parent)) {
        const i = last === '-' ? parent.length : Number(last);
        if (!Number.isInteger(i) || i < 0 || i > parent.length) { fail(`add operation does not apply: doc is missing path: "${op.path}": missing value`); }
        parent.splice(i, 0, value);
      } else { parent[last] = value; }
    };
    const remove = (ps: string[]): J => {
      const parent = parentOf(ps);
      const last = ps[ps.length - 1];
      if (Array.isArray(parent)) {
        const i = Number(last);
        if (!(i >= 0 && i < parent.length)) { fail(`remove operation does not apply: doc is missing path: "${op.path}": missing value`); }
        return parent.splice(i, 1)[0];
      }
      if (!Object.hasOwn(parent, last)) { fail(`remove operation does not apply: doc is missing path: "${op.path}": missing value`); }
      const v = parent[last];
      delete parent[last];
      return v;
    };
    switch (op.op) {
      case 'add': add(parts, structuredClone(op.value)); break;
      case 'remove': remove(parts); break;
      case 'replace': remove(parts); add(parts, structuredClone(op.value)); break;
      case 'move': { const v = remove(pointer(op.from ?? '')); add(parts, v); break; }
      case 'copy': add(parts, structuredClone(getAt(root, pointer(op.from ?? '')))); break;
      case 'test': if (JSON.stringify(getAt(root, parts)) !== JSON.stringify(op.value)) { fail(`testing value ${op.path} failed: test failed`); } break;
      default: fail(`Unexpected kind: ${op.op}`);
    }
  }
  return root;
}

export class JsonPatchError extends Error {}

// patchMergeKey of list fields in the built-in types; anything else is replaced as a whole, as for CRs.
const MERGE_KEYS: Record<string, string> = {
  containers: 'name', initContainers: 'name', ephemeralContainers: 'name', volumes: 'name', env: 'name',
  volumeMounts: 'mountPath', volumeDevices: 'devicePath', imagePullSecrets: 'name', hostAliases: 'ip',
  conditions: 'type', ownerReferences: 'uid', finalizers: '', topologySpreadConstraints: 'topologyKey',
  containerStatuses: 'name', initContainerStatuses: 'name', ephemeralContainerStatuses: 'name', podIPs: 'ip', hostIPs: 'ip',
  resourceClaims: 'name', schedulingGates: 'name', readinessGates: '',
};

function mergeKeyFor(field: string, items: J[]): string | undefined {
  if (field === 'ports') {
    // Container ports merge on containerPort, Service ports on port.
    const first = items.find(isObj);
    if (first && 'containerPort' in first) { return 'containerPort'; }
    return 'port';
  }
  return MERGE_KEYS[field] || undefined;
}

export function strategicMerge(target: J, patch: J): J {
  if (!isObj(patch)) { return structuredClone(patch); }
  if (patch.$patch === 'replace') { const p = { ...patch }; delete p.$patch; return stripDirectives(p); }
  if (patch.$patch === 'delete') { return undefined; }
  const out: Obj = isObj(target) ? structuredClone(target) : {};
  const retain = patch.$retainKeys;
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$retainKeys' || k === '$patch' || k.startsWith('$setElementOrder/') || k.startsWith('$deleteFromPrimitiveList/')) { continue; }
    if (v === null) { delete out[k]; continue; }
    const cur = out[k];
    if (Array.isArray(v)) {
      const order = patch[`$setElementOrder/${k}`];
      out[k] = mergeList(k, Array.isArray(cur) ? cur : [], v, Array.isArray(order) ? order : undefined);
    } else if (isObj(v)) {
      const merged = strategicMerge(cur, v);
      if (merged === undefined) { delete out[k]; } else { out[k] = merged; }
    } else { out[k] = v; }
  }
  for (const [k, v] of Object.entries(patch)) {
    if (!k.startsWith('$deleteFromPrimitiveList/') || !Array.isArray(v)) { continue; }
    const f = k.slice('$deleteFromPrimitiveList/'.length);
    if (Array.isArray(out[f])) { out[f] = (out[f] as J[]).filter((x) => !v.includes(x)); }
  }
  if (Array.isArray(retain)) { for (const k of Object.keys(out)) { if (!retain.includes(k)) { delete out[k]; } } }
  return out;
}

function stripDirectives(v: J): J {
  if (Array.isArray(v)) { return v.map(stripDirectives); }
  if (!isObj(v)) { return v; }
  const o: Obj = {};
  for (const [k, x] of Object.entries(v)) { if (!k.startsWith('$')) { o[k] = stripDirectives(x); } }
  return o;
}

function mergeList(field: string, cur: J[], patch: J[], order: J[] | undefined): J[] {
  const key = mergeKeyFor(field, [...patch, ...cur]);
  if (!key || !patch.every((p) => isObj(p))) {
    if (patch.some((p) => isObj(p) && p.$patch === 'replace')) { return patch.filter((p) => !(isObj(p) && p.$patch)).map(stripDirectives); }
    return patch.map(stripDirectives);
  }
  const out = cur.map((x) => structuredClone(x));
  for (const p of patch as Obj[]) {
    if (p.$patch === 'replace') { return (patch as Obj[]).filter((x) => x.$patch !== 'replace').map((x) => stripDirectives(x)); }
    const i = out.findIndex((c) => isObj(c) && c[key] === p[key]);
    if (p.$patch === 'delete') { if (i >= 0) { out.splice(i, 1); } continue; }
    if (i >= 0) { out[i] = strategicMerge(out[i], p); } else { out.push(strategicMerge(undefined, p)); }
  }
  if (order) {
    const pos = (x: J) => order.findIndex((o) => isObj(o) && isObj(x) && o[key] === x[key]);
    out.sort((a, b) => { const pa = pos(a), pb = pos(b); return (pa < 0 ? 1e9 : pa) - (pb < 0 ? 1e9 : pb); });
  }
  return out;
}
