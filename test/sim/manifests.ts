// Loads directories of ordinary Kubernetes YAML/JSON the way `kubectl apply -R -f DIR` reads them, and
// orders the objects so that what pods depend on (namespaces, config, services) exists before the pods.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { findType, type KObject, type ResourceType } from './store.ts';

export interface LoadedObject { object: KObject; type: ResourceType; source: string }
export interface SkippedObject { apiVersion: string; kind: string; name: string; source: string; reason: string }
export interface LoadResult { objects: LoadedObject[]; skipped: SkippedObject[]; files: string[] }

const MANIFEST_EXT = /\.(ya?ml|json)$/i;

function listFiles(path: string): string[] {
  const st = statSync(path);
  if (st.isFile()) { return [path]; }
  const out: string[] = [];
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    // Hidden directories (.git, .sim) never hold manifests meant for the cluster.
    if (entry.name.startsWith('.')) { continue; }
    const p = join(path, entry.name);
    if (entry.isDirectory()) { out.push(...listFiles(p)); }
    else if (entry.isFile() && MANIFEST_EXT.test(entry.name)) { out.push(p); }
  }
  return out;
}

/** Parses one file into plain objects: multi-document YAML, JSON, `List` kinds flattened, empty documents dropped. */
export function parseManifestText(text: string, source: string): KObject[] {
  const out: KObject[] = [];
  const push = (v: unknown) => {
    if (v === null || v === undefined) { return; }
    if (typeof v !== 'object' || Array.isArray(v)) { throw new Error(`${source}: a document is not an object`); }
    const o = v as KObject;
    if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) {
      for (const item of o.items) { push(item); }
      return;
    }
    if (!o.kind || !o.apiVersion) { throw new Error(`${source}: object without apiVersion/kind`); }
    out.push(o);
  };
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) { throw new Error(`${source}: ${doc.errors[0].message}`); }
    push(doc.toJS({ maxAliasCount: 1000 }));
  }
  return out;
}

// kubectl and Helm install in this order for the same reason: pods need their namespace, config and
// service account at admission time, and a Service created before its pods gets endpoints at once.
const KIND_ORDER: Record<string, number> = {
  Namespace: 0,
  ServiceAccount: 1, ConfigMap: 1, Secret: 1,
  ClusterRole: 2, ClusterRoleBinding: 2, Role: 2, RoleBinding: 2,
  Service: 3,
  Instrumentation: 4, OpenTelemetryCollector: 4,
  Deployment: 5, DaemonSet: 5, StatefulSet: 5, ReplicaSet: 5, Pod: 5,
};
const rank = (kind: string) => KIND_ORDER[kind] ?? 6;

export function sortForCreation(objects: LoadedObject[]): LoadedObject[] {
  return objects.map((o, i) => ({ o, i })).sort((a, b) => rank(a.o.object.kind) - rank(b.o.object.kind) || a.i - b.i).map((x) => x.o);
}

/** The type serving this kind at exactly this apiVersion, as kubectl's REST mapping finds it, or undefined. */
export function servedType(o: KObject): ResourceType | undefined {
  const type = findType(o.apiVersion, o.kind);
  const version = o.apiVersion.split('/').pop() ?? '';
  return type?.versions.includes(version) ? type : undefined;
}

/**
 * What `kubectl apply -f` prints for an object whose kind and version no API serves (no CRD installed,
 * or a removed version such as policy/v1beta1): kubectl applies the other objects and exits 1 at the end.
 * Format of k8s.io/cli-runtime's resource mapper ("resource mapping not found for name: %q namespace: %q
 * from %q: %w\nensure CRDs are installed first") around apimachinery's NoKindMatchError.
 */
export function noMatchError(o: KObject, source: string): string {
  return `resource mapping not found for name: ${JSON.stringify(o.metadata?.name ?? '')} namespace: ${JSON.stringify(o.metadata?.namespace ?? '')} from ${JSON.stringify(source)}: no matches for kind ${JSON.stringify(o.kind)} in version ${JSON.stringify(o.apiVersion)}\nensure CRDs are installed first`;
}

/**
 * Loads every manifest under the given paths (directories recursively, files sorted by path).
 * Objects of kinds or versions the cluster does not serve (a CRD, a CR whose CRD is not installed,
 * webhook configurations, ...) are refused one by one in `skipped` with kubectl's error, and the rest is
 * applied, as `kubectl apply -f` does.
 */
export function loadManifests(paths: string[]): LoadResult {
  const objects: LoadedObject[] = [];
  const skipped: SkippedObject[] = [];
  const files: string[] = [];
  for (const root of paths) {
    const found = listFiles(root).sort();
    for (const file of found) {
      files.push(file);
      const source = relative(process.cwd(), file) || file;
      for (const o of parseManifestText(readFileSync(file, 'utf8'), source)) {
        const type = servedType(o);
        const name = o.metadata?.name ?? o.metadata?.generateName ?? '';
        if (!type) {
          skipped.push({ apiVersion: o.apiVersion, kind: o.kind, name, source, reason: noMatchError(o, source) });
          continue;
        }
        objects.push({ object: o, type, source });
      }
    }
  }
  return { objects: sortForCreation(objects), skipped, files };
}

/**
 * Namespaces that objects live in but that no manifest declares. A real `kubectl apply` would fail on
 * them; the simulator creates them (documented simplification), since Helm's rendered examples rely on
 * `helm install --create-namespace`.
 */
export function undeclaredNamespaces(objects: LoadedObject[], existing: Iterable<string> = []): string[] {
  const declared = new Set<string>(existing);
  for (const o of objects) { if (o.object.kind === 'Namespace') { declared.add(o.object.metadata.name); } }
  const needed = new Set<string>();
  for (const o of objects) {
    if (!o.type.namespaced) { continue; }
    const ns = o.object.metadata?.namespace || 'default';
    if (!declared.has(ns)) { needed.add(ns); }
  }
  return [...needed].sort();
}

/**
 * kubectl's line for an object the server refused on create: `Error from server (<reason>): error when
 * creating "<file>": <message>` (k8s.io/kubectl cmdutil.AddSourceToErr, then StandardErrorMessage).
 */
export function refusalMessage(source: string, status: { reason?: string; message?: string }): string {
  return `Error from server (${status.reason ?? 'BadRequest'}): error when creating ${JSON.stringify(source)}: ${status.message ?? ''}`;
}

/**
 * Creates the objects in order with `kubectl apply` semantics: an object whose name is already taken
 * (the operator samples hold v1alpha1 and v1beta1 of one collector) replaces the earlier one.
 * Returns "Kind/name" of each replaced object so the caller can say so. With `refused`, an object the
 * server rejects (4xx other than a taken name) is reported there and the rest still applied, as kubectl
 * does; without it the rejection is thrown.
 */
export function applyObjects(
  objects: LoadedObject[],
  create: (o: KObject, t: ResourceType) => KObject,
  replace: (o: KObject, t: ResourceType) => KObject,
  refused?: (message: string, o: KObject) => void,
): string[] {
  const replaced: string[] = [];
  for (const { object, type, source } of objects) {
    const o = structuredClone(object);
    if (type.namespaced) { o.metadata.namespace ||= 'default'; }
    try {
      create(o, type);
    } catch (e) {
      // Store errors carry `code`, the API server's ApiError its Status body: both say 409 for a taken name.
      const err = e as { code?: number; status?: { code?: number; reason?: string; message?: string } };
      const code = err.code ?? err.status?.code;
      // The server refused this object (validation, a webhook): kubectl reports it and applies the rest.
      if (refused && err.status && code !== undefined && code >= 400 && code < 500 && code !== 409) {
        refused(refusalMessage(source, err.status), o);
        continue;
      }
      if (code !== 409) { throw e; }
      replace(o, type);
      replaced.push(`${o.kind}/${o.metadata.name}`);
    }
  }
  return replaced;
}
