// temporary measurement (helper): exec cost through our client, sequential and parallel, and TLS session reuse
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { startCluster, REPO_ROOT } from '../test/sim/cli.ts';
import { typeByKind } from '../test/sim/store.ts';
import { loadKubeconfig } from '../src/cluster/kubeconfig.ts';
import { createClusterClient } from '../src/cluster/client.ts';
const tls = createRequire(import.meta.url)('node:tls');
const orig = tls.connect;
let conns = 0, reused = 0;
tls.connect = function (...a: unknown[]) { const s = orig.apply(this, a); conns++; s.once('secureConnect', () => { if (s.isSessionReused()) reused++; }); return s; };
const cluster = await startCluster({ manifests: [join(REPO_ROOT, 'test/scenarios/seed/manifests')], log: () => {}, settleTimeoutMs: 120_000 });
try {
  const pod = cluster.store.list(typeByKind('Pod')!).find((p: any) => p.metadata.namespace !== 'kube-system' && !/collector/.test(p.metadata.name) && p.status?.phase === 'Running')!;
  const client = createClusterClient(loadKubeconfig({ kubeconfig: cluster.kubeconfig }));
  const ex = () => client.exec(pod.metadata.namespace!, pod.metadata.name, pod.spec.containers[0].name, ['sh', '-c', 'true'], { timeoutMs: 10000 });
  await ex();
  const N = Number(process.env.N ?? 20);
  let t = performance.now();
  for (let i = 0; i < N; i++) await ex();
  const seq = (performance.now() - t) / N;
  const cpu0 = process.cpuUsage();
  t = performance.now();
  await Promise.all(Array.from({ length: N }, ex));
  const par = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({ seqMsPerExec: Math.round(seq), parallelTotalMs: Math.round(par), clientCpuMsPerExecParallel: Math.round((cpu.user + cpu.system) / 1000 / N), tlsConnections: conns, sessionsReused: reused }));
  await client.close();
} finally { await cluster.stop(); }
