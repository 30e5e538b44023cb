/** Every collector line format in ../shared/reference/collector-logs.md, and the SDK cheat sheet (§0). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchCollectorLine, matchSdkLine } from '../../src/otel/logs.ts';

const START: [string, string, string, string][] = [
  ['0.66 console kind/name/pipeline', '2022-12-05T16:06:36.142Z\tinfo\totlpreceiver@v0.66.0/otlp.go:71\tStarting GRPC server\t{"kind": "receiver", "name": "otlp", "pipeline": "metrics", "endpoint": "0.0.0.0:4317"}', 'grpc', '0.0.0.0:4317'],
  ['0.104 spaces for tabs', '2024-07-01T19:58:27.753-0600    info    otlpreceiver@v0.104.0/otlp.go:102       Starting GRPC server    {"kind": "receiver", "name": "otlp", "data_type": "traces", "endpoint": "localhost:4317"}', 'grpc', 'localhost:4317'],
  ['0.120 otelcol.component.* capitalised', '2025-03-01T00:00:00.000Z\tinfo\totlpreceiver@v0.120.0/otlp.go:116\tStarting HTTP server\t{"otelcol.component.id": "otlp", "otelcol.component.kind": "Receiver", "endpoint": "0.0.0.0:4318"}', 'http', '0.0.0.0:4318'],
  ['0.123 regression, no component', '2025-04-11T23:54:54.584Z\tinfo\totlpreceiver@v0.123.0/otlp.go:116\tStarting GRPC server\t{"endpoint": "0.0.0.0:4317"}', 'grpc', '0.0.0.0:4317'],
  ['0.127 resource {}', '2025-09-16T11:27:31.173Z        info    otlpreceiver@v0.127.0/otlp.go:173       Starting HTTP server    {"resource": {}, "otelcol.component.id": "otlp", "otelcol.component.kind": "receiver", "endpoint": "0.0.0.0:4318"}', 'http', '0.0.0.0:4318'],
  ['0.138 resolved 127.0.0.1', '2025-11-04T13:13:41.246Z        info    otlpreceiver@v0.138.0/otlp.go:121       Starting GRPC server    {"resource": {"service.instance.id": "ec2e6d20-2fb6-4017-b21e-cea7a01df4d7", "service.name": "otelcol-mackerel", "service.version": "0.2.0"}, "otelcol.component.id": "otlp", "otelcol.component.kind": "receiver", "endpoint": "127.0.0.1:4317"}', 'grpc', '127.0.0.1:4317'],
  ['0.146 compose prefix, [::]', 'otel-collector-1  | 2026-07-14T09:25:04.280Z    info    otlpreceiver@v0.146.1/otlp.go:120       Starting GRPC server    {"resource": {"service.instance.id": "1c2eb612-de74-4e1e-a474-b745da1e37d7", "service.name": "otelcol-contrib", "service.version": "0.146.1"}, "otelcol.component.id": "otlp", "otelcol.component.kind": "receiver", "endpoint": "[::]:4317"}', 'grpc', '[::]:4317'],
  ['0.160 pod IP', '2026-09-11T10:02:30.894Z        info    otlpreceiver@v0.160.0/otlp.go:120       Starting GRPC server    {"resource": {"host.name": "desktop-worker", "k8s.namespace.name": "opentelemetry", "k8s.pod.ip": "10.244.1.39", "service.name": "otelcol-k8s", "service.version": "0.160.0"}, "otelcol.component.id": "otlp", "otelcol.component.kind": "receiver", "endpoint": "10.244.1.39:4317"}', 'grpc', '10.244.1.39:4317'],
  ['<= 0.61 in the message', '2021-12-01T00:00:00.000Z\tinfo\totlpreceiver/otlp.go:68\tStarting GRPC server on endpoint 0.0.0.0:4317\t{"kind": "receiver", "name": "otlp"}', 'grpc', '0.0.0.0:4317'],
  ['JSON encoding, ISO ts', '{"level":"info","ts":"2025-10-13T15:52:29.276Z","caller":"otlpreceiver@v0.136.0/otlp.go:121","msg":"Starting GRPC server","resource":{"service.name":"otelcol-contrib"},"otelcol.component.id":"otlp","otelcol.component.kind":"receiver","endpoint":"[::]:4317"}', 'grpc', '[::]:4317'],
  ['JSON encoding, float ts', '{"level":"info","ts":1724296433.68,"caller":"otlpreceiver@v0.107.0/otlp.go:102","msg":"Starting HTTP server","kind":"receiver","name":"otlp","data_type":"traces","endpoint":"localhost:4318"}', 'http', 'localhost:4318'],
];

for (const [name, line, server, endpoint] of START) {
  test(`collector start line: ${name}`, () => {
    const m = matchCollectorLine(line);
    assert.equal(m?.signature, 'collector-server-start');
    assert.equal(m?.fields?.server, server);
    assert.equal(m?.fields?.endpoint, endpoint);
  });
}

test('collector failures: bind (<= 0.121, >= 0.122, error line), config, unset env, ready', () => {
  const cases: [string, string, Record<string, string>][] = [
    ['Error: cannot start pipelines: listen tcp 0.0.0.0:4317: bind: address already in use', 'collector-bind-in-use', { address: '0.0.0.0:4317' }],
    ['2023/10/17 23:27:05 collector server run finished with error: cannot start pipelines: failed to start "otlp" receiver: listen tcp 127.0.0.1:4317: bind: address already in use', 'collector-bind-in-use', { address: '127.0.0.1:4317', component: 'otlp' }],
    ['2025-01-01T00:00:00.000Z\terror\tgraph/graph.go:426\tFailed to start component\t{"resource": {}, "error": "listen tcp 10.0.0.9:4317: bind: cannot assign requested address", "type": "Receiver", "id": "otlp"}', 'collector-bind-cannot-assign', { address: '10.0.0.9:4317', component: 'otlp' }],
    ['Error: invalid configuration: service::pipelines::metrics: references receiver "spanmetrics" which is not configured', 'collector-config-invalid', {}],
    ['Error: failed to get config: cannot unmarshal the configuration: decoding failed due to the following error(s):', 'collector-config-invalid', {}],
    ['2025-04-07T04:04:01.492Z\twarn\tenvprovider@v1.23.0/provider.go:59\tConfiguration references unset environment variable\t{"name": "MY_POD_IP"}', 'collector-unset-env', { name: 'MY_POD_IP', state: 'unset' }],
    ['2025-04-07T04:04:01.498Z\tinfo\tservice@v0.117.0/service.go:253\tEverything is ready. Begin running and processing data.', 'collector-ready', {}],
    ['2025-09-16T11:27:31.170Z        info    service@v0.127.0/service.go:266 Starting otelcol...     {"resource": {}, "Version": "0.127.0", "NumCPU": 4}', 'collector-version', { version: '0.127.0', binary: 'otelcol' }],
  ];
  for (const [line, sig, fields] of cases) {
    const m = matchCollectorLine(line);
    assert.equal(m?.signature, sig, line);
    for (const [k, v] of Object.entries(fields)) { assert.equal(m?.fields?.[k], v, `${k} of ${line}`); }
  }
  assert.equal(matchCollectorLine('2024-07-01T19:58:27.751-0600    info    service@v0.104.0/service.go:115 Setting up own telemetry...'), null);
});

test('SDK export errors (§0 cheat sheet): refused / timeout / dns / tls / protocol per SDK', () => {
  const cases: [string, string][] = [
    ['2023/09/05 07:03:06 traces export: context deadline exceeded: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp [::1]:4317: connect: connection refused"', 'refused'],
    ['traces export: Post "http://localhost:4318/v1/traces": dial tcp [::1]:4318: connectex: No connection could be made because the target machine actively refused it.', 'refused'],
    ['Transient error StatusCode.UNAVAILABLE encountered while exporting traces to localhost:4317, retrying in 1s.', 'unavailable'],
    ["requests.exceptions.ConnectionError: HTTPConnectionPool(host='localhost', port=4318): Max retries exceeded with url: /v1/metrics (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f94e127ce30>: Failed to establish a new connection: [Errno 111] Connection refused'))", 'refused'],
    ['[otel.javaagent 2025-04-07 16:22:56:791 +0900] [OkHttp http://localhost:4318/...] ERROR io.opentelemetry.exporter.internal.http.HttpExporter - Failed to export spans. The request could not be executed. Full error message: Failed to connect to localhost/127.0.0.1:4318', 'refused'],
    ['{"stack":"Error: 14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED ::1:4317\\n    at callErrorFromStatus (~/node_modules/@grpc/grpc-js/build/src/call.js:32:19)', 'refused'],
    ['EventSource=OpenTelemetry-Exporter-OpenTelemetryProtocol, Message=Exporter failed send data to collector to http://localhost:4318/v1/traces endpoint. Data will not be sent. Exception: System.Net.Http.HttpRequestException: An error occurred while sending the request. ---> System.Net.WebException: Unable to connect to the remote server ---> System.Net.Sockets.SocketException: No connection could be made because the target machine actively refused it 127.0.0.1:4318', 'refused'],
    ['2023/06/30 20:11:26 traces export: context deadline exceeded: rpc error: code = DeadlineExceeded desc = context deadline exceeded', 'timeout'],
    ['2023/06/30 20:11:56 traces export: context deadline exceeded: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp {ip}:14317: i/o timeout"', 'timeout'],
    ['Failed to export traces to secret-ip:4317, error code: StatusCode.DEADLINE_EXCEEDED, error details: Deadline Exceeded', 'timeout'],
    ['SEVERE: Failed to export spans. The request could not be executed. Full error message: timeout', 'timeout'],
    ['2026/02/01 00:24:02 traces export: processor export timeout: retry-able request failure: Post "http://otel-collector:4317/v1/traces": dial tcp: lookup otel-collector on 10.96.0.10:53: server misbehaving', 'dns'],
    ['2025/03/24 10:18:32 traces export: context deadline exceeded: rpc error: code = Unavailable desc = name resolver error: produced zero addresses', 'dns'],
    ['[otel.javaagent 2022-02-07 15:10:32:244 +0000] [OkHttp http://otel-collector:4317/...] ERROR io.opentelemetry.exporter.otlp.internal.grpc.OkHttpGrpcExporter - Failed to export spans. The request could not be executed. Full error message: otel-collector: Name or service not known', 'dns'],
    ['Error: 14 UNAVAILABLE: Name resolution failed for target dns:otel-collector:4317', 'dns'],
    ['OpenTelemetry: [error] Export failure [exception] Export retry limit exceeded [previous] cURL error 6: Could not resolve host: collector (see https://curl.haxx.se/libcurl/c/libcurl-errors.html) for http://collector:4318/v1/traces', 'dns'],
    ['traces export: context deadline exceeded: rpc error: code = Unavailable desc = connection error: desc = "transport: authentication handshake failed: tls: first record does not look like a TLS handshake"', 'tls'],
    ['failed to upload metrics: Post "https://otel-collector:4318/v1/metrics": http: server gave HTTP response to HTTPS client', 'tls'],
    ['Post "http://tracetest.tracetest.svc.cluster.local:4317/v1/traces": net/http: HTTP/1.x transport connection broken: malformed HTTP response "\\x00\\x00\\x06\\x04\\x00\\x00\\x00\\x00\\x00\\x00\\x05\\x00\\x00@\\x00"', 'protocol'],
    ['traces export: context deadline exceeded: rpc error: code = Unavailable desc = connection error: desc = "error reading server preface: http2: frame too large"', 'protocol'],
    ['[otel.javaagent 2024-08-23 15:39:02:892 +0800] [OkHttp http://172.16.1.61:4317/...] WARN io.opentelemetry.exporter.internal.grpc.GrpcExporter - Failed to export spans. Server responded with gRPC status code 2. Error message: FRAME_SIZE_ERROR: 4740180', 'protocol'],
    ['ad-service  | [otel.javaagent 2024-01-30 12:10:57:257 +0000] [OkHttp http://otelcol:4317/...] ERROR io.opentelemetry.exporter.internal.http.HttpExporter - Failed to export logs. The request could not be executed. Full error message: Connection reset', 'protocol'],
    ['{"stack":"Error: Parse Error: Expected HTTP/\\n    at Socket.socketOnData (node:_http_client:541:22)', 'protocol'],
  ];
  for (const [line, kind] of cases) { assert.equal(matchSdkLine(line)?.kind, kind, line); }
  assert.equal(matchSdkLine('GET /healthz 200 3ms'), null);
});

test('SDK matcher extracts where the app was sending', () => {
  const m = matchSdkLine('2024/10/01 10:00:05 traces export: context deadline exceeded: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 10.96.12.34:4317: connect: connection refused"');
  assert.equal(m?.signature, 'go-refused');
  assert.equal(m?.fields?.address, '10.96.12.34:4317');
});
