import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { materializeVolumes, VolumeError, within } from '../../runtime/volumes.ts';
import { buildDnsData } from '../../runtime/dnsdata.ts';
import type { KObject } from '../../store.ts';

const cms: Record<string, KObject> = {
  relay: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'relay' }, data: { 'relay.yaml': 'receivers: {otlp: {}}', other: 'x' } },
};
const secrets: Record<string, KObject> = {
  tls: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls' }, data: { 'tls.crt': Buffer.from('CERT').toString('base64') } },
};
const lookups = { configMap: (_ns: string, n: string) => cms[n], secret: (_ns: string, n: string) => secrets[n] };
const pod = (volumes: KObject['spec'][]): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', labels: { app: 'a' } }, spec: { volumes } });

test('volumes: configMap, items, subPath, secret, projected, downwardAPI, emptyDir shared', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-vol-'));
  try {
    const p = pod([
      { name: 'conf', configMap: { name: 'relay' } },
      { name: 'picked', configMap: { name: 'relay', items: [{ key: 'relay.yaml', path: 'sub/config.yaml' }] } },
      { name: 'certs', secret: { secretName: 'tls' } },
      { name: 'proj', projected: { sources: [{ configMap: { name: 'relay', items: [{ key: 'other', path: 'o' }] } }, { downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: "metadata.labels['app']" } }] } }] } },
      { name: 'scratch', emptyDir: {} },
    ]);
    const c = { name: 'c', volumeMounts: [
      { name: 'conf', mountPath: '/conf' },
      { name: 'picked', mountPath: '/etc/otel' },
      { name: 'conf', mountPath: '/etc/single.yaml', subPath: 'relay.yaml' },
      { name: 'certs', mountPath: '/certs' },
      { name: 'proj', mountPath: '/proj' },
      { name: 'scratch', mountPath: '/tmp' },
    ] };
    const root = join(dir, 'c1');
    materializeVolumes(p, c, root, dir, lookups);
    assert.equal(readFileSync(join(root, 'conf/relay.yaml'), 'utf8'), 'receivers: {otlp: {}}');
    assert.equal(readFileSync(join(root, 'conf/other'), 'utf8'), 'x');
    assert.equal(readFileSync(join(root, 'etc/otel/sub/config.yaml'), 'utf8'), 'receivers: {otlp: {}}');
    assert.equal(existsSync(join(root, 'etc/otel/other')), false);
    assert.equal(readFileSync(join(root, 'etc/single.yaml'), 'utf8'), 'receivers: {otlp: {}}');
    assert.equal(readFileSync(join(root, 'certs/tls.crt'), 'utf8'), 'CERT');
    assert.equal(readFileSync(join(root, 'proj/o'), 'utf8'), 'x');
    assert.equal(readFileSync(join(root, 'proj/labels'), 'utf8'), 'a');
    assert.ok(lstatSync(join(root, 'tmp')).isSymbolicLink());
    writeFileSync(join(root, 'tmp/shared'), 'hello');
    const root2 = join(dir, 'c2');
    materializeVolumes(p, { name: 'c2', volumeMounts: [{ name: 'scratch', mountPath: '/data' }] }, root2, dir, lookups);
    assert.equal(readFileSync(join(root2, 'data/shared'), 'utf8'), 'hello', 'emptyDir is shared by the containers of a pod');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('volumes: missing objects and keys fail as FailedMount; paths cannot escape', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-vol-'));
  try {
    assert.throws(() => materializeVolumes(pod([{ name: 'v', configMap: { name: 'nope' } }]), { name: 'c', volumeMounts: [{ name: 'v', mountPath: '/x' }] }, join(dir, 'r'), dir, lookups),
      (e: VolumeError) => e instanceof VolumeError && e.volume === 'v' && e.message === 'configmap "nope" not found');
    assert.throws(() => materializeVolumes(pod([{ name: 'v', configMap: { name: 'relay', items: [{ key: 'k', path: 'k' }] } }]), { name: 'c', volumeMounts: [{ name: 'v', mountPath: '/x' }] }, join(dir, 'r'), dir, lookups),
      /configmap references non-existent config key: k/);
    materializeVolumes(pod([{ name: 'v', configMap: { name: 'nope', optional: true } }]), { name: 'c', volumeMounts: [{ name: 'v', mountPath: '/x' }] }, join(dir, 'r'), dir, lookups);
    assert.throws(() => within('/a/b', '../../etc/passwd'), /escapes/);
    assert.equal(within('/a/b', '/etc/x'), '/a/b/etc/x');
    assert.throws(() => materializeVolumes(pod([{ name: 'v', configMap: { name: 'relay', items: [{ key: 'other', path: '../../../evil' }] } }]), { name: 'c', volumeMounts: [{ name: 'v', mountPath: '/x' }] }, join(dir, 'r'), dir, lookups), /escapes/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('dns data: services, headless endpoints, publishNotReadyAddresses', () => {
  const svc = (name: string, spec: KObject['spec']): KObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'obs' }, spec });
  const ep = (name: string, subsets: KObject['spec']): KObject => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: 'obs' }, subsets });
  const d = buildDnsData(
    [svc('otel', { clusterIP: '10.96.0.12', ports: [{ name: 'grpc', port: 4317 }] }), svc('hl', { clusterIP: 'None' }), svc('sts', { clusterIP: 'None', publishNotReadyAddresses: true })],
    [ep('otel', [{ addresses: [{ ip: '10.244.1.5' }], notReadyAddresses: [{ ip: '10.244.2.9' }] }]), ep('hl', [{ addresses: [{ ip: '10.244.1.6' }] }]), ep('sts', [{ notReadyAddresses: [{ ip: '10.244.2.7' }] }])],
  );
  assert.equal(d.domain, 'cluster.local');
  assert.deepEqual(d.services[0], { name: 'otel', namespace: 'obs', clusterIP: '10.96.0.12', clusterIPs: ['10.96.0.12'], ports: [{ name: 'grpc', port: 4317, protocol: 'TCP' }], headless: false, endpoints: ['10.244.1.5'] });
  assert.deepEqual([d.services[1].headless, d.services[1].endpoints], [true, ['10.244.1.6']]);
  assert.deepEqual(d.services[2].endpoints, ['10.244.2.7']);
});
