// The custom resource definitions the simulated cluster has installed besides the OpenTelemetry
// Operator's own: those of the add-ons the operator's end-to-end environments install before its tests
// run. Their objects are stored and served like any CR; no controller of theirs runs (a Prometheus, a
// Kafka or a TempoMonolithic gets no StatefulSet, Service or status), as on a cluster where the CRDs
// are installed but the add-on's operator is scaled down. Any other kind is refused as kubectl refuses
// a kind without a CRD (see manifests.ts).
//
// Why these and no others (operator repository at be8944414, = v0.158.0):
// - cert-manager: `make prepare-e2e` runs `cert-manager` (kubectl apply of cert-manager.yaml); the
//   operator's webhook certificate is a cert-manager Certificate.
// - Prometheus operator: `prepare-e2e` runs `install-targetallocator-prometheus-crds`
//   (hack/install-targetallocator-prometheus-crds.sh: servicemonitors, podmonitors, scrapeconfigs,
//   probes); tests/e2e-collector-metrics/README.md: "The suite installs prometheus-operator itself" and
//   applies testdata/oracle-prometheus.yaml, a `Prometheus`.
// - Strimzi (AMQ Streams): tests/e2e-openshift/kafka/README.md, prerequisites "AMQ Streams Operator
//   installed"; its 01-create-kafka-topics.yaml applies KafkaTopic as kafka.strimzi.io/v1beta1, so that
//   version is served beside v1beta2 (Strimzi's KafkaTopic CRD serves v1beta2, v1beta1 and v1alpha1).
// - Tempo operator: tests/e2e-openshift/multi-cluster/README.md, prerequisites "Tempo Operator
//   installed" (01-create-tempo.yaml applies a TempoMonolithic).
// - OpenShift Routes: the tests under tests/e2e-openshift/ run on OpenShift (README: "OpenShift cluster
//   (4.12+)"), and `spec.ingress.type: route` makes the operator create a route.openshift.io/v1 Route.
import type { ResourceType } from './store.ts';

const CRD_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function crd(group: string, versions: string[], kind: string, plural: string, opts: { namespaced?: boolean; shortNames?: string[]; categories?: string[]; status?: boolean } = {}): ResourceType {
  return {
    group, versions, kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase(),
    namespaced: opts.namespaced ?? true,
    ...(opts.shortNames ? { shortNames: opts.shortNames } : {}),
    ...(opts.categories ? { categories: opts.categories } : {}),
    verbs: CRD_VERBS,
    ...(opts.status === false ? {} : { subresources: ['status'] }),
  };
}

// Short names and categories as each project's CRD YAML declares them.
export const INSTALLED_CRDS: ResourceType[] = [
  crd('cert-manager.io', ['v1'], 'Certificate', 'certificates', { shortNames: ['cert', 'certs'], categories: ['cert-manager'] }),
  crd('cert-manager.io', ['v1'], 'Issuer', 'issuers', { categories: ['cert-manager'] }),
  crd('cert-manager.io', ['v1'], 'ClusterIssuer', 'clusterissuers', { namespaced: false, categories: ['cert-manager'] }),
  crd('monitoring.coreos.com', ['v1'], 'ServiceMonitor', 'servicemonitors', { shortNames: ['smon'], categories: ['prometheus-operator'], status: false }),
  crd('monitoring.coreos.com', ['v1'], 'PodMonitor', 'podmonitors', { shortNames: ['pmon'], categories: ['prometheus-operator'], status: false }),
  crd('monitoring.coreos.com', ['v1'], 'Probe', 'probes', { shortNames: ['prb'], categories: ['prometheus-operator'], status: false }),
  crd('monitoring.coreos.com', ['v1alpha1'], 'ScrapeConfig', 'scrapeconfigs', { shortNames: ['scfg'], categories: ['prometheus-operator'], status: false }),
  crd('monitoring.coreos.com', ['v1'], 'Prometheus', 'prometheuses', { shortNames: ['prom'], categories: ['prometheus-operator'] }),
  crd('monitoring.coreos.com', ['v1'], 'PrometheusRule', 'prometheusrules', { shortNames: ['promrule'], categories: ['prometheus-operator'], status: false }),
  crd('kafka.strimzi.io', ['v1beta2'], 'Kafka', 'kafkas', { shortNames: ['k'], categories: ['strimzi'] }),
  crd('kafka.strimzi.io', ['v1beta2'], 'KafkaNodePool', 'kafkanodepools', { shortNames: ['knp'], categories: ['strimzi'] }),
  crd('kafka.strimzi.io', ['v1beta2', 'v1beta1', 'v1alpha1'], 'KafkaTopic', 'kafkatopics', { shortNames: ['kt'], categories: ['strimzi'] }),
  crd('kafka.strimzi.io', ['v1beta2'], 'KafkaUser', 'kafkausers', { shortNames: ['ku'], categories: ['strimzi'] }),
  crd('tempo.grafana.com', ['v1alpha1'], 'TempoMonolithic', 'tempomonolithics', { shortNames: ['tempomono'] }),
  crd('tempo.grafana.com', ['v1alpha1'], 'TempoStack', 'tempostacks', { shortNames: ['tempo', 'tempos'] }),
  crd('route.openshift.io', ['v1'], 'Route', 'routes'),
];
