/**
 * Findings and the Report: what judge() returns and every renderer prints. The JSON shape is the public
 * contract `otel-doctor/v1` (schema/report.schema.json); fields are only ever added, never renamed.
 */
import type { EvidenceSource, Mode, Snapshot, SourceLocation } from '../snapshot.ts';

export type Severity = 'error' | 'warning' | 'info';

export const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export interface Subject {
  /** Kubernetes kind (Deployment, DaemonSet, Pod, Service, ConfigMap, OpenTelemetryCollector) or 'Cluster' */
  kind: string;
  namespace?: string;
  name: string;
  container?: string;
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
  /** 'Cluster' when the check is global */
  subject: string;
  status: CheckStatus;
  reason?: string;
}

export interface CollectorSummary {
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
  namespace: string;
  workload?: string;
  pod: string;
  container: string;
  endpoint?: string;
  protocol?: string;
  sdk?: string;
  /** the worst probe result for this app, when probed */
  probe?: string;
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
  summary: { errors: number; warnings: number; infos: number };
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

export function subjectText(s: Subject): string {
  return `${s.kind}${s.namespace ? ` ${s.namespace}/` : ' '}${s.name}${s.container ? ` (${s.container})` : ''}`;
}
