// The stand-in collector's way out: its otlp / otlphttp exporters really send what its receivers take in,
// and retry, drop, reject and log as the exporter helper of the version played does; the memory limiter
// refuses and the receiver answers apps as the real one does; the own-metrics endpoint counts it all.
// Loopback only, no root; every port is a free one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { runStandin, simRoot, freePort, type Proc } from '../../standins/testutil.ts';
import { encodeTraceRequest, grpcFrame, GRPC_PATHS } from '../../standins/otlp.ts';
import { countItems, decodeStatus, encodeStatus } from '../../standins/collector-status.ts';
import { grpcExportError, httpExportError, parseGoDuration, PipelineError } from '../../standins/collector-export.ts';
import { refusalFor } from '../../standins/collector-pipeline.ts';
import { dataRefusedError } from '../../standins/collector-memlimit.ts';
import { SelfMetrics, readerNaming } from '../../standins/collector-metrics.ts';
import { parseVersion } from '../../standins/logformat.ts';

const IMG = (v: string): string => `otel/opentelemetry-collector-contrib:${v}`;
const span = (): Buffer => encodeTraceRequest('shop', 'GET /', Buffer.alloc(16, 1), Buffer.alloc(8, 2), 1n, 2n);

function conf(httpPort: number, exporters: string, pipelineExporters: string, processors = '', telemetry = ''): string {
  return `
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${httpPort}
${processors ? `processors:\n${processors}` : ''}
exporters:
${exporters}
service:
${telemetry}  pipelines:
    traces:
      receivers: [otlp]
${processors ? `      processors: [${[...processors.matchAll(/^ {2}(\S+):/gm)].map((m) => m[1]).join(', ')}]\n` : ''}      exporters: [${pipelineExporters}]
`;
}

async function start(version: string, yaml: string): Promise<Proc> {
  const p = runStandin('collector.ts', ['/otelcol-contrib', '--config=/conf/c.yaml'], { SIM_ROOT: simRoot({ '/conf/c.yaml': yaml }), SIM_IMAGE: IMG(version) });
  await Promise.race([p.waitFor(/Everything is ready/), p.exited.then((c) => { throw new Error(`collector exited ${c}:\n${p.out()}`); })]);
  return p;
}

/** An app's OTLP/HTTP export of one span; the status and the body the receiver answers. */
function post(port: number, body: Buffer, type = 'application/x-protobuf'): Promise<{ status: number; body: Buffer; type: string }> {
  return new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', headers: { 'Content-Type': type, 'Content-Length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), type: String(res.headers['content-type']) }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path }, (res) => {
      let s = '';
      res.on('data', (d: Buffer) => { s += d.toString(); });
      res.on('end', () => resolve(s));
    }).on('error', reject);
  });
}

/** A backend that answers every OTLP/HTTP request with `status` (and counts the spans it was sent). */
async function httpBackend(status: number, body = ''): Promise<{ port: number; spans: () => number; close: () => void }> {
  const port = await freePort();
  let spans = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      if (status === 200) { spans += countItems('traces', Buffer.concat(chunks), false); }
      res.writeHead(status, { 'Content-Type': status === 200 ? 'application/x-protobuf' : 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return { port, spans: () => spans, close: () => server.close() };
}

/** The JSON fields of the first console line with message `msg`, once it has come (output is a pipe: it can trail an answer). */
async function fieldsOf(p: Proc, msg: string): Promise<{ caller: string; level: string; fields: Record<string, unknown> }> {
  await p.waitFor(new RegExp(`\t${msg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\t.*\n`));
  const line = p.out().split('\n').find((l) => l.split('\t')[3] === msg);
  assert.ok(line, `no "${msg}" line in:\n${p.out()}`);
  const cols = line.split('\t');
  return { level: cols[1], caller: cols[2], fields: JSON.parse(cols[4]) as Record<string, unknown> };
}

const retryFast = 'retry_on_failure:\n      initial_interval: 50ms\n      max_interval: 100ms\n      max_elapsed_time: 400ms';

test('unit: Go durations, item counts, google.rpc.Status round trip, Go error texts per version', () => {
  assert.equal(parseGoDuration('1m30s', 0), 90_000);
  assert.equal(parseGoDuration('250ms', 0), 250);
  assert.equal(parseGoDuration(5_000_000_000, 0), 5000);
  assert.equal(parseGoDuration('soon', 7), 7);
  assert.equal(countItems('traces', Buffer.concat([span(), span()]), false), 2);
  assert.equal(countItems('traces', Buffer.alloc(0), false), 0);
  assert.deepEqual(decodeStatus(encodeStatus(14, 'data refused due to high memory usage')), { code: 14, message: 'data refused due to high memory usage' });
  // The 'Client sent an HTTP request to an HTTPS server.' body is no Status: field 8 (`C`) as a start-group.
  assert.equal(decodeStatus(Buffer.from('Client sent an HTTP request to an HTTPS server.\n')), undefined);
  const dns = { kind: 'dns-nx' as const, host: 'backend.obs', port: 4317 };
  assert.equal(grpcExportError(110, dns).message, 'rpc error: code = Unavailable desc = name resolver error: produced zero addresses');
  assert.match(grpcExportError(117, dns).message, /^rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp: lookup backend\.obs on .+:53: no such host"$/);
  const s401 = { kind: 'status' as const, host: 'b', port: 4318, status: 401, statusText: 'Unauthorized', body: '' };
  assert.equal(httpExportError(98, 'http://b:4318/v1/traces', s401).message, 'Permanent error: error exporting items, request to http://b:4318/v1/traces responded with HTTP Status Code 401, Message=, Details=[]');
  assert.equal(httpExportError(99, 'http://b:4318/v1/traces', s401).message, 'Permanent error: rpc error: code = Unauthenticated desc = error exporting items, request to http://b:4318/v1/traces responded with HTTP Status Code 401, Message=, Details=[]');
  const e503 = httpExportError(117, 'http://b:4318/v1/traces', { ...s401, status: 503 });
  assert.equal(e503.permanent, false);
  assert.equal(grpcExportError(117, { kind: 'status', host: 'b', port: 4317, grpcStatus: 7, grpcMessage: 'no' }).message, 'Permanent error: rpc error: code = PermissionDenied desc = no');
});

test('unit: the receiver\'s answer to a refusal per version and transport, the limiter\'s text per version', () => {
  const refused = (m: number) => refusalFor(m, new PipelineError(dataRefusedError(m), false));
  // Up to v0.92 the error goes back as is: grpc-go's Unknown, writeError's Unknown with 500.
  assert.deepEqual(refused(92), { grpcCode: 2, message: 'data refused due to high memory usage', httpStatus: 500 });
  // v0.93.0 (#8080): Unavailable in gRPC and in the HTTP body's status, the HTTP code still 500 ...
  assert.deepEqual(refused(93), { grpcCode: 14, message: 'data refused due to high memory usage', httpStatus: 500 });
  assert.deepEqual(refused(97), { grpcCode: 14, message: 'data refused due to high memory usage', httpStatus: 500 });
  // ... until v0.98.0 (#9357) maps the status to HTTP: 503.
  assert.deepEqual(refused(98), { grpcCode: 14, message: 'data refused due to high memory usage', httpStatus: 503 });
  // A permanent error without a status: InvalidArgument at v0.93, Internal from v0.94.
  assert.equal(refusalFor(93, new PipelineError('x', true)).grpcCode, 3);
  assert.equal(refusalFor(94, new PipelineError('x', true)).grpcCode, 13);
  // errForcedDrop's text up to v0.75.0, errDataRefused's from v0.76.0 (#7459).
  assert.equal(dataRefusedError(75), 'data dropped due to high memory usage');
  assert.equal(dataRefusedError(76), 'data refused due to high memory usage');
});

test('unit: family names per reader config and version (_total and units for explicit readers 0.119-0.151, the 0.130.0 unit bug)', () => {
  const names = (version: string, prom: Record<string, unknown> | undefined): string[] => {
    const v = parseVersion(version)!;
    const reg = new SelfMetrics();
    reg.add('otelcol_exporter_sent_spans', { exporter: 'otlp' }, 1);
    reg.gauge('otelcol_exporter_queue_size', { exporter: 'otlp' }, () => 0);
    reg.gauge('otelcol_process_uptime', {}, () => 1, 'counter');
    const conf = prom ? { readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: 8888, ...prom } } } }] } : { address: ':8888' };
    return [...reg.render(v, { service_name: 'otelcol' }, readerNaming(v, conf)).matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
  };
  assert.deepEqual(names('0.130.0', undefined), ['otelcol_exporter_queue_size', 'otelcol_exporter_sent_spans', 'otelcol_process_uptime', 'target_info']);
  assert.deepEqual(names('0.130.0', {}), ['otelcol_exporter_queue_size__batches_', 'otelcol_exporter_sent_spans__spans__total', 'otelcol_process_uptime_seconds_total', 'target_info']);
  assert.deepEqual(names('0.130.1', {}), ['otelcol_exporter_queue_size', 'otelcol_exporter_sent_spans_total', 'otelcol_process_uptime_seconds_total', 'target_info']);
  assert.deepEqual(names('0.130.0', { without_units: true }), ['otelcol_exporter_queue_size', 'otelcol_exporter_sent_spans_total', 'otelcol_process_uptime_total', 'target_info']);
  assert.deepEqual(names('0.118.0', {}), ['otelcol_exporter_queue_size', 'otelcol_exporter_sent_spans', 'otelcol_process_uptime', 'target_info']);
  assert.deepEqual(names('0.152.0', {}), ['otelcol_exporter_queue_size', 'otelcol_exporter_sent_spans', 'otelcol_process_uptime', 'target_info']);
});

test('config validation of the exporters and the memory limiter, with the real texts', async () => {
  for (const [exporters, processors, want] of [
    ['  otlp:\n    endpoint: http://', '', 'invalid configuration: exporters::otlp: requires a non-empty "endpoint"'],
    ['  otlphttp:\n    compression: gzip', '', 'invalid configuration: exporters::otlphttp: at least one endpoint must be specified'],
    ['  debug: {}', '  memory_limiter:\n    limit_mib: 100\n', "invalid configuration: processors::memory_limiter: 'check_interval' must be greater than zero"],
    ['  debug: {}', '  memory_limiter:\n    check_interval: 1s\n    limit_mib: 100\n    spike_limit_mib: 100\n', "invalid configuration: processors::memory_limiter: 'spike_limit_mib' must be smaller than 'limit_mib'"],
  ] as const) {
    const port = await freePort();
    const p = runStandin('collector.ts', ['/otelcol-contrib', '--config=/conf/c.yaml'], { SIM_ROOT: simRoot({ '/conf/c.yaml': conf(port, exporters, exporters.trim().split(':')[0], processors) }), SIM_IMAGE: IMG('0.117.0') });
    assert.equal(await p.exited, 1);
    assert.match(p.out(), new RegExp(`^Error: ${want.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  }
});

test('otlp exporter to a port that refuses: retries with the configured back-off, then drops (0.117.0 lines)', async () => {
  const port = await freePort();
  const refused = await freePort();
  const p = await start('0.117.0', conf(port, `  otlp:\n    endpoint: 127.0.0.1:${refused}\n    tls:\n      insecure: true\n    ${retryFast}`, 'otlp'));
  try {
    const r = await post(port, span());
    // The sending queue takes the request: the app is answered 200 before any send.
    assert.equal(r.status, 200);
    await p.waitFor(/Exporting failed\. Dropping data\./);
    const retry = await fieldsOf(p, 'Exporting failed. Will retry the request after interval.');
    assert.equal(retry.level, 'info');
    assert.equal(retry.caller, 'internal/retry_sender.go:126');
    assert.deepEqual(Object.keys(retry.fields), ['kind', 'data_type', 'name', 'error', 'interval']);
    assert.equal(retry.fields.error, `rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:${refused}: connect: connection refused"`);
    assert.match(String(retry.fields.interval), /^\d+(\.\d+)?ms$/);
    const drop = await fieldsOf(p, 'Exporting failed. Dropping data.');
    assert.equal(drop.level, 'error');
    assert.equal(drop.caller, 'internal/queue_sender.go:103');
    assert.equal(drop.fields.error, `no more retries left: ${retry.fields.error}`);
    assert.equal(drop.fields.dropped_items, 1);
  } finally { await p.stop(); }
});

test('otlphttp exporter answered 401: permanent, not retried, dropped with its rpc status (0.130.0 lines)', async () => {
  const port = await freePort();
  const be = await httpBackend(401, 'Unauthorized\n');
  const p = await start('0.130.0', conf(port, `  otlphttp:\n    endpoint: http://127.0.0.1:${be.port}\n    ${retryFast}`, 'otlphttp'));
  try {
    assert.equal((await post(port, span())).status, 200);
    await p.waitFor(/Exporting failed\. Dropping data\./);
    assert.doesNotMatch(p.out(), /Will retry/);
    const drop = await fieldsOf(p, 'Exporting failed. Dropping data.');
    assert.equal(drop.caller, 'internal/queue_sender.go:51');
    assert.deepEqual(Object.keys(drop.fields), ['resource', 'otelcol.component.id', 'otelcol.component.kind', 'otelcol.signal', 'error', 'dropped_items']);
    assert.equal(drop.fields['otelcol.component.kind'], 'exporter');
    // text/plain is no google.rpc.Status: no Message part.
    assert.equal(drop.fields.error, `not retryable error: Permanent error: rpc error: code = Unauthenticated desc = error exporting items, request to http://127.0.0.1:${be.port}/v1/traces responded with HTTP Status Code 401`);
  } finally { await p.stop(); be.close(); }
});

test('otlphttp exporter to a backend answering 200: the spans arrive; sent counted on the metrics endpoint', async () => {
  const port = await freePort();
  const mport = await freePort();
  const be = await httpBackend(200);
  // A `readers:` prometheus exporter without without_type_suffix: counters end in _total from 0.119.
  const telemetry = `  telemetry:\n    metrics:\n      readers:\n        - pull:\n            exporter:\n              prometheus:\n                host: 127.0.0.1\n                port: ${mport}\n`;
  // `otlp_http`: the type's name from 0.144 (otlphttp stays an alias).
  const p = await start('0.150.0', conf(port, `  otlp_http:\n    endpoint: http://127.0.0.1:${be.port}`, 'otlp_http', '', telemetry));
  try {
    assert.equal((await post(port, Buffer.concat([span(), span()]))).status, 200);
    for (;;) {
      const text = await get(mport, '/metrics');
      if (/otelcol_exporter_sent_spans_total\{exporter="otlp_http",[^}]*\} 2\n/.test(text)) { break; }
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(be.spans(), 2);
  } finally { await p.stop(); be.close(); }
});

test('a full sending queue: the request is rejected and the app answered 503 (0.117.0) / dropped with 500 (0.92.0)', async () => {
  for (const [version, line, status] of [['0.117.0', 'Exporting failed. Rejecting data.', 503], ['0.92.0', 'Dropping data because sending_queue is full. Try increasing queue_size.', 500]] as const) {
    const port = await freePort();
    const refused = await freePort();
    // One consumer stuck in a long back-off holds the first request, the queue of one the second.
    const p = await start(version, conf(port, `  otlp:\n    endpoint: 127.0.0.1:${refused}\n    tls:\n      insecure: true\n    retry_on_failure:\n      initial_interval: 60s\n    sending_queue:\n      num_consumers: 1\n      queue_size: 1`, 'otlp'));
    try {
      assert.equal((await post(port, span())).status, 200);
      await p.waitFor(/Will retry the request after interval/);
      assert.equal((await post(port, span())).status, 200);
      const third = await post(port, span());
      assert.equal(third.status, status, p.out());
      assert.deepEqual(decodeStatus(third.body), { code: version === '0.117.0' ? 14 : 2, message: 'sending queue is full' });
      const l = await fieldsOf(p, line);
      assert.equal(l.level, 'error');
      if (version === '0.117.0') {
        assert.equal(l.caller, 'internal/base_exporter.go:128');
        assert.deepEqual({ error: l.fields.error, rejected_items: l.fields.rejected_items }, { error: 'sending queue is full', rejected_items: 1 });
      } else {
        assert.equal(l.caller, 'exporterhelper/queue_sender.go:213');
        assert.deepEqual(l.fields, { kind: 'exporter', data_type: 'traces', name: 'otlp', dropped_items: 1 });
      }
    } finally { await p.stop(); }
  }
});

test('memory_limiter with a limit below the heap in use refuses data; the receiver answers Unavailable / 503', async () => {
  const port = await freePort();
  const grpcPort = await freePort();
  const yaml = conf(port, '  debug: {}', 'debug', '  memory_limiter:\n    check_interval: 100ms\n    limit_mib: 2\n').replace(`http:\n        endpoint: 127.0.0.1:${port}`, `http:\n        endpoint: 127.0.0.1:${port}\n      grpc:\n        endpoint: 127.0.0.1:${grpcPort}`);
  const p = await start('0.117.0', yaml);
  try {
    await p.waitFor(/Memory usage is above soft limit\. Refusing data\./);
    const conf0 = await fieldsOf(p, 'Memory limiter configured');
    assert.equal(conf0.caller, 'memorylimiter@v0.117.0/memorylimiter.go:75');
    assert.deepEqual(conf0.fields, { kind: 'processor', name: 'memory_limiter', pipeline: 'traces', limit_mib: 2, spike_limit_mib: 0, check_interval: 0.1 });
    const refusing = await fieldsOf(p, 'Memory usage is above soft limit. Refusing data.');
    assert.equal(refusing.level, 'warn');
    assert.equal(refusing.caller, 'memorylimiter@v0.117.0/memorylimiter.go:210');
    assert.equal(typeof refusing.fields.cur_mem_mib, 'number');
    const r = await post(port, span());
    assert.equal(r.status, 503);
    assert.deepEqual(decodeStatus(r.body), { code: 14, message: 'data refused due to high memory usage' });
    const json = await post(port, Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'x' }] }] }] })), 'application/json');
    assert.equal(json.status, 503);
    assert.equal(json.body.toString(), '{"code":14,"message":"data refused due to high memory usage"}');
    // An empty request never reaches the pipeline (the protocol probes'): 200.
    assert.equal((await post(port, Buffer.alloc(0))).status, 200);
    const grpc = await new Promise<{ status: string; message: string }>((resolve, reject) => {
      const s = http2.connect(`http://127.0.0.1:${grpcPort}`);
      s.on('error', reject);
      const st = s.request({ ':method': 'POST', ':path': GRPC_PATHS.traces, 'content-type': 'application/grpc', te: 'trailers' });
      st.on('response', (h) => { resolve({ status: String(h['grpc-status']), message: decodeURIComponent(String(h['grpc-message'])) }); s.close(); });
      st.end(grpcFrame(span()));
    });
    assert.deepEqual(grpc, { status: '14', message: 'data refused due to high memory usage' });
  } finally { await p.stop(); }
});

test('app stand-ins (Go, Python; OTLP/HTTP) log the 503 the refusing collector answers', async () => {
  const port = await freePort();
  const p = await start('0.117.0', conf(port, '  debug: {}', 'debug', '  memory_limiter:\n    check_interval: 100ms\n    limit_mib: 2\n'));
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_TIMEOUT: '2000', OTEL_BSP_SCHEDULE_DELAY: '200' };
  const go = runStandin('app.ts', [], { SIM_SDK: 'go', ...env });
  const py = runStandin('app.ts', [], { SIM_SDK: 'python', ...env });
  try {
    await p.waitFor(/Refusing data/);
    // otlptracehttp retries a 503 (retryableError) until the export times out. On a loaded machine one
    // attempt can meet the deadline in flight (its line names the Post); the 503's own line still comes.
    await go.waitFor(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d traces export: processor export timeout: retry-able request failure$/m);
    // The Python exporter retries 5xx with the status reason, then gives up.
    await py.waitFor(/^Transient error Service Unavailable encountered while exporting span batch, retrying in 1\.00s\.\nFailed to export span batch due to timeout, max retries or shutdown\.$/m);
  } finally { await go.stop(); await py.stop(); await p.stop(); }
});

test('metrics: the memory limiter\'s refusals under the name of the version (0.117.0, 0.155.0), and the receiver\'s', async () => {
  for (const [version, name] of [['0.117.0', 'otelcol_processor_refused_spans'], ['0.155.0', 'otelcol_processor_memory_limiter_refused_spans']] as const) {
    const port = await freePort();
    const mport = await freePort();
    const p = await start(version, conf(port, '  debug: {}', 'debug', '  memory_limiter:\n    check_interval: 100ms\n    limit_mib: 2\n', `  telemetry:\n    metrics:\n      address: 127.0.0.1:${mport}\n`));
    try {
      await p.waitFor(/Refusing data/);
      assert.equal((await post(port, span())).status, 503);
      const text = await get(mport, '/metrics');
      assert.match(text, new RegExp(`\\n${name}\\{processor="memory_limiter",service_instance_id="[^"]+",service_name="otelcol-contrib",service_version="${version.replace(/\./g, '\\.')}"\\} 1\\n`));
      assert.match(text, /\notelcol_receiver_refused_spans\{receiver="otlp",[^}]*transport="http"\} 1\n/);
    } finally { await p.stop(); }
  }
});

test('metrics endpoint: Prometheus text with the real names and labels per version', async () => {
  for (const version of ['0.92.0', '0.117.0']) {
    const port = await freePort();
    const mport = await freePort();
    const refused = await freePort();
    const yaml = conf(port, `  otlp:\n    endpoint: 127.0.0.1:${refused}\n    tls:\n      insecure: true\n    ${retryFast}`, 'otlp', '', `  telemetry:\n    metrics:\n      address: 127.0.0.1:${mport}\n`);
    const p = await start(version, yaml);
    try {
      assert.equal((await post(port, span())).status, 200);
      await p.waitFor(/Dropping data|No more retries left/);
      const text = await get(mport, '/metrics');
      // Every line is a comment (HELP/TYPE) or `name{labels} value`, as the exposition format has them.
      for (const l of text.trimEnd().split('\n')) {
        assert.match(l, /^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|[a-zA-Z_:][a-zA-Z0-9_:]*\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\} [0-9.e+-]+)$/, l);
      }
      const inst = `service_instance_id="[0-9a-f-]{36}",service_name="otelcol-contrib",service_version="${version}"`;
      assert.match(text, new RegExp(`\\notelcol_exporter_send_failed_spans\\{exporter="otlp",${inst}\\} [1-9]\\d*\\n`));
      assert.match(text, new RegExp(`\\notelcol_receiver_accepted_spans\\{receiver="otlp",${inst},transport="http"\\} 1\\n`));
      assert.match(text, new RegExp(`\\notelcol_exporter_queue_capacity\\{exporter="otlp",${inst}\\} 1000\\n`));
      assert.match(text, new RegExp(`\\notelcol_exporter_queue_size\\{${version === '0.117.0' ? 'data_type="traces",' : ''}exporter="otlp",${inst}\\} 0\\n`));
      assert.match(text, /# TYPE otelcol_exporter_send_failed_spans counter\n/);
      assert.doesNotMatch(text, /_total\{/);
      assert.equal(/\ntarget_info\{/.test(text), version === '0.117.0');
    } finally { await p.stop(); }
  }
});

test('a permanent error with no sending queue goes back to the app: Rejecting data (0.117.0) / Dropping data (0.92.0)', async () => {
  for (const version of ['0.117.0', '0.92.0']) {
    const port = await freePort();
    const be = await httpBackend(403, '');
    const p = await start(version, conf(port, `  otlphttp:\n    endpoint: http://127.0.0.1:${be.port}\n    sending_queue:\n      enabled: false`, 'otlphttp'));
    try {
      const r = await post(port, span());
      const url = `http://127.0.0.1:${be.port}/v1/traces`;
      if (version === '0.117.0') {
        // The error carries the status built from the 403 (PermissionDenied), which the receiver maps back to 403.
        assert.equal(r.status, 403);
        const l = await fieldsOf(p, 'Exporting failed. Rejecting data. Try enabling sending_queue to survive temporary failures.');
        assert.equal(l.fields.rejected_items, 1);
        assert.equal(l.fields.error, `not retryable error: Permanent error: rpc error: code = PermissionDenied desc = error exporting items, request to ${url} responded with HTTP Status Code 403, Message=, Details=[]`);
      } else {
        // Before v0.94 any pipeline error is a 500 with codes.Unknown.
        assert.equal(r.status, 500);
        assert.equal(decodeStatus(r.body)?.code, 2);
        const l = await fieldsOf(p, 'Exporting failed. Dropping data. Try enabling sending_queue to survive temporary failures.');
        assert.equal(l.caller, 'exporterhelper/common.go:50');
        assert.deepEqual(l.fields, { kind: 'exporter', data_type: 'traces', name: 'otlphttp', dropped_items: 1, error: `Permanent error: error exporting items, request to ${url} responded with HTTP Status Code 403, Message=, Details=[]` });
        assert.equal((await fieldsOf(p, 'Exporting failed. The error is not retryable. Dropping data.')).caller, 'exporterhelper/retry_sender.go:102');
      }
    } finally { await p.stop(); be.close(); }
  }
});

test('net: the exporter reaches a TLS-only gRPC server in plaintext and gets the preface error', async () => {
  // A TLS server that never completes a handshake with a plaintext client: it closes on the h2 preface.
  const port = await freePort();
  const server = net.createServer((s) => { s.once('data', () => s.destroy()); s.on('error', () => {}); });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  const rport = await freePort();
  const p = await start('0.140.0', conf(rport, `  otlp:\n    endpoint: http://127.0.0.1:${port}\n    ${retryFast}`, 'otlp'));
  try {
    assert.equal((await post(rport, span())).status, 200);
    await p.waitFor(/Dropping data/);
    assert.equal((await fieldsOf(p, 'Exporting failed. Will retry the request after interval.')).fields.error, 'rpc error: code = Unavailable desc = connection closed before server preface received');
  } finally { await p.stop(); server.close(); }
});
