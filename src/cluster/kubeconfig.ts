/**
 * Kubeconfig loading with kubectl's (client-go's) rules, not client-node's:
 * - `KUBECONFIG` is a list (`:`; `;` on Windows); empty and repeated entries are dropped and missing files
 *   ignored; for clusters, users and contexts of the same name the FIRST file wins, and so does the
 *   first `current-context` that is set (client-node throws on a duplicate name and on a missing file,
 *   and lets the last current-context win).
 * - `--kubeconfig FILE` loads that one file, unmerged, and it must exist.
 * - Neither: `~/.kube/config` when it exists.
 * - Relative file references are resolved against the directory of the file that holds them.
 * - No usable kubeconfig at all: in-cluster config (service account token + KUBERNETES_SERVICE_HOST/PORT).
 * The result is one plain, merged kubeconfig document; client.ts hands it to client-node as a single
 * config so none of client-node's own merging applies. This module does not import client-node.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { KubeconfigError } from '../errors.ts';


/** A kubeconfig document in its file form (kebab-case keys), merged. */
export interface RawKubeconfig {
  apiVersion: 'v1';
  kind: 'Config';
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
  contexts: { name: string; context: Record<string, unknown> }[];
  'current-context': string;
  preferences: Record<string, unknown>;
}

export interface LoadedKubeconfig {
  /** The merged document with the selected context as `current-context`. */
  config: RawKubeconfig;
  /** The selected context's name. */
  context: string;
  /** Namespace of the context, `default` when it has none (kubectl's fallback). */
  namespace: string;
  /** Files that contributed, in precedence order; `in-cluster` for service-account config. */
  sources: string[];
  inCluster: boolean;
}

export interface KubeconfigOptions {
  /** `--kubeconfig`: one file, unmerged. */
  kubeconfig?: string;
  /** `--context`. */
  context?: string;
  /** defaults to process.env */
  env?: NodeJS.ProcessEnv;
  /** defaults to os.homedir() (tests override) */
  home?: string;
  /** service account directory, defaults to /var/run/secrets/kubernetes.io/serviceaccount */
  serviceAccountDir?: string;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The files kubectl would read, in precedence order, and whether they were given explicitly. */
export function kubeconfigFiles(opts: KubeconfigOptions = {}): { files: string[]; explicit: boolean } {
  const env = opts.env ?? process.env;
  if (opts.kubeconfig) { return { files: [resolve(opts.kubeconfig)], explicit: true }; }
  const list = env.KUBECONFIG;
  if (list) {
    const seen = new Set<string>();
    const files: string[] = [];
    for (const entry of list.split(delimiter)) {
      if (!entry) { continue; }
      const abs = resolve(entry);
      if (seen.has(abs)) { continue; }
      seen.add(abs);
      files.push(abs);
    }
    return { files, explicit: false };
  }
  return { files: [join(opts.home ?? env.HOME ?? homedir(), '.kube', 'config')], explicit: false };
}

function readDoc(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new KubeconfigError(`cannot read kubeconfig ${file}: ${(e as Error).message}`, { cause: e });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new KubeconfigError(`kubeconfig ${file} is not valid YAML: ${(e as Error).message}`, { cause: e });
  }
  if (doc === null || doc === undefined) { return {}; }
  if (typeof doc !== 'object' || Array.isArray(doc)) { throw new KubeconfigError(`kubeconfig ${file} is not a mapping`); }
  return doc as Record<string, unknown>;
}

function absolutize(base: string, p: unknown): unknown {
  return typeof p === 'string' && p !== '' && !isAbsolute(p) ? join(base, p) : p;
}

/** client-go's ResolvePaths: file references are relative to the file that holds them. */
function resolvePaths(kind: 'cluster' | 'user', body: Record<string, unknown>, base: string): Record<string, unknown> {
  const out = { ...body };
  if (kind === 'cluster') {
    if ('certificate-authority' in out) { out['certificate-authority'] = absolutize(base, out['certificate-authority']); }
  } else {
    for (const k of ['client-certificate', 'client-key', 'tokenFile', 'token-file']) {
      if (k in out) { out[k] = absolutize(base, out[k]); }
    }
    const exec = out.exec as Record<string, unknown> | undefined;
    // Only a command with a path separator is a file reference; a bare name is looked up on PATH.
    if (exec && typeof exec.command === 'string' && exec.command.includes('/') && !isAbsolute(exec.command)) {
      out.exec = { ...exec, command: join(base, exec.command) };
    }
  }
  return out;
}

function entries(doc: Record<string, unknown>, key: 'clusters' | 'users' | 'contexts', file: string): { name: string; body: Record<string, unknown> }[] {
  const list = doc[key];
  if (list === undefined || list === null) { return []; }
  if (!Array.isArray(list)) { throw new KubeconfigError(`kubeconfig ${file}: ${key} is not a list`); }
  const inner = key === 'clusters' ? 'cluster' : key === 'users' ? 'user' : 'context';
  const out: { name: string; body: Record<string, unknown> }[] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') { continue; }
    const name = (item as Record<string, unknown>).name;
    if (typeof name !== 'string' || name === '') { continue; }
    const body = (item as Record<string, unknown>)[inner];
    out.push({ name, body: body && typeof body === 'object' ? (body as Record<string, unknown>) : {} });
  }
  return out;
}

/** Merges kubeconfig files kubectl's way (first file wins per name and for current-context). */
export function mergeKubeconfigFiles(files: string[], explicit: boolean): { config: RawKubeconfig; sources: string[] } {
  const clusters = new Map<string, Record<string, unknown>>();
  const users = new Map<string, Record<string, unknown>>();
  const contexts = new Map<string, Record<string, unknown>>();
  let current = '';
  const sources: string[] = [];
  for (const file of files) {
    if (!existsSync(file)) {
      if (explicit) { throw new KubeconfigError(`stat ${file}: no such file or directory`, { hint: 'check --kubeconfig' }); }
      continue;
    }
    const doc = readDoc(file);
    sources.push(file);
    const base = dirname(file);
    for (const { name, body } of entries(doc, 'clusters', file)) { if (!clusters.has(name)) { clusters.set(name, resolvePaths('cluster', body, base)); } }
    for (const { name, body } of entries(doc, 'users', file)) { if (!users.has(name)) { users.set(name, resolvePaths('user', body, base)); } }
    for (const { name, body } of entries(doc, 'contexts', file)) { if (!contexts.has(name)) { contexts.set(name, body); } }
    const cc = doc['current-context'];
    if (!current && typeof cc === 'string' && cc) { current = cc; }
  }
  return {
    config: {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [...clusters].map(([name, cluster]) => ({ name, cluster })),
      users: [...users].map(([name, user]) => ({ name, user })),
      contexts: [...contexts].map(([name, context]) => ({ name, context })),
      'current-context': current,
      preferences: {},
    },
    sources,
  };
}

function inClusterConfig(env: NodeJS.ProcessEnv, saDir: string): LoadedKubeconfig | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const tokenFile = join(saDir, 'token');
  if (!host || !port || !existsSync(tokenFile)) { return undefined; }
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let namespace = 'default';
  try {
    namespace = readFileSync(join(saDir, 'namespace'), 'utf8').trim() || namespace;
  } catch {
    // no namespace file: kubectl falls back to default too
  }
  const cluster: Record<string, unknown> = { server };
  if (existsSync(join(saDir, 'ca.crt'))) { cluster['certificate-authority'] = join(saDir, 'ca.crt'); }
  return {
    config: {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'in-cluster', cluster }],
      users: [{ name: 'in-cluster', user: { tokenFile } }],
      contexts: [{ name: 'in-cluster', context: { cluster: 'in-cluster', user: 'in-cluster', namespace } }],
      'current-context': 'in-cluster',
      preferences: {},
    },
    context: 'in-cluster',
    namespace,
    sources: ['in-cluster'],
    inCluster: true,
  };
}

/**
 * `--all-contexts`: every context of the merged kubeconfig, in merge order (kubectl config get-contexts
 * lists the same set); the in-cluster config when there is no kubeconfig at all, as loadKubeconfig falls back.
 */
/** The API server URL of the loaded context's cluster, for the report (undefined when it names none). */
export function clusterServer(loaded: LoadedKubeconfig): string | undefined {
  const cluster = loaded.config.contexts.find((x) => x.name === loaded.context)?.context.cluster;
  const server = loaded.config.clusters.find((c) => c.name === cluster)?.cluster.server;
  return typeof server === 'string' ? server : undefined;
}

export function contextNames(opts: Omit<KubeconfigOptions, 'context'> = {}): string[] {
  const { files, explicit } = kubeconfigFiles(opts);
  const names = mergeKubeconfigFiles(files, explicit).config.contexts.map((c) => c.name);
  if (names.length > 0) { return names; }
  return [loadKubeconfig(opts).context];
}

export function loadKubeconfig(opts: KubeconfigOptions = {}): LoadedKubeconfig {
  const env = opts.env ?? process.env;
  const { files, explicit } = kubeconfigFiles(opts);
  const { config, sources } = mergeKubeconfigFiles(files, explicit);
  const empty = config.clusters.length === 0 && config.users.length === 0 && config.contexts.length === 0;
  if (empty && !explicit) {
    const inCluster = inClusterConfig(env, opts.serviceAccountDir ?? SA_DIR);
    if (inCluster) {
      if (opts.context && opts.context !== inCluster.context) { throw new KubeconfigError(`context "${opts.context}" does not exist`); }
      return inCluster;
    }
  }
  const contextName = opts.context || config['current-context'];
  if (!contextName) {
    throw new KubeconfigError(
      empty ? 'no kubeconfig found and not running inside a cluster' : 'the kubeconfig has no current-context',
      { hint: empty ? `looked at ${files.join(', ') || '(nothing)'}; set KUBECONFIG or pass --kubeconfig` : 'pass --context NAME or run `kubectl config use-context NAME`' },
    );
  }
  const ctx = config.contexts.find((c) => c.name === contextName);
  if (!ctx) { throw new KubeconfigError(`context "${contextName}" does not exist`, { hint: `known contexts: ${config.contexts.map((c) => c.name).join(', ') || '(none)'}` }); }
  const clusterName = ctx.context.cluster;
  if (typeof clusterName !== 'string' || !config.clusters.some((c) => c.name === clusterName)) {
    throw new KubeconfigError(`context "${contextName}" refers to cluster "${String(clusterName ?? '')}", which does not exist`);
  }
  const userName = ctx.context.user;
  if (typeof userName === 'string' && userName !== '' && !config.users.some((u) => u.name === userName)) {
    // kubectl carries on with anonymous credentials here; so do we, but client-node needs the user entry.
    config.users.push({ name: userName, user: {} });
  }
  const ns = ctx.context.namespace;
  return {
    config: { ...config, 'current-context': contextName },
    context: contextName,
    namespace: typeof ns === 'string' && ns ? ns : 'default',
    sources,
    inCluster: false,
  };
}
