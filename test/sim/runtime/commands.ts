// Running the network's commands (ip, iptables-restore, nsenter): one argv with optional stdin, a limit
// on how many run at once, and `ip` lines from many callers batched into one `ip -batch` process.
import { spawn } from 'node:child_process';

class CommandError extends Error {}


/** Runs one command (argv, never a shell), optionally feeding stdin; resolves with stdout. */
export function run(argv: string[], input: string | undefined, children: Set<number>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    if (child.pid) { children.add(child.pid); }
    let out = '', err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    child.on('error', (e) => { if (child.pid) { children.delete(child.pid); } reject(e); });
    child.on('close', (code, signal) => {
      if (child.pid) { children.delete(child.pid); }
      if (code === 0) { resolve(out); }
      else { reject(new CommandError(`${argv.join(' ')} failed (${signal ?? 'exit ' + code}): ${err.trim() || out.trim()}${input ? '\ninput:\n' + input.slice(0, 2000) : ''}`)); }
    });
    child.stdin.on('error', () => { /* the exit status reports the failure */ });
    child.stdin.end(input ?? '');
  });
}

/** A small FIFO semaphore: pod setups run concurrently, but not as many as there are pods. */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly max: number;
  constructor(max: number) { this.max = max; }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) { await new Promise<void>((r) => this.waiting.push(r)); }
    this.active++;
    try { return await fn(); } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/**
 * Coalesces `ip -batch` lines from concurrent callers into one process per context (one `ip` run
 * costs ~10 ms of a 2-core machine; 100 pods would otherwise spend seconds on process start-up).
 * With -force a failing line does not stop the others; `Command failed -:N` tells whose line it was.
 */
export class IpBatcher {
  private queue: Array<{ lines: string[]; resolve: () => void; reject: (e: Error) => void }> = [];
  private scheduled = false;
  private readonly argv: string[];
  private readonly children: Set<number>;
  constructor(argv: string[], children: Set<number>) { this.argv = argv; this.children = children; }
  submit(lines: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ lines, resolve, reject });
      if (!this.scheduled) { this.scheduled = true; setImmediate(() => this.flush()); }
    });
  }
  private flush(): void {
    this.scheduled = false;
    const jobs = this.queue.splice(0);
    if (jobs.length === 0) { return; }
    const input = jobs.flatMap((j) => j.lines).join('\n') + '\n';
    run([...this.argv, '-force', '-batch', '-'], input, this.children).then(
      () => { for (const j of jobs) { j.resolve(); } },
      (e: Error) => {
        const failed = new Set([...e.message.matchAll(/Command failed -:(\d+)/g)].map((m) => Number(m[1])));
        let line = 1;
        for (const j of jobs) {
          const first = line;
          line += j.lines.length;
          const bad = failed.size === 0 || [...failed].some((n) => n >= first && n < line);
          if (bad) { j.reject(new Error(`${e.message.split('\ninput:')[0]}\nfor:\n${j.lines.join('\n')}`)); } else { j.resolve(); }
        }
      },
    );
  }
}
