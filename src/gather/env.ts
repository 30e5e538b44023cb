/**
 * A container's environment as the kubelet builds it: `envFrom` first (in order, with `prefix`), then
 * `env` in order, each value expanded with kubelet `$(VAR)` syntax against the variables defined so far
 * (`$$` escapes a dollar, an undefined `$(VAR)` stays as written). Secrets are never read: a secret value
 * is recorded as unknown, not fetched.
 */
import type { KObject } from '../cluster/types.ts';

export type EnvSource = 'value' | 'configMapKeyRef' | 'envFrom-configMap' | 'fieldRef' | 'secret' | 'resourceFieldRef' | 'unresolved';

export interface EnvVar {
  name: string;
  /** undefined when it cannot be known (secret, missing ConfigMap key) */
  value?: string;
  source: EnvSource;
  /** where it came from, for evidence: `ConfigMap apps/otel-env key endpoint`, `fieldRef status.podIP` */
  from?: string;
  /** the raw value before `$(VAR)` expansion, when it differs */
  raw?: string;
  note?: string;
  /** added by the OpenTelemetry operator's injection (gather/instrumentation.ts): `Instrumentation ns/name` */
  injectedBy?: string;
}

/** ConfigMaps by `namespace/name`. */
export type ConfigMapIndex = Map<string, KObject>;

/** Kubelet `$(VAR)` expansion (k8s.io/kubernetes third_party/forked/golang/expansion). */
export function expandKubeletVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      i++;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close === -1) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      const v = name === '' ? undefined : lookup(name);
      out += v === undefined ? input.slice(i, close + 1) : v;
      i = close + 1;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

function fieldRefValue(pod: KObject, path: string): string | undefined {
  const md = pod.metadata ?? ({} as KObject['metadata']);
  switch (path) {
    case 'metadata.name':
      return md.name;
    case 'metadata.namespace':
      return md.namespace;
    case 'metadata.uid':
      return md.uid;
    case 'status.podIP':
      return pod.status?.podIP;
    case 'status.hostIP':
      return pod.status?.hostIP;
    case 'spec.nodeName':
      return pod.spec?.nodeName;
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName;
  }
  const m = /^metadata\.(labels|annotations)\['([^']+)'\]$/.exec(path);
  if (m) { return (m[1] === 'labels' ? md.labels : md.annotations)?.[m[2]]; }
  return undefined;
}

export function resolveContainerEnv(pod: KObject, container: any, configMaps: ConfigMapIndex): EnvVar[] {
  const ns = pod.metadata?.namespace ?? 'default';
  const vars: EnvVar[] = [];
  const byName = new Map<string, EnvVar>();
  const set = (v: EnvVar): void => {
    const prev = byName.get(v.name);
    if (prev) { vars.splice(vars.indexOf(prev), 1); }
    vars.push(v);
    byName.set(v.name, v);
  };
  const lookup = (name: string): string | undefined => byName.get(name)?.value;

  for (const ef of Array.isArray(container?.envFrom) ? container.envFrom : []) {
    const prefix = typeof ef?.prefix === 'string' ? ef.prefix : '';
    if (ef?.configMapRef?.name) {
      const cm = configMaps.get(`${ns}/${ef.configMapRef.name}`);
      if (!cm) {
        continue; // optional or not visible; the kubelet would refuse to start a non-optional one
      }
      for (const [k, v] of Object.entries(cm.data ?? {})) {
        set({ name: prefix + k, value: String(v), source: 'envFrom-configMap', from: `ConfigMap ${ns}/${ef.configMapRef.name} key ${k}` });
      }
    }
    // secretRef: keys unknown without reading the Secret, which a diagnosis never does.
  }

  for (const e of Array.isArray(container?.env) ? container.env : []) {
    if (!e || typeof e.name !== 'string') { continue; }
    if (typeof e.value === 'string' || (e.value === undefined && !e.valueFrom)) {
      const raw = typeof e.value === 'string' ? e.value : '';
      const value = expandKubeletVars(raw, lookup);
      set({ name: e.name, value, source: 'value', ...(value !== raw ? { raw } : {}) });
      continue;
    }
    const vf = e.valueFrom ?? {};
    if (vf.configMapKeyRef) {
      const ref = vf.configMapKeyRef;
      const cm = configMaps.get(`${ns}/${ref.name}`);
      const v = cm?.data?.[ref.key];
      set(
        v === undefined
          ? { name: e.name, source: 'unresolved', from: `ConfigMap ${ns}/${ref.name} key ${ref.key}`, note: cm ? 'key not in ConfigMap' : 'ConfigMap not found' }
          : { name: e.name, value: String(v), source: 'configMapKeyRef', from: `ConfigMap ${ns}/${ref.name} key ${ref.key}` },
      );
    } else if (vf.fieldRef) {
      const path = String(vf.fieldRef.fieldPath ?? '');
      set({ name: e.name, value: fieldRefValue(pod, path), source: 'fieldRef', from: `fieldRef ${path}` });
    } else if (vf.secretKeyRef) {
      set({ name: e.name, source: 'secret', from: `Secret ${ns}/${vf.secretKeyRef.name} key ${vf.secretKeyRef.key}`, note: 'secrets are not read' });
    } else if (vf.resourceFieldRef) {
      set({ name: e.name, source: 'resourceFieldRef', from: `resourceFieldRef ${vf.resourceFieldRef.resource}` });
    }
  }
  return vars;
}

export function envMap(vars: EnvVar[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of vars) { if (v.value !== undefined) { out[v.name] = v.value; } }
  return out;
}
