// RBAC-lite: per-user Role-like rules read from a small YAML file; answers both requests and access reviews.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { KObject } from '../store.ts';
import type { Any } from './request.ts';

export interface PolicyRule {
  apiGroups: string[];
  /** Plural names, `pods/exec` for subresources, `*` for all, `*\/scale` for one subresource of all. */
  resources: string[];
  verbs: string[];
  /** Where the rule applies; absent means every namespace and the cluster scope (like a ClusterRoleBinding). */
  namespaces?: string[];
  resourceNames?: string[];
}

export interface Attributes { user: string; verb: string; group: string; resource: string; subresource: string; namespace: string; name: string }

export class Policy {
  readonly users: Map<string, PolicyRule[]>;
  constructor(users: Map<string, PolicyRule[]>) { this.users = users; }

  static load(file: string): Policy {
    const doc = parse(readFileSync(file, 'utf8')) as { users?: Record<string, { rules?: PolicyRule[] }> } | null;
    if (!doc || typeof doc.users !== 'object' || doc.users === null) { throw new Error(`${file}: expected a top-level "users" map`); }
    const users = new Map<string, PolicyRule[]>();
    for (const [name, u] of Object.entries(doc.users)) {
      const rules = u?.rules ?? [];
      if (!Array.isArray(rules)) { throw new Error(`${file}: users.${name}.rules must be a list`); }
      for (const [i, r] of rules.entries()) {
        for (const f of ['apiGroups', 'resources', 'verbs'] as const) {
          if (!Array.isArray(r[f]) || r[f].some((x) => typeof x !== 'string')) { throw new Error(`${file}: users.${name}.rules[${i}].${f} must be a list of strings`); }
        }
      }
      users.set(name, rules);
    }
    return new Policy(users);
  }

  /** Matches the way RBAC does: `*` covers resources and their subresources, `pods` alone does not cover `pods/exec`. */
  allows(a: Attributes): boolean {
    const rules = this.users.get(a.user);
    if (!rules) { return false; }
    const full = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    return rules.some((r) => {
      if (!r.verbs.includes('*') && !r.verbs.includes(a.verb)) { return false; }
      if (!r.apiGroups.includes('*') && !r.apiGroups.includes(a.group)) { return false; }
      const resOk = r.resources.some((x) => x === '*' || x === full || (!!a.subresource && (x === `*/${a.subresource}` || x === `${a.resource}/*`)));
      if (!resOk) { return false; }
      if (r.namespaces && !(a.namespace && r.namespaces.includes(a.namespace))) { return false; }
      if (r.resourceNames && r.resourceNames.length && !(a.name && r.resourceNames.includes(a.name))) { return false; }
      return true;
    });
  }

  /** The rules that apply in one namespace, for SelfSubjectRulesReview. */
  rulesIn(user: string, namespace: string): PolicyRule[] {
    return (this.users.get(user) ?? []).filter((r) => !r.namespaces || r.namespaces.includes(namespace));
  }

  /** The text after `is forbidden: ` in a real 403. */
  static deniedMessage(a: Attributes): string {
    const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const where = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
    return `User "${a.user}" cannot ${a.verb} resource "${res}" in API group "${a.group}" ${where}`;
  }
}

/** The answer to a SelfSubjectAccessReview of `user`. */
export function accessReview(policy: Policy, user: string, body: Any): KObject {
  const spec = body?.spec ?? {};
  const ra = spec.resourceAttributes;
  let allowed: boolean;
  if (ra) {
    allowed = policy.allows({ user, verb: ra.verb ?? '', group: ra.group ?? '', resource: ra.resource ?? '', subresource: ra.subresource ?? '', namespace: ra.namespace ?? '', name: ra.name ?? '' });
  } else {
    // Discovery and health endpoints are open to every authenticated user (system:discovery).
    allowed = !!spec.nonResourceAttributes && (spec.nonResourceAttributes.verb === 'get' || spec.nonResourceAttributes.verb === 'head');
  }
  const status: Record<string, unknown> = { allowed };
  if (allowed) { status.reason = `RBAC: allowed by the simulator policy for User "${user}"`; }
  return { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null as unknown as string, name: '' }, spec, status };
}

/** The answer to a SelfSubjectRulesReview of `user`. */
export function rulesReview(policy: Policy, user: string, body: Any): KObject {
  const ns = body?.spec?.namespace ?? '';
  const resourceRules = policy.rulesIn(user, ns).map((r) => ({ verbs: r.verbs, apiGroups: r.apiGroups, resources: r.resources, ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}) }));
  const nonResourceRules = [{ verbs: ['get'], nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'] }];
  return { kind: 'SelfSubjectRulesReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null as unknown as string, name: '' }, spec: { namespace: ns }, status: { resourceRules, nonResourceRules, incomplete: false } };
}
