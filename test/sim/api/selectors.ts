// labelSelector / fieldSelector query parameters, with the real server's grammar and error texts.
import { labelsMatch, type FieldRequirement, type KObject, type LabelRequirement, type ResourceType } from '../store.ts';
import { badRequest } from './status.ts';

type LabelReq = LabelRequirement;

/** Splits on commas that are not inside parentheses (`a in (x,y),b`). */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') { depth++; }
    if (ch === ')') { depth--; }
    if (ch === ',' && depth === 0) { out.push(cur); cur = ''; continue; }
    cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x !== '');
}

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z.]*[a-z0-9A-Z])?\/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/;

export function parseLabelSelector(sel: string): LabelReq[] {
  const reqs: LabelReq[] = [];
  for (const part of splitTop(sel)) {
    let m: RegExpMatchArray | null;
    let r: LabelReq;
    if ((m = part.match(/^(\S+)\s+(in|notin)\s*\((.*)\)$/))) {
      r = { key: m[1], op: m[2] as 'in' | 'notin', values: m[3].split(',').map((v) => v.trim()).filter((v) => v !== '') };
    } else if ((m = part.match(/^(\S+?)\s*(==|!=|=)\s*(\S*)$/))) {
      r = { key: m[1], op: m[2] === '!=' ? 'neq' : 'eq', values: [m[3]] };
    } else if ((m = part.match(/^!\s*(\S+)$/))) {
      r = { key: m[1], op: '!exists', values: [] };
    } else if (KEY.test(part)) {
      r = { key: part, op: 'exists', values: [] };
    } else {
      throw badRequest(`unable to parse requirement: found '${part}', expected: in, notin, =, ==, !=, gt, lt`);
    }
    if (!KEY.test(r.key)) { throw badRequest(`unable to parse requirement: invalid label key "${r.key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`); }
    reqs.push(r);
  }
  return reqs;
}

export function labelMatcher(sel: string | null): (labels: Record<string, string> | undefined) => boolean {
  if (!sel) { return () => true; }
  const reqs = parseLabelSelector(sel);
  return (labels) => labelsMatch(reqs, labels);
}

// Field labels each resource supports (from the registry strategies' GetAttrs/AddFieldLabelConversionFunc).
const COMMON = ['metadata.name', 'metadata.namespace'];
const FIELDS: Record<string, string[]> = {
  pods: [...COMMON, 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.podIPs', 'status.nominatedNodeName'],
  events: [...COMMON, 'involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
  namespaces: [...COMMON, 'status.phase'],
  nodes: [...COMMON, 'spec.unschedulable'],
  secrets: [...COMMON, 'type'],
  replicasets: [...COMMON, 'status.replicas'],
};

function fieldValue(o: KObject, field: string): string {
  switch (field) {
    case 'metadata.name': return o.metadata.name;
    case 'metadata.namespace': return o.metadata.namespace ?? '';
    case 'spec.hostNetwork': return String(Boolean(o.spec?.hostNetwork));
    case 'spec.unschedulable': return String(Boolean(o.spec?.unschedulable));
    case 'status.podIPs': return (o.status?.podIPs ?? []).map((p: { ip: string }) => p.ip).join(',');
    case 'source': return o.source?.component ?? o.reportingComponent ?? '';
    case 'status.replicas': return String(o.status?.replicas ?? 0);
  }
  let v: unknown = o;
  for (const p of field.split('.')) { v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined; }
  return v === undefined || v === null ? '' : String(v);
}

/** The requirements of a fieldSelector, each with its reader (the store answers the indexed ones from its indexes). */
export function parseFieldSelector(t: ResourceType, sel: string | null): FieldRequirement[] {
  if (!sel) { return []; }
  const allowed = FIELDS[t.plural] ?? COMMON;
  const reqs: FieldRequirement[] = [];
  for (const part of sel.split(',').map((x) => x.trim()).filter((x) => x)) {
    const m = part.match(/^([^=!]+?)\s*(==|!=|=)\s*(.*)$/);
    if (!m) { throw badRequest(`invalid selector: '${sel}'; can't understand '${part}'`); }
    const field = m[1].trim();
    if (!allowed.includes(field)) { throw badRequest(`field label not supported: ${field}`); }
    reqs.push({ field, neg: m[2] === '!=', value: m[3].replace(/\\(.)/g, '$1'), read: (o) => fieldValue(o, field) });
  }
  return reqs;
}

export function fieldMatcher(t: ResourceType, sel: string | null): (o: KObject) => boolean {
  const reqs = parseFieldSelector(t, sel);
  if (!reqs.length) { return () => true; }
  return (o) => reqs.every((r) => (r.read(o) === r.value) !== r.neg);
}
