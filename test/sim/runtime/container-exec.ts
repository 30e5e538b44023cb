// `kubectl exec` in a container as containerd runs it: the container's tool profile is its PATH (a
// command the image lacks fails with containerd's exact words), its environment, and the node's exec
// agent starting the process in the pod's network namespace.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError, type ExecRequest, type ExecStreams } from '../types.ts';
import type { ExecAgent } from './exec-agent-client.ts';
import { commandName } from './profiles.ts';
import { exitCodeOf, hex64, type ContainerRun, type PodState } from './pod-status.ts';

export const IP_BIN = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => existsSync(p)) ?? 'ip';

/** What exec needs of the kubelet. */
export interface ExecHost {
  /** The pod's container names ([] when the pod is unknown), for the default container. */
  containerNames(namespace: string, pod: string): string[];
  find(namespace: string, pod: string, container: string): { ps: PodState; cr: ContainerRun } | undefined;
  /** The container's tool profile directory (materialised on first use). */
  profileDir(ps: PodState, cr: ContainerRun): string;
  /** The exec agent of a node, once the node is up. */
  execAgent(nodeName: string): ExecAgent | undefined;
}

export class ContainerExec {
  private readonly host: ExecHost;
  constructor(host: ExecHost) { this.host = host; }

  private readonly profileListing = new Map<string, Set<string>>();
  /** The profile's commands, by exact name (so `..`, `` or `a/../b` can never name something else). */
  private profileEntries(dir: string): Set<string> {
    let e = this.profileListing.get(dir);
    if (!e) { e = new Set(readdirSync(dir)); this.profileListing.set(dir, e); }
    return e;
  }

  async exec(req: ExecRequest, streams: ExecStreams, signal: AbortSignal): Promise<{ exitCode: number }> {
    if (!req.container) {
      // The API server normally defaults this; kept here so the RuntimeApi stands on its own.
      const names = this.host.containerNames(req.namespace, req.pod);
      if (names.length !== 1) { throw new RuntimeError(400, 'BadRequest', `a container name must be specified for pod ${req.pod}, choose one of: [${names.join(' ')}]`); }
      req = { ...req, container: names[0] };
    }
    const found = this.host.find(req.namespace, req.pod, req.container);
    if (!found || found.cr.phase !== 'running' || !found.ps.netns) {
      // The kubelet's answer; kubectl prints it as "unable to upgrade connection: container not found (...)".
      throw new RuntimeError(500, 'InternalError', `container not found ("${req.container}")`);
    }
    const { ps, cr } = found;
    const dir = cr.profileDir ?? this.host.profileDir(ps, cr);
    const cmd = req.command[0] ?? '';
    const name = commandName(cmd);
    if (!cmd || !this.profileEntries(dir).has(name)) {
      throw new RuntimeError(500, 'InternalError', `Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "${hex64()}": OCI runtime exec failed: exec failed: unable to start container process: exec: "${cmd}": executable file not found in $PATH: unknown`);
    }
    const env: Record<string, string> = { PATH: dir, HOSTNAME: ps.pod.spec?.hostNetwork ? (ps.pod.spec.nodeName ?? ps.name) : ps.name, HOME: '/root' };
    for (const e of cr.env) { env[e.name] = e.value; }
    if (req.tty) { env.TERM = 'xterm'; }
    // Absolute paths (/bin/sh) name the profile's entry: the image's /bin is the profile.
    const argv0 = cmd.includes('/') ? join(dir, name) : name;
    if (signal.aborted) { return { exitCode: 130 }; }
    // The node's exec agent starts the session (see exec-agent-process.ts for why not this process).
    const agent = this.host.execAgent(ps.pod.spec?.nodeName ?? '');
    if (!agent) { throw new RuntimeError(500, 'InternalError', `Internal error occurred: error executing command in container: node ${ps.pod.spec?.nodeName ?? ''} is not ready`); }
    return runInNetns(agent, ps.netns!, [argv0, ...req.command.slice(1)], env, req, streams, signal);
  }
}

/**
 * One exec session through a node's exec agent inside a network namespace: ended by the request's abort,
 * its exit code as the CRI reports it, and a failure to run as the API server's 500 wording.
 */
export async function runInNetns(agent: ExecAgent, netns: string, argv: string[], env: Record<string, string>, req: ExecRequest, streams: ExecStreams, signal: AbortSignal): Promise<{ exitCode: number }> {
  const session = agent.run([IP_BIN, 'netns', 'exec', netns, ...argv], env, {
    stdout: streams.stdout, stderr: streams.stderr, ...(req.stdin && streams.stdin ? { stdin: streams.stdin } : {}),
  });
  const onAbort = () => session.kill();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const { code, signal: sig } = await session.done;
    return { exitCode: exitCodeOf(code, sig) };
  } catch (e) {
    throw new RuntimeError(500, 'InternalError', `Internal error occurred: error executing command in container: ${(e as Error).message}`);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
