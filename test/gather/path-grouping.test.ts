// Probes per path in gather (gather/plan.ts pathContext, pathKey, podDnsKey; gather/index.ts probedBy): where
// the namespace, the node or the pod's DNS settings can change a path, apps do not share a probe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/cluster/types.ts';
import { ApiError } from '../../src/errors.ts';
import { gather } from '../../src/gather/index.ts';
import { FakeClusterClient, notFound, rsPod } from './fake-client.ts';
import { hostSameFromEveryNamespace, pathContext, pathKey, planProbes, podDnsKey } from '../../src/gather/plan.ts';

/** A collector behind its Service in `observability`, and one app Deployment per [namespace, name] exporting to it by FQDN. */
function clusterWith(apps: [string, string][]): KObject[] {
  const cl = { 'app.kubernetes.io/name': 'otel-collector' };
  const app = { containers: [{ name: 'app', image: 'python:3.12-slim', env: [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.observability.svc.cluster.local:4317' }] }] };
  return [
    ...['observability', ...new Set(apps.map(([ns]) => ns))].map((n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n, labels: {} } })),
    { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'observability', name: 'otel-collector' }, spec: { type: 'ClusterIP', clusterIP: '10.96.0.12', selector: cl, ports: [{ name: 'otlp-grpc', port: 4317, targetPort: 4317 }] } },
    ...rsPod('observability', 'otel-collector', 0, '10.244.1.5', { containers: [{ name: 'otelcol', image: 'otel/opentelemetry-collector-contrib:0.111.0', ports: [{ name: 'otlp-grpc', containerPort: 4317 }] }] }, cl),
    ...apps.flatMap(([ns, name], i) => rsPod(ns, name, 0, `10.244.2.${10 + i}`, app, { app: name })),
  ];
}

test('NetworkPolicies that could not be listed: each namespace still probes for itself', async () => {
  const objs = clusterWith([['team-a', 'api'], ['team-b', 'api'], ['team-c', 'api']]);
  const fake = new FakeClusterClient(objs);
  fake.listErrors.set('networkpolicies', () => new ApiError('networkpolicies is forbidden', { status: 403, reason: 'Forbidden', path: '' }));
  fake.onExec = (_ns, _pod, _c, argv) => notFound(argv[0]);
  const snap = await gather(fake, { allNamespaces: true, namespace: 'observability', now: () => new Date('2026-01-01T00:00:00Z') } as any);
  assert.ok(snap.incomplete.some((i) => /networkpolicies/.test(i.check)), JSON.stringify(snap.incomplete));
  const apps = snap.apps.filter((a) => a.namespace.startsWith('team-'));
  assert.equal(apps.length, 3);
  // A policy in team-b (unseen) may drop what team-a's probe shows connected: team-b must not borrow team-a's probe.
  for (const a of apps) { assert.ok(!a.probedBy || a.probedBy.namespace === a.namespace, `${a.namespace} probed by ${JSON.stringify(a.probedBy)}`); }
});

test('an app of a namespace the sample probed from points at that probe, not at another namespace', async () => {
  const objs = clusterWith([['team-a', 'api'], ['team-b', 'api'], ['team-b', 'web']]);
  const fake = new FakeClusterClient(objs);
  fake.onExec = (_ns, _pod, _c, argv) => notFound(argv[0]);
  const snap = await gather(fake, { allNamespaces: true, namespace: 'observability', now: () => new Date('2026-01-01T00:00:00Z') } as any);
  const probers = new Set(snap.apps.filter((a) => !a.probedBy).map((a) => a.namespace));
  assert.ok(probers.has('team-b'), `the sample probed from team-b: ${[...probers]}`);
  for (const a of snap.apps.filter((x) => x.probedBy)) { assert.equal(a.probedBy!.namespace, a.namespace, `${a.namespace}/${a.pod} -> ${JSON.stringify(a.probedBy)}`); }
});

test('a node-local Service named by its FQDN keeps the node in the path key', () => {
  const services: any[] = [{ namespace: 'observability', name: 'otel-collector', type: 'ClusterIP', clusterIP: '10.96.0.12', ports: [{ name: 'otlp-grpc', port: 4317, targetPort: 4317 }], matchedCollectorPods: ['observability/otel-agent-x'], internalTrafficPolicy: 'Local' }];
  const app = (ns: string, node: string): any => ({ namespace: ns, pod: `api-${node}`, container: 'app', node, labels: {}, exporter: { endpoint: { value: 'http://otel-collector.observability.svc.cluster.local:4317', env: 'OTEL_EXPORTER_OTLP_ENDPOINT', origin: 'value' } } });
  const a = app('team-a', 'node-1');
  const b = app('team-b', 'node-2');
  const disc: any = { collectors: [] };
  const ctx = pathContext(services, [], [{ name: 'team-a', labels: {} }, { name: 'team-b', labels: {} }]);
  const pa = planProbes(a, {} as any, disc, services);
  const pb = planProbes(b, {} as any, disc, services);
  assert.notEqual(pathKey(a, pa, ctx), pathKey(b, pb, ctx), 'apps on different nodes share one probe of a node-local Service');
});

test('pod DNS settings that change resolution are part of the path; ClusterFirst defaults are not', () => {
  assert.equal(podDnsKey({}), '');
  assert.equal(podDnsKey({ dnsPolicy: 'ClusterFirst' }), '');
  assert.notEqual(podDnsKey({ dnsPolicy: 'Default' }), '');
  assert.notEqual(podDnsKey({ dnsConfig: { searches: ['corp.example'] } }), podDnsKey({}));
  assert.notEqual(podDnsKey({ hostAliases: [{ ip: '10.0.0.9', hostnames: ['otel.example.com'] }] }), '');
  const fqdn = [{ kind: 'app-endpoint', parsed: { ok: true, target: { host: 'gw.observability.svc.cluster.local', port: 4317 } } }] as any;
  const a: any = { namespace: 'a', pod: 'p', container: 'c', labels: {}, exporter: {} };
  const ctx = pathContext([{ namespace: 'observability', name: 'gw', clusterIP: '10.96.0.9', ports: [], matchedCollectorPods: [] } as any], []);
  assert.notEqual(pathKey(a, fqdn, ctx, podDnsKey({ dnsPolicy: 'Default' })), pathKey(a, fqdn, ctx, ''));
});

test('a target outside the cluster keeps the namespace (egress controls beyond NetworkPolicy are per namespace)', () => {
  const ctx = pathContext([{ namespace: 'observability', name: 'gw', clusterIP: '10.96.0.9', ports: [], matchedCollectorPods: [] } as any], [], [], { addresses: ['10.244.1.5'] });
  const key = (ns: string, host: string) => pathKey({ namespace: ns, pod: `${ns}-p`, container: 'c', labels: {}, exporter: {} } as any, [{ kind: 'app-endpoint', parsed: { ok: true, target: { host, port: 4317 } } }] as any, ctx);
  assert.equal(key('a', 'gw.observability.svc.cluster.local'), key('b', 'gw.observability.svc.cluster.local'));
  assert.equal(key('a', '10.96.0.9'), key('b', '10.96.0.9'), 'the Service IP');
  assert.equal(key('a', '10.244.1.5'), key('b', '10.244.1.5'), 'a collector pod IP');
  assert.notEqual(key('a', 'otlp.vendor.example.com'), key('b', 'otlp.vendor.example.com'));
});

test('three-label names of the port.protocol.service form are searched through the namespace (CoreDNS parseRequest)', () => {
  assert.ok(!hostSameFromEveryNamespace('otlp.tcp.collector'));
  assert.ok(!hostSameFromEveryNamespace('_otlp._TCP.collector'));
  assert.ok(hostSameFromEveryNamespace('otlp.vendor.example'));
  assert.ok(hostSameFromEveryNamespace('a.tcp.collector.observability'), 'four labels: too long under any namespace');
});

test('a cluster serving policy APIs otel-doctor does not read: each namespace probes for itself, and the report says why', async () => {
  const objs = clusterWith([['team-a', 'api'], ['team-b', 'api']]);
  const probers = async (groups: string[] | Error): Promise<{ paths: number; notes: string[] }> => {
    const fake = new FakeClusterClient(objs);
    if (groups instanceof Error) { fake.apiGroups = () => Promise.reject(groups); } else { fake.groups = groups; }
    fake.onExec = (_ns, _pod, _c, argv) => notFound(argv[0]);
    const snap = await gather(fake, { allNamespaces: true, namespace: 'observability', now: () => new Date('2026-01-01T00:00:00Z') } as any);
    return { paths: snap.sampling!.probeGroups, notes: snap.notes };
  };
  const plain = await probers(['apps', 'networking.k8s.io']);
  assert.equal(plain.paths, 1, 'the two namespaces share one path');
  assert.ok(plain.notes.every((n) => !/probes for itself/.test(n)), plain.notes.join('\n'));
  const cilium = await probers(['apps', 'networking.k8s.io', 'cilium.io']);
  assert.equal(cilium.paths, 2);
  assert.ok(cilium.notes.some((n) => /cilium\.io/.test(n)), cilium.notes.join('\n'));
  const failed = await probers(new Error('connection reset'));
  assert.equal(failed.paths, 2);
  assert.ok(failed.notes.some((n) => /discovery \(GET \/apis\) failed/.test(n)), failed.notes.join('\n'));
});
