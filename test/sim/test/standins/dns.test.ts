// The cluster DNS stand-in, queried over UDP and TCP with dns-packet on a loopback high port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { mkdtempSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dnsPacket from 'dns-packet';
import { runStandin, freePort } from '../../standins/testutil.ts';

const data = (extra: object[] = []) => JSON.stringify({
  domain: 'cluster.local',
  services: [
    { name: 'otel-collector', namespace: 'observability', clusterIP: '10.96.0.12', headless: false, endpoints: ['10.244.1.5'], ports: [{ name: 'otlp-grpc', port: 4317, protocol: 'TCP' }] },
    { name: 'db', namespace: 'default', clusterIP: 'None', headless: true, endpoints: ['10.244.1.7', '10.244.2.3'], ports: [] },
    { name: 'empty', namespace: 'default', clusterIP: 'None', headless: true, endpoints: [], ports: [] },
    ...extra,
  ],
});

/** dns-packet's decoded shape (its typings leave out rcode, the flags and record data). */
interface Rec { type: string; ttl?: number; data?: unknown }
interface Reply { rcode: string; flag_aa: boolean; answers: Rec[]; authorities: Rec[] }

let id = 1;
function udpQuery(port: number, name: string, type: dnsPacket.RecordType): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => { s.close(); reject(new Error(`no answer for ${name}`)); }, 3000);
    s.on('message', (m) => { clearTimeout(t); s.close(); resolve(dnsPacket.decode(m) as unknown as Reply); });
    s.send(dnsPacket.encode({ type: 'query', id: id++, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] }), port, '127.0.0.1');
  });
}

function tcpQuery(port: number, name: string, type: dnsPacket.RecordType): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(dnsPacket.streamEncode({ type: 'query', id: id++, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] })));
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) { s.destroy(); resolve(dnsPacket.streamDecode(buf) as unknown as Reply); }
    });
    s.on('error', reject);
  });
}

const ips = (p: Reply): string[] => (p.answers ?? []).filter((a) => a.type === 'A').map((a) => a.data as string).sort();

test('cluster DNS: A, NODATA for AAAA, NXDOMAIN with search-path names, SERVFAIL outside, headless, pods, SRV, reload', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'simdns-'));
  const file = join(dir, 'dns.json');
  writeFileSync(file, data());
  const port = await freePort();
  const d = runStandin('dns.ts', ['--port', String(port)], { SIM_DNS_DATA: file, SIM_DNS_HOST: '127.0.0.1' });
  try {
    await d.waitFor(/CoreDNS-/);
    const a = await udpQuery(port, 'otel-collector.observability.svc.cluster.local', 'A');
    assert.equal(a.rcode, 'NOERROR');
    assert.deepEqual(ips(a), ['10.96.0.12']);
    assert.equal(a.answers[0].ttl, 30);
    assert.ok(a.flag_aa);

    const aaaa = await udpQuery(port, 'otel-collector.observability.svc.cluster.local', 'AAAA');
    assert.equal(aaaa.rcode, 'NOERROR');
    assert.equal(aaaa.answers.length, 0);
    assert.equal(aaaa.authorities[0].type, 'SOA');

    // What a pod in `default` asks first for `otel-collector.observability` (ndots:5 search list).
    const viaSearch = await udpQuery(port, 'otel-collector.observability.default.svc.cluster.local', 'A');
    assert.equal(viaSearch.rcode, 'NXDOMAIN');
    assert.equal(viaSearch.authorities[0].type, 'SOA');
    assert.equal(viaSearch.authorities[0].ttl, 5);
    const second = await udpQuery(port, 'otel-collector.observability.svc.cluster.local', 'A');
    assert.deepEqual(ips(second), ['10.96.0.12']);
    assert.equal((await udpQuery(port, 'otel-collector.default.svc.cluster.local', 'A')).rcode, 'NXDOMAIN');

    const outside = await udpQuery(port, 'otel-collector', 'A');
    assert.equal(outside.rcode, 'SERVFAIL');
    assert.equal((await udpQuery(port, 'example.com', 'A')).rcode, 'SERVFAIL');

    assert.deepEqual(ips(await udpQuery(port, 'db.default.svc.cluster.local', 'A')), ['10.244.1.7', '10.244.2.3']);
    assert.equal((await udpQuery(port, 'empty.default.svc.cluster.local', 'A')).rcode, 'NXDOMAIN');
    assert.deepEqual(ips(await udpQuery(port, '10-244-1-5.observability.pod.cluster.local', 'A')), ['10.244.1.5']);

    const srv = await tcpQuery(port, '_otlp-grpc._tcp.otel-collector.observability.svc.cluster.local', 'SRV');
    assert.equal(srv.rcode, 'NOERROR');
    assert.deepEqual(srv.answers[0].data, { priority: 0, weight: 100, port: 4317, target: 'otel-collector.observability.svc.cluster.local' });
    assert.deepEqual(ips(await tcpQuery(port, 'otel-collector.observability.svc.cluster.local', 'A')), ['10.96.0.12']);

    // The runtime rewrites the file atomically (write + rename); the new Service must resolve soon after.
    writeFileSync(join(dir, 'dns.json.tmp'), data([{ name: 'new', namespace: 'apps', clusterIP: '10.96.0.99', headless: false, endpoints: [], ports: [] }]));
    renameSync(join(dir, 'dns.json.tmp'), file);
    const deadline = Date.now() + 60_000;
    let got: string[] = [];
    while (Date.now() < deadline) {
      got = ips(await udpQuery(port, 'new.apps.svc.cluster.local', 'A'));
      if (got.length) { break; }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(got, ['10.96.0.99']);
  } finally {
    assert.equal(await d.stop(), 0);
  }
});
