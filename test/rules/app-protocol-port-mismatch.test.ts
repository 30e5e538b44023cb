import { rule } from '../../src/rules/app-protocol-port-mismatch.ts';
import type { Snapshot } from '../../src/snapshot.ts';
import { envValue, loadSnapshot, ruleTester, variant } from './helpers.ts';

const GO_HTTP_TO_GRPC = 'traces export: Post "http://otel-collector.observability.svc.cluster.local:4317/v1/traces": net/http: HTTP/1.x transport connection broken: malformed HTTP response "\\x00\\x00\\x06\\x04\\x00\\x00\\x00\\x00\\x00\\x00\\x05\\x00\\x00@\\x00"';

/** cart as a Go app (no protocol to read) dialling the gRPC port. */
const goTo4317 = (patch: (s: Snapshot) => void = () => {}) =>
  variant(loadSnapshot('healthy-helm'), (s) => {
    s.apps[0].sdk = { language: 'go', from: 'test' };
    s.apps[0].exporter.endpoint = envValue('http://otel-collector.observability.svc.cluster.local:4317');
    patch(s);
  });

ruleTester(rule, {
  valid: [
    { name: 'healthy: protocols match their ports', snapshot: loadSnapshot('healthy-helm') },
    { name: 'Go with no protocol set is not guessed', snapshot: goTo4317() },
  ],
  invalid: [
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
