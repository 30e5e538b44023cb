import { rule } from '../../src/rules/app-no-endpoint.ts';
import type { Snapshot } from '../../src/snapshot.ts';
import { loadSnapshot, ruleTester, variant } from './helpers.ts';

/** healthy-helm with cart's OTLP endpoint unset. */
const noEndpoint = (patch: (s: Snapshot) => void = () => {}) =>
  variant(loadSnapshot('healthy-helm'), (s) => {
    delete s.apps[0].exporter.endpoint;
    patch(s);
  });

ruleTester(rule, {
  valid: [
    { name: 'healthy: every app sets its endpoint', snapshot: loadSnapshot('healthy-helm') },
    { name: 'with a sidecar the localhost default is right', snapshot: noEndpoint((s) => (s.apps[0].sidecarCollector = { container: 'otc-container' })) },
  ],
  invalid: [
    {
      name: 'instrumented app with no endpoint and no sidecar: warning',
      snapshot: noEndpoint(),
      findings: [{ severity: 'warning', subject: 'Deployment shop/cart:cart', check: { subject: 'Deployment shop/cart', status: 'fail' } }],
    },
    {
      name: 'no SDK endpoint but OTEL_COLLECTOR_HOST names the collector Service (demo frontend-proxy): info, not a warning',
      snapshot: noEndpoint((s) => {
        const svc = s.services.find((v) => v.matchedCollectorPods.length > 0);
        if (svc) {
          s.apps[0].hostEnv = [{ env: 'OTEL_COLLECTOR_HOST', value: `${svc.name}.${svc.namespace}`, host: `${svc.name}.${svc.namespace}` }];
        }
      }),
      findings: [{ severity: 'info', subject: 'Deployment shop/cart:cart' }],
    },
    {
      name: 'a host variable that names something other than a collector keeps the warning',
      snapshot: noEndpoint((s) => (s.apps[0].hostEnv = [{ env: 'REDIS_HOST', value: 'redis', host: 'redis' }])),
      findings: [{ severity: 'warning', subject: 'Deployment shop/cart:cart' }],
    },
  ],
});
