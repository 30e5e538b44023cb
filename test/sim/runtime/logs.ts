// Container logs in the CRI format containerd writes (`<RFC3339Nano> <stream> <F|P> <text>`), and the
// kubelet's reading of them for `pods/log` (container choice and its 400s, --previous, tailLines,
// sinceTime/sinceSeconds, timestamps, limitBytes).
import { openSync, writeSync, closeSync, readFileSync, existsSync } from 'node:fs';
import type { KObject } from '../store.ts';
import { RuntimeError, type LogOptions } from '../types.ts';
import type { ContainerRun, PodState } from './pod-status.ts';

let lastNs = 0n;

/** RFC3339Nano with nanoseconds from the monotonic clock anchored to wall time, strictly increasing. */
export function rfc3339Nano(): string {
  const wallNs = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  const ns = wallNs > lastNs ? wallNs : lastNs + 1n;
  lastNs = ns;
  const ms = Number(ns / 1_000_000n);
  const iso = new Date(ms).toISOString(); // 2026-01-01T00:00:00.123Z
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 19)}.${frac}Z`;
}

/** Appends one process's output to a CRI log file, a line at a time. */
export class CriLogWriter {
  private fd: number | undefined;
  private readonly partial = { stdout: '', stderr: '' };

  constructor(file: string) { this.fd = openSync(file, 'a'); }

  write(stream: 'stdout' | 'stderr', chunk: Buffer | string): void {
    if (this.fd === undefined) { return; }
    const text = this.partial[stream] + chunk.toString('utf8');
    const lines = text.split('\n');
    this.partial[stream] = lines.pop() ?? '';
    // containerd splits very long lines into partial (P) records; 16 KiB is its buffer size.
    if (this.partial[stream].length > 16384) {
      writeSync(this.fd, `${rfc3339Nano()} ${stream} P ${this.partial[stream]}\n`);
      this.partial[stream] = '';
    }
    if (lines.length === 0) { return; }
    const ts = rfc3339Nano();
    writeSync(this.fd, lines.map((l) => `${ts} ${stream} F ${l}\n`).join(''));
  }

  close(): void {
    if (this.fd === undefined) { return; }
    for (const s of ['stdout', 'stderr'] as const) { if (this.partial[s]) { writeSync(this.fd, `${rfc3339Nano()} ${s} F ${this.partial[s]}\n`); } }
    closeSync(this.fd);
    this.fd = undefined;
  }
}

export interface LogEntry { timestamp: string; stream: string; text: string }

export function parseCriLog(content: string): LogEntry[] {
  const out: LogEntry[] = [];
  let pending: LogEntry | undefined;
  for (const line of content.split('\n')) {
    if (!line) { continue; }
    const a = line.indexOf(' ');
    const b = line.indexOf(' ', a + 1);
    const c = line.indexOf(' ', b + 1);
    if (a < 0 || b < 0 || c < 0) { continue; }
    const e = { timestamp: line.slice(0, a), stream: line.slice(a + 1, b), text: line.slice(c + 1) };
    const tag = line.slice(b + 1, c);
    if (pending) { pending.text += e.text; } else { pending = e; }
    if (tag !== 'P') { out.push(pending); pending = undefined; }
  }
  if (pending) { out.push(pending); }
  return out;
}

export interface ReadOptions { tailLines?: number; sinceSeconds?: number; sinceTime?: string; limitBytes?: number; timestamps?: boolean }

/** Nanosecond-precision comparison of RFC3339 timestamps (Date keeps only milliseconds). */
function tsKey(ts: string): string {
  const m = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (!m) { return ts; }
  const base = new Date(`${m[1]}${m[3]}`).toISOString().slice(0, 19);
  return `${base}.${(m[2] ?? '').padEnd(9, '0')}`;
}

export function formatLog(entries: LogEntry[], o: ReadOptions, now = Date.now()): string {
  let list = entries;
  const since = o.sinceTime ? tsKey(o.sinceTime) : o.sinceSeconds !== undefined ? tsKey(new Date(now - o.sinceSeconds * 1000).toISOString()) : undefined;
  if (since) { list = list.filter((e) => tsKey(e.timestamp) >= since); }
  if (o.tailLines !== undefined && o.tailLines >= 0) { list = o.tailLines === 0 ? [] : list.slice(-o.tailLines); }
  let text = list.map((e) => (o.timestamps ? `${e.timestamp} ${e.text}\n` : `${e.text}\n`)).join('');
  if (o.limitBytes !== undefined && o.limitBytes > 0) {
    const buf = Buffer.from(text, 'utf8');
    if (buf.length > o.limitBytes) { text = buf.subarray(0, o.limitBytes).toString('utf8'); }
  }
  return text;
}

export function readLogFile(file: string, o: ReadOptions): string {
  if (!existsSync(file)) { return ''; }
  return formatLog(parseCriLog(readFileSync(file, 'utf8')), o);
}

/**
 * The kubelet's answer to `pods/log` for pod `obj` (undefined: not found), with its 400s; `find` gives the
 * kubelet's record of a container of that pod.
 */
export function containerLogs(obj: KObject | undefined, pod: string, opts: LogOptions, find: (container: string) => { ps: PodState; cr: ContainerRun } | undefined): string {
  if (!obj) { throw new RuntimeError(404, 'NotFound', `pods "${pod}" not found`); }
  const mains: string[] = (obj.spec?.containers ?? []).map((c: { name: string }) => c.name);
  const inits: string[] = (obj.spec?.initContainers ?? []).map((c: { name: string }) => c.name);
  const ephs: string[] = (obj.spec?.ephemeralContainers ?? []).map((c: { name: string }) => c.name);
  let container = opts.container;
  if (!container) {
    // The API server defaults the container only when the pod has exactly one.
    if (mains.length === 1) { container = mains[0]; } else {
      let msg = `a container name must be specified for pod ${pod}, choose one of: [${mains.join(' ')}]`;
      if (inits.length) { msg += ` or one of the init containers: [${inits.join(' ')}]`; }
      if (ephs.length) { msg += ` or one of the ephemeral containers: [${ephs.join(' ')}]`; }
      throw new RuntimeError(400, 'BadRequest', msg);
    }
  }
  if (![...mains, ...inits, ...ephs].includes(container)) {
    throw new RuntimeError(400, 'BadRequest', `container ${container} is not valid for pod ${pod}`);
  }
  const found = find(container);
  const h = found && found.ps.uid === obj.metadata.uid ? found.cr.history.filter((a) => a.logFile) : [];
  const read = { tailLines: opts.tailLines, sinceSeconds: opts.sinceSeconds, sinceTime: opts.sinceTime, limitBytes: opts.limitBytes, timestamps: opts.timestamps };
  if (opts.previous) {
    // As the kubelet does: the second most recent container of that name.
    const prev = h[h.length - 2];
    if (!prev || prev.finishedAt === undefined) { throw new RuntimeError(400, 'BadRequest', `previous terminated container "${container}" in pod "${pod}" not found`); }
    return readLogFile(prev.logFile, read);
  }
  const cur = h[h.length - 1];
  // Init containers "completed at once" ran no process: like a real one that printed nothing.
  if (!cur && found?.cr.kind === 'init' && found.cr.phase === 'terminated') { return ''; }
  if (!cur) {
    const reason = found?.cr.waiting?.reason ?? 'ContainerCreating';
    throw new RuntimeError(400, 'BadRequest', `container "${container}" in pod "${pod}" is waiting to start: ${reason}`);
  }
  return readLogFile(cur.logFile, read);
}
