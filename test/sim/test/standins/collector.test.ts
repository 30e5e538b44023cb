// The stand-in collector against the reference (/work/shared/reference/collector-logs.md): binds,
// defaults by version, log line shapes, failures, config handling, OTLP on the wire, upstream configs.
// Runs on loopback without root. Tests that use the default ports (4317/4318/13133) run in sequence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { runStandin, simRoot, freePort, listeners } from '../../standins/testutil.ts';
import { expandString, merge, parseArgs, versionFromImage } from '../../standins/collector-config.ts';
import { goDuration, goQuote } from '../../standins/logformat.ts';

// The repo and shared/ sit side by side (here and in CI): ../shared from the repository root.
const UPSTREAM = join(dirname(fileURLToPath(import.meta.url)), '../../../../../shared/fixtures/upstream');
const IMG = (v: string): string => `otel/opentelemetry-collector-contrib:${v}`;
const TS = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;
const UUID = String.raw`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`;

const otlpConf = (grpc: string | null, httpEp: string | null, extra = ''): string => `
receivers:
  otlp:
    protocols:
      grpc:${grpc ? `\n        endpoint: ${grpc}` : ''}
      http:${httpEp ? `\n        endpoint: ${httpEp}` : ''}
exporters:
  debug: {}
${extra}
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [debug]
`;

async function startCollector(image: string, files: Record<string, string>, args = ['--config=/conf/relay.yaml'], env: Record<string, string> = {}) {
  const root = simRoot(files);
  const p = runStandin('collector.ts', ['/otelcol-contrib', ...args], { SIM_ROOT: root, SIM_IMAGE: image, ...env });
  return { p, root };
}

/** Tests of the version defaults need the well-known ports; say so plainly when something holds them. */
function requireFree(...ports: number[]): void {
  const busy = ports.filter((p) => listeners(p).length > 0);
  assert.deepEqual(busy, [], `ports ${busy.join(', ')} are in use on this host: the default-endpoint tests need them free`);
}

async function ready(p: ReturnType<typeof runStandin>): Promise<void> {
  await Promise.race([
    p.waitFor(/Everything is ready\. Begin running and processing data\./),
    p.exited.then((c) => { throw new Error(`collector exited ${c}:\n${p.out()}`); }),
  ]);
}

test('unit: confmap expansion of ${env:X}, ${X}, defaults, $$ escape; unset vars noted', () => {
  const notes: { name: string; empty: boolean }[] = [];
  const env = { A: '10.0.0.1', E: '' };
  assert.equal(expandString('${env:A}:4317', notes, env), '10.0.0.1:4317');
  assert.equal(expandString('${A}', notes, env), '10.0.0.1');
  assert.equal(expandString('${env:MISSING:-0.0.0.0}:4317', notes, env), '0.0.0.0:4317');
  assert.equal(expandString('$${env:A} and $$', notes, env), '${env:A} and $');
  assert.deepEqual(notes, []);
  assert.equal(expandString('${env:MISSING}:4317', notes, env), ':4317');
  assert.equal(expandString('${E}', notes, env), '');
  assert.deepEqual(notes, [{ name: 'MISSING', empty: false }, { name: 'E', empty: true }]);
  assert.equal(expandString('${file:/x}', notes, env), '${file:/x}');
});

test('unit: merge replaces lists and deep-merges maps; args parse like the binary', () => {
  assert.deepEqual(merge({ a: { b: 1, l: [1, 2] }, k: 1 }, { a: { c: 2, l: [3] } }), { a: { b: 1, c: 2, l: [3] }, k: 1 });
  assert.deepEqual(parseArgs(['/otelcol-contrib', '--config=/a.yaml', '--config', 'env:X', '--set=a::b=c', '--feature-gates=x']), { configs: ['/a.yaml', 'env:X'], sets: ['a::b=c'] });
  assert.deepEqual(parseArgs(['--config=/conf/collector.yaml']), { configs: ['/conf/collector.yaml'], sets: [] });
  assert.equal(versionFromImage('otel/opentelemetry-collector-contrib:0.103.0').version.text, '0.103.0');
  assert.equal(versionFromImage('ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s:0.158.0').version.text, '0.158.0');
  assert.equal(versionFromImage('otel/opentelemetry-collector-contrib:latest').guessed, true);
  assert.equal(versionFromImage('otel/opentelemetry-collector-contrib').guessed, true);
  assert.equal(versionFromImage('otel/opentelemetry-collector@sha256:abcd').guessed, true);
  assert.equal(goQuote(Buffer.from([0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0x40, 0])), String.raw`"\x00\x00\x06\x04\x00\x00\x00\x00\x00\x00\x05\x00\x00@\x00"`);
  assert.equal(goDuration(12_564_200_050n), '12.56420005s');
  assert.equal(goDuration(62_500_000_000n), '1m2.5s');
});

test('0.104.0 default endpoints are localhost: bound on 127.0.0.1 only; lines as in the 0.104.0 paste', async () => {
  requireFree(4317, 4318);
  const { p } = await startCollector(IMG('0.104.0'), { '/conf/relay.yaml': otlpConf(null, null) });
  try {
    await ready(p);
    assert.deepEqual(listeners(4317), ['127.0.0.1:4317']);
    assert.deepEqual(listeners(4318), ['127.0.0.1:4318']);
    const out = p.out();
    assert.match(out, new RegExp(`^${TS}\tinfo\totlpreceiver@v0\\.104\\.0/otlp\\.go:102\tStarting GRPC server\t\\{"kind": "receiver", "name": "otlp", "data_type": "traces", "endpoint": "localhost:4317"\\}$`, 'm'));
    assert.match(out, new RegExp(`^${TS}\tinfo\totlpreceiver@v0\\.104\\.0/otlp\\.go:152\tStarting HTTP server\t\\{"kind": "receiver", "name": "otlp", "data_type": "traces", "endpoint": "localhost:4318"\\}$`, 'm'));
    assert.match(out, new RegExp(`^${TS}\tinfo\tservice@v0\\.104\\.0/service\\.go:\\d+\tStarting otelcol-contrib\\.\\.\\.\t\\{"Version": "0\\.104\\.0", "NumCPU": \\d+\\}$`, 'm'));
    assert.match(out, new RegExp(`^${TS}\tinfo\tservice@v0\\.104\\.0/service\\.go:219\tEverything is ready\\. Begin running and processing data\\.$`, 'm'));
    assert.doesNotMatch(out, /Denial of Service/);
    // A client on another local address is refused: nothing listens on the wildcard.
    await assert.rejects(new Promise((res, rej) => { const s = net.connect(4317, '127.0.0.2'); s.on('connect', () => { s.destroy(); res(null); }); s.on('error', rej); }), /ECONNREFUSED/);
  } finally {
    assert.equal(await p.stop(), 0);
  }
});

test('0.103.0 default endpoints are 0.0.0.0: wildcard bind, the DoS warning and the feature-gate warning', async () => {
  requireFree(4317, 4318);
  const { p } = await startCollector(IMG('0.103.0'), { '/conf/relay.yaml': otlpConf(null, null) });
  try {
    await ready(p);
    await p.waitFor(/localhostgate/);
    const l = listeners(4317);
    assert.ok(l.includes('[::]:4317') || l.includes('0.0.0.0:4317'), l.join(','));
    const out = p.out();
    assert.match(out, /\tinfo\totlpreceiver@v0\.103\.0\/otlp\.go:102\tStarting GRPC server\t\{"kind": "receiver", "name": "otlp", "data_type": "traces", "endpoint": "0\.0\.0\.0:4317"\}\n/);
    assert.match(out, /\twarn\tinternal@v0\.103\.0\/warning\.go:42\tUsing the 0\.0\.0\.0 address exposes this server to every network interface, which may facilitate Denial of Service attacks\. Enable the feature gate to change the default and remove this warning\.\t\{"kind": "receiver", "name": "otlp", "data_type": "traces", "documentation": "[^"]+", "feature gate ID": "component\.UseLocalHostAsDefaultHost"\}\n/);
    assert.match(out, /Everything is ready\. Begin running and processing data\.\n.*\twarn\tlocalhostgate\/featuregate\.go:63\tThe default endpoints for all servers in components will change to use localhost/);
  } finally {
    await p.stop();
  }
});

test('field formats per version: 0.121 capitalised kind, 0.123 no component fields, 0.127 empty resource, 0.140 bound address, 0.146 [::]', async () => {
  const cases: [string, string | null, RegExp][] = [
    ['0.121.0', null, /\tinfo\totlpreceiver@v0\.121\.0\/otlp\.go:\d+\tStarting GRPC server\t\{"otelcol\.component\.id": "otlp", "otelcol\.component\.kind": "Receiver", "endpoint": "localhost:4317"\}\n/],
    ['0.123.0', '0.0.0.0:4317', /\tinfo\totlpreceiver@v0\.123\.0\/otlp\.go:116\tStarting GRPC server\t\{"endpoint": "0\.0\.0\.0:4317"\}\n/],
    ['0.127.0', '0.0.0.0:4317', /\tinfo\totlpreceiver@v0\.127\.0\/otlp\.go:116\tStarting GRPC server\t\{"resource": \{\}, "otelcol\.component\.id": "otlp", "otelcol\.component\.kind": "receiver", "endpoint": "0\.0\.0\.0:4317"\}\n/],
    ['0.140.0', null, new RegExp(`\\tinfo\\totlpreceiver@v0\\.140\\.0/otlp\\.go:121\\tStarting GRPC server\\t\\{"resource": \\{"service\\.instance\\.id": "${UUID}", "service\\.name": "otelcol-contrib", "service\\.version": "0\\.140\\.0"\\}, "otelcol\\.component\\.id": "otlp", "otelcol\\.component\\.kind": "receiver", "endpoint": "127\\.0\\.0\\.1:4317"\\}\\n`)],
    ['0.146.1', '0.0.0.0:4317', /\tinfo\totlpreceiver@v0\.146\.1\/otlp\.go:120\tStarting GRPC server\t\{"resource": \{[^}]*\}, "otelcol\.component\.id": "otlp", "otelcol\.component\.kind": "receiver", "endpoint": "(\[::\]|0\.0\.0\.0):4317"\}\n/],
  ];
  for (const [v, grpc, re] of cases) {
    const { p } = await startCollector(IMG(v), { '/conf/relay.yaml': otlpConf(grpc, grpc ? grpc.replace('4317', '4318') : null) });
    try {
      await ready(p);
      assert.match(p.out(), re, `version ${v}`);
      if (v === '0.127.0') { assert.match(p.out(), /\tEverything is ready\. Begin running and processing data\.\t\{"resource": \{\}\}\n/); }
      if (v === '0.123.0') { assert.match(p.out(), /\tinfo\tservice@v0\.123\.0\/service\.go:287\tEverything is ready\. Begin running and processing data\.\n/); }
    } finally {
      await p.stop();
    }
  }
});

test('bind failure: cannot assign requested address, the real error lines per version, exit 1', async () => {
  for (const [v, finishLine, wrapped] of [['0.140.0', true, true], ['0.150.0', false, true], ['0.110.0', true, false]] as const) {
    const { p } = await startCollector(IMG(v), { '/conf/relay.yaml': otlpConf('10.0.0.9:4317', null) });
    assert.equal(await p.exited, 1);
    const out = p.out();
    const err = `cannot start pipelines: ${wrapped ? 'failed to start "otlp" receiver: ' : ''}listen tcp 10.0.0.9:4317: bind: cannot assign requested address`;
    assert.match(out, new RegExp(`^Error: ${err.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'), v);
    assert.equal(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d collector server run finished with error: cannot start pipelines: /m.test(out), finishLine, v);
    // Before 0.133 the Starting line precedes the listen (and shows up despite the failure).
    assert.equal(/Starting GRPC server.*"endpoint": "10\.0\.0\.9:4317"/.test(out), v === '0.110.0', v);
    assert.match(out, /\terror\tgraph\/graph\.go:\d+\tFailed to start component\t\{.*"error": "listen tcp 10\.0\.0\.9:4317: bind: cannot assign requested address", "type": "Receiver", "id": "otlp"\}/);
    assert.doesNotMatch(out, /Everything is ready/);
  }
});

test('bind failure from 0.133: no Starting line for the failed listener; address already in use names 127.0.0.1', async () => {
  const port = await freePort();
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
  try {
    const { p } = await startCollector(IMG('0.138.0'), { '/conf/relay.yaml': otlpConf(`localhost:${port}`, null) });
    assert.equal(await p.exited, 1);
    assert.match(p.out(), new RegExp(`^Error: cannot start pipelines: failed to start "otlp" receiver: listen tcp 127\\.0\\.0\\.1:${port}: bind: address already in use$`, 'm'));
    assert.doesNotMatch(p.out(), /Starting GRPC server/);
  } finally {
    blocker.close();
  }
});

test('env expansion and unset-variable warning as in the 0.117.0 paste', async () => {
  const port = await freePort();
  const conf = otlpConf('${env:MY_POD_IP}:' + port, '${env:NOT_SET_HOST:-127.0.0.1}:' + (port + 1), 'processors:\n  batch:\n    timeout: ${env:UNSET_TIMEOUT}\n');
  const { p } = await startCollector(IMG('0.117.0'), { '/conf/relay.yaml': conf }, undefined, { MY_POD_IP: '127.0.0.1' });
  try {
    await ready(p);
    assert.match(p.out(), new RegExp(`^${TS}\twarn\tenvprovider@v1\\.23\\.0/provider\\.go:59\tConfiguration references unset environment variable\t\\{"name": "UNSET_TIMEOUT"\\}$`, 'm'));
    assert.doesNotMatch(p.out(), /"name": "NOT_SET_HOST"/);
    assert.match(p.out(), new RegExp(`Starting GRPC server\t\\{"kind": "receiver", "name": "otlp", "data_type": "traces", "endpoint": "127\\.0\\.0\\.1:${port}"\\}`));
    assert.deepEqual(listeners(port), [`127.0.0.1:${port}`]);
    assert.deepEqual(listeners(port + 1), [`127.0.0.1:${port + 1}`]);
  } finally {
    await p.stop();
  }
});

test('several --config merged in order (files, env:, yaml:) and --set with :: paths', async () => {
  const [a, b, c] = [await freePort(), await freePort(), await freePort()];
  const base = otlpConf(`127.0.0.1:${a}`, `127.0.0.1:${a + 1}`);
  const over = `receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:${b}\n`;
  const { p } = await startCollector(IMG('0.140.0'), { '/conf/base.yaml': base }, [
    '--config=/conf/base.yaml', '--config', 'env:OVERRIDE', `--config=yaml:service::telemetry::logs::encoding: json`, `--set=receivers::otlp::protocols::http::endpoint=127.0.0.1:${c}`,
  ], { OVERRIDE: over });
  try {
    await ready(p);
    const lines = p.out().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const grpc = lines.find((l) => l.msg === 'Starting GRPC server');
    const httpL = lines.find((l) => l.msg === 'Starting HTTP server');
    assert.equal(grpc?.endpoint, `127.0.0.1:${b}`);
    assert.equal(httpL?.endpoint, `127.0.0.1:${c}`);
    assert.match(String(grpc?.ts), /^\d{4}-\d\d-\d\dT/);
    assert.equal(grpc?.caller, 'otlpreceiver@v0.140.0/otlp.go:121');
    assert.deepEqual(listeners(a), []);
  } finally {
    await p.stop();
  }
});

test('OTLP/HTTP: POST 200 (protobuf and JSON bodies), GET 405, no pipeline 404, 415; health_check 200 body', async () => {
  const port = await freePort();
  const hc = await freePort();
  const { p } = await startCollector(IMG('0.140.0'), { '/conf/relay.yaml': otlpConf(`127.0.0.1:${await freePort()}`, `127.0.0.1:${port}`, `extensions:\n  health_check:\n    endpoint: 127.0.0.1:${hc}\n`).replace('service:\n', 'service:\n  extensions: [health_check]\n') });
  try {
    await ready(p);
    const req = (method: string, path: string, type?: string, body?: Buffer | string, to = port): Promise<{ status: number; type: string; body: Buffer }> => new Promise((resolve, reject) => {
      const r = http.request({ host: '127.0.0.1', port: to, method, path, headers: type ? { 'Content-Type': type } : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: Buffer.concat(chunks) }));
      });
      r.on('error', reject);
      r.end(body);
    });
    const pb = await req('POST', '/v1/traces', 'application/x-protobuf', Buffer.alloc(0));
    assert.deepEqual([pb.status, pb.type, pb.body.toString('hex')], [200, 'application/x-protobuf', '0a00']);
    const js = await req('POST', '/v1/traces', 'application/json', '{}');
    assert.deepEqual([js.status, js.type, js.body.toString()], [200, 'application/json', '{"partialSuccess":{}}']);
    const get = await req('GET', '/v1/traces');
    assert.deepEqual([get.status, get.body.toString()], [405, '405 method not allowed, supported: [POST]']);
    const logs = await req('POST', '/v1/logs', 'application/json', '{}');
    assert.deepEqual([logs.status, logs.body.toString()], [404, '404 page not found\n']);
    const nt = await req('POST', '/v1/traces', 'text/plain', 'x');
    assert.equal(nt.status, 415);
    const health = await req('GET', '/', undefined, undefined, hc);
    assert.equal(health.status, 200);
    assert.match(health.body.toString(), /^\{"status":"Server available","upSince":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z","uptime":"[\d.]+(ns|µs|ms|s)"\}$/);
    assert.match(p.out(), /\thealthcheck\/handler\.go:132\tHealth Check state change\t\{"resource": \{[^}]*\}, "otelcol\.component\.id": "health_check", "otelcol\.component\.kind": "extension", "status": "ready"\}\n/);
  } finally {
    const code = await p.stop();
    assert.equal(code, 0);
    assert.match(p.out(), /\tReceived signal from OS\t\{"resource": \{[^}]*\}, "signal": "terminated"\}\n.*\tStarting shutdown\.\.\.\t.*\n.*"status": "unavailable"\}\n.*\tStopping extensions\.\.\.\t.*\n.*\tShutdown complete\.\t/);
  }
});

test('OTLP/gRPC over h2c: Export answers grpc-status 0 with an empty response; unregistered service 12; HTTP/1 gets the SETTINGS frame', async () => {
  const port = await freePort();
  const { p } = await startCollector(IMG('0.140.0'), { '/conf/relay.yaml': otlpConf(`127.0.0.1:${port}`, `127.0.0.1:${await freePort()}`) });
  try {
    await ready(p);
    const call = (path: string): Promise<{ status?: string; data: Buffer; message?: string }> => new Promise((resolve, reject) => {
      const s = http2.connect(`http://127.0.0.1:${port}`);
      s.on('error', reject);
      const st = s.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
      const chunks: Buffer[] = [];
      let status: string | undefined;
      let message: string | undefined;
      st.on('response', (h) => { status ??= h['grpc-status'] as string | undefined; message ??= h['grpc-message'] as string | undefined; });
      st.on('trailers', (h) => { status = h['grpc-status'] as string; });
      st.on('data', (d: Buffer) => chunks.push(d));
      st.on('close', () => { s.close(); resolve({ status, data: Buffer.concat(chunks), message }); });
      st.end(Buffer.from([0, 0, 0, 0, 0]));
    });
    const ok = await call('/opentelemetry.proto.collector.trace.v1.TraceService/Export');
    assert.equal(ok.status, '0');
    assert.equal(ok.data.toString('hex'), '00000000020a00');
    const un = await call('/opentelemetry.proto.collector.logs.v1.LogsService/Export');
    assert.equal(un.status, '12');
    assert.equal(un.message, 'unknown service opentelemetry.proto.collector.logs.v1.LogsService');
    const bytes = await new Promise<Buffer>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => s.write('POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n'));
      const chunks: Buffer[] = [];
      s.on('data', (d: Buffer) => chunks.push(d));
      s.on('end', () => resolve(Buffer.concat(chunks)));
      s.on('error', reject);
    });
    assert.equal(bytes.toString('hex'), '000006040000000000000500004000');
  } finally {
    await p.stop();
  }
});

test('a gRPC client on the OTLP/HTTP port reads Go net/http 400 (HTT... = frame too large)', async () => {
  const port = await freePort();
  const { p } = await startCollector(IMG('0.140.0'), { '/conf/relay.yaml': otlpConf(`127.0.0.1:${await freePort()}`, `127.0.0.1:${port}`) });
  try {
    await ready(p);
    const first = await new Promise<Buffer>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => s.write(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00', 'latin1')));
      const chunks: Buffer[] = [];
      s.on('data', (d: Buffer) => chunks.push(d));
      s.on('end', () => resolve(Buffer.concat(chunks)));
      s.on('error', reject);
    });
    assert.match(first.toString('latin1'), /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.equal(first.readUIntBE(0, 3), 4740180);
  } finally {
    await p.stop();
  }
});

test('invalid configs print the real errors and exit 1', async () => {
  const cases: [string, Record<string, string>, string[], RegExp][] = [
    ['0.103.0', { '/c.yaml': otlpConf(null, null).replace('debug: {}', 'debug: {}\n  jaegar: {}') }, ['--config=/c.yaml'],
      /^Error: failed to get config: cannot unmarshal the configuration: 1 error\(s\) decoding:\n\n\* error decoding 'exporters': unknown type: "jaegar" for id: "jaegar" \(valid values: \[[^\]]+\]\)\n\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d collector server run finished with error: failed to get config/m],
    ['0.140.0', { '/c.yaml': otlpConf(null, null).replace('debug: {}', 'debug: {}\n  jaegar: {}') }, ['--config=/c.yaml'],
      /^Error: failed to get config: cannot unmarshal the configuration: decoding failed due to the following error\(s\):\n\n'exporters' unknown type: "jaegar" for id: "jaegar" \(valid values: \[/m],
    ['0.140.0', { '/c.yaml': otlpConf(null, null).replace('receivers: [otlp]', 'receivers: [otlp, spanmetrics]') }, ['--config=/c.yaml'],
      /^Error: invalid configuration: service::pipelines::traces: references receiver "spanmetrics" which is not configured$/m],
    ['0.104.0', { '/c.yaml': 'receivers:\n  otlp:\n    protocols: {}\n' + otlpConf(null, null).split('exporters:')[1].replace(/^/, 'exporters:') }, ['--config=/c.yaml'],
      /^Error: invalid configuration: receivers::otlp: must specify at least one protocol when using the OTLP receiver$/m],
    ['0.140.0', { '/c.yaml': 'receivers:\n  otlp:\n    protocols:\n  grpc: [\n' }, ['--config=/c.yaml'], /^Error: failed to get config: cannot resolve the configuration: .*yaml: line \d+: /m],
    ['0.150.0', {}, ['--config=/conf/relay.yaml'], /^Error: failed to get config: cannot resolve the configuration: cannot retrieve the configuration: unable to read the file file:\/conf\/relay\.yaml: open \/conf\/relay\.yaml: no such file or directory\n$/],
  ];
  for (const [v, files, args, re] of cases) {
    const { p } = await startCollector(IMG(v), files, args);
    assert.equal(await p.exited, 1, p.out());
    assert.match(p.out(), re, `${v} ${args}`);
  }
});

/** ConfigMap data and the container that mounts it, straight from the upstream fixtures. */
function upstream(dir: string, cmFile: string, workloadFile: string): { config: string; image: string; args: string[]; key: string } {
  const base = join(UPSTREAM, dir);
  const cm = parseAllDocuments(readFileSync(join(base, cmFile), 'utf8')).map((d) => d.toJS()).find((d) => d?.kind === 'ConfigMap');
  const wl = parseAllDocuments(readFileSync(join(base, workloadFile), 'utf8')).map((d) => d.toJS()).find((d) => d?.spec?.template);
  const c = wl.spec.template.spec.containers[0];
  const key = Object.keys(cm.data)[0];
  return { config: cm.data[key], image: c.image, args: [...(c.command ?? []), ...(c.args ?? [])], key };
}

test('upstream configs (helm deployment, daemonset, statefulset, OpenTelemetry demo) reach Everything is ready', async () => {
  const sets = [
    upstream('helm-collector-deployment-otlp-traces', 'configmap.yaml', 'deployment.yaml'),
    upstream('helm-collector-daemonset-only', 'configmap-agent.yaml', 'daemonset.yaml'),
    upstream('helm-collector-statefulset-only', 'configmap-statefulset.yaml', 'statefulset.yaml'),
    upstream('otel-demo', 'opentelemetry-collector-configmap-agent.yaml', 'opentelemetry-collector-daemonset.yaml'),
  ];
  for (const s of sets) {
    const root = simRoot({ [`/conf/${s.key}.yaml`]: s.config });
    const env = { SIM_ROOT: root, SIM_IMAGE: s.image, MY_POD_IP: '127.0.0.1', K8S_NODE_IP: '127.0.0.1', K8S_NODE_NAME: 'sim-node-1', OTEL_K8S_NODE_NAME: 'sim-node-1', OTEL_K8S_NAMESPACE: 'default', OTEL_K8S_POD_NAME: 'p', OTEL_K8S_POD_IP: '127.0.0.1', OTEL_K8S_NODE_IP: '172.18.0.2' };
    const p = runStandin('collector.ts', s.args, env);
    try {
      await ready(p);
      assert.match(p.out(), /Starting GRPC server.*"endpoint": "127\.0\.0\.1:4317"/);
      assert.match(p.out(), /"k8s\.node\.name": "sim-node-1"/);
      assert.ok(listeners(4317).includes('127.0.0.1:4317'));
      assert.ok(listeners(13133).includes('127.0.0.1:13133'));
    } finally {
      assert.equal(await p.stop(), 0, p.out());
    }
  }
});

test('upstream Helm config with MY_POD_IP unset: warns and binds every interface, as the real one would', async () => {
  const s = upstream('helm-collector-deployment-otlp-traces', 'configmap.yaml', 'deployment.yaml');
  const root = simRoot({ '/conf/relay.yaml': s.config });
  const p = runStandin('collector.ts', s.args, { SIM_ROOT: root, SIM_IMAGE: s.image });
  try {
    await ready(p);
    assert.match(p.out(), /\twarn\tenvprovider@v1\.\d+\.0\/provider\.go:59\tConfiguration references unset environment variable\t\{.*"name": "MY_POD_IP"\}/);
    assert.match(p.out(), /Starting GRPC server.*"endpoint": "(\[::\]|0\.0\.0\.0):4317"/);
  } finally {
    await p.stop();
  }
});
