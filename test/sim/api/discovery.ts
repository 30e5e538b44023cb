// Legacy (unaggregated) discovery documents. kubectl 1.32 asks for aggregated discovery first and
// falls back to these when the answer's Content-Type is plain application/json.
import { createHash } from 'node:crypto';
import { RESOURCE_TYPES, type ResourceType } from '../store.ts';

const SUB_VERBS: Record<string, { kind: string; verbs: string[] }> = {
  status: { kind: '', verbs: ['get', 'patch', 'update'] },
  exec: { kind: 'PodExecOptions', verbs: ['create', 'get'] },
  log: { kind: 'Pod', verbs: ['get'] },
  ephemeralcontainers: { kind: 'Pod', verbs: ['get', 'patch', 'update'] },
};

/** Resources served only through the API server's own handlers, not stored. */
const EXTRA: ResourceType[] = [
  { group: 'authorization.k8s.io', versions: ['v1'], kind: 'SelfSubjectRulesReview', listKind: 'SelfSubjectRulesReviewList', plural: 'selfsubjectrulesreviews', singular: 'selfsubjectrulesreview', namespaced: false, verbs: ['create'] },
];

export const SERVED_TYPES: ResourceType[] = [...RESOURCE_TYPES, ...EXTRA];

export function groups(): Array<{ name: string; versions: string[] }> {
  const out = new Map<string, string[]>();
  for (const t of SERVED_TYPES) {
    if (!t.group) continue;
    const vs = out.get(t.group) ?? [];
    for (const v of t.versions) if (!vs.includes(v)) vs.push(v);
    out.set(t.group, vs);
  }
  // Preferred version first: the one most types list first.
  return [...out].map(([name, versions]) => {
    const pref = SERVED_TYPES.filter((t) => t.group === name).map((t) => t.versions[0]);
    const preferred = versions.slice().sort((a, b) => pref.filter((x) => x === b).length - pref.filter((x) => x === a).length)[0];
    return { name, versions: [preferred, ...versions.filter((v) => v !== preferred)] };
  });
}

export function apiVersions(hostPort: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: hostPort }] };
}

export function apiGroupList(): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups().map((g) => ({
      name: g.name,
      versions: g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v })),
      preferredVersion: { groupVersion: `${g.name}/${g.versions[0]}`, version: g.versions[0] },
    })),
  };
}

export function apiGroup(name: string): object | undefined {
  const g = groups().find((x) => x.name === name);
  if (!g) return undefined;
  return {
    kind: 'APIGroup', apiVersion: 'v1', name,
    versions: g.versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${name}/${g.versions[0]}`, version: g.versions[0] },
  };
}

export function resourceList(group: string, version: string): object | undefined {
  const types = SERVED_TYPES.filter((t) => t.group === group && t.versions.includes(version));
  if (!types.length) return undefined;
  const resources: object[] = [];
  for (const t of types) {
    const r: Record<string, unknown> = { name: t.plural, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: t.verbs };
    if (t.shortNames) r.shortNames = t.shortNames;
    if (t.categories) r.categories = t.categories;
    r.storageVersionHash = createHash('sha256').update(`${group}/${version}/${t.kind}`).digest('base64').slice(0, 11);
    resources.push(r);
    for (const s of t.subresources ?? []) {
      const sv = SUB_VERBS[s];
      if (!sv) continue;
      resources.push({ name: `${t.plural}/${s}`, singularName: '', namespaced: t.namespaced, kind: sv.kind || t.kind, verbs: sv.verbs });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}
