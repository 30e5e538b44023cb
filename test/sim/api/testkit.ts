// Shared by the API server tests: a scripted RuntimeApi, a small cluster fixture, kubeconfigs and a
// kubectl runner. Lives beside the server so the tests stay free of root and of the real runtime.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, typeByKind, type KObject } from '../store.ts';
import { RuntimeError, type ExecRequest, type ExecStreams, type LogOptions, type RuntimeApi } from '../types.ts';
import { startApiServer, type ApiServer } from './server.ts';

export const NOT_FOUND_SS = 'Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "0f3c5e1b9a7d2c4e6f8a0b1c3d5e7f9a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e": OCI runtime exec failed: exec failed: unable to start container process: exec: "ss": executable file not found in $PATH: unknown';

/** Plays the kubelet: a handful of commands with real exit codes, and per-container logs. */
export class FakeRuntime implements RuntimeApi {
  execs: ExecRequest[] = [];
  logCalls: Array<{ namespace: string; pod: string; opts: LogOptions }> = [];

  async exec(req: ExecRequest, streams: ExecStreams, signal: AbortSignal): Promise<{ exitCode: number }> {
    this.execs.push(req);
    const [cmd, ...args] = req.command;
    if (req.container === 'otelcol') { throw new RuntimeError(500, 'InternalError', NOT_FOUND_SS.replace('"ss"', JSON.stringify(cmd))); }
    switch (cmd) {
      case 'echo': streams.stdout.write(args.join(' ') + '\n'); return { exitCode: 0 };
      case 'warn': streams.stderr.write(args.join(' ') + '\n'); return { exitCode: 0 };
      case 'hostname': streams.stdout.write(`${req.pod}\n`); return { exitCode: 0 };
      case 'sh': {
        const m = args[0] === '-c' ? /^exit (\d+)$/.exec(args[1] ?? '') : null;
        if (m) { return { exitCode: Number(m[1]) }; }
        streams.stderr.write(`sh: unsupported script in the fake runtime: ${args.join(' ')}\n`);
        return { exitCode: 2 };
      }
      case 'cat': {
        if (!streams.stdin) { return { exitCode: 0 }; }
        const stdin = streams.stdin;
        return new Promise((resolve) => {
          stdin.on('data', (d) => streams.stdout.write(d));
          stdin.on('end', () => resolve({ exitCode: 0 }));
          signal.addEventListener('abort', () => resolve({ exitCode: 137 }));
        });
      }
    }
    throw new RuntimeError(500, 'InternalError', NOT_FOUND_SS.replace('"ss"', JSON.stringify(cmd)));
  }

  async logs(namespace: string, pod: string, opts: LogOptions): Promise<string> {
    this.logCalls.push({ namespace, pod, opts });
    if (opts.previous) {
      if (pod !== 'crashy') { throw new RuntimeError(400, 'BadRequest', `previous terminated container "${opts.container}" in pod "${pod}" not found`); }
      return 'Error: cannot start pipelines: failed to start "otlp" receiver: listen tcp 10.0.0.1:4317: bind: cannot assign requested address\n';
    }
    let lines = [1, 2, 3, 4, 5].map((i) => `${pod}/${opts.container} line ${i}`);
    if (opts.tailLines !== undefined) { lines = lines.slice(-opts.tailLines); }
    let text = lines.map((l) => (opts.timestamps ? `2026-01-01T00:00:00.000000000Z ${l}` : l)).join('\n') + '\n';
    if (opts.limitBytes !== undefined) { text = text.slice(0, opts.limitBytes); }
    return text;
  }
}

const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

function runningStatus(pod: KObject, ip: string, node: string, restarts: Record<string, number> = {}): KObject['status'] {
  return {
    phase: 'Running', podIP: ip, podIPs: [{ ip }], hostIP: node === 'sim-node-1' ? '172.18.0.2' : '172.18.0.3', startTime: ago(60),
    conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({ type, status: 'True', lastTransitionTime: ago(60) })),
    containerStatuses: pod.spec.containers.map((c: { name: string; image: string }) => ({
      name: c.name, image: c.image, imageID: '', containerID: `containerd://${'a'.repeat(64)}`, ready: true, started: true,
      restartCount: restarts[c.name] ?? 0, state: { running: { startedAt: ago(60) } },
    })),
  };
}

/** Namespaces, nodes, a collector, a two-container app, a crashing pod, a web tier, a Service and its Endpoints. */
export function seed(api: ApiServer, store: Store): void {
  for (const ns of ['observability', 'apps']) { api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }); }
  for (const [i, n] of ['sim-node-1', 'sim-node-2'].entries()) {
    api.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: n, labels: { 'kubernetes.io/hostname': n } },
      status: { addresses: [{ type: 'InternalIP', address: `172.18.0.${i + 2}` }, { type: 'Hostname', address: n }], conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v1.32.4-sim' } } });
  }
  const podT = typeByKind('Pod')!;
  const pod = (ns: string, name: string, containers: Array<[string, string]>, labels: Record<string, string>, node: string, ip: string, restarts: Record<string, number> = {}) => {
    api.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels }, spec: { nodeName: node, containers: containers.map(([n, image]) => ({ name: n, image, ports: n === 'otelcol' ? [{ containerPort: 4317 }] : undefined })) } });
    store.mutate(podT, ns, name, (p) => { p.status = runningStatus(p, ip, node, restarts); });
  };
  pod('observability', 'otel-collector-7d4b9c-x2x9q', [['otelcol', 'otel/opentelemetry-collector-contrib:0.111.0']], { app: 'otel-collector' }, 'sim-node-1', '10.244.1.5');
  pod('apps', 'app-1', [['app', 'busybox:1.36'], ['sidecar', 'busybox']], { app: 'shop', tier: 'web' }, 'sim-node-2', '10.244.2.7');
  pod('apps', 'crashy', [['collector', 'otel/opentelemetry-collector:0.120.0']], { app: 'crashy' }, 'sim-node-1', '10.244.1.9', { collector: 3 });
  store.mutate(podT, 'apps', 'crashy', (p) => {
    const cs = p.status.containerStatuses[0];
    cs.ready = false; cs.started = false;
    cs.state = { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=collector pod=crashy_apps' } };
    cs.lastState = { terminated: { exitCode: 1, reason: 'Error', startedAt: ago(7), finishedAt: ago(5) } };
    p.status.conditions = p.status.conditions.map((c: { type: string }) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False' } : c));
  });
  for (let i = 1; i <= 5; i++) { pod('default', `web-${i}`, [['web', 'nginx:1.27']], { tier: i <= 3 ? 'web' : 'db', idx: String(i) }, i % 2 ? 'sim-node-1' : 'sim-node-2', `10.244.${2 - (i % 2)}.${20 + i}`); }
  api.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'otel-collector', namespace: 'observability' },
    spec: { selector: { app: 'otel-collector' }, ports: [{ name: 'otlp-grpc', port: 4317 }, { name: 'otlp-http', port: 4318, targetPort: 4318 }] } });
  api.create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'otel-collector', namespace: 'observability' },
    subsets: [{ addresses: [{ ip: '10.244.1.5', nodeName: 'sim-node-1' }], ports: [{ name: 'otlp-grpc', port: 4317, protocol: 'TCP' }, { name: 'otlp-http', port: 4318, protocol: 'TCP' }] }] });
  const crashy = store.get(podT, 'apps', 'crashy')!;
  api.create({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'crashy.1', namespace: 'apps' },
    involvedObject: { kind: 'Pod', namespace: 'apps', name: 'crashy', uid: crashy.metadata.uid, apiVersion: 'v1', fieldPath: 'spec.containers{collector}' },
    reason: 'BackOff', message: 'Back-off restarting failed container collector in pod crashy_apps(uid)', type: 'Warning', source: { component: 'kubelet', host: 'sim-node-1' },
    firstTimestamp: ago(50), lastTimestamp: ago(5), count: 4 });
}

export interface Harness {
  api: ApiServer;
  store: Store;
  runtime: FakeRuntime;
  dir: string;
  kubeconfig(user: string): Promise<string>;
  kubectl(user: string, args: string[], opts?: { input?: string }): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

export async function startHarness(opts: { latencyMs?: number; auditLog?: boolean; responseCompression?: boolean } = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'sim-api-'));
  const store = new Store();
  const runtime = new FakeRuntime();
  const api = await startApiServer({ store, runtime, stateDir: dir, latencyMs: opts.latencyMs, responseCompression: opts.responseCompression, auditLog: opts.auditLog ? join(dir, 'audit.jsonl') : undefined });
  seed(api, store);
  const configs = new Map<string, string>();
  const kubeconfig = async (user: string) => {
    let f = configs.get(user);
    if (f) { return f; }
    f = join(dir, `kubeconfig-${user}`);
    const doc = {
      apiVersion: 'v1', kind: 'Config', 'current-context': 'sim',
      clusters: [{ name: 'sim', cluster: { server: api.url, 'certificate-authority-data': Buffer.from(api.caPem).toString('base64') } }],
      users: [{ name: user, user: { token: api.tokenFor(user) } }],
      contexts: [{ name: 'sim', context: { cluster: 'sim', user, namespace: 'default' } }],
    };
    await writeFile(f, JSON.stringify(doc, null, 2));
    configs.set(user, f);
    return f;
  };
  const kubectl = async (user: string, args: string[], o: { input?: string } = {}) => {
    const KUBECONFIG = await kubeconfig(user);
    return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile('kubectl', args, { env: { ...process.env, KUBECONFIG, HOME: dir, KUBECACHEDIR: join(dir, 'cache') }, timeout: 30_000, maxBuffer: 1 << 30 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      });
      if (o.input !== undefined) { child.stdin?.end(o.input); } else { child.stdin?.end(); }
    });
  };
  return { api, store, runtime, dir, kubeconfig, kubectl, async stop() { await api.close(); await rm(dir, { recursive: true, force: true }); } };
}
