// What a host names from a pod's namespace (src/service-host.ts): the pod's search list and ndots:5, each
// candidate answered as CoreDNS's kubernetes plugin answers it (parse.go parseRequest, kubernetes.go
// findServices / findPods). resolveHost (the rules) on top of it: collector pods by the address answered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceInfo, Snapshot } from '../../src/snapshot.ts';
import { lookupHost, serviceHosts, type HostAnswer } from '../../src/service-host.ts';
import { hostIndex, resolveHost } from '../../src/rules/util.ts';

const svc = (namespace: string, name: string, more: Partial<ServiceInfo> = {}): ServiceInfo => ({
  namespace, name, type: 'ClusterIP', ports: [{ name: 'otlp-grpc', port: 4317, targetPort: 4317, protocol: 'TCP' }], matchedCollectorPods: [], ...more,
});
const SERVICES: ServiceInfo[] = [
  svc('observability', 'gw', { clusterIP: '10.96.0.9', clusterIPs: ['10.96.0.9', 'fd00:10:96::9'], endpoints: { ready: [{ ip: '10.244.1.5', ready: true, pod: 'gw-0' }], notReady: [{ ip: '10.244.1.6', ready: false, pod: 'gw-1' }] } }),
  svc('observability', 'gw-v6', { clusterIP: 'fd00:10:96::7', clusterIPs: ['fd00:10:96::7'], endpoints: { ready: [{ ip: 'fd00:10:244:1::5', ready: true }], notReady: [] } }),
  svc('observability', 'headless', { clusterIP: 'None', clusterIPs: ['None'] }),
  // a StatefulSet's headless Service: its pods' addresses carry their hostname (the pod's spec.hostname)
  svc('observability', 'gw-headless', { clusterIP: 'None', clusterIPs: ['None'], endpoints: { ready: [{ ip: '10.244.1.7', ready: true, pod: 'gw-sts-0', hostname: 'gw-sts-0' }], notReady: [{ ip: '10.244.1.8', ready: false, pod: 'gw-sts-1', hostname: 'gw-sts-1' }] } }),
  svc('observability', 'ext', { type: 'ExternalName', externalName: 'otlp.vendor.example.com' }),
  svc('team-a', 'near', { clusterIP: '10.96.0.20', ports: [{ name: 'otlp-http', port: 4318, targetPort: 4318 }] }),
  // A Service named like a namespace in team-a: `gw.observability` is searched under team-a first, as
  // endpoint gw of Service observability there.
  svc('team-a', 'observability', { clusterIP: '10.96.0.21', endpoints: { ready: [{ ip: '10.244.2.9', ready: true }], notReady: [] } }),
];
const idx = () => serviceHosts(SERVICES, ['observability', 'team-a', 'team-b']);
const named = (a: HostAnswer): string => {
  if (a.kind === 'service') { return `service ${a.service.namespace}/${a.service.name}`; }
  if (a.kind === 'ip') { return a.service ? `ip ${a.ip} of ${a.service.namespace}/${a.service.name}` : `ip ${a.ip}`; }
  if (a.kind === 'endpoint') { return `endpoint ${a.ip} of ${a.service.namespace}/${a.service.name}`; }
  if (a.kind === 'missing-service') { return `missing ${a.namespace}/${a.name}`; }
  return 'other';
};

/** [from namespace, host, what it names] */
const CASES: [string, string, string][] = [
  ['team-a', 'near', 'service team-a/near'],
  ['team-b', 'near', 'missing team-b/near'],
  ['team-a', 'NEAR', 'service team-a/near'],
  ['team-a', 'near.', 'other'],
  ['team-b', 'near.team-a', 'service team-a/near'],
  ['team-b', 'near.team-a.svc', 'service team-a/near'],
  ['team-b', 'near.team-a.svc.cluster.local', 'service team-a/near'],
  ['team-b', 'near.team-a.svc.cluster.local.', 'service team-a/near'],
  ['team-b', 'near.team-a.svc.cluster.local.team-b.svc.cluster.local', 'other'],
  // name.ns is a cluster name only where ns exists; with `.svc` written the writer meant a Service.
  ['team-a', 'gw.nowhere', 'other'],
  ['team-a', 'gw.nowhere.svc', 'missing nowhere/gw'],
  ['team-a', 'gw.nowhere.svc.cluster.local', 'missing nowhere/gw'],
  ['team-a', 'gone.observability', 'missing observability/gone'],
  // Every cluster IP of a dual-stack Service, however IPv6 is spelt; not-None only.
  ['team-a', '10.96.0.9', 'ip 10.96.0.9 of observability/gw'],
  ['team-a', 'fd00:10:96::9', 'ip fd00:10:96::9 of observability/gw'],
  ['team-a', '[FD00:10:96:0:0:0:0:9]', 'ip fd00:10:96::9 of observability/gw'],
  // `None` (a headless Service's clusterIP) is no address: a short name like any other.
  ['team-a', 'None', 'missing team-a/none'],
  ['team-a', '10.244.1.5', 'ip 10.244.1.5'],
  ['team-a', 'headless.observability', 'service observability/headless'],
  ['team-a', 'ext.observability.svc.cluster.local', 'service observability/ext'],
  // port.protocol.service: underscores optional, the protocol a Service port's, matched case-insensitively.
  ['team-a', '_otlp-grpc._tcp.gw.observability.svc.cluster.local', 'service observability/gw'],
  ['team-a', 'OTLP-GRPC.TCP.gw.observability.svc.cluster.local', 'service observability/gw'],
  ['team-a', '_otlp-grpc._tcp.gw.observability', 'service observability/gw'],
  ['team-a', '_otlp-http._tcp.near', 'service team-a/near'],
  ['team-a', '_otlp-grpc._udp.gw.observability.svc.cluster.local', 'other'],
  ['team-a', '_otlp-http._tcp.gw.observability.svc.cluster.local', 'other'],
  ['team-a', '_otlp-grpc._tcp.ext.observability.svc.cluster.local', 'other'],
  ['team-a', '_otlp-grpc._tcp.gone', 'missing team-a/gone'],
  // Three labels whose middle is no protocol are no Service name searched under the namespace.
  ['team-a', 'otel.example.com', 'other'],
  // endpoint.service: a ready address by its dashed IP; a not-ready one is not served.
  ['team-a', '10-244-1-5.gw.observability.svc.cluster.local', 'endpoint 10.244.1.5 of observability/gw'],
  ['team-a', '10-244-1-6.gw.observability.svc.cluster.local', 'other'],
  ['team-a', 'fd00-10-244-1--5.gw-v6.observability.svc.cluster.local', 'endpoint fd00:10:244:1::5 of observability/gw-v6'],
  ['team-a', 'gw-0.gw.observability.svc.cluster.local', 'other'],
  ['team-a', '10-244-2-9.observability', 'endpoint 10.244.2.9 of team-a/observability'],
  // an address with a hostname answers by it (endpointHostname), case-insensitively, and no longer by its dashed IP
  ['team-a', 'gw-sts-0.gw-headless.observability.svc.cluster.local', 'endpoint 10.244.1.7 of observability/gw-headless'],
  ['team-a', 'GW-STS-0.gw-headless.observability', 'endpoint 10.244.1.7 of observability/gw-headless'],
  ['team-a', '10-244-1-7.gw-headless.observability.svc.cluster.local', 'other'],
  ['team-a', 'gw-sts-1.gw-headless.observability.svc.cluster.local', 'other'],
  ['team-b', 'gw.observability', 'service observability/gw'],
  ['team-a', 'a.b.c.gw.observability.svc.cluster.local', 'other'],
  // Pod A records spell an IP (four dash-separated parts, else IPv6), in a namespace that exists.
  ['team-a', '10-244-1-5.observability.pod.cluster.local', 'ip 10.244.1.5'],
  ['team-a', '10-96-0-9.observability.pod.cluster.local', 'ip 10.96.0.9 of observability/gw'],
  ['team-a', 'fd00-10-244-1--5.observability.pod.cluster.local', 'ip fd00:10:244:1::5'],
  ['team-a', '10-244-1-5.nowhere.pod.cluster.local', 'other'],
  ['team-a', '10-244-1-5.observability.pod', 'ip 10.244.1.5'],
  ['team-a', 'otlp.vendor.example.com', 'other'],
  ['team-a', 'cluster.local', 'other'],
  ['team-a', 'svc.cluster.local', 'other'],
];

for (const [from, host, want] of CASES) {
  test(`from ${from}, ${host} -> ${want}`, () => {
    assert.equal(named(lookupHost(idx(), from, host)), want);
  });
}

test('answers are kept per index and frozen', () => {
  const i = idx();
  const a = lookupHost(i, 'team-a', 'near');
  assert.equal(lookupHost(i, 'team-a', 'near'), a);
  assert.ok(Object.isFrozen(a));
  assert.notEqual(lookupHost(i, 'team-b', 'near'), a, 'the namespace is part of the key');
});

test('resolveHost: a pod A record or an endpoint name of a collector pod leads to that collector; answers frozen per index', () => {
  const collector = { namespace: 'observability', pod: 'gw-0', container: 'otelcol', podIP: '10.244.1.5', hostIP: '172.18.0.2', containerPorts: [], labels: {} };
  const s = { collectors: [collector], services: SERVICES, apps: [], namespaces: [{ name: 'observability', labels: {} }, { name: 'team-a', labels: {} }], meta: { collectorNamespaces: ['observability'] } } as unknown as Snapshot;
  for (const host of ['10.244.1.5', '10-244-1-5.observability.pod.cluster.local', '10-244-1-5.gw.observability.svc.cluster.local']) {
    const r = resolveHost(s, 'team-a', host);
    assert.equal(r.kind, 'collector-pod', host);
    assert.deepEqual(r.kind === 'collector-pod' ? r.collectors.map((c) => c.pod) : [], ['gw-0'], host);
  }
  assert.equal(resolveHost(s, 'team-a', '0.0.0.0').kind, 'all-interfaces');
  assert.equal(resolveHost(s, 'team-a', 'LOCALHOST.').kind, 'loopback');
  assert.equal(resolveHost(s, 'team-a', '[::1]').kind, 'loopback');
  const r = resolveHost(s, 'team-b', 'gone.observability.svc');
  assert.deepEqual(r, { kind: 'missing-service', name: 'gone', namespace: 'observability', existsIn: [] });
  assert.deepEqual(resolveHost(s, 'team-b', 'gw.team-a.svc'), { kind: 'missing-service', name: 'gw', namespace: 'team-a', existsIn: ['observability'] });
  assert.equal(resolveHost(s, 'team-b', 'gone.observability.svc'), r, 'memoised per index');
  assert.ok(Object.isFrozen(r) && Object.isFrozen((r as { existsIn: string[] }).existsIn));
  assert.equal(hostIndex(s).resolved?.size, 8);
});
