// Injected pods run in the sim as the instrumented app: the app stand-in plays the agent the operator
// injected (runtime/images.ts injectedAgent) and exports where the injected OTEL_EXPORTER_OTLP_* say,
// with the agent's own default protocol when none is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { injectedAgent } from '../../runtime/images.ts';
import { traceTarget, type Sdk } from '../../standins/app-sdk.ts';
import { container, inject, loadCase } from './instrumentation-fixture.ts';

type Env = Array<{ name: string; value?: string }>;
/** The environment the kubelet gives the stand-in: the container's values (valueFrom and $(VAR) left out: not needed here). */
function standinEnv(pod: Parameters<typeof injectedAgent>[0], env: Env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const e of env) { if (e.value !== undefined) { out[e.name] = e.value; } }
  const agent = injectedAgent(pod, env);
  if (agent?.protocol) { out.SIM_SDK_PROTOCOL = agent.protocol; }
  out.SIM_SDK = agent?.sdk;
  return out;
}

test('multi-multicontainer: each injected container exports as its agent does, to the Instrumentation endpoint', () => {
  const r = inject(loadCase('operator-minstr-multi-multicontainer'), 'Deployment', 'deployment-with-multi-instrumentation');
  const seen: Record<string, string> = {};
  for (const name of ['javaapp', 'nodejsapp', 'dotnetapp', 'pythonapp']) {
    const env = standinEnv(r.pod, container(r.pod, name).env);
    const t = traceTarget(env, env.SIM_SDK as Sdk)!;
    seen[name] = `${env.SIM_SDK} ${t.protocol} ${t.url.href}`;
  }
  // The Instrumentation names :4317 for all but Python; the Java agent 2.x, the Node.js image's register.js and
  // the .NET auto-instrumentation default to http/protobuf, so they post to the gRPC port (the case's judged
  // app-protocol-port-mismatch findings); Python gets http/protobuf and :4318 from the operator.
  assert.deepEqual(seen, {
    javaapp: 'java-agent http/protobuf http://deployment-collector:4317/v1/traces',
    nodejsapp: 'node http/protobuf http://deployment-collector:4317/v1/traces',
    dotnetapp: 'dotnet http/protobuf http://deployment-collector:4317/v1/traces',
    pythonapp: 'python http/protobuf http://deployment-collector:4318/v1/traces',
  });
});

test('the agent release decides its default: Java agent 1.x and Node.js images before 0.56.0 export gRPC', () => {
  const java = (image: string) => injectedAgent({ spec: { initContainers: [{ name: 'opentelemetry-auto-instrumentation-java', image }] } }, [{ name: 'JAVA_TOOL_OPTIONS', value: ' -javaagent:/otel-auto-instrumentation-java-app/javaagent.jar' }]);
  assert.deepEqual(java('ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-java:1.33.6'), { sdk: 'java-agent', protocol: 'grpc' });
  assert.deepEqual(java('ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-java:2.30.0'), { sdk: 'java-agent', protocol: 'http/protobuf' });
  assert.deepEqual(java('registry.example/custom-agent:latest'), { sdk: 'java-agent', protocol: 'http/protobuf' });
  const node = (image: string) => injectedAgent({ spec: { initContainers: [{ name: 'opentelemetry-auto-instrumentation-nodejs', image }] } }, [{ name: 'NODE_OPTIONS', value: ' --require /otel-auto-instrumentation-nodejs/autoinstrumentation.js' }]);
  assert.equal(node('ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-nodejs:0.53.0')?.protocol, 'grpc');
  assert.equal(node('ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-nodejs:0.56.0')?.protocol, 'http/protobuf');
  // Through the operator of a release: 0.120 defaulted the Java agent 1.33.6, whose gRPC goes to :4317.
  const r = inject(loadCase('operator-instr-java'), 'Deployment', 'my-java', { version: '0.120.0' });
  const env = standinEnv(r.pod, container(r.pod, 'myapp').env);
  // The case's own spec.env writes http/protobuf, which wins over any default.
  assert.equal(traceTarget(env, 'java-agent')!.protocol, 'http/protobuf');
  delete env.OTEL_EXPORTER_OTLP_PROTOCOL;
  assert.equal(traceTarget(env, 'java-agent')!.protocol, 'grpc');
});

test('no agent injected: the stand-in keeps the SDK its image suggests', () => {
  assert.equal(injectedAgent({ spec: {} }, [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://c:4317' }]), undefined);
  assert.equal(traceTarget({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' }, 'java')!.protocol, 'grpc');
});

test('a web-server module exports gRPC to its module config endpoint, $(OTEL_NODE_IP) resolved only since 0.158', () => {
  const apache = inject(loadCase('operator-instr-apache-httpd'), 'Deployment', 'my-apache');
  const app = container(apache.pod, 'myapp');
  assert.deepEqual(injectedAgent(apache.pod, app.env, 'myapp'), { sdk: '', protocol: 'grpc', endpoint: 'http://deployment-collector:4317' });
  const nodeEnv = (pod: typeof apache.pod) => [...container(pod, 'myapp').env.filter((e: { value?: string }) => e.value !== undefined), { name: 'OTEL_NODE_IP', value: '172.18.0.3' }];
  const now = inject(loadCase('operator-instr-nginx-nodeip'), 'Deployment', 'my-nginx', { flags: { nginx: true } });
  assert.equal(injectedAgent(now.pod, nodeEnv(now.pod), 'myapp')?.endpoint, 'http://172.18.0.3:4317');
  const before = inject(loadCase('operator-instr-nginx-nodeip'), 'Deployment', 'my-nginx', { flags: { nginx: true }, version: '0.157.0' });
  assert.equal(injectedAgent(before.pod, nodeEnv(before.pod), 'myapp')?.endpoint, 'http://$(OTEL_NODE_IP):4317');
  // The stand-in then ignores the container's OTEL_* and speaks gRPC to that endpoint.
  const t = traceTarget({ SIM_AGENT_ENDPOINT: 'http://deployment-collector:4317', SIM_SDK_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://elsewhere:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }, 'go', true)!;
  assert.equal(`${t.protocol} ${t.url.host}`, 'grpc deployment-collector:4317');
  assert.equal(traceTarget({ SIM_AGENT_ENDPOINT: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' }, 'go'), undefined);
});

test('Node.js images before 0.53.0 export gRPC whatever OTEL_EXPORTER_OTLP_PROTOCOL says', () => {
  const env = [{ name: 'NODE_OPTIONS', value: ' --require /otel-auto-instrumentation-nodejs/autoinstrumentation.js' }, { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://c:4318' }, { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'http/protobuf' }];
  const agent = injectedAgent({ spec: { initContainers: [{ name: 'opentelemetry-auto-instrumentation-nodejs', image: 'ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-nodejs:0.52.1' }] } }, env);
  assert.deepEqual(agent, { sdk: 'node', protocol: 'grpc', endpoint: 'http://c:4318' });
  const t = traceTarget({ SIM_AGENT_ENDPOINT: agent?.endpoint, SIM_SDK_PROTOCOL: agent?.protocol, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }, 'node')!;
  assert.equal(`${t.protocol} ${t.url.host}`, 'grpc c:4318');
});

test('the Python agent refuses gRPC: its image has only the HTTP exporter; spec.env OTEL_EXPORTER_OTLP_PROTOCOL=grpc wins since 0.140', () => {
  const grpcInst = {
    apiVersion: 'opentelemetry.io/v1alpha1', kind: 'Instrumentation', metadata: { name: 'py', namespace: 'default' },
    spec: { exporter: { endpoint: 'http://collector:4317' }, env: [{ name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'grpc' }] },
  };
  const c = loadCase('operator-instr-python-musl');
  const agentAt = (version: string) => {
    const r = inject(c, 'Deployment', 'my-python-musl', { version, instrumentations: [grpcInst] });
    return injectedAgent(r.pod, container(r.pod, 'myapp').env, 'myapp');
  };
  assert.deepEqual(agentAt('0.158.0'), { sdk: 'python', startupError: [
    'Failed to auto initialize OpenTelemetry', 'Traceback (most recent call last):',
    "RuntimeError: Requested component 'otlp_proto_grpc' not found in entry point 'opentelemetry_traces_exporter'",
  ] });
  // Before #4324 the operator's http/protobuf came first and the spec's grpc was dropped.
  assert.deepEqual(agentAt('0.139.0'), { sdk: 'python' });
  // sitecustomize.py's wording before 0.52b0 (operator 0.120 ships 0.51b0); an unsupported protocol is refused by name first.
  const old = injectedAgent({ spec: { initContainers: [{ name: 'opentelemetry-auto-instrumentation-python', image: 'ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-python:0.51b0' }] } },
    [{ name: 'PYTHONPATH', value: '/otel-auto-instrumentation-python/opentelemetry/instrumentation/auto_instrumentation:/otel-auto-instrumentation-python' }, { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'http/protobuf' }, { name: 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', value: 'http/json' }]);
  assert.deepEqual(old?.startupError, ['Failed to auto initialize opentelemetry', 'Traceback (most recent call last):', "RuntimeError: Unsupported OTLP protocol 'http/json' is configured"]);
});

test('an app stand-in whose agent failed to start prints the failure, as its first and only lines', async () => {
  const { runStandin } = await import('../../standins/testutil.ts');
  const lines = ['Failed to auto initialize OpenTelemetry', 'Traceback (most recent call last):', "RuntimeError: Requested component 'otlp_proto_grpc' not found in entry point 'opentelemetry_traces_exporter'"];
  const p = runStandin('app.ts', [], { SIM_IMAGE: 'python:3.12', SIM_SDK: 'python', SIM_AGENT_STARTUP_ERROR: JSON.stringify(lines), OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_EXPORTER_OTLP_TIMEOUT: '200' });
  try {
    await p.waitFor(/RuntimeError: .*\n/);
    assert.equal(p.out(), `${lines.join('\n')}\n`);
  } finally {
    await p.stop();
  }
});
