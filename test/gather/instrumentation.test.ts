// The operator's auto-instrumentation as it really behaves (src/gather/instrumentation.ts): which containers
// it instruments, when it refuses a pod, and the env an instrumented container ends with, resolved as the
// kubelet resolves it. Built from small manifests through lint, which shares the builders with diagnose.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { lintTexts } from '../../src/lint/index.ts';
import { injectedEnv, INJECT_ANNOTATION, planInjection } from '../../src/gather/instrumentation.ts';
import type { AppContainer } from '../../src/snapshot.ts';

const P = 'instrumentation.opentelemetry.io/';

function instrumentation(spec: Record<string, unknown>, name = 'inst', namespace = 'shop'): Record<string, unknown> {
  return { apiVersion: 'opentelemetry.io/v1alpha1', kind: 'Instrumentation', metadata: { name, namespace }, spec };
}

function deployment(annotations: Record<string, string>, containers: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' }, annotations }, spec: { containers, ...extra } },
    },
  };
}

function lintDocs(...docs: unknown[]) {
  return lintTexts([{ file: 'in.yaml', text: docs.map((d) => stringify(d)).join('---\n') }]);
}

function apps(...docs: unknown[]): AppContainer[] {
  return lintDocs(...docs).snapshots.flatMap((s) => s.apps);
}

const byContainer = (list: AppContainer[]) => Object.fromEntries(list.map((a) => [a.container, a]));

describe('F1: the env the operator injects, resolved like any container env', () => {
  test('OTEL_NODE_IP / OTEL_POD_IP come first, so $(OTEL_NODE_IP) in the exporter endpoint expands to the node', () => {
    const [app] = apps(
      instrumentation({ exporter: { endpoint: 'http://$(OTEL_NODE_IP):4317' } }),
      deployment({ [`${P}inject-java`]: 'true' }, [{ name: 'app', image: 'eclipse-temurin:21' }]),
    );
    assert.equal(app.exporter.endpoint?.value, 'http://192.0.2.10:4317');
    assert.equal(app.exporter.endpoint?.raw, 'http://$(OTEL_NODE_IP):4317');
    assert.equal(app.exporter.endpoint?.origin, 'instrumentation');
    assert.equal(app.exporter.endpoint?.from, 'Instrumentation shop/inst');
  });

  test('spec.env with valueFrom is injected, and an endpoint after it expands against it', () => {
    const [app] = apps(
      instrumentation({
        env: [{ name: 'AGENT_HOST', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } }],
        exporter: { endpoint: 'http://$(AGENT_HOST):4317' },
      }),
      deployment({ [`${P}inject-java`]: 'true' }, [{ name: 'app', image: 'eclipse-temurin:21' }]),
    );
    assert.equal(app.exporter.endpoint?.value, 'http://192.0.2.10:4317');
  });

  test('the container env comes before what is injected: $(VAR) from its own env resolves, and its own endpoint wins', () => {
    const inst = instrumentation({ exporter: { endpoint: 'http://from-instrumentation:4317' }, java: { env: [{ name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'grpc' }] } });
    const own = apps(inst, deployment({ [`${P}inject-java`]: 'true' }, [{ name: 'app', image: 'eclipse-temurin:21', env: [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://mine:4318' }] }]))[0];
    assert.equal(own.exporter.endpoint?.value, 'http://mine:4318');
    assert.equal(own.exporter.endpoint?.origin, 'value');
    assert.equal(own.exporter.protocol?.value, 'grpc');
    assert.equal(own.exporter.protocol?.origin, 'instrumentation');
    const ref = apps(
      instrumentation({ exporter: { endpoint: 'http://$(COLLECTOR):4317' } }),
      deployment({ [`${P}inject-java`]: 'true' }, [{ name: 'app', image: 'eclipse-temurin:21', env: [{ name: 'COLLECTOR', value: 'otel.observability' }] }]),
    )[0];
    assert.equal(ref.exporter.endpoint?.value, 'http://otel.observability:4317');
  });

  test('the language env comes before spec.env: a reference from it to a spec.env variable stays as written', () => {
    // The Splunk chart's pattern: python.env's endpoint names SPLUNK_OTEL_AGENT, which spec.env defines after it.
    const r = lintDocs(
      instrumentation({
        env: [{ name: 'SPLUNK_OTEL_AGENT', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } }],
        exporter: { endpoint: 'http://$(SPLUNK_OTEL_AGENT):4317' },
        python: { env: [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://$(SPLUNK_OTEL_AGENT):4318' }] },
      }),
      deployment({ [`${P}inject-python`]: 'true', [`${P}inject-java`]: 'false' }, [{ name: 'app', image: 'python:3.12' }]),
    );
    const app = r.snapshots[0].apps[0];
    assert.equal(app.exporter.endpoint?.value, 'http://$(SPLUNK_OTEL_AGENT):4318');
    assert.ok(r.report.findings.some((f) => f.rule === 'app-endpoint-malformed'));
  });

  test('${VAR} is not Kubernetes syntax: an endpoint written with it is malformed, and reported', () => {
    const r = lintDocs(
      instrumentation({ exporter: { endpoint: 'http://${OTEL_NODE_IP}:4317' } }),
      deployment({ [`${P}inject-java`]: 'true' }, [{ name: 'app', image: 'eclipse-temurin:21' }]),
    );
    assert.equal(r.snapshots[0].apps[0].exporter.endpoint?.value, 'http://${OTEL_NODE_IP}:4317');
    const f = r.report.findings.find((x) => x.rule === 'app-endpoint-malformed');
    assert.ok(f, 'app-endpoint-malformed');
    assert.match(f.summary, /\$\{OTEL_NODE_IP\}/);
    // The same in a pod's own env.
    const own = lintDocs(deployment({}, [{ name: 'app', image: 'eclipse-temurin:21', env: [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://${HOST_IP}:4317' }] }]));
    assert.ok(own.report.findings.some((x) => x.rule === 'app-endpoint-malformed'));
  });

  test('Python gets its own env (the 4318 override) and the operator default http/protobuf', () => {
    const [app] = apps(
      instrumentation({ exporter: { endpoint: 'http://otel:4317' }, python: { env: [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel:4318' }] } }),
      deployment({ [`${P}inject-python`]: 'true' }, [{ name: 'app', image: 'python:3.12' }]),
    );
    assert.equal(app.exporter.endpoint?.value, 'http://otel:4318');
    assert.equal(app.exporter.protocol?.value, 'http/protobuf');
    assert.equal(app.exporter.protocol?.origin, 'instrumentation');
  });

  test('NGINX / Apache: the module endpoint comes from its config, written with OTEL_NODE_IP defined before it', () => {
    const [app] = apps(
      instrumentation({ exporter: { endpoint: 'http://$(OTEL_NODE_IP):4317' } }),
      deployment({ [`${P}inject-nginx`]: 'true' }, [{ name: 'web', image: 'nginx:1.25', env: [{ name: 'LD_LIBRARY_PATH', value: '/opt' }] }]),
    );
    assert.equal(app.exporter.endpoint?.value, 'http://192.0.2.10:4317');
    assert.equal(app.sdk?.language, 'cpp');
  });

  test('NGINX / Apache: no env variable moves the module; the attr does, and no endpoint means localhost:4317', () => {
    const web = (lang: string) => deployment({ [`${P}inject-${lang}`]: 'true' }, [{ name: 'web', image: lang === 'nginx' ? 'nginx:1.25' : 'httpd:2.4' }]);
    const viaEnv = instrumentation({ exporter: { endpoint: 'http://otel:4317' }, env: [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://elsewhere:4317' }] });
    assert.equal(apps(viaEnv, web('apache-httpd'))[0].exporter.endpoint?.value, 'http://otel:4317');
    const viaAttr = instrumentation({ exporter: { endpoint: 'http://otel:4317' }, nginx: { attrs: [{ name: 'NginxModuleOtelExporterEndpoint', value: 'http://gw:4317' }] } });
    assert.equal(apps(viaAttr, web('nginx'))[0].exporter.endpoint?.value, 'http://gw:4317');
    assert.equal(apps(instrumentation({}), web('nginx'))[0].exporter.endpoint?.value, 'http://localhost:4317/');
  });

  test('the exporter TLS CA becomes OTEL_EXPORTER_OTLP_CERTIFICATE under the mounted secret', () => {
    const [app] = apps(
      instrumentation({ exporter: { endpoint: 'https://otel:4317', tls: { secretName: 'otel-tls', ca_file: 'ca.crt' } } }),
      deployment({ [`${P}inject-java`]: 'true' }, [{ name: 'app', image: 'eclipse-temurin:21' }]),
    );
    assert.equal(app.exporter.certificate?.value, '/otel-auto-instrumentation-secret-otel-tls/ca.crt');
  });
});

describe('F2: which containers, with which instrumentation', () => {
  const inst = instrumentation({
    exporter: { endpoint: 'http://otel:4317' },
    python: { env: [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel:4318' }] },
  });
  const c = (name: string, image: string) => ({ name, image });

  test('one instrumentation without container names: the first container only', () => {
    const list = apps(inst, deployment({ [`${P}inject-java`]: 'true' }, [c('app', 'eclipse-temurin:21'), c('proxy', 'envoyproxy/envoy:v1.30')]));
    assert.deepEqual(list.map((a) => a.container), ['app']);
  });

  test('per-language container names: each container its own language and env; inject-sdk is env only', () => {
    const list = byContainer(
      apps(
        inst,
        deployment(
          {
            [`${P}inject-java`]: 'true',
            [`${P}inject-python`]: 'true',
            [`${P}inject-sdk`]: 'true',
            [`${P}java-container-names`]: 'j',
            [`${P}python-container-names`]: 'p',
            [`${P}sdk-container-names`]: 's',
          },
          [c('j', 'eclipse-temurin:21'), c('p', 'python:3.12'), c('s', 'golang:1.22'), c('other', 'redis:7')],
        ),
      ),
    );
    assert.deepEqual(Object.keys(list).sort(), ['j', 'p', 's']);
    assert.deepEqual([list.j.sdk?.language, list.j.sdk?.flavour, list.j.instrumentation?.language], ['java', 'agent', 'java']);
    assert.deepEqual([list.p.sdk?.language, list.p.exporter.endpoint?.value], ['python', 'http://otel:4318']);
    assert.equal(list.j.exporter.endpoint?.value, 'http://otel:4317');
    assert.deepEqual([list.s.sdk?.language, list.s.sdk?.flavour, list.s.instrumentation?.language], ['go', 'unknown', 'sdk']);
  });

  test('the common container-names applies to every language', () => {
    const list = apps(inst, deployment({ [`${P}inject-java`]: 'true', [`${P}container-names`]: 'a,b' }, [c('a', 'eclipse-temurin:21'), c('b', 'eclipse-temurin:21'), c('x', 'redis:7')]));
    assert.deepEqual(list.map((a) => a.container), ['a', 'b']);
  });

  for (const [name, annotations, why] of [
    ['several instrumentations without names', { [`${P}inject-java`]: 'true', [`${P}inject-python`]: 'true' }, /provide container names for all instrumentations/],
    ['a mix of with and without names', { [`${P}inject-java`]: 'true', [`${P}inject-python`]: 'true', [`${P}python-container-names`]: 'b' }, /provide container names for all instrumentations/],
    ['a container named twice for one language', { [`${P}inject-java`]: 'true', [`${P}container-names`]: 'a', [`${P}java-container-names`]: 'a' }, /duplicated container names detected: \[a\]/],
    ['invalid characters in container-names', { [`${P}inject-java`]: 'true', [`${P}container-names`]: 'a b' }, /not valid characters/],
  ] as const) {
    test(`${name}: the pod is admitted uninjected, and a note says why`, () => {
      const r = lintDocs(inst, deployment(annotations, [c('a', 'eclipse-temurin:21'), c('b', 'python:3.12')]));
      assert.deepEqual(r.snapshots[0].apps, []);
      assert.ok(
        (r.report.notes ?? []).some((n) => n.startsWith('Deployment shop/web: the OpenTelemetry operator admits this pod without instrumentation') && why.test(n)),
        (r.report.notes ?? []).join('\n'),
      );
    });
  }

  test('the same container for two languages is allowed', () => {
    const list = apps(inst, deployment({ [`${P}inject-java`]: 'true', [`${P}inject-sdk`]: 'true', [`${P}java-container-names`]: 'a', [`${P}sdk-container-names`]: 'a' }, [c('a', 'eclipse-temurin:21')]));
    assert.deepEqual(list.map((a) => [a.container, a.instrumentation?.language]), [['a', 'java']]);
  });

  test('names resolve among init containers too: the init container is the app', () => {
    const r = apps(
      inst,
      deployment({ [`${P}inject-python`]: 'true', [`${P}container-names`]: 'setup' }, [c('main', 'busybox:1.36')], { initContainers: [c('setup', 'python:3.12')] }),
    );
    assert.deepEqual(r.map((a) => [a.container, a.sdk?.language, a.exporter.endpoint?.value]), [['setup', 'python', 'http://otel:4318']]);
  });

  test('the web-server modules and Go never instrument an init container', () => {
    for (const lang of ['nginx', 'apache-httpd', 'go']) {
      const r = apps(inst, deployment({ [`${P}inject-${lang}`]: 'true', [`${P}container-names`]: 'setup' }, [c('main', 'nginx:1.25')], { initContainers: [c('setup', 'nginx:1.25')] }));
      assert.deepEqual(r, [], lang);
    }
  });

  test('inject values: "false", a name, ns/name; an unknown Instrumentation still marks the app', () => {
    const other = instrumentation({ exporter: { endpoint: 'http://elsewhere:4317' } }, 'central', 'observability');
    assert.deepEqual(apps(inst, deployment({ [`${P}inject-java`]: 'false' }, [c('a', 'eclipse-temurin:21')])), []);
    assert.equal(apps(inst, other, deployment({ [`${P}inject-java`]: 'observability/central' }, [c('a', 'eclipse-temurin:21')]))[0].exporter.endpoint?.value, 'http://elsewhere:4317');
    assert.equal(apps(inst, other, deployment({ [`${P}inject-java`]: 'inst' }, [c('a', 'eclipse-temurin:21')]))[0].exporter.endpoint?.value, 'http://otel:4317');
    const unknown = apps(deployment({ [`${P}inject-java`]: 'missing' }, [c('a', 'eclipse-temurin:21')]));
    assert.deepEqual(unknown.map((a) => [a.container, a.sdk?.language, a.exporter.endpoint]), [['a', 'java', undefined]]);
  });

  test("NGINX's container names are read from inject-nginx-container-names, which is not a language", () => {
    assert.equal(INJECT_ANNOTATION.test(`${P}inject-nginx-container-names`), false);
    assert.equal(INJECT_ANNOTATION.test(`${P}inject-nginx`), true);
    const list = apps(inst, deployment({ [`${P}inject-nginx`]: 'true', [`${P}inject-nginx-container-names`]: 'b' }, [c('a', 'busybox:1.36'), c('b', 'nginx:1.25')]));
    assert.deepEqual(list.map((a) => a.container), ['b']);
  });

  test('a container that sets JAVA_TOOL_OPTIONS through valueFrom is skipped, as the operator skips it', () => {
    const list = apps(inst, deployment({ [`${P}inject-java`]: 'true' }, [{ ...c('a', 'eclipse-temurin:21'), env: [{ name: 'JAVA_TOOL_OPTIONS', valueFrom: { configMapKeyRef: { name: 'x', key: 'y' } } }] }]));
    assert.deepEqual(list, []);
  });
});

describe('planInjection / injectedEnv directly', () => {
  const pod = (annotations: Record<string, string>, spec: Record<string, unknown>) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'shop', annotations },
    spec,
    status: { podIP: '10.0.0.5', hostIP: '10.1.0.1' },
  });
  const inst = { apiVersion: 'opentelemetry.io/v1alpha1', kind: 'Instrumentation', metadata: { name: 'i', namespace: 'shop' }, spec: { env: [{ name: 'OTEL_TRACES_SAMPLER', value: 'always_on' }], exporter: { endpoint: 'http://$(OTEL_NODE_IP):4317' }, java: { env: [{ name: 'OTEL_LOGS_EXPORTER', value: 'none' }] } } };

  test("the operator's order: node/pod IP first, own env, language env, spec.env, exporter endpoint", () => {
    const p = pod({ [`${P}inject-java`]: 'true' }, { containers: [{ name: 'a', image: 'eclipse-temurin:21', env: [{ name: 'MINE', value: '1' }] }] });
    const plan = planInjection(p as any, [inst as any]);
    const { env } = injectedEnv(p as any, plan.targets[0], plan.alreadyInjected, new Map());
    assert.deepEqual(env.map((e) => e.name), ['OTEL_NODE_IP', 'OTEL_POD_IP', 'MINE', 'OTEL_LOGS_EXPORTER', 'OTEL_TRACES_SAMPLER', 'OTEL_EXPORTER_OTLP_ENDPOINT']);
    assert.deepEqual(env.map((e) => e.value), ['10.1.0.1', '10.0.0.5', '1', 'none', 'always_on', 'http://10.1.0.1:4317']);
    assert.equal(env.find((e) => e.name === 'MINE')?.injectedBy, undefined);
    assert.equal(env.find((e) => e.name === 'OTEL_NODE_IP')?.injectedBy, 'Instrumentation shop/i');
  });

  test('Go: the agent sidecar exports with its own env, not the app container’s', () => {
    const p = pod({ [`${P}inject-go`]: 'true', [`${P}otel-go-auto-target-exe`]: '/app' }, { containers: [{ name: 'a', image: 'golang:1.22', env: [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://mine:4318' }] }] });
    const plan = planInjection(p as any, [inst as any]);
    const out = injectedEnv(p as any, plan.targets[0], plan.alreadyInjected, new Map());
    assert.equal(out.exporterEnv?.find((e) => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT')?.value, 'http://10.1.0.1:4317');
    assert.equal(out.env.find((e) => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT')?.value, 'http://mine:4318');
  });

  test('a live pod the operator has injected already keeps its env as it is', () => {
    const p = pod({ [`${P}inject-java`]: 'true' }, {
      initContainers: [{ name: 'opentelemetry-auto-instrumentation-java', image: 'x' }],
      containers: [{ name: 'a', image: 'eclipse-temurin:21', env: [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://old:4317' }] }],
    });
    const plan = planInjection(p as any, [inst as any]);
    assert.equal(plan.alreadyInjected, true);
    const { env } = injectedEnv(p as any, plan.targets[0], plan.alreadyInjected, new Map());
    assert.deepEqual(env.map((e) => [e.name, e.value]), [['OTEL_EXPORTER_OTLP_ENDPOINT', 'http://old:4317']]);
  });
});

describe('an Instrumentation the operator cannot find', () => {
  const pod = (value: string) =>
    ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'shop', annotations: { [`${P}inject-java`]: value } }, spec: { containers: [{ name: 'app', image: 'app' }] } }) as any;
  const inst = (name: string, namespace = 'shop') => instrumentation({ exporter: { endpoint: 'http://c:4318' } }, name, namespace) as any;
  const listedShop = (ns: string) => ns === 'shop';

  test('where Instrumentations were listed, none, several for "true", or a missing name: the pod is admitted unpatched', () => {
    assert.match(planInjection(pod('true'), [], listedShop).refused ?? '', /no Instrumentation exists in shop/);
    assert.match(planInjection(pod('true'), [inst('a'), inst('b')], listedShop).refused ?? '', /2 Instrumentations exist in shop/);
    assert.match(planInjection(pod('other'), [inst('a')], listedShop).refused ?? '', /no Instrumentation shop\/other exists/);
    assert.deepEqual(planInjection(pod('true'), [inst('a')], listedShop).targets.map((t) => t.container.name), ['app']);
  });

  test('where they were not listed (lint, or a namespace out of reach), the injection stays assumed', () => {
    assert.equal(planInjection(pod('true'), []).refused, undefined);
    assert.equal(planInjection(pod('elsewhere/inst'), [], listedShop).refused, undefined);
  });
});
