/**
 * Findings and the Report: what judge() returns and every renderer prints. The JSON shape is the public
 * contract `otel-doctor/v1` (schema/report.schema.json); fields are only ever added, never renamed.
 */
import type { EvidenceSource, Mode, Snapshot, SourceLocation } from '../snapshot.ts';
import type { Hop } from './hops.ts';

export type Severity = 'error' | 'warning' | 'info';

export const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export interface Subject {
  /** Kubernetes kind (Deployment, DaemonSet, Pod, Service, ConfigMap, OpenTelemetryCollector) or 'Cluster' */
  kind: string;
  namespace?: string;
  name: string;
  container?: string;
  /** who owns the object: a Helm release or the OpenTelemetry operator (an edit made by hand is overwritten) */
  managedBy?: ManagedBy;
}

/** What re-renders an object, so a fix edits the source instead of a copy that is overwritten. */
export interface ManagedBy {
  tool: 'helm' | 'operator';
  /** helm: the release (`meta.helm.sh/release-name`, else the pod label `app.kubernetes.io/instance`) */
  release?: string;
  /** helm: the chart as `helm upgrade` takes it, e.g. `open-telemetry/opentelemetry-collector` */
  chart?: string;
  /** helm: the chart version from the `helm.sh/chart` label, when known */
  chartVersion?: string;
  /** operator: the OpenTelemetryCollector CR that generates the workload and its ConfigMap */
  cr?: string;
  namespace?: string;
}

/** The object a fix changes. */
export interface FixObject {
  kind: string;
  namespace?: string;
  name: string;
  /** ConfigMap key, container, CR field (`spec.config`), or Helm value path (`config`) */
  key?: string;
  container?: string;
}

/** Paste-able commands: make the change, make it take effect, check it took. */
export interface FixCommands {
  /** the change itself: `kubectl edit`, `kubectl patch`, `kubectl set env`, `helm upgrade` */
  apply: string[];
  /** the rollout that makes the change take effect (the collector does not reload a changed ConfigMap) */
  restart?: string;
  /** why no restart command is needed, when none is given */
  restartNote?: string;
  /** the diagnosis again, scoped to the object */
  verify: string;
}

export interface Evidence {
  source: EvidenceSource;
  detail: string;
}

export interface Fix {
  summary: string;
  /** the concrete change, e.g. a YAML fragment or `0.0.0.0:4317` */
  patch?: string;
  /** the object to change: `ConfigMap observability/otel-collector key relay`, Helm value, CR */
  target?: string;
  /** the object to change, resolved against the Snapshot (Helm release or operator CR when they own it) */
  object?: FixObject;
  commands?: FixCommands;
}

/** An app affected by a collector-side root cause (correlation folds the app's symptoms here). */
export interface AffectedApp {
  namespace: string;
  workload?: string;
  pod: string;
  container: string;
  endpoint?: string;
  /** the app-side symptoms that this root cause explains */
  symptoms: string[];
}

/**
 * A correlation key (`listen:…`, `not-ready:…`): built only by the constructors of src/rules/keys.ts, so a
 * root cause's `explains` and a symptom's `symptomOf` cannot drift apart by spelling.
 */
export type CorrelationKey = string & { readonly __brand: 'CorrelationKey' };

export interface Finding {
  rule: string;
  /** the kubeconfig context, only when a diagnosis covers several clusters (src/fleet.ts) */
  cluster?: string;
  severity: Severity;
  subject: Subject;
  summary: string;
  rootCause: string;
  evidence: Evidence[];
  fix: Fix;
  /** apps whose failure this finding explains */
  affected?: AffectedApp[];
  /** lint: where in the files */
  location?: SourceLocation;
  /**
   * Correlation (internal, not rendered): `explains` are the symptom keys this root cause accounts for
   * (e.g. `not-ready:Deployment/observability/otel-collector`); a finding whose `symptomOf` meets another
   * finding's `explains` is folded into it, its evidence kept.
   */
  explains?: CorrelationKey[];
  symptomOf?: CorrelationKey[];
  /** the rule's own severity, when a config file overrode it (severity then holds the override) */
  defaultSeverity?: Severity;
  /** in `Report.suppressed` only: who suppressed it and why (src/suppress.ts) */
  suppression?: { by: 'annotation' | 'config' | 'flag'; reason: string; source: string };
}

/**
 * What a rule's check() returns: judge() stamps `rule` from the rule's id, and `severity` from its default
 * when the finding does not set one (a rule sets it only when it differs, e.g. a warning for lesser proof).
 */
export type RuleFinding = Omit<Finding, 'rule' | 'severity'> & { severity?: Severity };

export type CheckStatus = 'pass' | 'fail' | 'skipped' | 'error';

export interface Check {
  /** rule id */
  name: string;
  /** the kubeconfig context, in a fleet report only */
  cluster?: string;
  /** 'Cluster' when the check is global */
  subject: string;
  status: CheckStatus;
  reason?: string;
}

export interface CollectorSummary {
  /** the kubeconfig context, in a fleet report only */
  cluster?: string;
  namespace: string;
  name: string;
  workload?: string;
  image: string;
  version: string | null;
  ready: boolean | null;
  /** receiver endpoints, e.g. `otlp/grpc 0.0.0.0:4317 (all-interfaces)` */
  endpoints: string[];
  listenerMethod?: string;
}

export interface AppSummary {
  /** the kubeconfig context, in a fleet report only */
  cluster?: string;
  namespace: string;
  workload?: string;
  pod: string;
  container: string;
  endpoint?: string;
  protocol?: string;
  sdk?: string;
  /** the worst probe result for this app, when probed */
  probe?: string;
  /** the worst answer to the app's own protocol (ProbeRecord.otlp), when a probe spoke it */
  otlpProbe?: string;
  /** the whole path, app -> Service -> receiver -> pipeline -> exporter -> backend, each hop proven or not (report/hops.ts) */
  hops?: Hop[];
}

export interface Report {
  schemaVersion: 'otel-doctor/v1';
  mode?: Mode;
  generatedAt?: string;
  collectors: CollectorSummary[];
  apps: AppSummary[];
  checks: Check[];
  findings: Finding[];
  notes?: string[];
  /** findings an annotation, the config file or --ignore suppressed: shown, never counted for the exit code */
  suppressed?: Finding[];
  summary: { errors: number; warnings: number; infos: number; suppressed?: number };
}

/** What a rule sees and returns. */
export type RuleCheck = (snapshot: Snapshot) => RuleResult;

/** One subject a rule looked at: passed (no status), or skipped / failed with why. */
export type CheckedEntry = { subject: string; status?: CheckStatus; reason?: string };

/**
 * A rule's result: findings plus which subjects it checked (pass) or could not (skipped, with why).
 * A rule may return bare findings and the engine derives the checks.
 */
export type RuleResult = RuleFinding[] | { findings: RuleFinding[]; checked?: CheckedEntry[]; skipped?: string };

export interface Rule {
  id: string;
  severity: Severity;
  title: string;
  description: string;
  evidence: EvidenceSource[];
  fix: string;
  modes: Mode[];
  check: RuleCheck;
}

/** A subject as the checks[] entries name it: `Kind namespace/name`, no container. */
export function checkSubject(s: Subject): string {
  return `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`;
}

export function subjectText(s: Subject): string {
  return `${s.kind}${s.namespace ? ` ${s.namespace}/` : ' '}${s.name}${s.container ? ` (${s.container})` : ''}`;
}
