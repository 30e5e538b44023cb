// The kubelet against a minimal stand-in network: one network namespace holding every pod IP on its
// loopback (so probes and sockets are real), with a fixture process as the container. The test with the
// real Network is kubelet-network.test.ts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { Store, typeByKind, type KObject } from '../../store.ts';
import { Kubelet, type NetworkLike } from '../../runtime/kubelet.ts';
import { RuntimeError } from '../../types.ts';
import { isRunning } from '../../runtime/network.ts';

const root = process.getuid?.() === 0;
const skip = root ? false : 'needs root (network namespaces): run as root to exercise the kubelet';
const POD = typeByKind('Pod')!;
const NODE = typeByKind('Node')!;
const CM = typeByKind('ConfigMap')!;
const EVENT = typeByKind('Event')!;
const repoRoot = join(import.meta.dirname, '../../../..');
const standinDir = join(import.meta.dirname, '../../runtime/testdata/standins');

class SharedNetns implements NetworkLike {
  readonly netns = `sim-kt-${randomBytes(4).toString('hex')}`;
  private next = 10;
  private created = false;
  async addNode(): Promise<{ netns: string; ip: string; podCIDR: string }> {
    if (!this.created) {
      execFileSync('ip', ['netns', 'add', this.netns]);
      this.created = true;
      execFileSync('ip', ['-n', this.netns, 'link', 'set', 'lo', 'up']);
    }
    return { netns: this.netns, ip: '127.0.0.1', podCIDR: '10.244.1.0/24' };
  }
  async addPod(): Promise<{ netns: string; podIP: string; hostIP: string }> {
    const ip = `10.244.1.${this.next++}`;
    execFileSync('ip', ['-n', this.netns, 'addr', 'add', `${ip}/32`, 'dev', 'lo']);
    return { netns: this.netns, podIP: ip, hostIP: '172.18.0.2' };
  }
  async removePod(): Promise<void> {}
  remove(): void { if (this.created) { this.created = false; execFileSync('ip', ['netns', 'delete', this.netns]); } }
}

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

const net = new SharedNetns();
let kubelet: Kubelet | undefined;
let stateDir = '';
after(async () => {
  await kubelet?.stop();
  net.remove();
  if (stateDir) { rmSync(stateDir, { recursive: true, force: true }); }
});

test('kubelet: pods as processes with status, probes, exec, logs, restarts, ephemeral containers', { skip, timeout: 120_000 }, async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'sim-kubelet-'));
  const store = new Store();
  kubelet = new Kubelet({ store, stateDir, repoRoot, network: net, standinDir });
  kubelet.start();
  store.create(NODE, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'sim-node-1' } });
  store.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { greeting: 'hello from a configmap', 'relay.yaml': 'receivers: {}' } });
  const pod = (name: string, spec: KObject['spec'], annotations?: Record<string, string>): KObject =>
    store.create(POD, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', annotations }, spec: { nodeName: 'sim-node-1', ...spec } });

  pod('web', {
    volumes: [{ name: 'conf', configMap: { name: 'cfg' } }, { name: 'tmp', emptyDir: {} }],
    containers: [{
      name: 'app', image: 'busybox:1.36', args: ['--print-file=/conf/relay.yaml', '--self=$(MY_IP)'],
      ports: [{ name: 'http', containerPort: 8080 }],
      env: [{ name: 'FOO', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'greeting' } } }, { name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
      volumeMounts: [{ name: 'conf', mountPath: '/conf' }, { name: 'tmp', mountPath: '/tmp' }],
      readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
    }],
  });
  const web = await until('web Ready', () => {
    const p = store.get(POD, 'default', 'web');
    return p?.status?.conditions?.find((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True') ? p : undefined;
  });
  assert.equal(web.status.phase, 'Running');
  assert.match(web.status.podIP, /^10\.244\.1\.\d+$/);
  assert.equal(web.status.hostIP, '172.18.0.2');
  const cs = web.status.containerStatuses[0];
  assert.match(cs.containerID, /^containerd:\/\/[0-9a-f]{64}$/);
  assert.match(cs.imageID, /^docker\.io\/library\/busybox@sha256:[0-9a-f]{64}$/);
  assert.equal(cs.image, 'docker.io/library/busybox:1.36');
  assert.equal(cs.ready, true);
  assert.equal(cs.started, true);
  assert.ok(cs.state.running.startedAt);
  for (const t of ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']) {
    assert.ok(web.status.conditions.find((c: { type: string; status: string; lastTransitionTime: string }) => c.type === t && c.status === 'True' && c.lastTransitionTime), t);
  }

  // exec with the busybox profile: a real shell in the pod's namespace.
  const out = sink();
  const err = sink();
  const r = await kubelet.exec({ namespace: 'default', pod: 'web', container: 'app', command: ['sh', '-c', 'echo hi; echo oops >&2; echo $HOSTNAME $FOO; exit 3'], stdin: false, tty: false }, { stdout: out.stream, stderr: err.stream }, new AbortController().signal);
  assert.equal(r.exitCode, 3);
  assert.equal(out.text(), 'hi\nweb hello from a configmap\n');
  assert.equal(err.text(), 'oops\n');
  // A command killed by a signal reports 128+n as containerd does (139 for SIGSEGV), not a fixed 143.
  for (const [sig, code] of [['SEGV', 139], ['KILL', 137], ['TERM', 143], ['ABRT', 134]] as const) {
    const k = await kubelet.exec({ namespace: 'default', pod: 'web', container: 'app', command: ['sh', '-c', `kill -${sig} $$`], stdin: false, tty: false }, { stdout: sink().stream, stderr: sink().stream }, new AbortController().signal);
    assert.equal(k.exitCode, code, `sh killed by SIG${sig}`);
  }
  // The pod's sockets are visible from inside its namespace (busybox netstat; ss is not in busybox).
  const ns = sink();
  assert.equal((await kubelet.exec({ namespace: 'default', pod: 'web', container: 'app', command: ['/bin/netstat', '-tln'], stdin: false, tty: false }, { stdout: ns.stream, stderr: sink().stream }, new AbortController().signal)).exitCode, 0);
  assert.match(ns.text(), new RegExp(`${web.status.podIP.replace(/\./g, '\\.')}:8080`));
  await assert.rejects(kubelet.exec({ namespace: 'default', pod: 'web', container: 'app', command: ['ss', '-tlnp'], stdin: false, tty: false }, { stdout: sink().stream, stderr: sink().stream }, new AbortController().signal),
    (e: RuntimeError) => e.code === 500 && /^Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "[0-9a-f]{64}": OCI runtime exec failed: exec failed: unable to start container process: exec: "ss": executable file not found in \$PATH: unknown$/.test(e.message));
  // stdin reaches the command (kubectl exec -i).
  const cat = sink();
  assert.equal((await kubelet.exec({ namespace: 'default', pod: 'web', container: 'app', command: ['cat'], stdin: true, tty: false }, { stdin: Readable.from([Buffer.from('piped\n')]), stdout: cat.stream, stderr: sink().stream }, new AbortController().signal)).exitCode, 0);
  assert.equal(cat.text(), 'piped\n');
  // An aborted exec is killed: aborted once the command says it runs, not after a guessed delay (too
  // short on a loaded machine, where the abort would come before the process exists).
  const ac = new AbortController();
  const longOut = sink();
  const long = kubelet.exec({ namespace: 'default', pod: 'web', container: 'app', command: ['sh', '-c', 'echo running; exec sleep 30'], stdin: false, tty: false }, { stdout: longOut.stream, stderr: sink().stream }, ac.signal);
  await until('the exec to run', () => longOut.text().includes('running'));
  ac.abort();
  assert.equal((await long).exitCode, 137);

  // Logs: CRI files, tailLines, timestamps, the 400s.
  const logs = await kubelet.logs('default', 'web', { container: 'app' });
  assert.match(logs, /started args=\["--print-file=\/conf\/relay.yaml","--self=10\.244\.1\.\d+"\]/);
  assert.match(logs, /FOO=hello from a configmap/);
  assert.match(logs, /file \/conf\/relay.yaml: receivers: \{\}/);
  assert.equal(await kubelet.logs('default', 'web', { container: 'app', tailLines: 1 }), 'a line on stderr\n');
  assert.match(await kubelet.logs('default', 'web', { container: '', tailLines: 1, timestamps: true }), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z a line on stderr\n$/);
  await assert.rejects(kubelet.logs('default', 'web', { container: 'app', previous: true }), (e: RuntimeError) => e.code === 400 && e.message === 'previous terminated container "app" in pod "web" not found');

  // Readiness is really probed: the fixture answers 503 once this file exists.
  const unready = join(stateDir, 'pods/default_web/c/app/root/tmp/unready');
  mkdirSync(join(unready, '..'), { recursive: true });
  writeFileSync(unready, '');
  await until('web not Ready', () => store.get(POD, 'default', 'web')?.status?.containerStatuses?.[0]?.ready === false);
  const notReady = store.get(POD, 'default', 'web')!;
  assert.equal(notReady.status.conditions.find((c: { type: string }) => c.type === 'Ready').status, 'False');
  assert.equal(notReady.status.conditions.find((c: { type: string }) => c.type === 'Ready').message, 'containers with unready status: [app]');
  rmSync(unready);
  await until('web Ready again', () => store.get(POD, 'default', 'web')?.status?.containerStatuses?.[0]?.ready === true);
  assert.ok(store.list(EVENT, 'default').some((e) => e.reason === 'Unhealthy' && /^Readiness probe failed: HTTP probe failed with statuscode: 503$/.test(e.message)));

  // A tools annotation of `none`: every exec fails as in a FROM-scratch image.
  pod('bare', { containers: [{ name: 'otel', image: 'busybox' }] }, { 'sim.otel-doctor.io/tools': 'none' });
  await until('bare running', () => store.get(POD, 'default', 'bare')?.status?.containerStatuses?.[0]?.state?.running);
  await assert.rejects(kubelet.exec({ namespace: 'default', pod: 'bare', container: 'otel', command: ['sh'], stdin: false, tty: false }, { stdout: sink().stream, stderr: sink().stream }, new AbortController().signal),
    /exec: "sh": executable file not found in \$PATH: unknown/);

  // A crashing container: restarts, then CrashLoopBackOff with the previous run's logs kept.
  pod('crash', { containers: [{ name: 'c', image: 'otel/opentelemetry-collector:0.98.0', args: ['--exit-after=50', '--code=2'] }, { name: 'side', image: 'busybox' }] });
  const crashed = await until('CrashLoopBackOff', () => {
    const p = store.get(POD, 'default', 'crash');
    const s = p?.status?.containerStatuses?.find((c: { name: string }) => c.name === 'c');
    return s?.state?.waiting?.reason === 'CrashLoopBackOff' && s.restartCount > 0 ? p : undefined;
  });
  const cc = crashed.status.containerStatuses.find((c: { name: string }) => c.name === 'c');
  assert.equal(cc.ready, false);
  assert.equal(cc.lastState.terminated.exitCode, 2);
  assert.equal(cc.lastState.terminated.reason, 'Error');
  assert.match(cc.state.waiting.message, new RegExp(`^back-off \\d+s restarting failed container=c pod=crash_default\\(${crashed.metadata.uid}\\)$`));
  assert.equal(crashed.status.phase, 'Running');
  assert.equal(crashed.status.conditions.find((c: { type: string }) => c.type === 'Ready').status, 'False');
  assert.match(await kubelet.logs('default', 'crash', { container: 'c', previous: true }), /started args=\["\/otelcol","--exit-after=50","--code=2"\]/);
  await assert.rejects(kubelet.logs('default', 'crash', { container: '' }), (e: RuntimeError) => e.code === 400 && e.message === 'a container name must be specified for pod crash, choose one of: [c side]');
  await assert.rejects(kubelet.exec({ namespace: 'default', pod: 'crash', container: 'c', command: ['sh'], stdin: false, tty: false }, { stdout: sink().stream, stderr: sink().stream }, new AbortController().signal),
    (e: RuntimeError) => e.message === 'container not found ("c")');
  assert.ok(store.list(EVENT, 'default').some((e) => e.reason === 'BackOff' && e.message === `Back-off restarting failed container c in pod crash_default(${crashed.metadata.uid})`));

  // A failing liveness probe kills and restarts the container.
  pod('sick', { containers: [{ name: 'app', image: 'busybox', livenessProbe: { tcpSocket: { port: 9999 }, periodSeconds: 1, failureThreshold: 2 } }] });
  // Start-up grace (3 s of CPU-available time) plus two failures a second apart; more on a loaded machine.
  const sick = await until('liveness restart', () => {
    const s = store.get(POD, 'default', 'sick')?.status?.containerStatuses?.[0];
    return s?.restartCount >= 1 && s.lastState?.terminated ? s : undefined;
  }, 30_000);
  assert.equal(sick.lastState.terminated.exitCode, 137);
  assert.equal(sick.lastState.terminated.reason, 'Error');
  assert.ok(store.list(EVENT, 'default').some((e) => e.reason === 'Unhealthy' && /^Liveness probe failed: dial tcp 10\.244\.1\.\d+:9999: connect: connection refused$/.test(e.message)));

  // A missing ConfigMap key: CreateContainerConfigError, as the kubelet reports it.
  pod('misconf', { containers: [{ name: 'app', image: 'busybox', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nope' } } }] }] });
  const mis = await until('CreateContainerConfigError', () => store.get(POD, 'default', 'misconf')?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError' && store.get(POD, 'default', 'misconf'));
  assert.equal(mis.status.containerStatuses[0].state.waiting.message, "couldn't find key nope in ConfigMap default/cfg");
  assert.equal(mis.status.phase, 'Pending');
  await assert.rejects(kubelet.logs('default', 'misconf', { container: 'app' }), (e: RuntimeError) => e.message === 'container "app" in pod "misconf" is waiting to start: CreateContainerConfigError');

  // Init containers complete at once; a native sidecar (restartPolicy: Always) runs.
  pod('withinit', { initContainers: [{ name: 'setup', image: 'busybox' }, { name: 'proxy', image: 'busybox', restartPolicy: 'Always' }], containers: [{ name: 'main', image: 'busybox' }] });
  const wi = await until('withinit Ready', () => {
    const p = store.get(POD, 'default', 'withinit');
    return p?.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True') ? p : undefined;
  });
  const [setup, proxy] = wi.status.initContainerStatuses;
  assert.deepEqual([setup.name, setup.state.terminated?.reason, setup.state.terminated?.exitCode, setup.ready], ['setup', 'Completed', 0, true]);
  assert.deepEqual([proxy.name, !!proxy.state.running, proxy.ready, proxy.started], ['proxy', true, true, true]);
  assert.equal(await kubelet.logs('default', 'withinit', { container: 'setup' }), '');
  const logsOf = async (container: string) => { const end = Date.now() + 120_000; let t = ''; while (!t && Date.now() < end) { t = await kubelet!.logs('default', 'withinit', { container }); await new Promise((r) => setTimeout(r, 100)); } return t; };
  assert.match(await logsOf('proxy'), /^started .*pod=withinit/);
  assert.match(await logsOf(''), /^started .*pod=withinit/, 'one app container: it is the default');

  // kubectl debug: an ephemeral container joins the pod's namespace and sees its sockets.
  store.mutate(POD, 'default', 'web', (p) => { p.spec.ephemeralContainers = [{ name: 'dbg', image: 'busybox', stdin: true, tty: true }]; });
  await until('dbg running', () => store.get(POD, 'default', 'web')?.status?.ephemeralContainerStatuses?.[0]?.state?.running);
  const dbg = sink();
  await kubelet.exec({ namespace: 'default', pod: 'web', container: 'dbg', command: ['netstat', '-tln'], stdin: false, tty: false }, { stdout: dbg.stream, stderr: sink().stream }, new AbortController().signal);
  assert.match(dbg.text(), /:8080 /);

  // Deleting a pod kills its processes.
  const pids = kubelet.pids();
  assert.ok(pids.length >= 6, `expected container and agent processes, got ${pids.length}`);
  const webPids = (() => { const before = new Set(kubelet.pids()); store.delete(POD, 'default', 'bare'); return before; })();
  await until('bare gone', () => kubelet!.pids().length < webPids.size);

  await kubelet.stop();
  for (const pid of pids) { assert.equal(alive(pid), false, `pid ${pid} survived stop()`); }
  assert.deepEqual(kubelet.pids(), []);
  net.remove();
  assert.ok(!execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).includes(net.netns));
  assert.ok(existsSync(stateDir));
});
