// The simulated node runtime: network (namespaces, veths, iptables) plus the kubelet (processes, status,
// probes, logs, exec). The API server talks to it through RuntimeApi only.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../store.ts';
import type { ExecRequest, ExecStreams, LogOptions, ProxyAnswer, ProxyRequest, RuntimeApi } from '../types.ts';
import { proxyFromNode } from './pod-proxy.ts';
import { Network } from './network.ts';
import { Kubelet } from './kubelet.ts';
import { DnsDataWriter } from './dnsdata.ts';

export { Kubelet } from './kubelet.ts';

export interface RuntimeOptions {
  store: Store;
  stateDir: string;
  runId: string;
  repoRoot: string;
  network?: Network;
  /** Overrides where the stand-in scripts live (tests use fixtures; default `<repoRoot>/test/sim/standins`). */
  standinDir?: string;
  /** Node binary for stand-ins (default: the one running the simulator). */
  nodeBinary?: string;
  maxConcurrentStarts?: number;
}

export class Runtime implements RuntimeApi {
  readonly network: Network;
  private readonly ownsNetwork: boolean;
  private readonly kubelet: Kubelet;
  private readonly dns: DnsDataWriter;
  private readonly stateDir: string;

  constructor(opts: RuntimeOptions) {
    this.stateDir = opts.stateDir;
    this.ownsNetwork = !opts.network;
    this.network = opts.network ?? new Network({ store: opts.store, runId: opts.runId, stateDir: opts.stateDir });
    const dnsDataFile = join(opts.stateDir, 'dns.json');
    this.dns = new DnsDataWriter(opts.store, dnsDataFile);
    this.kubelet = new Kubelet({
      store: opts.store, stateDir: opts.stateDir, repoRoot: opts.repoRoot, network: this.network,
      standinDir: opts.standinDir, nodeBinary: opts.nodeBinary, maxConcurrentStarts: opts.maxConcurrentStarts, dnsDataFile,
    });
  }

  async start(): Promise<void> {
    mkdirSync(this.stateDir, { recursive: true });
    if (this.ownsNetwork) { await this.network.start(); }
    this.dns.start();
    this.kubelet.start();
  }

  /** Kills every process the runtime started (by pid), then removes the network. */
  async stop(): Promise<void> {
    this.dns.stop();
    await this.kubelet.stop();
    await this.network.stop();
  }

  cleanupSync(): void {
    this.dns.stop();
    this.kubelet.killAllSync();
    this.network.cleanupSync();
  }

  /** Live pids of containers, exec sessions and prober agents (for leak checks). */
  pids(): number[] { return this.kubelet.pids(); }

  exec(req: ExecRequest, streams: ExecStreams, signal: AbortSignal): Promise<{ exitCode: number }> {
    return this.kubelet.exec(req, streams, signal);
  }

  logs(namespace: string, pod: string, opts: LogOptions): Promise<string> {
    return this.kubelet.logs(namespace, pod, opts);
  }

  proxy(req: ProxyRequest): Promise<ProxyAnswer> {
    return proxyFromNode(this.network.nodeNetns(req.nodeName), req);
  }
}
