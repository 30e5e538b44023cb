import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  agentProtocol,
  CURRENT_OPERATOR,
  defaultCollectorImage,
  languageDefaultEnv,
  multiInstrumentationDefault,
  OPERATOR_RELEASES,
  operatorEndpointDefault,
  operatorRelease,
  operatorVersionFromImage,
  readinessProbeFromHealthCheck,
} from '../../src/otel/operator-data.ts';

// The facts are checked against the operator's own repository at the tags they name.
const MIRROR = '/work/.mirror/open-telemetry+opentelemetry-operator/repo';
const mirrored = existsSync(MIRROR);
const skip = mirrored ? false : `no operator mirror at ${MIRROR}`;

function show(ref: string, path: string): string {
  try {
    return execFileSync('git', ['-C', MIRROR, 'show', `${ref}:${path}`], { encoding: 'utf8', maxBuffer: 32 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

function versionsTxt(tag: string): Record<string, string> {
  return Object.fromEntries(
    show(tag, 'versions.txt')
      .split(/\r?\n/)
      .filter((l) => /^[a-z-]+=/.test(l))
      .map((l) => l.split('=') as [string, string]),
  );
}

test('every release row is versions.txt at its tag', { skip }, () => {
  for (const r of OPERATOR_RELEASES) {
    const v = versionsTxt(`v${r.operator}`);
    assert.deepEqual(
      { collector: v['opentelemetry-collector'], java: v['autoinstrumentation-java'], nodejs: v['autoinstrumentation-nodejs'] },
      { collector: r.collector, java: r.java, nodejs: r.nodejs },
      `v${r.operator}`,
    );
  }
  assert.equal(versionsTxt('HEAD').operator, CURRENT_OPERATOR);
});

test('thresholds: the first tag that has each behaviour, and the tag before that lacks it', { skip }, () => {
  const table: [string, string, string, RegExp][] = [
    // [tag without, tag with, path, evidence]
    ['v0.103.0', 'v0.104.0', 'apis/v1beta1/collector_webhook.go', /func ComponentUseLocalHostAsDefaultHost/],
    ['v0.109.0', 'v0.110.0', 'internal/components/single_endpoint.go', /func AddressDefaulter/],
    ['v0.121.0', 'v0.122.0', 'internal/components/extensions/helpers.go', /WithDefaultsApplier\(healthCheckV1AddressDefaulter\)/],
    ['v0.99.0', 'v0.100.0', 'internal/manifests/collector/container.go', /readinessProbe/],
    ['v0.107.0', 'v0.108.0', 'pkg/instrumentation/python.go', /"OTEL_EXPORTER_OTLP_PROTOCOL"/],
    ['v0.110.0', 'v0.111.0', 'pkg/instrumentation/python.go', /"OTEL_LOGS_EXPORTER"/],
    ['v0.157.0', 'v0.158.0', 'internal/instrumentation/nodejs.go', /OTEL_METRICS_EXPORTER/],
    ['v0.114.0', 'v0.115.0', 'internal/manifests/collector/service.go', /func ExtensionService\(/],
    ['v0.109.0', 'v0.110.0', 'main.go', /"enable-multi-instrumentation", true/],
    ['v0.157.0', 'v0.158.0', 'internal/instrumentation/helper.go', /func initContainerUserEnv/],
    ['v0.139.0', 'v0.140.0', 'internal/instrumentation/sdk.go', /injectDefaultPythonEnvVars/],
    // containersToInstrument's own body (up to the first closing brace at line start) looks at init containers
    ['v0.145.0', 'v0.146.0', 'internal/instrumentation/sdk.go', /func containersToInstrument\((?:(?!\n\}\n)[\s\S])*InitContainers/],
    ['v0.148.0', 'v0.149.0', 'internal/instrumentation/podmutator.go', /findDuplicatedContainers\(inst\.Containers\)/],
  ];
  for (const [before, since, path, re] of table) {
    assert.doesNotMatch(show(before, path), re, `${path}@${before}`);
    assert.match(show(since, path), re, `${path}@${since}`);
  }
  // The gate flag is taken out again by the 0.110 upgrade.
  assert.match(show('v0.110.0', 'pkg/collector/upgrade/v0_110_0.go'), /RemoveFeatureGate\(.*envVarExpansionFeatureFlag\)/);
  // The Node.js image before 0.56.0 exported over gRPC; the default image is 0.53.0 until 0.121 and 0.56.0 from 0.122.
  assert.match(show('v0.119.0', 'autoinstrumentation/nodejs/src/autoinstrumentation.ts'), /exporter-trace-otlp-grpc/);
  assert.equal(versionsTxt('v0.121.0')['autoinstrumentation-nodejs'], '0.53.0');
  assert.equal(versionsTxt('v0.122.0')['autoinstrumentation-nodejs'], '0.56.0');
  assert.match(show('v0.122.0', 'autoinstrumentation/nodejs/package.json'), /"@opentelemetry\/auto-instrumentations-node": "0\.56\.0"/);
  // The manager's default collector image and the Deployment the plugin looks for.
  assert.match(show('HEAD', 'internal/config/config.go'), /opentelemetry-collector-releases\/opentelemetry-collector:%s/);
  const manager = show('HEAD', 'config/manager/manager.yaml');
  assert.match(manager, /app\.kubernetes\.io\/name: opentelemetry-operator/);
  assert.match(manager, /name: manager/);
  assert.match(show('HEAD', 'config/default/kustomization.yaml'), /namespace: opentelemetry-operator-system[\s\S]*namePrefix: opentelemetry-operator-/);
});

test('lookups by version', () => {
  assert.equal(operatorRelease('0.128.0')?.operator, '0.127.0', 'a version between tags takes the tag below');
  assert.equal(operatorRelease('0.79.0'), undefined);
  assert.equal(defaultCollectorImage('0.102.0'), 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector:0.102.1');

  assert.equal(operatorEndpointDefault('receiver', '0.103.0').host, null);
  assert.equal(operatorEndpointDefault('receiver', '0.105.0').host, '0.0.0.0');
  assert.match(operatorEndpointDefault('receiver', '0.105.0').why, /UseLocalHostAsDefaultHost/);
  assert.equal(operatorEndpointDefault('health_check', '0.105.0').host, '0.0.0.0');
  assert.equal(operatorEndpointDefault('receiver', '0.105.0', '0.111.0').host, null, 'a collector whose gate is stable keeps its own default');
  assert.equal(operatorEndpointDefault('health_check', '0.115.0').host, null, 'between the gate and the health_check defaulter');
  assert.equal(operatorEndpointDefault('health_check', '0.122.0').host, '0.0.0.0');
  const unknown = operatorEndpointDefault('receiver', null);
  assert.deepEqual([unknown.host, unknown.assumed], ['0.0.0.0', true]);
  assert.match(unknown.why, new RegExp(`unknown, assumed ${CURRENT_OPERATOR.replace(/\./g, '\\.')}`));

  assert.equal(readinessProbeFromHealthCheck('0.99.0'), false);
  assert.equal(multiInstrumentationDefault('0.109.0'), false);
  assert.equal(multiInstrumentationDefault(null), true);
  assert.equal(readinessProbeFromHealthCheck(null), true);

  assert.deepEqual(languageDefaultEnv('python', '0.100.0').map((e) => e.name), ['OTEL_TRACES_EXPORTER', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_METRICS_EXPORTER', 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL']);
  assert.deepEqual(languageDefaultEnv('python', '0.110.0').map((e) => e.name), ['OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_TRACES_EXPORTER', 'OTEL_METRICS_EXPORTER']);
  assert.deepEqual(languageDefaultEnv('nodejs', '0.157.0'), []);
  assert.deepEqual(languageDefaultEnv('nodejs', '0.158.0'), [{ name: 'OTEL_METRICS_EXPORTER', value: 'otlp' }]);

  assert.equal(agentProtocol('nodejs', '0.121.0').protocol, 'grpc');
  assert.equal(agentProtocol('nodejs', '0.122.0').protocol, 'http/protobuf');
  assert.equal(agentProtocol('nodejs', '0.140.0', 'ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-nodejs:0.53.0').protocol, 'grpc', 'the CR image wins');
  assert.equal(agentProtocol('java', '0.150.0').protocol, 'grpc');
  assert.equal(agentProtocol('java', '0.151.0').protocol, 'http/protobuf');
  const assumed = agentProtocol('java', null);
  assert.equal(assumed.assumed, true);
  assert.match(assumed.why, /assumed as the operator's version is unknown/);

  assert.equal(operatorVersionFromImage('ghcr.io/open-telemetry/opentelemetry-operator/opentelemetry-operator:0.113.0'), '0.113.0');
  assert.equal(operatorVersionFromImage('ghcr.io/open-telemetry/opentelemetry-operator/opentelemetry-operator:v0.120.0'), '0.120.0');
  assert.equal(operatorVersionFromImage('ghcr.io/open-telemetry/opentelemetry-operator/opentelemetry-operator@sha256:abcd'), null);
  assert.equal(operatorVersionFromImage('registry.redhat.io/rhosdt/opentelemetry-rhel8-operator:0.113.0'), null);
});
