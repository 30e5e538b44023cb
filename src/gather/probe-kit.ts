/**
 * The probe commands: one tool's argv (probeArgv) and the probe kit, one constant shell script that probes
 * every target of a pod in one exec. Both are built from the tool table (probe-tools.ts) and from validated
 * targets only; hosts and ports only ever travel as separate argv elements or positional parameters, and
 * the code in `-c`/`-e` arguments is constant, so nothing from the cluster is ever parsed as code.
 */
import { isIP } from 'node:net';
import { isValidSpeak, SPEAKER_NEEDS, SPEAKERS, speakArgv, speakWord, type Speaker } from './otlp-probe.ts';
import { isValidHost, isValidPort, type ProbeTarget } from './probe-target.ts';
import { fallbacksOf, isProbeTool, PRIMARY_TOOLS, PROBE_SECONDS, PROBE_TOOLS, TOOL_NAMES, type ArgvParts, type ProbeTool } from './probe-tools.ts';

/** `[host]` for IPv6 in URLs; validated hosts only. */
function urlHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/**
 * The argv that probes `target` with `tool`. `withTimeout` wraps it in coreutils/busybox `timeout` so
 * the remote command is bounded even when the exec stream is cut.
 */
export function probeArgv(tool: ProbeTool, target: ProbeTarget, withTimeout: boolean): string[] {
  if (!isValidHost(target.host) || !isValidPort(target.port)) {
    throw new Error(`refusing to build a probe for an unvalidated target`);
  }
  const port = String(target.port);
  const argv = PROBE_TOOLS[tool].argv({ host: target.host, port, url: `http://${urlHost(target.host)}:${port}/`, seconds: String(PROBE_SECONDS) });
  return withTimeout ? ['timeout', String(PROBE_SECONDS + 2), ...argv] : argv;
}

/** Single-quotes a constant for the kit script (module constants only; cluster data never goes through here). */
function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** What a tool's argv is given inside the kit: markers that become the kit's double-quoted variables. */
const KIT_PARTS: ArgvParts = { host: '\x01h', port: '\x01p', url: 'http://\x01u:\x01p/', seconds: '\x01T' };
const KIT_SPEAK = { host: '\x01h', port: '\x01p', mode: '\x01M', path: '\x01Q', authority: '\x01A' };

function kitWord(arg: string): string {
  if (arg.includes('\x01')) {
    return `"${arg.replace(/\x01([hpuTMQA])/g, '$$$1')}"`;
  }
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : shQuote(arg);
}

/** One attempt in the kit: the tool's argv under `timeout` when present, output in $o, exit code in $c. */
function kitRun(tool: ProbeTool): string {
  return `o=$(exec $R ${PROBE_TOOLS[tool].argv(KIT_PARTS).map(kitWord).join(' ')} 2>&1 </dev/null); c=$?`;
}

/** The OTLP speaker's argv in the kit (the target's mode in $M, its path in $Q, the Host header in $A). */
function kitSpeak(tool: Speaker): string {
  return `o=$(exec $R ${speakArgv(tool, KIT_SPEAK).map(kitWord).join(' ')} 2>&1 </dev/null); c=$?`;
}

/** The argv a speaker ran for `target` (what a human can re-run), under `timeout` when the kit had it. */
export function speakerArgv(tool: Speaker, target: ProbeTarget, withTimeout: boolean): string[] {
  const s = target.otlp;
  if (!isValidHost(target.host) || !isValidPort(target.port) || !s || !isValidSpeak(s)) {
    throw new Error('refusing to build a probe for an unvalidated target');
  }
  const port = String(target.port);
  const argv = speakArgv(tool, { host: target.host, port, mode: s.mode, path: s.path ?? '-', authority: `${urlHost(target.host)}:${port}` });
  return withTimeout ? ['timeout', String(PROBE_SECONDS + 4), ...argv] : argv;
}

const kitArms = PRIMARY_TOOLS.map((t) => {
  const spec = PROBE_TOOLS[t];
  return `      ${t}) ${spec.kitArm ? spec.kitArm(kitRun(t)) : kitRun(t)};;`;
});

// A tool whose usage error says it is another flavour: that flavour's argv, recorded under its own name.
const kitFallbacks = PRIMARY_TOOLS.flatMap((t) => {
  const usage = PROBE_TOOLS[t].usage;
  return usage
    ? fallbacksOf(t).flatMap((f) => [
        `    if [ "$t" = ${t} ] && [ "$c" != 0 ]; then`,
        '      case $o in',
        `        ${usage.glob})`,
        `          ${kitRun(f)}`,
        `          emit "$i" ${f} "$c" "$o";;`,
        '      esac',
        '    fi',
      ])
    : [];
});

/**
 * One exec probes every target of a pod: `sh -c PROBE_KIT probe-kit HOST1 PORT1 HOST2 PORT2 ...`. The script
 * is a constant: hosts and ports reach it only as positional parameters, always double-quoted, never
 * eval'd, and it re-checks their shape itself. It finds the tools with `command -v`, runs the same argv
 * probeArgv builds for each tool (under `timeout` when present), and every target as a background job, so
 * the exec lasts about one probe timeout. Each attempt is one line, `@okp R IDX TOOL WRAPPED EXIT TEXT`,
 * written by a single printf (shorter than a pipe buffer, so parallel jobs do not interleave), with the
 * output's first three and last two lines joined by \x01; probes.ts classifies them with classifyProbe.
 * A job moves to the next tool only when a tool said nothing (or said it is another flavour); probes.ts
 * walks on with per-tool execs if it finds an answer the script took for decisive inconclusive.
 */
export const PROBE_KIT = [
  `T=${PROBE_SECONDS}`,
  // the record separator as a literal: $(printf) would cost a fork, and forks are this script's budget
  "S='\x01'",
  'have() { command -v "$1" >/dev/null 2>&1; }',
  'tools=',
  `for t in ${[...new Set(TOOL_NAMES.map((t) => PROBE_TOOLS[t].binary)), 'timeout'].join(' ')}; do have "$t" && tools="$tools $t"; done`,
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
  "  printf '@okp %s %s %s %s %s %s\\n' \"$E\" \"$1\" \"$2\" \"$W\" \"$3\" \"$r\"",
  '}',
  'E=R',
  // After a connect: speak the app's protocol with the first speaker present (`@okp P`), or say none is.
  'speak() {',
  '  M=${4#@}; Q=${M#?}; M=${M%"$Q"}; [ -n "$Q" ] || Q=-; A=$5',
  // a speaker waits for a first byte, then for a ClientHello's answer: two probe timeouts
  `  R=; [ "$W" = 1 ] && R="timeout ${PROBE_SECONDS + 4}"`,
  `  for k in ${SPEAKERS.join(' ')}; do`,
  '    have "$k" || continue',
  '    case $k in',
  ...SPEAKERS.map((t) => `      ${t}) ${(SPEAKER_NEEDS[t] ?? []).map((n) => `have ${n} || continue; `).join('')}${kitSpeak(t)};;`),
  '    esac',
  '    E=P; emit "$1" "$k" "$c" "$o"; E=R',
  '    return',
  '  done',
  "  printf '@okp P %s - %s 0 \\n' \"$1\" \"$W\"",
  '}',
  ...PRIMARY_TOOLS.flatMap((t) => PROBE_TOOLS[t].kitPrelude ?? []),
  'probe() {',
  '  i=$1; h=$2; p=$3; s=$4',
  // defence in depth: probes.ts validated these already; anything else is never run
  "  case $h in ''|-*|*[!0-9A-Za-z.:-]*) printf '@okp X %s\\n' \"$i\"; return;; esac",
  "  case $p in ''|*[!0-9]*) printf '@okp X %s\\n' \"$i\"; return;; esac",
  "  case $s in ''|@[gt]) ;; @[pj]/*) case ${s#@?} in *[!A-Za-z0-9._~/-]*) printf '@okp X %s\\n' \"$i\"; return;; esac;; *) printf '@okp X %s\\n' \"$i\"; return;; esac",
  '  case $h in *:*) u="[$h]";; *) u=$h;; esac',
  `  for t in ${PRIMARY_TOOLS.join(' ')}; do`,
  '    have "$t" || continue',
  '    case $t in',
  ...kitArms,
  '    esac',
  '    emit "$i" "$t" "$c" "$o"',
  ...kitFallbacks,
  '    [ "$c" != 0 ] && [ "$c" != 124 ] && [ -z "$o" ] && continue',
  // connected (busybox nc: held open until `timeout`): now the protocol
  '    if [ -n "$s" ] && { [ "$c" = 0 ] || { [ "$c" = 124 ] && [ "$t" = nc ]; }; }; then speak "$i" "$h" "$p" "$s" "$u:$p"; fi',
  '    return',
  '  done',
  '}',
  // every target but the last as a background job; the last in this shell, which saves a fork
  // targets are `HOST PORT` with an optional `@MODE[PATH]` after them (a host never starts with @)
  'i=0',
  'while [ $# -ge 2 ]; do',
  '  h=$1; p=$2; shift 2; s=',
  '  case ${1-} in @*) s=$1; shift;; esac',
  '  probe "$i" "$h" "$p" "$s" & i=$((i+1))',
  'done',
  'wait',
  "printf '@okp D\\n'",
].join('\n');

/** The kit's argv for validated targets; throws on anything unvalidated (it must never be built from raw values). */
export function kitArgv(targets: ProbeTarget[]): string[] {
  const argv = ['sh', '-c', PROBE_KIT, 'probe-kit'];
  for (const t of targets) {
    if (!isValidHost(t.host) || !isValidPort(t.port)) { throw new Error('refusing to build a probe for an unvalidated target'); }
    argv.push(t.host, String(t.port));
    if (t.otlp) { argv.push(speakWord(t.otlp)); }
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

export interface KitSpeak {
  /** undefined: no speaker in the container */
  tool?: Speaker;
  wrapped: boolean;
  exitCode: number;
  output: string;
}

export interface KitOutput {
  /** undefined: the kit's header never came (not our script's output) */
  tools?: Set<string>;
  attempts: KitAttempt[][];
  /** the OTLP speaker's answer per target, when the kit spoke */
  speaks: (KitSpeak | undefined)[];
  /** the kit ran to its end (every job finished) */
  done: boolean;
}

export function parseKitOutput(stdout: string, targets: number): KitOutput {
  const out: KitOutput = { attempts: Array.from({ length: targets }, () => []), speaks: Array.from({ length: targets }, () => undefined), done: false };
  for (const line of stdout.split('\n')) {
    if (line.startsWith('@okp T')) {
      out.tools = new Set(line.slice(6).split(' ').filter(Boolean));
      continue;
    }
    if (line === '@okp D') {
      out.done = true;
      continue;
    }
    const sp = /^@okp P (\d+) (\S+) ([01]) (\d+) ?(.*)$/.exec(line);
    if (sp) {
      const idx = Number(sp[1]);
      const tool = SPEAKERS.find((t) => t === sp[2]);
      if (idx < targets && (tool || sp[2] === '-')) {
        out.speaks[idx] = { ...(tool ? { tool } : {}), wrapped: sp[3] === '1', exitCode: Number(sp[4]), output: sp[5].split('\x01').filter(Boolean).join('\n') };
      }
      continue;
    }
    const m = /^@okp R (\d+) (\S+) ([01]) (\d+) ?(.*)$/.exec(line);
    if (!m) { continue; }
    const idx = Number(m[1]);
    const tool = m[2];
    if (idx >= targets || !isProbeTool(tool)) {
      continue;
    }
    out.attempts[idx].push({ tool, wrapped: m[3] === '1', exitCode: Number(m[4]), output: m[5].split('\x01').filter(Boolean).join('\n') });
  }
  return out;
}
