// Which ConfigMap key a collector's --config file comes from, through its volume mounts, and the clear
// error when the mount makes the path something the collector cannot read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configMapForPath } from '../../src/gather/config.ts';
import { lintTexts } from '../../src/lint/index.ts';
import type { KObject } from '../../src/cluster/types.ts';

const pod = (configMap: Record<string, unknown>): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { volumes: [{ name: 'cfg', configMap }] } }) as KObject;
const withItems = pod({ name: 'custom-otel-collector-config', items: [{ key: 'config', path: 'config.yaml' }] });

test('a ConfigMap volume mounted at the --config path without subPath is a directory', () => {
  const r = configMapForPath(withItems, { volumeMounts: [{ name: 'cfg', mountPath: '/conf/config.yaml' }] }, '/conf/config.yaml');
  assert.ok('error' in r);
  assert.equal(
    r.error,
    'is a directory, not a file: volumeMount cfg mounts ConfigMap custom-otel-collector-config at /conf/config.yaml with no subPath (the collector fails with `read /conf/config.yaml: is a directory`); the projected file is at /conf/config.yaml/config.yaml. Fix: add `subPath: config.yaml` to volumeMount cfg, or mount it at /conf.',
  );
  // an item under another name: only subPath fixes it (mounting at /conf would give /conf/relay.yaml)
  const other = configMapForPath(pod({ name: 'cm', items: [{ key: 'relay', path: 'relay.yaml' }] }), { volumeMounts: [{ name: 'cfg', mountPath: '/conf/config.yaml' }] }, '/conf/config.yaml');
  assert.ok('error' in other);
  assert.match(other.error, /the projected file is at \/conf\/config\.yaml\/relay\.yaml\. Fix: add `subPath: relay\.yaml` to volumeMount cfg\.$/);
  // no items: every key is a file in the directory
  const keys = configMapForPath(pod({ name: 'cm' }), { volumeMounts: [{ name: 'cfg', mountPath: '/conf/config.yaml/' }] }, '/conf/config.yaml');
  assert.ok('error' in keys);
  assert.match(keys.error, /its keys appear as files under \/conf\/config\.yaml\/\. Fix: add `subPath: <key>` to volumeMount cfg, or mount it at \/conf\.$/);
});

test('the working mounts still resolve to their key', () => {
  assert.deepEqual(configMapForPath(withItems, { volumeMounts: [{ name: 'cfg', mountPath: '/conf' }] }, '/conf/config.yaml'), { name: 'custom-otel-collector-config', key: 'config', optional: undefined });
  assert.deepEqual(configMapForPath(withItems, { volumeMounts: [{ name: 'cfg', mountPath: '/conf/config.yaml', subPath: 'config.yaml' }] }, '/conf/config.yaml'), { name: 'custom-otel-collector-config', key: 'config', optional: undefined });
  assert.deepEqual(configMapForPath(pod({ name: 'cm' }), { volumeMounts: [{ name: 'cfg', mountPath: '/etc/otel' }] }, '/etc/otel/relay'), { name: 'cm', key: 'relay', optional: undefined });
  const missing = configMapForPath(withItems, { volumeMounts: [{ name: 'cfg', mountPath: '/conf' }] }, '/conf/other.yaml');
  assert.deepEqual(missing, { error: 'ConfigMap custom-otel-collector-config projects no item at other.yaml' });
});

const UPSTREAM = '/work/shared/fixtures/upstream/helm-collector-deployment-use-existing-configMap';
test('lint: the upstream use-existing-configMap example says why the collector cannot read its config', { skip: !existsSync(UPSTREAM) && `${UPSTREAM} not present` }, () => {
  const inputs = readdirSync(UPSTREAM).filter((n) => n.endsWith('.yaml')).map((n) => ({ file: n, text: readFileSync(join(UPSTREAM, n), 'utf8') }));
  const r = lintTexts(inputs);
  const f = r.report.findings.find((x) => x.rule === 'collector-config-invalid');
  assert.ok(f, JSON.stringify(r.report.findings.map((x) => x.rule)));
  assert.match(f.summary, /^collector config is invalid: \/conf\/config\.yaml: is a directory, not a file/);
  assert.match(f.rootCause, /`read \/conf\/config\.yaml: is a directory`\); the projected file is at \/conf\/config\.yaml\/config\.yaml\. Fix: add `subPath: config\.yaml` to volumeMount custom-otelcol-configmap, or mount it at \/conf\./);
  assert.doesNotMatch(JSON.stringify(f), /projects no item at ["\s]/);
});
