/**
 * The probe tools, one row each: the only place a tool is named. probe-kit.ts builds each tool's argv and
 * the probe kit's shell script from these rows, probes.ts reads each tool's answer with them, and the
 * Snapshot's method labels come from them. Adding a tool is a row here and a case in
 * test/gather/probe-tools.test.ts.
 *
 * `argv` is called with validated values only (probe-kit.ts checks host and port first) and, for the kit, with
 * placeholders that become the kit's own quoted shell variables: nothing from the cluster is ever part of
 * a shell string.
 */
import type { ProbeResultKind } from '../snapshot.ts';

/** How long one connect may take, in seconds (the tools' own timeouts; `timeout` allows two more). */
export const PROBE_SECONDS = 2;

/** One probe command's variable parts: validated values, or in the kit the shell variables holding them. */
export interface ArgvParts {
  host: string;
  port: string;
  /** `http://HOST:PORT/`, an IPv6 host in brackets */
  url: string;
  seconds: string;
}

export type ConnectOutcome = Exclude<ProbeResultKind, 'not-run'>;

export interface ProbeToolSpec {
  /** the executable: what `command -v` looks for and what "not in the container" names */
  binary: string;
  /** how the Snapshot labels a probe this tool decided */
  method: string;
  argv(a: ArgvParts): string[];
  /** another tool's binary in a second flavour, tried only after that tool's usage error */
  fallbackOf?: string;
  /** the binary lacks the flags `argv` uses (its fallback flavour is tried instead): as a regex and a shell glob */
  usage?: { re: RegExp; glob: string; detail: string };
  /** kit lines run once before any target (they may set variables the tool's arm reads) */
  kitPrelude?: readonly string[];
  /** the kit's case arm when the default one (`run`: the argv, output in $o, exit code in $c) is not enough */
  kitArm?(run: string): string;
  /** connected and waiting for the peer: killed by a deadline without an error means connected */
  holdsOpen?: boolean;
  /** the exit code alone decides once the output named no error (curl documents its codes) */
  byExitCode?(code: number): ConnectOutcome;
  /** output that proves the TCP connect happened, even on a non-zero exit (an HTTP answer) */
  connectedWhen?: RegExp;
  /** exit 1 with no output cannot tell: this detail, and the next tool is tried */
  silentFailure?: string;
}

const BASH_SNIPPET = 'exec 3<>/dev/tcp/$1/$2';
const PY_SNIPPET = 'import socket,sys\ns=socket.create_connection((sys.argv[1],int(sys.argv[2])),float(sys.argv[3]))\ns.close()';
const NODE_SNIPPET =
  "const s=require('net').connect({host:process.argv[1],port:+process.argv[2]});" +
  "s.setTimeout(+process.argv[3]*1000,()=>{console.error('ETIMEDOUT connect timed out');process.exit(3)});" +
  "s.on('connect',()=>{s.destroy();process.exit(0)});" +
  "s.on('error',e=>{console.error(e.code+' '+e.message);process.exit(1)})";
// IO::Socket::INET takes no IPv6 literal ("Bad hostname '::1'", read as a DNS failure); IO::Socket::IP (core
// since Perl 5.20) connects to either family (TCP by default). Kept short: the kit travels in the exec URL.
const PERL_SNIPPET = 'use IO::Socket::IP;IO::Socket::IP->new(PeerHost=>$ARGV[0],PeerPort=>$ARGV[1],Timeout=>$ARGV[2])or die"$@\\n"';

/** Option errors of nc builds without -z (busybox, toybox); the usage text only for a failed probe. */
const NC_OPTION_GLOB = '*[Ii]nvalid\\ option*|*[Uu]nrecognized\\ option*|*[Ii]llegal\\ option*|*[Uu]nknown\\ option*';

/** In trial order: a target is probed by the first tool present that can tell. */
const TABLE = {
  bash: { binary: 'bash', method: 'bash-dev-tcp', argv: (a) => ['bash', '-c', BASH_SNIPPET, 'probe', a.host, a.port] },
  nc: {
    binary: 'nc',
    method: 'nc',
    argv: (a) => ['nc', '-z', '-v', '-w', a.seconds, a.host, a.port],
    usage: { re: /invalid option|unrecognized option|illegal option|unknown option|Usage:/i, glob: `${NC_OPTION_GLOB}|*[Uu]sage:*`, detail: 'nc without -z (busybox flavour)' },
    // nc without -z says so once per exec, by nc itself, instead of once per target; only when no bash comes
    // first (bash decides almost every target)
    kitPrelude: ['NZ=; NZC=0', 'if ! have bash && have nc; then', '  NZ=$(exec $R nc -z 2>&1 </dev/null); NZC=$?', `  case $NZ in ${NC_OPTION_GLOB}) ;; *) NZ=;; esac`, 'fi'],
    kitArm: (run) => `if [ -n "$NZ" ]; then o=$NZ; c=$NZC; else ${run}; fi`,
    // OpenBSD nc -z with -v always prints a reason
    silentFailure: 'nc gave no reason',
  },
  // Debian's and most distros' busybox nc has no -z: connect and wait; `timeout` ends a connected session.
  'nc-busybox': { binary: 'nc', method: 'nc', argv: (a) => ['nc', '-w', a.seconds, a.host, a.port], fallbackOf: 'nc', holdsOpen: true },
  wget: {
    binary: 'wget',
    method: 'wget',
    argv: (a) => ['wget', '-T', a.seconds, '-O', '/dev/null', a.url],
    // wget got past connect(): an OTLP receiver answered (or dropped) the HTTP request
    connectedWhen: /server returned error|HTTP\/|error getting response|Read error|response|404|400|415|405/i,
  },
  curl: {
    binary: 'curl',
    method: 'curl',
    argv: (a) => ['curl', '-sS', '-o', '/dev/null', '--connect-timeout', a.seconds, '-m', String(PROBE_SECONDS + 1), a.url],
    // 0, 1 (unsupported reply), 52 (empty reply: gRPC port), 56 (reset after connect), 22 (HTTP error): the
    // TCP connection was made
    byExitCode: (code) => (code === 6 ? 'dns-failure' : code === 7 ? 'refused' : code === 28 ? 'timeout' : 'connected'),
  },
  python3: { binary: 'python3', method: 'python3', argv: (a) => ['python3', '-c', PY_SNIPPET, a.host, a.port, a.seconds] },
  node: { binary: 'node', method: 'node', argv: (a) => ['node', '-e', NODE_SNIPPET, a.host, a.port, a.seconds] },
  perl: { binary: 'perl', method: 'perl', argv: (a) => ['perl', '-e', PERL_SNIPPET, a.host, a.port, a.seconds] },
} as const satisfies Record<string, ProbeToolSpec>;

export type ProbeTool = keyof typeof TABLE;
export type ProbeMethod = (typeof TABLE)[ProbeTool]['method'];

export const PROBE_TOOLS: Readonly<Record<ProbeTool, ProbeToolSpec>> = TABLE;

export function probeMethod(tool: ProbeTool): ProbeMethod {
  return TABLE[tool].method;
}
export const TOOL_NAMES = Object.keys(TABLE) as ProbeTool[];

export function isProbeTool(name: string): name is ProbeTool {
  return Object.hasOwn(TABLE, name);
}

/** The tools tried first-hand, in order; a fallback flavour only follows its tool. */
export const PRIMARY_TOOLS = TOOL_NAMES.filter((t) => !PROBE_TOOLS[t].fallbackOf);

export function fallbacksOf(tool: ProbeTool): ProbeTool[] {
  return TOOL_NAMES.filter((t) => PROBE_TOOLS[t].fallbackOf === tool);
}
