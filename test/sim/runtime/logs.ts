// Container logs in the CRI format containerd writes (`<RFC3339Nano> <stream> <F|P> <text>`), and the
// kubelet's reading of them for `pods/log` (tailLines, sinceTime/sinceSeconds, timestamps, limitBytes).
import { openSync, writeSync, closeSync, readFileSync, existsSync } from 'node:fs';

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
    if (this.fd === undefined) return;
    const text = this.partial[stream] + chunk.toString('utf8');
    const lines = text.split('\n');
    this.partial[stream] = lines.pop() ?? '';
    // containerd splits very long lines into partial (P) records; 16 KiB is its buffer size.
    if (this.partial[stream].length > 16384) {
      writeSync(this.fd, `${rfc3339Nano()} ${stream} P ${this.partial[stream]}\n`);
      this.partial[stream] = '';
    }
    if (lines.length === 0) return;
    const ts = rfc3339Nano();
    writeSync(this.fd, lines.map((l) => `${ts} ${stream} F ${l}\n`).join(''));
  }

  close(): void {
    if (this.fd === undefined) return;
    for (const s of ['stdout', 'stderr'] as const) if (this.partial[s]) writeSync(this.fd, `${rfc3339Nano()} ${s} F ${this.partial[s]}\n`);
    closeSync(this.fd);
    this.fd = undefined;
  }
}

export interface LogEntry { timestamp: string; stream: string; text: string }

export function parseCriLog(content: string): LogEntry[] {
  const out: LogEntry[] = [];
  let pending: LogEntry | undefined;
  for (const line of content.split('\n')) {
    if (!line) continue;
    const a = line.indexOf(' ');
    const b = line.indexOf(' ', a + 1);
    const c = line.indexOf(' ', b + 1);
    if (a < 0 || b < 0 || c < 0) continue;
    const e = { timestamp: line.slice(0, a), stream: line.slice(a + 1, b), text: line.slice(c + 1) };
    const tag = line.slice(b + 1, c);
    if (pending) { pending.text += e.text; } else pending = e;
    if (tag !== 'P') { out.push(pending); pending = undefined; }
  }
  if (pending) out.push(pending);
  return out;
}

export interface ReadOptions { tailLines?: number; sinceSeconds?: number; sinceTime?: string; limitBytes?: number; timestamps?: boolean }

/** Nanosecond-precision comparison of RFC3339 timestamps (Date keeps only milliseconds). */
function tsKey(ts: string): string {
  const m = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (!m) return ts;
  const base = new Date(`${m[1]}${m[3]}`).toISOString().slice(0, 19);
  return `${base}.${(m[2] ?? '').padEnd(9, '0')}`;
}

export function formatLog(entries: LogEntry[], o: ReadOptions, now = Date.now()): string {
  let list = entries;
  const since = o.sinceTime ? tsKey(o.sinceTime) : o.sinceSeconds !== undefined ? tsKey(new Date(now - o.sinceSeconds * 1000).toISOString()) : undefined;
  if (since) list = list.filter((e) => tsKey(e.timestamp) >= since);
  if (o.tailLines !== undefined && o.tailLines >= 0) list = o.tailLines === 0 ? [] : list.slice(-o.tailLines);
  let text = list.map((e) => (o.timestamps ? `${e.timestamp} ${e.text}\n` : `${e.text}\n`)).join('');
  if (o.limitBytes !== undefined && o.limitBytes > 0) {
    const buf = Buffer.from(text, 'utf8');
    if (buf.length > o.limitBytes) text = buf.subarray(0, o.limitBytes).toString('utf8');
  }
  return text;
}

export function readLogFile(file: string, o: ReadOptions): string {
  if (!existsSync(file)) return '';
  return formatLog(parseCriLog(readFileSync(file, 'utf8')), o);
}
