import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { rule } from '../../src/rules/endpoint-ipv6-unbracketed.ts';
import { judge } from '../../src/engine.ts';
import { classify, planObject } from '../../src/fix/plan.ts';
import { lintTexts } from '../../src/lint/index.ts';
import { matchCollectorLine } from '../../src/otel/logs.ts';
import type { Snapshot } from '../../src/snapshot.ts';
import { findingsOf, type InvalidCase, loadSnapshot, ruleTester, test, variant } from './helpers.ts';

const COLLECTOR = 'Deployment observability/otel-collector:opentelemetry-collector';
const WORKLOAD = 'Deployment observability/otel-collector';
const POD_IP6 = 'fd00:10:244:1::5';
// The collector's own lines for this failure, in the format of contrib#38174 (graph.go's error line and
// the final `Error:`), with the address Go printed.
const CRASH_LINES = [
  `2026-12-05T17:01:02.003Z\terror\tgraph/graph.go:426\tFailed to start component\t{"resource": {}, "error": "listen tcp: address ${POD_IP6}:4317: too many colons in address", "type": "Receiver", "id": "otlp"}`,
  `Error: cannot start pipelines: failed to start "otlp" receiver: listen tcp: address ${POD_IP6}:4317: too many colons in address`,
];

/** The Helm chart's config on an IPv6 cluster, crash-looping as the real collector does. */
function ipv6Helm(): Snapshot {
  return variant(loadSnapshot('healthy-helm'), (s) => {
    const c = s.collectors[0];
    c.podIP = POD_IP6;
    c.env = { MY_POD_IP: POD_IP6 };
    c.ready = false;
    c.restarts = 4;
    c.containerStatuses = [{ name: c.container, ready: false, restartCount: 4, state: 'waiting', reason: 'CrashLoopBackOff', lastTerminationReason: 'Error', lastTerminationExitCode: 1 }];
    delete c.listeners;
    s.services[0].clusterIP = 'fd00:10:96::14';
    s.services[0].ipFamilies = ['IPv6'];
    s.services[0].endpoints = { ready: [], notReady: [{ ip: POD_IP6, ready: false, pod: c.pod }] };
    s.logs = [{ namespace: c.namespace, pod: c.pod, container: c.container, role: 'collector', previous: true, matches: CRASH_LINES.map((l) => matchCollectorLine(l)).filter((m) => m !== null) }];
  });
}

/** The same files read by lint: no pod IP, no env value, only the fieldRef. */
function linted(patch: (s: Snapshot) => void = () => {}): Snapshot {
  return variant(loadSnapshot('healthy-helm'), (s) => {
    s.meta.mode = 'lint';
    const c = s.collectors[0];
    delete c.env;
    delete c.podIP;
    delete c.listeners;
    s.probes = [];
    for (const a of s.apps) { delete a.podIP; }
    s.services[0].clusterIP = undefined;
    patch(s);
  });
}

function config(s: Snapshot): any {
  return s.collectors[0].effectiveConfig;
}

/** Where the OTLP receivers and health_check listen; each case varies one other binding. */
type Binds = { grpc: string; http: string; health: string };
const WILDCARD: Binds = { grpc: '0.0.0.0:4317', http: '0.0.0.0:4318', health: '0.0.0.0:13133' };
const BRACKETED: Binds = { grpc: '[${env:MY_POD_IP}]:4317', http: '[${env:MY_POD_IP}]:4318', health: '[${env:MY_POD_IP}]:13133' };

function bind(cfg: any, b: Binds): void {
  cfg.receivers.otlp.protocols.grpc.endpoint = b.grpc;
  cfg.receivers.otlp.protocols.http.endpoint = b.http;
  cfg.extensions.health_check.endpoint = b.health;
}

/** The Helm chart's collector running (not crashing) on an IPv6 pod IP, bound as `b`, with `patch`'s one change. */
function onIPv6Pod(b: Binds, patch: (cfg: any, s: Snapshot) => void = () => {}): Snapshot {
  return variant(loadSnapshot('healthy-helm'), (s) => {
    const c = s.collectors[0];
    c.podIP = POD_IP6;
    c.env = { MY_POD_IP: POD_IP6 };
    bind(config(s), b);
    patch(config(s), s);
  });
}

const READER_FROM_POD_IP = { metrics: { readers: [{ pull: { exporter: { prometheus: { host: '${env:MY_POD_IP}', port: 8888 } } } }] } };

/** Bindings from the pod IP that Go cannot split on an IPv6 pod: each is an error, in diagnose and lint alike. */
const UNSPLITTABLE: { name: string; snapshot: Snapshot }[] = [
  {
    name: 'a literal IPv6 address without brackets is an error in lint too',
    snapshot: linted((s) => {
      config(s).receivers.otlp.protocols.grpc.endpoint = 'fd00::1:4317';
    }),
  },
  {
    name: 'the netstat-style wildcard :::4317',
    snapshot: variant(loadSnapshot('healthy-helm'), (s) => {
      config(s).receivers.otlp.protocols.http.endpoint = ':::4318';
    }),
  },
  {
    name: 'an extension (pprof) from the pod IP on an IPv6 pod',
    snapshot: onIPv6Pod(WILDCARD, (cfg) => {
      cfg.extensions.pprof = { endpoint: '${env:MY_POD_IP}:1777' };
      cfg.service.extensions.push('pprof');
    }),
  },
  {
    name: 'a non-OTLP push receiver (jaeger thrift_http) from the pod IP',
    snapshot: onIPv6Pod(WILDCARD, (cfg) => {
      cfg.receivers.jaeger = { protocols: { thrift_http: { endpoint: '${env:MY_POD_IP}:14268' } } };
      cfg.service.pipelines.traces.receivers.push('jaeger');
    }),
  },
  {
    name: 'telemetry metrics.address from the pod IP (collector 0.120 reads it with net.SplitHostPort)',
    snapshot: onIPv6Pod(BRACKETED, (cfg) => {
      cfg.service.telemetry = { metrics: { address: '${env:MY_POD_IP}:8888' } };
    }),
  },
  {
    name: 'a telemetry reader host from the pod IP on collector 0.120 (contrib/config joined with %s:%d)',
    snapshot: onIPv6Pod(BRACKETED, (cfg) => {
      cfg.service.telemetry = READER_FROM_POD_IP;
    }),
  },
];

ruleTester(rule, {
  valid: [
    {
      name: 'the Helm chart binding with an IPv4 pod IP',
      snapshot: loadSnapshot('healthy-helm'),
      check: { subject: WORKLOAD, status: 'pass' },
    },
    {
      name: 'bracketed pod IP on an IPv6 cluster',
      snapshot: variant(ipv6Helm(), (s) => bind(config(s), BRACKETED)),
      check: { subject: WORKLOAD, status: 'pass' },
    },
    {
      name: '0.0.0.0 on an IPv6 cluster',
      snapshot: variant(ipv6Helm(), (s) => bind(config(s), WILDCARD)),
    },
    {
      name: 'a telemetry reader host from the pod IP on collector >= 0.122 (otelconf joins it with net.JoinHostPort)',
      snapshot: onIPv6Pod({ grpc: '[::]:4317', http: '[::]:4318', health: BRACKETED.health }, (cfg, s) => {
        s.collectors[0].image = 'otel/opentelemetry-collector-k8s:0.122.0';
        s.collectors[0].version = '0.122.0';
        cfg.service.telemetry = READER_FROM_POD_IP;
      }),
    },
    {
      name: 'an endpoint that is a URL (too many colons, but no IPv6 host: not this rule)',
      snapshot: variant(loadSnapshot('healthy-helm'), (s) => {
        config(s).receivers.otlp.protocols.http.endpoint = 'http://0.0.0.0:4318';
      }),
    },
    {
      name: 'a receiver no pipeline starts',
      snapshot: variant(ipv6Helm(), (s) => {
        config(s).receivers.zipkin = { endpoint: '${env:MY_POD_IP}:9411' };
        bind(config(s), BRACKETED);
      }),
    },
    {
      name: 'lint, the chart binding with nothing saying IPv6: info would be the floor, but a bracketed config is clean',
      snapshot: linted((s) => bind(config(s), BRACKETED)),
    },
  ],
  invalid: [
    {
      name: 'diagnose: the Helm chart ${env:MY_POD_IP}:4317 with an IPv6 pod IP, crash-looping',
      snapshot: ipv6Helm(),
      findings: [{ severity: 'error', subject: COLLECTOR, check: { subject: WORKLOAD, status: 'fail' } }],
    },
    {
      name: 'lint: the chart binding with an IPv6-first Service in the files is a warning',
      snapshot: linted((s) => {
        s.services[0].ipFamilies = ['IPv6'];
        s.services[0].ipFamilyPolicy = 'SingleStack';
      }),
      findings: [{ severity: 'warning', subject: COLLECTOR }],
    },
    {
      name: 'lint: a dual-stack policy is a warning too',
      snapshot: linted((s) => {
        s.services[0].ipFamilyPolicy = 'PreferDualStack';
      }),
      findings: [{ severity: 'warning', subject: COLLECTOR }],
    },
    {
      name: 'lint: nothing in the files says IPv6: info',
      snapshot: linted(),
      findings: [{ severity: 'info', subject: COLLECTOR }],
    },
    ...UNSPLITTABLE.map(({ name, snapshot }): InvalidCase => ({ name, snapshot, findings: [{ severity: 'error', subject: COLLECTOR }] })),
  ],
});

test('diagnose quotes the crash (log line, restarts, pod IPs) and explains the not-ready symptoms', () => {
  const [f] = findingsOf(rule, ipv6Helm());
  const text = f.evidence.map((e) => `${e.source}: ${e.detail}`).join('\n');
  assert.match(text, /config: receivers\.otlp\.protocols\.grpc\.endpoint: `\$\{env:MY_POD_IP\}:4317` -> fd00:10:244:1::5:4317 \(MY_POD_IP from fieldRef status\.podIP\)/);
  assert.match(text, /api: pod observability\/\S+ status\.podIPs: fd00:10:244:1::5/);
  assert.match(text, /api: pod .*\(CrashLoopBackOff\), restarts 4, last exit 1/);
  assert.match(text, /log: \S+: .*too many colons in address/);
  assert.match(f.rootCause, /address fd00:10:244:1::5:4317: too many colons in address/);
  const judged = judge(ipv6Helm()).findings.map((x) => x.rule);
  assert.ok(judged.includes('endpoint-ipv6-unbracketed'));
  assert.ok(!judged.includes('collector-not-ready'), `collector-not-ready folds into the root cause: ${judged.join(', ')}`);
});

test('the fix brackets each address and names the object to edit', () => {
  const [f] = findingsOf(rule, ipv6Helm());
  assert.equal(f.fix.target, 'ConfigMap observability/otel-collector key relay');
  assert.deepEqual(parse(f.fix.patch ?? ''), {
    receivers: { otlp: { protocols: { grpc: { endpoint: '[${env:MY_POD_IP}]:4317' }, http: { endpoint: '[${env:MY_POD_IP}]:4318' } } } },
    extensions: { health_check: { endpoint: '[${env:MY_POD_IP}]:13133' } },
  });
  assert.match(f.fix.summary, /\[\$\{env:MY_POD_IP\}\]:4317/);
  // The chart renders that ConfigMap: the report's commands change the release's values instead.
  const judged = judge(ipv6Helm()).findings.find((x) => x.rule === rule.id);
  assert.ok(judged?.fix.commands?.apply.some((c) => c.includes('helm upgrade') && c.includes('config.receivers.otlp.protocols.grpc.endpoint=')), JSON.stringify(judged?.fix.commands));
});

test('a reader host before 0.122 is fixed in brackets; metrics.address before 0.122 only by 0.0.0.0', () => {
  const s = onIPv6Pod(WILDCARD, (cfg) => {
    cfg.service.telemetry = READER_FROM_POD_IP;
  });
  const [f] = findingsOf(rule, s);
  assert.deepEqual(parse(f.fix.patch ?? ''), { service: { telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: { host: '[${env:MY_POD_IP}]', port: 8888 } } } }] } } } });
  const addr = variant(s, (x) => {
    config(x).service.telemetry = { metrics: { address: '[${env:MY_POD_IP}]:8888' } };
  });
  const [g] = findingsOf(rule, addr);
  assert.deepEqual(parse(g.fix.patch ?? ''), { service: { telemetry: { metrics: { address: '0.0.0.0:8888' } } } });
  assert.match(g.rootCause, /address fd00:10:244:1::5:8888: too many colons/);
});

test('lint names the hint it read', () => {
  const [f] = findingsOf(rule, linted((s) => {
    s.services[0].ipFamilies = ['IPv6', 'IPv4'];
  }));
  assert.ok(f.evidence.some((e) => /spec\.ipFamilies: \[IPv6, IPv4\] \(IPv6 first\)/.test(e.detail)), JSON.stringify(f.evidence));
  assert.match(f.summary, /breaks once MY_POD_IP is an IPv6 pod IP/);
});

test('the log signature reads the address and component from the collector\'s real lines', () => {
  // contrib#38174 (0.120, graph.go's error and the final Error:), contrib#37876's telemetry address.
  const lines = [
    '2025-02-25T20:22:03.880+0800\terror\tgraph/graph.go:426\tFailed to start component\t{"error": "listen tcp: address http://127.0.0.1:9090/api/v1/prom/write: too many colons in address", "type": "Exporter", "id": "prometheus/prometheusremotewrite"}',
    'Error: cannot start pipelines: listen tcp: address :::8888: too many colons in address',
    `Error: cannot start pipelines: failed to start "otlp" receiver: listen tcp: address ${POD_IP6}:4317: too many colons in address`,
  ];
  const m = lines.map((l) => matchCollectorLine(l));
  assert.deepEqual(m.map((x) => [x?.signature, x?.kind, x?.fields?.address, x?.fields?.component]), [
    ['collector-listen-too-many-colons', 'bind', 'http://127.0.0.1:9090/api/v1/prom/write', 'prometheus/prometheusremotewrite'],
    ['collector-listen-too-many-colons', 'bind', ':::8888', undefined],
    ['collector-listen-too-many-colons', 'bind', `${POD_IP6}:4317`, 'otlp'],
  ]);
});

test('the root cause names the component the log says failed first (extensions start before receivers)', () => {
  const s = variant(ipv6Helm(), (x) => {
    const line = `Error: failed to start extensions: listen tcp: address ${POD_IP6}:13133: too many colons in address`;
    x.logs[0].matches = [matchCollectorLine(line)].filter((m) => m !== null);
  });
  const [f] = findingsOf(rule, s);
  assert.match(f.rootCause, /address fd00:10:244:1::5:13133: too many colons in address`\), so health_check does not start/);
});

test('`fix` applies the patch to the ConfigMap text: each endpoint in brackets, quoted so YAML keeps it a string', () => {
  const f = judge(ipv6Helm()).findings.find((x) => x.rule === rule.id);
  assert.ok(f);
  const text = '# chart\nreceivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: ${env:MY_POD_IP}:4317\n      http:\n        endpoint: ${env:MY_POD_IP}:4318\nextensions:\n  health_check:\n    endpoint: ${env:MY_POD_IP}:13133\n';
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'otel-collector', namespace: 'observability', resourceVersion: '7' }, data: { relay: text } };
  // the chart owns this ConfigMap in the fixture: the edit itself is what is checked here
  const v = classify({ ...f, subject: { ...f.subject, managedBy: undefined }, fix: { ...f.fix, object: { kind: 'ConfigMap', namespace: 'observability', name: 'otel-collector', key: 'relay' } } });
  assert.equal(v.kind, 'edit');
  const { change, refused } = planObject(cm, [v as Extract<typeof v, { kind: 'edit' }>], new Date('2026-12-05T17:00:00Z'));
  assert.deepEqual(refused, []);
  const after = parse(change?.after.data?.relay ?? '');
  assert.equal(after.receivers.otlp.protocols.grpc.endpoint, '[${env:MY_POD_IP}]:4317');
  assert.equal(after.receivers.otlp.protocols.http.endpoint, '[${env:MY_POD_IP}]:4318');
  assert.equal(after.extensions.health_check.endpoint, '[${env:MY_POD_IP}]:13133');
  assert.match(change?.after.data?.relay ?? '', /^# chart\n/);
});

test('lint reads the family from the manifests: IPv6 or dual-stack Service fields make the chart binding a warning', () => {
  const dir = new URL('../scenarios/endpoint-ipv6-unbracketed/manifests/', import.meta.url);
  const files = ['00-namespaces.yaml', '10-collector.yaml', '20-apps.yaml'].map((n) => ({ file: n, text: readFileSync(new URL(n, dir), 'utf8') }));
  const withService = (fields: string) =>
    files.map((f) => (f.file === '10-collector.yaml' ? { ...f, text: f.text.replace('kind: Service\nmetadata:\n  name: otel-collector\n  namespace: observability\n  labels:\n    app.kubernetes.io/name: otel-collector\nspec:\n', (m) => `${m}${fields}`) } : f));
  const severity = (inputs: { file: string; text: string }[]) => lintTexts(inputs).report.findings.find((f) => f.rule === rule.id)?.severity;
  assert.ok(withService('  ipFamilies: [IPv6]\n').some((f) => f.text.includes('ipFamilies: [IPv6]')), 'the Service is patched');
  assert.equal(severity(files), 'info');
  assert.equal(severity(withService('  ipFamilyPolicy: SingleStack\n  ipFamilies: [IPv6]\n')), 'warning');
  assert.equal(severity(withService('  ipFamilyPolicy: RequireDualStack\n  ipFamilies: [IPv4, IPv6]\n')), 'warning');
  assert.equal(severity(withService('  ipFamilyPolicy: SingleStack\n  ipFamilies: [IPv4]\n')), 'info');
});

test('other rules suggest the pod-IP binding in brackets where the cluster is IPv6, as the chart writes it elsewhere', () => {
  const loopback = (s: Snapshot) => {
    const x = variant(s, (y) => {
      bind(config(y), { grpc: 'localhost:4317', http: 'localhost:4318', health: 'localhost:13133' });
      delete y.collectors[0].listeners;
    });
    return judge(x).findings.filter((f) => f.rule === 'receiver-bound-to-loopback' || f.rule === 'health-check-bound-to-loopback').map((f) => `${f.fix.summary}\n${f.fix.patch ?? ''}`).join('\n');
  };
  const v6 = loopback(ipv6Helm());
  assert.match(v6, /narrower \[\$\{env:MY_POD_IP\}\]:4317/);
  assert.match(v6, /# narrower: \[\$\{env:MY_POD_IP\}\]:4317/);
  assert.match(v6, /\(or \[\$\{env:MY_POD_IP\}\]:13133\)/);
  const v4 = loopback(loadSnapshot('healthy-helm'));
  assert.match(v4, /narrower \$\{env:MY_POD_IP\}:4317/);
  assert.doesNotMatch(v4, /\[\$\{env:MY_POD_IP\}\]/);
});

test('metrics.address fails when the config is read (0.111 to 0.122): the root cause says so', () => {
  const s = onIPv6Pod(BRACKETED, (cfg) => {
    cfg.service.telemetry = { metrics: { address: '${env:MY_POD_IP}:8888' } };
  });
  const [f] = findingsOf(rule, s);
  assert.match(f.rootCause, /address fd00:10:244:1::5:8888: too many colons in address`\), so the collector refuses its configuration/);
  // the collector's own line for it (service/telemetry/config.go Unmarshal) is this rule's signature
  const m = matchCollectorLine(`'service.telemetry' failing to parse metrics address "${POD_IP6}:8888": address ${POD_IP6}:8888: too many colons in address`);
  assert.deepEqual([m?.signature, m?.fields?.address], ['collector-listen-too-many-colons', `${POD_IP6}:8888`]);
});

test('a reader patch keeps its index and the rest of the list: a list in a merge replaces the list', () => {
  const periodic = { periodic: { exporter: { otlp: { protocol: 'http/protobuf', endpoint: 'http://backend:4318' } } } };
  const pull = { pull: { exporter: { prometheus: { host: '${env:MY_POD_IP}', port: 8888, without_units: true } } } };
  const s = onIPv6Pod(WILDCARD, (cfg) => {
    cfg.service.telemetry = { metrics: { readers: [periodic, pull] } };
  });
  const [f] = findingsOf(rule, s);
  const want = { service: { telemetry: { metrics: { readers: [periodic, { pull: { exporter: { prometheus: { ...pull.pull.exporter.prometheus, host: '[${env:MY_POD_IP}]' } } } }] } } } };
  assert.deepEqual(parse(f.fix.patch ?? ''), want);
  // `fix` applies it to the live text: the reader at index 1 gains brackets, nothing else changes.
  const text = `receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 0.0.0.0:4317\nservice:\n  telemetry:\n    metrics:\n      readers:\n        - periodic:\n            exporter:\n              otlp:\n                protocol: http/protobuf\n                endpoint: http://backend:4318\n        - pull:\n            exporter:\n              prometheus:\n                host: \${env:MY_POD_IP} # chart\n                port: 8888\n                without_units: true\n`;
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'otel-collector', namespace: 'observability', resourceVersion: '7' }, data: { relay: text } };
  const v = classify({ ...f, rule: rule.id, subject: { ...f.subject, managedBy: undefined }, fix: { ...f.fix, object: { kind: 'ConfigMap', namespace: 'observability', name: 'otel-collector', key: 'relay' } } } as never);
  assert.equal(v.kind, 'edit');
  const { change, refused } = planObject(cm, [v as Extract<typeof v, { kind: 'edit' }>], new Date('2026-12-05T17:00:00Z'));
  assert.deepEqual(refused, []);
  assert.equal(change?.after.data?.relay, text.replace('host: ${env:MY_POD_IP} # chart', 'host: "[${env:MY_POD_IP}]" # chart'));
});
