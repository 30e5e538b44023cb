/**
 * Cross-pod connectivity probes, run by exec inside an app container with whatever tool it has.
 *
 * Safety: hosts and ports come from the cluster (env values, Service names) and are hostile input. They
 * are validated (RFC 1123 hostname or IP literal; port 1-65535) before any command is built, and they
 * only ever travel as separate argv elements: the shell snippets below are constants that read `$1`/`$2`
 * or `sys.argv`, so nothing from the cluster is ever parsed as code. A malformed value is recorded and
 * never probed.
 */
import { isIP } from 'node:net';
import type { ClusterClient, ExecResult } from '../cluster/types.ts';

export type ProbeOutcome = 'connected' | 'refused' | 'timeout' | 'dns-failure' | 'unreachable' | 'not-run';

export type ProbeTool = 'bash' | 'nc' | 'nc-busybox' | 'wget' | 'curl' | 'python3' | 'node' | 'perl';

export const TOOL_ORDER: ProbeTool[] = ['bash', 'nc', 'wget', 'curl', 'python3', 'node', 'perl'];

export interface ProbeTarget {
  host: string;
  port: number;
}

export interface ProbeResult {
  target: ProbeTarget;
  outcome: ProbeOutcome;
  /** the tool whose answer decided (absent for not-run) */
  tool?: ProbeTool;
  /** the argv that was executed last (evidence: what a human can re-run) */
  argv?: string[];
  exitCode?: number | null;
  /** the lines of output that decided, or why the probe did not run */
  detail: string;
  /** tools tried and why each was passed over */
  tried: { tool: ProbeTool; why: string }[];
  durationMs: number;
}

const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/i;

/** RFC 1123 hostname (a trailing dot allowed) or an IP literal. */
export function isValidHost(host: string): boolean {
  if (typeof host !== 'string' || host.length === 0 || host.length > 254) return false;
  if (isIP(host) !== 0) return true;
  const h = host.endsWith('.') ? host.slice(0, -1) : host;
  if (h.length === 0 || h.length > 253) return false;
  return h.split('.').every((l) => LABEL.test(l));
}

export function isValidPort(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** A port given as text: digits only (no sign, no spaces, no hex). */
export function parsePort(text: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return isValidPort(n) ? n : undefined;
}

export type TargetParse = { ok: true; target: ProbeTarget; defaultedPort: boolean } | { ok: false; reason: string };

/**
 * The host and port an OTLP exporter would dial for an endpoint value. Accepts `scheme://host[:port][/path]`
 * and the scheme-less `host:port` gRPC form. Anything else is malformed and never reaches a command.
 */
export function parseProbeTarget(value: string): TargetParse {
  if (typeof value !== 'string' || value.trim() === '') return { ok: false, reason: 'empty endpoint' };
  // Control characters and whitespace can never be part of a host; reject before any parsing.
  if (/[\s\x00-\x1f\x7f]/.test(value)) return { ok: false, reason: 'contains whitespace or control characters' };
  let host: string;
  let portText: string;
  let scheme: string | undefined;
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(value);
  if (m) {
    scheme = m[1].toLowerCase();
    const rest = m[2];
    const authority = rest.split(/[/?#]/, 1)[0];
    if (authority.includes('@')) return { ok: false, reason: 'userinfo in endpoint' };
    const am = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(authority);
    if (!am) return { ok: false, reason: 'cannot parse host and port' };
    host = am[1];
    portText = am[2] ?? '';
  } else {
    const am = /^(\[[^\]]*\]|[^:/]*):([^/]*)(\/.*)?$/.exec(value);
    if (!am) return { ok: false, reason: 'no scheme and no host:port' };
    host = am[1];
    portText = am[2];
  }
  if (host.startsWith('[') && host.endsWith(']')) {
    host = host.slice(1, -1);
    if (isIP(host) !== 6) return { ok: false, reason: `invalid IPv6 literal ${JSON.stringify(host)}` };
  }
  if (!isValidHost(host)) return { ok: false, reason: `invalid host ${JSON.stringify(host)} (not an RFC 1123 name or IP address)` };
  let defaultedPort = false;
  let port: number | undefined;
  if (portText === '') {
    if (scheme !== 'http' && scheme !== 'https') return { ok: false, reason: 'no port' };
    // What the SDK would dial: the scheme's default port.
    port = scheme === 'https' ? 443 : 80;
    defaultedPort = true;
  } else {
    port = parsePort(portText);
    if (port === undefined) return { ok: false, reason: `invalid port ${JSON.stringify(portText)}` };
  }
  return { ok: true, target: { host, port }, defaultedPort };
}

const PROBE_SECONDS = 2;

/** `[host]` for IPv6 in URLs; validated hosts only. */
function urlHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

const BASH_SNIPPET = 'exec 3<>/dev/tcp/$1/$2';
const PY_SNIPPET = 'import socket,sys\ns=socket.create_connection((sys.argv[1],int(sys.argv[2])),float(sys.argv[3]))\ns.close()';
const NODE_SNIPPET =
  "const s=require('net').connect({host:process.argv[1],port:+process.argv[2]});" +
  "s.setTimeout(+process.argv[3]*1000,()=>{console.error('ETIMEDOUT connect timed out');process.exit(3)});" +
  "s.on('connect',()=>{s.destroy();process.exit(0)});" +
  "s.on('error',e=>{console.error(e.code+' '+e.message);process.exit(1)})";
const PERL_SNIPPET = 'use IO::Socket::INET; IO::Socket::INET->new(PeerAddr=>$ARGV[0],PeerPort=>$ARGV[1],Proto=>"tcp",Timeout=>$ARGV[2]) or die "$@\\n"';

/**
 * The argv that probes `target` with `tool`. `withTimeout` wraps it in coreutils/busybox `timeout` so
 * the remote command is bounded even when the exec stream is cut.
 */
export function probeArgv(tool: ProbeTool, target: ProbeTarget, withTimeout: boolean): string[] {
  if (!isValidHost(target.host) || !isValidPort(target.port)) throw new Error(`refusing to build a probe for an unvalidated target`);
  const h = target.host;
  const p = String(target.port);
  const s = String(PROBE_SECONDS);
  let argv: string[];
  switch (tool) {
    case 'bash':
      argv = ['bash', '-c', BASH_SNIPPET, 'probe', h, p];
      break;
    case 'nc':
      argv = ['nc', '-z', '-v', '-w', s, h, p];
      break;
    case 'nc-busybox':
      // Debian's and most distros' busybox nc has no -z: connect and wait; `timeout` ends a connected session.
      argv = ['nc', '-w', s, h, p];
      break;
    case 'wget':
      argv = ['wget', '-T', s, '-O', '/dev/null', `http://${urlHost(h)}:${p}/`];
      break;
    case 'curl':
      argv = ['curl', '-sS', '-o', '/dev/null', '--connect-timeout', s, '-m', String(PROBE_SECONDS + 1), `http://${urlHost(h)}:${p}/`];
      break;
    case 'python3':
      argv = ['python3', '-c', PY_SNIPPET, h, p, s];
      break;
    case 'node':
      argv = ['node', '-e', NODE_SNIPPET, h, p, s];
      break;
    case 'perl':
      argv = ['perl', '-e', PERL_SNIPPET, h, p, s];
      break;
  }
  return withTimeout ? ['timeout', String(PROBE_SECONDS + 2), ...argv] : argv;
}

export type Classification = { outcome: Exclude<ProbeOutcome, 'not-run'>; detail: string } | { outcome: 'not-run'; detail: string; next: boolean };

const DNS = /Name or service not known|bad address|Could not resolve host|unable to resolve host|getaddrinfo|gaierror|ENOTFOUND|EAI_AGAIN|Temporary failure in name resolution|No address associated|nodename nor servname|Bad hostname|Name does not resolve|Unknown host|Non-recoverable failure in name resolution/i;
const REFUSED = /Connection refused|ECONNREFUSED|Couldn't connect to server|Errno 111\b/i;
const TIMEOUT = /timed out|ETIMEDOUT|Connection timed out|timeout|Operation timed out/i;
const UNREACH = /No route to host|Network is unreachable|EHOSTUNREACH|ENETUNREACH|Host is unreachable|Errno 11[03]\b/i;
const NOT_FOUND = /executable file not found|not found|No such file or directory/i;
const BAD_USAGE = /invalid option|unrecognized option|illegal option|unknown option|Usage:/i;

function firstLines(text: string, n = 3): string {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, n).join(' | ').slice(0, 400);
}

/** Reads one tool's answer. `not-run` with `next: true` means: this tool cannot tell, try the next one. */
export function classifyProbe(tool: ProbeTool, r: Pick<ExecResult, 'stdout' | 'stderr' | 'exitCode' | 'error'>, wrappedInTimeout: boolean): Classification {
  const out = `${r.stderr}\n${r.stdout}`;
  const detail = firstLines(out);
  if (r.exitCode === null) {
    const e = r.error;
    if (e && (e.reason === 'InternalError' || e.code === 500) && /executable file not found|no such file or directory/i.test(e.message)) {
      return { outcome: 'not-run', detail: `${tool === 'nc-busybox' ? 'nc' : tool} not in the container`, next: true };
    }
    if (e?.reason === 'Timeout') {
      // The exec deadline: a connected busybox nc waits for the peer to close, an unconnected one prints why.
      if (tool === 'nc-busybox' && !detail) return { outcome: 'connected', detail: 'nc connected and stayed open until the deadline' };
      return { outcome: 'timeout', detail: `no answer within the exec deadline${detail ? `: ${detail}` : ''}` };
    }
    return { outcome: 'not-run', detail: e ? `${e.reason}: ${e.message}` : 'exec failed', next: false };
  }
  // `timeout` itself: 124 when it killed the command, 125-127 when it could not run it.
  if (wrappedInTimeout && r.exitCode === 124) {
    if (tool === 'nc-busybox' && !REFUSED.test(out) && !DNS.test(out) && !UNREACH.test(out)) return { outcome: 'connected', detail: 'nc connected and stayed open until `timeout` ended it' };
    return { outcome: 'timeout', detail: detail || `no answer within ${PROBE_SECONDS} s` };
  }
  if (wrappedInTimeout && (r.exitCode === 126 || r.exitCode === 127) && NOT_FOUND.test(out)) {
    return { outcome: 'not-run', detail: `${tool} not in the container`, next: true };
  }
  if (!wrappedInTimeout && r.exitCode === 127 && NOT_FOUND.test(out)) return { outcome: 'not-run', detail: `${tool} not in the container`, next: true };
  if (tool === 'nc' && BAD_USAGE.test(out) && r.exitCode !== 0) return { outcome: 'not-run', detail: 'nc without -z (busybox flavour)', next: true };
  if (r.exitCode > 128 && r.exitCode < 160 && !REFUSED.test(out) && !DNS.test(out)) {
    return { outcome: 'not-run', detail: `${tool} died with signal ${r.exitCode - 128}`, next: true };
  }
  // Order matters: a DNS failure message may also say "failed"; refused before timeout because curl's
  // refused message contains "after 0 ms".
  if (DNS.test(out)) return { outcome: 'dns-failure', detail };
  if (REFUSED.test(out)) return { outcome: 'refused', detail };
  if (UNREACH.test(out)) return { outcome: 'unreachable', detail };
  if (tool === 'curl') {
    switch (r.exitCode) {
      case 6:
        return { outcome: 'dns-failure', detail };
      case 7:
        return { outcome: 'refused', detail };
      case 28:
        return { outcome: 'timeout', detail };
      default:
        // 0, 1 (unsupported reply), 52 (empty reply: gRPC port), 56 (reset after connect), 22 (HTTP error):
        // the TCP connection was made.
        return { outcome: 'connected', detail: detail || `curl exit ${r.exitCode}` };
    }
  }
  if (TIMEOUT.test(out)) return { outcome: 'timeout', detail };
  if (r.exitCode === 0) return { outcome: 'connected', detail: detail || 'connected' };
  if (tool === 'wget' && /server returned error|HTTP\/|error getting response|Read error|response|404|400|415|405/i.test(out)) {
    // wget got past connect(): an OTLP receiver answered (or dropped) the HTTP request.
    return { outcome: 'connected', detail };
  }
  if (tool === 'nc' && r.exitCode === 1 && !detail) {
    // OpenBSD nc -z with -v always prints a reason; silence means we cannot tell.
    return { outcome: 'not-run', detail: 'nc gave no reason', next: true };
  }
  return { outcome: 'not-run', detail: `${tool} exit ${r.exitCode}${detail ? `: ${detail}` : ''}`, next: true };
}

/** A tool list detected in one exec; `sh` absent means every candidate is tried directly. */
export const DETECT_ARGV = ['sh', '-c', 'for t in bash nc wget curl python3 node perl timeout; do command -v "$t" >/dev/null 2>&1 && echo "$t"; done; exit 0'];

export interface ProbeContext {
  client: ClusterClient;
  namespace: string;
  pod: string;
  container: string;
  /** exec deadline per command */
  execTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface Toolbox {
  /** undefined: not known (no sh); try them all */
  tools?: Set<string>;
  hasTimeout: boolean;
  detectDetail: string;
}

export async function detectTools(ctx: ProbeContext): Promise<Toolbox> {
  const r = await ctx.client.exec(ctx.namespace, ctx.pod, ctx.container, DETECT_ARGV, { timeoutMs: ctx.execTimeoutMs ?? 5000, signal: ctx.signal });
  if (r.exitCode === 0) {
    const tools = new Set(r.stdout.split('\n').map((l) => l.trim()).filter(Boolean));
    return { tools, hasTimeout: tools.has('timeout'), detectDetail: `tools: ${[...tools].join(' ') || '(none)'}` };
  }
  return { tools: undefined, hasTimeout: false, detectDetail: r.error ? `no sh (${r.error.reason})` : `sh exit ${r.exitCode}` };
}

/** Probes one target with the first tool that can answer, recording every tool passed over. */
export async function probeTarget(ctx: ProbeContext, box: Toolbox, target: ProbeTarget): Promise<ProbeResult> {
  const started = Date.now();
  const tried: ProbeResult['tried'] = [];
  if (!isValidHost(target.host) || !isValidPort(target.port)) {
    return { target, outcome: 'not-run', detail: 'invalid host or port: not probed', tried, durationMs: 0 };
  }
  const candidates: ProbeTool[] = [];
  for (const t of TOOL_ORDER) {
    if (box.tools && !box.tools.has(t)) continue;
    candidates.push(t);
    if (t === 'nc') candidates.push('nc-busybox');
  }
  if (box.tools && candidates.length === 0) {
    return { target, outcome: 'not-run', detail: `no probe tool in the container (${box.detectDetail}); try --debug-container`, tried, durationMs: Date.now() - started };
  }
  let last: { argv: string[]; exitCode: number | null } | undefined;
  let skipBusybox = true;
  for (const tool of candidates) {
    if (tool === 'nc-busybox' && skipBusybox) continue;
    const argv = probeArgv(tool, target, box.hasTimeout);
    const r = await ctx.client.exec(ctx.namespace, ctx.pod, ctx.container, argv, {
      timeoutMs: ctx.execTimeoutMs ?? (PROBE_SECONDS + 4) * 1000,
      signal: ctx.signal,
    });
    last = { argv, exitCode: r.exitCode };
    const c = classifyProbe(tool, r, box.hasTimeout);
    if (c.outcome !== 'not-run') {
      return { target, outcome: c.outcome, tool, argv, exitCode: r.exitCode, detail: c.detail, tried, durationMs: Date.now() - started };
    }
    tried.push({ tool, why: c.detail });
    if (tool === 'nc' && /busybox/.test(c.detail)) skipBusybox = false;
    if (!c.next) {
      return { target, outcome: 'not-run', tool, argv, exitCode: r.exitCode, detail: c.detail, tried, durationMs: Date.now() - started };
    }
    if (ctx.signal?.aborted) break;
  }
  return {
    target,
    outcome: 'not-run',
    argv: last?.argv,
    exitCode: last?.exitCode,
    detail: `no tool could probe (${tried.map((t) => `${t.tool}: ${t.why}`).join('; ') || box.detectDetail})`,
    tried,
    durationMs: Date.now() - started,
  };
}
