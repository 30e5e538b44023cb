// The collector's way out, end to end inside a private network namespace (as in a pod): an app stand-in
// exports to the collector stand-in, whose exporters send to the backend stand-in (jaegertracing/jaeger)
// answering as its annotation says, or to a name the cluster DNS stand-in does not know. Each case checks
// the collector's real log line. Needs root (network namespaces); the namespace is removed afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HERE, NODE, ownedTestNetns } from '../../standins/testutil.ts';

const root = process.getuid?.() === 0;

interface Run { child: ChildProcess; out: () => string }

const RETRY = 'retry_on_failure:\n      initial_interval: 100ms\n      max_interval: 200ms\n      max_elapsed_time: 1s';

function collectorConf(exporter: string): string {
  return `
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:14318
exporters:
  ${exporter}
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [${exporter.split(':')[0]}]
`;
}

test('collector -> backend stand-in: 503 retried, 401 permanent, TLS on one side only, refused, unknown name', { skip: root ? false : 'needs root (network namespaces); run as root to include it' }, async () => {
  const owned = ownedTestNetns('be');
  const ns = owned.name;
  const tmps: string[] = [];
  const etc = `/etc/netns/${ns}`;
  const children: ChildProcess[] = [];
  const ip = (...args: string[]): void => {
    const r = spawnSync('ip', args, { encoding: 'utf8' });
    assert.equal(r.status, 0, `ip ${args.join(' ')}: ${r.stderr}`);
  };
  const run = (file: string, env: Record<string, string>, argv: string[] = []): Run => {
    const c = spawn('ip', ['netns', 'exec', ns, NODE, join(HERE, file), ...argv], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(c);
    let buf = '';
    c.stdout!.on('data', (d: Buffer) => { buf += d.toString(); });
    c.stderr!.on('data', (d: Buffer) => { buf += d.toString(); });
    return { child: c, out: () => buf };
  };
  const stop = async (rs: Run[]): Promise<void> => {
    for (const r of rs) { if (r.child.exitCode === null && r.child.signalCode === null) { r.child.kill('SIGTERM'); } }
    await Promise.all(rs.map((r) => (r.child.exitCode === null && r.child.signalCode === null ? new Promise((res) => r.child.on('exit', res)) : null)));
  };
  const until = async (what: string, f: () => boolean, r: Run): Promise<void> => {
    while (!f()) {
      if (r.child.exitCode !== null) { throw new Error(`${what}: exited:\n${r.out()}`); }
      await new Promise((res) => setTimeout(res, 100));
    }
  };
  /** The `error` field of the first console line with this message. */
  const errorOf = (r: Run, msg: string): string => {
    const line = r.out().split('\n').find((l) => l.split('\t')[3] === msg);
    assert.ok(line, `no "${msg}" in:\n${r.out()}`);
    return String((JSON.parse(line.split('\t')[4]) as { error: unknown }).error);
  };
  /** Backend (its annotations as env), collector with this exporter, and an app exporting to the collector. */
  const scenario = async (backend: Record<string, string> | undefined, exporter: string, wait: RegExp): Promise<Run> => {
    const be = backend ? run('backend.js', backend) : undefined;
    if (be) { await until('backend up', () => /sim backend: OTLP/.test(be.out()), be); }
    const root = mkdtempSync(join(tmpdir(), 'sa-be-col-'));
    tmps.push(root);
    mkdirSync(join(root, 'conf'));
    writeFileSync(join(root, 'conf/c.yaml'), collectorConf(exporter));
    const col = run('collector.js', { SIM_ROOT: root, SIM_IMAGE: 'otel/opentelemetry-collector-contrib:0.130.0' }, ['/otelcol-contrib', '--config=/conf/c.yaml']);
    await until('collector ready', () => /Everything is ready/.test(col.out()), col);
    const app = run('app.js', { SIM_SDK: 'go', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:14318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_BSP_SCHEDULE_DELAY: '300' });
    await until(`collector logs ${wait}`, () => wait.test(col.out()), col);
    await stop([app, col, ...(be ? [be] : [])]);
    return col;
  };
  try {
    ip('netns', 'add', ns);
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'addr', 'add', '10.96.0.10/32', 'dev', 'lo');
    mkdirSync(etc, { recursive: true });
    writeFileSync(join(etc, 'resolv.conf'), 'search observability.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
    const dir = mkdtempSync(join(tmpdir(), 'sa-be-'));
    tmps.push(dir);
    writeFileSync(join(dir, 'dns.json'), JSON.stringify({ domain: 'cluster.local', services: [] }));
    const dns = run('dns.js', { SIM_DNS_DATA: join(dir, 'dns.json'), SIM_DNS_HOST: '10.96.0.10' });
    await until('dns up', () => dns.out().includes('CoreDNS-'), dns);

    const c503 = await scenario({ SIM_BACKEND_ANSWER: '503' }, `otlphttp:\n    endpoint: http://127.0.0.1:4318\n    ${RETRY}`, /Exporting failed\. Dropping data\./);
    const e503 = 'rpc error: code = Unavailable desc = error exporting items, request to http://127.0.0.1:4318/v1/traces responded with HTTP Status Code 503, Message=backend answered 503, Details=[]';
    assert.equal(errorOf(c503, 'Exporting failed. Will retry the request after interval.'), e503);
    assert.equal(errorOf(c503, 'Exporting failed. Dropping data.'), `no more retries left: ${e503}`);

    const c401 = await scenario({ SIM_BACKEND_ANSWER: '401' }, `otlp:\n    endpoint: 127.0.0.1:4317\n    tls:\n      insecure: true\n    ${RETRY}`, /Exporting failed\. Dropping data\./);
    assert.equal(errorOf(c401, 'Exporting failed. Dropping data.'), 'not retryable error: Permanent error: rpc error: code = Unauthenticated desc = missing or empty authorization header');
    assert.doesNotMatch(c401.out(), /Will retry/);

    // Plain HTTP to a TLS-only backend: Go's TLS server answers 400, a permanent error.
    const tlsHttp = await scenario({ SIM_BACKEND_ANSWER: '200', SIM_BACKEND_TLS: 'true' }, `otlphttp:\n    endpoint: http://127.0.0.1:4318\n    ${RETRY}`, /Exporting failed\. Dropping data\./);
    assert.equal(errorOf(tlsHttp, 'Exporting failed. Dropping data.'), 'not retryable error: Permanent error: rpc error: code = InvalidArgument desc = error exporting items, request to http://127.0.0.1:4318/v1/traces responded with HTTP Status Code 400');
    // Plaintext gRPC to it: the TLS server closes on the preface.
    const tlsGrpc = await scenario({ SIM_BACKEND_ANSWER: '200', SIM_BACKEND_TLS: 'true' }, `otlp:\n    endpoint: http://127.0.0.1:4317\n    ${RETRY}`, /Exporting failed\. Dropping data\./);
    assert.equal(errorOf(tlsGrpc, 'Exporting failed. Will retry the request after interval.'), 'rpc error: code = Unavailable desc = connection closed before server preface received');

    // The otlp exporter's default is TLS (tls.insecure false): against a plaintext backend the handshake fails.
    const tlsDefault = await scenario({ SIM_BACKEND_ANSWER: '200' }, `otlp:\n    endpoint: 127.0.0.1:4317\n    ${RETRY}`, /Exporting failed\. Dropping data\./);
    assert.equal(errorOf(tlsDefault, 'Exporting failed. Will retry the request after interval.'), 'rpc error: code = Unavailable desc = connection error: desc = "transport: authentication handshake failed: tls: first record does not look like a TLS handshake"');

    const refused = await scenario({ SIM_BACKEND_ANSWER: 'refuse' }, `otlp:\n    endpoint: 127.0.0.1:4317\n    tls:\n      insecure: true\n    ${RETRY}`, /Exporting failed\. Dropping data\./);
    assert.equal(errorOf(refused, 'Exporting failed. Will retry the request after interval.'), 'rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:4317: connect: connection refused"');

    // A backend name the cluster DNS does not know (0.130.0 dials with grpc.DialContext: Go's lookup error).
    const unknown = await scenario(undefined, `otlphttp:\n    endpoint: http://jaeger.tracing.svc.cluster.local:4318\n    ${RETRY}`, /Exporting failed\. Dropping data\./);
    assert.equal(errorOf(unknown, 'Exporting failed. Will retry the request after interval.'), 'failed to make an HTTP request: Post "http://jaeger.tracing.svc.cluster.local:4318/v1/traces": dial tcp: lookup jaeger.tracing.svc.cluster.local on 10.96.0.10:53: no such host');
    const grpcUnknown = await scenario(undefined, `otlp:\n    endpoint: jaeger.tracing.svc.cluster.local:4317\n    tls:\n      insecure: true\n    ${RETRY}`, /Exporting failed\. Dropping data\./);
    assert.equal(errorOf(grpcUnknown, 'Exporting failed. Will retry the request after interval.'), 'rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp: lookup jaeger.tracing.svc.cluster.local on 10.96.0.10:53: no such host"');
  } finally {
    for (const c of children) { if (c.exitCode === null && c.signalCode === null) { c.kill('SIGTERM'); } }
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.on('exit', r)) : null)));
    spawnSync('ip', ['netns', 'del', ns]);
    rmSync(etc, { recursive: true, force: true });
    owned.release();
    for (const d of tmps) { rmSync(d, { recursive: true, force: true }); }
  }
});
