/**
 * A ClusterClient over plain objects and scripted exec/log answers, for gather unit tests. List calls
 * honour namespace and label selectors (equality and set-based `in`/`!`/exists) so gather's own
 * selectors are exercised; every call is recorded.
 */
import type { AccessAttributes, ClusterClient, ExecResult, KObject, ListOptions, LogOptions, ResourceName, ResourceRef, ServerVersion } from '../../src/cluster/types.ts';
import { RESOURCES } from '../../src/cluster/types.ts';
import { ApiError } from '../../src/errors.ts';

export type ExecAnswer = Omit<ExecResult, 'durationMs'>;

export function notFound(cmd: string): ExecAnswer {
  return {
    stdout: '',
    stderr: '',
    exitCode: null,
    error: {
      reason: 'InternalError',
      code: 500,
      message: `Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "${'0'.repeat(64)}": OCI runtime exec failed: exec failed: unable to start container process: exec: "${cmd}": executable file not found in $PATH: unknown`,
    },
  };
}

function matchesLabels(labels: Record<string, string> = {}, selector?: string): boolean {
  if (!selector) { return true; }
  return selector.split(',').every((raw) => {
    const term = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^([^!=\s]+)\s+in\s+\(([^)]*)\)$/.exec(term))) { return m[2].split(',').map((s) => s.trim()).includes(labels[m[1]] ?? '\0'); }
    if ((m = /^([^!=\s]+)\s+notin\s+\(([^)]*)\)$/.exec(term))) { return !m[2].split(',').map((s) => s.trim()).includes(labels[m[1]] ?? '\0'); }
    if ((m = /^([^!=]+)!=(.*)$/.exec(term))) { return labels[m[1]] !== m[2]; }
    if ((m = /^([^=]+)==?(.*)$/.exec(term))) { return labels[m[1]] === m[2]; }
    if (term.startsWith('!')) { return !(term.slice(1) in labels); }
    return term in labels;
  });
}

/** A Deployment, its ReplicaSet and pod `i` of it, Running and ready on node-1: the shape gather reads an app or collector from. */
export function rsPod(ns: string, deploy: string, i: number, ip: string, spec: any, labels: Record<string, string>, annotations: Record<string, string> = {}): KObject[] {
  const rs = `${deploy}-7d9f8b6c5`;
  return [
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { namespace: ns, name: deploy, labels } },
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { namespace: ns, name: rs, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: deploy, controller: true }] } },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { namespace: ns, name: `${rs}-x${i}`, labels, annotations, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, controller: true }] },
      spec: { nodeName: 'node-1', ...spec },
      status: { phase: 'Running', podIP: ip, hostIP: '172.18.0.2', containerStatuses: spec.containers.map((c: any) => ({ name: c.name, ready: true, restartCount: 0, state: { running: {} } })) },
    },
  ];
}

export class FakeClusterClient implements ClusterClient {
  objects: KObject[] = [];
  calls: string[] = [];
  /** `resource` -> error to throw for lists (e.g. forbidden cluster-wide, CRD absent) */
  listErrors = new Map<string, (opts: ListOptions) => ApiError | undefined>();
  denied = new Set<string>(); // `verb resource[/sub]`
  logsByContainer = new Map<string, string>(); // `ns/pod/container`
  onExec: (ns: string, pod: string, container: string, argv: string[]) => ExecAnswer = (_n, _p, _c, argv) => notFound(argv[0]);
  execLog: { ns: string; pod: string; container: string; argv: string[] }[] = [];

  constructor(objects: KObject[] = []) {
    this.objects = objects;
  }

  async list(resource: ResourceName | ResourceRef, opts: ListOptions = {}): Promise<KObject[]> {
    const ref = typeof resource === 'string' ? RESOURCES[resource] : resource;
    const key = typeof resource === 'string' ? resource : `${ref.resource}.${ref.version}`;
    this.calls.push(`list ${key}${opts.namespace ? ` -n ${opts.namespace}` : ''}${opts.labelSelector ? ` -l ${opts.labelSelector}` : ''}`);
    const err = this.listErrors.get(key)?.(opts);
    if (err) { throw err; }
    const group = ref.group;
    return this.objects.filter((o) => {
      const [g, v] = (o.apiVersion ?? 'v1').includes('/') ? (o.apiVersion as string).split('/') : ['', o.apiVersion ?? 'v1'];
      const plural = `${(o.kind ?? '').toLowerCase()}${(o.kind ?? '').endsWith('y') ? '' : 's'}`.replace(/policys$/, 'policies').replace(/endpointss$/, 'endpoints');
      if (g !== group || plural !== ref.resource || v !== ref.version) { return false; }
      if (opts.namespace && o.metadata.namespace !== opts.namespace) { return false; }
      const fs = opts.fieldSelector ? /^metadata\.name=(.*)$/.exec(opts.fieldSelector) : null;
      if (fs && o.metadata.name !== fs[1]) { return false; }
      return matchesLabels(o.metadata.labels, opts.labelSelector);
    });
  }

  async exec(ns: string, pod: string, container: string, argv: string[]): Promise<ExecResult> {
    this.calls.push(`exec ${ns}/${pod}/${container} ${argv[0]}`);
    this.execLog.push({ ns, pod, container, argv });
    return { ...this.onExec(ns, pod, container, argv), durationMs: 1 };
  }

  async logs(ns: string, pod: string, container: string, opts: LogOptions): Promise<string> {
    this.calls.push(`logs ${ns}/${pod}/${container}${opts.previous ? ' --previous' : ''}`);
    const text = this.logsByContainer.get(`${ns}/${pod}/${container}${opts.previous ? '#previous' : ''}`);
    if (text === undefined) { throw new ApiError(`previous terminated container "${container}" in pod "${pod}" not found`, { status: 400, reason: 'BadRequest', path: '' }); }
    return text.split('\n').slice(-opts.tailLines - 1).join('\n');
  }

  async accessReview(a: AccessAttributes): Promise<boolean> {
    this.calls.push(`ssar ${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''}${a.namespace ? ` -n ${a.namespace}` : ''}`);
    return !this.denied.has(`${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''}`) && !this.denied.has(`${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''}${a.namespace ? '' : ' cluster'}`);
  }

  patches: string[] = [];
  async addEphemeralContainer(ns: string, pod: string, c: { name: string; image: string; command: string[]; targetContainerName?: string }): Promise<void> {
    this.calls.push(`patch ${ns}/${pod} ephemeralcontainers ${c.name}`);
    this.patches.push(`${ns}/${pod}/${c.name}/${c.image}`);
    const p = this.objects.find((o) => o.kind === 'Pod' && o.metadata.namespace === ns && o.metadata.name === pod);
    if (!p) { throw new ApiError(`pods "${pod}" not found`, { status: 404, reason: 'NotFound', path: '' }); }
    // A copy, as the API server returns new objects: the listed pod gather already holds must not change.
    const spec = { ...p.spec, ephemeralContainers: [...(p.spec.ephemeralContainers ?? []), { ...c }] };
    const status = { ...p.status, ephemeralContainerStatuses: [...(p.status.ephemeralContainerStatuses ?? []), { name: c.name, ready: false, state: { running: {} } }] };
    this.objects[this.objects.indexOf(p)] = { ...p, spec, status };
  }

  async serverVersion(): Promise<ServerVersion> {
    return { major: '1', minor: '32', gitVersion: 'v1.32.0' };
  }

  /** The API groups discovery answers with (`GET /apis`). */
  groups: string[] = ['apps', 'networking.k8s.io', 'authorization.k8s.io'];
  async apiGroups(): Promise<string[]> {
    return [...this.groups];
  }
}
