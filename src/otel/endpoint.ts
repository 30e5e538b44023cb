/**
 * Endpoints: collector listen addresses (`host:port`, where an empty host means every interface) and
 * app OTLP exporter URLs (`scheme://host:port/path`, or the scheme-less `host:port` gRPC form).
 */
import { isIP } from 'node:net';

export type EndpointClass = 'loopback' | 'pod-ip' | 'all-interfaces' | 'other';

/**
 * Split `host:port`, `[v6]:port`, `:port`; IPv6 brackets removed. An unbracketed IPv6 host with a port
 * (`fd00::5:4317`, which Go refuses: goSplitHostPortError) is read as the writer meant it, host and port,
 * and flagged `unbracketed`; a bare IPv6 address (`::1`, `fd00::5`) is a host without a port.
 */
export function splitHostPort(s: string): { host: string; port: number | null; unbracketed?: true } {
  const t = s.trim();
  const b = /^\[([^\]]*)\](?::(\d+))?$/.exec(t);
  if (b) { return { host: b[1], port: b[2] ? Number(b[2]) : null }; }
  const i = t.lastIndexOf(':');
  if (i === -1) { return { host: t, port: null }; }
  const p = t.slice(i + 1);
  if (t.indexOf(':') !== i) {
    // `fd00:10:244:1::5:4317` is itself a valid IPv6 address; what precedes the last colon being one too,
    // and the rest a decimal port, says host:port (listen addresses and endpoints always carry a port).
    const host = t.slice(0, i);
    if (/^\d{1,5}$/.test(p) && isIP(host.replace(/%.*$/, '')) === 6) { return { host, port: Number(p), unbracketed: true }; }
    if (isIP(t.replace(/%.*$/, '')) === 6) { return { host: t, port: null }; }
  }
  return { host: t.slice(0, i), port: /^\d{1,5}$/.test(p) ? Number(p) : null };
}

const LABEL = /^[a-z0-9_]([-a-z0-9_]{0,61}[a-z0-9])?$/i;

/** RFC 1123 host name (underscores tolerated, as resolvers do) or an IP literal. */
export function isValidHostName(host: string): boolean {
  if (isIP(host) !== 0) { return true; }
  const h = host.endsWith('.') ? host.slice(0, -1) : host;
  return h.length > 0 && h.length <= 253 && h.split('.').every((l) => LABEL.test(l));
}

/** The cluster DNS zone names are resolved in (kubelet's --cluster-domain; every rule and probe assumes the default). */
export const CLUSTER_DOMAIN = 'cluster.local';

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) { return true; }
  if (isIP(h) === 4) { return h.startsWith('127.'); }
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') { return true; }
  if (/^::ffff:127\./.test(h)) { return true; }
  return false;
}

export function isAllInterfaces(host: string): boolean {
  const h = host.trim();
  return h === '' || h === '0.0.0.0' || h === '::' || h === '*' || h === '[::]' || h === '0:0:0:0:0:0:0:0';
}

export function classifyHost(host: string, ctx: { podIP?: string } = {}): EndpointClass {
  if (isAllInterfaces(host)) { return 'all-interfaces'; }
  if (isLoopbackHost(host)) { return 'loopback'; }
  if (ctx.podIP && sameIP(host, ctx.podIP)) { return 'pod-ip'; }
  return 'other';
}

export interface ParsedOtlpUrl {
  raw: string;
  scheme: string | null;
  host: string;
  port: number | null;
  /** port implied by the scheme (http 80, https 443) when none was written */
  impliedPort?: number;
  path: string;
  problems: string[];
}

/** Parse an OTLP exporter endpoint value. Never throws; `problems` lists what is wrong. */
export function parseOtlpUrl(value: string): ParsedOtlpUrl {
  const raw = value;
  const v = value.trim();
  const problems: string[] = [];
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/.exec(v);
  let scheme: string | null = null;
  let authority: string;
  let path = '';
  if (m) {
    scheme = m[1].toLowerCase();
    authority = m[2];
    path = m[3] ?? '';
  } else {
    const s = /^([^/]*)(\/.*)?$/.exec(v);
    authority = s?.[1] ?? v;
    path = s?.[2] ?? '';
  }
  if (authority.includes('@')) { authority = authority.slice(authority.lastIndexOf('@') + 1); }
  const hp = splitHostPort(authority);
  let impliedPort: number | undefined;
  if (hp.port === null && scheme === 'http') { impliedPort = 80; }
  if (hp.port === null && scheme === 'https') { impliedPort = 443; }
  if (hp.unbracketed) { problems.push(`IPv6 address without brackets (write [${hp.host}]:${hp.port}): SDKs cannot tell the address from the port`); }
  if (hp.host === '') { problems.push('no host'); } else if (!isValidHostName(hp.host)) { problems.push(`invalid host ${JSON.stringify(hp.host)} (not an RFC 1123 name or IP address)`); }
  if (/[\s\x00-\x1f\x7f`$;|&<>()'"\\]/.test(v)) { problems.push('contains whitespace, control or shell characters'); }
  return { raw, scheme, host: hp.host, port: hp.port, ...(impliedPort ? { impliedPort } : {}), path, problems };
}

export type GoAddrError = 'missing port in address' | 'too many colons in address' | "missing ']' in address" | "unexpected '[' in address" | "unexpected ']' in address";

/**
 * What Go's `net.SplitHostPort` (net/ipsock.go) says of a `host:port`: null when it splits, else Go's own
 * error text. Every collector server hands its endpoint to it (`net.Listen("tcp", endpoint)` in confignet,
 * confighttp and configgrpc), and Go never guesses where an unbracketed IPv6 address ends: `fd00::5:4317`,
 * or `${env:MY_POD_IP}:4317` once the pod IP is IPv6, is `too many colons in address`.
 */
export function goSplitHostPortError(hostport: string): GoAddrError | null {
  const i = hostport.lastIndexOf(':');
  if (i < 0) { return 'missing port in address'; }
  let j = 0;
  let k = 0;
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']');
    if (end < 0) { return "missing ']' in address"; }
    if (end + 1 === hostport.length) { return 'missing port in address'; }
    if (end + 1 !== i) { return hostport[end + 1] === ':' ? 'too many colons in address' : 'missing port in address'; }
    j = 1;
    k = end + 1;
  } else if (hostport.slice(0, i).includes(':')) {
    return 'too many colons in address';
  }
  if (hostport.indexOf('[', j) >= 0) { return "unexpected '[' in address"; }
  if (hostport.indexOf(']', k) >= 0) { return "unexpected ']' in address"; }
  return null;
}

/** Go's `net.JoinHostPort`: `[host]:port` when the host has a colon (an IPv6 literal), else `host:port`. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * One spelling per address, so `fd00:10:244:1:0:0:0:5`, `FD00:10:244:1::5` and the kernel's hex both compare
 * equal to the API's `fd00:10:244:1::5`: IPv6 as RFC 5952 writes it (the WHATWG URL serializer does
 * exactly that), an IPv4-mapped IPv6 address as its IPv4 address; anything else unchanged.
 */
export function canonicalIP(ip: string): string {
  const a = ip.trim().replace(/^\[(.*)\]$/, '$1');
  if (isIP(a) !== 6) { return a; }
  const h = new URL(`http://[${a}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
  if (mapped) {
    const hi = Number.parseInt(mapped[1], 16);
    const lo = Number.parseInt(mapped[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return h;
}

export function sameIP(a: string, b: string): boolean {
  return canonicalIP(a) === canonicalIP(b);
}
