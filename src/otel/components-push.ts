/**
 * Receiver types that accept data other processes push to them: their config struct embeds a server
 * (confighttp / configgrpc ServerConfig, formerly HTTPServerSettings / GRPCServerSettings) or a listening
 * address (confignet NetAddr / TCPAddr, a stanza tcp/udp input, a listen endpoint). Every other receiver
 * pulls (prometheus, kafka, hostmetrics, k8s_cluster, kubeletstats, filelog, receiver_creator, ...): nothing
 * connects to it, so it needs no Service and no readiness gate.
 *
 * Each row cites the config struct read in open-telemetry/opentelemetry-collector-contrib (commit, file)
 * unless noted; the stored copy of a file is one version of it, and the struct's server field has kept its
 * role across the renames of the config helpers.
 */
import { typeKey } from './components.ts';

export interface PushReceiverType {
  type: string;
  /** how it listens */
  listens: string;
  /** where that was read */
  source: string;
}

export const PUSH_RECEIVERS: readonly PushReceiverType[] = [
  { type: 'otlp', listens: 'protocols.grpc configgrpc.ServerConfig, protocols.http confighttp.ServerConfig', source: 'open-telemetry/opentelemetry-collector@934999fbab27 receiver/otlpreceiver/config.go (Protocols: grpc, http)' },
  { type: 'otelarrow', listens: 'protocols.grpc configgrpc.ServerConfig', source: '0c74c7a9a606 receiver/otelarrowreceiver/config.go (Protocols.GRPC)' },
  { type: 'jaeger', listens: 'protocols grpc/thrift_http servers, thrift_binary/thrift_compact UDP endpoints', source: '090d77a11020 receiver/jaegerreceiver/config.go (Protocols)' },
  { type: 'zipkin', listens: 'confighttp.ServerConfig (squashed, and protocols.http)', source: '1fd9ed03e845 receiver/zipkinreceiver/config.go' },
  { type: 'opencensus', listens: 'configgrpc.GRPCServerSettings (squashed)', source: '24b032378bc6 receiver/opencensusreceiver/config.go' },
  { type: 'signalfx', listens: 'ReceiverSettings endpoint (HTTP server)', source: '0026d1d72e0c receiver/signalfxreceiver/config.go' },
  { type: 'sapm', listens: 'confighttp.ServerConfig (squashed)', source: '1d376147ae77 receiver/sapmreceiver/config.go' },
  { type: 'splunk_hec', listens: 'confighttp.ServerConfig (squashed)', source: '01f84865d4ea receiver/splunkhecreceiver/config.go' },
  { type: 'carbon', listens: 'confignet.NetAddr (squashed: endpoint, transport)', source: '0172c6cdcc21 receiver/carbonreceiver/config.go' },
  { type: 'statsd', listens: 'ReceiverSettings endpoint (UDP listener)', source: '01393f68634a receiver/statsdreceiver/config.go' },
  { type: 'influxdb', listens: 'confighttp.HTTPServerSettings (squashed)', source: '098587cde402 receiver/influxdbreceiver/config.go' },
  { type: 'skywalking', listens: 'protocols.grpc configgrpc.ServerConfig, protocols.http confighttp.ServerConfig', source: '0789cfbeacbb receiver/skywalkingreceiver/config.go' },
  { type: 'loki', listens: 'protocols.grpc GRPCServerSettings, protocols.http HTTPServerSettings', source: '355081bffa89 receiver/lokireceiver/config.go' },
  { type: 'awsxray', listens: 'confignet.TCPAddr endpoint (UDP segments) and proxy_server.tcp_endpoint', source: '19e24da6d52e receiver/awsxrayreceiver/config.go' },
  { type: 'datadog', listens: 'confighttp.ServerConfig (squashed)', source: '0aab8a022aa7 receiver/datadogreceiver/config.go' },
  { type: 'fluentforward', listens: 'endpoint: the TCP address or unix socket it listens on', source: '090d77a11020 receiver/fluentforwardreceiver/config.go' },
  { type: 'collectd', listens: 'ReceiverSettings endpoint (HTTP server)', source: '01bc5ae77294 receiver/collectdreceiver/config.go' },
  { type: 'syslog', listens: 'stanza syslog input: tcp or udp listen_address', source: '009851bdbaa2 receiver/syslogreceiver/syslog.go (syslog.Config, tcp/udp)' },
  { type: 'tcplog', listens: 'stanza tcp input: listen_address', source: '08cd036e9da7 receiver/tcplogreceiver/tcp.go (tcp.Config)' },
  { type: 'udplog', listens: 'stanza udp input: listen_address', source: '073f6b00048f receiver/udplogreceiver/udp.go (udp.Config)' },
  { type: 'webhookevent', listens: 'confighttp.HTTPServerSettings (squashed)', source: '0412cf35cd96 receiver/webhookeventreceiver/config.go' },
  { type: 'prometheusremotewrite', listens: 'confighttp.ServerConfig (squashed)', source: '09c886f733c1 receiver/prometheusremotewritereceiver/config.go' },
  { type: 'awsfirehose', listens: 'confighttp.HTTPServerSettings (squashed)', source: '03fb45039023 receiver/awsfirehosereceiver/config.go' },
  { type: 'faro', listens: 'confighttp.ServerConfig (squashed)', source: '2bcbb372ccc0 receiver/faroreceiver/config.go' },
  { type: 'libhoney', listens: 'http: confighttp.ServerConfig', source: '1257289b6fc7 receiver/libhoneyreceiver/config.go' },
  { type: 'wavefront', listens: 'confignet.TCPAddr (squashed)', source: '1022aeea0fd8 receiver/wavefrontreceiver/config.go' },
  { type: 'stef', listens: 'configgrpc.ServerConfig (squashed)', source: '196b36b1c0e9 receiver/stefreceiver/config.go' },
  { type: 'envoyals', listens: 'configgrpc.ServerConfig (squashed)', source: '02ac52016657 receiver/envoyalsreceiver/config.go' },
  { type: 'yang_grpc', listens: 'configgrpc.ServerConfig (squashed)', source: '1ca0305c83b4 receiver/yanggrpcreceiver/config.go' },
  { type: 'netflow', listens: 'hostname and port the listener binds (UDP)', source: '0e9868c351eb receiver/netflowreceiver/config.go' },
  { type: 'cloudflare', listens: 'logs.endpoint: the HTTP server Cloudflare Logpush sends to', source: '12c462ff4321 receiver/cloudflarereceiver/config.go' },
];

const KEYS = new Set(PUSH_RECEIVERS.map((r) => typeKey(r.type)));

/** Whether a receiver type listens for pushed data (spelling-insensitive: `splunk_hec`, `fluent_forward`). */
export function isPushReceiverType(type: string): boolean {
  return KEYS.has(typeKey(type));
}
