// lint's model of what the operator writes for a CR, on the facts rules read, per release (sources in
// src/lint/operator.ts and operator-ports.ts; the whole corpus is cross-checked in operator-vs-sim.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/cluster/types.ts';
import { operatorManifests } from '../../src/lint/operator.ts';

function cr(spec: Record<string, unknown>): KObject {
  return { apiVersion: 'opentelemetry.io/v1beta1', kind: 'OpenTelemetryCollector', metadata: { name: 'gw', namespace: 'obs' }, spec } as KObject;
}
const CONFIG = {
  receivers: { otlp: { protocols: { grpc: {}, http: { endpoint: '0.0.0.0:4319' } } }, jaeger: { protocols: { thrift_compact: {} } }, zipkin: {}, unused: { endpoint: ':9999' } },
  extensions: { health_check: { endpoint: '0.0.0.0:13134', path: '/health' } },
  exporters: { debug: {} },
  service: { extensions: ['health_check'], telemetry: { metrics: { address: '0.0.0.0:8899' } }, pipelines: { traces: { receivers: ['otlp', 'jaeger', 'zipkin'], exporters: ['debug'] } } },
};
const container = (objs: KObject[]): any => objs.find((o) => o.kind === 'DaemonSet' || o.kind === 'Deployment')?.spec.template.spec.containers[0];
const svc = (objs: KObject[], name: string): any => objs.find((o) => o.kind === 'Service' && o.metadata.name === name);

test('ports: the enabled receivers through the operator\'s parsers, metrics, extensions from 0.115; spec.ports first', () => {
  const objs = operatorManifests(cr({ mode: 'daemonset', config: CONFIG, ports: [{ name: 'zipkin', port: 9412 }, { name: 'extra', port: 4317 }] }), '0.158.0');
  assert.deepEqual(container(objs).ports.map((p: any) => `${p.name} ${p.containerPort}/${p.protocol}`), [
    'extra 4317/TCP', 'health-check 13134/TCP', 'metrics 8899/TCP', 'otlp-http 4319/TCP', 'port-6831 6831/UDP', 'port-9411 9411/TCP', 'zipkin 9412/TCP',
  ]);
  const main = svc(objs, 'gw-collector');
  assert.equal(main.spec.internalTrafficPolicy, 'Local');
  assert.deepEqual(main.spec.ports.map((p: any) => `${p.name} ${p.port}/${p.protocol ?? 'TCP'}${p.appProtocol ? ` ${p.appProtocol}` : ''}`), [
    'zipkin 9412/TCP', 'extra 4317/TCP', 'otlp-http 4319/TCP http', 'port-6831 6831/UDP', 'port-9411 9411/TCP http',
  ]);
  assert.equal(svc(objs, 'gw-collector-headless').spec.clusterIP, 'None');
  assert.deepEqual(svc(objs, 'gw-collector-monitoring').spec.ports, [{ name: 'monitoring', port: 8899 }]);
  assert.deepEqual(svc(objs, 'gw-collector-extension').spec.ports.map((p: any) => p.port), [13134]);
  const old = operatorManifests(cr({ mode: 'deployment', config: CONFIG }), '0.114.0');
  assert.equal(svc(old, 'gw-collector-extension'), undefined);
  assert.ok(!container(old).ports.some((p: any) => p.containerPort === 13134));
  assert.equal(svc(old, 'gw-collector').spec.internalTrafficPolicy, 'Cluster');
});

test('probes come from an enabled health_check only, with the CR\'s timings; readiness from 0.100, startup from 0.137', () => {
  const probes = (spec: Record<string, unknown>, v: string) => {
    const c = container(operatorManifests(cr(spec), v));
    return [c.livenessProbe, c.readinessProbe, c.startupProbe].map((p) => (p ? `${p.httpGet.path} ${p.httpGet.port}${p.periodSeconds ? ` every ${p.periodSeconds}` : ''}` : null));
  };
  assert.deepEqual(probes({ config: CONFIG, readinessProbe: { periodSeconds: 7 } }, '0.158.0'), ['/health 13134', '/health 13134 every 7', '/health 13134']);
  assert.deepEqual(probes({ config: CONFIG }, '0.136.0'), ['/health 13134', '/health 13134', null]);
  assert.deepEqual(probes({ config: CONFIG }, '0.99.0'), ['/health 13134', null, null]);
  // spec.readinessProbe alone tunes a probe the operator does not write without health_check.
  const noHc = { ...CONFIG, service: { ...CONFIG.service, extensions: [] } };
  assert.deepEqual(probes({ config: noHc, readinessProbe: { periodSeconds: 7 } }, '0.158.0'), [null, null, null]);
});

test('env: the CR\'s first, then POD_NAME and, from 0.140, GOMEMLIMIT/GOMAXPROCS; args sorted; release image', () => {
  const c = container(operatorManifests(cr({ config: CONFIG, env: [{ name: 'A', value: '1' }], args: { 'z-flag': '1', 'a-flag': '2' } }), '0.140.0'));
  assert.deepEqual(c.env.map((e: any) => e.name), ['A', 'POD_NAME', 'GOMEMLIMIT', 'GOMAXPROCS']);
  assert.deepEqual(c.args, ['--config=/conf/collector.yaml', '--a-flag=2', '--z-flag=1']);
  assert.match(c.image, /opentelemetry-collector:0\.140\./);
  assert.deepEqual(container(operatorManifests(cr({ config: CONFIG }), '0.139.0')).env.map((e: any) => e.name), ['POD_NAME']);
});
