/**
 * Log evidence: the last lines of collector and app containers, matched with src/otel's signatures
 * (startup/bind/config lines of every collector format, the SDKs' export errors). Control characters are
 * stripped by the renderers; here lines are kept verbatim but bounded.
 */
import type { ClusterClient } from '../cluster/types.ts';
import { ApiError } from '../errors.ts';
import { matchLogLines } from '../otel/logs.ts';
import type { ListenSocket, LogEvidence, LogMatch } from '../snapshot.ts';

export const TAIL_LINES = 200;
export const LIMIT_BYTES = 256 * 1024;
const TAIL_KEEP = 30;

export interface LogRequest {
  namespace: string;
  pod: string;
  container: string;
  role: 'collector' | 'app' | 'operator';
  previous?: boolean;
}

export async function readLogEvidence(client: ClusterClient, req: LogRequest, signal?: AbortSignal): Promise<LogEvidence> {
  const base = { namespace: req.namespace, pod: req.pod, container: req.container, role: req.role, ...(req.previous ? { previous: true } : {}) };
  let text: string;
  try {
    text = await client.logs(req.namespace, req.pod, req.container, { tailLines: TAIL_LINES, limitBytes: LIMIT_BYTES, previous: req.previous, signal });
  } catch (e) {
    const msg = e instanceof ApiError ? `${e.reason}: ${e.message}` : (e as Error).message;
    return { ...base, matches: [], error: msg.slice(0, 500) };
  }
  const lines = text.split('\n').filter((l) => l.length > 0);
  const matches: LogMatch[] = matchLogLines(lines, req.role);
  return { ...base, matches, tail: lines.slice(-TAIL_KEEP).map((l) => l.slice(0, 2000)) };
}

/**
 * The collector's own account of its servers (`Starting GRPC server` / `Starting HTTP server` with an
 * `endpoint` field): the configured address before 0.133, the bound one from 0.133 on.
 */
export function listenersFromLog(ev: LogEvidence): ListenSocket[] {
  const out: ListenSocket[] = [];
  for (const m of ev.matches) {
    if (m.kind !== 'startup') { continue; }
    const ep = m.fields?.endpoint;
    if (!ep) { continue; }
    const i = ep.lastIndexOf(':');
    if (i < 0) { continue; }
    const port = Number(ep.slice(i + 1));
    if (!Number.isInteger(port) || port < 1 || port > 65535) { continue; }
    let address = ep.slice(0, i);
    if (address.startsWith('[') && address.endsWith(']')) { address = address.slice(1, -1); }
    if (address === '') { address = '0.0.0.0'; }
    const server = m.fields?.server ?? (/grpc/i.test(m.line) ? 'grpc' : /http/i.test(m.line) ? 'http' : undefined);
    out.push({ address, port, ...(server ? { server } : {}) });
  }
  return out;
}
