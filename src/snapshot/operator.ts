/** The OpenTelemetry operator's objects: Instrumentation and OpenTelemetryCollector CRs, and the inject-<lang> annotations that ask for injection. */
import type { SourceLocation, WorkloadRef } from './pod.ts';

/** An `instrumentation.opentelemetry.io/inject-<lang>` annotation of a workload (or bare pod). */
export interface InjectionRequest {
  workload: WorkloadRef;
  language: string;
  annotation: string;
  value: string;
  /**
   * `pod-template`: where the operator's pod webhook reads it; `workload-metadata`: on the workload's own
   * metadata only, which the webhook never sees (it is admitted pods, not Deployments)
   */
  placement: 'pod-template' | 'workload-metadata';
  /** Instrumentations (`namespace/name`) in the namespace the value selects from; undefined: not listed */
  available?: string[];
  /** the Instrumentation the operator selects, `namespace/name` */
  selected?: string;
  /** why it selects none: the operator's own error text (podmutator.go getInstrumentationInstance) */
  selectError?: string;
  /** diagnose: live pods carrying the annotation and a selectable Instrumentation, yet none of what the operator injects */
  uninjectedPods?: { name: string; created?: string }[];
  /** the selected Instrumentation's creationTimestamp, when known */
  instrumentationCreated?: string;
}

export interface InstrumentationInfo {
  namespace: string;
  name: string;
  exporterEndpoint?: string;
  /** per-language env overrides, e.g. { java: {OTEL_EXPORTER_OTLP_PROTOCOL: ...} } */
  env?: Record<string, string>;
  languageEnv?: Record<string, Record<string, string>>;
  location?: SourceLocation;
}

export interface OtelCollectorCR {
  namespace: string;
  name: string;
  apiVersion: string;
  mode?: string; // deployment | daemonset | statefulset | sidecar
  image?: string;
  /** the config as an object (v1alpha1 string parsed) */
  config?: Record<string, unknown> | null;
  configError?: string;
  location?: SourceLocation;
}
