/** Image recognition and release -> upstream mapping for every distribution in src/otel/distributions.ts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AGENTS,
  DISTRIBUTIONS,
  agentForImage,
  defaultConfigPaths,
  defaultsToLocalhost,
  distributionById,
  distributionForImage,
  parseImage,
  releaseFromTag,
  upstreamFor,
} from '../../src/otel/distributions.ts';

function id(image: string): string | undefined {
  return distributionForImage(image)?.distribution.id;
}

function upstream(image: string): string | undefined {
  return distributionForImage(image)?.upstreamVersion;
}

test('parseImage: registry, Docker Hub library prefix, tag, digest', () => {
  assert.deepEqual(parseImage('otel/opentelemetry-collector:0.113.0'), { registry: undefined, path: ['otel', 'opentelemetry-collector'], tag: '0.113.0', digest: undefined });
  assert.deepEqual(parseImage('docker.io/library/alpine'), { registry: undefined, path: ['alpine'], tag: undefined, digest: undefined });
  assert.deepEqual(parseImage('localhost:5000/otel/opentelemetry-collector-contrib:v0.104.0@sha256:abc'), {
    registry: 'localhost:5000',
    path: ['otel', 'opentelemetry-collector-contrib'],
    tag: 'v0.104.0',
    digest: 'sha256:abc',
  });
  assert.equal(parseImage(''), undefined);
  assert.equal(parseImage('a//b'), undefined);
});

test('every image pattern of every distribution and agent is recognised as itself', () => {
  for (const d of DISTRIBUTIONS) {
    for (const image of d.images) {
      assert.equal(id(`${image}:1.2.3`), d.id, image);
      assert.equal(agentForImage(image), undefined, image);
    }
  }
  for (const a of AGENTS) {
    for (const image of a.images) {
      assert.equal(agentForImage(`${image}:latest`)?.id, a.id, image);
      assert.equal(distributionForImage(image), undefined, image);
    }
  }
});

test('every distribution has a source, a binary, a tag pattern, and rows with sources', () => {
  const ids = new Set<string>();
  for (const d of DISTRIBUTIONS) {
    assert.ok(!ids.has(d.id), `duplicate id ${d.id}`);
    ids.add(d.id);
    assert.ok(d.source.length > 0 && d.binary.length > 0, d.id);
    assert.ok(d.releases.length > 0, d.id);
    const seen = new Set<string>();
    for (const row of d.releases) {
      assert.ok(!seen.has(row.release), `${d.id} duplicate release ${row.release}`);
      seen.add(row.release);
      assert.match(row.upstream, /^\d+\.\d+\.\d+/, `${d.id} ${row.release}`);
      assert.match(row.source, /^[\w.-]+\/[\w.-]+@\S+ /, `${d.id} ${row.release}`);
      // Each row's release must be one the tag pattern yields, or the row could never be looked up.
      assert.equal(releaseFromTag(d, row.release), row.release, `${d.id} ${row.release}`);
    }
  }
});

test('upstream core/contrib/k8s/otlp: names, mirrors, tags', () => {
  assert.equal(id('otel/opentelemetry-collector:0.113.0'), 'otelcol');
  assert.equal(id('docker.io/otel/opentelemetry-collector-contrib:0.113.0'), 'otelcol-contrib');
  assert.equal(id('index.docker.io/otel/opentelemetry-collector-contrib'), 'otelcol-contrib');
  assert.equal(id('mirror.gcr.io/otel/opentelemetry-collector-k8s:0.113.0'), 'otelcol-k8s');
  assert.equal(id('ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-otlp:0.113.0'), 'otelcol-otlp');
  assert.equal(id('harbor.example.com/ghcr-proxy/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-contrib:0.113.0'), 'otelcol-contrib');
  assert.equal(id('OTEL/OpenTelemetry-Collector-Contrib:0.113.0'), 'otelcol-contrib');
  // Not a prefix match: a name that merely starts like a distribution's is someone else's image.
  assert.equal(id('otel/opentelemetry-collector-builder:0.113.0'), undefined);
  assert.equal(id('myorg/opentelemetry-collector:0.113.0'), undefined);

  for (const tag of ['0.113.0', 'v0.113.0', '0.113.0-amd64', '0.113.0-arm64', '0.113.0-windows-2022-amd64']) {
    const m = distributionForImage(`otel/opentelemetry-collector-contrib:${tag}`);
    assert.equal(m?.release, '0.113.0', tag);
    assert.equal(m?.upstreamVersion, '0.113.0', tag);
    assert.match(m?.upstreamSource ?? '', /opentelemetry-collector-releases@v0\.113\.0 \(703f46e5947a\) distributions\/otelcol-contrib\/manifest\.yaml/);
  }
  assert.equal(upstream('otel/opentelemetry-collector:0.103.0'), '0.103.0');
  assert.equal(upstream('otel/opentelemetry-collector:0.104.0'), '0.104.0');
  // Patch releases do not always move the core: the manifest is the authority.
  assert.equal(upstream('otel/opentelemetry-collector:0.103.1'), '0.103.0');
  assert.equal(upstream('otel/opentelemetry-collector-contrib:0.150.1'), '0.150.0');
  // k8s 0.103.0 shipped with a 0.102.1 manifest.
  assert.equal(upstream('otel/opentelemetry-collector-k8s:0.103.0'), '0.102.1');
  assert.equal(upstream('otel/opentelemetry-collector-contrib:0.103.0'), '0.103.0');
});

test('upstream release outside the table: same version, said to be derived', () => {
  const m = distributionForImage('otel/opentelemetry-collector-contrib:0.161.0');
  assert.equal(m?.upstreamVersion, '0.161.0');
  assert.equal(m?.upstreamSource, undefined);
  assert.match(m?.upstreamReason ?? '', /not in the table.*same minor \(0\.161\)/);
});

test('latest, no tag, digest, nightly: no release, reason given', () => {
  for (const image of ['otel/opentelemetry-collector-contrib:latest', 'otel/opentelemetry-collector-contrib']) {
    const m = distributionForImage(image);
    assert.equal(m?.distribution.id, 'otelcol-contrib');
    assert.equal(m?.release, undefined);
    assert.equal(m?.upstreamVersion, undefined);
    assert.match(m?.upstreamReason ?? '', /latest/);
  }
  const digest = distributionForImage('otel/opentelemetry-collector-contrib@sha256:0123456789abcdef');
  assert.equal(digest?.digest, 'sha256:0123456789abcdef');
  assert.equal(digest?.upstreamVersion, undefined);
  assert.match(digest?.upstreamReason ?? '', /digest/);
  // A tag next to the digest still names the release.
  const both = distributionForImage('otel/opentelemetry-collector-contrib:0.104.0@sha256:0123');
  assert.equal(both?.upstreamVersion, '0.104.0');
  const nightly = distributionForImage('otel/opentelemetry-collector-contrib:0.160.0-nightly.202608220225');
  assert.equal(nightly?.release, undefined);
  assert.match(nightly?.upstreamReason ?? '', /not a release tag/);
});

test('Splunk: quay images, SPLUNK_CONFIG, 0.104 boundary and a vendor release on an older core', () => {
  assert.equal(id('quay.io/signalfx/splunk-otel-collector:0.104.0'), 'splunk');
  assert.equal(id('quay.io/signalfx/splunk-otel-collector-fips:0.104.0'), 'splunk');
  assert.equal(id('my-mirror.example/signalfx/splunk-otel-collector:0.104.0'), 'splunk');
  const d = distributionById('splunk');
  assert.deepEqual(d && defaultConfigPaths(d), ['/etc/otel/collector/gateway_config.yaml']);
  assert.equal(d?.configEnv?.name, 'SPLUNK_CONFIG');
  assert.equal(d?.binary, '/otelcol');
  assert.equal(upstream('quay.io/signalfx/splunk-otel-collector:0.103.0'), '0.103.0');
  assert.equal(upstream('quay.io/signalfx/splunk-otel-collector:0.104.0'), '0.104.0');
  assert.equal(upstream('quay.io/signalfx/splunk-otel-collector:0.96.0'), '0.95.0');
  assert.equal(upstream('quay.io/signalfx/splunk-otel-collector:v0.158.0'), '0.158.0');
  assert.match(distributionForImage('quay.io/signalfx/splunk-otel-collector:0.104.0')?.upstreamSource ?? '', /signalfx\/splunk-otel-collector@v0\.104\.0 \(096e4d0abf74\) go\.mod/);
  // Not in the table (a future release): unknown, not assumed equal.
  const future = distributionForImage('quay.io/signalfx/splunk-otel-collector:0.170.0');
  assert.equal(future?.release, '0.170.0');
  assert.equal(future?.upstreamVersion, undefined);
  assert.match(future?.upstreamReason ?? '', /not in the table/);
});

test('AWS ADOT: own release numbers, 0.40 on 0.102.1, 0.41 on 0.109.0', () => {
  assert.equal(id('public.ecr.aws/aws-observability/aws-otel-collector:v0.41.0'), 'aws-otel');
  assert.equal(id('amazon/aws-otel-collector:v0.41.0'), 'aws-otel');
  assert.equal(upstream('public.ecr.aws/aws-observability/aws-otel-collector:v0.40.2'), '0.102.1');
  assert.equal(upstream('public.ecr.aws/aws-observability/aws-otel-collector:v0.41.0'), '0.109.0');
  assert.equal(upstream('public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0'), '0.156.0');
  const d = distributionById('aws-otel');
  assert.deepEqual(d && defaultConfigPaths(d), ['/etc/otel-config.yaml']);
  assert.equal(d?.configEnv?.name, 'AOT_CONFIG_CONTENT');
  assert.equal(d?.binary, '/awscollector');
});

test('Elastic: EDOT image and elastic-agent (otel mode) share the agent release table', () => {
  assert.equal(id('docker.elastic.co/elastic-agent/elastic-otel-collector:9.1.0'), 'elastic-edot');
  assert.equal(id('docker.elastic.co/elastic-agent/elastic-otel-collector-wolfi:9.1.0'), 'elastic-edot');
  assert.equal(id('docker.elastic.co/elastic-agent/elastic-agent:9.1.0'), 'elastic-agent-otel');
  assert.equal(id('docker.elastic.co/beats/elastic-agent:8.14.3'), 'elastic-agent-otel');
  assert.equal(upstream('docker.elastic.co/beats/elastic-agent:8.14.2'), '0.103.0');
  assert.equal(upstream('docker.elastic.co/beats/elastic-agent:8.14.3'), '0.104.0');
  assert.equal(upstream('docker.elastic.co/elastic-agent/elastic-otel-collector:9.1.0'), '0.129.0');
  assert.equal(upstream('docker.elastic.co/elastic-agent/elastic-otel-collector:9.5.2'), '0.157.0');
  assert.match(distributionForImage('docker.elastic.co/elastic-agent/elastic-otel-collector:9.5.2')?.upstreamSource ?? '', /internal\/edot\/go\.mod/);
  const snapshot = distributionForImage('docker.elastic.co/elastic-agent/elastic-agent:9.1.0-SNAPSHOT');
  assert.equal(snapshot?.upstreamVersion, undefined);
  assert.match(snapshot?.upstreamReason ?? '', /not a release tag/);
  assert.deepEqual(distributionById('elastic-edot')?.configPaths, ['/usr/share/elastic-agent/otel.yml']);
});

test('Dynatrace: ghcr, ECR and Docker Hub images; 0.8.0 on 0.103.0, 0.9.0 on 0.104.0', () => {
  assert.equal(id('ghcr.io/dynatrace/dynatrace-otel-collector/dynatrace-otel-collector:0.9.0'), 'dynatrace');
  assert.equal(id('public.ecr.aws/dynatrace/dynatrace-otel-collector:0.9.0'), 'dynatrace');
  assert.equal(id('dynatrace/dynatrace-otel-collector:0.9.0'), 'dynatrace');
  assert.equal(upstream('ghcr.io/dynatrace/dynatrace-otel-collector/dynatrace-otel-collector:0.8.0'), '0.103.0');
  assert.equal(upstream('ghcr.io/dynatrace/dynatrace-otel-collector/dynatrace-otel-collector:0.9.0'), '0.104.0');
  assert.equal(upstream('ghcr.io/dynatrace/dynatrace-otel-collector/dynatrace-otel-collector:0.54.0'), '0.158.0');
  assert.deepEqual(distributionById('dynatrace')?.configPaths, ['/etc/otelcol/config.yaml']);
});

test('New Relic NRDOT: collector, legacy host and k8s images', () => {
  assert.equal(id('newrelic/nrdot-collector:1.21.0'), 'nrdot-collector');
  assert.equal(id('newrelic/nrdot-collector-host:1.0.0'), 'nrdot-collector-host');
  assert.equal(id('newrelic/nrdot-collector-k8s:1.0.0'), 'nrdot-collector-k8s');
  assert.equal(upstream('newrelic/nrdot-collector:1.21.0-fips'), '0.156.0');
  assert.equal(upstream('newrelic/nrdot-collector:2.3.0'), '0.158.0');
  assert.equal(upstream('newrelic/nrdot-collector-host:1.0.0'), '0.121.0');
  assert.equal(upstream('newrelic/nrdot-collector-k8s:1.12.0'), '0.148.0');
  assert.equal(upstream('newrelic/nrdot-collector-k8s:1.21.0'), undefined);
  assert.deepEqual(distributionById('nrdot-collector')?.configPaths, ['/etc/nrdot-collector/config.yaml']);
  assert.deepEqual(distributionById('nrdot-collector-k8s')?.configPaths, []);
});

test('Sumo Logic: -sumo-N releases, fips/ubi variants, a release whose receiver lags', () => {
  assert.equal(id('public.ecr.aws/sumologic/sumologic-otel-collector:0.104.0-sumo-0'), 'sumologic');
  assert.equal(id('sumologic/sumologic-otel-collector:0.104.0-sumo-0'), 'sumologic');
  assert.equal(upstream('public.ecr.aws/sumologic/sumologic-otel-collector:0.102.1-sumo-0'), '0.102.1');
  assert.equal(upstream('public.ecr.aws/sumologic/sumologic-otel-collector:0.104.0-sumo-1'), '0.104.0');
  assert.equal(upstream('public.ecr.aws/sumologic/sumologic-otel-collector:0.104.0-sumo-0-fips'), '0.104.0');
  assert.equal(upstream('public.ecr.aws/sumologic/sumologic-otel-collector:0.154.0-sumo-0-ubi-fips'), '0.154.0');
  assert.equal(upstream('public.ecr.aws/sumologic/sumologic-otel-collector:0.133.0-sumo-0'), '0.130.1');
  // Without the -sumo-N suffix the tag is not a Sumo release.
  assert.equal(distributionForImage('public.ecr.aws/sumologic/sumologic-otel-collector:0.104.0')?.release, undefined);
  assert.deepEqual(distributionById('sumologic')?.configPaths, ['/etc/otel/config.yaml']);
});

test('SigNoz: release numbers are not upstream numbers', () => {
  assert.equal(id('signoz/signoz-otel-collector:v0.129.14'), 'signoz');
  assert.equal(upstream('signoz/signoz-otel-collector:0.102.12'), '0.102.0');
  assert.equal(upstream('signoz/signoz-otel-collector:0.102.13'), '0.111.0');
  assert.equal(upstream('signoz/signoz-otel-collector:v0.129.14'), '0.142.0');
  assert.equal(upstream('signoz/signoz-otel-collector:0.144.7'), '0.144.0');
});

test('Red Hat: rhel8/rhel9 images, version label tags map, product tags and digests do not', () => {
  assert.equal(id('registry.redhat.io/rhosdt/opentelemetry-collector-rhel8:latest'), 'redhat');
  assert.equal(id('registry.redhat.io/rhosdt/opentelemetry-collector-rhel9@sha256:abcd'), 'redhat');
  assert.equal(upstream('registry.redhat.io/rhosdt/opentelemetry-collector-rhel9:0.158.0-1'), '0.158.0');
  assert.equal(upstream('registry.redhat.io/rhosdt/opentelemetry-collector-rhel8:0.135.0-1'), '0.135.0');
  const product = distributionForImage('registry.redhat.io/rhosdt/opentelemetry-collector-rhel9:rhosdt-3.9.2');
  assert.equal(product?.upstreamVersion, undefined);
  assert.match(product?.upstreamReason ?? '', /rhosdt-3\.9\.2/);
  const older = distributionForImage('registry.redhat.io/rhosdt/opentelemetry-collector-rhel8:0.100.0-1');
  assert.equal(older?.upstreamVersion, undefined);
  assert.match(older?.upstreamReason ?? '', /not in the table/);
  assert.equal(distributionById('redhat')?.binary, '/usr/bin/opentelemetry-collector');
});

test('Bindplane / observIQ: old and new image names, go.mod and manifest eras', () => {
  assert.equal(id('ghcr.io/observiq/bindplane-agent:1.55.0'), 'bindplane');
  assert.equal(id('observiq/observiq-otel-collector:1.55.0'), 'bindplane');
  assert.equal(id('us-central1-docker.pkg.dev/observiq-containers/agent/bindplane-agent:1.55.0'), 'bindplane');
  assert.equal(upstream('ghcr.io/observiq/bindplane-agent:1.54.0'), '0.103.0');
  assert.equal(upstream('ghcr.io/observiq/bindplane-agent:1.55.0-minimal'), '0.104.0');
  assert.equal(upstream('ghcr.io/observiq/bindplane-agent:v1.102.1'), '0.154.0');
  assert.match(distributionForImage('ghcr.io/observiq/bindplane-agent:1.102.1')?.upstreamSource ?? '', /manifests\/observIQ\/manifest\.yaml/);
  assert.equal(distributionById('bindplane')?.configEnv?.name, 'CONFIG_YAML_PATH');
});

test('non-collector agents are named, not matched as distributions', () => {
  assert.equal(agentForImage('grafana/alloy:v1.5.1')?.id, 'grafana-alloy');
  assert.equal(agentForImage('docker.io/grafana/agent:v0.40.0')?.id, 'grafana-agent');
  assert.equal(agentForImage('cr.fluentbit.io/fluent/fluent-bit:3.0')?.id, 'fluent-bit');
  assert.equal(agentForImage('timberio/vector:0.40.0-debian')?.id, 'vector');
  assert.equal(agentForImage('gcr.io/datadoghq/agent:7')?.id, 'datadog-agent');
  assert.equal(agentForImage('otel/opentelemetry-collector:0.113.0'), undefined);
  assert.equal(distributionForImage('grafana/alloy:v1.5.1'), undefined);
  assert.equal(distributionForImage('nginx:1.27'), undefined);
});

test('upstreamFor and defaultsToLocalhost around 0.104.0', () => {
  const contrib = distributionById('otelcol-contrib');
  assert.ok(contrib);
  assert.equal(upstreamFor(contrib, '0.104.0').upstreamVersion, '0.104.0');
  assert.equal(defaultsToLocalhost('0.103.0'), false);
  assert.equal(defaultsToLocalhost('0.104.0'), true);
  assert.equal(defaultsToLocalhost('v0.158.0'), true);
  assert.equal(defaultsToLocalhost('1.0.0'), true);
  assert.equal(defaultsToLocalhost(undefined), undefined);
  assert.equal(defaultsToLocalhost('latest'), undefined);
  // A pseudo-version after 0.103.x may be a commit from the 0.104 cycle.
  assert.equal(defaultsToLocalhost('0.103.1-0.20240620000000-0123456789ab'), undefined);
  assert.equal(defaultsToLocalhost('0.107.1-0.20240816195043-8506809f1001'), true);
  assert.equal(defaultsToLocalhost(upstream('quay.io/signalfx/splunk-otel-collector:0.107.0')), true);
});
