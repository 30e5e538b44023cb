// The operator's reading of a collector config: ports per component (internal/components registries,
// naming.PortName), the host-less endpoint defaults, and the hash (Go's json.Marshal, byte for byte).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults, configJson, ports, portName } from '../../operator/config.ts';
import { behaviour } from '../../operator/versions.ts';

const cfg = (receivers: Record<string, unknown>, names = Object.keys(receivers)) => ({
  receivers, exporters: { debug: {} }, service: { pipelines: { traces: { receivers: names, exporters: ['debug'] } } },
});

test('ports: named instances, long names as port-<n>, UDP receivers, listen_address, unset ports, receivers outside pipelines', () => {
  const c = cfg({
    'otlp/2': { protocols: { grpc: { endpoint: '0.0.0.0:14317' } } },
    'otlp/a-very-long-name': { protocols: { http: {} } },
    statsd: {},
    carbon: { listen_address: '0.0.0.0:2113' },
    tcplog: {},
    'udp_log/x': { listen_address: '0.0.0.0:5140' },
    jaeger: { protocols: { thrift_compact: {} } },
    zipkin: null,
    prometheus: { config: {} },
  });
  c.receivers.unused = { endpoint: '0.0.0.0:9' };
  assert.deepEqual(ports(c, ['receiver']), [
    { name: 'carbon', port: 2113 },
    { name: 'otlp-2-grpc', port: 14317, appProtocol: 'grpc' },
    { name: 'port-4318', port: 4318, appProtocol: 'http' },
    // "jaeger-thrift_compact" is over 15 characters.
    { name: 'port-6831', port: 6831, protocol: 'UDP' },
    { name: 'statsd', port: 8125, protocol: 'UDP' },
    { name: 'udp-log-x', port: 5140, protocol: 'UDP' },
    { name: 'zipkin', port: 9411, protocol: 'TCP', appProtocol: 'http' },
  ]);
  assert.equal(portName('my.receiver', 1), 'my.receiver');
  assert.equal(portName('Bad_Name', 1), 'Bad-Name');
  assert.equal(portName('-x', 1), 'port-1');
});

test('defaults: host-less endpoints get 0.0.0.0, hosts and env references are kept, unknown receivers untouched', () => {
  const c = cfg({
    otlp: { protocols: { grpc: { endpoint: ':5317' }, http: { endpoint: '${env:MY_POD_IP}:4318', cors: { allowed_origins: ['*'] } } } },
    zipkin: { endpoint: 'localhost:9411' },
    myreceiver: {},
  });
  const d = applyDefaults(c, behaviour('0.158.0'));
  assert.deepEqual(d.receivers.otlp.protocols, { grpc: { endpoint: '0.0.0.0:5317' }, http: { endpoint: '${env:MY_POD_IP}:4318', cors: { allowed_origins: ['*'] } } });
  assert.deepEqual(d.receivers.zipkin, { endpoint: 'localhost:9411' });
  assert.deepEqual(d.receivers.myreceiver, {});
  assert.deepEqual(c.receivers.otlp, { protocols: { grpc: { endpoint: ':5317' }, http: { endpoint: '${env:MY_POD_IP}:4318', cors: { allowed_origins: ['*'] } } } }, 'the input is not changed');
});

test('the hashed JSON is Go\'s: struct field order, sorted map keys, HTML-safe escapes, omitted empties', () => {
  const c = { receivers: { b: { x: '<&>' }, a: 1e21 }, exporters: {}, service: { pipelines: { t: { receivers: ['a'], exporters: ['x'], processors: [] } } } };
  assert.equal(configJson(c), '{"receivers":{"a":1e+21,"b":{"x":"\\u003c\\u0026\\u003e"}},"exporters":{},"service":{"pipelines":{"t":{"exporters":["x"],"receivers":["a"]}}}}');
});
