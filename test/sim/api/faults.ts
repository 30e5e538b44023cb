// Fault injection for the simulated API server: throttling (429 from API Priority and Fairness), internal
// errors, an unavailable server, and slow answers, so a client's retries, deadlines and degraded paths can
// be proven against the same Status bodies and headers a real kube-apiserver sends.
//
// Rules are checked in order for every request, after authentication and routing (so they can match by
// resource) and before authorization and the handler, as the real priority-and-fairness filter sits.
// Every matching rule that still has `times` left is used up by the request: its delay is added, and the
// first matching rule with a `status` answers the request. Faulted requests are audited with their code.
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import type { StatusBody } from './status.ts';

export interface FaultMatch {
  /** Kubernetes verb: get, list, watch, create (exec is `create` on pods/exec), update, patch, delete. */
  verb?: string;
  /** Plural resource name (`pods`, `services`, `selfsubjectaccessreviews`); '' for non-resource paths. */
  resource?: string;
  /** `exec`, `log`, `status`, ...; '' for the resource itself. */
  subresource?: string;
  namespace?: string;
  /** e.g. `otel-doctor/` to hit the plugin only, `kubectl/` for kubectl. */
  userAgentPrefix?: string;
}

export interface FaultRule {
  match?: FaultMatch;
  /** HTTP code to answer (429, 500, 502, 503, 504, ...); absent: only delay, then serve normally. */
  status?: number;
  /** 429/503: the Retry-After header and details.retryAfterSeconds (429 default 1, as APF sends). */
  retryAfterSeconds?: number;
  /** Apply to this many matching requests, then stop matching; absent: forever. */
  times?: number;
  /** Hold the request this long before answering (the fault, or the normal answer). */
  delayMs?: number;
  /** 500: the part after `Internal error occurred: `; others: the whole message. */
  message?: string;
}

/** The request attributes a rule is matched against (a subset of the audit entry). */
export interface FaultRequest {
  verb: string;
  resource: string;
  subresource: string;
  namespace: string;
  userAgent: string;
}

export interface FaultDecision {
  delayMs: number;
  /** Absent: serve the request normally (after the delay). */
  answer?: { code: number; headers: Record<string, string>; body: StatusBody };
}

const REASON: Record<number, string> = { 429: 'TooManyRequests', 500: 'InternalError', 502: 'BadGateway', 503: 'ServiceUnavailable', 504: 'Timeout' };
const STATUS_TEXT: Record<number, string> = { 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

/** The Status body kube-apiserver writes for each of these codes (apimachinery's errors.New* shapes). */
export function faultStatus(rule: FaultRule): { body: StatusBody; headers: Record<string, string> } {
  const code = rule.status!;
  const headers: Record<string, string> = {};
  const base = (reason: string, message: string): StatusBody => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  let body: StatusBody;
  switch (code) {
    case 429: {
      // APF's rejection: fixed message, Retry-After in the header and in details.
      const secs = rule.retryAfterSeconds ?? 1;
      body = { ...base('TooManyRequests', rule.message ?? 'Too many requests, please try again later.'), details: { retryAfterSeconds: secs } };
      headers['Retry-After'] = String(secs);
      break;
    }
    case 500: {
      const cause = rule.message ?? 'etcdserver: request timed out';
      body = { ...base('InternalError', `Internal error occurred: ${cause}`), details: { causes: [{ message: cause }] } };
      break;
    }
    case 503:
      body = base('ServiceUnavailable', rule.message ?? 'the server is currently unable to handle the request');
      if (rule.retryAfterSeconds !== undefined) {
        body.details = { retryAfterSeconds: rule.retryAfterSeconds };
        headers['Retry-After'] = String(rule.retryAfterSeconds);
      }
      break;
    case 504:
      body = { ...base('Timeout', rule.message ?? 'the server was unable to return a response in the time allotted, but may still be processing the request'), details: { retryAfterSeconds: rule.retryAfterSeconds ?? 1 } };
      break;
    default:
      body = base(REASON[code] ?? 'Unknown', rule.message ?? `the server responded with the status code ${code} but did not return more information`);
  }
  return { body, headers };
}

function validate(rules: unknown, where: string): FaultRule[] {
  const list = Array.isArray(rules) ? rules : (rules as { rules?: unknown })?.rules;
  if (!Array.isArray(list)) { throw new Error(`${where}: expected a list of fault rules (or {rules: [...]})`); }
  const keys = new Set(['verb', 'resource', 'subresource', 'namespace', 'userAgentPrefix']);
  return list.map((r, i) => {
    const at = `${where}: rule ${i}`;
    if (!r || typeof r !== 'object') { throw new Error(`${at}: not an object`); }
    const rule = r as FaultRule;
    for (const k of Object.keys(rule.match ?? {})) { if (!keys.has(k)) { throw new Error(`${at}: unknown match key ${JSON.stringify(k)} (known: ${[...keys].join(', ')})`); } }
    if (rule.status !== undefined && !(Number.isInteger(rule.status) && rule.status >= 400 && rule.status <= 599)) { throw new Error(`${at}: status must be an HTTP error code (400-599)`); }
    if (rule.status === undefined && !rule.delayMs) { throw new Error(`${at}: needs a status or a delayMs`); }
    for (const k of ['retryAfterSeconds', 'times', 'delayMs'] as const) {
      const v = rule[k];
      if (v !== undefined && !(Number.isInteger(v) && v >= 0)) { throw new Error(`${at}: ${k} must be a non-negative integer`); }
    }
    return rule;
  });
}

export class FaultInjector {
  readonly rules: readonly FaultRule[];
  private readonly used: number[];

  constructor(rules: FaultRule[]) {
    this.rules = validate(rules, 'api faults');
    this.used = this.rules.map(() => 0);
  }

  /** A YAML or JSON file: a list of rules, or `{rules: [...]}`. */
  static load(file: string): FaultInjector {
    const text = readFileSync(file, 'utf8');
    return new FaultInjector(validate(parseYaml(text), file));
  }

  /** How many requests each rule has faulted so far (same order as `rules`). */
  counts(): number[] {
    return [...this.used];
  }

  decide(r: FaultRequest): FaultDecision {
    const d: FaultDecision = { delayMs: 0 };
    this.rules.forEach((rule, i) => {
      if (rule.times !== undefined && this.used[i] >= rule.times) { return; }
      const m = rule.match ?? {};
      if (m.verb !== undefined && m.verb !== r.verb) { return; }
      if (m.resource !== undefined && m.resource !== r.resource) { return; }
      if (m.subresource !== undefined && m.subresource !== r.subresource) { return; }
      if (m.namespace !== undefined && m.namespace !== r.namespace) { return; }
      if (m.userAgentPrefix !== undefined && !r.userAgent.startsWith(m.userAgentPrefix)) { return; }
      // A status rule behind one that already answers stays unused: it did not fault this request.
      if (rule.status !== undefined && d.answer) { return; }
      this.used[i]++;
      d.delayMs += rule.delayMs ?? 0;
      if (rule.status !== undefined) {
        const { body, headers } = faultStatus(rule);
        d.answer = { code: rule.status, headers, body };
      }
    });
    return d;
  }
}

/** Writes a faulted answer on a plain HTTP response, with the headers the real server sends. */
export function sendFault(res: ServerResponse, a: NonNullable<FaultDecision['answer']>): void {
  const text = JSON.stringify(a.body);
  res.writeHead(a.code, { ...a.headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private', 'Audit-Id': randomUUID() });
  res.end(text);
}

/** Answers a WebSocket upgrade (exec) with the fault instead of switching protocols. */
export function rejectUpgradeWithFault(socket: Duplex, a: NonNullable<FaultDecision['answer']>): void {
  const text = JSON.stringify(a.body);
  const extra = Object.entries(a.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(`HTTP/1.1 ${a.code} ${STATUS_TEXT[a.code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n${extra}Connection: close\r\n\r\n${text}`);
}
