/** The collector's way-out lines of docs/reference/collector-exporter-logs.md, each as pasted upstream. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportErrorClass, matchCollectorLine, matchSdkLine } from '../../src/otel/logs.ts';

const LINES: { name: string; line: string; signature: string; fields: Record<string, string> }[] = [
  {
    name: 'v0.92 console, otlphttp refused, retrying (contrib#31356)',
    line: '2024-02-20T18:51:28.605Z\tinfo\texporterhelper/retry_sender.go:129\tExporting failed. Will retry the request after interval.\t{"kind": "exporter", "data_type": "metrics", "name": "otlphttp", "error": "failed to make an HTTP request: Post \\"http://localhost:9009/otlp/v1/metrics\\": dial tcp 127.0.0.1:9009: connect: connection refused", "interval": "4.179256493s"}',
    signature: 'collector-export-retry',
    fields: { outcome: 'retrying', component: 'otlphttp', signal: 'metrics', class: 'refused', url: 'http://localhost:9009/otlp/v1/metrics', address: '127.0.0.1:9009', interval: '4.179256493s' },
  },
  {
    name: 'v0.129 JSON, otlp DNS, retrying (contrib#42231)',
    line: '{"level":"info","ts":"2025-08-26T06:15:41.396Z","caller":"internal/retry_sender.go:133","msg":"Exporting failed. Will retry the request after interval.","resource":{"service.instance.id":"2d137878-526f-4e18-b360-db3c29703c1d","service.name":"otelcol-custom","service.version":"0.129.0"},"otelcol.component.id":"otlp/unreachable","otelcol.component.kind":"exporter","otelcol.signal":"metrics","error":"rpc error: code = Unavailable desc = connection error: desc = \\"transport: Error while dialing: dial tcp: lookup non.reachable.endpoint on 10.96.0.10:53: no such host\\"","interval":"11.442754137s"}',
    signature: 'collector-export-retry',
    fields: { component: 'otlp/unreachable', signal: 'metrics', class: 'dns', host: 'non.reachable.endpoint' },
  },
  {
    name: 'v0.1xx console, otlphttp 403 permanent, dropped (collector#13477)',
    line: '2025-07-24T15:21:18.514Z        error   internal/queue_sender.go:57     Exporting failed. Dropping data.  {"resource": {}, "otelcol.component.id": "otlphttp/openobserve", "otelcol.component.kind": "exporter", "otelcol.signal": "metrics", "error": "not retryable error: Permanent error: rpc error: code = PermissionDenied desc = error exporting items, request to https://observe.******.com/api/yoroi/v1/metrics responded with HTTP Status Code 403", "dropped_items": 805}',
    signature: 'collector-export-dropped',
    fields: { outcome: 'dropped', component: 'otlphttp/openobserve', class: 'auth', status: '403', permanent: 'true', items: '805' },
  },
  {
    name: 'v0.93 console, a downstream memory limiter, dropped (collector#9636)',
    line: '2024-02-12T12:14:35.670Z        error   exporterhelper/common.go:95     Exporting failed. Dropping data.        {"kind": "exporter", "data_type": "metrics", "name": "otlphttp", "error": "not retryable error: Permanent error: error exporting items, request to http://127.0.0.1:4320/v1/metrics responded with HTTP Status Code 500, Message=data refused due to high memory usage, Details=[]", "dropped_items": 10}',
    signature: 'collector-export-dropped',
    fields: { class: 'memory-limit', status: '500', permanent: 'true', items: '10' },
  },
  {
    name: 'v0.6x console, otlphttp x509 (operator#1398)',
    line: 'info    exporterhelper/queued_retry.go:426      Exporting failed. Will retry the request after interval.      {"kind": "exporter", "data_type": "logs", "name": "otlphttp", "error": "failed to make an HTTP request: Post \\"https://collector.something.app/v1/logs\\": x509: certificate signed by unknown authority", "interval": "33.255795251s"}',
    signature: 'collector-export-retry',
    fields: { class: 'tls', url: 'https://collector.something.app/v1/logs' },
  },
  {
    name: 'otlp to an HTTP/1.1 port (helm-charts#1204)',
    line: '2024-05-29T08:37:01.246Z        info    exporterhelper/retry_sender.go:118      Exporting failed. Will retry the request after interval.        {"kind": "exporter", "data_type": "traces", "name": "otlp", "error": "rpc error: code = Unavailable desc = connection error: desc = \\"error reading server preface: http2: frame too large\\"", "interval": "5.746427186s"}',
    signature: 'collector-export-retry',
    fields: { class: 'protocol', component: 'otlp', signal: 'traces' },
  },
  {
    name: 'pre-0.93 queue full, JSON encoding (collector#2020)',
    line: '{"level":"error","ts":1603846177.78816,"caller":"exporterhelper/queued_retry.go:150","msg":"Dropping data because sending_queue is full. Try increasing queue_size.","component_kind":"exporter","component_type":"otlphttp","component_name":"otlphttp","dropped_items":12}',
    signature: 'collector-export-queue-full',
    fields: { component: 'otlphttp', class: 'queue-full', items: '12' },
  },
  {
    name: '0.93+ queue full: "Rejecting data." with the queue\'s error (base_exporter.go, queue.go ErrQueueIsFull; from source)',
    line: '2025-10-20T12:59:49.661Z\terror\tinternal/base_exporter.go:114\tExporting failed. Rejecting data.\t{"resource": {}, "otelcol.component.id": "otlp", "otelcol.component.kind": "exporter", "otelcol.signal": "traces", "error": "sending queue is full", "rejected_items": 512}',
    signature: 'collector-export-queue-full',
    fields: { outcome: 'dropped', component: 'otlp', signal: 'traces', class: 'queue-full', items: '512' },
  },
  {
    name: 'v0.90 memory limiter refusing (collector#9043)',
    line: '2023-12-05T09:50:45.501Z warn memorylimiterprocessor@v0.90.1/memorylimiter.go:302 Memory usage is above soft limit. Refusing data. {"kind": "processor", "name": "memory_limiter", "pipeline": "traces", "cur_mem_mib": 250}',
    signature: 'collector-memory-refusing',
    fields: { state: 'refusing', component: 'memory_limiter', pipeline: 'traces', cur_mem_mib: '250' },
  },
  {
    name: 'v0.90 memory limiter back within limits (collector#9043)',
    line: '2023-12-05T09:43:08.213Z info memorylimiterprocessor@v0.90.1/memorylimiter.go:288 Memory usage back within limits. Resuming normal operation. {"kind": "processor", "name": "memory_limiter", "pipeline": "traces", "cur_mem_mib": 160}',
    signature: 'collector-memory-recovered',
    fields: { state: 'recovered', cur_mem_mib: '160' },
  },
  {
    name: 'v0.93 memory limiter configured (collector#9636)',
    line: '2024-02-12T12:13:15.730Z        info    memorylimiter/memorylimiter.go:77       Memory limiter configured       {"kind": "processor", "name": "memory_limiter", "pipeline": "metrics", "limit_mib": 400, "spike_limit_mib": 250, "check_interval": 1}',
    signature: 'collector-memory-configured',
    fields: { state: 'configured', limit_mib: '400', spike_limit_mib: '250' },
  },
];

for (const c of LINES) {
  test(`collector way-out line: ${c.name}`, () => {
    const m = matchCollectorLine(c.line);
    assert.equal(m?.signature, c.signature);
    for (const [k, v] of Object.entries(c.fields)) { assert.equal(m?.fields?.[k], v, k); }
  });
}

test('receiver start lines are not exporter failures', () => {
  const m = matchCollectorLine('2022-12-05T16:06:36.142Z\tinfo\totlpreceiver@v0.66.0/otlp.go:71\tStarting GRPC server\t{"kind": "receiver", "name": "otlp", "pipeline": "metrics", "endpoint": "0.0.0.0:4317"}');
  assert.equal(m?.kind, 'startup');
});

test('export error classes decide the fix', () => {
  const cases: [string, string][] = [
    ['rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 10.96.12.4:4317: connect: connection refused"', 'refused'],
    ['rpc error: code = Unavailable desc = name resolver error: produced zero addresses', 'dns'],
    ['rpc error: code = DeadlineExceeded desc = context deadline exceeded', 'timeout'],
    ['failed to make an HTTP request: Post "https://backend:4318/v1/traces": http: server gave HTTP response to HTTPS client', 'tls'],
    ['rpc error: code = Unavailable desc = connection error: desc = "transport: authentication handshake failed: tls: first record does not look like a TLS handshake"', 'tls'],
    ['not retryable error: Permanent error: error exporting items, request to http://backend:4318/v1/traces responded with HTTP Status Code 404', 'http-4xx'],
    ['error exporting items, request to http://backend:4318/v1/traces responded with HTTP Status Code 502', 'http-5xx'],
    ['not retryable error: Permanent error: rpc error: code = Unauthenticated desc = missing token', 'auth'],
    ['rpc error: code = Unavailable desc = ', 'unavailable'],
    ['no more retries left: Throttle (0s), error: error exporting items, request to https://otlp-gateway-prod-us-central-0.grafana.net/otlp/v1/traces responded with HTTP Status Code 429, Message=x, Details=[]', 'throttled'],
    ['rpc error: code = ResourceExhausted desc = rate limit exceeded', 'throttled'],
  ];
  for (const [error, cls] of cases) { assert.equal(exportErrorClass(error).class, cls, error); }
});

test('apps told to back off by a memory limiter (java-instrumentation#9019, collector#9636 era)', () => {
  const java = matchSdkLine('WARNING: Failed to export metrics. Server responded with gRPC status code 2. Error message: data dropped due to high memory usage');
  assert.equal(java?.kind, 'backpressure');
  // Go SDK over gRPC from 0.93 on: the receiver maps the refusal to Unavailable (otlpreceiver internal/errors).
  const go = matchSdkLine('2025/01/01 10:00:00 traces export: rpc error: code = Unavailable desc = data refused due to high memory usage');
  assert.equal(go?.signature, 'collector-memory-limited');
});
