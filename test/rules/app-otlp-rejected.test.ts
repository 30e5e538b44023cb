import assert from 'node:assert/strict';
import { rule } from '../../src/rules/app-otlp-rejected.ts';
import type { OtlpProbeRecord, Snapshot } from '../../src/snapshot.ts';
import { envValue, findingsOf, judged, loadSnapshot, ruleTester, test, variant } from './helpers.ts';

const HOST = 'otel-collector.observability.svc.cluster.local';

/** cart's endpoint probe, with the receiver's answer to its empty export. */
const answered = (otlp: OtlpProbeRecord, patch: (s: Snapshot) => void = () => {}) =>
  variant(loadSnapshot('healthy-helm'), (s) => {
    s.probes = [{ from: { namespace: 'shop', pod: s.apps[0].pod, container: 'cart' }, target: { kind: 'app-endpoint', host: HOST, port: 4318, endpoint: `http://${HOST}:4318` }, method: 'bash-dev-tcp', result: 'connected', otlp }];
    patch(s);
  });

const post = { sent: 'http-post', path: '/v1/traces', contentType: 'application/x-protobuf', tool: 'bash' } as const;
/** Go's ServeMux: no handler on the path. */
const NOT_FOUND: OtlpProbeRecord = { ...post, result: 'wrong-path', answeredBy: 'http/1.1', status: 404, detail: 'the receiver has no handler on this path: "HTTP/1.1 404 Not Found" (404 page not found)' };
/** The receiver serves traces elsewhere: its config's traces_url_path. */
const customPath = (s: Snapshot) => {
  const http = (s.collectors[0].effectiveConfig as { receivers: { otlp: { protocols: { http: Record<string, unknown> } } } }).receivers.otlp.protocols.http;
  http.traces_url_path = '/otlp/v1/traces';
};

ruleTester(rule, {
  valid: [
    { name: 'healthy: no probe spoke', snapshot: loadSnapshot('healthy-helm') },
    { name: 'the receiver accepted the empty export', snapshot: answered({ ...post, result: 'otlp-http-ok', answeredBy: 'otlp-http', status: 200, detail: 'accepted' }) },
    { name: 'a wrong protocol is app-protocol-port-mismatch\'s, not a rejection', snapshot: answered({ ...post, result: 'wrong-protocol', answeredBy: 'http/2', detail: 'SETTINGS' }) },
  ],
  invalid: [
    { name: '404 on the path the app config says is right: the receiver serves traces_url_path', snapshot: answered(NOT_FOUND, customPath), findings: [{ severity: 'error', subject: 'Deployment shop/cart:cart' }] },
    {
      name: '404 on /v1/traces: no traces pipeline takes the receiver, so it registers no handler there',
      snapshot: answered(NOT_FOUND, (s) => {
        const service = (s.collectors[0].effectiveConfig as { service: { pipelines: Record<string, unknown> } }).service;
        delete service.pipelines.traces;
      }),
      findings: [{ severity: 'error', subject: 'Deployment shop/cart:cart' }],
    },
    { name: '415: a content type the receiver does not take', snapshot: answered({ ...post, contentType: 'application/x-protobuf', result: 'rejected', answeredBy: 'http/1.1', status: 415, detail: '415 unsupported media type' }), findings: [{ severity: 'error', subject: 'Deployment shop/cart:cart' }] },
  ],
});

test('the 404 names the path the receiver serves, from its config, and the URL to use', () => {
  const [f] = findingsOf(rule, answered(NOT_FOUND, customPath));
  assert.deepEqual(f.evidence.map((e) => e.source), ['exec', 'config']);
  assert.match(f.evidence[0].detail, /sent POST \/v1\/traces \(application\/x-protobuf\) to .*:4318 with bash: wrong-path/);
  assert.equal(f.evidence[1].detail, 'otlp serves traces on /otlp/v1/traces (traces_url_path), not on /v1/traces');
  assert.match(f.fix?.patch ?? '', /value: http:\/\/otel-collector.observability.svc.cluster.local:4318\/otlp\/v1\/traces/);
  assert.match(f.summary, /answers 404 to POST \/v1\/traces/);
});

test('a malformed endpoint explains the 404 it causes: one row, the probe folded in', () => {
  const s = answered({ ...NOT_FOUND, path: '/' }, (x) => {
    x.apps[0].exporter.signals = { traces: { endpoint: envValue(`http://${HOST}:4318`, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') } };
    x.probes[0].target.signal = 'traces';
  });
  assert.deepEqual(judged(s), ['app-endpoint-malformed error Deployment shop/cart:cart']);
});

test('a signal no pipeline takes from the receiver: the config says why the path has no handler', () => {
  const [f] = findingsOf(rule, answered(NOT_FOUND, (s) => {
    delete (s.collectors[0].effectiveConfig as { service: { pipelines: Record<string, unknown> } }).service.pipelines.traces;
  }));
  assert.equal(f.evidence[1].detail, 'no traces pipeline takes otlp: the receiver registers no handler for /v1/traces');
  assert.match(f.fix?.summary ?? '', /Add otlp to a traces pipeline/);
});

test('a url_path that is not a plain path (a newline could add YAML lines to the pasted patch) gives no patch', () => {
  const hostile = (s: Snapshot) => {
    const http = (s.collectors[0].effectiveConfig as { receivers: { otlp: { protocols: { http: Record<string, unknown> } } } }).receivers.otlp.protocols.http;
    http.traces_url_path = '/x\n- name: LD_PRELOAD\n  value: /tmp/evil.so';
  };
  const [f] = findingsOf(rule, answered(NOT_FOUND, hostile));
  assert.equal(f.fix?.patch, undefined);
  assert.match(f.fix.summary, /set OTEL_EXPORTER_OTLP_TRACES_ENDPOINT/);
});

test('an IPv6 receiver address is written in brackets in the URL patch and the texts (RFC 3986, Go\'s JoinHostPort)', () => {
  const ip = 'fd00:10:244:1::5';
  const s = answered(NOT_FOUND, (x) => {
    customPath(x);
    x.collectors[0].podIP = ip;
    x.probes[0].target = { kind: 'app-endpoint', host: ip, port: 4318, endpoint: `http://[${ip}]:4318` };
  });
  const [f] = findingsOf(rule, s);
  assert.match(f.fix?.patch ?? '', /value: http:\/\/\[fd00:10:244:1::5\]:4318\/otlp\/v1\/traces$/);
  assert.match(f.summary, /at \[fd00:10:244:1::5\]:4318$/);
  const rejected = findingsOf(rule, answered({ ...post, result: 'rejected', answeredBy: 'http/1.1', status: 405, detail: '405 method not allowed' }, (x) => {
    x.probes[0].target = { kind: 'app-endpoint', host: ip, port: 4318, endpoint: `http://[${ip}]:4318` };
  }))[0];
  assert.match(rejected.fix.summary, /The receiver at \[fd00:10:244:1::5\]:4318 answers 405/);
});
