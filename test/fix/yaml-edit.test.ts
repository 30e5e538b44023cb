import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EditError, fragmentLeaves, setLeavesInObject, setLeavesInText } from '../../src/fix/yaml-edit.ts';
import { parse } from 'yaml';

const CONFIG = `# relay config, owned by the platform team
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: localhost:4317 # TODO: who set this?
      http:
        endpoint: "localhost:4318"
  prometheus:
    config: {}
exporters:
  debug: {}
service:
  extensions: [health_check]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [debug]
`;

test('the leaves of a rule\'s fragment; its comments are alternatives, not changes', () => {
  const leaves = fragmentLeaves('receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 0.0.0.0:4317\n# narrower: ${env:MY_POD_IP}:4317');
  assert.deepEqual(leaves, [{ path: ['receivers', 'otlp', 'protocols', 'grpc', 'endpoint'], value: '0.0.0.0:4317' }]);
  assert.equal(fragmentLeaves('- name: X\n  value: y'), undefined, 'a list names no path');
  assert.equal(fragmentLeaves('just text'), undefined);
});

test('an endpoint edited in the Document: every other line, comment, quote and key order stays', () => {
  const r = setLeavesInText(CONFIG, [
    { path: ['receivers', 'otlp', 'protocols', 'grpc', 'endpoint'], value: '0.0.0.0:4317' },
    { path: ['receivers', 'otlp', 'protocols', 'http', 'endpoint'], value: '0.0.0.0:4318' },
  ]);
  const want = CONFIG.replace('endpoint: localhost:4317 # TODO', 'endpoint: 0.0.0.0:4317 # TODO').replace('"localhost:4318"', '"0.0.0.0:4318"');
  assert.equal(r.text, want);
  assert.deepEqual(r.changes.map((c) => [c.path.join('.'), c.from, c.to]), [
    ['receivers.otlp.protocols.grpc.endpoint', 'localhost:4317', '0.0.0.0:4317'],
    ['receivers.otlp.protocols.http.endpoint', 'localhost:4318', '0.0.0.0:4318'],
  ]);
});

test('an endpoint that is not set is added where it belongs: `grpc: {}` becomes a block, `grpc:` (null) a map', () => {
  const text = 'receivers:\n  otlp:\n    protocols:\n      grpc: {}\n      http:\nexporters:\n  debug: {}\n';
  const r = setLeavesInText(text, [
    { path: ['receivers', 'otlp', 'protocols', 'grpc', 'endpoint'], value: '0.0.0.0:4317' },
    { path: ['receivers', 'otlp', 'protocols', 'http', 'endpoint'], value: '0.0.0.0:4318' },
  ]);
  assert.equal(r.text, 'receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 0.0.0.0:4317\n      http:\n        endpoint: 0.0.0.0:4318\nexporters:\n  debug: {}\n');
  assert.deepEqual(r.changes.map((c) => c.from), [undefined, undefined]);
});

test('Helm-style unindented sequences and padded flow lists print as written', () => {
  const text = 'extensions:\n  health_check:\n    endpoint: localhost:13133\nservice:\n  extensions:\n  - health_check\n  pipelines:\n    traces:\n      receivers: [ otlp ]\n';
  const r = setLeavesInText(text, [{ path: ['extensions', 'health_check', 'endpoint'], value: '0.0.0.0:13133' }]);
  assert.equal(r.text, text.replace('localhost:13133', '0.0.0.0:13133'));
});

test('a fix for a receiver this config does not define is refused, not invented', () => {
  assert.throws(() => setLeavesInText(CONFIG, [{ path: ['receivers', 'otlp/internal', 'protocols', 'grpc', 'endpoint'], value: '0.0.0.0:4317' }]), EditError);
  assert.throws(() => setLeavesInText('receivers:\n  otlp:\n    protocols: [grpc]\n', [{ path: ['receivers', 'otlp', 'protocols', 'grpc', 'endpoint'], value: 'x' }]), /protocols is a list/);
  assert.throws(() => setLeavesInText('receivers: [\n', [{ path: ['a'], value: 'b' }]), /does not parse/);
});

test('already as the fix wants it: no change, the text untouched', () => {
  const r = setLeavesInText('receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 0.0.0.0:4317\n', [{ path: ['receivers', 'otlp', 'protocols', 'grpc', 'endpoint'], value: '0.0.0.0:4317' }]);
  assert.deepEqual(r.changes, []);
});

test('the same edit on a config held as an object (v1beta1 spec.config)', () => {
  const cfg = { receivers: { otlp: { protocols: { grpc: { endpoint: 'localhost:4317' }, http: null } } }, exporters: { debug: {} } };
  const r = setLeavesInObject(cfg, [
    { path: ['receivers', 'otlp', 'protocols', 'grpc', 'endpoint'], value: '0.0.0.0:4317' },
    { path: ['receivers', 'otlp', 'protocols', 'http', 'endpoint'], value: '0.0.0.0:4318' },
  ]);
  assert.deepEqual(r.config, { receivers: { otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } } } }, exporters: { debug: {} } });
  assert.equal(cfg.receivers.otlp.protocols.grpc.endpoint, 'localhost:4317', 'the input is not mutated');
  assert.throws(() => setLeavesInObject(cfg, [{ path: ['extensions', 'health_check', 'endpoint'], value: 'x' }]), /extensions is not defined/);
});

test('a fragment with a list names each element by its index; the live list must have it', () => {
  const frag = 'service:\n  telemetry:\n    metrics:\n      readers:\n        - periodic: {exporter: {console: {}}}\n          x: 1\n        - pull:\n            exporter:\n              prometheus:\n                host: "[::]"\n                port: 8888\n';
  const leaves = fragmentLeaves(frag);
  assert.deepEqual(leaves?.map((l) => [l.path.join('.'), l.value]), [
    ['service.telemetry.metrics.readers.0.x', 1],
    ['service.telemetry.metrics.readers.1.pull.exporter.prometheus.host', '[::]'],
    ['service.telemetry.metrics.readers.1.pull.exporter.prometheus.port', 8888],
  ]);
  const text = 'service:\n  telemetry:\n    metrics:\n      readers:\n      - periodic: {exporter: {console: {}}}\n        x: 1\n      - pull:\n          exporter:\n            prometheus:\n              host: "::"\n              port: 8888\n';
  const r = setLeavesInText(text, leaves ?? [], 0);
  assert.equal(r.text, text.replace('host: "::"', 'host: "[::]"'));
  assert.deepEqual(r.changes.map((c) => [c.path.join('.'), c.from, c.to]), [['service.telemetry.metrics.readers.1.pull.exporter.prometheus.host', '::', '[::]']]);
  const obj = setLeavesInObject(parse(text), leaves ?? [], 0);
  assert.deepEqual(obj.config, parse(text.replace('host: "::"', 'host: "[::]"')));
  assert.deepEqual(obj.changes.map((c) => c.path.join('.')), ['service.telemetry.metrics.readers.1.pull.exporter.prometheus.host']);
  // one reader live, two in the fragment: refused, never appended
  const one = 'service:\n  telemetry:\n    metrics:\n      readers:\n      - periodic: {exporter: {console: {}}}\n        x: 1\n';
  assert.throws(() => setLeavesInText(one, leaves ?? [], 0), EditError);
  assert.throws(() => setLeavesInObject(parse(one), leaves ?? [], 0), EditError);
  assert.equal(fragmentLeaves('a:\n  b: []\n'), undefined, 'an empty list names no element');
});
