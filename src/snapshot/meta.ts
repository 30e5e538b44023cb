/** The Snapshot's own facts: when and how it was gathered, what the user may do, what could not be checked, how much each piece of evidence stands for. */

export type Mode = 'diagnose' | 'lint';

/** Where a fact came from: the manifest/config, the API (status, endpoints), an exec in a pod, a log line. */
export type EvidenceSource = 'config' | 'api' | 'exec' | 'log';

/** How much of the cluster each piece of evidence speaks for (gather/templates.ts, gather/plan.ts). */
export interface SamplingSummary {
  /** pods in scope, and their templates (one pod read per template); absent when every pod was read */
  pods?: number;
  templates?: number;
  /** templates whose pod was read from the API; the others' were made from their owner's template */
  podsRead?: number;
  /** app containers, the distinct paths among them, and the pods that probed */
  apps: number;
  probeGroups: number;
  probePods: number;
  /** per collector workload: its pods, how many were read and checked, and why */
  collectors?: { namespace: string; workload: string; pods: number; sampled: number; notReady: number; restarting: number; nodePools?: number }[];
}

/** An object's `otel-doctor.io/ignore: "<rule-id>[,<rule-id>]: <reason>"`, parsed. */
export interface IgnoreAnnotation {
  kind: string;
  namespace?: string;
  name: string;
  rules: string[];
  reason: string;
  /** where the annotation was found when not on the object itself, e.g. `pod template` */
  via?: string;
}

export interface SnapshotMeta {
  /** ISO 8601 time the gathering started */
  time: string;
  mode: Mode;
  /** API server URL (diagnose) */
  server?: string;
  context?: string;
  /** namespaces where collectors were looked for */
  collectorNamespaces: string[];
  /** namespaces where apps were looked for; ['*'] for cluster-wide */
  appNamespaces: string[];
  /** false with --no-exec or in lint: no socket checks, no probes */
  exec: boolean;
  /** false in lint: no logs */
  logs?: boolean;
  /** lint: --collector-version, used when an image tag does not tell */
  assumedCollectorVersion?: string;
  /** the OpenTelemetry operator's version (null: unknown, its current release assumed) and how it was learnt */
  operator?: { version: string | null; source: string };
  pluginVersion?: string;
  /** lint: the files read */
  files?: string[];
}

/** What the user may do, from SelfSubjectAccessReviews. undefined = not asked (lint). */
export interface Permissions {
  /** one entry per review made */
  reviews: AccessReview[];
}

export interface AccessReview {
  verb: string; // list | get | create
  resource: string; // pods | pods/exec | pods/log | services | ...
  group?: string;
  /** undefined = cluster-wide */
  namespace?: string;
  allowed: boolean;
  reason?: string;
}

export interface IncompleteCheck {
  /** which check: 'listen-sockets', 'probes', 'logs', 'list-apps', ... */
  check: string;
  subject?: { kind: string; namespace?: string; name: string; container?: string };
  reason: string;
  /** the permission or flag that would let it run, e.g. an RBAC rule in YAML, or `drop --no-exec` */
  remedy?: string;
  /** the RBAC rule to add, as text */
  rbac?: string;
}
