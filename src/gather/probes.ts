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
export function parsePort(text: string): number | undefined {
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
  if (!isValidHost(target.host) || !isValidPort(target.port)) { throw new Error(`refusing to build a probe for an unvalidated target`); }
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

/** Single-quotes a constant for the kit script (module constants only; cluster data never goes through here). */
function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const KIT_TOOLS = ['bash', 'nc', 'wget', 'curl', 'python3', 'node', 'perl'] as const;

/**
 * One exec probes every target of a pod: `sh -c PROBE_KIT probe-kit HOST1 PORT1 HOST2 PORT2 ...`. The script
 * is a constant: hosts and ports reach it only as positional parameters, always double-quoted, never
 * eval'd, and it re-checks their shape itself. It finds the tools with `command -v`, runs the same argv
 * probeArgv builds for each tool (under `timeout` when present), and every target as a background job, so
 * the exec lasts about one probe timeout. Each attempt is one line, `@okp R IDX TOOL WRAPPED EXIT TEXT`,
 * written by a single printf (shorter than a pipe buffer, so parallel jobs do not interleave), with the
 * output's first three and last two lines joined by \x01; probes.ts classifies them with classifyProbe.
 * A job moves to the next tool only when a tool said nothing (or nc has no -z); probes.ts walks on with
 * per-tool execs if it finds an answer the script took for decisive inconclusive.
 */
export const PROBE_KIT = [
  `T=${PROBE_SECONDS}`,
  // the record separator as a literal: $(printf) would cost a fork, and forks are this script's budget
  "S='\x01'",
  'have() { command -v "$1" >/dev/null 2>&1; }',
  'tools=',
  'for t in bash nc wget curl python3 node perl timeout; do have "$t" && tools="$tools $t"; done',
  "printf '@okp T%s\\n' \"$tools\"",
  // `exec $R tool` in a command substitution: the substitution's subshell becomes `timeout` (or the tool)
  `W=0; R=; have timeout && { W=1; R="timeout ${PROBE_SECONDS + 2}"; }`,
  // one record: the first three and the last two non-empty lines, each cut to 160 characters
  'emit() {',
  '  r=; n=0; a=; b=; oi=$IFS',
  "  IFS='\n'; set -f",
  '  for l in $4; do',
  // a fork only for the rare long line: this runs for every attempt of every target
  '    n=$((n+1)); [ ${#l} -gt 160 ] && l=$(printf \'%.160s\' "$l")',
  '    if [ $n -le 3 ]; then r="$r$S$l"; else a=$b; b=$l; fi',
  '  done',
  '  IFS=$oi; set +f',
  '  [ -n "$a" ] && r="$r$S$a"; [ -n "$b" ] && r="$r$S$b"',
  "  printf '@okp R %s %s %s %s %s\\n' \"$1\" \"$2\" \"$W\" \"$3\" \"$r\"",
  '}',
  // nc without -z (busybox, toybox) is told once per exec, by nc itself, instead of once per target;
  // only when no bash comes first (bash decides almost every target)
  'NZ=; NZC=0',
  'if ! have bash && have nc; then',
  '  NZ=$(exec $R nc -z 2>&1 </dev/null); NZC=$?',
  '  case $NZ in *[Ii]nvalid\\ option*|*[Uu]nrecognized\\ option*|*[Ii]llegal\\ option*|*[Uu]nknown\\ option*) ;; *) NZ=;; esac',
  'fi',
  'probe() {',
  '  i=$1; h=$2; p=$3',
  // defence in depth: probes.ts validated these already; anything else is never run
  "  case $h in ''|-*|*[!0-9A-Za-z.:-]*) printf '@okp X %s\\n' \"$i\"; return;; esac",
  "  case $p in ''|*[!0-9]*) printf '@okp X %s\\n' \"$i\"; return;; esac",
  '  case $h in *:*) u="[$h]";; *) u=$h;; esac',
  '  for t in bash nc wget curl python3 node perl; do',
  '    have "$t" || continue',
  '    case $t in',
  `      bash) o=$(exec $R bash -c ${shQuote(BASH_SNIPPET)} probe "$h" "$p" 2>&1 </dev/null);;`,
  '      nc) if [ -n "$NZ" ]; then o=$NZ; else o=$(exec $R nc -z -v -w "$T" "$h" "$p" 2>&1 </dev/null); fi;;',
  '      wget) o=$(exec $R wget -T "$T" -O /dev/null "http://$u:$p/" 2>&1 </dev/null);;',
  `      curl) o=$(exec $R curl -sS -o /dev/null --connect-timeout "$T" -m ${PROBE_SECONDS + 1} "http://$u:$p/" 2>&1 </dev/null);;`,
  `      python3) o=$(exec $R python3 -c ${shQuote(PY_SNIPPET)} "$h" "$p" "$T" 2>&1 </dev/null);;`,
  `      node) o=$(exec $R node -e ${shQuote(NODE_SNIPPET)} "$h" "$p" "$T" 2>&1 </dev/null);;`,
  `      perl) o=$(exec $R perl -e ${shQuote(PERL_SNIPPET)} "$h" "$p" "$T" 2>&1 </dev/null);;`,
  '    esac',
  '    c=$?; [ "$t" = nc ] && [ -n "$NZ" ] && c=$NZC',
  '    emit "$i" "$t" "$c" "$o"',
  '    if [ "$t" = nc ] && [ "$c" != 0 ]; then',
  '      case $o in',
  '        *[Ii]nvalid\\ option*|*[Uu]nrecognized\\ option*|*[Ii]llegal\\ option*|*[Uu]nknown\\ option*|*[Uu]sage:*)',
  '          o=$(exec $R nc -w "$T" "$h" "$p" 2>&1 </dev/null); c=$?',
  '          emit "$i" nc-busybox "$c" "$o";;',
  '      esac',
  '    fi',
  '    [ "$c" != 0 ] && [ "$c" != 124 ] && [ -z "$o" ] && continue',
  '    return',
  '  done',
  '}',
  // every target but the last as a background job; the last in this shell, which saves a fork
  'i=0',
  'while [ $# -ge 4 ]; do probe "$i" "$1" "$2" & i=$((i+1)); shift 2; done',
  '[ $# -ge 2 ] && probe "$i" "$1" "$2"',
  'wait',
  "printf '@okp D\\n'",
].join('\n');

/** The kit's argv for validated targets; throws on anything unvalidated (it must never be built from raw values). */
export function kitArgv(targets: ProbeTarget[]): string[] {
  const argv = ['sh', '-c', PROBE_KIT, 'probe-kit'];
  for (const t of targets) {
    if (!isValidHost(t.host) || !isValidPort(t.port)) { throw new Error('refusing to build a probe for an unvalidated target'); }
    argv.push(t.host, String(t.port));
  }
  return argv;
}

export interface KitAttempt {
  tool: ProbeTool;
  wrapped: boolean;
  exitCode: number;
  /** the tool's output lines (stderr and stdout merged), as the kit excerpted them */
  output: string;
}

export interface KitOutput {
  /** undefined: the kit's header never came (not our script's output) */
  tools?: Set<string>;
  attempts: KitAttempt[][];
  /** the kit ran to its end (every job finished) */
  done: boolean;
}

const TOOL_NAMES = new Set<string>([...KIT_TOOLS, 'nc-busybox']);

export function parseKitOutput(stdout: string, targets: number): KitOutput {
  const out: KitOutput = { attempts: Array.from({ length: targets }, () => []), done: false };
  for (const line of stdout.split('\n')) {
    if (line.startsWith('@okp T')) {
      out.tools = new Set(line.slice(6).split(' ').filter(Boolean));
      continue;
    }
    if (line === '@okp D') {
      out.done = true;
      continue;
    }
    const m = /^@okp R (\d+) (\S+) ([01]) (\d+) ?(.*)$/.exec(line);
    if (!m) { continue; }
    const idx = Number(m[1]);
    if (idx >= targets || !TOOL_NAMES.has(m[2])) { continue; }
    out.attempts[idx].push({ tool: m[2] as ProbeTool, wrapped: m[3] === '1', exitCode: Number(m[4]), output: m[5].split('\x01').filter(Boolean).join('\n') });
  }
  return out;
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
      if (tool === 'nc-busybox' && !detail) { return { outcome: 'connected', detail: 'nc connected and stayed open until the deadline' }; }
      return { outcome: 'timeout', detail: `no answer within the exec deadline${detail ? `: ${detail}` : ''}` };
    }
    return { outcome: 'not-run', detail: e ? `${e.reason}: ${e.message}` : 'exec failed', next: false };
  }
  // `timeout` itself: 124 when it killed the command, 125-127 when it could not run it.
  if (wrappedInTimeout && r.exitCode === 124) {
    if (tool === 'nc-busybox' && !REFUSED.test(out) && !DNS.test(out) && !UNREACH.test(out)) { return { outcome: 'connected', detail: 'nc connected and stayed open until `timeout` ended it' }; }
    return { outcome: 'timeout', detail: detail || `no answer within ${PROBE_SECONDS} s` };
  }
  if (wrappedInTimeout && (r.exitCode === 126 || r.exitCode === 127) && NOT_FOUND.test(out)) {
    return { outcome: 'not-run', detail: `${tool} not in the container`, next: true };
  }
  if (!wrappedInTimeout && r.exitCode === 127 && NOT_FOUND.test(out)) { return { outcome: 'not-run', detail: `${tool} not in the container`, next: true }; }
  if (tool === 'nc' && BAD_USAGE.test(out) && r.exitCode !== 0) { return { outcome: 'not-run', detail: 'nc without -z (busybox flavour)', next: true }; }
  if (r.exitCode > 128 && r.exitCode < 160 && !REFUSED.test(out) && !DNS.test(out)) {
    return { outcome: 'not-run', detail: `${tool} died with signal ${r.exitCode - 128}`, next: true };
  }
  // Order matters: a DNS failure message may also say "failed"; refused before timeout because curl's
  // refused message contains "after 0 ms".
  if (DNS.test(out)) { return { outcome: 'dns-failure', detail }; }
  if (REFUSED.test(out)) { return { outcome: 'refused', detail }; }
  if (UNREACH.test(out)) { return { outcome: 'unreachable', detail }; }
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
  if (TIMEOUT.test(out)) { return { outcome: 'timeout', detail }; }
  if (r.exitCode === 0) { return { outcome: 'connected', detail: detail || 'connected' }; }
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
  /** tools an exec found missing in this container: never tried again for another target */
  missing?: Set<ProbeTool>;
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
export async function probeTarget(ctx: ProbeContext, box: Toolbox, target: ProbeTarget, kit: KitAttempt[] = []): Promise<ProbeResult> {
  const started = Date.now();
  const tried: ProbeResult['tried'] = [];
  if (!isValidHost(target.host) || !isValidPort(target.port)) {
    return { target, outcome: 'not-run', detail: 'invalid host or port: not probed', tried, durationMs: 0 };
  }
  const candidates: ProbeTool[] = [];
  for (const t of TOOL_ORDER) {
    if (box.tools && !box.tools.has(t)) { continue; }
    candidates.push(t);
    if (t === 'nc') { candidates.push('nc-busybox'); }
  }
  if (box.tools && candidates.length === 0) {
    return { target, outcome: 'not-run', detail: `no probe tool in the container (${box.detectDetail}); try --debug-container`, tried, durationMs: Date.now() - started };
  }
  let last: { argv: string[]; exitCode: number | null } | undefined;
  let skipBusybox = true;
  for (const tool of candidates) {
    if (tool === 'nc-busybox' && skipBusybox) { continue; }
    if (box.missing?.has(tool)) {
      tried.push({ tool, why: `${tool === 'nc-busybox' ? 'nc' : tool} not in the container` });
      continue;
    }
    // The kit's answer for this tool when it ran it; else one exec of the same argv.
    const pre = kit.find((a) => a.tool === tool);
    const wrapped = pre ? pre.wrapped : box.hasTimeout;
    const argv = probeArgv(tool, target, wrapped);
    const r: Pick<ExecResult, 'stdout' | 'stderr' | 'exitCode' | 'error'> = pre
      ? { stdout: '', stderr: pre.output, exitCode: pre.exitCode }
      : await ctx.client.exec(ctx.namespace, ctx.pod, ctx.container, argv, {
          timeoutMs: ctx.execTimeoutMs ?? (PROBE_SECONDS + 4) * 1000,
          signal: ctx.signal,
        });
    last = { argv, exitCode: r.exitCode };
    const c = classifyProbe(tool, r, wrapped);
    if (c.outcome !== 'not-run') {
      return { target, outcome: c.outcome, tool, argv, exitCode: r.exitCode, detail: c.detail, tried, durationMs: Date.now() - started };
    }
    tried.push({ tool, why: c.detail });
    if (c.next && / not in the container$/.test(c.detail)) { (box.missing ??= new Set()).add(tool === 'nc' ? 'nc-busybox' : tool).add(tool); }
    if (tool === 'nc' && /busybox/.test(c.detail)) { skipBusybox = false; }
    if (!c.next) {
      return { target, outcome: 'not-run', tool, argv, exitCode: r.exitCode, detail: c.detail, tried, durationMs: Date.now() - started };
    }
    if (ctx.signal?.aborted) { break; }
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

/** containerd's answer when the exec'd binary is absent; names it: `exec: "sh": executable file not found`. */
export function missingBinary(r: Pick<ExecResult, 'exitCode' | 'error'>): string | undefined {
  if (r.exitCode !== null || !r.error) { return undefined; }
  if (!/executable file not found|no such file or directory/i.test(r.error.message)) { return undefined; }
  return /exec: "([^"]*)"/.exec(r.error.message)?.[1] ?? '?';
}

const isLocalhost = (h: string): boolean => /^localhost\.?$/i.test(h);

/**
 * Probes every target of one container, in one exec when it has a POSIX shell (PROBE_KIT, all targets in
 * parallel), else tool by tool as argv (python3 / node / perl need no shell), each missing tool tried once
 * per container. The answers are classified exactly as the per-tool path classifies them; a target the
 * kit left undecided continues with per-tool execs. `localhost` is probed as 127.0.0.1 and ::1 (the
 * kubelet's /etc/hosts lists both, busybox nc tries only the first address, SDKs try every one): connected
 * on either is connected.
 */
export async function probeAll(ctx: ProbeContext, targets: ProbeTarget[]): Promise<ProbeResult[]> {
  const started = Date.now();
  const wire: ProbeTarget[] = [];
  const slot = (t: ProbeTarget): number => {
    let i = wire.findIndex((w) => w.host === t.host && w.port === t.port);
    if (i < 0) { i = wire.push(t) - 1; }
    return i;
  };
  const valid = targets.filter((t) => isValidHost(t.host) && isValidPort(t.port));
  for (const t of valid) {
    if (isLocalhost(t.host)) {
      slot({ host: '127.0.0.1', port: t.port });
      slot({ host: '::1', port: t.port });
    } else { slot(t); }
  }
  let box: Toolbox;
  let attempts: KitAttempt[][] = wire.map(() => []);
  const failed = new Map<number, ProbeResult>();
  if (wire.length) {
    const argv = kitArgv(wire);
    const r = await ctx.client.exec(ctx.namespace, ctx.pod, ctx.container, argv, { timeoutMs: ctx.execTimeoutMs ?? (PROBE_SECONDS + 6) * 1000, signal: ctx.signal });
    const missing = missingBinary(r);
    const kit = parseKitOutput(r.stdout, wire.length);
    if (kit.tools) {
      attempts = kit.attempts;
      const tools = kit.tools;
      box = { tools, hasTimeout: tools.has('timeout'), detectDetail: `tools: ${[...tools].join(' ') || '(none)'}` };
    } else if (missing !== undefined) {
      // No shell: every tool is tried as its own argv, and one found missing is not tried again.
      box = { tools: undefined, hasTimeout: false, detectDetail: `no sh (${missing} not in the container)`, missing: new Set() };
    } else if (r.error && r.error.reason !== 'Timeout') {
      // Forbidden, pod gone, container not running: every other exec would get the same answer.
      const c = classifyProbe('bash', r, false);
      for (let i = 0; i < wire.length; i++) { failed.set(i, { target: wire[i], outcome: 'not-run', argv, exitCode: r.exitCode, detail: c.detail, tried: [], durationMs: Date.now() - started }); }
      box = { hasTimeout: false, detectDetail: c.detail };
    } else {
      // The shell answered but not with the kit (a timeout, a shell we do not understand): tool by tool.
      box = { tools: undefined, hasTimeout: false, detectDetail: r.error ? `probe kit: ${r.error.reason}` : `probe kit: sh exit ${r.exitCode}`, missing: new Set() };
    }
  } else {
    box = { hasTimeout: false, detectDetail: '' };
  }
  const results: ProbeResult[] = [];
  for (let i = 0; i < wire.length; i++) {
    const res = failed.get(i) ?? (await probeTarget(ctx, box, wire[i], attempts[i]));
    results.push(res.durationMs < Date.now() - started ? { ...res, durationMs: Date.now() - started } : res);
  }
  const by = (t: ProbeTarget): ProbeResult => results[wire.findIndex((w) => w.host === t.host && w.port === t.port)];
  return targets.map((t): ProbeResult => {
    if (!isValidHost(t.host) || !isValidPort(t.port)) { return { target: t, outcome: 'not-run', detail: 'invalid host or port: not probed', tried: [], durationMs: 0 }; }
    if (!isLocalhost(t.host)) { return by(t); }
    const v4 = by({ host: '127.0.0.1', port: t.port });
    if (v4.outcome === 'connected' || v4.outcome === 'not-run') { return { ...v4, target: t, detail: `localhost as 127.0.0.1: ${v4.detail}` }; }
    const v6 = by({ host: '::1', port: t.port });
    if (v6.outcome === 'connected') { return { ...v6, target: t, detail: `localhost as ::1: ${v6.detail}` }; }
    return { ...v4, target: t, detail: `localhost as 127.0.0.1: ${v4.detail}; as ::1: ${v6.outcome}` };
  });
}
