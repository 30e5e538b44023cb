import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { KObject } from '../../src/cluster/types.ts';
import { injectionRequests, type InjectionInput } from '../../src/gather/injection.ts';
import { judge } from '../../src/engine.ts';
import { matchLogLines } from '../../src/otel/logs.ts';
import { rule } from '../../src/rules/instrumentation-not-injected.ts';
import type { Snapshot } from '../../src/snapshot.ts';
import { findingsOf, loadSnapshot, ruleTester, test, variant } from './helpers.ts';

const JAVA = 'instrumentation.opentelemetry.io/inject-java';

function deployment(own: Record<string, string>, template: Record<string, string>): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'cart', namespace: 'shop', annotations: own },
    spec: { template: { metadata: { labels: { app: 'cart' }, annotations: template }, spec: { containers: [{ name: 'cart', image: 'cart:1' }] } } },
  };
}

function pod(annotations: Record<string, string>, injected: boolean, created = '2026-12-05T10:00:00Z'): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'cart-7d9f8-abcde', namespace: 'shop', creationTimestamp: created, labels: { app: 'cart', 'pod-template-hash': '7d9f8' }, annotations, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'cart-7d9f8', controller: true }] },
    spec: {
      ...(injected ? { initContainers: [{ name: 'opentelemetry-auto-instrumentation-java', image: 'autoinstrumentation-java:2.10.0' }] } : {}),
      containers: [{ name: 'cart', image: 'cart:1', ...(injected ? { env: [{ name: 'OTEL_RESOURCE_ATTRIBUTES_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }] } : {}) }],
    },
  };
}

function instrumentation(name: string, created = '2026-12-05T11:00:00Z'): KObject {
  return { apiVersion: 'opentelemetry.io/v1alpha1', kind: 'Instrumentation', metadata: { name, namespace: 'shop', creationTimestamp: created }, spec: { exporter: { endpoint: 'http://otel-collector.observability:4318' } } };
}

/** healthy-helm, with the inject requests the objects make in the mode given. */
function snap(input: Partial<InjectionInput> & { live: boolean }, mode: 'diagnose' | 'lint' = input.live ? 'diagnose' : 'lint'): Snapshot {
  return variant(loadSnapshot('healthy-helm'), (s) => {
    s.meta.mode = mode;
    const insts = input.instrumentations ?? [];
    s.instrumentations = insts.map((i) => ({ namespace: i.metadata.namespace ?? 'default', name: i.metadata.name }));
    s.injectionRequests = injectionRequests({ pods: [], workloads: [], instrumentations: insts, ...(input.live ? { instrumentationsListed: () => true } : {}), ...input });
  });
}

const onTemplate = deployment({}, { [JAVA]: 'true' });
const onWorkload = deployment({ [JAVA]: 'true' }, {});

ruleTester(rule, {
  valid: [
    { name: 'healthy: no inject annotation', snapshot: loadSnapshot('healthy-helm') },
    { name: 'annotation on the pod template, one Instrumentation, pod injected', snapshot: snap({ live: true, workloads: [onTemplate], pods: [pod({ [JAVA]: 'true' }, true)], instrumentations: [instrumentation('java')] }) },
    { name: 'lint: annotation on the template, the Instrumentation among the files', snapshot: snap({ live: false, workloads: [onTemplate], instrumentations: [instrumentation('java')] }) },
    { name: 'on the workload and the template both: the template is read', snapshot: snap({ live: false, workloads: [deployment({ [JAVA]: 'true' }, { [JAVA]: 'true' })], instrumentations: [instrumentation('java')] }) },
    { name: 'inject-java "false" on the workload asks for nothing', snapshot: snap({ live: false, workloads: [deployment({ [JAVA]: 'false' }, {})] }) },
    {
      name: 'on the workload only, but the namespace asks for it: the webhook reads the namespace',
      snapshot: snap({ live: true, workloads: [onWorkload], namespaces: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', annotations: { [JAVA]: 'true' } } }], instrumentations: [instrumentation('java')] }),
    },
    { name: 'diagnose: Instrumentations could not be listed: a missing one is not judged', snapshot: variant(snap({ live: true, workloads: [onTemplate] }), (s) => (s.injectionRequests = injectionRequests({ pods: [], workloads: [onTemplate], instrumentations: [], live: true }))) },
  ],
  invalid: [
    { name: 'annotation on the Deployment metadata only', snapshot: snap({ live: true, workloads: [onWorkload], instrumentations: [instrumentation('java')] }), findings: [{ severity: 'error', subject: 'Deployment shop/cart' }] },
    { name: 'lint: annotation on the Deployment metadata only', snapshot: snap({ live: false, workloads: [onWorkload] }), findings: [{ severity: 'error', subject: 'Deployment shop/cart' }] },
    { name: '"true" with no Instrumentation in the namespace', snapshot: snap({ live: true, workloads: [onTemplate], pods: [pod({ [JAVA]: 'true' }, false)] }), findings: [{ severity: 'error', subject: 'Deployment shop/cart' }] },
    { name: '"true" with two Instrumentations', snapshot: snap({ live: true, workloads: [onTemplate], instrumentations: [instrumentation('a'), instrumentation('b')] }), findings: [{ severity: 'error', subject: 'Deployment shop/cart' }] },
    { name: 'a name that does not exist', snapshot: snap({ live: true, workloads: [deployment({}, { [JAVA]: 'java-inst' })], instrumentations: [instrumentation('java')] }), findings: [{ severity: 'error', subject: 'Deployment shop/cart' }] },
    { name: 'lint: a missing name while the files declare Instrumentations: warning', snapshot: snap({ live: false, workloads: [deployment({}, { [JAVA]: 'java-inst' })], instrumentations: [instrumentation('java')] }), findings: [{ severity: 'warning', subject: 'Deployment shop/cart' }] },
    { name: 'lint: no Instrumentation among the files: info (it may be applied apart)', snapshot: snap({ live: false, workloads: [onTemplate] }), findings: [{ severity: 'info', subject: 'Deployment shop/cart' }] },
    {
      name: 'diagnose: a pod created before the Instrumentation carries none of the injection',
      snapshot: snap({ live: true, workloads: [onTemplate], pods: [pod({ [JAVA]: 'true' }, false)], instrumentations: [instrumentation('java')] }),
      findings: [{ severity: 'error', subject: 'Deployment shop/cart' }],
    },
  ],
});

test('misplaced annotation: the fix moves it into the pod template, with the patch', () => {
  const [f] = findingsOf(rule, snap({ live: true, workloads: [onWorkload], instrumentations: [instrumentation('java')] }));
  assert.match(f.fix.patch ?? '', /^spec:\n {2}template:\n {4}metadata:\n {6}annotations:\n {8}instrumentation\.opentelemetry\.io\/inject-java: "true"$/);
  assert.equal(f.fix.target, 'Deployment shop/cart');
  assert.match(f.evidence[0].detail, /metadata\.annotations \(the workload's own\)/);
  assert.match(f.evidence[1].detail, /selects Instrumentation shop\/java/);
});

test('missing Instrumentation: the fix creates one exporting to a collector Service the snapshot knows, and restarts', () => {
  const s = snap({ live: true, workloads: [onTemplate] });
  const [f] = findingsOf(rule, s);
  assert.match(f.summary, /no OpenTelemetry Instrumentation instances available/);
  assert.match(f.fix.patch ?? '', /kind: Instrumentation\n/);
  const svc = s.services.find((v) => v.matchedCollectorPods.length > 0)!;
  assert.match(f.fix.patch ?? '', new RegExp(`endpoint: http://${svc.name}\\.${svc.namespace}\\.svc\\.cluster\\.local:\\d+`));
  assert.match(f.fix.summary, /kubectl rollout restart deployment\/cart -n shop/);
});

test('several Instrumentations: the operator\'s own error, and the fix names one', () => {
  const [f] = findingsOf(rule, snap({ live: true, workloads: [onTemplate], instrumentations: [instrumentation('a'), instrumentation('b')] }));
  assert.match(f.summary, /multiple OpenTelemetry Instrumentation instances available, cannot determine which one to select/);
  assert.match(f.fix.summary, /shop\/a/);
  assert.equal(f.fix.patch, undefined);
});

test('a name that does not exist reads as the API server\'s NotFound', () => {
  const [f] = findingsOf(rule, snap({ live: true, workloads: [deployment({}, { [JAVA]: 'java-inst' })] }));
  assert.match(f.summary, /instrumentations\.opentelemetry\.io "java-inst" not found/);
  assert.match(f.fix.patch ?? '', /name: java-inst\n {2}namespace: shop/);
});

test('uninjected pods: the pod and its age against the Instrumentation, and only a restart as the fix', () => {
  const [f] = findingsOf(rule, snap({ live: true, workloads: [onTemplate], pods: [pod({ [JAVA]: 'true' }, false)], instrumentations: [instrumentation('java')] }));
  assert.match(f.rootCause, /created before Instrumentation shop\/java/);
  assert.match(f.evidence[2].detail, /cart-7d9f8-abcde \(created 2026-12-05T10:00:00Z\)/);
  assert.match(f.fix.summary, /kubectl rollout restart deployment\/cart -n shop/);
  assert.equal(f.fix.patch, undefined);
});

test('lint never judges pods as uninjected (templates are not admitted pods)', () => {
  const reqs = injectionRequests({ pods: [pod({ [JAVA]: 'true' }, false)], workloads: [onTemplate], instrumentations: [instrumentation('java')], live: false });
  assert.equal(reqs[0].uninjectedPods, undefined);
});

test('the report\'s commands: apply the new Instrumentation, then the rollout the webhook needs', () => {
  const f = judge(snap({ live: true, workloads: [onTemplate] })).findings.find((x) => x.rule === rule.id)!;
  assert.match(f.fix.commands?.apply[0] ?? '', /^kubectl apply -f - <<'?EOF'?\napiVersion: opentelemetry\.io\/v1alpha1\nkind: Instrumentation\n/);
  assert.equal(f.fix.commands?.restart, 'kubectl rollout restart deployment/cart -n shop');
});

test('misplaced annotation: the template edit rolls the pods by itself', () => {
  const f = judge(snap({ live: true, workloads: [onWorkload], instrumentations: [instrumentation('java')] })).findings.find((x) => x.rule === rule.id)!;
  assert.equal(f.fix.commands?.restart, undefined);
  assert.match(f.fix.commands?.restartNote ?? '', /rolls the pods/);
});

test('correlation: the app left without an endpoint folds into the missing Instrumentation', () => {
  const s = variant(snap({ live: false, workloads: [deployment({}, { [JAVA]: 'java-inst' })], instrumentations: [instrumentation('java')] }), (x) => {
    delete x.apps[0].exporter.endpoint;
  });
  assert.equal(s.apps[0].workload?.name, 'cart');
  const rows = judge(s).findings.filter((f) => f.subject.namespace === 'shop' && f.subject.name === 'cart');
  assert.deepEqual(rows.map((f) => f.rule), [rule.id]);
  assert.ok(rows[0].evidence.some((e) => e.detail.startsWith('[app-no-endpoint]')));
});

test('the operator\'s own refusal, read from its manager\'s log, is quoted for the workload it names', () => {
  // zap JSON as the manager prints it (podmutator.go Mutate: namespace, then generateName for a controller's pod).
  const line = (ns: string, gen: string, error: string) =>
    `{"level":"ERROR","timestamp":"2026-12-05T10:00:01.000000001Z","message":"failed to select an OpenTelemetry Instrumentation instance for this pod","namespace":"${ns}","generateName":"${gen}","error":"${error}"}`;
  const ours = line('shop', 'cart-7d9f8-', 'no OpenTelemetry Instrumentation instances available');
  const s = variant(snap({ live: true, workloads: [onTemplate] }), (x) => {
    x.logs.push({
      namespace: 'opentelemetry-operator-system',
      pod: 'opentelemetry-operator-controller-manager-5d8c-x',
      container: 'manager',
      role: 'operator',
      matches: matchLogLines([ours, line('shop', 'cartography-1-', 'no OpenTelemetry Instrumentation instances available'), line('other', 'cart-1-', 'no OpenTelemetry Instrumentation instances available')], 'operator'),
    });
  });
  const [f] = findingsOf(rule, s);
  assert.deepEqual(f.evidence.filter((e) => e.source === 'log').map((e) => e.detail), [ours]);
});

test('hostile annotation values never reach a pasted command unquoted: no manifest from a non-name, the patch argument shell-quoted', () => {
  const heredocBreak = 'x\nEOF\nid';
  const f = judge(snap({ live: true, workloads: [deployment({}, { [JAVA]: heredocBreak })] })).findings.find((x) => x.rule === rule.id)!;
  assert.equal(f.fix.patch, undefined, 'no Instrumentation manifest is built from a value that is not a name');
  assert.ok(!(f.fix.commands?.apply ?? []).some((c) => /\nid(\n|$)/.test(c)), 'nothing of the value lands on a line of its own');

  const quote = "'$(id)'";
  const [moved] = findingsOf(rule, snap({ live: true, workloads: [deployment({ [JAVA]: quote }, {})], instrumentations: [instrumentation('java')] }));
  const cmd = /`(kubectl patch [^`]+)`/.exec(moved.fix.summary)?.[1] ?? '';
  const argv = JSON.parse(execFileSync('bash', ['-c', `printf '%s\\0' ${cmd} | node -e "process.stdout.write(JSON.stringify(require('fs').readFileSync(0,'utf8').split('\\\\0').slice(0,-1)))"`], { encoding: 'utf8' })) as string[];
  assert.deepEqual(JSON.parse(argv.at(-1) ?? ''), { spec: { template: { metadata: { annotations: { [JAVA]: quote } } } } }, 'the shell hands kubectl the JSON unchanged');
  assert.match(moved.fix.patch ?? '', new RegExp(`inject-java: ${JSON.stringify(JSON.stringify(quote)).slice(1, -1).replace(/[$()]/g, '\\$&')}$`));
});
