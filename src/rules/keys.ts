/**
 * The correlation keys rules exchange (src/report/correlate.ts): a root cause `explains` a key and a symptom
 * names the same key in `symptomOf`. Built here only, so both sides spell a key alike by construction.
 */
import type { CorrelationKey } from '../report/finding.ts';

export type { CorrelationKey };

const key = (text: string): CorrelationKey => text as CorrelationKey;

export const keys = {
  /** Nothing listens on this port of the collector workload (`collectorWorkloads(s)[i].key`). */
  listen: (workloadKey: string, port: number): CorrelationKey => key(`listen:${workloadKey}:${port}`),
  /** The collector workload's config holds an address Go's net.SplitHostPort refuses when the config is read (service::telemetry::metrics::address, 0.111-0.122): the configuration itself is refused. */
  configAddress: (workloadKey: string): CorrelationKey => key(`config-address:${workloadKey}`),
  /** The collector workload's pods are not Ready. */
  notReady: (workloadKey: string): CorrelationKey => key(`not-ready:${workloadKey}`),
  /** A Service selecting this collector pod has no ready endpoints. */
  noEndpoints: (pod: { namespace: string; pod: string }): CorrelationKey => key(`no-endpoints:${pod.namespace}/${pod.pod}`),
  /** No Service selects a collector of this namespace. */
  unselected: (namespace: string): CorrelationKey => key(`unselected:${namespace}`),
  /** Apps name Service `namespace/name`, which does not exist. */
  unresolvable: (namespace: string, name: string): CorrelationKey => key(`unresolvable:${namespace}/${name}`),
  /** The app container's exporter fails its TLS handshake. */
  tls: (app: { namespace: string; pod: string; container: string }): CorrelationKey => key(`tls:${app.namespace}/${app.pod}/${app.container}`),
  /** The workload's pods were admitted without the operator's auto-instrumentation (instrumentation-not-injected). */
  notInjected: (w: { kind: string; namespace: string; name: string }): CorrelationKey => key(`not-injected:${w.kind}/${w.namespace}/${w.name}`),
  /** The app container's receiver answers its OTLP export with an HTTP error (404, 415, ...). */
  otlpRejected: (app: { namespace: string; pod: string; container: string }): CorrelationKey => key(`otlp-rejected:${app.namespace}/${app.pod}/${app.container}`),
  /** The app container's egress NetworkPolicies drop its DNS lookups: no name it exports to resolves (network-policy-blocks). */
  dnsBlocked: (app: { namespace: string; pod: string; container: string }): CorrelationKey => key(`dns-blocked:${app.namespace}/${app.pod}/${app.container}`),
  /** The collector workload's exporter `id` cannot deliver (exporter-failing): its full queue is a consequence. */
  exporterFailing: (workloadKey: string, exporter: string): CorrelationKey => key(`exporter-failing:${workloadKey}:${exporter}`),
};
