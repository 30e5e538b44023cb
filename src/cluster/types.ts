/**
 * The plugin's view of a cluster: the few calls a diagnosis makes. Free of @kubernetes/client-node types
 * so that gather/ and its tests (with a fake client) never load it.
 */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid?: string; controller?: boolean }[];
  resourceVersion?: string;
  creationTimestamp?: string;
}

/** Any Kubernetes object as JSON; gather reads the fields it needs defensively (cluster data is hostile). */
export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: any;
  status?: any;
  data?: Record<string, string>;
  [key: string]: unknown;
}

export interface ResourceRef {
  group: string; // '' for core
  version: string;
  resource: string; // plural
  namespaced: boolean;
}

/** The resources a diagnosis lists. API reads are lists (per namespace or cluster-wide), never gets. */
export const RESOURCES = {
  namespaces: { group: '', version: 'v1', resource: 'namespaces', namespaced: false },
  nodes: { group: '', version: 'v1', resource: 'nodes', namespaced: false },
  pods: { group: '', version: 'v1', resource: 'pods', namespaced: true },
  services: { group: '', version: 'v1', resource: 'services', namespaced: true },
  endpoints: { group: '', version: 'v1', resource: 'endpoints', namespaced: true },
  configmaps: { group: '', version: 'v1', resource: 'configmaps', namespaced: true },
  endpointslices: { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', namespaced: true },
  networkpolicies: { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies', namespaced: true },
  deployments: { group: 'apps', version: 'v1', resource: 'deployments', namespaced: true },
  replicasets: { group: 'apps', version: 'v1', resource: 'replicasets', namespaced: true },
  daemonsets: { group: 'apps', version: 'v1', resource: 'daemonsets', namespaced: true },
  statefulsets: { group: 'apps', version: 'v1', resource: 'statefulsets', namespaced: true },
  'opentelemetrycollectors.v1beta1': { group: 'opentelemetry.io', version: 'v1beta1', resource: 'opentelemetrycollectors', namespaced: true },
  'opentelemetrycollectors.v1alpha1': { group: 'opentelemetry.io', version: 'v1alpha1', resource: 'opentelemetrycollectors', namespaced: true },
  instrumentations: { group: 'opentelemetry.io', version: 'v1alpha1', resource: 'instrumentations', namespaced: true },
} as const satisfies Record<string, ResourceRef>;

export type ResourceName = keyof typeof RESOURCES;

export interface ListOptions {
  /** omitted: cluster-wide (namespaced resources) */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  signal?: AbortSignal;
  /**
   * `Accept: application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1`: items carry only their
   * metadata (ownership, labels, annotations), as `kubectl get --raw` with that header returns them.
   */
  metadataOnly?: boolean;
  /** page size (`limit`) of this list; the client's default otherwise */
  pageSize?: number;
}

export interface ExecError {
  /** Status reason (`InternalError`, `Forbidden`, `NotFound`, ...) or a transport one (`Timeout`, `ConnectionError`, `StreamClosed`). */
  reason: string;
  message: string;
  /** HTTP-ish code from the Status; 0 when none */
  code: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** null when the command did not run to an exit (could not start, forbidden, timed out) */
  exitCode: number | null;
  error?: ExecError;
  /** wall time of the call */
  durationMs: number;
}

export interface ExecOptions {
  timeoutMs: number;
  stdin?: string;
  signal?: AbortSignal;
}

export interface LogOptions {
  tailLines: number;
  previous?: boolean;
  limitBytes: number;
  sinceSeconds?: number;
  signal?: AbortSignal;
}

export interface AccessAttributes {
  verb: string;
  resource: string;
  subresource?: string;
  group?: string;
  namespace?: string;
  name?: string;
}

export interface ServerVersion {
  major: string;
  minor: string;
  gitVersion: string;
}

export interface ClientStats {
  requests: number;
  retries: number;
  byVerb: Record<string, number>;
  /** response bytes read from the API server, decoded (bodies, exec streams excluded) */
  bytes?: number;
  /** the same bodies as they crossed the wire (gzip when the server compressed them) */
  wireBytes?: number;
}

export interface ClusterClient {
  list(resource: ResourceName | ResourceRef, opts?: ListOptions): Promise<KObject[]>;
  /** Never throws for a failed command: errors come back as a typed result. */
  exec(namespace: string, pod: string, container: string, argv: string[], opts: ExecOptions): Promise<ExecResult>;
  logs(namespace: string, pod: string, container: string, opts: LogOptions): Promise<string>;
  accessReview(attrs: AccessAttributes): Promise<boolean>;
  /** GET through the API server's pod proxy (`get pods/proxy`, read-only): `path` on the pod's `port` (the collector's metrics). */
  proxyGet?(namespace: string, pod: string, port: number, path: string, opts?: { signal?: AbortSignal }): Promise<string>;
  serverVersion(): Promise<ServerVersion>;
  /** The API groups the server serves (`GET /apis`, discovery: every authenticated user may read it). */
  apiGroups(opts?: { signal?: AbortSignal }): Promise<string[]>;
  /**
   * Adds an ephemeral container to a pod (PATCH pods/ephemeralcontainers, as `kubectl debug` does).
   * Only --debug-container calls it: it is the one write a diagnosis can make, and it cannot be undone.
   */
  addEphemeralContainer?(namespace: string, pod: string, container: { name: string; image: string; command: string[]; targetContainerName?: string }): Promise<void>;
  stats?(): ClientStats;
  close?(): Promise<void>;
  /**
   * A list read page by page: `onPage` sees each page's items as soon as it is parsed, and the pages are
   * not kept, so a list of the whole cluster's pods never sits in memory at once. `onPage` returning
   * false stops the list after that page. A list whose continue token expired (410) starts over once:
   * `onRestart` is told first, so a caller that keeps pages can drop the ones it had.
   */
  listPages?(resource: ResourceName | ResourceRef, opts: ListOptions, onPage: (items: KObject[], more: boolean) => boolean | undefined, onRestart?: () => void): Promise<void>;
  /** One object by name (a pod chosen to stand for its template). */
  getObject?(resource: ResourceName | ResourceRef, namespace: string | undefined, name: string, opts?: { signal?: AbortSignal }): Promise<KObject>;
}

/** A patch body and how the API server reads it (`kubectl patch --type`). */
export type PatchType = 'strategic' | 'merge' | 'json';

export interface PatchOptions {
  /** `dryRun=All`: admitted and validated by the server, never stored */
  dryRun?: boolean;
  signal?: AbortSignal;
}

/**
 * The few writes `fix --apply` makes, kept apart from ClusterClient so a diagnosis (and its fake clients)
 * never gains a way to write. A 409 Conflict (a stale resourceVersion) comes back as an ApiError with
 * status 409 and the server's Status body in `detail`.
 */
export interface ClusterWriter {
  get(resource: ResourceRef, namespace: string | undefined, name: string, opts?: { signal?: AbortSignal }): Promise<KObject>;
  patch(resource: ResourceRef, namespace: string | undefined, name: string, type: PatchType, body: unknown, opts?: PatchOptions): Promise<KObject>;
}
