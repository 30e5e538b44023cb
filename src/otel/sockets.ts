/**
 * Listen-socket parsers for what a collector pod's containers can run: `ss -tlnH`, `netstat -tln`
 * (net-tools and busybox), and `/proc/net/tcp` + `/proc/net/tcp6` (the kernel's hex table, which needs no
 * tool but `cat`). All return LISTEN sockets only, de-duplicated, addresses without brackets.
 */
import type { ListenSocket } from '../snapshot.ts';
import { isIP } from 'node:net';
import { canonicalIP, sameIP, splitHostPort } from './endpoint.ts';

function familyOf(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

function sock(address: string, port: number, family?: 4 | 6): ListenSocket {
  // ss prints a wildcard as `*` (dual-stack) or `0.0.0.0`/`[::]`; normalise `*` to `::` dual-stack.
  let a = address.replace(/%\S+$/, '');
  if (a === '*') { return { address: '::', port, family: 6, dualStack: true }; }
  if (a.startsWith('::ffff:') && a.includes('.')) { a = a.slice(7); }
  const fam = family ?? familyOf(a);
  return { address: a, port, family: fam, ...(a === '::' ? { dualStack: true } : {}) };
}

function dedupe(list: ListenSocket[]): ListenSocket[] {
  const seen = new Set<string>();
  return list.filter((s) => {
    const k = `${s.address}|${s.port}`;
    if (seen.has(k)) { return false; }
    seen.add(k);
    return true;
  });
}

function localAddr(field: string): { host: string; port: number } | null {
  const hp = splitHostPort(field);
  if (hp.port !== null) { return { host: hp.host, port: hp.port }; }
  // netstat prints `:::4318` for tcp6 wildcard: host `::`, port after the last colon.
  const i = field.lastIndexOf(':');
  if (i <= 0) { return null; }
  const port = Number(field.slice(i + 1));
  if (!Number.isInteger(port) || port < 1 || port > 65535) { return null; }
  return { host: field.slice(0, i), port };
}

/** `ss -tlnH` (and `ss -tln` with its header). Columns: State Recv-Q Send-Q Local Peer [Process]. */
export function parseSs(text: string): ListenSocket[] {
  const out: ListenSocket[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5) { continue; }
    // `ss -tln` without -H starts lines with the state; with `-t` and `-l` it is always LISTEN.
    let i = 0;
    if (f[0] === 'tcp' || f[0] === 'tcp6') {
      i = 1; // `ss -tlna` variants with a Netid column
    }
    if (f[i] !== 'LISTEN') { continue; }
    const local = localAddr(f[i + 3] ?? '');
    if (!local) { continue; }
    out.push(sock(local.host, local.port));
  }
  return dedupe(out);
}

/**
 * `netstat -tln`, net-tools (`tcp6 ... :::4318`) and busybox (`tcp ... :::4318` for IPv6 too).
 * Columns: Proto Recv-Q Send-Q Local Foreign State.
 */
export function parseNetstat(text: string): ListenSocket[] {
  const out: ListenSocket[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || !/^tcp6?$/.test(f[0]) || f[5] !== 'LISTEN') { continue; }
    const local = localAddr(f[3]);
    if (!local) { continue; }
    const fam: 4 | 6 = f[0] === 'tcp6' || local.host.includes(':') ? 6 : 4;
    out.push(sock(local.host, local.port, fam));
  }
  return dedupe(out);
}

function hexToIPv4(hex: string): string {
  // /proc/net/tcp stores the address as a host-order (little-endian on x86/arm) 32-bit word.
  const b = [hex.slice(6, 8), hex.slice(4, 6), hex.slice(2, 4), hex.slice(0, 2)].map((h) => parseInt(h, 16));
  return b.join('.');
}

function hexToIPv6(hex: string): string {
  // Four host-order 32-bit words; each word's bytes are reversed.
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let i = 3; i >= 0; i--) { bytes.push(parseInt(word.slice(i * 2, i * 2 + 2), 16)); }
  }
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) { return `::ffff:${bytes.slice(12).join('.')}`; }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) { groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16)); }
  // Compress the longest zero run, as inet_ntop does.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') { j++; }
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best === -1) { return groups.join(':'); }
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** `cat /proc/net/tcp /proc/net/tcp6`: state 0A is LISTEN. `::` in tcp6 accepts IPv4 too (bindv6only=0). */
export function parseProcNetTcp(text: string): ListenSocket[] {
  const out: ListenSocket[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*\d+:\s+([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})\s+[0-9A-Fa-f]+:[0-9A-Fa-f]{4}\s+([0-9A-Fa-f]{2})\s/.exec(line);
    if (!m || m[3].toUpperCase() !== '0A') { continue; }
    const port = parseInt(m[2], 16);
    if (m[1].length === 8) { out.push(sock(hexToIPv4(m[1]), port, 4)); } else { out.push(sock(hexToIPv6(m[1]), port, 6)); }
  }
  return dedupe(out);
}

/**
 * Does a set of listen sockets accept connections to `ip:port` from another pod? `::` (an IPv6 wildcard, dual
 * stack unless IPV6_V6ONLY, which Go never sets for a wildcard listen) takes both families; an IPv4 `0.0.0.0`
 * socket (as the kernel lists it) takes no IPv6 connection, so on an IPv6 pod IP it accepts nothing from other pods.
 */
export function acceptsFrom(sockets: ListenSocket[], port: number, podIP?: string): { accepts: boolean | null; matching: ListenSocket[] } {
  const matching = sockets.filter((s) => s.port === port);
  if (matching.length === 0) { return { accepts: false, matching }; }
  const v6Pod = podIP !== undefined && isIP(canonicalIP(podIP)) === 6;
  for (const s of matching) {
    const a = s.address;
    if (a === '::' || a === '' || a === '*') { return { accepts: true, matching }; }
    // a socket the kernel reports as IPv4; a startup log's 0.0.0.0 (no family) is what Go was told, and
    // Go listens on a wildcard as a dual-stack IPv6 socket (net/ipsock_posix.go favoriteAddrFamily)
    if (a === '0.0.0.0' && !(v6Pod && s.family === 4)) { return { accepts: true, matching }; }
    if (podIP && sameIP(a, podIP)) { return { accepts: true, matching }; }
  }
  if (matching.every((s) => isLoopbackAddr(s.address))) { return { accepts: false, matching }; }
  // Bound to some specific non-loopback address that is not (known to be) the pod IP.
  return { accepts: podIP ? false : null, matching };
}

export function isLoopbackAddr(a: string): boolean {
  return a === 'localhost' || a.startsWith('127.') || a === '::1' || a.startsWith('::ffff:127.');
}
