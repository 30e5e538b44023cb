import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { listenSockets, SOCKET_SCRIPT } from '../../src/gather/sockets.ts';
import { limiter } from '../../src/gather/limit.ts';
import { FakeClusterClient, notFound } from './fake-client.ts';

const opts = (client: FakeClusterClient, siblings: string[] = []) => ({ client, namespace: 'observability', pod: 'col-0', container: 'otelcol', siblings, timeoutMs: 5000, run: <T>(fn: () => Promise<T>) => fn() });

const SS = 'LISTEN 0      4096       127.0.0.1:4317      0.0.0.0:*\nLISTEN 0      4096               *:4318            *:*\n';

test('a shell: ss, netstat and /proc/net/tcp in one exec', async () => {
  const fake = new FakeClusterClient();
  fake.onExec = (_n, _p, _c, argv) => (argv[0] === 'sh' ? { stdout: `@sock ss 0\n${SS}`, stderr: '', exitCode: 0 } : notFound(argv[0]));
  const ev = await listenSockets(opts(fake));
  assert.equal(fake.execLog.length, 1);
  assert.deepEqual(fake.execLog[0].argv, ['sh', '-c', SOCKET_SCRIPT]);
  assert.equal(ev.method, 'ss');
  assert.deepEqual(ev.command, ['ss', '-tlnH']);
  assert.deepEqual(ev.sockets.map((s) => `${s.address}:${s.port}`), ['127.0.0.1:4317', ':::4318']);
});

test('FROM scratch: sh is missing, so each argv form is tried once, then the next container', async () => {
  const fake = new FakeClusterClient();
  fake.onExec = (_n, _p, c, argv) => (c === 'sidecar' && argv[0] === 'sh' ? { stdout: '', stderr: 'ss not in the container\nnetstat not in the container\ncat not in the container\n', exitCode: 127 } : notFound(argv[0]));
  const ev = await listenSockets(opts(fake, ['sidecar']));
  assert.equal(ev.method, 'none');
  assert.deepEqual(fake.execLog.map((e) => `${e.container} ${e.argv[0]}`), ['otelcol sh', 'otelcol ss', 'otelcol netstat', 'otelcol cat', 'sidecar sh']);
  assert.match(ev.reason ?? '', /otelcol: ss not in the container/);
  assert.match(ev.reason ?? '', /sidecar: no socket tool/);
});

test('an image the distribution table knows is FROM scratch is not exec\'d into; its siblings still are', async () => {
  const fake = new FakeClusterClient();
  fake.onExec = (_n, _p, c, argv) => (c === 'sidecar' && argv[0] === 'sh' ? { stdout: `@sock ss 0\n${SS}`, stderr: '', exitCode: 0 } : notFound(argv[0]));
  const images = { otelcol: 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-contrib:0.111.0', sidecar: 'busybox:1.36' };
  const ev = await listenSockets({ ...opts(fake, ['sidecar']), images });
  assert.deepEqual(fake.execLog.map((e) => `${e.container} ${e.argv[0]}`), ['sidecar sh']);
  assert.equal(ev.method, 'ss');
  assert.equal(ev.container, 'sidecar');
  // alone, the reason says why nothing ran, and a mirror's path counts as the image
  const alone = new FakeClusterClient();
  const none = await listenSockets({ ...opts(alone), images: { otelcol: 'registry.example.com/mirror/otel/opentelemetry-collector-k8s:0.120.0' } });
  assert.equal(alone.execLog.length, 0);
  assert.equal(none.method, 'none');
  assert.match(none.reason ?? '', /otelcol: not tried, .*opentelemetry-collector-k8s:0\.120\.0 is built FROM scratch/);
  // an image the table does not mark (a vendor image with a shell) is tried as before
  const other = new FakeClusterClient();
  other.onExec = (_n, _p, _c, argv) => notFound(argv[0]);
  await listenSockets({ ...opts(other), images: { otelcol: 'signoz/signoz-otel-collector:0.111.5' } });
  assert.deepEqual(other.execLog.map((e) => e.argv[0]), ['sh', 'ss', 'netstat', 'cat']);
});

test('the socket script on this machine prints a method and what the parser reads', { skip: spawnSync('sh', ['-c', 'true']).status !== 0 && 'no sh' }, () => {
  const r = spawnSync('sh', ['-c', SOCKET_SCRIPT], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^@sock (ss|netstat|cat) \d+\n/);
});

test('netstat: -W first (net-tools cuts IPv6 addresses without it), the plain form after busybox refuses -W', async () => {
  const fake = new FakeClusterClient();
  const wide = 'Proto Recv-Q Send-Q Local Address           Foreign Address         State\ntcp        0      0 2600:1f14:abc:de00:1234:5678:9abc:def0:4317 :::*                    LISTEN\n';
  fake.onExec = (_n, _p, _c, argv) => {
    if (argv[0] === 'sh' || argv[0] === 'ss') { return notFound(argv[0]); }
    if (argv.join(' ') === 'netstat -tlnW') { return { stdout: '', stderr: "netstat: invalid option -- 'W'\nBusyBox v1.35.0 multi-call binary.\n", exitCode: 1 }; }
    return { stdout: wide, stderr: '', exitCode: 0 };
  };
  const ev = await listenSockets(opts(fake));
  assert.deepEqual(fake.execLog.map((e) => e.argv.join(' ')), ['sh -c ' + SOCKET_SCRIPT, 'ss -tlnH', 'netstat -tlnW', 'netstat -tln']);
  assert.deepEqual(ev.command, ['netstat', '-tln']);
  assert.deepEqual(ev.sockets.map((s) => `${s.address}|${s.port}`), ['2600:1f14:abc:de00:1234:5678:9abc:def0|4317']);
  // the script: the wide form's own refusal is silent, and a header names the form that answered
  assert.match(SOCKET_SCRIPT, /netstat-wide\) o=\$\(netstat -tlnW 2>\/dev\/null\);;/);
});

test('one container\'s attempts hold one --concurrency slot: a probe queued meanwhile waits for the last of them', async () => {
  const fake = new FakeClusterClient();
  const run = limiter(1);
  const sockets = listenSockets({ ...opts(fake), run });
  // queued while the socket check holds the only slot, as the probes are in gather()
  const probe = run(async () => { fake.execLog.push({ ns: 'team-1', pod: 'app-0', container: 'app', argv: ['probe'] }); });
  await Promise.all([sockets, probe]);
  assert.deepEqual(fake.execLog.map((e) => e.argv[0]), ['sh', 'ss', 'netstat', 'cat', 'probe']);
});
