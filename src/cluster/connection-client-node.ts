/**
 * The connection for credentials only @kubernetes/client-node reads (exec plugins, auth providers, basic
 * auth, a `proxy-url`): the only module that imports it, and only loaded for such a context. client-node
 * does what it is good at here, `KubeConfig.applyToHTTPSOptions`: the Authorization header (refreshed per
 * call, as an exec plugin's token expires), TLS material and, for a proxy, its agent. The requests
 * themselves go out over node:https as every other context's do (client.ts).
 */
import { KubeConfig } from '@kubernetes/client-node';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { ApiError, KubeconfigError } from '../errors.ts';
import type { Connection, RequestSetup } from './connection.ts';
import { currentEntries, impersonation, KEEP_ALIVE, readTokenFile, serverURL } from './connection.ts';
import type { LoadedKubeconfig } from './kubeconfig.ts';
import { agentProxyOptions, proxyFor } from './proxy.ts';

/** client-node needs a config object; give it exactly one, the merged one, so its own loader never runs. */
export function toKubeConfig(loaded: LoadedKubeconfig): KubeConfig {
  const kc = new KubeConfig();
  // kubectl's key is `tokenFile`; client-node only reads `token-file`. Read it here, as kubectl would.
  const config = structuredClone(loaded.config);
  for (const u of config.users) {
    const file = u.user.tokenFile ?? u.user['token-file'];
    if (typeof file === 'string' && u.user.token === undefined) {
      u.user.token = readTokenFile(file, `user ${u.name}`);
      delete u.user.tokenFile;
      delete u.user['token-file'];
    }
  }
  // loadFromString on the single merged document: same effect as loadFromOptions with client-node's
  // typed Cluster/User/Context, but through its own field mapping (token-file, exec, auth-provider).
  kc.loadFromString(JSON.stringify(config));
  kc.setCurrentContext(loaded.context);
  return kc;
}

type Options = RequestSetup & { ca?: unknown; cert?: unknown; key?: unknown; pfx?: unknown; passphrase?: unknown; rejectUnauthorized?: boolean; servername?: string };

export function clientNodeConnection(loaded: LoadedKubeconfig): Connection {
  const kc = toKubeConfig(loaded);
  const cluster = kc.getCurrentCluster();
  if (!cluster) { throw new KubeconfigError(`context "${loaded.context}" has no cluster`); }
  // client-node's own agent is a plain one without keep-alive (or a proxy's): the API calls get a pooled
  // agent with the same TLS material, unless a proxy's agent must carry them.
  const entries = currentEntries(loaded);
  let pooled: { key: string; agent: HttpAgent } | undefined;
  let upgrading: { key: string; agent: HttpAgent } | undefined;
  // HTTPS_PROXY / NO_PROXY as kubectl reads them; a `proxy-url` (client-node's own agent) wins, as in client-go.
  const server = serverURL(loaded, cluster.server);
  const proxy = entries.cluster?.['proxy-url'] ? undefined : proxyFor(server);
  const viaProxy = agentProxyOptions(server, proxy);
  const agents = new Set<HttpAgent>();
  // client-go sends the whole impersonation set; client-node only Impersonate-User.
  const impersonate = impersonation(entries.user ?? {});
  // Calls made at once share one credential run: an exec plugin (`aws eks get-token`) would otherwise start
  // once per call until its token is cached.
  let pending: Promise<Options> | undefined;
  const credentials = (): Promise<Options> => {
    pending ??= (async () => {
      const opts = { headers: {} } as Options;
      try {
        await kc.applyToHTTPSOptions(opts as never);
      } catch (e) {
        throw new ApiError(`cannot get credentials for context "${loaded.context}": ${(e as Error).message}`, { status: 0, reason: 'CredentialError', path: '', cause: e });
      }
      return opts;
    })().finally(() => {
      pending = undefined;
    });
    return pending;
  };
  return {
    server: cluster.server.replace(/\/+$/, ''),
    compression: entries.cluster?.['disable-compression'] !== true,
    async setup(kind) {
      const opts = await credentials();
      const headers = { ...opts.headers, ...impersonate };
      const own = opts.agent;
      agents.add(own);
      const plain = own?.constructor === HttpsAgent || own?.constructor === HttpAgent;
      // An upgrade keeps client-node's own agent unless a proxy from the environment must carry it too.
      if (plain && (kind === 'request' || proxy)) {
        const tls = { ca: opts.ca, cert: opts.cert, key: opts.key, pfx: opts.pfx, passphrase: opts.passphrase, rejectUnauthorized: opts.rejectUnauthorized, servername: opts.servername };
        const key = JSON.stringify(Object.values(tls).map((v) => (v === undefined ? null : String(v))));
        const made = kind === 'request' ? pooled : upgrading;
        let agent = made?.agent;
        if (made?.key !== key) {
          made?.agent.destroy();
          const defined = Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined));
          const reuse = kind === 'request' ? KEEP_ALIVE : { keepAlive: false };
          agent = own instanceof HttpsAgent ? new HttpsAgent({ ...defined, ...viaProxy, ...reuse }) : new HttpAgent({ ...viaProxy, ...reuse });
          if (kind === 'request') { pooled = { key, agent }; } else { upgrading = { key, agent }; }
        }
        return { agent: agent as HttpAgent, headers, ...(opts.auth ? { auth: opts.auth } : {}) };
      }
      return { agent: own, headers, ...(opts.auth ? { auth: opts.auth } : {}) };
    },
    close() {
      pooled?.agent.destroy();
      upgrading?.agent.destroy();
      for (const a of agents) { a?.destroy(); }
    },
  };
}
