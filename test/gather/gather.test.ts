import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/cluster/types.ts';
import { ApiError } from '../../src/errors.ts';
import { gather } from '../../src/gather/index.ts';
import { FakeClusterClient, notFound, rsPod } from './fake-client.ts';

const RELAY = `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: localhost:4317
      http:
        endpoint: \${env:MY_POD_IP}:4318
exporters:
  debug: {}
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [debug]
`;

function cluster(): KObject[] {
  const collectorLabels = { 'app.kubernetes.io/name': 'otel-collector' };
  const objs: KObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'observability', labels: { 'kubernetes.io/metadata.name': 'observability' } } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop' } } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'observability', name: 'otel-collector' }, data: { relay: RELAY } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'shop', name: 'otel-env' }, data: { collector: 'otel-collector.observability.svc.cluster.local' } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { namespace: 'observability', name: 'otel-collector' },
      spec: { type: 'ClusterIP', clusterIP: '10.96.0.12', selector: collectorLabels, ports: [{ name: 'otlp-grpc', port: 4317, targetPort: 'otlp-grpc' }, { name: 'otlp-http', port: 4318, targetPort: 4318 }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { namespace: 'observability', name: 'otel-collector-abcde', labels: { 'kubernetes.io/service-name': 'otel-collector' } },
      endpoints: [{ addresses: ['10.244.1.5'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'otel-collector-7d9f8b6c5-x0' } }],
      ports: [{ name: 'otlp-grpc', port: 4317 }],
    },
    ...rsPod('observability', 'otel-collector', 0, '10.244.1.5', {
      containers: [
        {
          name: 'otelcol',
          image: 'otel/opentelemetry-collector-contrib:0.111.0',
          args: ['--config=/conf/relay.yaml'],
          ports: [{ name: 'otlp-grpc', containerPort: 4317 }, { name: 'otlp-http', containerPort: 4318 }],
          env: [{ name: 'MY_POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
          volumeMounts: [{ name: 'cfg', mountPath: '/conf' }],
        },
      ],
      volumes: [{ name: 'cfg', configMap: { name: 'otel-collector', items: [{ key: 'relay', path: 'relay.yaml' }] } }],
    }, collectorLabels),
  ];
  // checkout: 2 replicas; the endpoint goes through a ConfigMap and a $(VAR) reference.
  for (const i of [0, 1]) {
    objs.push(
      ...rsPod('shop', 'checkout', i, `10.244.2.${10 + i}`, {
        containers: [
          {
            name: 'app',
            image: 'python:3.12-slim',
            env: [
              { name: 'OTEL_COLLECTOR_HOST', valueFrom: { configMapKeyRef: { name: 'otel-env', key: 'collector' } } },
              { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://$(OTEL_COLLECTOR_HOST):4317' },
            ],
          },
        ],
      }, { app: 'checkout' }),
    );
  }
  objs.push(
    ...rsPod('shop', 'evil', 0, '10.244.2.66', {
      containers: [{ name: 'app', image: 'busybox', env: [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://x;touch /tmp/pwned:4317' }, { name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', value: 'http://$(touch /tmp/p):4318/v1/traces' }] }],
    }, { app: 'evil' }),
  );
  // unrelated pod: no OTLP env, must not become an app
  objs.push(...rsPod('shop', 'db', 0, '10.244.2.90', { containers: [{ name: 'pg', image: 'postgres:16' }] }, { app: 'db' }));
  return objs.filter((o, i, all) => all.findIndex((x) => x.kind === o.kind && x.metadata.namespace === o.metadata.namespace && x.metadata.name === o.metadata.name) === i);
}

function scriptedExec(fake: FakeClusterClient): void {
  fake.onExec = (ns, _pod, _container, argv) => {
    if (ns === 'observability') {
      return notFound(argv[0]); // FROM scratch
    }
    if (argv[0] === 'sh' && argv[3] === 'probe-kit') {
      // What PROBE_KIT prints in a container with bash and timeout whose targets all refuse.
      const lines = ['@okp T bash timeout'];
      for (let i = 0; 4 + 2 * i + 1 < argv.length; i++) {
        const [host, port] = [argv[4 + 2 * i], argv[5 + 2 * i]];
        lines.push(`@okp R ${i} bash 1 1 \x01probe: connect: Connection refused\x01probe: line 1: /dev/tcp/${host}/${port}: Connection refused`);
      }
      return { stdout: `${lines.join('\n')}\n@okp D\n`, stderr: '', exitCode: 0 };
    }
    if (argv[0] === 'timeout' && argv[2] === 'bash') {
      const host = argv[6];
      return { stdout: '', stderr: `probe: connect: Connection refused\nprobe: line 1: /dev/tcp/${host}/${argv[7]}: Connection refused\n`, exitCode: 1 };
    }
    return notFound(argv[0]);
  };
  fake.logsByContainer.set(
    'observability/otel-collector-7d9f8b6c5-x0/otelcol',
    [
      '2024-10-01T10:00:00.000Z\tinfo\tservice@v0.111.0/service.go:135\tSetting up own telemetry...',
      '2024-10-01T10:00:00.100Z\tinfo\totlpreceiver@v0.111.0/otlp.go:112\tStarting GRPC server\t{"kind": "receiver", "name": "otlp", "data_type": "traces", "endpoint": "localhost:4317"}',
      '2024-10-01T10:00:00.101Z\tinfo\totlpreceiver@v0.111.0/otlp.go:169\tStarting HTTP server\t{"kind": "receiver", "name": "otlp", "data_type": "traces", "endpoint": "10.244.1.5:4318"}',
      '2024-10-01T10:00:00.102Z\tinfo\tservice@v0.111.0/service.go:230\tEverything is ready. Begin running and processing data.',
    ].join('\n'),
  );
  for (const i of [0, 1]) {
    fake.logsByContainer.set(`shop/checkout-7d9f8b6c5-x${i}/app`, 'Transient error StatusCode.UNAVAILABLE encountered while exporting traces to otel-collector.observability.svc.cluster.local:4317, retrying in 1.05s.');
  }
  fake.logsByContainer.set('shop/evil-7d9f8b6c5-x0/app', '');
}

test('gather on a recorded cluster: collectors, config, apps, probes, logs, sockets from the log', async () => {
  const fake = new FakeClusterClient(cluster());
  scriptedExec(fake);
  const snap = await gather(fake, { namespace: 'observability', now: () => new Date('2026-01-01T00:00:00Z') });

  assert.equal(snap.collectors.length, 1);
  const c = snap.collectors[0];
  assert.equal(c.pod, 'otel-collector-7d9f8b6c5-x0');
  assert.deepEqual(c.owner, { kind: 'Deployment', namespace: 'observability', name: 'otel-collector' });
  assert.equal(c.version, '0.111.0');
  assert.equal(c.podIP, '10.244.1.5');
  assert.equal(c.env?.MY_POD_IP, '10.244.1.5');
  assert.equal(c.envFieldRefs?.MY_POD_IP, 'status.podIP');
  assert.deepEqual(c.configSources[0].configMap, { namespace: 'observability', name: 'otel-collector', key: 'relay' });
  const grpc = (((c.effectiveConfig?.receivers as any).otlp.protocols.grpc) as any).endpoint;
  assert.equal(grpc, 'localhost:4317');
  // FROM scratch (the distribution table says so): no socket tool is tried, the startup log is the evidence
  assert.equal(c.listeners?.method, 'log');
  assert.equal(c.listeners?.logAddressKind, 'configured');
  assert.deepEqual(c.listeners?.sockets.map((s) => `${s.address}:${s.port}`).sort(), ['10.244.1.5:4318', 'localhost:4317']);
  assert.match(c.listeners?.reason ?? '', /otelcol: not tried, otel\/opentelemetry-collector-contrib:0\.111\.0 is built FROM scratch/);
  assert.ok(!fake.execLog.some((e) => e.pod === c.pod), 'no exec into the FROM-scratch collector');

  const svc = snap.services.find((s) => s.name === 'otel-collector');
  assert.deepEqual(svc?.matchedCollectorPods, ['observability/otel-collector-7d9f8b6c5-x0']);
  assert.deepEqual(svc?.endpoints?.ready.map((e) => e.ip), ['10.244.1.5']);

  // apps: two checkout replicas and the hostile one; the db pod is not an app
  assert.deepEqual(snap.apps.map((a) => `${a.namespace}/${a.workload?.name}/${a.container}`).sort(), ['shop/checkout/app', 'shop/checkout/app', 'shop/evil/app']);
  const checkout = snap.apps.find((a) => a.workload?.name === 'checkout')!;
  assert.equal(checkout.exporter.endpoint?.value, 'http://otel-collector.observability.svc.cluster.local:4317');
  assert.equal(checkout.exporter.endpoint?.origin, 'var-ref');
  assert.equal(checkout.exporter.endpoint?.raw, 'http://$(OTEL_COLLECTOR_HOST):4317');
  assert.equal(checkout.sdk?.language, 'python');

  // probes: one pod per workload (max-pods-per-workload 1)
  const fromPods = new Set(snap.probes.filter((p) => p.from.workload?.name === 'checkout').map((p) => p.from.pod));
  assert.equal(fromPods.size, 1);
  const ep = snap.probes.find((p) => p.from.workload?.name === 'checkout' && p.target.kind === 'app-endpoint')!;
  assert.equal(ep.result, 'refused');
  assert.equal(ep.method, 'bash-dev-tcp');
  assert.deepEqual(ep.argv, ['timeout', '4', 'bash', '-c', 'exec 3<>/dev/tcp/$1/$2', 'probe', 'otel-collector.observability.svc.cluster.local', '4317']);
  const podIp = snap.probes.find((p) => p.from.workload?.name === 'checkout' && p.target.kind === 'pod-ip')!;
  assert.deepEqual([podIp.target.host, podIp.target.port, podIp.target.ref], ['10.244.1.5', 4317, 'observability/otel-collector-7d9f8b6c5-x0']);

  // the hostile endpoints are recorded as malformed, and nothing of them reaches an exec
  const evil = snap.probes.filter((p) => p.from.workload?.name === 'evil' && p.target.kind === 'app-endpoint');
  assert.equal(evil.length, 2);
  for (const p of evil) {
    assert.equal(p.result, 'not-run');
    assert.match(p.reason ?? '', /^malformed endpoint/);
    assert.equal(p.argv, undefined);
  }
  for (const e of fake.execLog) {
    for (const a of e.argv) { assert.ok(!/touch|pwned/.test(a), `hostile text reached argv: ${e.argv.join(' ')}`); }
  }
  // one exec per probing pod: its whole probe set went through the kit
  const kitExecs = fake.execLog.filter((e) => e.argv[3] === 'probe-kit');
  assert.equal(kitExecs.length, 2, 'checkout (one pod of two) and evil (its Service and pod-IP targets)');
  assert.equal(fake.execLog.filter((e) => e.ns === 'shop').length, 2);

  // logs: collector + one pod per app workload, matched with otel signatures
  const appLog = snap.logs.find((l) => l.role === 'app' && l.pod.startsWith('checkout'));
  assert.ok(appLog && appLog.matches.length >= 1, 'python UNAVAILABLE matched');

  // API reads are lists (and SSARs), never per-pod gets; the list count does not grow with pods.
  assert.ok(fake.calls.every((c) => /^(list|exec|logs|ssar) /.test(c)), fake.calls.join('\n'));
  const lists = fake.calls.filter((c) => c.startsWith('list '));
  assert.ok(lists.length <= 30, `${lists.length} lists`);
  assert.deepEqual(snap.incomplete, []);
});

test('list calls grow with namespaces, not pods', async () => {
  const small = new FakeClusterClient(cluster());
  scriptedExec(small);
  await gather(small, { namespace: 'observability', exec: false });
  const big = cluster();
  for (let i = 2; i < 40; i++) { big.push(...rsPod('shop', `svc${i}`, 0, `10.244.3.${i}`, { containers: [{ name: 'app', image: 'node:22', env: [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.observability:4318' }] }] }, { app: `svc${i}` })); }
  const large = new FakeClusterClient(big);
  scriptedExec(large);
  const snap = await gather(large, { namespace: 'observability', exec: false });
  assert.equal(snap.apps.length, 3 + 38);
  assert.equal(large.calls.filter((c) => c.startsWith('list ')).length, small.calls.filter((c) => c.startsWith('list ')).length);
  assert.equal(large.execLog.length, 0, '--no-exec runs nothing');
  assert.ok(snap.incomplete.some((i) => i.check === 'probes'));
});

test('no exec permission: one incomplete entry with the RBAC rule, no exec call; no cluster-wide list: namespace fallback with a note', async () => {
  const fake = new FakeClusterClient(cluster());
  scriptedExec(fake);
  fake.denied.add('create pods/exec');
  fake.denied.add('list pods cluster');
  fake.listErrors.set('pods', (o) => (o.namespace ? undefined : new ApiError('pods is forbidden: User "jane" cannot list resource "pods" in API group "" at the cluster scope', { status: 403, reason: 'Forbidden', path: '' })));
  const snap = await gather(fake, { namespace: 'observability', appNamespaces: ['shop'] });
  assert.equal(fake.execLog.length, 0);
  const ex = snap.incomplete.find((i) => i.check === 'exec');
  assert.match(ex?.rbac ?? '', /resources: \["pods\/exec"\]\n {2}verbs: \["create", "get"\]/);
  const apps = snap.incomplete.find((i) => i.check === 'list-apps');
  assert.ok(apps, 'list-apps incomplete');
  assert.ok(snap.notes.some((n) => /cannot list pods cluster-wide/.test(n)));
  assert.ok(fake.calls.includes('list pods -n observability') && fake.calls.includes('list pods -n shop'));
  assert.equal(snap.apps.length, 3, 'apps still found through --app-namespace');
  assert.equal(snap.collectors[0].listeners?.method, 'log', 'without exec, the startup log still tells the addresses');
});

test('cannot list pods at all: CannotDiagnoseError (exit 3)', async () => {
  const fake = new FakeClusterClient(cluster());
  fake.denied.add('list pods cluster');
  fake.listErrors.set('pods', () => new ApiError('pods is forbidden', { status: 403, reason: 'Forbidden', path: '' }));
  await assert.rejects(gather(fake, { namespace: 'observability' }), (e: unknown) => (e as { exitCode?: number }).exitCode === 3);
});

test('--debug-container: an ephemeral container lists the sockets of a FROM-scratch collector, once', async () => {
  const fake = new FakeClusterClient(cluster());
  scriptedExec(fake);
  const base = fake.onExec;
  fake.onExec = (ns, pod, container, argv) => {
    if (container.startsWith('otel-doctor-debug-') && argv[0] === 'ss') {
      return { stdout: 'LISTEN 0 4096 127.0.0.1:4317 0.0.0.0:*\nLISTEN 0 4096 10.244.1.5:4318 0.0.0.0:*\n', stderr: '', exitCode: 0 };
    }
    return base(ns, pod, container, argv);
  };
  const snap = await gather(fake, { namespace: 'observability', debugImage: 'busybox:1.36' });
  const c = snap.collectors[0];
  assert.equal(c.listeners?.method, 'ss');
  assert.match(c.listeners?.container ?? '', /^otel-doctor-debug-[0-9a-f]{6}$/);
  assert.deepEqual(c.listeners?.sockets.map((s) => `${s.address}:${s.port}`), ['127.0.0.1:4317', '10.244.1.5:4318']);
  assert.equal(fake.patches.length, 1);
  assert.match(fake.patches[0], /^observability\/otel-collector-7d9f8b6c5-x0\/otel-doctor-debug-[0-9a-f]{6}\/busybox:1\.36$/);
  assert.ok(snap.notes.some((n) => /ephemeral container .* stays in the pod spec/.test(n)));
  // a second run reuses the running debug container instead of adding another
  await gather(fake, { namespace: 'observability', debugImage: 'busybox:1.36' });
  assert.equal(fake.patches.length, 1);
  // without the flag nothing is ever patched
  const plain = new FakeClusterClient(cluster());
  scriptedExec(plain);
  await gather(plain, { namespace: 'observability' });
  assert.equal(plain.patches.length, 0);
});

test('--debug-container and exec refused (403): the FROM-scratch collector is still tried, and nothing is ever patched', async () => {
  const fake = new FakeClusterClient(cluster());
  fake.onExec = () => ({ stdout: '', stderr: '', exitCode: null, error: { code: 403, reason: 'Forbidden', message: 'pods "x" is forbidden: User "jane" cannot get resource "pods/exec"' } });
  const snap = await gather(fake, { namespace: 'observability', debugImage: 'busybox:1.36' });
  assert.equal(fake.patches.length, 0, 'no ephemeral container after a refused exec');
  assert.ok(fake.execLog.some((e) => e.pod === snap.collectors[0].pod), 'the exec that said Forbidden was tried');
});

test('apps cluster-wide follows the pod list itself, not the access review: a 403 narrows (and is incomplete), a list that works is used', async () => {
  // the review allows it, the list is refused (an admission webhook, a review that cannot see a deny)
  const refused = new FakeClusterClient(cluster());
  refused.listErrors.set('pods', (o) => (o.namespace ? undefined : new ApiError('pods is forbidden', { status: 403, reason: 'Forbidden', path: '' })));
  const a = await gather(refused, { namespace: 'observability', appNamespaces: ['shop'] });
  assert.ok(a.incomplete.some((i) => i.check === 'list-apps'), 'list-apps incomplete');
  assert.ok(a.notes.some((n) => /cannot list pods cluster-wide/.test(n)));
  assert.deepEqual(a.meta.appNamespaces, ['observability', 'shop']);
  // the review denies it, the list works: cluster-wide, nothing incomplete about it
  const allowed = new FakeClusterClient(cluster());
  allowed.denied.add('list pods cluster');
  const b = await gather(allowed, { namespace: 'observability' });
  assert.ok(!b.incomplete.some((i) => i.check === 'list-apps'), JSON.stringify(b.incomplete));
  assert.deepEqual(b.meta.appNamespaces, ['*']);
  assert.ok(b.permissions?.reviews.some((r) => r.resource === 'pods' && !r.namespace && r.allowed === false), 'the review itself is still reported');
});

test('an endpoint\'s own hostname (EndpointSlice, and Endpoints where there are no slices) is kept: CoreDNS answers the pod by it', async () => {
  const headless = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'observability', name }, spec: { clusterIP: 'None', selector: { app: name }, ports: [{ name: 'otlp-grpc', port: 4317 }] } });
  const fake = new FakeClusterClient([
    ...cluster(),
    headless('otel-sts'),
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { namespace: 'observability', name: 'otel-sts-x', labels: { 'kubernetes.io/service-name': 'otel-sts' } }, endpoints: [{ addresses: ['10.244.1.30'], hostname: 'otel-sts-0', conditions: { ready: true } }] },
    headless('otel-old'),
    { apiVersion: 'v1', kind: 'Endpoints', metadata: { namespace: 'observability', name: 'otel-old' }, subsets: [{ addresses: [{ ip: '10.244.1.31', hostname: 'otel-old-0' }], ports: [{ name: 'otlp-grpc', port: 4317 }] }] },
  ]);
  scriptedExec(fake);
  const snap = await gather(fake, { namespace: 'observability' });
  assert.deepEqual(snap.services.find((v) => v.name === 'otel-sts')?.endpoints?.ready.map((e) => `${e.ip} ${e.hostname}`), ['10.244.1.30 otel-sts-0']);
  assert.deepEqual(snap.services.find((v) => v.name === 'otel-old')?.endpoints?.ready.map((e) => `${e.ip} ${e.hostname}`), ['10.244.1.31 otel-old-0']);
});

test('a hand-written collector sidecar is not operator-managed; an injected otc-container is', async () => {
  const cfg = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'shop', name: 'side' }, data: { 'c.yaml': 'receivers:\n  otlp:\n    protocols:\n      grpc: {}\nexporters:\n  debug: {}\nservice:\n  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [debug]\n' } };
  const pod = (name: string, collectorName: string, annotations: Record<string, string> = {}) => rsPod('shop', name, 0, name === 'plain' ? '10.244.1.21' : '10.244.1.22', {
    containers: [
      { name: 'app', image: 'busybox:1.36', env: [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://localhost:4317' }] },
      { name: collectorName, image: 'otel/opentelemetry-collector-contrib:0.111.0', args: ['--config=/conf/c.yaml'], volumeMounts: [{ name: 'c', mountPath: '/conf' }] },
    ],
    volumes: [{ name: 'c', configMap: { name: 'side' } }],
  }, { app: name }, annotations);
  const objs: KObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
    cfg,
    ...pod('plain', 'otel-collector'),
    ...pod('injected', 'otc-container', { 'sidecar.opentelemetry.io/inject': 'true' }),
  ];
  const snap = await gather(new FakeClusterClient(objs), { namespace: 'shop', exec: false });
  const plain = snap.collectors.find((c) => c.pod.startsWith('plain'));
  const injected = snap.collectors.find((c) => c.pod.startsWith('injected'));
  assert.ok(plain?.sidecar && injected?.sidecar, 'both found as sidecars');
  assert.equal(plain.managedBy, undefined);
  assert.equal(injected.managedBy?.operator, 'opentelemetry-operator');
});

test('ConfigMaps that cannot be listed leave the collector config unknown, never invalid', async () => {
  const fake = new FakeClusterClient(cluster());
  scriptedExec(fake);
  fake.listErrors.set('configmaps', () => new ApiError('configmaps is forbidden', { status: 403, reason: 'Forbidden', path: '' }));
  const snap = await gather(fake, { namespace: 'observability', appNamespaces: ['shop'] });
  const c = snap.collectors[0];
  assert.equal(c.effectiveConfig, null);
  assert.deepEqual(c.configSources.filter((s) => s.error), []);
  assert.match(c.configSources.find((s) => s.configMap)?.unknown ?? '', /ConfigMap observability\/otel-collector could not be listed/);
  assert.ok(snap.incomplete.some((i) => i.check === 'list-configmaps'));
});
