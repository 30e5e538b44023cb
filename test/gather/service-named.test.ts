// The Service a host names, as the three readers see it: planProbes (which Service target a probe adds),
// pathKey (a node-local Service named by the endpoint keeps the node in the path) and the rules'
// resolveHost. They read one lookup (src/service-host.ts); these cases are where they used to disagree
// (case, the secondary family of a dual-stack Service, a non-canonical IPv6 spelling, an absolute short
// name, the port.protocol.service form, a pod A record).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceInfo, Snapshot } from '../../src/snapshot.ts';
import { pathContext, pathKey, planProbes, type ProbePlan } from '../../src/gather/plan.ts';
import { parseProbeTarget } from '../../src/gather/probe-target.ts';
import { parseOtlpUrl } from '../../src/otel/endpoint.ts';
import { resolveHost } from '../../src/rules/util.ts';

const svc = (namespace: string, name: string, more: Partial<ServiceInfo> = {}): ServiceInfo => ({
  namespace, name, type: 'ClusterIP', ports: [{ name: 'otlp-grpc', port: 4317, targetPort: 4317, protocol: 'TCP' }], matchedCollectorPods: [`${namespace}/${name}-0`], ...more,
});
// `fallback` comes first: planProbes's Service target when the endpoint names none.
const SERVICES: ServiceInfo[] = [
  svc('observability', 'fallback', { clusterIP: '10.96.0.8' }),
  svc('observability', 'gw', { clusterIP: '10.96.0.9', clusterIPs: ['10.96.0.9', 'fd00:10:96::9'], ipFamilies: ['IPv4', 'IPv6'], internalTrafficPolicy: 'Local' }),
  svc('observability', 'gw-headless', { clusterIP: 'None', clusterIPs: ['None'], internalTrafficPolicy: 'Local' }),
  svc('observability', 'ext', { type: 'ExternalName', externalName: 'otlp.vendor.example.com', internalTrafficPolicy: 'Local' }),
  svc('team-a', 'near', { clusterIP: '10.96.0.20', internalTrafficPolicy: 'Local' }),
];
const NAMESPACES = ['observability', 'team-a'].map((name) => ({ name, labels: {} }));
const FROM = 'team-a';

/** host as written in the endpoint URL -> the Service it names from team-a (namespace/name), or null. */
const CASES: [string, string | null][] = [
  ['gw.observability.svc.cluster.local', 'observability/gw'],
  ['GW.Observability.SVC.Cluster.Local', 'observability/gw'],
  ['gw.observability.svc.cluster.local.', 'observability/gw'],
  ['gw.observability.svc', 'observability/gw'],
  ['gw.observability', 'observability/gw'],
  ['10.96.0.9', 'observability/gw'],
  ['[fd00:10:96::9]', 'observability/gw'],
  ['[FD00:10:96:0:0:0:0:9]', 'observability/gw'],
  ['gw-headless.observability.svc.cluster.local', 'observability/gw-headless'],
  ['ext.observability.svc.cluster.local', 'observability/ext'],
  ['near', 'team-a/near'],
  ['near.team-a', 'team-a/near'],
  // (probe targets take RFC 1123 names, so the SRV-style form is written here without its underscores)
  ['otlp-grpc.tcp.gw.observability.svc.cluster.local', 'observability/gw'],
  ['otlp-grpc.tcp.near', 'team-a/near'],
  // An absolute name is never searched: `near.` is the top-level name near, not team-a's Service.
  ['near.', null],
  ['gw', null],
  ['gw.observability.svc.cluster', null],
  ['http.tcp.gw.observability.svc.cluster.local', null],
  ['otlp-grpc.tcp.ext.observability.svc.cluster.local', null],
  ['10-244-1-5.observability.pod.cluster.local', null],
  ['extra.gw.observability.svc.cluster.local', null],
  ['otlp.vendor.example.com', null],
];

const app = (host: string, node: string): any => ({
  namespace: FROM, pod: `api-${node}`, container: 'app', node, labels: {},
  exporter: { endpoint: { value: `http://${host}:4318`, env: 'OTEL_EXPORTER_OTLP_ENDPOINT', origin: 'value' } },
});
const snap = { collectors: [], services: SERVICES, apps: [], namespaces: NAMESPACES, meta: { collectorNamespaces: [] } } as unknown as Snapshot;

for (const [host, want] of CASES) {
  test(`${host} from ${FROM} names ${want ?? 'no Service'}: planProbes, pathKey and resolveHost agree`, () => {
    const plans = planProbes(app(host, 'node-1'), {} as any, { collectors: [] } as any, SERVICES);
    // Port 4318 is none of the Services', so the Service target is always planned: the one named, else the fallback.
    const planned = plans.find((p) => p.kind === 'service')?.ref;

    const ctx = pathContext(SERVICES, [], NAMESPACES);
    const endpointOnly = (a: any): ProbePlan[] => [{ app: {} as any, kind: 'app-endpoint', endpoint: a.exporter.endpoint.value, parsed: parseProbeTarget(a.exporter.endpoint.value) }];
    const [a, b] = [app(host, 'node-1'), app(host, 'node-2')];
    // Every named Service but fallback is node-local: the node is in the key exactly when the host names one.
    const nodeInKey = pathKey(a, endpointOnly(a), ctx) !== pathKey(b, endpointOnly(b), ctx);

    const r = resolveHost(snap, FROM, parseOtlpUrl(`http://${host}:4318`).host);
    const resolved = r.kind === 'service' ? `${r.service.namespace}/${r.service.name}` : null;
    assert.deepEqual({ planProbes: planned, pathKeyNodeLocal: nodeInKey, resolveHost: resolved }, { planProbes: want ?? 'observability/fallback', pathKeyNodeLocal: want !== null, resolveHost: want });
  });
}
