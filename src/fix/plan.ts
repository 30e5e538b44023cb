/**
 * Pure: from the diagnosis' findings and the live objects to the changes `fix` shows and makes. Each
 * change is derived from the finding's data (rule, fix.object, fix.patch) and made on the parsed object:
 * the config Document at the path the rule's fragment names, a Service port by its number (the strategic
 * merge key), a container's env entry by name.
 */
import { parse } from 'yaml';
import type { KObject, PatchType, ResourceRef } from '../cluster/types.ts';
import type { Finding, FixObject } from '../report/finding.ts';
import { EDIT_TARGETS, FIXABLE, FIXED_ANNOTATION, KIND_RESOURCES, RESTARTED_AT, ROLLABLE, type EditKind } from './table.ts';
import { EditError, fragmentLeaves, setLeavesInObject, setLeavesInText } from './yaml-edit.ts';
import type { ObjectId } from './diff.ts';

export interface WorkloadRef {
  kind: string;
  namespace: string;
  name: string;
}

export type Verdict =
  | { kind: 'edit'; finding: Finding; edit: EditKind; object: FixObject & { namespace: string } }
  /** Helm renders the object: the chart value and `helm upgrade`, never a patch Helm would overwrite */
  | { kind: 'helm'; finding: Finding; commands: string[] }
  | { kind: 'manual'; finding: Finding; reason: string };

export function findingKey(f: Pick<Finding, 'rule' | 'subject'>): string {
  const s = f.subject;
  return `${f.rule} ${s.kind} ${s.namespace ?? ''}/${s.name}${s.container ? ` (${s.container})` : ''}`;
}

/** What `fix` can do with one finding, before reading any object. */
export function classify(f: Finding): Verdict {
  const object = f.fix.object;
  if (f.subject.managedBy?.tool === 'helm' && object?.kind === 'Helm release') {
    return { kind: 'helm', finding: f, commands: f.fix.commands?.apply ?? [] };
  }
  const row = FIXABLE[f.rule];
  if (!row) { return { kind: 'manual', finding: f, reason: 'no automatic fix for this rule' }; }
  if (!object || !object.namespace) { return { kind: 'manual', finding: f, reason: 'the finding names no object to change' }; }
  const edit = row.edits.find((e) => EDIT_TARGETS[e].includes(object.kind));
  if (!edit) { return { kind: 'manual', finding: f, reason: `no automatic fix changes a ${object.kind}` }; }
  if (edit === 'collector-config' && object.kind === 'ConfigMap' && !object.key) { return { kind: 'manual', finding: f, reason: 'the finding names no ConfigMap key' }; }
  return { kind: 'edit', finding: f, edit, object: { ...object, namespace: object.namespace } };
}

export function objectKey(o: { kind: string; namespace?: string; name: string }): string {
  return `${o.kind}/${o.namespace ?? ''}/${o.name}`;
}

/** Who renders the live object, when a hand edit would be overwritten. */
export function ownerOf(o: KObject): string | undefined {
  const l = o.metadata.labels ?? {};
  const a = o.metadata.annotations ?? {};
  if (a['meta.helm.sh/release-name'] !== undefined || l['app.kubernetes.io/managed-by'] === 'Helm') {
    return `Helm release ${a['meta.helm.sh/release-name'] ?? l['app.kubernetes.io/instance'] ?? '(unknown)'}: change the chart's values (helm upgrade --reuse-values --set ...), a patch would be undone by the next upgrade`;
  }
  if (l['app.kubernetes.io/managed-by'] === 'opentelemetry-operator') {
    return 'the OpenTelemetry operator, which regenerates it from the OpenTelemetryCollector CR on every reconcile: change the CR';
  }
  return undefined;
}

export interface ObjectChange {
  id: ObjectId;
  resource: ResourceRef;
  before: KObject;
  after: KObject;
  /** what changed, one line each (`receivers.otlp.protocols.grpc.endpoint: localhost:4317 -> 0.0.0.0:4317`) */
  changes: string[];
  findings: Finding[];
  patchType: PatchType;
  /** the body sent: the change, the resourceVersion read (a precondition) and the annotation */
  patch: Record<string, unknown>;
  /** workloads to roll out for the change to take effect (a collector reads its config once, at start) */
  restart: WorkloadRef[];
  /** workloads the change itself rolls out (a pod template edit) */
  rolls: WorkloadRef[];
  /**
   * workloads the operator rolls out after a CR change (their pod template carries the config's hash,
   * internal/manifests/manifestutils/annotations.go): done once it has updated them and they are ready
   */
  operatorRolls: WorkloadRef[];
}

export interface Refusal {
  finding: Finding;
  reason: string;
}

type Json = Record<string, unknown>;

function show(v: unknown): string {
  return v === undefined ? '(unset)' : typeof v === 'string' ? v : JSON.stringify(v);
}

function configEdit(obj: KObject, v: Extract<Verdict, { kind: 'edit' }>): string[] {
  const leaves = v.finding.fix.patch ? fragmentLeaves(v.finding.fix.patch) : undefined;
  if (!leaves) { throw new EditError('the finding\'s patch is not a config fragment'); }
  const lines = (changes: { path: string[]; from?: unknown; to: unknown }[]) => changes.map((c) => `${c.path.join('.')}: ${show(c.from)} -> ${show(c.to)}`);
  if (obj.kind === 'ConfigMap') {
    const key = v.object.key as string;
    const text = obj.data?.[key];
    if (typeof text !== 'string') { throw new EditError(`ConfigMap ${obj.metadata.namespace}/${obj.metadata.name} has no key ${key}`); }
    const r = setLeavesInText(text, leaves);
    obj.data = { ...obj.data, [key]: r.text };
    return lines(r.changes).map((l) => `${key}: ${l}`);
  }
  // OpenTelemetryCollector: v1beta1 holds the config as an object, v1alpha1 as YAML text.
  const spec = (obj.spec ??= {}) as Json;
  if (typeof spec.config === 'string') {
    const r = setLeavesInText(spec.config, leaves);
    spec.config = r.text;
    return lines(r.changes).map((l) => `spec.config.${l}`);
  }
  const r = setLeavesInObject(spec.config, leaves);
  spec.config = r.config;
  return lines(r.changes).map((l) => `spec.config.${l}`);
}

interface PortPatch { name?: string; port: number; targetPort?: number | string; protocol?: string }

function servicePortsEdit(obj: KObject, v: Extract<Verdict, { kind: 'edit' }>): string[] {
  let frag: unknown;
  try { frag = parse(v.finding.fix.patch ?? ''); } catch { frag = undefined; }
  const ports = (frag as { spec?: { ports?: unknown } } | null)?.spec?.ports;
  if (!Array.isArray(ports) || !ports.length || !ports.every((p) => p && typeof p === 'object' && typeof (p as PortPatch).port === 'number')) {
    throw new EditError('the finding\'s patch names no Service port');
  }
  const spec = (obj.spec ??= {}) as { ports?: Json[] };
  spec.ports = [...(spec.ports ?? [])];
  const out: string[] = [];
  for (const p of ports as PortPatch[]) {
    // Service ports merge on `port` (the patchMergeKey of ServiceSpec.Ports in k8s.io/api/core/v1/types.go).
    const i = spec.ports.findIndex((x) => x.port === p.port && (x.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
    if (i >= 0) {
      const cur = spec.ports[i];
      const next = { ...cur, ...p };
      for (const k of Object.keys(p) as (keyof PortPatch)[]) {
        if (cur[k] !== p[k]) { out.push(`port ${p.port} ${k}: ${show(cur[k])} -> ${show(p[k])}`); }
      }
      spec.ports[i] = next;
    } else {
      if (p.name && spec.ports.some((x) => x.name === p.name)) { throw new EditError(`the Service already has a port named ${p.name}`); }
      spec.ports.push({ ...p, protocol: p.protocol ?? 'TCP' });
      out.push(`port ${p.port} added (targetPort ${show(p.targetPort ?? p.port)})`);
    }
  }
  return out;
}

function envEdit(obj: KObject, v: Extract<Verdict, { kind: 'edit' }>): string[] {
  let frag: unknown;
  try { frag = parse(v.finding.fix.patch ?? ''); } catch { frag = undefined; }
  const list = Array.isArray(frag) ? frag : (frag as { env?: unknown } | null)?.env;
  if (!Array.isArray(list) || !list.length) { throw new EditError('the finding\'s patch is not an env list'); }
  const pairs: [string, string][] = [];
  for (const e of list) {
    const name = (e as { name?: unknown })?.name;
    const value = (e as { value?: unknown })?.value;
    if (typeof name !== 'string' || (typeof value !== 'string' && typeof value !== 'number')) { throw new EditError('the finding\'s patch is not an env list'); }
    // `<collector-service>`: the rule could not know the value, a person has to choose it.
    if (/<[^>]+>/.test(String(value))) { throw new EditError(`the value of ${name} has a placeholder to fill in: ${value}`); }
    pairs.push([name, String(value)]);
  }
  const containers = obj.spec?.template?.spec?.containers as Json[] | undefined;
  const c = containers?.find((x) => x.name === v.object.container) ?? (containers?.length === 1 && !v.object.container ? containers[0] : undefined);
  if (!c) { throw new EditError(`${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name} has no container ${v.object.container ?? ''}`.trim()); }
  const env = [...((c.env as Json[] | undefined) ?? [])];
  const out: string[] = [];
  for (const [name, value] of pairs) {
    const i = env.findIndex((e) => e.name === name);
    if (i >= 0 && env[i].valueFrom !== undefined) { throw new EditError(`${name} comes from ${Object.keys(env[i].valueFrom as Json)[0] ?? 'valueFrom'}: change it at its source`); }
    if (i >= 0 && env[i].value === value) { continue; }
    out.push(`container ${c.name} env ${name}: ${show(i >= 0 ? env[i].value : undefined)} -> ${value}`);
    if (i >= 0) { env[i] = { ...env[i], value }; } else { env.push({ name, value }); }
  }
  c.env = env;
  return out;
}

function changedPorts(before: KObject, after: KObject): Json[] {
  const old = (before.spec?.ports ?? []) as Json[];
  return ((after.spec?.ports ?? []) as Json[]).filter((p) => !old.some((o) => JSON.stringify(o) === JSON.stringify(p)));
}

function changedEnv(before: KObject, after: KObject): Json[] {
  const out: Json[] = [];
  for (const c of (after.spec?.template?.spec?.containers ?? []) as Json[]) {
    const old = ((before.spec?.template?.spec?.containers ?? []) as Json[]).find((x) => x.name === c.name);
    const env = ((c.env as Json[] | undefined) ?? []).filter((e) => !((old?.env as Json[] | undefined) ?? []).some((o) => JSON.stringify(o) === JSON.stringify(e)));
    if (env.length) { out.push({ name: c.name, env }); }
  }
  return out;
}

const isPlainObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The RFC 7386 merge patch that turns `before` into `after`: keys that differ (recursing into maps both
 * sides have), null for a key `after` dropped, nothing for what is equal.
 */
export function mergeDiff(before: unknown, after: unknown): unknown {
  if (!isPlainObject(before) || !isPlainObject(after)) { return after; }
  const out: Json = {};
  for (const [k, v] of Object.entries(after)) {
    if (!(k in before)) { out[k] = v; continue; }
    if (JSON.stringify(before[k]) === JSON.stringify(v)) { continue; }
    out[k] = isPlainObject(before[k]) && isPlainObject(v) ? mergeDiff(before[k], v) : v;
  }
  for (const k of Object.keys(before)) { if (!(k in after)) { out[k] = null; } }
  return out;
}

/** The body of the write: only what changed, with the resourceVersion read as the precondition. */
function patchFor(kind: string, before: KObject, after: KObject, annotation: string): { type: PatchType; body: Json } {
  const metadata = { resourceVersion: before.metadata.resourceVersion, annotations: { [FIXED_ANNOTATION]: annotation } };
  switch (kind) {
    case 'ConfigMap': {
      const data: Json = {};
      for (const [k, v] of Object.entries(after.data ?? {})) { if (before.data?.[k] !== v) { data[k] = v; } }
      return { type: 'merge', body: { metadata, data } };
    }
    case 'OpenTelemetryCollector':
      // A custom resource takes no strategic merge patch (the API server answers 415): a merge patch, of the
      // changed leaves only. The whole config would carry the nulls the CR holds (`batch:` with no settings),
      // and null in a merge patch deletes the key (RFC 7386).
      return { type: 'merge', body: { metadata, spec: { config: mergeDiff(before.spec?.config, after.spec?.config) } } };
    case 'Service':
      return { type: 'strategic', body: { metadata, spec: { ports: changedPorts(before, after) } } };
    default:
      return { type: 'strategic', body: { metadata, spec: { template: { spec: { containers: changedEnv(before, after) } } } } };
  }
}

/**
 * The change to one live object for the verdicts that name it. A verdict whose edit cannot be made (the
 * receiver is not in this key, the env var comes from a Secret, Helm owns the object) becomes a refusal
 * with the reason; the others still apply.
 */
export function planObject(live: KObject, verdicts: Extract<Verdict, { kind: 'edit' }>[], now: Date): { change?: ObjectChange; refused: Refusal[] } {
  const kind = verdicts[0].object.kind;
  const owner = ownerOf(live);
  if (owner) { return { refused: verdicts.map((v) => ({ finding: v.finding, reason: `${kind} ${live.metadata.namespace}/${live.metadata.name} is managed by ${owner}` })) }; }
  const after = structuredClone(live);
  const refused: Refusal[] = [];
  const done: { v: Extract<Verdict, { kind: 'edit' }>; lines: string[] }[] = [];
  for (const v of verdicts) {
    const trial = structuredClone(after);
    try {
      const lines = v.edit === 'collector-config' ? configEdit(trial, v) : v.edit === 'service-ports' ? servicePortsEdit(trial, v) : envEdit(trial, v);
      Object.assign(after, trial);
      done.push({ v, lines });
    } catch (e) {
      if (!(e instanceof EditError)) { throw e; }
      refused.push({ finding: v.finding, reason: e.message });
    }
  }
  const lines = done.flatMap((d) => d.lines);
  if (!lines.length) {
    // Already as the fix wants it (someone fixed it since the diagnosis, or the finding is about something else).
    for (const d of done) { refused.push({ finding: d.v.finding, reason: `${kind} ${live.metadata.namespace}/${live.metadata.name} already has what the fix sets` }); }
    return { refused };
  }
  const rules = [...new Set(done.filter((d) => d.lines.length).map((d) => d.v.finding.rule))];
  const annotation = `${rules.join(',')} ${now.toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
  after.metadata = { ...after.metadata, annotations: { ...(after.metadata.annotations ?? {}), [FIXED_ANNOTATION]: annotation } };
  const { type, body } = patchFor(kind, live, after, annotation);
  const ns = live.metadata.namespace ?? verdicts[0].object.namespace;
  const restart: WorkloadRef[] = [];
  if (kind === 'ConfigMap') {
    for (const d of done) {
      const s = d.v.finding.subject;
      if (ROLLABLE.has(s.kind) && s.namespace && !restart.some((r) => r.kind === s.kind && r.name === s.name && r.namespace === s.namespace)) { restart.push({ kind: s.kind, namespace: s.namespace, name: s.name }); }
    }
  }
  const operatorRolls: WorkloadRef[] = [];
  if (kind === 'OpenTelemetryCollector') {
    for (const d of done) {
      const s = d.v.finding.subject;
      if (ROLLABLE.has(s.kind) && s.namespace && !operatorRolls.some((r) => r.kind === s.kind && r.name === s.name && r.namespace === s.namespace)) { operatorRolls.push({ kind: s.kind, namespace: s.namespace, name: s.name }); }
    }
  }
  const res = KIND_RESOURCES[kind];
  return {
    change: {
      id: { apiVersion: live.apiVersion ?? res.apiVersion, kind, namespace: ns, name: live.metadata.name },
      resource: res.resource,
      before: live,
      after,
      changes: lines,
      findings: done.filter((d) => d.lines.length).map((d) => d.v.finding),
      patchType: type,
      patch: body,
      restart,
      rolls: ROLLABLE.has(kind) ? [{ kind, namespace: ns, name: live.metadata.name }] : [],
      operatorRolls,
    },
    refused,
  };
}

/** kubectl rollout restart's patch: a new pod template annotation, so the controller replaces every pod. */
export function restartPatch(now: Date): Json {
  // objectrestarter.go: time.Now().Format(time.RFC3339), i.e. seconds and a zone, no fraction.
  return { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: now.toISOString().replace(/\.\d{3}Z$/, 'Z') } } } } };
}
