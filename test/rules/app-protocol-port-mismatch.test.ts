import { rule } from '../../src/rules/app-protocol-port-mismatch.ts';
import type { Snapshot } from '../../src/snapshot.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envValue, findingsOf, loadSnapshot, ruleTester, variant } from './helpers.ts';

const GO_HTTP_TO_GRPC = 'traces export: Post "http://otel-collector.observability.svc.cluster.local:4317/v1/traces": net/http: HTTP/1.x transport connection broken: malformed HTTP response "\\x00\\x00\\x06\\x04\\x00\\x00\\x00\\x00\\x00\\x00\\x05\\x00\\x00@\\x00"';

/** cart as a Go app (no protocol to read) dialling the gRPC port. */
const goTo4317 = (patch: (s: Snapshot) => void = () => {}) =>
  variant(loadSnapshot('healthy-helm'), (s) => {
    s.apps[0].sdk = { language: 'go', from: 'test' };
    s.apps[0].exporter.endpoint = envValue('http://otel-collector.observability.svc.cluster.local:4317');
    patch(s);
  });

/** cart's endpoint probe as gather records it when the receiver answered the app's protocol. */
const spoke = (host: string, port: number, otlp: NonNullable<Snapshot['probes'][number]['otlp']>) => (s: Snapshot) => {
  s.probes = [{ from: { namespace: 'shop', pod: s.apps[0].pod, container: 'cart' }, target: { kind: 'app-endpoint', host, port }, method: 'bash-dev-tcp', result: 'connected', otlp }];
};
/** grpc-go's SETTINGS frame, the answer to a POST on a gRPC port. */
const SETTINGS_ANSWER = { sent: 'http-post', path: '/v1/traces', contentType: 'application/x-protobuf', result: 'wrong-protocol', answeredBy: 'http/2', detail: 'the receiver answered the HTTP/1.1 POST with an HTTP/2 SETTINGS frame (000006040000000000): an OTLP/gRPC port', tool: 'bash' } as const;
const nodeTo4317 = variant(loadSnapshot('healthy-helm'), (s) => {
  s.apps[0].exporter.endpoint = envValue('http://otel-collector.observability.svc.cluster.local:4317');
  spoke('otel-collector.observability.svc.cluster.local', 4317, SETTINGS_ANSWER)(s);
});
const nodeToGateway = variant(loadSnapshot('healthy-helm'), (s) => {
  s.apps[0].exporter.endpoint = envValue('http://otlp-gateway.example.com:8443');
  spoke('otlp-gateway.example.com', 8443, SETTINGS_ANSWER)(s);
});

ruleTester(rule, {
  valid: [
    { name: 'healthy: protocols match their ports', snapshot: loadSnapshot('healthy-helm') },
    { name: 'Go with no protocol set is not guessed', snapshot: goTo4317() },
    {
      name: 'a port nothing static knows, whose receiver answered the POST in HTTP/1.1: the protocol matches',
      snapshot: variant(nodeToGateway, (s) => { s.probes[0].otlp = { ...SETTINGS_ANSWER, result: 'otlp-http-ok', answeredBy: 'otlp-http', status: 200, detail: 'accepted' }; }),
    },
  ],
  invalid: [
    { name: 'a port nothing static knows: the gRPC SETTINGS frame answering the POST proves it', snapshot: nodeToGateway, findings: [{ severity: 'error', subject: 'Deployment shop/cart:cart' }] },
    {
      name: 'Node (http/protobuf by default) pointed at 4317',
      snapshot: variant(loadSnapshot('healthy-helm'), (s) => (s.apps[0].exporter.endpoint = envValue('http://otel-collector.observability.svc.cluster.local:4317'))),
      findings: [{ severity: 'error', subject: 'Deployment shop/cart:cart', check: { subject: 'Deployment shop/cart', status: 'fail' } }],
    },
    {
      name: 'explicit grpc to 4318',
      snapshot: variant(loadSnapshot('healthy-helm'), (s) => (s.apps[0].exporter.protocol = envValue('grpc', 'OTEL_EXPORTER_OTLP_PROTOCOL'))),
      findings: [{ severity: 'error', subject: 'Deployment shop/cart:cart' }],
    },
    {
      name: 'Go with no protocol set, whose log shows the mismatch',
      snapshot: goTo4317((s) => {
        s.logs.push({ namespace: 'shop', pod: s.apps[0].pod, container: 'cart', role: 'app', matches: [{ signature: 'go-http-to-grpc-port', kind: 'protocol', line: GO_HTTP_TO_GRPC }] });
      }),
      findings: [{ severity: 'error', subject: 'Deployment shop/cart:cart' }],
    },
  ],
});

test('the probe\'s answer is exec evidence beside the config', () => {
  const [f] = findingsOf(rule, nodeTo4317);
  assert.deepEqual(f.evidence.map((e) => e.source), ['config', 'config', 'config', 'exec']);
  assert.match(f.evidence[3].detail, /sent POST \/v1\/traces \(application\/x-protobuf\) to otel-collector.observability.svc.cluster.local:4317 with bash: wrong-protocol, .*SETTINGS frame/);
  const [g] = findingsOf(rule, nodeToGateway);
  assert.deepEqual(g.evidence.map((e) => e.source), ['exec']);
  assert.match(g.summary, /sends http\/protobuf to port 8443, which serves OTLP\/gRPC/);
});
