// lint places the operator's injected sidecar as the release does (a native sidecar, an init container with
// restartPolicy Always, from 0.132: pkg/sidecar/pod.go@v0.132.0 add), and either way the app that sends to
// localhost is served by it; a pod listed with a native sidecar already in it is judged the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/cluster/types.ts';
import { lintTexts } from '../../src/lint/index.ts';
import { injectSidecars } from '../../src/lint/operator.ts';
import type { LintObject } from '../../src/lint/shapes.ts';

const CR = `apiVersion: opentelemetry.io/v1beta1
kind: OpenTelemetryCollector
metadata: {name: sidecar}
spec:
  mode: sidecar
  config:
    receivers: {otlp: {protocols: {grpc: {}, http: {}}}}
    exporters: {debug: {}}
    service: {pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}
`;
const APP = (annotations: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: my-deploy}
spec:
  selector: {matchLabels: {app: my-deploy}}
  template:
    metadata:
      labels: {app: my-deploy}
      annotations: {${annotations}}
    spec:
${extra}      containers:
      - name: myapp
        image: example/app:1
        env: [{name: OTEL_EXPORTER_OTLP_ENDPOINT, value: "http://localhost:4317"}]
`;

const loopback = (r: ReturnType<typeof lintTexts>) => r.report.findings.filter((f) => f.rule === 'app-endpoint-loopback').map((f) => f.subject.name);

test('the injected sidecar is an init container from 0.132, a container before; the app is served either way', () => {
  for (const [version, native] of [['0.131.0', false], ['0.132.0', true], [undefined, true]] as const) {
    const r = lintTexts([{ file: 'cr.yaml', text: CR }, { file: 'app.yaml', text: APP('"sidecar.opentelemetry.io/inject": "true"') }], version ? { operatorVersion: version } : {});
    const s = r.snapshots[0];
    const sidecars = s.collectors.filter((c) => c.sidecar);
    assert.equal(sidecars.length, 1, String(version));
    assert.equal(sidecars[0].container, 'otc-container');
    assert.deepEqual(sidecars[0].siblingContainers, ['myapp']);
    assert.deepEqual(loopback(r), [], String(version));
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', annotations: { 'sidecar.opentelemetry.io/inject': 'true' } }, spec: { containers: [{ name: 'myapp' }] } } as KObject;
    const cr = { obj: { apiVersion: 'opentelemetry.io/v1beta1', kind: 'OpenTelemetryCollector', metadata: { name: 'sidecar', namespace: 'default' }, spec: { mode: 'sidecar', config: {} } }, origin: {} } as unknown as LintObject;
    injectSidecars([pod], [cr], version);
    const place = (list: unknown): string[] => (Array.isArray(list) ? list : []).map((c: any) => `${c.name}${c.restartPolicy ? ` ${c.restartPolicy}` : ''}`);
    assert.deepEqual([place(pod.spec.containers), place(pod.spec.initContainers)], native ? [['myapp'], ['otc-container Always']] : [['myapp', 'otc-container'], []], String(version));
  }
});

test('a pod written with a native sidecar collector serves its app; without one, localhost is reported', () => {
  const native = `      initContainers:
      - name: otelcol
        image: otel/opentelemetry-collector-contrib:0.140.0
        restartPolicy: Always
        args: ["--config=env:CFG"]
        env: [{name: CFG, value: "receivers: {otlp: {protocols: {grpc: {endpoint: 'localhost:4317'}}}}\\nexporters: {debug: {}}\\nservice: {pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}"}]
`;
  assert.deepEqual(loopback(lintTexts([{ file: 'app.yaml', text: APP('', native) }])), []);
  assert.deepEqual(loopback(lintTexts([{ file: 'app.yaml', text: APP('', native.replace('restartPolicy: Always', 'restartPolicy: OnFailure')) }])), ['my-deploy']);
});
