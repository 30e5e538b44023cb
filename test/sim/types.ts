// Interfaces between the simulator's API server and its runtime (see CONTRACTS.md).
export interface ExecRequest { namespace: string; pod: string; container: string; command: string[]; stdin: boolean; tty: boolean }
export interface ExecStreams { stdin?: NodeJS.ReadableStream; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }
export interface LogOptions {
  container: string;
  previous?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  limitBytes?: number;
  timestamps?: boolean;
  follow?: boolean;
}

/** A pods/proxy request as the API server hands it to the runtime (pod IP and node already looked up). */
export interface ProxyRequest { nodeName: string; podIP: string; port: number; scheme: 'http' | 'https'; method: string; path: string; headers: Record<string, string>; timeoutMs: number }
/** The pod's answer, or the dial error the proxy reports. */
export type ProxyAnswer = { status: number; headers: Record<string, string>; body: string } | { error: string };

export interface RuntimeApi {
  /** Resolves with the exit code when the process ends. Throws RuntimeError when it cannot start. */
  exec(req: ExecRequest, streams: ExecStreams, signal: AbortSignal): Promise<{ exitCode: number }>;
  /** The container's log text, already filtered by the options. Throws RuntimeError (400/404) as the kubelet would. */
  logs(namespace: string, pod: string, opts: LogOptions): Promise<string>;
  /** pods/proxy: one HTTP request to the pod's IP from its node's network (optional: test doubles may not proxy). */
  proxy?(req: ProxyRequest): Promise<ProxyAnswer>;
}

/** A failure whose message is the exact text a real cluster puts in Status.message. */
export class RuntimeError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.code = code;
    this.reason = reason;
  }
}
