/**
 * What an object needs from other objects, and what it offers them: the links lint's model follows (a pod
 * mounts a ConfigMap, an app sends to a Service, a Service or NetworkPolicy selects pods, an annotation picks
 * an Instrumentation or a sidecar collector). contexts.ts links folders only through these, so that a
 * repository's unrelated examples stay apart while a system spread over sibling folders is joined.
 */
import { SIDECAR_ANNOTATION } from '../gather/discover.ts';
import { CLUSTER_SCOPED } from './build.ts';
import { podOf, type LintObject } from './shapes.ts';
import { isObj } from './is-obj.ts';
import { asksForNothing, injectTarget } from '../otel/inject-select.ts';

/** An exact object (`Kind ns/name`), any object of a kind in a namespace (`Kind ns/*`), or pods by labels. */
export type Ref = { key: string; multi: boolean } | { ns: string; selector: Record<string, string>; multi: true };

export interface Offers {
  keys: Set<string>;
  /** pod template labels by namespace */
  pods: Map<string, Record<string, string>[]>;
}

const INSTRUMENTATION = 'instrumentation.opentelemetry.io/';

function nsOf(o: LintObject): string {
  return typeof o.obj.metadata.namespace === 'string' && o.obj.metadata.namespace ? o.obj.metadata.namespace : 'default';
}

export function identity(o: LintObject): string {
  const kind = o.obj.kind ?? '';
  return `${kind} ${CLUSTER_SCOPED.has(kind) ? '' : `${nsOf(o)}/`}${o.obj.metadata.name}`;
}

export function offer(o: LintObject, into: Offers): void {
  const kind = o.obj.kind ?? '';
  const ns = nsOf(o);
  into.keys.add(identity(o));
  if (kind === 'Instrumentation') { into.keys.add(`Instrumentation ${ns}/*`); }
  if (kind === 'OpenTelemetryCollector' && String(o.obj.spec?.mode ?? '').toLowerCase() === 'sidecar') {
    into.keys.add(`sidecar ${ns}/${o.obj.metadata.name}`);
    into.keys.add(`sidecar ${ns}/*`);
  }
  const pod = podOf(o);
  if (pod) {
    const labels = isObj(pod.metadata.labels) ? (pod.metadata.labels as Record<string, string>) : {};
    (into.pods.get(ns) ?? into.pods.set(ns, []).get(ns)!).push(labels);
  }
}

export function offers(o: Offers, r: Ref): boolean {
  if ('key' in r) { return o.keys.has(r.key); }
  const sel = Object.entries(r.selector);
  return (o.pods.get(r.ns) ?? []).some((labels) => sel.every(([k, v]) => labels[k] === v));
}

/** The Service an endpoint names by DNS (`name`, `name.ns`, `name.ns.svc[.cluster.local]`), as the rules resolve it. */
function serviceOfEndpoint(value: string, ns: string): string | undefined {
  if (value.includes('$(') || value.includes('${')) { return undefined; }
  const m = /^(?:[a-z][a-z0-9+.-]*:\/\/)?([a-z0-9][a-z0-9.-]*)(?::\d+)?(?:\/.*)?$/i.exec(value.trim());
  if (!m) { return undefined; }
  const host = m[1].toLowerCase().replace(/\.$/, '');
  if (/^[0-9.]+$/.test(host) || host === 'localhost') { return undefined; }
  const parts = host.split('.');
  if (parts.length === 1) { return `Service ${ns}/${parts[0]}`; }
  if (parts.length === 2 || (parts.length === 3 && parts[2] === 'svc') || (parts.length === 5 && host.endsWith('.svc.cluster.local'))) { return `Service ${parts[1]}/${parts[0]}`; }
  return undefined;
}

function selectorRef(ns: string, sel: unknown): Ref | undefined {
  if (!isObj(sel)) { return undefined; }
  const labels = Object.fromEntries(Object.entries(sel).filter(([, v]) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean').map(([k, v]) => [k, String(v)]));
  return { ns, selector: labels, multi: true };
}

export function refsOf(o: LintObject): Ref[] {
  const kind = o.obj.kind ?? '';
  const ns = nsOf(o);
  const out: Ref[] = [];
  const exact = (k: string): void => { out.push({ key: k, multi: false }); };
  if (kind === 'Service' && o.obj.spec?.type !== 'ExternalName') {
    const r = selectorRef(ns, o.obj.spec?.selector);
    if (r && Object.keys((r as { selector: object }).selector).length) { out.push(r); }
  }
  if (kind === 'NetworkPolicy' && isObj(o.obj.spec?.podSelector)) {
    const r = selectorRef(ns, o.obj.spec.podSelector.matchLabels ?? {});
    if (r) { out.push(r); }
  }
  if (kind === 'Instrumentation' && isObj(o.obj.spec)) {
    const eps: unknown[] = [o.obj.spec.exporter?.endpoint];
    for (const lang of Object.values(o.obj.spec)) {
      if (isObj(lang) && Array.isArray(lang.env)) { eps.push(...lang.env.map((e: any) => e?.value)); }
    }
    for (const e of eps) {
      const svc = typeof e === 'string' ? serviceOfEndpoint(e, ns) : undefined;
      if (svc) { exact(svc); }
    }
  }
  const pod = podOf(o);
  if (!pod) { return out; }
  const spec = isObj(pod.spec) ? pod.spec : {};
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) {
    if (typeof v?.configMap?.name === 'string') { exact(`ConfigMap ${ns}/${v.configMap.name}`); }
    if (typeof v?.secret?.secretName === 'string') { exact(`Secret ${ns}/${v.secret.secretName}`); }
    for (const s of Array.isArray(v?.projected?.sources) ? v.projected.sources : []) {
      if (typeof s?.configMap?.name === 'string') { exact(`ConfigMap ${ns}/${s.configMap.name}`); }
    }
  }
  const containers = [...(Array.isArray(spec.containers) ? spec.containers : []), ...(Array.isArray(spec.initContainers) ? spec.initContainers : [])];
  for (const c of containers) {
    for (const ef of Array.isArray(c?.envFrom) ? c.envFrom : []) {
      if (typeof ef?.configMapRef?.name === 'string') { exact(`ConfigMap ${ns}/${ef.configMapRef.name}`); }
      if (typeof ef?.secretRef?.name === 'string') { exact(`Secret ${ns}/${ef.secretRef.name}`); }
    }
    // `$(VAR)` expands from variables defined earlier in the same container, as the kubelet does.
    const earlier = new Map<string, string>();
    for (const e of Array.isArray(c?.env) ? c.env : []) {
      if (typeof e?.valueFrom?.configMapKeyRef?.name === 'string') { exact(`ConfigMap ${ns}/${e.valueFrom.configMapKeyRef.name}`); }
      if (typeof e?.value !== 'string') { continue; }
      const value = e.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m: string, name: string) => earlier.get(name) ?? m);
      earlier.set(String(e.name), value);
      if (/ENDPOINT/i.test(String(e.name))) {
        const svc = serviceOfEndpoint(value, ns);
        if (svc) { exact(svc); }
      }
    }
  }
  const ann = isObj(pod.metadata.annotations) ? pod.metadata.annotations : {};
  for (const [k, v] of Object.entries(ann)) {
    const value = String(v);
    if (asksForNothing(value)) { continue; }
    // `true` means "the one in the namespace": any Instrumentation (or sidecar collector) there satisfies it,
    // and a second one elsewhere would change which (multi).
    const target = (prefix: string): void => {
      const t = injectTarget(value, ns);
      if (t.name === undefined) { out.push({ key: `${prefix} ${t.namespace}/*`, multi: true }); } else { exact(`${prefix} ${t.namespace}/${t.name}`); }
    };
    if (k.startsWith(`${INSTRUMENTATION}inject-`)) { target('Instrumentation'); }
    if (k === SIDECAR_ANNOTATION) { target('sidecar'); }
  }
  return out;
}
