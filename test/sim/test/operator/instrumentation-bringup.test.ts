// Auto-instrumented pods in a real bring-up: the operator's own multi-instrumentation e2e case
// (../shared/fixtures/real/operator-minstr-multi-multicontainer) comes up with the operator stand-in; the
// injected init containers complete, the apps run as their agents and export where the injected variables
// say: Python (http/protobuf, :4318) is delivered, the Java agent 2.x posts http/protobuf to the gRPC port
// (:4317) and logs it as the agent does. Needs root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { typeByKind, type KObject } from '../../store.ts';
import { REAL } from './instrumentation-fixture.ts';

const CASE = resolve(REAL, 'operator-minstr-multi-multicontainer');
const skip = process.getuid?.() !== 0 ? 'needs root: the simulated cluster creates network namespaces' : existsSync(CASE) ? false : `no ${CASE}`;

test('multi-instrumentation case: init containers complete, agents export as injected', { skip, timeout: 180_000 }, async (t) => {
  const { startCluster } = await import('../../cli.ts');
  const cluster = await startCluster({ manifests: [CASE], log: () => {} });
  try {
    t.diagnostic(`bring-up ${(cluster.bringUpMs / 1000).toFixed(1)} s, ${cluster.podCount} pods`);
    const pod = cluster.store.list(typeByKind('Pod')!).find((p) => p.metadata.labels?.app === 'pod-with-multi-instrumentation');
    assert.ok(pod, 'the app pod exists');
    assert.deepEqual(pod.spec.initContainers.map((c: KObject) => c.name), [
      'opentelemetry-auto-instrumentation-java', 'opentelemetry-auto-instrumentation-nodejs', 'opentelemetry-auto-instrumentation-python',
      'opentelemetry-auto-instrumentation-dotnet', 'otel-agent-source-container-clone', 'otel-agent-attach-apache',
    ]);
    for (const s of pod.status.initContainerStatuses) { assert.equal(s.state?.terminated?.reason, 'Completed', `${s.name} completed`); }
    const logs = (c: string) => cluster.runtime.logs(pod.metadata.namespace ?? 'default', pod.metadata.name, { container: c });
    // Wait for the Java agent's second failed batch: by then Python's first export, sent at the same
    // moment to a listening port, has long had its answer.
    let java = '';
    while ((java.match(/Failed to export spans/g) ?? []).length < 2) {
      await new Promise((r) => setTimeout(r, 500));
      java = await logs('javaapp');
    }
    assert.match(java, /\[otel\.javaagent [^\]]+\] \[OkHttp http:\/\/deployment-collector:4317\/\.\.\.\] (ERROR|WARN) io\.opentelemetry\.exporter\.internal\.http\.HttpExporter - Failed to export spans/);
    assert.doesNotMatch(await logs('pythonapp'), /Failed to export|Exception while exporting/);
  } finally {
    await cluster.stop();
  }
});
