import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expand, mappingFuncFor, resolveContainerEnv, serviceEnv, EnvError, type EnvLookups } from '../../runtime/env.ts';
import type { KObject } from '../../store.ts';

const m = (o: Record<string, string>) => mappingFuncFor(new Map(Object.entries(o)));

test('expand: the cases of kubernetes third_party/forked/golang/expansion', () => {
  const vars = m({ VAR_A: 'A', VAR_B: 'B', VAR_C: 'C', VAR_REF: '$(VAR_A)', VAR_EMPTY: '' });
  const cases: Array<[string, string]> = [
    ['$(VAR_A)', 'A'],
    ['___$(VAR_B)___', '___B___'],
    ['$(VAR_A)-$(VAR_A)', 'A-A'],
    ['$(VAR_A)_$(VAR_B)_$(VAR_C)', 'A_B_C'],
    ['$(VAR_REF)', '$(VAR_A)'], // no recursive expansion
    ['$(VAR_EMPTY)', ''],
    ['$(UNKNOWN)', '$(UNKNOWN)'],
    ['$$(VAR_A)', '$(VAR_A)'],
    ['$$$(VAR_A)', '$A'],
    ['$$$$(VAR_A)', '$$(VAR_A)'],
    ['$(VAR_A', '$(VAR_A'],
    ['$VAR_A', '$VAR_A'],
    ['$', '$'],
    ['foo$', 'foo$'],
    ['$()', '$()'], // an empty name is unknown, so it stays
    ['$(VAR_A)$', 'A$'],
    ['http://$(OTEL_COLLECTOR_NAME):4318', 'http://$(OTEL_COLLECTOR_NAME):4318'],
  ];
  for (const [input, want] of cases) { assert.equal(expand(input, vars), want, input); }
  assert.equal(expand('http://$(OTEL_COLLECTOR_NAME):4318', m({ OTEL_COLLECTOR_NAME: 'otel-collector.observability' })), 'http://otel-collector.observability:4318');
});

const pod: KObject = {
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'app-1', namespace: 'shop', uid: 'u-1', labels: { app: 'web', tier: 'front' }, annotations: { note: 'x' } },
  spec: { nodeName: 'sim-node-1', serviceAccountName: 'robot', containers: [] },
  status: { podIP: '10.244.1.7', podIPs: [{ ip: '10.244.1.7' }], hostIP: '172.18.0.2', hostIPs: [{ ip: '172.18.0.2' }] },
};

const lookups = (extra?: Partial<EnvLookups>): EnvLookups => ({
  configMap: (ns, name) => (ns === 'shop' && name === 'cfg' ? { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { ENDPOINT: 'http://c:4317', 'bad key': 'x', LEVEL: 'debug' } } : undefined),
  secret: (ns, name) => (ns === 'shop' && name === 'sec' ? { apiVersion: 'v1', kind: 'Secret', metadata: { name }, data: { TOKEN: Buffer.from('s3cr3t').toString('base64') } } : undefined),
  services: [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'otel-collector', namespace: 'shop' }, spec: { clusterIP: '10.96.0.12', ports: [{ name: 'otlp-grpc', port: 4317, protocol: 'TCP' }, { name: 'otlp-http', port: 4318 }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'headless', namespace: 'shop' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } },
  ],
  ...extra,
});

const env = (container: KObject['spec'], p = pod, l = lookups()) => {
  const r = resolveContainerEnv(p, { name: 'c', ...container }, l);
  return { ...r, map: Object.fromEntries(r.env.map((e) => [e.name, e.value])) };
};

test('env: values, fieldRefs, configMap and secret keys, dependent variables', () => {
  const r = env({
    env: [
      { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'EP', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'ENDPOINT' } } },
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'sec', key: 'TOKEN' } } },
      { name: 'OTEL_COLLECTOR_NAME', value: 'otel-collector' },
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://$(OTEL_COLLECTOR_NAME):4318' },
      { name: 'SELF', value: 'http://$(HOST_IP):4317/$(LATER)' },
      { name: 'LATER', value: 'late' },
      { name: 'LINK', value: '$(OTEL_COLLECTOR_SERVICE_HOST)' },
      { name: 'ESC', value: '$$(NAME)' },
      { name: 'EMPTY', value: '' },
    ],
  });
  assert.deepEqual(
    { NAME: r.map.NAME, NS: r.map.NS, POD_IP: r.map.POD_IP, HOST_IP: r.map.HOST_IP, NODE: r.map.NODE, SA: r.map.SA, APP: r.map.APP, EP: r.map.EP, TOKEN: r.map.TOKEN },
    { NAME: 'app-1', NS: 'shop', POD_IP: '10.244.1.7', HOST_IP: '172.18.0.2', NODE: 'sim-node-1', SA: 'robot', APP: 'web', EP: 'http://c:4317', TOKEN: 's3cr3t' },
  );
  assert.equal(r.map.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://otel-collector:4318');
  assert.equal(r.map.SELF, 'http://172.18.0.2:4317/$(LATER)', 'only earlier entries are visible');
  assert.equal(r.map.LINK, '10.96.0.12', 'service link variables are visible to expansion');
  assert.equal(r.map.ESC, '$(NAME)');
  assert.equal(r.map.EMPTY, '');
});

test('env: envFrom with prefix, invalid keys skipped, env overrides, service links after', () => {
  const r = env({
    envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }, { secretRef: { name: 'sec' } }],
    env: [{ name: 'CFG_LEVEL', value: 'info' }, { name: 'X', value: '$(CFG_ENDPOINT)' }],
  });
  assert.equal(r.map.CFG_ENDPOINT, 'http://c:4317');
  assert.equal(r.map.CFG_LEVEL, 'info');
  assert.equal(r.map.TOKEN, 's3cr3t');
  assert.equal(r.map.X, 'http://c:4317');
  assert.equal(r.map['CFG_bad key'], undefined);
  assert.equal(r.map.OTEL_COLLECTOR_SERVICE_HOST, '10.96.0.12');
  assert.equal(r.map.OTEL_COLLECTOR_SERVICE_PORT, '4317');
  assert.equal(r.map.OTEL_COLLECTOR_SERVICE_PORT_OTLP_GRPC, '4317');
  assert.equal(r.map.OTEL_COLLECTOR_PORT, 'tcp://10.96.0.12:4317');
  assert.equal(r.map.OTEL_COLLECTOR_PORT_4318_TCP_ADDR, '10.96.0.12');
  assert.equal(r.map.HEADLESS_SERVICE_HOST, undefined, 'headless services get no link variables');
  const names = r.env.map((e) => e.name);
  assert.ok(names.indexOf('X') < names.indexOf('OTEL_COLLECTOR_SERVICE_HOST'), 'container variables come before service links');
});

test('env: a variable named like a service link wins over it', () => {
  const r = env({ env: [{ name: 'OTEL_COLLECTOR_SERVICE_HOST', value: 'mine' }] });
  assert.equal(r.env.filter((e) => e.name === 'OTEL_COLLECTOR_SERVICE_HOST').length, 1);
  assert.equal(r.map.OTEL_COLLECTOR_SERVICE_HOST, 'mine');
});

test('env: enableServiceLinks false keeps only the master service', () => {
  const l = lookups();
  l.services.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443 }] } });
  const r = env({}, { ...pod, spec: { ...pod.spec, enableServiceLinks: false } }, l);
  assert.equal(r.map.OTEL_COLLECTOR_SERVICE_HOST, undefined);
  assert.equal(r.map.KUBERNETES_SERVICE_HOST, '10.96.0.1');
  assert.equal(r.map.KUBERNETES_SERVICE_PORT_HTTPS, '443');
});

test('env: command and args expand against the final environment', () => {
  const r = env({
    env: [{ name: 'CONF', value: '/conf/relay.yaml' }],
    command: ['/otelcol', '--config=$(CONF)'],
    args: ['--set=x=$(OTEL_COLLECTOR_SERVICE_HOST)', '$(NOPE)', '$$(CONF)'],
  });
  assert.deepEqual(r.command, ['/otelcol', '--config=/conf/relay.yaml']);
  assert.deepEqual(r.args, ['--set=x=10.96.0.12', '$(NOPE)', '$(CONF)']);
});

test('env: missing references fail like the kubelet, optional ones are skipped', () => {
  assert.throws(() => env({ env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }] }), (e: Error) => e instanceof EnvError && e.message === 'configmap "nope" not found');
  assert.throws(() => env({ env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }] }), /^Error: couldn't find key k in ConfigMap shop\/cfg$/);
  assert.throws(() => env({ env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'sec', key: 'k' } } }] }), /couldn't find key k in Secret shop\/sec/);
  assert.throws(() => env({ envFrom: [{ secretRef: { name: 'nope' } }] }), /secret "nope" not found/);
  const r = env({
    envFrom: [{ configMapRef: { name: 'nope', optional: true } }],
    env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k', optional: true } } }],
  });
  assert.equal(r.map.A, undefined);
});

test('serviceEnv: ports without names and protocols', () => {
  const e = serviceEnv([{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'dns-x' }, spec: { clusterIP: '10.96.0.10', ports: [{ port: 53, protocol: 'UDP' }] } }]);
  assert.equal(e.get('DNS_X_PORT'), 'udp://10.96.0.10:53');
  assert.equal(e.get('DNS_X_PORT_53_UDP_PROTO'), 'udp');
});
