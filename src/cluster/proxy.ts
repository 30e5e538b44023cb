/**
 * The proxy kubectl would use for the API server, from the environment: client-go's default transport
 * takes `http.ProxyFromEnvironment` (k8s.io/client-go/transport/cache.go, through
 * k8s.io/apimachinery/pkg/util/net NewProxierWithNoProxyCIDR), that is golang.org/x/net/http/httpproxy:
 * HTTPS_PROXY (then https_proxy) for an https server, HTTP_PROXY (then http_proxy) for an http one, never
 * for `localhost` or a loopback IP, and NO_PROXY (then no_proxy) as a comma list of `*`, IPs and CIDRs,
 * and domain names that match themselves and their subdomains (a leading `.` or `*.`: subdomains only),
 * each optionally with a port. Node's own env proxy reads the lower-case names first and matches NO_PROXY
 * otherwise, so the decision is made here, once per server, and the agent is handed only its result.
 */
import { BlockList, isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { KubeconfigError } from '../errors.ts';

export type ProxyEnv = Readonly<Record<string, string | undefined>>;

/** golang.org/x/net/http/httpproxy getEnvAny: the first name that is set and not empty. */
function envAny(env: ProxyEnv, ...names: string[]): string {
  for (const n of names) {
    const v = env[n];
    if (v) { return v; }
  }
  return '';
}

/**
 * httpproxy parseProxy: a URL, or `host[:port]` taken as http://; a URL of another scheme is kept
 * (`foo://host`), and then fails kubectl's requests: it fails here too (proxyFor), never goes around.
 */
function parseProxy(value: string): URL | undefined {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value)?.[1];
  try {
    return new URL(scheme ? value : `http://${value}`);
  } catch {
    return undefined;
  }
}

/** `[v6]` -> `v6`, lower-cased */
const bare = (host: string): string => host.replace(/^\[(.*)\]$/, '$1').toLowerCase();

/**
 * An IPv4-mapped IPv6 address as the IPv4 one (Go's net.IP holds both as one 16-byte form, so
 * `::ffff:10.0.0.1` equals `10.0.0.1` and is loopback when the IPv4 one is); Node's URL writes it in hex.
 */
function unmapped(ip: string): string {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (dotted) { return dotted[1]; }
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
  if (!hex) { return ip; }
  const [hi, lo] = [Number.parseInt(hex[1], 16), Number.parseInt(hex[2], 16)];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/**
 * host and port of a NO_PROXY entry (`1.2.3.4:80`, `[::1]:80`, `foo.com:443`, or without a port), as Go's
 * SplitHostPort splits it: brackets go only with a port, so a bare `[::1]` stays a name that never matches.
 */
function splitEntry(p: string): { host: string; port: string } {
  const v6 = /^\[([^\]]*)\]:(\d*)$/.exec(p);
  if (v6) { return { host: v6[1], port: v6[2] }; }
  const hp = /^([^:[\]]*):(\d*)$/.exec(p);
  return hp ? { host: hp[1], port: hp[2] } : { host: p, port: '' };
}

/** net.IP.IsLoopback: 127/8 and ::1 */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** httpproxy useProxy: whether `host:port` goes through the proxy, given NO_PROXY. */
export function useProxy(hostIn: string, port: string, noProxy: string): boolean {
  const host = unmapped(bare(hostIn.trim()));
  if (host === 'localhost') { return false; }
  const family = isIP(host);
  if (family && LOOPBACK.check(host, family === 4 ? 'ipv4' : 'ipv6')) { return false; }
  for (const raw of noProxy.split(',')) {
    const p = raw.trim().toLowerCase();
    if (!p) { continue; }
    if (p === '*') { return false; }
    const cidr = /^(.+)\/(\d+)$/.exec(p);
    if (cidr) {
      const netFamily = isIP(cidr[1]);
      if (netFamily && family) {
        const list = new BlockList();
        try {
          list.addSubnet(cidr[1], Number(cidr[2]), netFamily === 4 ? 'ipv4' : 'ipv6');
        } catch {
          continue;
        }
        if (list.check(host, family === 4 ? 'ipv4' : 'ipv6')) { return false; }
      }
      continue;
    }
    const entry = splitEntry(p);
    if (!entry.host || (entry.port !== '' && entry.port !== port)) { continue; }
    const entryFamily = isIP(entry.host);
    if (entryFamily) {
      const ip = unmapped(entry.host);
      if (family && isIP(ip) === family && (ip === host || (family === 6 && sameIPv6(ip, host)))) { return false; }
      continue;
    }
    // foo.com: itself and its subdomains; .foo.com and *.foo.com: subdomains only
    const name = entry.host.replace(/^\*?\./, '');
    // idnaASCII: only a name with non-ASCII characters is converted (Node's would also rewrite `0.0.1`)
    const ascii = /^[\x00-\x7f]*$/.test(name) ? name : domainToASCII(name) || name;
    const matchHost = name === entry.host;
    if (host.endsWith(`.${ascii}`) || (matchHost && host === ascii)) { return false; }
  }
  return true;
}

/** net.IP.Equal for two IPv6 spellings (`::1` and `0:0::1`); mapped IPv4 ones were unmapped before. */
function sameIPv6(a: string, b: string): boolean {
  const list = new BlockList();
  list.addAddress(a, 'ipv6');
  return list.check(b, 'ipv6');
}

/**
 * The proxy URL for `server`, or undefined for a direct connection. A SOCKS5 proxy (which kubectl
 * supports) is refused with a clear error rather than ignored: Node's agents only tunnel through HTTP(S)
 * proxies, and going around it would reach a network the user meant to go through the proxy for.
 */
export function proxyFor(server: URL, env: ProxyEnv = process.env): URL | undefined {
  const https = server.protocol === 'https:';
  const name = https ? 'HTTPS_PROXY' : 'HTTP_PROXY';
  const value = envAny(env, name, name.toLowerCase());
  if (!value) { return undefined; }
  const proxy = parseProxy(value);
  if (!proxy) { return undefined; }
  // httpproxy refuses HTTP_PROXY in a CGI environment before it looks at the host or NO_PROXY
  if (!https && env.REQUEST_METHOD) {
    throw new KubeconfigError('refusing to use HTTP_PROXY in a CGI environment (REQUEST_METHOD is set), as client-go does: see golang.org/s/cgihttpproxy');
  }
  const port = server.port || (https ? '443' : '80');
  if (!useProxy(server.hostname, port, envAny(env, 'NO_PROXY', 'no_proxy'))) { return undefined; }
  if (!['http:', 'https:', 'socks5:'].includes(proxy.protocol)) {
    throw new KubeconfigError(`${name}=${value}: proxy scheme "${proxy.protocol.slice(0, -1)}" is not supported (http or https)`);
  }
  if (proxy.protocol === 'socks5:') {
    throw new KubeconfigError(`${name} names a SOCKS5 proxy (${proxy.host}), which otel-doctor cannot tunnel through: use an HTTP proxy, or list the API server in NO_PROXY if it is reachable without one`);
  }
  return proxy;
}

/**
 * The agent options that send requests for `server` through `proxy` (an https server: tunnelled with
 * CONNECT; an http one: forwarded). Node's agents take `proxyEnv` from 22.21 and 24.5 on; an older Node
 * would ignore it and connect directly, so a proxy that applies there is an error, never gone around.
 */
export function agentProxyOptions(server: URL, proxy: URL | undefined, version = process.versions.node): { proxyEnv?: Record<string, string> } {
  if (!proxy) { return {}; }
  const [major, minor] = version.split('.').map(Number);
  if (!(major >= 25 || (major === 24 && minor >= 5) || (major === 22 && minor >= 21))) {
    throw new KubeconfigError(`the API server's proxy (${proxy.host}, from ${server.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY'}) needs Node.js 22.21 or 24.5 and later to tunnel through; this is Node.js ${version}`);
  }
  return { proxyEnv: server.protocol === 'https:' ? { HTTPS_PROXY: proxy.href } : { HTTP_PROXY: proxy.href } };
}
