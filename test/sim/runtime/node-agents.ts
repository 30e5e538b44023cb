// The kubelet's per-node processes: as each Node registers, its network namespace is made and a prober
// agent and an exec agent start inside it, where a real node's kubelet and container runtime run.
import { join } from 'node:path';
import type { KObject } from '../store.ts';
import { ProberAgent } from './prober.ts';
import { ExecAgent } from './exec-agent-client.ts';
import { IP_BIN } from './container-exec.ts';
import { NODE_FLAGS } from './standin-launch.ts';

export interface NodeState { name: string; netns: string; ip: string; agent: ProberAgent; execAgent: ExecAgent }

export interface NodeAgentsOptions {
  addNode(name: string, index: number): Promise<{ netns: string; ip: string }>;
  nodeBinary: string;
  compileCache: string;
  /** True once the kubelet stops: agents are then not started, and waits end. */
  stopped(): boolean;
}

export class NodeAgents {
  private readonly o: NodeAgentsOptions;
  private readonly nodes = new Map<string, Promise<NodeState>>();
  private readonly states = new Map<string, NodeState>();
  private nodeIndex = 0;
  constructor(o: NodeAgentsOptions) { this.o = o; }

  /** Every node whose agents exist. */
  all(): IterableIterator<NodeState> { return this.states.values(); }

  get(name: string): NodeState | undefined { return this.states.get(name); }

  /** Starts the node's namespace and agents once; later calls for the same node do nothing. */
  ensure(n: KObject): void {
    const name = n.metadata.name;
    if (this.nodes.has(name)) { return; }
    const index = ++this.nodeIndex;
    const p = (async () => {
      const net = await this.o.addNode(name, index);
      const agent = new ProberAgent([IP_BIN, 'netns', 'exec', net.netns, this.o.nodeBinary, ...NODE_FLAGS, join(import.meta.dirname, 'prober-agent.ts')], { NODE_COMPILE_CACHE: this.o.compileCache });
      const execAgent = new ExecAgent([IP_BIN, 'netns', 'exec', net.netns, this.o.nodeBinary, ...NODE_FLAGS, join(import.meta.dirname, 'exec-agent-process.ts')], { NODE_COMPILE_CACHE: this.o.compileCache });
      if (!this.o.stopped()) { agent.start(); execAgent.start(); }
      const st: NodeState = { name, netns: net.netns, ip: net.ip, agent, execAgent };
      this.states.set(name, st);
      return st;
    })();
    p.catch((e) => process.stderr.write(`sim kubelet: node ${name}: ${(e as Error).message}\n`));
    this.nodes.set(name, p);
  }

  /** The node once its agents run; waits for a Node object that has not come yet. */
  wait(name: string): Promise<NodeState> {
    const p = this.nodes.get(name);
    if (p) { return p; }
    // The Node object may come later than its pods; poll cheaply until it does.
    return new Promise((resolve, reject) => {
      const t = setInterval(() => {
        if (this.o.stopped()) { clearInterval(t); reject(new Error('stopped')); return; }
        const q = this.nodes.get(name);
        if (q) { clearInterval(t); q.then(resolve, reject); }
      }, 100);
    });
  }
}
