// The node's exec runner: a small process per node that starts `kubectl exec` sessions in pod network
// namespaces, as the container runtime on a node does. It exists for cost, not only for realism: fork()
// copies the page tables of the process that calls it, and the simulator's API server process is large,
// so spawning there took 10-40 ms of its event loop per exec; this process is small and runs beside it.
//
// Protocol: JSON lines on stdin (requests) and stdout (events); process output travels base64-encoded.
//   -> {op:'spawn', id, argv, env, stdin}   <- {id, pid} | {id, error}
//   -> {op:'in', id, data} / {op:'in-end', id}
//   -> {op:'kill', id}                      (SIGKILL to the session's process group)
//   <- {id, fd: 1|2, data}                  <- {id, code, signal} once its output is drained
// The agent exits when its stdin closes, killing what it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { encodeLine, readLines } from './jsonl.ts';

export type ExecAgentRequest =
  | { op: 'spawn'; id: number; argv: string[]; env: Record<string, string>; stdin: boolean }
  | { op: 'in'; id: number; data: string }
  | { op: 'in-end'; id: number }
  | { op: 'kill'; id: number };

export type ExecAgentEvent =
  | { id: number; pid: number }
  | { id: number; error: string }
  | { id: number; fd: 1 | 2; data: string }
  | { id: number; code: number | null; signal: NodeJS.Signals | null };

const sessions = new Map<number, ChildProcess>();
const send = (e: ExecAgentEvent): void => { process.stdout.write(encodeLine(e)); };

/**
 * SIGKILL to the session's process group while the session is open: its shell may have exited already
 * while background jobs still hold its output open (a session ends when its output closes).
 */
function killGroup(c: ChildProcess): void {
  if (c.pid) { try { process.kill(-c.pid, 'SIGKILL'); } catch { /* gone */ } }
}

function killAll(): void {
  for (const c of sessions.values()) { killGroup(c); }
}

function start(r: Extract<ExecAgentRequest, { op: 'spawn' }>): void {
  let c: ChildProcess;
  try {
    // Own process group: an aborted session is ended as a whole, shell jobs included.
    c = spawn(r.argv[0], r.argv.slice(1), { env: r.env, cwd: '/', stdio: [r.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], detached: true });
  } catch (e) {
    send({ id: r.id, error: (e as Error).message });
    return;
  }
  sessions.set(r.id, c);
  c.once('spawn', () => send({ id: r.id, pid: c.pid! }));
  c.stdout!.on('data', (d: Buffer) => send({ id: r.id, fd: 1, data: d.toString('base64') }));
  c.stderr!.on('data', (d: Buffer) => send({ id: r.id, fd: 2, data: d.toString('base64') }));
  c.stdin?.on('error', () => { /* the command may exit before reading its input */ });
  c.once('error', (e) => { sessions.delete(r.id); send({ id: r.id, error: e.message }); });
  c.once('close', (code, signal) => { sessions.delete(r.id); send({ id: r.id, code, signal }); });
}

readLines(process.stdin, (v) => {
  const r = v as ExecAgentRequest;
  if (r.op === 'spawn') { return start(r); }
  const c = sessions.get(r.id);
  if (!c) { return; }
  if (r.op === 'in') { c.stdin?.write(Buffer.from(r.data, 'base64')); }
  else if (r.op === 'in-end') { c.stdin?.end(); }
  else if (r.op === 'kill') { killGroup(c); }
});
// The kubelet closed our stdin (or died): nothing of ours may outlive us.
// It reaps them first: an unreaped session would linger as a zombie under init, still answering kill(pid, 0).
process.stdin.on('end', () => {
  killAll();
  const waiting = [...sessions.values()].filter((c) => c.exitCode === null && c.signalCode === null);
  if (waiting.length === 0) { process.exit(0); }
  let left = waiting.length;
  for (const c of waiting) { c.once('exit', () => { if (--left === 0) { process.exit(0); } }); }
  setTimeout(() => process.exit(0), 500).unref();
});
process.on('exit', killAll);
