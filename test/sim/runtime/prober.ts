// Kubelet side of probing: one agent process per node (prober-agent.ts inside the node's network namespace,
// so probes travel node -> pod as on a real node), and the translation of a container's probe spec.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { KObject } from '../store.ts';
import type { ProbeAnswer, ProbeRequest } from './prober-agent.ts';

export type { ProbeAnswer, ProbeRequest };

export class ProberAgent {
  private child?: ChildProcess;
  private seq = 0;
  private readonly pending = new Map<number, (a: ProbeAnswer) => void>();
  private readonly argv: string[];
  private readonly env: Record<string, string>;

  constructor(argv: string[], env: Record<string, string> = {}) { this.argv = argv; this.env = env; }

  get pid(): number | undefined { return this.child?.pid; }

  start(): void {
    const c = spawn(this.argv[0], this.argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'], detached: true, env: this.env });
    this.child = c;
    c.on('error', () => this.failAll('prober agent failed to start'));
    c.on('exit', () => { this.child = undefined; this.failAll('prober agent exited'); });
    createInterface({ input: c.stdout! }).on('line', (line) => {
      let a: ProbeAnswer;
      try { a = JSON.parse(line) as ProbeAnswer; } catch { return; }
      this.pending.get(a.id)?.(a);
      this.pending.delete(a.id);
    });
  }

  private failAll(message: string): void {
    for (const [id, r] of this.pending) { r({ id, ok: false, message }); }
    this.pending.clear();
  }

  probe(req: Omit<ProbeRequest, 'id'>): Promise<ProbeAnswer> {
    const c = this.child;
    if (!c?.stdin?.writable) { return Promise.resolve({ id: 0, ok: false, message: 'prober agent not running' }); }
    const id = ++this.seq;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      c.stdin!.write(JSON.stringify({ ...req, id }) + '\n');
      // The agent enforces the probe timeout; this guards against a wedged agent only.
      setTimeout(() => { if (this.pending.delete(id)) { resolve({ id, ok: false, message: 'probe agent did not answer' }); } }, req.timeoutMs + 5000).unref();
    });
  }

  /** Ends the agent by its pid (it also exits when its stdin closes); resolves once it is gone. */
  stop(): Promise<void> {
    const c = this.child;
    if (!c?.pid || c.exitCode !== null || c.signalCode !== null) { return Promise.resolve(); }
    const gone = new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 5000);
      c.once('exit', () => { clearTimeout(t); resolve(); });
    });
    c.stdin?.end();
    try { process.kill(-c.pid, 'SIGKILL'); } catch { /* already gone */ }
    return gone;
  }

  /** For synchronous 'exit' handlers. */
  killSync(): void {
    const pid = this.child?.pid;
    if (pid) { try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ } }
  }
}

/** Scaled-down probe timing: real periods (default 10 s) are capped so a simulated cluster settles fast. */
export const PROBE_PERIOD_CAP_S = 2;
export const PROBE_INITIAL_DELAY_CAP_S = 5;

export interface ProbeTiming { initialDelayMs: number; periodMs: number; timeoutMs: number; failureThreshold: number; successThreshold: number }

export function probeTiming(p: KObject['spec']): ProbeTiming {
  return {
    initialDelayMs: Math.min(p.initialDelaySeconds ?? 0, PROBE_INITIAL_DELAY_CAP_S) * 1000,
    periodMs: Math.min(p.periodSeconds ?? 10, PROBE_PERIOD_CAP_S) * 1000,
    timeoutMs: (p.timeoutSeconds ?? 1) * 1000,
    failureThreshold: p.failureThreshold ?? 3,
    successThreshold: p.successThreshold ?? 1,
  };
}

/** A named port resolves against the container's `ports`, as the kubelet's findPortByName does. */
export function resolvePort(port: number | string, container: KObject['spec']): number | undefined {
  if (typeof port === 'number') { return port; }
  if (/^\d+$/.test(port)) { return Number(port); }
  const p = (container.ports ?? []).find((x: { name?: string }) => x.name === port);
  return p?.containerPort;
}

/**
 * The network request for a probe, or a string: the kubelet's error when the probe cannot be built.
 * `exec` probes return 'exec' (run by the kubelet in the container instead). gRPC probes are approximated
 * by a TCP connect (documented simplification).
 */
export function probeRequest(probe: KObject['spec'], container: KObject['spec'], podIP: string, timeoutMs: number): Omit<ProbeRequest, 'id'> | 'exec' | string {
  if (probe.exec) { return 'exec'; }
  if (probe.httpGet) {
    const port = resolvePort(probe.httpGet.port, container);
    if (port === undefined) { return `failed to find port "${probe.httpGet.port}"`; }
    return { kind: 'http', host: probe.httpGet.host || podIP, port, path: probe.httpGet.path, scheme: probe.httpGet.scheme, headers: probe.httpGet.httpHeaders, timeoutMs };
  }
  if (probe.tcpSocket) {
    const port = resolvePort(probe.tcpSocket.port, container);
    if (port === undefined) { return `failed to find port "${probe.tcpSocket.port}"`; }
    return { kind: 'tcp', host: probe.tcpSocket.host || podIP, port, timeoutMs };
  }
  if (probe.grpc) { return { kind: 'tcp', host: podIP, port: probe.grpc.port, timeoutMs }; }
  return 'missing probe handler';
}
