// internal/naming as the operator's own unit tests pin it (triming_test.go, dns_test.go at v0.158.0), and
// what it makes of a long CR name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectorName, dnsName, headlessName, truncate } from '../../operator/collector.ts';

test('Truncate (internal/naming/triming_test.go)', () => {
  const long = 'd0c1e62-4d96-11ea-b174-c85b7644b6b5-5d0c1e62-4d96-11ea-b174-c85b7644b6b5';
  assert.equal(truncate('%s-collector', 63, 'simplest'), 'simplest-collector');
  assert.equal(truncate(long, 63), 'd0c1e62-4d96-11ea-b174-c85b7644b6b5-5d0c1e62-4d96-11ea-b174-c85');
  assert.equal(truncate('%s-collector', 63, long), 'd0c1e62-4d96-11ea-b174-c85b7644b6b5-5d0c1e62-4d96-11e-collector');
  assert.equal(truncate('%s-%s-collector', 63, 'd0c1e62', '4d96-11ea-b174-c85b7644b6b5-5d0c1e62-4d96-11ea-b174-c85b7644b6b5'), '4d96-11ea-b174-c85b7644b6b5-5d0c1e62-4d96-11ea-b174--collector');
  assert.equal(truncate('%s-%s-collector', 63, '4d96-11ea-b174-c85b7644b6b5-5d0c1e62-4d96-11ea-b174-c85b7644b6b5', 'd0c1e62'), '4d96-11ea-b174-c85b7644b6b5-5d0c1e62-4d96-11e-d0c1e62-collector');
});

test('DNSName (internal/naming/dns_test.go)', () => {
  for (const [i, o] of [['simplest', 'simplest'], ['instance.with.dots-collector-headless', 'instance-with-dots-collector-headless'],
    ['TestQueryDottedServiceName.With.Dots', 'testquerydottedservicename-with-dots'], ['Service🦄', 'servicea'], ['📈Stock-Tracker', 'astock-tracker'],
    ['-📈Stock-Tracker', 'a-stock-tracker'], ['📈', 'a'], ['foo-', 'fooa'], ['-foo', 'afoo']]) {
    assert.equal(dnsName(i), o, i);
  }
});

test('a long CR name: the name is cut, not the suffix; the headless name cuts the collector name it wraps', () => {
  const name = 'a'.repeat(60);
  assert.equal(collectorName(name), `${'a'.repeat(53)}-collector`);
  // Truncate("%s-headless", 63, "<53 a>-collector") shortens its value to 54 characters: "<53 a>-".
  assert.equal(headlessName(name), `${'a'.repeat(53)}--headless`);
});
