import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { listenSockets, SOCKET_SCRIPT } from '../../src/gather/sockets.ts';
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

test('the socket script on this machine prints a method and what the parser reads', { skip: spawnSync('sh', ['-c', 'true']).status !== 0 && 'no sh' }, () => {
  const r = spawnSync('sh', ['-c', SOCKET_SCRIPT], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^@sock (ss|netstat|cat) \d+\n/);
});
