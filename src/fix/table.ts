/**
 * Which findings `fix` changes by itself, and how: one row per rule (data, not code). Every other rule's
 * finding is shown with its manual fix. A row lists the edits it may make; the finding's fix.object (the
 * object the rule named, resolved by src/report/fix-commands.ts) picks one by its kind.
 */
import { RESOURCES, type ResourceRef } from '../cluster/types.ts';

export type EditKind = 'collector-config' | 'service-ports' | 'container-env';

export interface FixableRule {
  edits: EditKind[];
  /** what the edit is, for --help and the README */
  what: string;
}

export const FIXABLE: Readonly<Record<string, FixableRule>> = {
  'receiver-bound-to-loopback': { edits: ['collector-config'], what: 'the receiver endpoint the rule names (e.g. localhost:4317 -> 0.0.0.0:4317) in the ConfigMap key or OpenTelemetryCollector spec.config' },
  'receiver-default-loopback': { edits: ['collector-config'], what: 'an explicit all-interfaces endpoint for the receiver that relies on the localhost default' },
  'health-check-bound-to-loopback': { edits: ['collector-config'], what: 'the health_check extension endpoint, so the kubelet probes reach it' },
  'endpoint-ipv6-unbracketed': { edits: ['collector-config'], what: 'each IPv6 listen address the rule names, its host in brackets (${env:MY_POD_IP}:4317 -> [${env:MY_POD_IP}]:4317)' },
  'service-port-mismatch': { edits: ['service-ports'], what: 'the Service port\'s targetPort, to the port the collector listens on' },
  'app-port-not-exposed': { edits: ['service-ports', 'container-env'], what: 'the app\'s OTEL_EXPORTER_OTLP_* endpoint port, or a Service port for the receiver the app needs' },
  'app-protocol-port-mismatch': { edits: ['container-env'], what: 'the app\'s OTEL_EXPORTER_OTLP_PROTOCOL, to what the port it sends to serves' },
};

/** The object kinds each edit changes. */
export const EDIT_TARGETS: Readonly<Record<EditKind, readonly string[]>> = {
  'collector-config': ['ConfigMap', 'OpenTelemetryCollector'],
  'service-ports': ['Service'],
  'container-env': ['Deployment', 'DaemonSet', 'StatefulSet'],
};

/** Where each kind is read and patched (the OpenTelemetryCollector at the version the operator stores). */
export const KIND_RESOURCES: Readonly<Record<string, { apiVersion: string; resource: ResourceRef }>> = {
  ConfigMap: { apiVersion: 'v1', resource: RESOURCES.configmaps },
  Service: { apiVersion: 'v1', resource: RESOURCES.services },
  Deployment: { apiVersion: 'apps/v1', resource: RESOURCES.deployments },
  DaemonSet: { apiVersion: 'apps/v1', resource: RESOURCES.daemonsets },
  StatefulSet: { apiVersion: 'apps/v1', resource: RESOURCES.statefulsets },
  OpenTelemetryCollector: { apiVersion: 'opentelemetry.io/v1beta1', resource: RESOURCES['opentelemetrycollectors.v1beta1'] },
};

export { ROLLABLE } from '../report/fix-commands.ts';

/** The annotation that records what `fix` changed and why: `<rule>[,<rule>] <RFC3339 time>`. */
export const FIXED_ANNOTATION = 'otel-doctor.io/fixed';

/** kubectl rollout restart's annotation on the pod template (kubectl/pkg/polymorphichelpers/objectrestarter.go). */
export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
