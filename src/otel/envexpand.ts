/**
 * The collector's own config-time expansion (confmap), not the kubelet's `$(VAR)`: `${env:X}`, `${X}`
 * (the pre-0.x bare form still accepted), `${env:X:-default}` and `$$` for a literal dollar.
 * An unset variable becomes the empty string, as the collector does (it only warns).
 */

export interface Expansion {
  value: string;
  /** variables referenced */
  refs: string[];
  /** referenced but not set (expanded to '' or the default) */
  unset: string[];
}

const REF = /\$\$|\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function expandEnv(input: string, env: Record<string, string | undefined>): Expansion {
  const refs: string[] = [];
  const unset: string[] = [];
  const value = input.replace(REF, (whole, name: string | undefined, dflt: string | undefined) => {
    if (whole === '$$') { return '$'; }
    const n = name as string;
    refs.push(n);
    const v = env[n];
    if (v === undefined || v === '') {
      if (v === undefined) { unset.push(n); }
      return dflt ?? '';
    }
    return v;
  });
  return { value, refs, unset };
}

/** The variables a string references, without expanding. */
export function envRefs(input: string): string[] {
  const out: string[] = [];
  for (const m of input.matchAll(REF)) { if (m[1]) { out.push(m[1]); } }
  return out;
}

/** Deep-expand every string in a config tree. */
export function expandTree(node: unknown, env: Record<string, string | undefined>, unset: Set<string> = new Set()): unknown {
  if (typeof node === 'string') {
    const e = expandEnv(node, env);
    for (const u of e.unset) { unset.add(u); }
    return e.value;
  }
  if (Array.isArray(node)) { return node.map((x) => expandTree(x, env, unset)); }
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) { out[k] = expandTree(v, env, unset); }
    return out;
  }
  return node;
}
