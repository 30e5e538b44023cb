import { rule } from '../../src/rules/receiver-protocol-disabled.ts';
import { loadSnapshot, ruleTester, variant } from './helpers.ts';

ruleTester(rule, {
  valid: [{ name: 'both protocols enabled', snapshot: loadSnapshot('healthy-helm'), check: { subject: 'Deployment observability/otel-collector', status: 'pass' } }],
  invalid: [
    {
      name: 'a grpc-only receiver, a Node app (http/protobuf by default) sends to 4318',
      snapshot: variant(loadSnapshot('healthy-helm'), (s) => {
        delete (s.collectors[0].effectiveConfig as any).receivers.otlp.protocols.http;
      }),
      findings: [{ severity: 'error', subject: 'Deployment observability/otel-collector:opentelemetry-collector', check: { subject: 'Deployment observability/otel-collector', status: 'fail' } }],
    },
  ],
});
