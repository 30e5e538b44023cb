// The kubelet's container environment, as pkg/kubelet/kubelet_pods.go makeEnvironmentVariables builds it,
// with $(VAR) expansion ported from kubernetes/third_party/forked/golang/expansion. Pure: every lookup the
// kubelet would do against the API is passed in, so it can be unit-tested without a cluster.
import type { KObject } from '../store.ts';
import { joinHostPort } from '../ip-family.ts';

/** Why a container cannot be created (the kubelet reports it as CreateContainerConfigError). */
export class EnvError extends Error {}

export interface EnvLookups {
  configMap(namespace: string, name: string): KObject | undefined;
  secret(namespace: string, name: string): KObject | undefined;
  /** Services of the pod's namespace, plus `kubernetes` in `default` (the kubelet always adds the master service). */
  services: KObject[];
}

export interface ResolvedEnv {
  env: Array<{ name: string; value: string }>;
  command: string[];
  args: string[];
}

const OPERATOR = '$';

/** Like expansion.MappingFuncFor: the first context that has the name wins; unknown names stay `$(NAME)`. */
export function mappingFuncFor(...contexts: Array<Map<string, string>>): (name: string) => string {
  return (name) => {
    for (const c of contexts) {
      const v = c.get(name);
      if (v !== undefined) { return v; }
    }
    return `$(${name})`;
  };
}

function tryReadVariableName(input: string): [string, boolean, number] {
  switch (input[0]) {
    case OPERATOR:
      return [OPERATOR, false, 1]; // `$$` is an escaped `$`
    case '(': {
      for (let i = 1; i < input.length; i++) { if (input[i] === ')') { return [input.slice(1, i), true, i + 1]; } }
      return ['$(', false, 1]; // an unterminated reference is kept literally
    }
    default:
      return [OPERATOR + input[0], false, 1];
  }
}

/** expansion.Expand, byte for byte (JS strings index UTF-16 units, which changes nothing for ASCII operators). */
export function expand(input: string, mapping: (name: string) => string): string {
  let buf = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] === OPERATOR && cursor + 1 < input.length) {
      buf += input.slice(checkpoint, cursor);
      const [read, isVar, advance] = tryReadVariableName(input.slice(cursor + 1));
      buf += isVar ? mapping(read) : read;
      cursor += advance;
      checkpoint = cursor + 1;
    }
  }
  return buf + input.slice(checkpoint);
}

/** pkg/kubelet/envvars FromServices: Docker-link style variables for every Service with a ClusterIP. */
export function serviceEnv(services: KObject[]): Map<string, string> {
  const out = new Map<string, string>();
  const sorted = [...services].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  for (const svc of sorted) {
    const ip: string | undefined = svc.spec?.clusterIP;
    if (!ip || ip === 'None') {
      continue; // headless services get no link variables
    }
    const ports: Array<{ name?: string; port: number; protocol?: string }> = svc.spec?.ports ?? [];
    const prefix = svc.metadata.name.toUpperCase().replace(/-/g, '_');
    out.set(`${prefix}_SERVICE_HOST`, ip);
    if (ports.length === 0) { continue; }
    out.set(`${prefix}_SERVICE_PORT`, String(ports[0].port));
    for (const p of ports) { if (p.name) { out.set(`${prefix}_SERVICE_PORT_${p.name.toUpperCase().replace(/-/g, '_')}`, String(p.port)); } }
    const first = ports[0];
    const proto0 = (first.protocol ?? 'TCP').toLowerCase();
    // The kubelet writes these URLs with net.JoinHostPort (envvars.go makeLinkVariables): tcp://[fd00:10:96::b]:4317.
    out.set(`${prefix}_PORT`, `${proto0}://${joinHostPort(ip, first.port)}`);
    for (const p of ports) {
      const proto = p.protocol ?? 'TCP';
      const base = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      out.set(base, `${proto.toLowerCase()}://${joinHostPort(ip, p.port)}`);
      out.set(`${base}_PROTO`, proto.toLowerCase());
      out.set(`${base}_PORT`, String(p.port));
      out.set(`${base}_ADDR`, ip);
    }
  }
  return out;
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** Values of `fieldRef.fieldPath`, as podFieldSelectorRuntimeValue + fieldpath.ExtractFieldPathAsString. */
export function fieldRefValue(pod: KObject, fieldPath: string): string {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath) ?? /^metadata\.(labels|annotations)\["(.*)"\]$/.exec(fieldPath);
  if (m) { return (pod.metadata[m[1] as 'labels' | 'annotations'] as Record<string, string> | undefined)?.[m[2]] ?? ''; }
  switch (fieldPath) {
    case 'metadata.name': return pod.metadata.name;
    case 'metadata.namespace': return pod.metadata.namespace ?? 'default';
    case 'metadata.uid': return pod.metadata.uid ?? '';
    case 'metadata.labels': return formatMap(pod.metadata.labels);
    case 'metadata.annotations': return formatMap(pod.metadata.annotations);
    case 'spec.nodeName': return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? 'default';
    case 'status.hostIP': return pod.status?.hostIP ?? '';
    case 'status.hostIPs': return (pod.status?.hostIPs ?? []).map((x: { ip: string }) => x.ip).join(',');
    case 'status.podIP': return pod.status?.podIP ?? '';
    case 'status.podIPs': return (pod.status?.podIPs ?? []).map((x: { ip: string }) => x.ip).join(',');
    default: throw new EnvError(`unsupported fieldPath: ${fieldPath}`);
  }
}

function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {}).sort().map((k) => `${k}="${m![k]}"`).join('\n');
}

function decodeSecret(s: KObject, key: string): string | undefined {
  const b64: string | undefined = s.data?.[key];
  if (b64 !== undefined) { return Buffer.from(b64, 'base64').toString('utf8'); }
  return s.stringData?.[key]; // objects written straight into the store may still carry stringData
}

function secretKeys(s: KObject): string[] {
  return [...new Set([...Object.keys(s.data ?? {}), ...Object.keys(s.stringData ?? {})])];
}

/** Simplified resourceFieldRef: the container's limit (or request) as written, else this simulated node's capacity. */
function resourceFieldValue(container: KObject, ref: { resource: string }): string {
  const [kind, res] = ref.resource.split('.');
  const q = container.resources?.[kind === 'requests' ? 'requests' : 'limits']?.[res];
  if (q !== undefined) { return String(q); }
  return res === 'cpu' ? '2' : res === 'memory' ? '8589934592' : '0';
}

/**
 * The environment and argv of one container. Throws EnvError with the kubelet's message when a referenced
 * ConfigMap/Secret (or key) is missing and not optional.
 */
export function resolveContainerEnv(pod: KObject, container: KObject, lookups: EnvLookups): ResolvedEnv {
  const ns = pod.metadata.namespace ?? 'default';
  const svcEnv = pod.spec?.enableServiceLinks === false
    ? serviceEnv(lookups.services.filter((s) => s.metadata.name === 'kubernetes' && s.metadata.namespace === 'default'))
    : serviceEnv(lookups.services);
  const tmpEnv = new Map<string, string>();
  const mapping = mappingFuncFor(tmpEnv, svcEnv);

  for (const from of container.envFrom ?? []) {
    const prefix: string = from.prefix ?? '';
    if (from.configMapRef) {
      const cm = lookups.configMap(ns, from.configMapRef.name);
      if (!cm) {
        if (from.configMapRef.optional) { continue; }
        throw new EnvError(`configmap "${from.configMapRef.name}" not found`);
      }
      for (const [k, v] of Object.entries<string>(cm.data ?? {})) {
        if (!ENV_NAME.test(prefix + k)) {
          continue; // the kubelet skips invalid names (and emits an event)
        }
        tmpEnv.set(prefix + k, v);
      }
    } else if (from.secretRef) {
      const s = lookups.secret(ns, from.secretRef.name);
      if (!s) {
        if (from.secretRef.optional) { continue; }
        throw new EnvError(`secret "${from.secretRef.name}" not found`);
      }
      for (const k of secretKeys(s)) {
        if (!ENV_NAME.test(prefix + k)) { continue; }
        tmpEnv.set(prefix + k, decodeSecret(s, k) ?? '');
      }
    }
  }

  for (const e of container.env ?? []) {
    let value: string = e.value ?? '';
    if (value !== '') { value = expand(value, mapping); } else if (e.valueFrom) {
      const vf = e.valueFrom;
      if (vf.fieldRef) { value = fieldRefValue(pod, vf.fieldRef.fieldPath); }
      else if (vf.resourceFieldRef) { value = resourceFieldValue(container, vf.resourceFieldRef); }
      else if (vf.configMapKeyRef) {
        const ref = vf.configMapKeyRef;
        const cm = lookups.configMap(ns, ref.name);
        if (!cm) {
          if (ref.optional) { continue; }
          throw new EnvError(`configmap "${ref.name}" not found`);
        }
        const v = cm.data?.[ref.key];
        if (v === undefined) {
          if (ref.optional) { continue; }
          throw new EnvError(`couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}`);
        }
        value = v;
      } else if (vf.secretKeyRef) {
        const ref = vf.secretKeyRef;
        const s = lookups.secret(ns, ref.name);
        if (!s) {
          if (ref.optional) { continue; }
          throw new EnvError(`secret "${ref.name}" not found`);
        }
        const v = decodeSecret(s, ref.key);
        if (v === undefined) {
          if (ref.optional) { continue; }
          throw new EnvError(`couldn't find key ${ref.key} in Secret ${ns}/${ref.name}`);
        }
        value = v;
      }
    }
    tmpEnv.delete(e.name); // a redefinition moves to its own position, as a later `env` entry wins in the runtime
    tmpEnv.set(e.name, value);
  }

  const env: Array<{ name: string; value: string }> = [];
  for (const [name, value] of tmpEnv) { env.push({ name, value }); }
  for (const [name, value] of svcEnv) { if (!tmpEnv.has(name)) { env.push({ name, value }); } }

  // ExpandContainerCommandAndArgs maps against the final list (service variables included).
  const all = new Map(env.map((e) => [e.name, e.value]));
  const cmdMapping = mappingFuncFor(all);
  return {
    env,
    command: (container.command ?? []).map((c: string) => expand(c, cmdMapping)),
    args: (container.args ?? []).map((a: string) => expand(a, cmdMapping)),
  };
}
