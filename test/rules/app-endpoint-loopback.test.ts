import { rule } from '../../src/rules/app-endpoint-loopback.ts';
import type { Snapshot } from '../../src/snapshot.ts';
import { envValue, loadSnapshot, ruleTester, variant } from './helpers.ts';

const toLocalhost = (patch: (s: Snapshot) => void = () => {}) =>
  variant(loadSnapshot('healthy-helm'), (s) => {
    s.apps[0].exporter.endpoint = envValue('http://localhost:4318');
    patch(s);
  });

ruleTester(rule, {
  valid: [
    { name: 'healthy: apps export to the collector Service', snapshot: loadSnapshot('healthy-helm') },
    { name: 'localhost with a sidecar collector is right', snapshot: toLocalhost((s) => (s.apps[0].sidecarCollector = { container: 'otc-container' })) },
  ],
  invalid: [
    {
      name: 'app exports to localhost without a sidecar: error on the app',
      snapshot: toLocalhost(),
      findings: [{ severity: 'error', subject: 'Deployment shop/cart:cart', check: { subject: 'Deployment shop/cart', status: 'fail' } }],
    },
  ],
});
