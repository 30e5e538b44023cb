/**
 * Permissions first: SelfSubjectAccessReviews tell which of list / exec / log the user has, so a missing
 * one becomes one `check-incomplete` entry naming the exact RBAC rule to add, instead of a wall of 403s.
 */
import type { AccessAttributes, ClusterClient } from '../cluster/types.ts';
import { ApiError, CannotDiagnoseError } from '../errors.ts';

export interface AccessCheck {
  /** stable id: `list-pods-cluster`, `exec`, `logs`, ... */
  id: string;
  attrs: AccessAttributes;
  allowed: boolean;
  /** what cannot be checked without it */
  needed: string;
  /** the RBAC rule that grants it, as YAML for a (Cluster)Role's `rules:` */
  rule: string;
  /** the review itself failed (not a denial) */
  error?: string;
}

export interface AccessReport {
  checks: AccessCheck[];
  exec: boolean;
  logs: boolean;
}

function rule(group: string, resources: string[], verbs: string[]): string {
  return `- apiGroups: ["${group}"]\n  resources: [${resources.map((r) => `"${r}"`).join(', ')}]\n  verbs: [${verbs.map((v) => `"${v}"`).join(', ')}]`;
}

/**
 * `namespace` is where the collectors are looked for: exec and log rights are checked there when they
 * are not granted cluster-wide (a namespaced Role is the common least-privilege set-up).
 */
export function accessSpecs(namespace: string): Omit<AccessCheck, 'allowed'>[] {
  return [
    { id: 'list-pods-cluster', attrs: { verb: 'list', resource: 'pods' }, needed: 'finding apps in every namespace', rule: `ClusterRole:\n${rule('', ['pods'], ['get', 'list'])}` },
    { id: 'list-pods', attrs: { verb: 'list', resource: 'pods', namespace }, needed: `listing pods in ${namespace}`, rule: `Role in ${namespace}:\n${rule('', ['pods'], ['get', 'list'])}` },
    { id: 'exec', attrs: { verb: 'create', resource: 'pods', subresource: 'exec', namespace }, needed: 'listen-socket checks and connectivity probes (exec)', rule: rule('', ['pods/exec'], ['create', 'get']) },
    { id: 'logs', attrs: { verb: 'get', resource: 'pods', subresource: 'log', namespace }, needed: 'collector startup and app export-error evidence (logs)', rule: rule('', ['pods/log'], ['get']) },
    { id: 'list-configmaps', attrs: { verb: 'list', resource: 'configmaps', namespace }, needed: 'reading collector configuration from ConfigMaps', rule: rule('', ['configmaps'], ['get', 'list']) },
    { id: 'list-services', attrs: { verb: 'list', resource: 'services', namespace }, needed: 'checking Services in front of collectors', rule: rule('', ['services', 'endpoints'], ['get', 'list']) },
  ];
}

/**
 * get pods/proxy, asked by gather/metrics.ts only in namespaces where a collector's telemetry endpoint can be
 * reached (most keep the localhost default), so it is not among the reviews every diagnosis sends first.
 */
export function metricsAccessSpec(namespace: string): Omit<AccessCheck, 'allowed'> {
  return { id: 'metrics', attrs: { verb: 'get', resource: 'pods', subresource: 'proxy', namespace }, needed: 'the collectors\' own metrics (exporter failures, queue, refusals)', rule: rule('', ['pods/proxy'], ['get']) };
}

export async function reviewAccess(client: ClusterClient, namespace: string): Promise<AccessReport> {
  const specs = accessSpecs(namespace);
  const checks = await Promise.all(
    specs.map(async (s): Promise<AccessCheck> => {
      try {
        return { ...s, allowed: await client.accessReview(s.attrs) };
      } catch (e) {
        if (e instanceof ApiError && e.status === 0) {
          throw new CannotDiagnoseError(`the API server did not answer: ${e.message}`, { cause: e, hint: 'check the context (--context), the network, and --request-timeout' });
        }
        // A cluster that cannot answer reviews: assume allowed and let the real calls speak.
        return { ...s, allowed: true, error: (e as Error).message };
      }
    }),
  );
  const get = (id: string): boolean => checks.find((c) => c.id === id)?.allowed ?? false;
  return { checks, exec: get('exec'), logs: get('logs') };
}
