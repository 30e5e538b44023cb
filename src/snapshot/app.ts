/** An app container and the OTLP exporter settings its SDK will use, each with where the value came from. */
import type { SourceLocation, WorkloadRef } from './pod.ts';

export type Signal = 'traces' | 'metrics' | 'logs';

export type OtlpProtocol = 'grpc' | 'http/protobuf' | 'http/json';

export type ValueOrigin = 'value' | 'configMap' | 'envFrom' | 'var-ref' | 'instrumentation' | 'fieldRef' | 'secret' | 'default' | 'unresolved';

export interface SettingValue {
  /** the value after $(VAR) expansion; undefined when not knowable (secret) */
  value?: string;
  /** the env var that carried it, e.g. OTEL_EXPORTER_OTLP_TRACES_ENDPOINT */
  env: string;
  origin: ValueOrigin;
  /** human text: `ConfigMap apps/otel key endpoint`, `Instrumentation apps/default` */
  from?: string;
  /** before $(VAR) expansion when it differed */
  raw?: string;
}

export interface AppExporterSettings {
  /** OTEL_EXPORTER_OTLP_ENDPOINT */
  endpoint?: SettingValue;
  protocol?: SettingValue;
  insecure?: SettingValue;
  /** per-signal overrides */
  signals?: Partial<Record<Signal, { endpoint?: SettingValue; protocol?: SettingValue; insecure?: SettingValue }>>;
  /** OTEL_TRACES_EXPORTER etc. ('none' disables OTLP for that signal) */
  exporters?: Partial<Record<Signal, string>>;
  /** OTEL_SDK_DISABLED=true */
  sdkDisabled?: boolean;
  /** certificate env set (OTEL_EXPORTER_OTLP_CERTIFICATE) */
  certificate?: SettingValue;
}

export type SdkLanguage = 'java' | 'python' | 'node' | 'dotnet' | 'go' | 'php' | 'ruby' | 'rust' | 'cpp' | 'erlang' | 'unknown';

export interface SdkGuess {
  language: SdkLanguage;
  /** java: 'agent' (javaagent 2.x) vs 'sdk'; dotnet: 'auto' vs 'sdk' */
  flavour?: 'agent' | 'sdk' | 'auto' | 'unknown';
  /** e.g. agent major version when known */
  version?: string;
  /** what the guess was made from: annotation, image, env JAVA_TOOL_OPTIONS, sim annotation */
  from: string;
  /** the injected agent's default protocol when its image decides it (Java, Node.js: operator-data.ts agentProtocol) */
  defaultProtocol?: { protocol: OtlpProtocol; why: string };
}

export interface AppContainer {
  namespace: string;
  pod: string;
  container: string;
  workload?: WorkloadRef;
  node?: string;
  podIP?: string;
  /** status.podIPs: every family's address, the primary (podIP) first */
  podIPs?: string[];
  /** the node's IP (apps that export to a DaemonSet collector via `$(HOST_IP)`) */
  hostIP?: string;
  hostNetwork?: boolean;
  image?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  exporter: AppExporterSettings;
  sdk?: SdkGuess;
  /** a collector container in the same pod (operator sidecar or hand-written) */
  sidecarCollector?: { container: string; image?: string };
  /**
   * Env outside OTEL_EXPORTER_OTLP_* that names a host (OTEL_COLLECTOR_HOST, TRACELOOP_BASE_URL, ...): apps
   * whose own code or config template builds the exporter target from it, as several demo services do.
   */
  hostEnv?: { env: string; value: string; host: string }[];
  /** injected by the operator: the Instrumentation CR that supplies env */
  instrumentation?: { namespace: string; name: string; language?: string };
  ready?: boolean;
  /**
   * The pod whose probes speak for this container: another app of the same path (namespace, endpoints,
   * protocol, the labels NetworkPolicies select on) probed for both. Absent: its own probes, or none.
   */
  probedBy?: { namespace: string; pod: string; container: string };
  /** pods of this container's template when the cluster was read by template (gather/templates.ts) */
  templatePods?: number;
  location?: SourceLocation;
}
