import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from 'js-yaml';
import { parse } from 'yaml';
import { buildEffectiveConfig } from '../../src/otel/config.ts';
import { fastParseHolds } from '../../src/yaml-fast.ts';

const SPLUNKISH = `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: "\${SPLUNK_LISTEN_INTERFACE}:4317"
exporters:
  sapm:
    endpoint: "https://ingest.\${SPLUNK_REALM}.signalfx.com/v2/trace?a=1&b=2"
processors:
  filter:
    metrics:
      include: {match_type: regexp, metric_names: ["system.*"]}
service:
  pipelines:
    traces: {receivers: [otlp], processors: [], exporters: [sapm]}
`;

const ANCHORED = `x: &common {endpoint: 0.0.0.0:4317}
receivers:
  otlp:
    protocols:
      grpc: *common
`;

test('& and * inside strings keep the fast parse; an alias of a map or a merge key does not', () => {
  assert.equal(fastParseHolds(SPLUNKISH, [load(SPLUNKISH)]), true);
  assert.equal(fastParseHolds(ANCHORED, [load(ANCHORED)]), false);
  assert.equal(fastParseHolds('a: &a 1\nb: *a\n', [load('a: &a 1\nb: *a\n')]), true, 'a scalar alias is the same value in both parsers');
  assert.equal(fastParseHolds('base: &b {x: 1}\nc:\n  <<: *b\n', [{}]), false);
});

test('the config model gives the strict parser\'s values on both paths', () => {
  for (const text of [SPLUNKISH, ANCHORED, 'a: &a 1\nb: *a\n']) {
    assert.deepEqual(buildEffectiveConfig([text]), parse(text));
  }
});
