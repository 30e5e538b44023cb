import { rule } from '../../src/rules/daemonset-no-hostport.ts';
import { envValue, loadSnapshot, ruleTester, variant } from './helpers.ts';

/** A collector DaemonSet receiving gRPC on 4317; cart exports to $(HOST_IP):4317. */
function agent(hostPort: boolean) {
  return variant(loadSnapshot('healthy-helm'), (s) => {
    const c = s.collectors[0];
    c.owner = { kind: 'DaemonSet', name: 'otel-agent', namespace: 'observability' };
    c.effectiveConfig = { ...(c.effectiveConfig as any), receivers: { otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317' } } } } };
    c.containerPorts = [{ name: 'otlp', containerPort: 4317, ...(hostPort ? { hostPort: 4317 } : {}) }];
    s.apps[0].hostIP = '172.18.0.3';
    s.apps[0].exporter = { endpoint: envValue('http://172.18.0.3:4317', 'OTEL_EXPORTER_OTLP_ENDPOINT', { raw: 'http://$(HOST_IP):4317', origin: 'var-ref' }), protocol: envValue('grpc', 'OTEL_EXPORTER_OTLP_PROTOCOL') };
  });
}

ruleTester(rule, {
  valid: [
    { name: 'a Deployment collector behind a Service', snapshot: loadSnapshot('healthy-helm') },
    { name: 'the DaemonSet declares the hostPort', snapshot: agent(true) },
  ],
  invalid: [
    {
      name: 'apps send to $(HOST_IP):4317, the DaemonSet has no hostPort',
      snapshot: agent(false),
      findings: [{ severity: 'error', subject: 'DaemonSet observability/otel-agent:opentelemetry-collector', check: { subject: 'DaemonSet observability/otel-agent', status: 'fail' } }],
    },
  ],
});
