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

// Real output of the tools on this kind of host (iproute2 ss, net-tools and busybox 1.35 netstat, the kernel's
// tcp6 table), for listeners on 2600:1f14:abc:de00:1234:5678:9abc:def0:4317 (an EKS-style address),
// fd00:10:244:1::5:4318 (kind's pod range), ::1:1777, [::]:13133 and 0.0.0.0:8888.
const V6_SS = `LISTEN 0      511                                     0.0.0.0:8888  0.0.0.0:*
LISTEN 0      511                          [fd00:10:244:1::5]:4318     [::]:*
LISTEN 0      511                                       [::1]:1777     [::]:*
LISTEN 0      511    [2600:1f14:abc:de00:1234:5678:9abc:def0]:4317     [::]:*
LISTEN 0      511                                           *:13133       *:*
`;
const V6_NETSTAT_WIDE = `Active Internet connections (only servers)
Proto Recv-Q Send-Q Local Address           Foreign Address         State
tcp        0      0 0.0.0.0:8888            0.0.0.0:*               LISTEN
tcp6       0      0 fd00:10:244:1::5:4318   :::*                    LISTEN
tcp6       0      0 ::1:1777                :::*                    LISTEN
tcp6       0      0 2600:1f14:abc:de00:1234:5678:9abc:def0:4317 :::*                    LISTEN
tcp6       0      0 :::13133                :::*                    LISTEN
`;
const V6_BUSYBOX = V6_NETSTAT_WIDE.replace(/^tcp6 /gm, 'tcp  ');
const V6_PROC = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 100000FD010044020000000005000000:10DE 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4700333 1 0000000070e6fa26 100 0 0 10 0
   1: 00000000000000000000000001000000:06F1 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4700336 1 000000005d40fe9e 100 0 0 10 0
   2: 141F002600DEBC0A78563412F0DEBC9A:10DD 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4700332 1 00000000b319f66f 100 0 0 10 0
   3: 00000000000000000000000000000000:334D 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4700334 1 0000000027f7b173 100 0 0 10 0
`;
const V6_WANT = ['fd00:10:244:1::5|4318', '::1|1777', '2600:1f14:abc:de00:1234:5678:9abc:def0|4317', '::|13133'];

test('IPv6 listeners: ss brackets, netstat -W and busybox print them bare, /proc/net/tcp6 in hex; all read alike', () => {
  assert.deepEqual(addrs(parseSs(V6_SS)).sort(), ['0.0.0.0|8888', ...V6_WANT].sort());
  assert.deepEqual(addrs(parseNetstat(V6_NETSTAT_WIDE)).sort(), ['0.0.0.0|8888', ...V6_WANT].sort());
  assert.deepEqual(addrs(parseNetstat(V6_BUSYBOX)).sort(), ['0.0.0.0|8888', ...V6_WANT].sort());
  assert.deepEqual(addrs(parseProcNetTcp(V6_PROC)).sort(), [...V6_WANT].sort());
  for (const s of parseNetstat(V6_BUSYBOX)) { assert.equal(s.family, s.address.includes(':') ? 6 : 4, s.address); }
});

test('an IPv6 pod IP: its own socket and [::] accept, 0.0.0.0 (an IPv4 socket) and ::1 do not', () => {
  const s = parseSs(V6_SS);
  assert.equal(acceptsFrom(s, 4318, 'fd00:10:244:1::5').accepts, true);
  // the same address written out in full still is the pod IP
  assert.equal(acceptsFrom(s, 4318, 'fd00:10:244:1:0:0:0:5').accepts, true);
  assert.equal(acceptsFrom(s, 13133, 'fd00:10:244:1::5').accepts, true);
  assert.equal(acceptsFrom(s, 8888, 'fd00:10:244:1::5').accepts, false);
  assert.equal(acceptsFrom(s, 8888, '10.244.1.5').accepts, true);
  assert.equal(acceptsFrom(s, 1777, 'fd00:10:244:1::5').accepts, false);
  // the EKS-style listener belongs to another address than this pod's
  assert.equal(acceptsFrom(s, 4317, 'fd00:10:244:1::5').accepts, false);
  assert.equal(acceptsFrom(parseProcNetTcp(V6_PROC), 4317, '2600:1f14:abc:de00:1234:5678:9abc:def0').accepts, true);
});

test("a startup log's 0.0.0.0 is Go's wildcard (a dual-stack socket): it accepts an IPv6 pod's traffic", () => {
  assert.equal(acceptsFrom([{ address: '0.0.0.0', port: 4317, server: 'grpc' }], 4317, 'fd00:10:244:1::5').accepts, true);
  assert.equal(acceptsFrom([{ address: '0.0.0.0', port: 4317, family: 4 }], 4317, 'fd00:10:244:1::5').accepts, false);
});
