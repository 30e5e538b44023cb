import { rule } from '../../src/rules/network-policy-blocks.ts';
import { loadSnapshot, ruleTester, variant } from './helpers.ts';

/** An ingress policy on the collector admitting only fromNs on 4317/4318; every probe timed out when asked. */
function withPolicy(fromNs: string, timeout: boolean) {
  return variant(loadSnapshot('healthy-helm'), (s) => {
    s.networkPolicies = [{
      namespace: 'observability', name: 'collector-ingress',
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'opentelemetry-collector' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': fromNs } } }], ports: [{ port: 4317, protocol: 'TCP' }, { port: 4318, protocol: 'TCP' }] }],
    }];
    if (timeout) {
      for (const p of s.probes) {
        p.result = 'timeout';
        p.reason = 'timed out after 2s';
      }
    }
  });
}

ruleTester(rule, {
  valid: [
    { name: 'the policy admits shop: not blamed even if a probe timed out', snapshot: withPolicy('shop', true) },
    { name: 'a restrictive policy but probes connected: not blamed', snapshot: withPolicy('monitoring', false) },
    {
      name: 'no exec: skipped',
      snapshot: variant(withPolicy('monitoring', true), (s) => (s.meta.exec = false)),
      check: { subject: 'Cluster', status: 'skipped', reason: 'needs exec probes (--no-exec)' },
    },
    {
      name: 'a probe timing out on a port the Service does not publish is not blamed on the policy',
      snapshot: variant(withPolicy('monitoring', true), (s) => {
        const svc = s.services.find((v) => v.matchedCollectorPods.length);
        if (svc) {
          // Every probed Service port made unpublished: only app-port-not-exposed may speak for those timeouts.
          const probed = new Set(s.probes.map((p) => p.target.port));
          svc.ports = svc.ports.filter((p) => !probed.has(p.port));
          if (!svc.ports.length) {
            svc.ports = [{ name: 'metrics', port: 8888 }];
          }
        }
      }),
    },
  ],
  invalid: [
    {
      name: 'the policy admits only monitoring and a probe from shop times out: error on the policy',
      snapshot: withPolicy('monitoring', true),
      findings: [{ severity: 'error', subject: 'NetworkPolicy observability/collector-ingress', check: { subject: 'NetworkPolicy observability/collector-ingress', status: 'fail' } }],
    },
  ],
});
