/**
 * Probe targets: the host and port an exporter would dial, from hostile input. Hosts and ports come from the
 * cluster (env values, Service names); they are validated here (RFC 1123 hostname or IP literal; port
 * 1-65535) before any command is built. A malformed value is recorded and never probed.
 */
import { isIP } from 'node:net';
import type { OtlpSpeak } from './otlp-probe.ts';

export interface ProbeTarget {
  host: string;
  port: number;
  /** after the connect, speak the app's protocol (app endpoints only; validated like the host) */
  otlp?: OtlpSpeak;
}

const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/i;

/** RFC 1123 hostname (a trailing dot allowed) or an IP literal. */
export function isValidHost(host: string): boolean {
  if (typeof host !== 'string' || host.length === 0 || host.length > 254) { return false; }
  if (isIP(host) !== 0) { return true; }
  const h = host.endsWith('.') ? host.slice(0, -1) : host;
  if (h.length === 0 || h.length > 253) { return false; }
  return h.split('.').every((l) => LABEL.test(l));
}

export function isValidPort(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** A port given as text: digits only (no sign, no spaces, no hex). */
function parsePort(text: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(text)) { return undefined; }
  const n = Number(text);
  return isValidPort(n) ? n : undefined;
}

export type TargetParse = { ok: true; target: ProbeTarget; defaultedPort: boolean } | { ok: false; reason: string };

/**
 * The host and port an OTLP exporter would dial for an endpoint value. Accepts `scheme://host[:port][/path]`
 * and the scheme-less `host:port` gRPC form. Anything else is malformed and never reaches a command.
 */
export function parseProbeTarget(value: string): TargetParse {
  if (typeof value !== 'string' || value.trim() === '') { return { ok: false, reason: 'empty endpoint' }; }
  // Control characters and whitespace can never be part of a host; reject before any parsing.
  if (/[\s\x00-\x1f\x7f]/.test(value)) { return { ok: false, reason: 'contains whitespace or control characters' }; }
  let host: string;
  let portText: string;
  let scheme: string | undefined;
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(value);
  if (m) {
    scheme = m[1].toLowerCase();
    const rest = m[2];
    const authority = rest.split(/[/?#]/, 1)[0];
    if (authority.includes('@')) { return { ok: false, reason: 'userinfo in endpoint' }; }
    const am = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(authority);
    if (!am) { return { ok: false, reason: 'cannot parse host and port' }; }
    host = am[1];
    portText = am[2] ?? '';
  } else {
    const am = /^(\[[^\]]*\]|[^:/]*):([^/]*)(\/.*)?$/.exec(value);
    if (!am) { return { ok: false, reason: 'no scheme and no host:port' }; }
    host = am[1];
    portText = am[2];
  }
  if (host.startsWith('[') && host.endsWith(']')) {
    host = host.slice(1, -1);
    if (isIP(host) !== 6) { return { ok: false, reason: `invalid IPv6 literal ${JSON.stringify(host)}` }; }
  }
  if (!isValidHost(host)) { return { ok: false, reason: `invalid host ${JSON.stringify(host)} (not an RFC 1123 name or IP address)` }; }
  let defaultedPort = false;
  let port: number | undefined;
  if (portText === '') {
    if (scheme !== 'http' && scheme !== 'https') { return { ok: false, reason: 'no port' }; }
    // What the SDK would dial: the scheme's default port.
    port = scheme === 'https' ? 443 : 80;
    defaultedPort = true;
  } else {
    port = parsePort(portText);
    if (port === undefined) { return { ok: false, reason: `invalid port ${JSON.stringify(portText)}` }; }
  }
  return { ok: true, target: { host, port }, defaultedPort };
}
