/**
 * The first requests of a diagnosis, sent before @kubernetes/client-node has loaded.
 *
 * Loading client-node and its undici takes a few hundred milliseconds of a diagnosis's start. The access
 * reviews do not need it: for the common credentials (a bearer token or token file, a client certificate,
 * or none) they are one POST each with node:https. So they go out first and travel while client-node
 * loads; the client then takes their answers. Anything this module does not handle exactly as client-node
 * would (exec plugins, auth providers, basic auth, impersonation, proxies) returns undefined, and the
 * reviews go through client-node as before. An early review that fails in any way (network error, non-2xx,
 * unreadable body) is simply asked again through client-node, whose retries and error messages apply.
 * This module must not import client-node.
 */
import { readFileSync } from 'node:fs';
import type { LoadedKubeconfig } from './kubeconfig.ts';
import type { AccessAttributes } from './types.ts';

export interface EarlyReviews {
  /**
   * Resolves once every review is on the wire, or after maxMs. Loading client-node blocks the event loop
   * for a while; waiting for this first lets the requests leave before it does.
   */
  sent(maxMs: number): Promise<void>;
  /** the early answer for these attributes, if one was asked; rejects when it must be asked again */
  take(attrs: AccessAttributes): Promise<boolean> | undefined;
}

export const SSAR_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

/** The review as both this module and client.ts send it. */
export function ssarBody(attrs: AccessAttributes): { apiVersion: string; kind: string; spec: { resourceAttributes: AccessAttributes } } {
  return { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { group: attrs.group ?? '', ...attrs } } };
}

/** Allowed only when the answer says exactly so; throws on a body that is not JSON. */
export function ssarAllowed(text: string): boolean {
  return (JSON.parse(text) as { status?: { allowed?: unknown } } | null)?.status?.allowed === true;
}

/** Stable key for a review's attributes (the same object shape the client builds its body from). */
export function reviewKey(attrs: AccessAttributes): string {
  return JSON.stringify([attrs.verb, attrs.group ?? '', attrs.resource, attrs.subresource ?? '', attrs.namespace ?? '', attrs.name ?? '']);
}

const PROXY_ENV = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'];
const USER_KEYS = new Set(['extensions', 'token', 'tokenFile', 'token-file', 'client-certificate', 'client-certificate-data', 'client-key', 'client-key-data']);
const CLUSTER_KEYS = new Set(['server', 'certificate-authority', 'certificate-authority-data', 'insecure-skip-tls-verify', 'tls-server-name', 'extensions']);

function pem(data: unknown, file: unknown): string | undefined {
  if (typeof data === 'string' && data) { return Buffer.from(data, 'base64').toString('utf8'); }
  if (typeof file === 'string' && file) { return readFileSync(file, 'utf8'); }
  return undefined;
}

/**
 * Sends every review now when the credentials are simple enough; undefined otherwise. `onRequest` is
 * called as the client's own (for -v), with the verb and path of each early request.
 */
export function startEarlyReviews(
  loaded: LoadedKubeconfig,
  list: AccessAttributes[],
  opts: { userAgent: string; timeoutMs: number; env?: NodeJS.ProcessEnv; onRequest?: (verb: string, path: string, status: number, ms: number) => void },
): EarlyReviews | undefined {
  const env = opts.env ?? process.env;
  if (PROXY_ENV.some((k) => env[k])) { return undefined; }
  // client-node honours it; these requests would fail TLS and be asked again, so leave them to it
  if (env.NODE_TLS_REJECT_UNAUTHORIZED === '0') { return undefined; }
  const ctx = loaded.config.contexts.find((c) => c.name === loaded.context)?.context;
  const cluster = loaded.config.clusters.find((c) => c.name === ctx?.cluster)?.cluster;
  // client-node applies neither the CA nor skip-verify for a context without a user: do not differ from it
  const user = loaded.config.users.find((u) => u.name === ctx?.user)?.user;
  if (!cluster || typeof cluster.server !== 'string' || !user) { return undefined; }
  if (Object.keys(cluster).some((k) => !CLUSTER_KEYS.has(k)) || Object.keys(user).some((k) => !USER_KEYS.has(k))) { return undefined; }
  let url: URL;
  let tls: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean; servername?: string };
  let token: string | undefined;
  try {
    url = new URL(cluster.server);
    // A server with a path prefix (rancher-style proxies) keeps it, as client-node's base path does.
    url.pathname = `${url.pathname.replace(/\/+$/, '')}${SSAR_PATH}`;
    if (url.protocol !== 'https:' && url.protocol !== 'http:') { return undefined; }
    tls = {
      ca: pem(cluster['certificate-authority-data'], cluster['certificate-authority']),
      cert: pem(user['client-certificate-data'], user['client-certificate']),
      key: pem(user['client-key-data'], user['client-key']),
      rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
      ...(typeof cluster['tls-server-name'] === 'string' ? { servername: cluster['tls-server-name'] } : {}),
    };
    if (typeof user.token === 'string') { token = user.token; } else {
      const f = user.tokenFile ?? user['token-file'];
      if (typeof f === 'string') { token = readFileSync(f, 'utf8').trim(); }
    }
  } catch {
    return undefined; // an unreadable file: client-node reports it in its own words
  }
  if (url.protocol === 'http:' && tls.rejectUnauthorized) {
    return undefined; // client-node refuses plain HTTP then
  }
  // Both a file and inline data: kubectl takes the data, client-node the file; do not pick a side here.
  const both = (k: string, o: Record<string, unknown>) => o[k] !== undefined && o[`${k}-data`] !== undefined;
  if (both('certificate-authority', cluster) || both('client-certificate', user) || both('client-key', user)) { return undefined; }
  if ((tls.cert === undefined) !== (tls.key === undefined)) { return undefined; }

  const pending = new Map<string, Promise<boolean>>();
  // getBuiltinModule, not import(): the ESM facade of node:http reads every export, and one of them is a
  // lazy getter that loads Node's own undici (~40 ms), which this request does not use.
  const mod = (url.protocol === 'https:' ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http')) as typeof import('node:https');
  const sent: Promise<void>[] = [];
  for (const attrs of list) {
    const body = JSON.stringify(ssarBody(attrs));
    let markSent!: () => void;
    sent.push(new Promise<void>((r) => { markSent = r; }));
    const p = new Promise<boolean>((resolve, reject) => {
      const t0 = Date.now();
      const req = mod.request(
        url,
        {
          method: 'POST',
          ...(url.protocol === 'https:' ? tls : {}),
          headers: {
            'User-Agent': opts.userAgent,
            Accept: 'application/json',
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
            ...(token ? { Authorization: `Bearer ${token}` } : {}),
          },
          signal: AbortSignal.timeout(opts.timeoutMs),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            opts.onRequest?.('POST', url.pathname, status, Date.now() - t0);
            if (status < 200 || status >= 300) { return reject(new Error(`HTTP ${status}`)); }
            try {
              resolve(ssarAllowed(Buffer.concat(chunks).toString('utf8')));
            } catch (e) {
              reject(e as Error);
            }
          });
        },
      );
      req.on('error', (e) => { markSent(); reject(e); });
      req.on('finish', markSent);
      req.end(body);
    });
    p.catch(() => undefined); // consumed (or re-asked) by the client; never an unhandled rejection
    pending.set(reviewKey(attrs), p);
  }
  const allSent = Promise.all(sent).then(() => undefined);
  return {
    sent: (maxMs) => Promise.race([allSent, new Promise<void>((r) => setTimeout(r, maxMs).unref())]),
    take(attrs) {
      const k = reviewKey(attrs);
      const p = pending.get(k);
      pending.delete(k);
      return p;
    },
  };
}
