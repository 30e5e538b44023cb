// App and DNS stand-ins together inside a private network namespace, as in a pod: the real resolver
// (getaddrinfo with the pod's resolv.conf: search list, ndots:5) asks the DNS stand-in on 10.96.0.10.
// Needs root (network namespaces). The namespace has only `lo` (with the two service IPs on it), no
// routes out, and is removed afterwards, also on failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HERE, NODE, ownedTestNetns } from '../../standins/testutil.ts';

const root = process.getuid?.() === 0;

test('pod DNS: search-path short name gives Go "server misbehaving", a wrong namespace "no such host", the FQDN the ClusterIP', { skip: root ? false : 'needs root (network namespaces); run as root to include it' }, async () => {
  const owned = ownedTestNetns('dns');
  const ns = owned.name;
  let dir: string | undefined;
  const etc = `/etc/netns/${ns}`;
  const children: ReturnType<typeof spawn>[] = [];
  const ip = (...args: string[]): void => {
    const r = spawnSync('ip', args, { encoding: 'utf8' });
    assert.equal(r.status, 0, `ip ${args.join(' ')}: ${r.stderr}`);
  };
  try {
    ip('netns', 'add', ns);
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'addr', 'add', '10.96.0.10/32', 'dev', 'lo');
    ip('-n', ns, 'addr', 'add', '10.96.0.12/32', 'dev', 'lo');
    mkdirSync(etc, { recursive: true });
    writeFileSync(join(etc, 'resolv.conf'), 'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
    dir = mkdtempSync(join(tmpdir(), 'sa-dns-'));
    writeFileSync(join(dir, 'dns.json'), JSON.stringify({ domain: 'cluster.local', services: [{ name: 'otel-collector', namespace: 'observability', clusterIP: '10.96.0.12', headless: false, endpoints: [], ports: [] }] }));
    const run = (file: string, env: Record<string, string>): { out: () => string } => {
      const c = spawn('ip', ['netns', 'exec', ns, NODE, join(HERE, file)], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(c);
      let buf = '';
      c.stdout!.on('data', (d: Buffer) => { buf += d.toString(); });
      c.stderr!.on('data', (d: Buffer) => { buf += d.toString(); });
      return { out: () => buf };
    };
    const dns = run('dns.js', { SIM_DNS_DATA: join(dir, 'dns.json'), SIM_DNS_HOST: '10.96.0.10' });
    const until = async (f: () => boolean, ms = 120_000): Promise<void> => {
      const end = Date.now() + ms;
      while (!f()) {
        if (Date.now() > end) { throw new Error('timed out'); }
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await until(() => dns.out().includes('CoreDNS-'));
    const common = { SIM_SDK: 'go', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_TIMEOUT: '2000', OTEL_BSP_SCHEDULE_DELAY: '1000' };
    const short = run('app.js', { ...common, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' });
    const wrongNs = run('app.js', { ...common, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.nope.svc.cluster.local:4318' });
    const fqdn = run('app.js', { ...common, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability.svc.cluster.local:4318' });
    const dotted = run('app.js', { ...common, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability:4318' });
    await until(() => [short, wrongNs, fqdn, dotted].every((a) => a.out().includes('traces export')));
    const first = (a: { out: () => string }): string => a.out().split('\n').find((l) => l.includes('traces export'))!;
    // Every search name is NXDOMAIN, the bare name SERVFAILs (no upstream): the reference's k8s paste.
    assert.match(first(short), /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d traces export: processor export timeout: retry-able request failure: Post "http:\/\/otel-collector:4318\/v1\/traces": dial tcp: lookup otel-collector on 10\.96\.0\.10:53: server misbehaving$/);
    assert.match(first(wrongNs), /traces export: Post "http:\/\/otel-collector\.nope\.svc\.cluster\.local:4318\/v1\/traces": dial tcp: lookup otel-collector\.nope\.svc\.cluster\.local on 10\.96\.0\.10:53: no such host$/);
    assert.match(first(fqdn), /traces export: Post "http:\/\/otel-collector\.observability\.svc\.cluster\.local:4318\/v1\/traces": dial tcp 10\.96\.0\.12:4318: connect: connection refused$/);
    assert.match(first(dotted), /dial tcp 10\.96\.0\.12:4318: connect: connection refused$/);
  } finally {
    for (const c of children) { if (c.exitCode === null) { c.kill('SIGTERM'); } }
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.on('exit', r)) : null)));
    spawnSync('ip', ['netns', 'del', ns]);
    rmSync(etc, { recursive: true, force: true });
    owned.release();
    if (dir) { rmSync(dir, { recursive: true, force: true }); }
  }
});
