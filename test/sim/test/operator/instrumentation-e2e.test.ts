// The operator's own e2e tests (tests/e2e-instrumentation/, tests/e2e-multi-instrumentation/,
// tests/e2e/env-vars/ at v0.158.0): their inputs are the real cases in ../shared/fixtures/real, the
// expectations below are copied from their 01-assert.yaml (02-assert-nodeip.yaml for the NGINX node-IP
// step): env names, values and order, init containers, mounts and volumes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { injectInstrumentation } from '../../operator/instrumentation.ts';
import { assertEnv, container, inject, loadCase, mounts } from './instrumentation-fixture.ts';

const NODE_IP = 'OTEL_NODE_IP<-status.hostIP';
const POD_IP = 'OTEL_POD_IP<-status.podIP';
const POD_NAME = 'OTEL_RESOURCE_ATTRIBUTES_POD_NAME<-metadata.name';
const NODE_NAME = 'OTEL_RESOURCE_ATTRIBUTES_NODE_NAME<-spec.nodeName';

test('instrumentation-java: Java env in the operator order, per-container agent mount, one init container', () => {
  const r = inject(loadCase('operator-instr-java'), 'Deployment', 'my-java');
  const app = container(r.pod, 'myapp');
  assertEnv(app.env, [
    NODE_IP, POD_IP, 'OTEL_JAVAAGENT_DEBUG=true', 'OTEL_INSTRUMENTATION_JDBC_ENABLED=false', 'OTEL_TRACES_SAMPLER=always_on',
    'OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf', 'OTEL_LOGS_EXPORTER=none',
    'JAVA_TOOL_OPTIONS= -javaagent:/otel-auto-instrumentation-java-myapp/javaagent.jar', 'OTEL_SERVICE_NAME=my-java',
    'OTEL_EXPORTER_OTLP_ENDPOINT=http://deployment-collector:4318', POD_NAME, NODE_NAME, 'OTEL_PROPAGATORS=jaeger,b3', 'OTEL_RESOURCE_ATTRIBUTES',
  ], 'myapp');
  assert.ok(mounts(app).includes('opentelemetry-auto-instrumentation-java@/otel-auto-instrumentation-java-myapp'));
  assert.deepEqual(r.pod.spec.initContainers.map((c: { name: string }) => c.name), ['opentelemetry-auto-instrumentation-java']);
  const init = container(r.pod, 'opentelemetry-auto-instrumentation-java', true);
  assert.deepEqual(init.command, ['cp', '/javaagent.jar', '/otel-auto-instrumentation-java/javaagent.jar']);
  // internal/config/config.go with versions.txt autoinstrumentation-java=2.30.0
  assert.equal(init.image, 'ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-java:2.30.0');
  assert.deepEqual(r.pod.spec.volumes.find((v: { name: string }) => v.name === 'opentelemetry-auto-instrumentation-java'), { name: 'opentelemetry-auto-instrumentation-java', emptyDir: { sizeLimit: '200Mi' } });
  assert.equal(r.error, undefined);
});

test('instrumentation-java-tls: CA from the ConfigMap, client cert and key from the Secret, both mounted read-only', () => {
  const r = inject(loadCase('operator-instr-java-tls'), 'Deployment', 'my-java');
  const app = container(r.pod, 'myapp');
  assertEnv(app.env, [
    NODE_IP, POD_IP, 'OTEL_JAVAAGENT_DEBUG=true', 'OTEL_INSTRUMENTATION_JDBC_ENABLED=false', 'OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf',
    'OTEL_LOGS_EXPORTER=none', 'JAVA_TOOL_OPTIONS= -javaagent:/otel-auto-instrumentation-java-myapp/javaagent.jar', 'OTEL_SERVICE_NAME=my-java',
    'OTEL_EXPORTER_OTLP_ENDPOINT=https://simplest-collector:4318',
    'OTEL_EXPORTER_OTLP_CERTIFICATE=/otel-auto-instrumentation-configmap-ca/ca.crt',
    'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE=/otel-auto-instrumentation-secret-client-certs/tls.crt',
    'OTEL_EXPORTER_OTLP_CLIENT_KEY=/otel-auto-instrumentation-secret-client-certs/tls.key',
    POD_NAME, NODE_NAME, 'OTEL_PROPAGATORS=tracecontext,baggage', 'OTEL_TRACES_SAMPLER=parentbased_traceidratio', 'OTEL_TRACES_SAMPLER_ARG=1', 'OTEL_RESOURCE_ATTRIBUTES',
  ], 'myapp');
  assert.deepEqual(mounts(app).slice(-3), [
    'opentelemetry-auto-instrumentation-java@/otel-auto-instrumentation-java-myapp',
    'otel-auto-secret-client-certs@/otel-auto-instrumentation-secret-client-certs',
    'otel-auto-configmap-ca@/otel-auto-instrumentation-configmap-ca',
  ]);
  const vols = Object.fromEntries(r.pod.spec.volumes.map((v: { name: string }) => [v.name, v]));
  assert.deepEqual(vols['otel-auto-secret-client-certs'].secret, { secretName: 'client-certs' });
  assert.deepEqual(vols['otel-auto-configmap-ca'].configMap, { name: 'ca' });
});

test('instrumentation-python-musl: PYTHONPATH after the spec env, the Python exporter defaults after spec.env, the musl copy', () => {
  const r = inject(loadCase('operator-instr-python-musl'), 'Deployment', 'my-python-musl');
  assertEnv(container(r.pod, 'myapp').env, [
    NODE_IP, POD_IP, 'OTEL_LOG_LEVEL=debug', 'OTEL_TRACES_EXPORTER=otlp', 'OTEL_EXPORTER_OTLP_ENDPOINT=http://deployment-collector:4318',
    'PYTHONPATH=/otel-auto-instrumentation-python/opentelemetry/instrumentation/auto_instrumentation:/otel-auto-instrumentation-python',
    'OTEL_EXPORTER_OTLP_TIMEOUT=20000', 'OTEL_TRACES_SAMPLER=always_on', 'SPLUNK_TRACE_RESPONSE_HEADER_ENABLED=true',
    'OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf', 'OTEL_METRICS_EXPORTER=otlp', 'OTEL_LOGS_EXPORTER=otlp', 'OTEL_SERVICE_NAME=my-python-musl',
    POD_NAME, NODE_NAME, 'OTEL_PROPAGATORS=jaeger,b3', 'OTEL_RESOURCE_ATTRIBUTES',
  ], 'myapp');
  assert.deepEqual(container(r.pod, 'opentelemetry-auto-instrumentation-python', true).command, ['cp', '-r', '/autoinstrumentation-musl/.', '/otel-auto-instrumentation-python']);
});

test('instrumentation-nodejs-volume: NODE_OPTIONS and OTEL_METRICS_EXPORTER, the volumeClaimTemplate as an ephemeral volume', () => {
  const r = inject(loadCase('operator-instr-nodejs-volume'), 'Deployment', 'my-nodejs');
  assertEnv(container(r.pod, 'myapp').env, [
    NODE_IP, POD_IP, 'NODE_PATH=/usr/local/lib/node_modules', 'OTEL_NODEJS_DEBUG=true', 'OTEL_TRACES_EXPORTER=otlp',
    'OTEL_EXPORTER_OTLP_ENDPOINT=http://deployment-collector:4318', 'OTEL_EXPORTER_OTLP_TIMEOUT=20000', 'OTEL_TRACES_SAMPLER=always_on',
    'SPLUNK_TRACE_RESPONSE_HEADER_ENABLED=true', 'OTEL_METRICS_EXPORTER=otlp',
    'NODE_OPTIONS= --require /otel-auto-instrumentation-nodejs/autoinstrumentation.js', 'OTEL_SERVICE_NAME=my-nodejs',
    POD_NAME, NODE_NAME, 'OTEL_PROPAGATORS=jaeger,b3', 'OTEL_RESOURCE_ATTRIBUTES',
  ], 'myapp');
  assert.deepEqual(r.pod.spec.volumes.find((v: { name: string }) => v.name === 'opentelemetry-auto-instrumentation-nodejs'), {
    name: 'opentelemetry-auto-instrumentation-nodejs',
    ephemeral: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } },
  });
});

test('instrumentation-dotnet-musl: the .NET profiler variables, the musl native library', () => {
  const r = inject(loadCase('operator-instr-dotnet-musl'), 'Deployment', 'my-dotnet-musl');
  assertEnv(r.pod.spec.containers[0].env, [
    NODE_IP, POD_IP, 'ASPNETCORE_URLS=http://+:8080', 'OTEL_METRIC_EXPORT_INTERVAL=30000', 'OTEL_TRACES_SAMPLER=always_on',
    'CORECLR_ENABLE_PROFILING=1', 'CORECLR_PROFILER={918728DD-259F-4A6A-AC2B-B85E1B658318}',
    'CORECLR_PROFILER_PATH=/otel-auto-instrumentation-dotnet/linux-musl/OpenTelemetry.AutoInstrumentation.Native.so',
    'DOTNET_STARTUP_HOOKS=/otel-auto-instrumentation-dotnet/net/OpenTelemetry.AutoInstrumentation.StartupHook.dll',
    'DOTNET_ADDITIONAL_DEPS=/otel-auto-instrumentation-dotnet/AdditionalDeps', 'OTEL_DOTNET_AUTO_HOME=/otel-auto-instrumentation-dotnet',
    'DOTNET_SHARED_STORE=/otel-auto-instrumentation-dotnet/store', 'OTEL_SERVICE_NAME=my-dotnet-musl',
    'OTEL_EXPORTER_OTLP_ENDPOINT=http://deployment-collector:4318', POD_NAME, NODE_NAME, 'OTEL_PROPAGATORS=b3multi', 'OTEL_RESOURCE_ATTRIBUTES',
  ], 'app');
});

test('instrumentation-sdk: only the common SDK configuration, sampler with its argument', () => {
  const r = inject(loadCase('operator-instr-sdk'), 'Deployment', 'my-sdk');
  assertEnv(container(r.pod, 'myapp').env, [
    NODE_IP, POD_IP, 'SPLUNK_TRACE_RESPONSE_HEADER_ENABLED=true', 'OTEL_SERVICE_NAME=my-sdk', 'OTEL_EXPORTER_OTLP_ENDPOINT=http://deployment-collector:4317',
    POD_NAME, NODE_NAME, 'OTEL_PROPAGATORS=jaeger,b3', 'OTEL_TRACES_SAMPLER=parentbased_traceidratio', 'OTEL_TRACES_SAMPLER_ARG=0.25', 'OTEL_RESOURCE_ATTRIBUTES',
  ], 'myapp');
  assert.equal(r.pod.spec.initContainers, undefined);
});

test('instrumentation-python-initcontainer: an init container target gets the agent, whose copy is inserted before it', () => {
  const r = inject(loadCase('operator-instr-python-initcontainer'), 'Pod', 'my-python-initcontainer');
  assert.deepEqual(r.pod.spec.initContainers.map((c: { name: string }) => c.name), ['opentelemetry-auto-instrumentation-python', 'python-init']);
  const init = container(r.pod, 'python-init', true);
  assertEnv(init.env, [
    NODE_IP, POD_IP, 'OTEL_LOG_LEVEL=debug', 'OTEL_TRACES_EXPORTER=otlp', 'OTEL_EXPORTER_OTLP_ENDPOINT=http://deployment-collector:4318',
    'OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=system_metrics',
    'PYTHONPATH=/otel-auto-instrumentation-python/opentelemetry/instrumentation/auto_instrumentation:/otel-auto-instrumentation-python',
    'OTEL_EXPORTER_OTLP_TIMEOUT=20000', 'OTEL_TRACES_SAMPLER=always_on', 'OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf', 'OTEL_METRICS_EXPORTER=otlp',
    'OTEL_LOGS_EXPORTER=otlp', 'OTEL_SERVICE_NAME=my-python-initcontainer', POD_NAME, NODE_NAME, 'OTEL_PROPAGATORS=jaeger,b3', 'OTEL_RESOURCE_ATTRIBUTES',
  ], 'python-init');
  assert.deepEqual(mounts(init), ['opentelemetry-auto-instrumentation-python@/otel-auto-instrumentation-python']);
});

test('instrumentation-apache-httpd: the clone and agent init containers, the module config mounts, env without OTLP variables of its own', () => {
  const r = inject(loadCase('operator-instr-apache-httpd'), 'Deployment', 'my-apache');
  const app = container(r.pod, 'myapp');
  assertEnv(app.env, [
    NODE_IP, POD_IP, 'OTEL_TRACES_EXPORTER=otlp', 'OTEL_EXPORTER_OTLP_ENDPOINT=http://deployment-collector:4317', 'OTEL_EXPORTER_OTLP_TIMEOUT=20000',
    'OTEL_TRACES_SAMPLER=always_on', 'SPLUNK_TRACE_RESPONSE_HEADER_ENABLED=true', 'OTEL_SERVICE_NAME=my-apache', POD_NAME, NODE_NAME,
    'OTEL_PROPAGATORS=jaeger,b3', 'OTEL_RESOURCE_ATTRIBUTES',
  ], 'myapp');
  assert.deepEqual(mounts(app).slice(-2), ['otel-apache-agent@/opt/opentelemetry-webserver/agent', 'otel-apache-conf-dir@/usr/local/apache2/conf']);
  assert.deepEqual(r.pod.spec.initContainers.map((c: { name: string }) => c.name), ['otel-agent-source-container-clone', 'otel-agent-attach-apache']);
  const conf = container(r.pod, 'otel-agent-attach-apache', true).env.find((e: { name: string }) => e.name === 'OTEL_APACHE_AGENT_CONF').value as string;
  // apachehttpd.go getApacheOtelConfig: the module's endpoint is spec.exporter.endpoint, the attributes sorted.
  assert.match(conf, /\nApacheModuleOtelExporterEndpoint http:\/\/deployment-collector:4317\n/);
  assert.match(conf, /\nApacheModuleServiceName my-apache\n/);
});

test('instrumentation-nginx, node-IP step: the endpoint keeps $(OTEL_NODE_IP), resolved by the kubelet from the variable before it', () => {
  const r = inject(loadCase('operator-instr-nginx-nodeip'), 'Deployment', 'my-nginx', { flags: { nginx: true } });
  const app = container(r.pod, 'myapp');
  const env = app.env.map((e: { name: string }) => e.name);
  assert.equal(app.env.find((e: { name: string }) => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT').value, 'http://$(OTEL_NODE_IP):4317');
  assert.equal(env[0], 'OTEL_NODE_IP');
  assert.deepEqual(r.pod.spec.initContainers.map((c: { name: string }) => c.name), ['otel-agent-source-container-clone', 'otel-agent-attach-nginx']);
  const conf = container(r.pod, 'otel-agent-attach-nginx', true).env.find((e: { name: string }) => e.name === 'OTEL_NGINX_AGENT_CONF').value as string;
  assert.match(conf, /^NginxModuleOtelExporterEndpoint http:\/\/\$\(OTEL_NODE_IP\):4317;$/m);
  // --enable-nginx-instrumentation defaults to false (internal/config/config.go): the e2e suite turns it on.
  const off = inject(loadCase('operator-instr-nginx-nodeip'), 'Deployment', 'my-nginx');
  assert.deepEqual(off.pod, off.before);
  assert.ok(off.logs.some((l) => l.level === 'error' && l.msg === 'support for Nginx auto instrumentation is not enabled'));
  assert.deepEqual(off.events, [{ type: 'Warning', reason: 'InstrumentationRequestRejected', action: 'InstrumentationRequestRejected', note: 'support for Nginx auto instrumentation is not enabled' }]);
});

test('instrumentation-multi-multicontainer: each language in its named containers, init containers in language order', () => {
  const r = inject(loadCase('operator-minstr-multi-multicontainer'), 'Deployment', 'deployment-with-multi-instrumentation');
  const sampler = ['OTEL_TRACES_SAMPLER=parentbased_traceidratio', 'OTEL_TRACES_SAMPLER_ARG=0.85'];
  const tail = [POD_NAME, NODE_NAME, 'OTEL_PROPAGATORS=jaeger,b3', 'OTEL_RESOURCE_ATTRIBUTES'];
  const ep = 'OTEL_EXPORTER_OTLP_ENDPOINT=http://deployment-collector:4317';
  assertEnv(container(r.pod, 'dotnetapp').env, [
    NODE_IP, POD_IP, 'ASPNETCORE_URLS=http://+:8083', 'OTEL_SERVICE_NAME=dotnetapp', ...sampler, 'CORECLR_ENABLE_PROFILING=1',
    'CORECLR_PROFILER={918728DD-259F-4A6A-AC2B-B85E1B658318}', 'CORECLR_PROFILER_PATH=/otel-auto-instrumentation-dotnet/linux/OpenTelemetry.AutoInstrumentation.Native.so',
    'DOTNET_STARTUP_HOOKS=/otel-auto-instrumentation-dotnet/net/OpenTelemetry.AutoInstrumentation.StartupHook.dll',
    'DOTNET_ADDITIONAL_DEPS=/otel-auto-instrumentation-dotnet/AdditionalDeps', 'OTEL_DOTNET_AUTO_HOME=/otel-auto-instrumentation-dotnet',
    'DOTNET_SHARED_STORE=/otel-auto-instrumentation-dotnet/store', ep, ...tail,
  ], 'dotnetapp');
  assertEnv(container(r.pod, 'javaapp').env, [
    NODE_IP, POD_IP, 'SERVER_PORT=8086', 'OTEL_SERVICE_NAME=javaapp', ...sampler,
    'JAVA_TOOL_OPTIONS= -javaagent:/otel-auto-instrumentation-java-javaapp/javaagent.jar', ep, ...tail,
  ], 'javaapp');
  assertEnv(container(r.pod, 'nodejsapp').env, [
    NODE_IP, POD_IP, 'NODE_PATH=/usr/local/lib/node_modules', 'OTEL_SERVICE_NAME=nodejsapp', ...sampler,
    'NODE_OPTIONS= --require /otel-auto-instrumentation-nodejs/autoinstrumentation.js', 'OTEL_METRICS_EXPORTER=otlp', ep, ...tail,
  ], 'nodejsapp');
  assertEnv(container(r.pod, 'pythonapp').env, [
    NODE_IP, POD_IP, 'OTEL_SERVICE_NAME=pythonapp', 'OTEL_EXPORTER_OTLP_ENDPOINT=http://deployment-collector:4318',
    'PYTHONPATH=/otel-auto-instrumentation-python/opentelemetry/instrumentation/auto_instrumentation:/otel-auto-instrumentation-python',
    ...sampler, 'OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf', 'OTEL_TRACES_EXPORTER=otlp', 'OTEL_METRICS_EXPORTER=otlp', 'OTEL_LOGS_EXPORTER=otlp', ...tail,
  ], 'pythonapp');
  assertEnv(container(r.pod, 'sdkapp').env, [NODE_IP, POD_IP, ...sampler, 'OTEL_SERVICE_NAME=deployment-with-multi-instrumentation', ep, ...tail], 'sdkapp');
  assertEnv(container(r.pod, 'apache-httpd-app').env, [NODE_IP, POD_IP, 'OTEL_SERVICE_NAME=apache-httpd-app', ...sampler, ep, ...tail], 'apache-httpd-app');
  // NGINX is named but not enabled by default: its container stays as written.
  assertEnv(container(r.pod, 'nginxapp').env, ['LD_LIBRARY_PATH=/opt', 'NGINX_PORT=8765'], 'nginxapp');
  assert.deepEqual(r.pod.spec.initContainers.map((c: { name: string }) => c.name), [
    'opentelemetry-auto-instrumentation-java', 'opentelemetry-auto-instrumentation-nodejs', 'opentelemetry-auto-instrumentation-python',
    'opentelemetry-auto-instrumentation-dotnet', 'otel-agent-source-container-clone', 'otel-agent-attach-apache',
  ]);
  assertEnv(container(r.pod, 'otel-agent-attach-apache', true).env, [
    'OTEL_SERVICE_NAME=apache-httpd-app', ...sampler, POD_IP, NODE_IP, 'OTEL_APACHE_AGENT_CONF', 'APACHE_SERVICE_INSTANCE_ID<-metadata.name',
  ], 'otel-agent-attach-apache');
  assertEnv(container(r.pod, 'otel-agent-source-container-clone', true).env, ['OTEL_SERVICE_NAME=apache-httpd-app'], 'clone');
});

test('instrumentation-multi-no-containers: two languages without container names, the pod admitted as sent, with the log line', () => {
  const r = inject(loadCase('operator-minstr-multi-no-containers'), 'Deployment', 'dep-multi-instr-no-containers');
  assert.deepEqual(r.pod, r.before);
  assert.equal(r.error, undefined);
  const line = r.logs.find((l) => l.level === 'error');
  assert.equal(line?.msg, 'skipping instrumentation injection');
  assert.equal(line?.fields?.error, 'incorrect instrumentation configuration - please provide container names for all instrumentations');
});

test('env-vars: resource attributes name the Deployment through its ReplicaSet, and the CronJob through its Job', () => {
  const c = loadCase('operator-e2e-env-vars');
  const dep = inject(c, 'Deployment', 'my-deploy');
  const app = container(dep.pod, 'myapp');
  assertEnv(app.env, [NODE_IP, POD_IP, 'OTEL_SERVICE_NAME=my-deploy', 'OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317', POD_NAME, NODE_NAME, 'OTEL_RESOURCE_ATTRIBUTES'], 'myapp');
  const attrs = app.env.at(-1).value as string;
  for (const a of ['k8s.container.name=myapp', 'k8s.pod.name=$(OTEL_RESOURCE_ATTRIBUTES_POD_NAME)', 'k8s.replicaset.name=my-deploy-', 'k8s.deployment.name=my-deploy',
    'k8s.namespace.name=default', 'k8s.node.name=$(OTEL_RESOURCE_ATTRIBUTES_NODE_NAME)', 'service.instance.id=default.$(OTEL_RESOURCE_ATTRIBUTES_POD_NAME).myapp', 'service.version=main']) {
    assert.ok(attrs.includes(a), `${a} in ${attrs}`);
  }
  const cron = inject(c, 'CronJob', 'my-cron-job');
  assert.equal(container(cron.pod, 'myapp').env.find((e: { name: string }) => e.name === 'OTEL_SERVICE_NAME').value, 'my-cron-job');
});

test('instrumentation-python-specenv: spec.env OTEL_METRICS_EXPORTER/OTEL_LOGS_EXPORTER=none win over the Python defaults (since 0.140)', () => {
  // tests/e2e-instrumentation/instrumentation-python-specenv/00-install-*.yaml and 01-assert.yaml (not among the real cases).
  const inst = {
    apiVersion: 'opentelemetry.io/v1alpha1', kind: 'Instrumentation', metadata: { name: 'python-specenv', namespace: 'default' },
    spec: {
      env: [{ name: 'OTEL_METRICS_EXPORTER', value: 'none' }, { name: 'OTEL_LOGS_EXPORTER', value: 'none' }],
      exporter: { endpoint: 'http://deployment-collector:4317' },
      python: { env: [{ name: 'OTEL_TRACES_EXPORTER', value: 'otlp' }, { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://deployment-collector:4318' }] },
    },
  };
  const pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'my-python-specenv', namespace: 'default', labels: { app: 'my-python-specenv' }, annotations: { 'instrumentation.opentelemetry.io/inject-python': 'true' } },
    spec: { containers: [{ name: 'myapp', image: 'mirror.gcr.io/library/python:3.8-slim', command: ['python', '-c', 'import time; time.sleep(3600)'] }] },
  };
  const r = injectInstrumentation(pod, { instrumentations: [inst], operatorVersion: '0.158.0', namespace: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } } });
  assertEnv(container(r.pod, 'myapp').env, [
    NODE_IP, POD_IP, 'OTEL_TRACES_EXPORTER=otlp', 'OTEL_EXPORTER_OTLP_ENDPOINT=http://deployment-collector:4318',
    'PYTHONPATH=/otel-auto-instrumentation-python/opentelemetry/instrumentation/auto_instrumentation:/otel-auto-instrumentation-python',
    'OTEL_METRICS_EXPORTER=none', 'OTEL_LOGS_EXPORTER=none', 'OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf', 'OTEL_SERVICE_NAME=my-python-specenv',
    POD_NAME, NODE_NAME, 'OTEL_RESOURCE_ATTRIBUTES',
  ], 'myapp');
});
