// Component types the stand-in collector accepts. The real binary knows exactly the factories of its
// distribution; we accept the union of the core and contrib distributions (a typo like `jaegar` is
// still "unknown type"), compared without underscores because 0.15x renamed types (`k8sattributes` ->
// `k8s_attributes`, `otlphttp` -> `otlp_http`) and keeps the old names as aliases.

const RECEIVERS = `otlp nop jaeger zipkin prometheus hostmetrics kubeletstats k8scluster k8sevents k8sobjects k8slog filelog
journald kafka kafkametrics receivercreator opencensus fluentforward statsd carbon collectd influxdb signalfx splunkhec
skywalking awsxray awsecscontainermetrics awscontainerinsightreceiver awscloudwatch awsfirehose awss3 awslambda azureeventhub
azureblob azuremonitor googlecloudpubsub googlecloudspanner googlecloudmonitoring redis mysql postgresql mongodb mongodbatlas
elasticsearch rabbitmq nginx apache memcached zookeeper couchdb riak dockerstats podman vcenter snmp sqlserver sqlquery
oracledb flinkmetrics haproxy iis jmx httpcheck nsxt bigip cloudfoundry loki syslog tcplog udplog otlpjsonfile
prometheusremotewrite webhookevent datadog windowseventlog windowsperfcounters purefa purefb saphana solace sshcheck expvar
chrony activedirectoryds aerospike cloudflare github gitlab filestats ntp otelarrow pulsar simpleprometheus splunkenterprise
sapm wavefront namedpipe netflow osquery faro libhoney envoyals stef huaweicloudces tlscheck systemd yanggrpc icmpcheck
redfish macosunifiedlogging profiling hostprofiler ciscoos vcr awsfirehose`;

const PROCESSORS = `batch memorylimiter attributes resource resourcedetection k8sattributes filter transform tailsampling
probabilisticsampler span groupbyattrs groupbytrace metricstransform cumulativetodelta deltatorate deltatocumulative redaction
routing metricsgeneration logstransform logdedup interval isolationforest geoip schema sumologic remotetap coralogix
metricstarttime unroll dnslookup lookup genainormalizer servicegraph spanmetrics experimentalmetricsgeneration`;

const EXPORTERS = `debug logging nop otlp otlphttp otlpgrpc file kafka prometheus prometheusremotewrite loadbalancing
elasticsearch opensearch zipkin jaeger loki clickhouse awsxray awsemf awss3 awscloudwatchlogs awskinesis azuremonitor
azuredataexplorer azureblob datadog googlecloud googlemanagedprometheus googlecloudpubsub googlecloudstorage splunkhec signalfx
sapm influxdb carbon sentry honeycombmarker logzio coralogix mezmo pulsar rabbitmq syslog tencentcloudlogservice
alibabacloudlogservice sumologic otelarrow cassandra doris kinetica opencensus logicmonitor dataset instana alertmanager
bmchelix faro stef tinybird`;

const EXTENSIONS = `healthcheck healthcheckv2 pprof zpages memorylimiter bearertokenauth basicauth headerssetter
oauth2clientauth oidc sigv4auth asapauth filestorage dbstorage redisstorage k8sobserver dockerobserver hostobserver ecsobserver
ecstaskobserver cfgardenobserver kafkatopicsobserver k8sleaderelector opamp jaegerremotesampling awsproxy googleclientauth
azureauth ackextension remotetap solarwindsapmsettings sumologic cgroupruntime otlpencoding jsonlogencoding textencoding
zipkinencoding jaegerencoding avrologencoding awscloudwatchmetricstreamsencoding awslogsencoding googlecloudlogentryencoding
skywalkingencoding azureencoding httpforwarder datadog`;

const CONNECTORS = `forward count spanmetrics servicegraph routing exceptions failover roundrobin sum signaltometrics
grafanacloud datadog otlpjson metricsaslogs`;

function set(s: string): Set<string> {
  return new Set(s.split(/\s+/).filter(Boolean));
}

export const KNOWN: Record<string, Set<string>> = {
  receivers: set(RECEIVERS),
  processors: set(PROCESSORS),
  exporters: set(EXPORTERS),
  extensions: set(EXTENSIONS),
  connectors: set(CONNECTORS),
};

export function isKnownType(kind: string, type: string): boolean {
  return KNOWN[kind]?.has(type.replace(/_/g, '')) ?? false;
}

/**
 * Receivers whose top-level `endpoint` names a server they scrape or connect to, not an address they
 * listen on: binding it would crash the stand-in where the real collector starts (kubeletstats in the
 * OpenTelemetry demo points at the node IP).
 */
export const CLIENT_ENDPOINT_RECEIVERS = set(`kubeletstats redis mysql postgresql mongodb mongodbatlas elasticsearch rabbitmq
nginx apache memcached zookeeper couchdb riak dockerstats podman vcenter snmp sqlserver oracledb flinkmetrics haproxy iis
jmx httpcheck nsxt bigip cloudfoundry splunkenterprise aerospike chrony expvar saphana solace purefa purefb k8sevents
k8sobjects k8scluster awsecscontainermetrics kafkametrics sshcheck ntp activedirectoryds googlecloudspanner tlscheck
icmpcheck redfish prometheus`);

/** Jaeger-style nested protocols that are UDP listeners. */
export const UDP_PROTOCOLS = new Set(['thrift_compact', 'thrift_binary']);
