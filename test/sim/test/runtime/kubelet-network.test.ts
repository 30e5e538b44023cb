// The whole runtime (real Network + kubelet) with fixture processes as containers: probes travel from the
// node's namespace to the pod, pods on different nodes reach each other, and stop() leaves nothing behind.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { Store, typeByKind, type KObject } from '../../store.ts';
import { Runtime } from '../../runtime/index.ts';
import { RuntimeError } from '../../types.ts';
import { isRunning } from '../../runtime/network.ts';

const skip = process.getuid?.() === 0 ? false : 'needs root (network namespaces): run as root to exercise the runtime';
const POD = typeByKind('Pod')!;
const NODE = typeByKind('Node')!;
const SERVICE = typeByKind('Service')!;
const repoRoot = join(import.meta.dirname, '../../../..');
const standinDir = join(import.meta.dirname, '../../runtime/testdata/standins');

const sink = () => {
  const chunks: Buffer[] = [];
  return { stream: new Writable({ write(c, _e, cb) { chunks.push(Buffer.from(c)); cb(); } }), text: () => Buffer.concat(chunks).toString('utf8') };
};
async function until<T>(what: string, f: () => T | undefined | false, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) { return v; }
    if (Date.now() > end) { throw new Error(`timed out waiting for ${what}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
}
// A killed orphan stays a zombie until PID 1 reaps it: gone is gone or a zombie.
const alive = isRunning;
const netnsList = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });

const runId = randomBytes(3).toString('hex');
let runtime: Runtime | undefined;
let stateDir = '';
after(async () => {
  await runtime?.stop();
  if (stateDir) { rmSync(stateDir, { recursive: true, force: true }); }
});

test('runtime: real network, probes from the node, cross-node traffic, exec, crash loop, clean stop', { skip, timeout: 120_000 }, async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'sim-runtime-'));
  const store = new Store();
  runtime = new Runtime({ store, stateDir, runId, repoRoot, standinDir });
  await runtime.start();
  for (const n of ['sim-node-1', 'sim-node-2']) { store.create(NODE, { apiVersion: 'v1', kind: 'Node', metadata: { name: n } }); }
  store.create(SERVICE, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.0.50', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
  const pod = (name: string, node: string, spec: KObject['spec'], labels?: Record<string, string>): KObject =>
    store.create(POD, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels }, spec: { nodeName: node, ...spec } });

  pod('web', 'sim-node-1', { containers: [{ name: 'app', image: 'busybox', ports: [{ name: 'http', containerPort: 8080 }], readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 1 } }] }, { app: 'web' });
  pod('client', 'sim-node-2', { containers: [{ name: 'sh', image: 'alpine:3.20' }] });
  pod('otel', 'sim-node-2', { containers: [{ name: 'otelcol', image: 'otel/opentelemetry-collector-contrib:0.98.0', args: ['--exit-after=2500', '--code=1'] }] });

  const ready = (name: string) => store.get(POD, 'default', name)?.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
  await until('web and client Ready', () => ready('web') && ready('client'));
  const web = store.get(POD, 'default', 'web')!;
  assert.deepEqual(store.list(typeByKind('Event')!, 'default').filter((e) => e.involvedObject.name === 'web' && e.reason === 'Unhealthy').map((e) => e.message), [], 'start-up is not reported as probe failures');
  assert.match(web.status.podIP, /^10\.244\.1\.\d+$/);
  assert.equal(web.status.hostIP, '172.18.0.2');
  const client = store.get(POD, 'default', 'client')!;
  assert.match(client.status.podIP, /^10\.244\.2\.\d+$/);

  const exec = async (podName: string, container: string, command: string[]) => {
    const out = sink(); const err = sink();
    const { exitCode } = await runtime!.exec({ namespace: 'default', pod: podName, container, command, stdin: false, tty: false }, { stdout: out.stream, stderr: err.stream }, new AbortController().signal);
    return { exitCode, stdout: out.text(), stderr: err.text() };
  };
  assert.deepEqual(await exec('client', 'sh', ['sh', '-c', 'echo hi; exit 3']), { exitCode: 3, stdout: 'hi\n', stderr: '' });
  // Real sockets across nodes: the web pod's port answers, a closed one refuses.
  assert.deepEqual(await exec('client', 'sh', ['wget', '-q', '-O', '-', `http://${web.status.podIP}:8080/healthz`]), { exitCode: 0, stdout: 'ok', stderr: '' });
  const refused = await exec('client', 'sh', ['wget', '-q', '-O', '-', `http://${web.status.podIP}:8081/`]);
  assert.equal(refused.exitCode, 1);
  assert.match(refused.stderr, /Connection refused/);
  // The pod's resolv.conf is the cluster's (bound by ip netns exec).
  assert.match((await exec('client', 'sh', ['cat', '/etc/resolv.conf'])).stdout, /search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);

  await until('collector running', () => store.get(POD, 'default', 'otel')?.status?.containerStatuses?.[0]?.state?.running);
  await assert.rejects(exec('otel', 'otelcol', ['ss', '-tlnp']), (e: RuntimeError) => e.code === 500 && /exec: "ss": executable file not found in \$PATH: unknown$/.test(e.message));

  const crashed = await until('collector in CrashLoopBackOff', () => {
    const s = store.get(POD, 'default', 'otel')?.status?.containerStatuses?.[0];
    return s?.state?.waiting?.reason === 'CrashLoopBackOff' && s.restartCount > 0 ? s : undefined;
  });
  assert.equal(crashed.lastState.terminated.exitCode, 1);
  assert.match(await runtime.logs('default', 'otel', { container: 'otelcol', previous: true, tailLines: 2 }), /^started args=\["\/otelcol-contrib","--exit-after=2500","--code=1"\].*\na line on stderr\n$/);

  // The DNS stand-in's data file follows Services.
  const dns = JSON.parse(readFileSync(join(stateDir, 'dns.json'), 'utf8'));
  assert.deepEqual(dns.services.find((s: { name: string }) => s.name === 'web')?.clusterIP, '10.96.0.50');

  // Deleted and re-created under the same name at once (a StatefulSet pod): the old one is torn down
  // first, the new one comes up with its own namespace.
  const oldUid = client.metadata.uid;
  store.delete(POD, 'default', 'client');
  const again = pod('client', 'sim-node-2', { containers: [{ name: 'sh', image: 'alpine:3.20' }] });
  assert.notEqual(again.metadata.uid, oldUid);
  await until('client Ready again', () => ready('client'));
  assert.deepEqual(await exec('client', 'sh', ['wget', '-q', '-O', '-', `http://${web.status.podIP}:8080/healthz`]), { exitCode: 0, stdout: 'ok', stderr: '' });

  const pids = runtime.pids();
  assert.ok(pids.length >= 4, `containers and prober agents: ${pids.length}`);
  assert.ok(netnsList().includes(`osim-${runId}-`));
  await runtime.stop();
  for (const pid of pids) { assert.equal(alive(pid), false, `pid ${pid} survived stop()`); }
  assert.ok(!netnsList().includes(`osim-${runId}-`), 'network namespaces of the run remain');
  runtime = undefined;
});

test('runtime: cleanupSync (the exit-handler path) kills every process and removes the network', { skip, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-runtime-sync-'));
  const id = randomBytes(3).toString('hex');
  const store = new Store();
  const rt = new Runtime({ store, stateDir: dir, runId: id, repoRoot, standinDir });
  try {
    await rt.start();
    store.create(NODE, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'sim-node-1' } });
    for (const name of ['a', 'b']) { store.create(POD, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: 'sim-node-1', containers: [{ name: 'c', image: 'busybox' }] } }); }
    await until('both running', () => ['a', 'b'].every((n) => store.get(POD, 'default', n)?.status?.containerStatuses?.[0]?.state?.running));
    // An exec session in flight must not survive either.
    const before = new Set(rt.pids());
    const hanging = rt.exec({ namespace: 'default', pod: 'a', container: 'c', command: ['sleep', '60'], stdin: false, tty: false }, { stdout: sink().stream, stderr: sink().stream }, new AbortController().signal);
    // Its pid is known once the exec agent reported it: one more than the containers and agents before.
    await until('exec session started', () => rt.pids().some((p) => !before.has(p)));
    const pids = rt.pids();
    rt.cleanupSync();
    assert.ok(!netnsList().includes(`osim-${id}-`), 'network namespaces of the run remain');
    assert.equal((await hanging).exitCode, 137);
    await until('processes reaped', () => pids.every((p) => !alive(p)), 5000);
  } finally {
    rt.cleanupSync();
    rmSync(dir, { recursive: true, force: true });
  }
});
