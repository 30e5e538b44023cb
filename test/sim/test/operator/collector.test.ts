// The operator stand-in's collector side against the operator's own e2e assert files (tests/e2e/ at the
// named tags of open-telemetry/opentelemetry-operator), on a store without network or processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { harness, yamlOf } from './harness.ts';
import { typeByKind, type KObject } from '../../store.ts';

// tests/e2e/versioned-configmaps/00-install.yaml (the same at every tag below); 01-update.yaml changes timeout to 20s.
const VERSIONED = (timeout: string) => yamlOf(`
apiVersion: opentelemetry.io/v1beta1
kind: OpenTelemetryCollector
metadata:
  name: simple
spec:
  mode: "deployment"
  configVersions: 1
  config:
    receivers:
      otlp:
        protocols:
          grpc: {}
          http: {}
    processors:
      batch:
        send_batch_size: 10000
        timeout: ${timeout}
    exporters:
      debug: {}
    service:
      pipelines:
        traces:
          receivers: [otlp]
          processors: [batch]
          exporters: [debug]
`);

// The ConfigMap names tests/e2e/versioned-configmaps/00-assert.yaml and 01-assert.yaml expect at each tag:
// the hash moves with what the webhook writes into the config (endpoints from v0.110, telemetry address
// from v0.111, a prometheus reader from v0.122, `without_*: false` in v0.152-v0.153).
const VERSIONED_FACTS: Array<[string, string, string]> = [
  ['0.104.0', 'simple-collector-d6f40475', 'simple-collector-8cd615bf'],
  ['0.110.0', 'simple-collector-bf36603a', 'simple-collector-024c6417'],
  ['0.120.0', 'simple-collector-de9b8847', 'simple-collector-3f453d89'],
  ['0.127.0', 'simple-collector-5723ff27', 'simple-collector-dfcfaead'],
  ['0.150.0', 'simple-collector-5723ff27', 'simple-collector-dfcfaead'],
  ['0.152.0', 'simple-collector-713de77b', 'simple-collector-726b4c75'],
  ['0.153.0', 'simple-collector-713de77b', 'simple-collector-726b4c75'],
  ['0.158.0', 'simple-collector-5723ff27', 'simple-collector-dfcfaead'],
];

for (const [version, first, second] of VERSIONED_FACTS) {
  test(`versioned-configmaps at v${version}: ${first}, then ${second} with the first kept (configVersions: 1)`, async () => {
    const h = harness({ version });
    try {
      h.create(VERSIONED('10s'));
      await h.readyAll();
      const d = h.get('Deployment', 'simple-collector')!;
      assert.equal(d.spec.template.spec.volumes.find((v: KObject) => v.name === 'otc-internal').configMap.name, first);
      assert.ok(h.get('ConfigMap', first));
      assert.equal(d.status.readyReplicas, 1);
      h.update(VERSIONED('20s'));
      await h.readyAll();
      const d2 = h.get('Deployment', 'simple-collector')!;
      assert.equal(d2.spec.template.spec.volumes.find((v: KObject) => v.name === 'otc-internal').configMap.name, second);
      assert.ok(h.get('ConfigMap', second));
      assert.ok(h.get('ConfigMap', first), 'configVersions: 1 keeps the previous ConfigMap');
      h.update(VERSIONED('30s'));
      await h.settle();
      assert.equal(h.get('ConfigMap', first), undefined, 'the one before the previous is pruned');
      assert.ok(h.operator!.logs.lines().some((l) => JSON.parse(l).message === 'pruning unmanaged resource' && JSON.parse(l).object_name === first));
    } finally { h.stop(); }
  });
}

test('before v0.101 the ConfigMap is <name>-collector, unversioned (internal/naming at v0.100.1)', async () => {
  const h = harness({ version: '0.100.1' });
  try {
    h.create(VERSIONED('10s'));
    await h.settle();
    assert.deepEqual(h.list('ConfigMap', 'default').map((c) => c.metadata.name), ['simple-collector']);
  } finally { h.stop(); }
});

test('the webhook defaults host-less endpoints from v0.110 only; the CR keeps what the webhook wrote', async () => {
  for (const [version, grpc] of [['0.109.0', {}], ['0.110.0', { endpoint: '0.0.0.0:4317' }]] as const) {
    const h = harness({ version });
    try {
      const cr = VERSIONED('10s');
      cr.spec.config.receivers.otlp.protocols.http = { endpoint: ':4318' };
      h.create(cr);
      const stored = h.get('OpenTelemetryCollector', 'simple')!;
      assert.deepEqual(stored.spec.config.receivers.otlp.protocols.grpc, grpc, version);
      assert.equal(stored.spec.config.receivers.otlp.protocols.http.endpoint, version === '0.110.0' ? '0.0.0.0:4318' : ':4318');
      assert.equal(stored.spec.mode, 'deployment');
      assert.equal(stored.spec.managementState, 'managed');
      assert.equal(stored.spec.upgradeStrategy, 'automatic');
    } finally { h.stop(); }
  }
});

// tests/e2e/smoke-collector/smoke-collector-deployment/00-install.yaml and 00-assert.yaml (v0.158.0);
// the chainsaw binding $collectorVersion is written out as 0.158.0.
const SMOKE_DEPLOYMENT = yamlOf(`
apiVersion: opentelemetry.io/v1beta1
kind: OpenTelemetryCollector
metadata:
  name: smoke-collector
  annotations:
    regular-annotation: regular-value
spec:
  mode: deployment
  image: ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-contrib:0.158.0
  nodeSelector:
    kubernetes.io/os: linux
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - key: kubernetes.io/os
            operator: In
            values:
            - linux
  podAnnotations:
    pod-annotation1: value1
    pod-annotation2: value2
  shareProcessNamespace: true
  podDnsConfig:
    nameservers:
      - 8.8.8.8
    searches:
      - my.dns.search.suffix
  initContainers:
    - name: init-test-echo
      image: mirror.gcr.io/library/alpine:latest
      command: ['sh', '-c', 'echo "init done"']
  additionalContainers:
    - name: alpine
      image: mirror.gcr.io/library/alpine:latest
      command: ['sh', '-c', 'while true; do sleep 30; done']
  ipFamilies:
    - IPv4
  ipFamilyPolicy: SingleStack
  trafficDistribution: PreferClose
  sessionAffinity: ClientIP
  sessionAffinityConfig:
    clientIP:
      timeoutSeconds: 10800
  ports:
    - name: extra-port
      port: 9090
      protocol: TCP
      targetPort: 9090
  config:
    receivers:
      otlp:
        protocols:
          grpc: {}
          http: {}
    exporters:
      debug: {}
    service:
      pipelines:
        traces:
          receivers: [otlp]
          exporters: [debug]
`);

test('smoke-collector-deployment: Deployment, pod template, Services and status as 00-assert.yaml expects', async () => {
  const h = harness();
  try {
    h.create(SMOKE_DEPLOYMENT);
    await h.readyAll();
    const d = h.get('Deployment', 'smoke-collector-collector')!;
    assert.equal(d.metadata.annotations?.['regular-annotation'], 'regular-value');
    assert.deepEqual(
      Object.fromEntries(['component', 'managed-by', 'name', 'part-of', 'version'].map((k) => [k, d.metadata.labels?.[`app.kubernetes.io/${k}`]])),
      { component: 'opentelemetry-collector', 'managed-by': 'opentelemetry-operator', name: 'smoke-collector-collector', 'part-of': 'opentelemetry', version: '0.158.0' },
    );
    const tpl = d.spec.template;
    assert.equal(tpl.metadata.annotations['pod-annotation1'], 'value1');
    assert.equal(tpl.metadata.annotations['pod-annotation2'], 'value2');
    assert.equal(tpl.spec.shareProcessNamespace, true);
    assert.deepEqual(tpl.spec.nodeSelector, { 'kubernetes.io/os': 'linux' });
    assert.ok(tpl.spec.affinity);
    assert.deepEqual(tpl.spec.dnsConfig, { nameservers: ['8.8.8.8'], searches: ['my.dns.search.suffix'] });
    assert.equal(tpl.spec.initContainers[0].name, 'init-test-echo');
    assert.equal(tpl.spec.containers.filter((c: KObject) => c.name === 'alpine').length, 1);
    assert.equal(d.status.readyReplicas, 1);
    const svc = h.get('Service', 'smoke-collector-collector')!;
    assert.equal(svc.spec.ipFamilyPolicy, 'SingleStack');
    assert.deepEqual(svc.spec.ipFamilies, ['IPv4']);
    assert.equal(svc.spec.sessionAffinity, 'ClientIP');
    assert.deepEqual(svc.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
    assert.equal(svc.spec.ports.filter((p: KObject) => p.name === 'extra-port').length, 1);
    const st = h.get('OpenTelemetryCollector', 'smoke-collector')!.status;
    assert.ok(st.image);
    assert.ok(st.version);
    assert.equal(st.scale.replicas, 1);
    assert.equal(st.scale.statusReplicas, '1/1');
  } finally { h.stop(); }
});

test('the otc-container: args, ports from the receivers (sorted, with metrics), env, config volume; the three Services', async () => {
  const h = harness();
  try {
    const cr = VERSIONED('10s');
    cr.spec.config.extensions = { health_check: {} };
    cr.spec.config.service.extensions = ['health_check'];
    h.create(cr);
    await h.settle();
    const c = h.get('Deployment', 'simple-collector')!.spec.template.spec.containers[0];
    assert.equal(c.name, 'otc-container');
    assert.equal(c.image, 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector:0.158.0');
    assert.deepEqual(c.args, ['--config=/conf/collector.yaml']);
    assert.deepEqual(c.ports.map((p: KObject) => [p.name, p.containerPort]), [['health-check', 13133], ['metrics', 8888], ['otlp-grpc', 4317], ['otlp-http', 4318]]);
    assert.deepEqual(c.env.map((e: KObject) => e.name), ['POD_NAME', 'GOMEMLIMIT', 'GOMAXPROCS']);
    for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) { assert.deepEqual(c[p].httpGet, { path: '/', port: 13133, scheme: 'HTTP' }, p); }
    const svc = (n: string) => h.get('Service', n)!;
    assert.deepEqual(svc('simple-collector').spec.ports.map((p: KObject) => [p.name, p.port, p.appProtocol]), [['otlp-grpc', 4317, 'grpc'], ['otlp-http', 4318, 'http']]);
    assert.equal(svc('simple-collector-headless').spec.clusterIP, 'None');
    assert.equal(svc('simple-collector-headless').metadata.labels?.['operator.opentelemetry.io/collector-headless-service'], 'Exists');
    assert.deepEqual(svc('simple-collector-monitoring').spec.ports.map((p: KObject) => [p.name, p.port]), [['monitoring', 8888]]);
    assert.deepEqual(svc('simple-collector-extension').spec.ports.map((p: KObject) => [p.name, p.port]), [['health-check', 13133]]);
    assert.ok(h.get('ServiceAccount', 'simple-collector'));
  } finally { h.stop(); }
});

test('version differences in the container: no startup probe before v0.137, no GOMEMLIMIT/GOMAXPROCS before v0.140', async () => {
  const h = harness({ version: '0.136.0' });
  try {
    const cr = VERSIONED('10s');
    cr.spec.config.extensions = { health_check: {} };
    cr.spec.config.service.extensions = ['health_check'];
    h.create(cr);
    await h.settle();
    const c = h.get('Deployment', 'simple-collector')!.spec.template.spec.containers[0];
    assert.equal(c.startupProbe, undefined);
    assert.ok(c.livenessProbe && c.readinessProbe);
    assert.deepEqual(c.env.map((e: KObject) => e.name), ['POD_NAME']);
    assert.equal(c.image, 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector:0.136.0');
  } finally { h.stop(); }
});

test('daemonset and statefulset modes (smoke-collector-daemonset/-statefulset 00-assert.yaml)', async () => {
  const h = harness();
  try {
    const ds = VERSIONED('10s');
    ds.metadata.name = 'smoke-ds';
    Object.assign(ds.spec, { mode: 'daemonset', hostNetwork: true, terminationGracePeriodSeconds: 600, daemonSetUpdateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } });
    const sts = VERSIONED('10s');
    sts.metadata.name = 'smoke-sts';
    Object.assign(sts.spec, { mode: 'statefulset', replicas: 1, podManagementPolicy: 'OrderedReady' });
    h.create(ds);
    h.create(sts);
    await h.readyAll();
    const d = h.get('DaemonSet', 'smoke-ds-collector')!;
    assert.deepEqual(d.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } });
    assert.equal(d.spec.template.spec.hostNetwork, true);
    assert.equal(d.spec.template.spec.dnsPolicy, 'ClusterFirstWithHostNet');
    assert.equal(d.spec.template.spec.terminationGracePeriodSeconds, 600);
    assert.equal(d.status.desiredNumberScheduled, d.status.numberReady);
    assert.equal(h.get('Service', 'smoke-ds-collector')!.spec.internalTrafficPolicy, 'Local');
    const dsStatus = h.get('OpenTelemetryCollector', 'smoke-ds')!.status;
    assert.ok(dsStatus.scale.replicas >= 1);
    assert.equal(dsStatus.scale.statusReplicas, '2/2');
    const s = h.get('StatefulSet', 'smoke-sts-collector')!;
    assert.equal(s.spec.serviceName, 'smoke-sts-collector-headless');
    assert.equal(s.spec.podManagementPolicy, 'OrderedReady');
    assert.ok(h.get('Pod', 'smoke-sts-collector-0'));
  } finally { h.stop(); }
});

// tests/e2e/conversion-webhook-invalid-config (v0.158.0): a v1alpha1 CR whose config is "null".
test('v1alpha1: a config string is converted, defaulted and read back as the text 00-assert-created.yaml shows', async () => {
  const h = harness();
  try {
    h.create(yamlOf('apiVersion: opentelemetry.io/v1alpha1\nkind: OpenTelemetryCollector\nmetadata:\n  name: invalid-config-collector\nspec:\n  mode: deployment\n  config: "null"\n'));
    await h.settle();
    const cr = h.get('OpenTelemetryCollector', 'invalid-config-collector')!;
    assert.equal(cr.apiVersion, 'opentelemetry.io/v1alpha1');
    assert.deepEqual(yamlOf(cr.spec.config), yamlOf(`receivers: {}
exporters: {}
service:
  telemetry:
    metrics:
      readers:
        - pull:
            exporter:
              prometheus:
                host: 0.0.0.0
                port: 8888
  pipelines: {}
`));
    const d = h.get('Deployment', 'invalid-config-collector-collector')!;
    assert.equal(d.spec.template.spec.containers[0].name, 'otc-container');
  } finally { h.stop(); }
});

test('v1alpha1 with a YAML config string reconciles like its v1beta1 twin', async () => {
  const h = harness();
  try {
    const beta = VERSIONED('10s');
    h.create({ apiVersion: 'opentelemetry.io/v1alpha1', kind: 'OpenTelemetryCollector', metadata: { name: 'simple' }, spec: { mode: 'deployment', config: stringify(beta.spec.config) } });
    await h.settle();
    assert.ok(h.get('ConfigMap', 'simple-collector-5723ff27'), 'same defaulted config, same hash as the v1beta1 CR');
  } finally { h.stop(); }
});

// tests/e2e-crd-validations/sidecar/01-install-tolerations.yaml and chainsaw-test.yaml (v0.158.0): on a
// 1.25-1.34 API server the CRD's CEL rule answers; before v0.127 (no rule) the validating webhook does.
test('a sidecar CR with tolerations is refused with the real Status (CEL from v0.127, the webhook before)', async () => {
  const cr = yamlOf(`
apiVersion: opentelemetry.io/v1beta1
kind: OpenTelemetryCollector
metadata:
  name: sidecar-tolerations
spec:
  mode: sidecar
  tolerations:
    - key: "key1"
      operator: "Equal"
      value: "value1"
      effect: "NoSchedule"
  config:
    receivers:
      otlp:
        protocols:
          grpc: {}
          http: {}
    exporters:
      debug: {}
    service:
      pipelines:
        traces:
          receivers: [otlp]
          exporters: [debug]
`);
  for (const [version, code, reason, message] of [
    ['0.158.0', 422, 'Invalid', `OpenTelemetryCollector.opentelemetry.io "sidecar-tolerations" is invalid: spec: Invalid value: "object": the OpenTelemetry Collector mode is set to sidecar, which does not support the attribute 'tolerations'`],
    ['0.126.0', 403, 'Forbidden', `admission webhook "vopentelemetrycollectorcreateupdatebeta.kb.io" denied the request: the OpenTelemetry Collector mode is set to sidecar, which does not support the attribute 'tolerations'`],
    // Before v0.99 the webhooks were registered for v1alpha1, under names without "beta".
    ['0.98.0', 403, 'Forbidden', `admission webhook "vopentelemetrycollectorcreateupdate.kb.io" denied the request: the OpenTelemetry Collector mode is set to sidecar, which does not support the attribute 'tolerations'`],
  ] as const) {
    const h = harness({ version });
    try {
      assert.throws(() => h.create(cr), (e: { status?: KObject }) => {
        assert.equal(e.status?.code, code);
        assert.equal(e.status?.reason, reason);
        assert.equal(e.status?.message, message);
        return true;
      });
      assert.equal(h.get('OpenTelemetryCollector', 'sidecar-tolerations'), undefined);
    } finally { h.stop(); }
  }
});

test('the mode cannot change on update; an unknown otlp protocol is refused by the mutating webhook', async () => {
  const h = harness();
  try {
    h.create(VERSIONED('10s'));
    const ds = VERSIONED('10s');
    ds.spec.mode = 'daemonset';
    assert.throws(() => h.update(ds), /the OpenTelemetry Collector mode is set to deployment, which does not support modification/);
    const bad = VERSIONED('10s');
    bad.metadata.name = 'bad';
    bad.spec.config.receivers.otlp.protocols.udp = {};
    assert.throws(() => h.create(bad), (e: { status?: KObject }) => e.status?.message === 'admission webhook "mopentelemetrycollectorbeta.kb.io" denied the request: unknown protocol set: udp');
  } finally { h.stop(); }
});

test('without the operator the CR is stored as written and nothing reconciles it', async () => {
  const h = harness({ operator: false });
  try {
    h.create(VERSIONED('10s'));
    await h.settle();
    assert.deepEqual(h.get('OpenTelemetryCollector', 'simple')!.spec.config.receivers.otlp.protocols.grpc, {});
    assert.equal(h.get('Deployment', 'simple-collector'), undefined);
    assert.deepEqual(h.list('ConfigMap', 'default'), []);
    assert.deepEqual(h.list('Pod', 'opentelemetry-operator-system'), []);
  } finally { h.stop(); }
});

test('deleting the CR removes what the operator made for it', async () => {
  const h = harness();
  try {
    h.create(VERSIONED('10s'));
    await h.settle();
    assert.ok(h.get('Deployment', 'simple-collector'));
    h.store.delete(typeByKind('OpenTelemetryCollector')!, 'default', 'simple');
    await h.settle();
    assert.equal(h.get('Deployment', 'simple-collector'), undefined);
    assert.deepEqual(h.list('Service', 'default').map((s) => s.metadata.name), []);
    assert.deepEqual(h.list('Pod', 'default'), []);
  } finally { h.stop(); }
});

// tests/e2e/status-observed-generation/00-assert.yaml (v0.158.0): observedGeneration and the Ready
// condition, written from v0.154.0 (internal/status/collector/handle.go); v0.153.0 writes neither.
test('status: observedGeneration and the Ready condition from v0.154, following the generation', async () => {
  for (const version of ['0.158.0', '0.153.0']) {
    const h = harness({ version });
    try {
      h.create(VERSIONED('10s'));
      await h.settle();
      let st = h.get('OpenTelemetryCollector', 'simple')!.status;
      if (version === '0.153.0') {
        assert.equal(st.observedGeneration, undefined);
        assert.equal(st.conditions, undefined);
        continue;
      }
      assert.equal(st.observedGeneration, 1);
      assert.deepEqual(st.conditions.map((c: KObject) => [c.type, c.status, c.observedGeneration, c.reason, c.message]), [['Ready', 'True', 1, 'Reconciled', 'Successfully reconciled']]);
      h.update(VERSIONED('20s'));
      await h.settle();
      st = h.get('OpenTelemetryCollector', 'simple')!.status;
      assert.equal(st.observedGeneration, 2);
      assert.equal(st.conditions[0].observedGeneration, 2);
    } finally { h.stop(); }
  }
});

// tests/e2e/extension/01-install-health-check-extension.yaml and its 01-assert (v0.158.0): null protocol
// configs, the probes (with the API server's probe defaults) and the container ports in order.
test('extension/health-check: probes and container ports as 01-assert-health-check-extension.yaml lists them', async () => {
  const h = harness();
  try {
    h.create(yamlOf(`
apiVersion: opentelemetry.io/v1beta1
kind: OpenTelemetryCollector
metadata:
  name: health-check
spec:
  config:
    extensions:
      health_check: {}
    receivers:
      otlp:
        protocols:
          grpc:
          http:
    processors: {}
    exporters:
      debug: {}
    service:
      extensions:
        - health_check
      pipelines:
        traces:
          receivers: [otlp]
          exporters: [debug]
`));
    await h.settle();
    const c = h.get('Deployment', 'health-check-collector')!.spec.template.spec.containers[0];
    const probe = { failureThreshold: 3, httpGet: { path: '/', port: 13133, scheme: 'HTTP' }, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 1 };
    assert.deepEqual(c.livenessProbe, probe);
    assert.deepEqual(c.readinessProbe, probe);
    assert.deepEqual(c.ports, [
      { containerPort: 13133, name: 'health-check', protocol: 'TCP' }, { containerPort: 8888, name: 'metrics', protocol: 'TCP' },
      { containerPort: 4317, name: 'otlp-grpc', protocol: 'TCP' }, { containerPort: 4318, name: 'otlp-http', protocol: 'TCP' },
    ]);
  } finally { h.stop(); }
});

// tests/e2e/extension/00-install-jaeger-extension.yaml and its assert (v0.158.0).
test('extension/jaeger: jaeger_query ports beside the receivers, and the base Service\'s ports', async () => {
  const h = harness();
  try {
    h.create(yamlOf(`
apiVersion: opentelemetry.io/v1beta1
kind: OpenTelemetryCollector
metadata:
  name: jaeger-inmemory
spec:
  image: mirror.gcr.io/jaegertracing/jaeger:latest
  config:
    service:
      extensions: [jaeger_storage, jaeger_query]
      pipelines:
        traces:
          receivers: [otlp]
          exporters: [jaeger_storage_exporter]
    extensions:
      jaeger_query:
        storage:
          traces: memstore
        grpc:
          endpoint: 0.0.0.0:16685
      jaeger_storage:
        backends:
          memstore:
            memory:
              max_traces: 100000
    receivers:
      otlp:
        protocols:
          grpc:
          http:
    exporters:
      jaeger_storage_exporter:
        trace_storage: memstore
`));
    await h.settle();
    const c = h.get('Deployment', 'jaeger-inmemory-collector')!.spec.template.spec.containers[0];
    assert.deepEqual(c.ports.map((p: KObject) => [p.containerPort, p.name, p.protocol]), [
      [16686, 'jaeger-query', 'TCP'], [16685, 'jaeger-query-2', 'TCP'], [8888, 'metrics', 'TCP'], [4317, 'otlp-grpc', 'TCP'], [4318, 'otlp-http', 'TCP'],
    ]);
    assert.deepEqual(h.get('Service', 'jaeger-inmemory-collector')!.spec.ports, [
      { appProtocol: 'grpc', name: 'otlp-grpc', port: 4317, protocol: 'TCP', targetPort: 4317 },
      { appProtocol: 'http', name: 'otlp-http', port: 4318, protocol: 'TCP', targetPort: 4318 },
    ]);
    const headless = h.get('Service', 'jaeger-inmemory-collector-headless')!;
    assert.equal(headless.metadata.annotations?.['service.beta.openshift.io/serving-cert-secret-name'], 'jaeger-inmemory-collector-headless-tls');
    assert.equal(headless.metadata.labels?.['app.kubernetes.io/version'], 'latest');
    assert.equal(headless.metadata.ownerReferences?.[0].apiVersion, 'opentelemetry.io/v1beta1');
  } finally { h.stop(); }
});

test('v0.104-v0.109 write --feature-gates=-component.UseLocalHostAsDefaultHost into the CR (v0.104 first -confmap.unifyEnvVarExpansion with a prometheus receiver); v0.110 does not', async () => {
  for (const [version, gates] of [['0.104.0', '-confmap.unifyEnvVarExpansion,-component.UseLocalHostAsDefaultHost'], ['0.109.0', '-component.UseLocalHostAsDefaultHost'], ['0.110.0', undefined]] as const) {
    const h = harness({ version });
    try {
      const cr = VERSIONED('10s');
      cr.spec.config.receivers.prometheus = { config: { scrape_configs: [] } };
      h.create(cr);
      await h.settle();
      assert.equal(h.get('OpenTelemetryCollector', 'simple')!.spec.args?.['feature-gates'], gates, version);
      const args = h.get('Deployment', 'simple-collector')!.spec.template.spec.containers[0].args;
      assert.deepEqual(args, ['--config=/conf/collector.yaml', ...(gates ? [`--feature-gates=${gates}`] : [])], version);
    } finally { h.stop(); }
  }
});

test('health_check: liveness only before v0.100, no extension port before v0.115, no endpoint default before v0.122', async () => {
  for (const [version, hcPort, hcDefault] of [['0.99.0', false, false], ['0.114.0', false, false], ['0.121.0', true, false], ['0.122.0', true, true]] as const) {
    const h = harness({ version });
    try {
      const cr = VERSIONED('10s');
      cr.spec.config.extensions = { health_check: {} };
      cr.spec.config.service.extensions = ['health_check'];
      h.create(cr);
      await h.settle();
      assert.deepEqual(h.get('OpenTelemetryCollector', 'simple')!.spec.config.extensions.health_check, hcDefault ? { endpoint: '0.0.0.0:13133', path: '/' } : {}, version);
      const c = h.get('Deployment', 'simple-collector')!.spec.template.spec.containers[0];
      assert.equal(c.ports.some((p: KObject) => p.name === 'health-check'), hcPort, version);
      assert.equal(h.get('Service', 'simple-collector-extension') !== undefined, hcPort, version);
      assert.equal(c.livenessProbe.httpGet.port, 13133);
      // container.go: a readiness probe from v0.100.0.
      assert.equal(c.readinessProbe?.httpGet.port, version === '0.99.0' ? undefined : 13133, version);
    } finally { h.stop(); }
  }
});

test('labels and annotations by release: service-type labels from v0.100, the prometheus marker annotation from v0.156', async () => {
  for (const [version, typed, marker] of [['0.99.0', false, false], ['0.155.0', true, false], ['0.156.0', true, true]] as const) {
    const h = harness({ version });
    try {
      h.create(VERSIONED('10s'));
      await h.settle();
      assert.equal(h.get('Service', 'simple-collector')!.metadata.labels?.['operator.opentelemetry.io/collector-service-type'], typed ? 'base' : undefined, version);
      assert.equal(h.get('Service', 'simple-collector-monitoring')!.metadata.labels?.['operator.opentelemetry.io/collector-monitoring-service'], 'Exists', version);
      const ann = h.get('Deployment', 'simple-collector')!.spec.template.metadata.annotations;
      assert.equal(ann['prometheus.io/scrape'], 'true');
      assert.equal(ann['operator.opentelemetry.io/prometheus-annotations-added'], marker ? 'true' : undefined, version);
    } finally { h.stop(); }
  }
});

test('the reconciler records "applied status changes" (Normal, Info) on the CR, as handle.go does', async () => {
  const h = harness();
  try {
    h.create(VERSIONED('10s'));
    await h.readyAll();
    const ev = h.list('Event', 'default').filter((e) => e.involvedObject?.kind === 'OpenTelemetryCollector');
    assert.equal(ev.length, 1);
    assert.deepEqual([ev[0].type, ev[0].reason, ev[0].message, ev[0].involvedObject.name, ev[0].source.component], ['Normal', 'Info', 'applied status changes', 'simple', 'opentelemetry-operator']);
    assert.ok(ev[0].count >= 1);
  } finally { h.stop(); }
});

// tests/e2e/multiple-configmaps/00-install.yaml and 00-assert.yaml (v0.158.0).
test('multiple-configmaps: spec.configmaps become volumes and mounts under /var/conf', async () => {
  const h = harness();
  try {
    h.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mount-test1' }, data: { 'export.ini': '- EXPORT=true\n' } });
    h.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mount-test2' }, data: { 'otel.ini': '- OTEL_ENDPOINT=localhost\n' } });
    const cr = VERSIONED('10s');
    cr.metadata.name = 'simplest-with-configmaps';
    cr.spec.configmaps = [{ name: 'mount-test1', mountpath: '/' }, { name: 'mount-test2', mountpath: '/dir' }];
    h.create(cr);
    await h.settle();
    const spec = h.get('Deployment', 'simplest-with-configmaps-collector')!.spec.template.spec;
    assert.ok(spec.volumes[0].configMap.name.startsWith('simplest-with-configmaps-collector-'));
    assert.deepEqual(spec.volumes[0].configMap.items, [{ key: 'collector.yaml', path: 'collector.yaml' }]);
    assert.equal(spec.volumes[0].configMap.defaultMode, 420);
    assert.deepEqual(spec.volumes.slice(1), [
      { name: 'configmap-mount-test1', configMap: { name: 'mount-test1', defaultMode: 420 } },
      { name: 'configmap-mount-test2', configMap: { name: 'mount-test2', defaultMode: 420 } },
    ]);
    assert.deepEqual(spec.containers[0].volumeMounts, [
      { name: 'otc-internal', mountPath: '/conf' },
      { name: 'configmap-mount-test1', mountPath: '/var/conf/configmap-mount-test1' },
      { name: 'configmap-mount-test2', mountPath: '/var/conf/dir/configmap-mount-test2' },
    ]);
  } finally { h.stop(); }
});
