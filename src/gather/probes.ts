/**
 * Cross-pod connectivity probes, run by exec inside an app container with whatever tool it has: one exec of
 * the probe kit per pod when it has a shell, else tool by tool as argv. Every answer is read here
 * (classifyProbe), whichever way it came; a probe that could not run says why (`notRun`).
 */
import type { ClusterClient, ExecResult } from '../cluster/types.ts';
import type { OtlpProbeRecord, ProbeNotRun, ProbeResultKind } from '../snapshot.ts';
import { classifyOtlpAnswer, isValidSpeak, OTLP_CONTENT_TYPE, OTLP_SENT, parseSpeakOutput, SPEAKERS, type Speaker } from './otlp-probe.ts';
import { kitArgv, parseKitOutput, probeArgv, speakerArgv, type KitAttempt, type KitSpeak } from './probe-kit.ts';
import { isValidHost, isValidPort, type ProbeTarget } from './probe-target.ts';
import { fallbacksOf, PRIMARY_TOOLS, PROBE_SECONDS, PROBE_TOOLS, type ConnectOutcome, type ProbeTool } from './probe-tools.ts';

export interface ProbeResult {
  target: ProbeTarget;
  outcome: ProbeResultKind;
  /** the tool whose answer decided (absent for not-run) */
  tool?: ProbeTool;
  /** the argv that was executed last (evidence: what a human can re-run) */
  argv?: string[];
  exitCode?: number | null;
  /** the lines of output that decided, or why the probe did not run */
  detail: string;
  /** not-run: why, for code (the text is `detail`) */
  notRun?: ProbeNotRun;
  /** tools tried and why each was passed over */
  tried: { tool: ProbeTool; why: string }[];
  durationMs: number;
  /** connected app endpoints: the OTLP-level answer */
  otlp?: OtlpProbeRecord;
}

export type Classification =
  | { outcome: ConnectOutcome; detail: string }
  /** `missing`: the binary is not in the container; `fallback`: the tool's other flavour may tell */
  | { outcome: 'not-run'; detail: string; next: boolean; missing?: true; fallback?: true };

const DNS = /Name or service not known|bad address|Could not resolve host|unable to resolve host|getaddrinfo|gaierror|ENOTFOUND|EAI_AGAIN|Temporary failure in name resolution|No address associated|nodename nor servname|Bad hostname|Name does not resolve|Unknown host|Non-recoverable failure in name resolution/i;
const REFUSED = /Connection refused|ECONNREFUSED|Couldn't connect to server|Errno 111\b/i;
const TIMEOUT = /timed out|ETIMEDOUT|Connection timed out|timeout|Operation timed out/i;
const UNREACH = /No route to host|Network is unreachable|EHOSTUNREACH|ENETUNREACH|Host is unreachable|Errno 11[03]\b/i;
const NOT_FOUND = /executable file not found|not found|No such file or directory/i;

function firstLines(text: string, n = 3): string {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, n).join(' | ').slice(0, 400);
}

/** Reads one tool's answer. `not-run` with `next: true` means: this tool cannot tell, try the next one. */
export function classifyProbe(tool: ProbeTool, r: Pick<ExecResult, 'stdout' | 'stderr' | 'exitCode' | 'error'>, wrappedInTimeout: boolean): Classification {
  const spec = PROBE_TOOLS[tool];
  const out = `${r.stderr}\n${r.stdout}`;
  const detail = firstLines(out);
  if (r.exitCode === null) {
    const e = r.error;
    if (e && (e.reason === 'InternalError' || e.code === 500) && /executable file not found|no such file or directory/i.test(e.message)) {
      return { outcome: 'not-run', detail: `${spec.binary} not in the container`, next: true, missing: true };
    }
    if (e?.reason === 'Timeout') {
      // The exec deadline: a connected busybox nc waits for the peer to close, an unconnected one prints why.
      if (spec.holdsOpen && !detail) {
        return { outcome: 'connected', detail: `${spec.binary} connected and stayed open until the deadline` };
      }
      return { outcome: 'timeout', detail: `no answer within the exec deadline${detail ? `: ${detail}` : ''}` };
    }
    return { outcome: 'not-run', detail: e ? `${e.reason}: ${e.message}` : 'exec failed', next: false };
  }
  // `timeout` itself: 124 when it killed the command, 125-127 when it could not run it.
  if (wrappedInTimeout && r.exitCode === 124) {
    if (spec.holdsOpen && !REFUSED.test(out) && !DNS.test(out) && !UNREACH.test(out)) {
      return { outcome: 'connected', detail: `${spec.binary} connected and stayed open until \`timeout\` ended it` };
    }
    return { outcome: 'timeout', detail: detail || `no answer within ${PROBE_SECONDS} s` };
  }
  if ((wrappedInTimeout ? r.exitCode === 126 || r.exitCode === 127 : r.exitCode === 127) && NOT_FOUND.test(out)) {
    return { outcome: 'not-run', detail: `${tool} not in the container`, next: true, missing: true };
  }
  if (spec.usage && spec.usage.re.test(out) && r.exitCode !== 0) {
    return { outcome: 'not-run', detail: spec.usage.detail, next: true, fallback: true };
  }
  if (r.exitCode > 128 && r.exitCode < 160 && !REFUSED.test(out) && !DNS.test(out)) {
    return { outcome: 'not-run', detail: `${tool} died with signal ${r.exitCode - 128}`, next: true };
  }
  // Order matters: a DNS failure message may also say "failed"; refused before timeout because curl's
  // refused message contains "after 0 ms".
  if (DNS.test(out)) {
    return { outcome: 'dns-failure', detail };
  }
  if (REFUSED.test(out)) {
    return { outcome: 'refused', detail };
  }
  if (UNREACH.test(out)) {
    return { outcome: 'unreachable', detail };
  }
  if (spec.byExitCode) {
    const outcome = spec.byExitCode(r.exitCode);
    return { outcome, detail: outcome === 'connected' ? detail || `${tool} exit ${r.exitCode}` : detail };
  }
  if (TIMEOUT.test(out)) {
    return { outcome: 'timeout', detail };
  }
  if (r.exitCode === 0) {
    return { outcome: 'connected', detail: detail || 'connected' };
  }
  if (spec.connectedWhen?.test(out)) {
    return { outcome: 'connected', detail };
  }
  if (spec.silentFailure && r.exitCode === 1 && !detail) {
    return { outcome: 'not-run', detail: spec.silentFailure, next: true };
  }
  return { outcome: 'not-run', detail: `${tool} exit ${r.exitCode}${detail ? `: ${detail}` : ''}`, next: true };
}

const NOT_RUNNING = /container not found|cannot exec into a container in a completed pod|does not have a host assigned/;

/** Why an exec that never ran a tool failed, from the API server's answer. */
function execNotRun(r: Pick<ExecResult, 'error'>): ProbeNotRun {
  const e = r.error;
  if (!e) {
    return { reason: 'exec-failed' };
  }
  if (NOT_RUNNING.test(`${e.reason}: ${e.message}`)) {
    return { reason: 'container-not-running', detail: e.message };
  }
  return { reason: e.code === 403 || e.reason === 'Forbidden' ? 'rbac-denied' : 'exec-failed', detail: e.message };
}

export interface ProbeContext {
  client: ClusterClient;
  namespace: string;
  pod: string;
  container: string;
  /** exec deadline per command */
  execTimeoutMs?: number;
  signal?: AbortSignal;
}

interface Toolbox {
  /** undefined: not known (no sh); try them all */
  tools?: Set<string>;
  hasTimeout: boolean;
  detectDetail: string;
  /** tools an exec found missing in this container: never tried again for another target */
  missing?: Set<ProbeTool>;
}

/** Probes one target with the first tool that can answer, recording every tool passed over. */
async function probeTarget(ctx: ProbeContext, box: Toolbox, target: ProbeTarget, kit: KitAttempt[] = [], spoken?: KitSpeak): Promise<ProbeResult> {
  const started = Date.now();
  const tried: ProbeResult['tried'] = [];
  if (!isValidHost(target.host) || !isValidPort(target.port)) {
    return { target, outcome: 'not-run', detail: 'invalid host or port: not probed', notRun: { reason: 'invalid-target' }, tried, durationMs: 0 };
  }
  const candidates: ProbeTool[] = [];
  for (const t of PRIMARY_TOOLS) {
    if (box.tools && !box.tools.has(PROBE_TOOLS[t].binary)) {
      continue;
    }
    candidates.push(t, ...fallbacksOf(t));
  }
  if (box.tools && candidates.length === 0) {
    return { target, outcome: 'not-run', detail: `no probe tool in the container (${box.detectDetail}); try --debug-container`, notRun: { reason: 'no-tool' }, tried, durationMs: Date.now() - started };
  }
  let last: { argv: string[]; exitCode: number | null } | undefined;
  // fallback flavours a tool's usage error asked for; the others are never tried
  const wanted = new Set<ProbeTool>();
  let onlyMissing = true;
  for (const tool of candidates) {
    if (PROBE_TOOLS[tool].fallbackOf && !wanted.has(tool)) {
      continue;
    }
    if (box.missing?.has(tool)) {
      tried.push({ tool, why: `${PROBE_TOOLS[tool].binary} not in the container` });
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
      const otlp = c.outcome === 'connected' && target.otlp ? await speakTo(ctx, box, target, spoken) : undefined;
      return { target, outcome: c.outcome, tool, argv, exitCode: r.exitCode, detail: c.detail, tried, durationMs: Date.now() - started, ...(otlp ? { otlp } : {}) };
    }
    tried.push({ tool, why: c.detail });
    if (c.missing) {
      // its other flavours are the same binary
      const gone = (box.missing ??= new Set()).add(tool);
      for (const f of fallbacksOf(tool)) {
        gone.add(f);
      }
    } else {
      onlyMissing = false;
    }
    if (c.fallback) {
      for (const f of fallbacksOf(tool)) {
        wanted.add(f);
      }
    }
    if (!c.next) {
      return { target, outcome: 'not-run', tool, argv, exitCode: r.exitCode, detail: c.detail, notRun: execNotRun(r), tried, durationMs: Date.now() - started };
    }
    if (ctx.signal?.aborted) {
      break;
    }
  }
  return {
    target,
    outcome: 'not-run',
    argv: last?.argv,
    exitCode: last?.exitCode,
    detail: `no tool could probe (${tried.map((t) => `${t.tool}: ${t.why}`).join('; ') || box.detectDetail})`,
    notRun: { reason: onlyMissing ? 'no-tool' : 'no-answer' },
    tried,
    durationMs: Date.now() - started,
  };
}

/** How a speaker's output reads: the receiver's answer, or why there was none. */
export function classifySpeak(tool: Speaker, target: ProbeTarget, r: Pick<ExecResult, 'stdout' | 'stderr' | 'exitCode' | 'error'>, wrapped: boolean): Omit<OtlpProbeRecord, 'sent' | 'tool' | 'argv'> | 'missing' {
  const out = `${r.stderr}\n${r.stdout}`;
  const parsed = parseSpeakOutput(out);
  if (parsed.first) {
    const a = classifyOtlpAnswer(target.otlp?.mode ?? 'g', parsed.first, parsed.ended, parsed.tlsFollowUp);
    return { result: a.result, ...(a.answeredBy ? { answeredBy: a.answeredBy } : {}), ...(a.status !== undefined ? { status: a.status } : {}), detail: a.detail };
  }
  // No answer line: the connect itself failed (read as the connect tools' own errors are), or the tool is absent.
  const c = classifyProbe(tool === 'nc' ? 'nc-busybox' : tool, r, wrapped);
  if (c.outcome === 'not-run') {
    return c.missing ? 'missing' : { result: 'not-run', detail: c.detail, fallback: `${tool} could not speak the protocol: ${c.detail}` };
  }
  const result = c.outcome === 'connected' ? 'no-answer' : c.outcome === 'unreachable' ? 'timeout' : c.outcome;
  return { result, detail: c.detail };
}

/**
 * The OTLP-level answer for a connected target: the kit's when it spoke, else each speaker present as its
 * own exec. None present: the TCP connect stands, and the record says why.
 */
async function speakTo(ctx: ProbeContext, box: Toolbox, target: ProbeTarget, spoken: KitSpeak | undefined): Promise<OtlpProbeRecord | undefined> {
  const s = target.otlp;
  if (!s) { return undefined; }
  const base = { sent: OTLP_SENT[s.mode], ...(s.path ? { path: s.path } : {}), ...(OTLP_CONTENT_TYPE[s.mode] ? { contentType: OTLP_CONTENT_TYPE[s.mode] } : {}) };
  const none = { ...base, result: 'not-run' as const, detail: 'TCP connect only', fallback: `no ${SPEAKERS.join(', ')} (with od and tr) in the container to speak the protocol with` };
  if (spoken) {
    if (!spoken.tool) { return none; }
    const argv = speakerArgv(spoken.tool, target, spoken.wrapped);
    const c = classifySpeak(spoken.tool, target, { stdout: '', stderr: spoken.output, exitCode: spoken.exitCode }, spoken.wrapped);
    return c === 'missing' ? none : { ...base, ...c, tool: spoken.tool, argv };
  }
  for (const tool of SPEAKERS) {
    // nc speaks through an sh pipeline: only the kit runs it
    if (tool === 'nc' || (box.tools && !box.tools.has(tool)) || box.missing?.has(tool)) { continue; }
    const argv = speakerArgv(tool, target, box.hasTimeout);
    const r = await ctx.client.exec(ctx.namespace, ctx.pod, ctx.container, argv, { timeoutMs: ctx.execTimeoutMs ?? (PROBE_SECONDS * 2 + 6) * 1000, signal: ctx.signal });
    const c = classifySpeak(tool, target, r, box.hasTimeout);
    if (c === 'missing') {
      (box.missing ??= new Set()).add(tool);
      continue;
    }
    return { ...base, ...c, tool, argv };
  }
  return none;
}

/** containerd's answer when the exec'd binary is absent; names it: `exec: "sh": executable file not found`. */
function missingBinary(r: Pick<ExecResult, 'exitCode' | 'error'>): string | undefined {
  if (r.exitCode !== null || !r.error) { return undefined; }
  if (!/executable file not found|no such file or directory/i.test(r.error.message)) { return undefined; }
  return /exec: "([^"]*)"/.exec(r.error.message)?.[1] ?? '?';
}

/** One wire target per host, port and what is spoken to it. */
const same = (a: ProbeTarget, b: ProbeTarget): boolean => a.host === b.host && a.port === b.port && a.otlp?.mode === b.otlp?.mode && a.otlp?.path === b.otlp?.path;

const isLocalhost = (h: string): boolean => /^localhost\.?$/i.test(h);

/**
 * Probes every target of one container, in one exec when it has a POSIX shell (PROBE_KIT, all targets in
 * parallel), else tool by tool as argv (python3 / node / perl need no shell), each missing tool tried once
 * per container. The answers are classified exactly as the per-tool path classifies them; a target the
 * kit left undecided continues with per-tool execs. `localhost` is probed as 127.0.0.1 and ::1 (the
 * kubelet's /etc/hosts lists both, busybox nc tries only the first address, SDKs try every one): connected
 * on either is connected.
 */
export async function probeAll(ctx: ProbeContext, given: ProbeTarget[]): Promise<ProbeResult[]> {
  const started = Date.now();
  // an OTLP spec that fails validation is dropped: the target is still connected to, never spoken to
  const targets = given.map((t) => (t.otlp && !isValidSpeak(t.otlp) ? { host: t.host, port: t.port } : t));
  const wire: ProbeTarget[] = [];
  const slot = (t: ProbeTarget): number => {
    let i = wire.findIndex((w) => same(w, t));
    if (i < 0) { i = wire.push(t) - 1; }
    return i;
  };
  const valid = targets.filter((t) => isValidHost(t.host) && isValidPort(t.port));
  for (const t of valid) {
    if (isLocalhost(t.host)) {
      slot({ ...t, host: '127.0.0.1' });
      slot({ ...t, host: '::1' });
    } else { slot(t); }
  }
  let box: Toolbox;
  let attempts: KitAttempt[][] = wire.map(() => []);
  let speaks: (KitSpeak | undefined)[] = [];
  const failed = new Map<number, ProbeResult>();
  if (wire.length) {
    const argv = kitArgv(wire);
    // a target spoken to after its connect waits for a first byte and maybe a ClientHello's answer too
    const spoken = wire.some((t) => t.otlp);
    const r = await ctx.client.exec(ctx.namespace, ctx.pod, ctx.container, argv, { timeoutMs: ctx.execTimeoutMs ?? (PROBE_SECONDS * (spoken ? 3 : 1) + 6) * 1000, signal: ctx.signal });
    const missing = missingBinary(r);
    const kit = parseKitOutput(r.stdout, wire.length);
    if (kit.tools) {
      attempts = kit.attempts;
      speaks = kit.speaks;
      const tools = kit.tools;
      box = { tools, hasTimeout: tools.has('timeout'), detectDetail: `tools: ${[...tools].join(' ') || '(none)'}` };
    } else if (missing !== undefined) {
      // No shell: every tool is tried as its own argv, and one found missing is not tried again.
      box = { tools: undefined, hasTimeout: false, detectDetail: `no sh (${missing} not in the container)`, missing: new Set() };
    } else if (r.error && r.error.reason !== 'Timeout') {
      // Forbidden, pod gone, container not running: every other exec would get the same answer.
      const c = classifyProbe('bash', r, false);
      for (let i = 0; i < wire.length; i++) { failed.set(i, { target: wire[i], outcome: 'not-run', argv, exitCode: r.exitCode, detail: c.detail, notRun: execNotRun(r), tried: [], durationMs: Date.now() - started }); }
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
    const res = failed.get(i) ?? (await probeTarget(ctx, box, wire[i], attempts[i], speaks[i]));
    results.push(res.durationMs < Date.now() - started ? { ...res, durationMs: Date.now() - started } : res);
  }
  const by = (t: ProbeTarget): ProbeResult => results[wire.findIndex((w) => same(w, t))];
  return targets.map((t): ProbeResult => {
    if (!isValidHost(t.host) || !isValidPort(t.port)) { return { target: t, outcome: 'not-run', detail: 'invalid host or port: not probed', notRun: { reason: 'invalid-target' }, tried: [], durationMs: 0 }; }
    if (!isLocalhost(t.host)) { return by(t); }
    const v4 = by({ ...t, host: '127.0.0.1' });
    if (v4.outcome === 'connected' || v4.outcome === 'not-run') { return { ...v4, target: t, detail: `localhost as 127.0.0.1: ${v4.detail}` }; }
    const v6 = by({ ...t, host: '::1' });
    if (v6.outcome === 'connected') { return { ...v6, target: t, detail: `localhost as ::1: ${v6.detail}` }; }
    return { ...v4, target: t, detail: `localhost as 127.0.0.1: ${v4.detail}; as ::1: ${v6.outcome}` };
  });
}
