import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptsFrom, parseNetstat, parseProcNetTcp, parseSs } from '../../src/otel/sockets.ts';

const addrs = (l: { address: string; port: number }[]) => l.map((s) => `${s.address}|${s.port}`);

test('ss -tlnH (iproute2): IPv4, wildcard *, [::], interface suffix', () => {
  const out = [
    'LISTEN 0      4096       127.0.0.1:4317       0.0.0.0:*',
    'LISTEN 0      4096               *:13133            *:*',
    'LISTEN 0      4096            [::]:4318          [::]:*',
    'LISTEN 0      4096   127.0.0.53%lo:53         0.0.0.0:*',
    'LISTEN 0      4096  [::ffff:127.0.0.1]:8888        *:*',
  ].join('\n');
  assert.deepEqual(addrs(parseSs(out)), ['127.0.0.1|4317', '::|13133', '::|4318', '127.0.0.53|53', '127.0.0.1|8888']);
});

test('ss -tln with a header line still parses', () => {
  const out = 'State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process\nLISTEN 0      4096   10.244.1.5:4317      0.0.0.0:*\n';
  assert.deepEqual(addrs(parseSs(out)), ['10.244.1.5|4317']);
});

test('netstat -tln, net-tools', () => {
  const out = `Active Internet connections (only servers)
Proto Recv-Q Send-Q Local Address           Foreign Address         State
tcp        0      0 127.0.0.1:4317          0.0.0.0:*               LISTEN
tcp        0      0 0.0.0.0:13133           0.0.0.0:*               LISTEN
tcp6       0      0 :::4318                 :::*                    LISTEN
`;
  const s = parseNetstat(out);
  assert.deepEqual(addrs(s), ['127.0.0.1|4317', '0.0.0.0|13133', '::|4318']);
  assert.equal(s[2].dualStack, true);
});

test('netstat -tln, busybox (tcp for IPv6 too)', () => {
  const out = `Active Internet connections (only servers)
Proto Recv-Q Send-Q Local Address           Foreign Address         State
tcp        0      0 127.0.0.1:4317          0.0.0.0:*               LISTEN
tcp        0      0 :::4318                 :::*                    LISTEN
tcp        0      0 ::1:8888                :::*                    LISTEN
`;
  assert.deepEqual(addrs(parseNetstat(out)), ['127.0.0.1|4317', '::|4318', '::1|8888']);
});

test('/proc/net/tcp + tcp6 hex: LISTEN only, little-endian words, :: covers IPv4', () => {
  const tcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:10DD 00000000:0000 0A 00000000:00000000 00:00000000 00000000 10001        0 12345 1 0000000000000000 100 0 0 10 0
   1: 0501F40A:10DE 00000000:0000 0A 00000000:00000000 00:00000000 00000000 10001        0 12346 1 0000000000000000 100 0 0 10 0
   2: 0501F40A:10DD 0901F40A:C350 01 00000000:00000000 00:00000000 00000000 10001        0 12347 1 0000000000000000 20 4 30 10 -1
`;
  const tcp6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:3399 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 10001        0 22345 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:22B8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 10001        0 22346 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 10001        0 22347 1 0000000000000000 100 0 0 10 0
`;
  const s = parseProcNetTcp(`${tcp}${tcp6}`);
  assert.deepEqual(addrs(s), ['127.0.0.1|4317', '10.244.1.5|4318', '::|13209', '::1|8888', '127.0.0.1|8080']);
  assert.equal(acceptsFrom(s, 13209, '10.244.1.5').accepts, true);
  assert.equal(acceptsFrom(s, 4317, '10.244.1.5').accepts, false);
  assert.equal(acceptsFrom(s, 4318, '10.244.1.5').accepts, true);
  assert.equal(acceptsFrom(s, 9999, '10.244.1.5').accepts, false);
});
