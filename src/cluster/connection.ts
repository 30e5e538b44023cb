/**
 * How to reach the API server of the kubeconfig's current context: its URL and, per request, the agent
 * (TLS material inside) and the headers that authenticate. The common credentials (a bearer token or
 * token file, a client certificate, impersonation, or none) are read here as kubectl (client-go's
 * `rest.Config` and `transport`) reads them, and so is a proxy from the environment (proxy.ts), with node:https and no @kubernetes/client-node: loading
 * client-node and its undici costs a few hundred milliseconds of CPU, more than a small diagnosis spends
 * on everything else. Whatever this module does not read exactly (exec plugins, auth providers, basic
 * auth, a `proxy-url`) goes to client-node (connection-client-node.ts), loaded only then.
 */
import { readFileSync } from 'node:fs';
import type { Agent as HttpAgent } from 'node:http';
import { KubeconfigError } from '../errors.ts';
import type { LoadedKubeconfig } from './kubeconfig.ts';
import { agentProxyOptions, proxyFor } from './proxy.ts';

/** What one request or one exec upgrade needs besides its method, path and body. */
export interface RequestSetup {
  agent: HttpAgent;
  headers: Record<string, string | string[]>;
  /** `user:password` for basic auth (client-node's users only) */
  auth?: string;
}

export interface Connection {
  /** `https://host:port` plus any path prefix (rancher-style proxies), no trailing slash */
  readonly server: string;
  /** false when the cluster says `disable-compression: true` (client-go's DisableCompression) */
  readonly compression: boolean;
  /**
   * Per call, since credentials may refresh (an exec plugin's token). `upgrade`: for an exec's WebSocket,
   * whose connection leaves the agent once upgraded, so it must not come from the keep-alive pool.
   */
  setup(kind: 'request' | 'upgrade'): Promise<RequestSetup>;
  /** frees the pooled connections (keep-alive would hold the process open) */
  close(): void;
}

/**
 * The pool's sockets: kept alive between calls, but an idle one is dropped after 4 s (undici's default,
 * which client-node used): a socket idle for a `fix` prompt's whole wait may have been closed by the
 * server or a load balancer, and a write sent on it would fail without a retry.
 */
export const KEEP_ALIVE = { keepAlive: true, timeout: 4000, scheduling: 'lifo' } as const;

const USER_KEYS = new Set(['extensions', 'token', 'tokenFile', 'token-file', 'client-certificate', 'client-certificate-data', 'client-key', 'client-key-data', 'as', 'as-uid', 'as-groups', 'as-user-extra']);
const CLUSTER_KEYS = new Set(['server', 'certificate-authority', 'certificate-authority-data', 'insecure-skip-tls-verify', 'tls-server-name', 'disable-compression', 'extensions']);

/** The current context's cluster and user entries (the user may be absent: anonymous). */
export function currentEntries(loaded: LoadedKubeconfig): { cluster?: Record<string, unknown>; user?: Record<string, unknown> } {
  const ctx = loaded.config.contexts.find((c) => c.name === loaded.context)?.context;
  const cluster = loaded.config.clusters.find((c) => c.name === ctx?.cluster)?.cluster;
  const user = loaded.config.users.find((u) => u.name === ctx?.user)?.user;
  return { ...(cluster ? { cluster } : {}), ...(user ? { user } : {}) };
}

/** Whether this module reads the context's credentials itself; false: client-node must. */
export function readsCredentials(loaded: LoadedKubeconfig): boolean {
  const { cluster, user = {} } = currentEntries(loaded);
  if (!cluster || typeof cluster.server !== 'string') { return false; }
  if (Object.keys(cluster).some((k) => !CLUSTER_KEYS.has(k)) || Object.keys(user).some((k) => !USER_KEYS.has(k))) { return false; }
  // A certificate without its key (or the reverse) is an error client-node words; leave it to it.
  const has = (k: string) => user[k] !== undefined || user[`${k}-data`] !== undefined;
  return has('client-certificate') === has('client-key');
}

/** PEM text of a `-data` (base64) or file field; client-go's rule: the data wins over the file. */
function pem(o: Record<string, unknown>, key: string, what: string): string | undefined {
  const data = o[`${key}-data`];
  if (typeof data === 'string' && data) { return Buffer.from(data, 'base64').toString('utf8'); }
  const file = o[key];
  if (typeof file !== 'string' || !file) { return undefined; }
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new KubeconfigError(`cannot read the ${what} file ${file}: ${(e as Error).message}`, { cause: e });
  }
}

/** A token file's token (kubectl trims it); an unreadable file is a KubeconfigError naming `whose`. */
export function readTokenFile(file: string, whose: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new KubeconfigError(`cannot read the token file ${file} of ${whose}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * client-go's headerKeyEscape (transport/round_trippers.go): every byte that may not appear in a header
 * name (RFC 7230 tchar), and `%` itself, as %XX; the API server reads the key back with PathUnescape.
 */
export function headerKeyEscape(key: string): string {
  let out = '';
  for (const b of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /^[A-Za-z0-9!#$&'*+\-.^_`|~]$/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * The headers client-go's ImpersonatingRoundTripper sends for a kubeconfig's `as`, `as-uid`, `as-groups`
 * and `as-user-extra` (k8s.io/client-go/transport/round_trippers.go: one Impersonate-Group per group, the
 * extra key escaped by headerKeyEscape in the header name).
 */
export function impersonation(user: Record<string, unknown>): Record<string, string | string[]> {
  const h: Record<string, string | string[]> = {};
  if (typeof user.as === 'string' && user.as) { h['Impersonate-User'] = user.as; }
  if (typeof user['as-uid'] === 'string' && user['as-uid']) { h['Impersonate-Uid'] = user['as-uid']; }
  const groups = user['as-groups'];
  if (Array.isArray(groups) && groups.length) { h['Impersonate-Group'] = groups.map(String); }
  const extra = user['as-user-extra'];
  if (extra && typeof extra === 'object') {
    for (const [k, v] of Object.entries(extra as Record<string, unknown>)) {
      const values = (Array.isArray(v) ? v : [v]).map(String);
      if (values.length) { h[`Impersonate-Extra-${headerKeyEscape(k)}`] = values; }
    }
  }
  return h;
}

/** The context's server as a URL; one that is not a URL is a KubeconfigError naming the context. */
export function serverURL(loaded: LoadedKubeconfig, server: string): URL {
  try {
    return new URL(server);
  } catch (e) {
    throw new KubeconfigError(`the server of context "${loaded.context}" is not a URL: ${server}`, { cause: e });
  }
}

/**
 * The connection for credentials this module reads (readsCredentials). Files are read once, here: a
 * diagnosis lasts seconds, and kubectl reads them once per command too. One keep-alive agent carries the
 * API calls; a second, without keep-alive, the exec upgrades, whose TLS sessions it caches and resumes
 * (a resumed handshake skips the certificate exchange, and a diagnosis opens one connection per exec).
 */
export function directConnection(loaded: LoadedKubeconfig): Connection {
  const { cluster, user = {} } = currentEntries(loaded);
  if (!cluster || typeof cluster.server !== 'string') { throw new KubeconfigError(`context "${loaded.context}" has no cluster server`); }
  const url = serverURL(loaded, cluster.server);
  const secure = url.protocol === 'https:';
  const skipVerify = cluster['insecure-skip-tls-verify'] === true;
  if (!secure && url.protocol !== 'http:') { throw new KubeconfigError(`the server of context "${loaded.context}" is not http(s): ${cluster.server}`); }
  const tls: { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean; servername?: string } = secure
    ? {
      ca: pem(cluster, 'certificate-authority', 'certificate authority'),
      cert: pem(user, 'client-certificate', 'client certificate'),
      key: pem(user, 'client-key', 'client key'),
      // Unset unless skip-verify: Node's default then honours NODE_TLS_REJECT_UNAUTHORIZED, as client-node did.
      ...(skipVerify ? { rejectUnauthorized: false } : {}),
      ...(typeof cluster['tls-server-name'] === 'string' && cluster['tls-server-name'] ? { servername: cluster['tls-server-name'] } : {}),
    }
    : {};
  let token: string | undefined;
  if (typeof user.token === 'string' && user.token) { token = user.token; } else {
    // kubectl's key is `tokenFile`; the file form `token-file` is what the kubeconfig spells.
    const file = user.tokenFile ?? user['token-file'];
    if (typeof file === 'string' && file) { token = readTokenFile(file, `context "${loaded.context}"`); }
  }
  const headers = { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...impersonation(user) };
  const mod = (secure ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http')) as typeof import('node:https');
  // HTTPS_PROXY / NO_PROXY as kubectl reads them (proxy.ts).
  const viaProxy = agentProxyOptions(url, proxyFor(url));
  let pooled: HttpAgent | undefined;
  let upgrades: HttpAgent | undefined;
  // One TLS context for every connection: otherwise each one parses the CA and the key again (the
  // execs open one connection each). Built now, so a certificate or key that is not PEM is a kubeconfig error.
  let agentTls: object = {};
  if (secure) {
    const { ca, cert, key, ...rest } = tls;
    const nodeTls = process.getBuiltinModule('node:tls') as typeof import('node:tls');
    try {
      agentTls = { secureContext: nodeTls.createSecureContext({ ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) }), ...rest };
    } catch (e) {
      throw new KubeconfigError(`the TLS material of context "${loaded.context}" cannot be used: ${(e as Error).message}`, { cause: e });
    }
  }
  return {
    server: `${url.origin}${url.pathname.replace(/\/+$/, '')}`,
    compression: cluster['disable-compression'] !== true,
    setup(kind) {
      const agent = kind === 'request'
        ? (pooled ??= new mod.Agent({ ...agentTls, ...viaProxy, ...KEEP_ALIVE }))
        : (upgrades ??= new mod.Agent({ ...agentTls, ...viaProxy, keepAlive: false }));
      return Promise.resolve({ agent, headers });
    },
    close() {
      pooled?.destroy();
      upgrades?.destroy();
    },
  };
}
