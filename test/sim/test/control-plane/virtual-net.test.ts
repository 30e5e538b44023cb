// What a Node object may put into the simulator's root `ip -batch` input for a virtual node (virtual.ts
// checkVirtualNodeNet): exactly an IPv4 address of the virtual nodes' range and an IPv4 range inside the
// virtual pods' range; anything else (a newline and a second command above all) is refused, and the
// virtual kubelet gives such a node no Running pods.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store, typeByKind } from '../../store.ts';
import { VirtualKubelet, checkVirtualNodeNet, ipv4CidrWithin, ipv4InCidr, virtualNodeObject } from '../../virtual.ts';

const NODE = typeByKind('Node')!;
const POD = typeByKind('Pod')!;

test('addresses and ranges: dotted quads inside the range only', () => {
  assert.equal(ipv4InCidr('172.20.0.1', '172.20.0.0/14'), true);
  assert.equal(ipv4InCidr('172.23.255.255', '172.20.0.0/14'), true);
  assert.equal(ipv4InCidr('172.24.0.0', '172.20.0.0/14'), false);
  assert.equal(ipv4InCidr('172.20.0.1\nnetns exec x sh', '172.20.0.0/14'), false);
  assert.equal(ipv4InCidr('fd00::1', '172.20.0.0/14'), false);
  assert.equal(ipv4CidrWithin('10.128.3.0/24', '10.128.0.0/10'), true);
  assert.equal(ipv4CidrWithin('10.128.3.0/24\nnetns exec x sh', '10.128.0.0/10'), false);
  assert.equal(ipv4CidrWithin('10.128.3.0/24 ', '10.128.0.0/10'), false);
  assert.equal(ipv4CidrWithin('10.128.3.1/24', '10.128.0.0/10'), false, 'host bits set');
  assert.equal(ipv4CidrWithin('10.0.0.0/8', '10.128.0.0/10'), false, 'wider than the range');
  assert.equal(ipv4CidrWithin('10.244.0.0/24', '10.128.0.0/10'), false);
  assert.equal(ipv4CidrWithin('10.128.0.0/33', '10.128.0.0/10'), false);
});

test('a virtual node\'s own values pass; an injected line, another family or another range does not', () => {
  const n = virtualNodeObject(3);
  assert.equal(checkVirtualNodeNet(n.metadata.name, n.status.addresses[0].address, n.spec.podCIDR), undefined);
  assert.match(checkVirtualNodeNet('n', '172.20.0.4\nnetns exec v1 id', '10.128.3.0/24') ?? '', /InternalIP/);
  assert.match(checkVirtualNodeNet('n', '172.20.0.4', '10.128.3.0/24\nnetns exec v1 id') ?? '', /podCIDR/);
  assert.match(checkVirtualNodeNet('n', 'fd00:10:20::4', '10.128.3.0/24') ?? '', /InternalIP/);
  assert.match(checkVirtualNodeNet('n', '172.18.0.2', '10.128.3.0/24') ?? '', /InternalIP/, 'a real node\'s address');
  assert.match(checkVirtualNodeNet('n', '172.20.0.4', 42) ?? '', /podCIDR/);
  assert.match(checkVirtualNodeNet('n', undefined, '10.128.3.0/24') ?? '', /InternalIP/);
});

test('the virtual kubelet runs no pod on a KWOK-annotated node whose range is not one it can hand out', async () => {
  const store = new Store();
  const good = virtualNodeObject(0);
  const bad = virtualNodeObject(1);
  bad.spec.podCIDR = '10.128.1.0/24\nnetns exec x id';
  const odd = virtualNodeObject(2);
  odd.status.addresses = { InternalIP: '172.20.0.3' };
  store.create(NODE, good);
  store.create(NODE, bad);
  store.create(NODE, odd);
  const pod = (name: string, node: string) => store.create(POD, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] }, status: { phase: 'Pending' } });
  pod('a', good.metadata.name);
  pod('b', bad.metadata.name);
  const k = new VirtualKubelet(store);
  k.start();
  try {
    await k.flush();
    assert.equal(store.get(POD, 'default', 'a')!.status.phase, 'Running');
    assert.equal(store.get(POD, 'default', 'b')!.status.phase, 'Pending');
    assert.equal(k.has(bad.metadata.name), false);
    assert.equal(k.has(odd.metadata.name), false, 'addresses that are not a list: no InternalIP, no pods, no throw');
  } finally {
    k.stop();
  }
});
