import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { COMPONENT_LISTS, CONNECTOR_PAIRS } from '../../src/otel/components-data.ts';
import { COMPONENT_KINDS, componentsAt, distributionsWith, releasesWith, typeKey, unknownTypes } from '../../src/otel/components.ts';
import { connectorPairs, validateServiceGraph } from '../../src/otel/components-validate.ts';
import { compareVersions } from '../../src/otel/version.ts';

function set(distribution: string, release: string) {
  const l = componentsAt(distribution, release);
  assert.ok(l.ok, l.ok ? '' : l.reason);
  return l.set;
}

test('the generated lists parse: releases ascending, every span inside them and ordered', () => {
  assert.ok(Object.keys(COMPONENT_LISTS).length >= 6);
  for (const [id, list] of Object.entries(COMPONENT_LISTS)) {
    assert.ok(list.releases.length > 0, id);
    assert.equal(new Set(list.releases).size, list.releases.length, `${id}: a release twice`);
    // Vendor suffixes (0.96.0-sumo-1) repeat a core version; the core versions never go back.
    for (let i = 1; i < list.releases.length; i++) { assert.notEqual(compareVersions(list.releases[i - 1], list.releases[i]), 1, `${id} ${list.releases[i]}`); }
    assert.match(list.source, /<release>/, id);
    for (const kind of COMPONENT_KINDS) {
      for (const [name, spans] of Object.entries(list.components[kind])) {
        assert.ok(spans.length > 0 && spans.length % 2 === 0, `${id} ${kind} ${name}`);
        for (let k = 0; k < spans.length; k++) {
          assert.ok(spans[k] >= 0 && spans[k] < list.releases.length, `${id} ${kind} ${name}`);
          if (k > 0) { assert.ok(spans[k] >= spans[k - 1] + (k % 2 === 0 ? 2 : 0), `${id} ${kind} ${name} spans overlap or touch`); }
        }
      }
    }
  }
});

test('known facts: k8s has no prometheus exporter at 0.111.0, core has no k8sattributes, contrib has both', () => {
  const k8s = set('otelcol-k8s', '0.111.0');
  assert.equal(k8s.has('exporter', 'prometheus'), false);
  assert.equal(k8s.has('receiver', 'prometheus'), true);
  assert.equal(k8s.has('processor', 'k8sattributes'), true);
  for (const r of COMPONENT_LISTS.otelcol.releases) { assert.equal(set('otelcol', r).has('processor', 'k8sattributes'), false, r); }
  const contrib = set('otelcol-contrib', '0.111.0');
  assert.equal(contrib.has('exporter', 'prometheus'), true);
  assert.equal(contrib.has('processor', 'k8sattributes'), true);
  assert.ok(distributionsWith('processor', 'k8sattributes').includes('otelcol-contrib'));
});

test('the logging exporter is gone from 0.111.0; debug has been there all along', () => {
  for (const d of ['otelcol', 'otelcol-contrib']) {
    assert.equal(set(d, '0.110.0').has('exporter', 'logging'), true, d);
    assert.equal(set(d, '0.111.0').has('exporter', 'logging'), false, d);
    assert.equal(releasesWith(d, 'exporter', 'logging').at(-1), '0.110.0', d);
    assert.equal(set(d, '0.95.0').has('exporter', 'debug'), true, d);
  }
});

test('renames: the core OTLP exporters take otlp_grpc and otlp_http from the core release that introduced them, keeping the old types', () => {
  const old = set('otelcol', '0.111.0');
  assert.equal(old.has('exporter', 'otlp_grpc'), false);
  assert.equal(old.has('exporter', 'otlphttp'), true);
  const now = set('otelcol', '0.159.0');
  for (const t of ['otlp', 'otlp_grpc', 'otlphttp', 'otlp_http']) { assert.equal(now.has('exporter', t), true, t); }
  assert.equal(typeKey('k8s_attributes'), typeKey('k8sattributes'));
});

test('vendor lists come from their own factories: Splunk smartagent, ADOT awsemf; unknown lists say so', () => {
  assert.equal(set('splunk', '0.120.0').has('receiver', 'smartagent'), true);
  assert.equal(set('splunk', '0.120.0').has('exporter', 'prometheus'), false);
  assert.equal(set('aws-otel', '0.49.0').has('exporter', 'awsemf'), true);
  assert.equal(set('dynatrace', '0.30.0').has('exporter', 'prometheus'), false);
  assert.equal(set('sumologic', '0.154.0-sumo-0').has('processor', 'k8s_tagger'), true);
  const edot = componentsAt('elastic-edot', '9.1.0');
  assert.equal(edot.ok, false);
  assert.match(edot.ok ? '' : edot.reason, /component list of distribution elastic-edot is not known/);
  // New Relic builds receivers from its own forks, which no mirror here holds: those kinds are not judged.
  assert.deepEqual(set('nrdot-collector', '2.0.0').incomplete, ['receiver', 'processor']);
  const early = componentsAt('otelcol-contrib', '0.80.0');
  assert.match(early.ok ? '' : early.reason, /lists cover releases 0\.95\.0 to/);
});

test('unknownTypes lists every defined component of a missing type with where it is used', () => {
  const cfg = {
    // the OTLP distribution ships the OTLP receiver and exporters only (not even debug)
    exporters: { prometheus: {}, 'prometheus/unused': {}, otlp_http: {} },
    extensions: { pprof: {} },
    service: { extensions: ['pprof'], pipelines: { metrics: { receivers: ['otlp'], exporters: ['prometheus', 'otlp_http'] } } },
  };
  const got = unknownTypes(cfg, set('otelcol-otlp', '0.159.0'));
  assert.deepEqual(got, [
    { kind: 'exporter', id: 'prometheus', type: 'prometheus', usedIn: ['metrics'] },
    { kind: 'exporter', id: 'prometheus/unused', type: 'prometheus', usedIn: [] },
    { kind: 'extension', id: 'pprof', type: 'pprof', usedIn: ['service::extensions'] },
  ]);
});

test('connector pairs come from the factories: spanmetrics converts traces to metrics, forward keeps the signal', () => {
  assert.deepEqual(connectorPairs('spanmetrics'), ['traces>metrics']);
  assert.ok(connectorPairs('forward')?.includes('logs>logs'));
  assert.deepEqual(connectorPairs('signal_to_metrics'), CONNECTOR_PAIRS.signaltometrics);
  assert.equal(connectorPairs('madeup'), undefined);
});

test('validateServiceGraph: a valid graph gives nothing; each refusal is worded as otelcol words it', () => {
  const ok = {
    receivers: { otlp: {} },
    exporters: { debug: {} },
    connectors: { spanmetrics: {}, forward: {} },
    processors: { batch: {}, unused: {} },
    service: {
      pipelines: {
        traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['spanmetrics', 'forward'] },
        'metrics/sm': { receivers: ['spanmetrics'], exporters: ['debug'] },
        'traces/copy': { receivers: ['forward'], exporters: ['debug'] },
      },
    },
  };
  assert.deepEqual(validateServiceGraph(ok), []);
  const bad = {
    receivers: { otlp: {} },
    exporters: { debug: {}, forward: {} },
    connectors: { forward: {}, madeup: {} },
    processors: { batch: {} },
    service: {
      extensions: ['health_check'],
      pipelines: {
        traces: { receivers: ['otlp'], processors: ['batch', 'batch'], exporters: ['madeup'] },
        spans: { receivers: ['otlp'], exporters: ['debug'] },
        logs: { receivers: [], exporters: ['debug'] },
      },
    },
  };
  assert.deepEqual(validateServiceGraph(bad), [
    'connectors::forward: ambiguous ID: Found both "forward" exporter and "forward" connector. Change one of the components\' IDs to eliminate ambiguity (e.g. rename "forward" connector to "forward/connector")',
    'service::extensions: references extension "health_check" which is not configured',
    'service::pipelines::traces: references processor "batch" multiple times',
    'service::pipelines: unknown pipeline signal: "spans" (pipeline "spans")',
    'service::pipelines::logs: must have at least one receiver',
    'connector "madeup" used as exporter in [traces] pipeline but not used in any supported receiver pipeline',
  ]);
});

const RELEASES_MIRROR = '/work/.mirror/open-telemetry+opentelemetry-collector-releases/repo';
test('the k8s list at 0.111.0 has a type for every component module of the manifest (mirror present)', { skip: existsSync(RELEASES_MIRROR) ? false : 'no local releases mirror' }, () => {
  const r = spawnSync('git', ['-C', RELEASES_MIRROR, 'show', 'v0.111.0:distributions/otelcol-k8s/manifest.yaml'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const k8s = set('otelcol-k8s', '0.111.0');
  const section = (name: string) => (r.stdout.split(/^(?=\w+:)/m).find((s) => s.startsWith(`${name}:`)) ?? '').match(/gomod: /g)?.length ?? 0;
  for (const kind of COMPONENT_KINDS) {
    assert.ok(k8s.types(kind).length >= section(`${kind}s`), `${kind}: ${k8s.types(kind).length} types for ${section(`${kind}s`)} modules`);
  }
});

test('push receivers: the listening types, spelling-insensitive; pulling ones are not', async () => {
  const { PUSH_RECEIVERS, isPushReceiverType } = await import('../../src/otel/components-push.ts');
  for (const t of ['otlp', 'jaeger', 'zipkin', 'splunk_hec', 'splunkhec', 'fluent_forward', 'tcp_log', 'statsd', 'stef']) { assert.equal(isPushReceiverType(t), true, t); }
  for (const t of ['prometheus', 'kafka', 'hostmetrics', 'k8s_cluster', 'kubeletstats', 'filelog', 'receiver_creator']) { assert.equal(isPushReceiverType(t), false, t); }
  for (const r of PUSH_RECEIVERS) { assert.ok(r.source.length > 0 && r.listens.length > 0, r.type); }
});
