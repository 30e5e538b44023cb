// The kubelet's side of a node's exec agent (exec-agent-process.ts): starts it, multiplexes sessions over its
// stdin/stdout, and knows every pid it started so cleanup can end them by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { encodeLine, readLines } from './jsonl.ts';
import type { ExecAgentEvent, ExecAgentRequest } from './exec-agent-process.ts';

export interface AgentSession {
  /** resolves with the command's exit status once its output has been delivered */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
}

interface Pending {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  pid?: number;
  settle: (r: { code: number | null; signal: NodeJS.Signals | null } | Error) => void;
}

export class ExecAgent {
  private child?: ChildProcess;
  private seq = 0;
  /** set once stop()/killSync() SIGKILLed the sessions: they ended by that signal, not by an agent failure */
  private killed = false;
  private readonly sessions = new Map<number, Pending>();
  private readonly argv: string[];
  private readonly env: Record<string, string>;

  constructor(argv: string[], env: Record<string, string> = {}) { this.argv = argv; this.env = env; }

  get pid(): number | undefined { return this.child?.pid; }

  /** pids of the sessions still running (each leads its own process group) */
  sessionPids(): number[] {
    return [...this.sessions.values()].flatMap((s) => (s.pid ? [s.pid] : []));
  }

  private restarts = 0;

  start(): void {
    const c = spawn(this.argv[0], this.argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'], detached: true, env: this.env });
    this.child = c;
    c.on('error', () => this.failAll('exec agent failed to start'));
    // 'close', not 'exit': the events it wrote before dying are read first.
    c.on('close', () => {
      if (this.child === c) { this.child = undefined; }
      // Its sessions lead their own process groups and would outlive it untracked.
      for (const pid of this.sessionPids()) { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }
      this.failAll('exec agent exited');
      // A node whose agent died would refuse every exec for the rest of the run: start a new one.
      if (!this.killed && this.restarts < 5) { this.restarts++; this.start(); }
    });
    c.stdin!.on('error', () => { /* the agent died; its close handler fails the sessions */ });
    readLines(c.stdout!, (v) => {
      const e = v as ExecAgentEvent;
      const s = this.sessions.get(e.id);
      if (!s) { return; }
      if ('pid' in e) { s.pid = e.pid; }
      else if ('fd' in e) { (e.fd === 1 ? s.stdout : s.stderr).write(Buffer.from(e.data, 'base64')); }
      else if ('error' in e) { this.sessions.delete(e.id); s.settle(new Error(e.error)); }
      else { this.sessions.delete(e.id); s.settle({ code: e.code, signal: e.signal }); }
    });
  }

  private send(r: ExecAgentRequest): void {
    this.child?.stdin?.write(encodeLine(r));
  }

  private failAll(message: string): void {
    for (const [id, s] of this.sessions) { this.sessions.delete(id); s.settle(this.killed ? { code: null, signal: 'SIGKILL' } : new Error(message)); }
  }

  /** Starts argv with env; output goes to the writables (not ended), stdin (if given) is forwarded. */
  run(argv: string[], env: Record<string, string>, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; stdin?: NodeJS.ReadableStream }): AgentSession {
    const id = ++this.seq;
    let settle!: Pending['settle'];
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      settle = (r) => { if (r instanceof Error) { reject(r); } else { resolve(r); } };
    });
    if (!this.child?.stdin?.writable) {
      settle(new Error('exec agent not running'));
      return { done, kill: () => {} };
    }
    const onData = (d: Buffer): void => this.send({ op: 'in', id, data: Buffer.from(d).toString('base64') });
    const onEnd = (): void => this.send({ op: 'in-end', id });
    this.sessions.set(id, {
      stdout: io.stdout,
      stderr: io.stderr,
      settle: (r) => {
        io.stdin?.off('data', onData).off('end', onEnd);
        settle(r);
      },
    });
    this.send({ op: 'spawn', id, argv, env, stdin: !!io.stdin });
    if (io.stdin && (io.stdin as NodeJS.ReadableStream & { readableEnded?: boolean }).readableEnded) { onEnd(); }
    else { io.stdin?.on('data', onData).on('end', onEnd); }
    return { done, kill: () => this.send({ op: 'kill', id }) };
  }

  /** Ends the agent and every session it runs (SIGKILL to each process group); resolves once it is gone. */
  stop(): Promise<void> {
    const c = this.child;
    this.killed = true;
    for (const pid of this.sessionPids()) { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }
    if (!c?.pid) { return Promise.resolve(); }
    const pid = c.pid;
    const exited = c.exitCode !== null || c.signalCode !== null;
    return new Promise<void>((resolve) => {
      // 'close', not 'exit': only then has the close handler forgotten the agent and its sessions, so a
      // caller that lists pids after stop() sees none (after 'exit' alone it raced, and once in CI did).
      const last = setTimeout(resolve, 6000);
      c.once('close', () => { clearTimeout(last); resolve(); });
      if (exited) { return; }
      // Closing its stdin makes the agent end (and reap) sessions whose pid it had not reported yet.
      const t = setTimeout(() => { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }, 1000);
      c.once('exit', () => { clearTimeout(t); try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } });
      c.stdin?.end();
    });
  }

  /** For synchronous 'exit' handlers. */
  killSync(): void {
    this.killed = true;
    for (const pid of this.sessionPids()) { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }
    const pid = this.child?.pid;
    if (pid) { try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ } }
  }
}
