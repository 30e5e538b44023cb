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
    if (!t.group) { continue; }
    const vs = out.get(t.group) ?? [];
    for (const v of t.versions) { if (!vs.includes(v)) { vs.push(v); } }
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
  if (!g) { return undefined; }
  return {
    kind: 'APIGroup', apiVersion: 'v1', name,
    versions: g.versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${name}/${g.versions[0]}`, version: g.versions[0] },
  };
}

export function resourceList(group: string, version: string): object | undefined {
  const types = SERVED_TYPES.filter((t) => t.group === group && t.versions.includes(version));
  if (!types.length) { return undefined; }
  const resources: object[] = [];
  for (const t of types) {
    const r: Record<string, unknown> = { name: t.plural, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: t.verbs };
    if (t.shortNames) { r.shortNames = t.shortNames; }
    if (t.categories) { r.categories = t.categories; }
    r.storageVersionHash = createHash('sha256').update(`${group}/${version}/${t.kind}`).digest('base64').slice(0, 11);
    resources.push(r);
    for (const s of t.subresources ?? []) {
      const sv = SUB_VERBS[s];
      if (!sv) { continue; }
      resources.push({ name: `${t.plural}/${s}`, singularName: '', namespaced: t.namespaced, kind: sv.kind || t.kind, verbs: sv.verbs });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

/**
 * A minimal OpenAPI v3: no schemas, only each resource's PATCH operation with its GVK and the
 * `fieldValidation` parameter. That is what kubectl's query-param verifier looks for before it hands
 * validation to the server (`kubectl apply`'s default --validate=strict); without it kubectl refuses.
 */
export function openApiV3Root(): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of groupVersions()) { paths[gv.path] = { serverRelativeURL: `/openapi/v3/${gv.path}?hash=${createHash('sha256').update(gv.path).digest('hex').slice(0, 32).toUpperCase()}` }; }
  return { paths };
}

function groupVersions(): Array<{ group: string; version: string; path: string }> {
  const out = [{ group: '', version: 'v1', path: 'api/v1' }];
  for (const g of groups()) { for (const v of g.versions) { out.push({ group: g.name, version: v, path: `apis/${g.name}/${v}` }); } }
  return out;
}

export function openApiV3Doc(path: string): object | undefined {
  const gv = groupVersions().find((x) => x.path === path);
  if (!gv) { return undefined; }
  const paths: Record<string, object> = {};
  for (const t of SERVED_TYPES) {
    if (t.group !== gv.group || !t.versions.includes(gv.version) || !t.verbs.includes('patch')) { continue; }
    const base = `/${gv.path}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}/{name}`;
    const gvk = { group: gv.group, version: gv.version, kind: t.kind };
    paths[base] = {
      get: { operationId: `read${t.kind}`, 'x-kubernetes-action': 'get', 'x-kubernetes-group-version-kind': gvk, responses: {} },
      patch: {
        operationId: `patch${t.kind}`, 'x-kubernetes-action': 'patch', 'x-kubernetes-group-version-kind': gvk, responses: {},
        parameters: ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({ name, in: 'query', schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true } })),
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.4-sim' }, paths, components: { schemas: {} } };
}
