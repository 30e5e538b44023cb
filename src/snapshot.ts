/**
 * The Snapshot: everything a diagnosis learned, gathered once, as plain JSON-serialisable data.
 *
 * gather/ fills it (from a cluster), lint/ fills it (from manifests, for `lint`), tests write it as YAML.
 * Rules read it and nothing else. Contract: fields are ADDED (optional), never renamed, so a recorded
 * snapshot keeps working; a field nothing reads may be dropped (a snapshot that still carries it loads). Absent facts are `undefined`/empty and mean "not known", never "fine":
 * a rule that needs a fact that is absent skips instead of guessing.
 */
import type { IgnoreAnnotation, IncompleteCheck, Permissions, SamplingSummary, SnapshotMeta } from './snapshot/meta.ts';
import type { CollectorPod } from './snapshot/collector.ts';
import type { NetworkPolicyInfo, ServiceInfo } from './snapshot/network.ts';
import type { AppContainer } from './snapshot/app.ts';
import type { ProbeRecord } from './snapshot/probe.ts';
import type { LogEvidence } from './snapshot/log.ts';
import type { InjectionRequest, InstrumentationInfo, OtelCollectorCR } from './snapshot/operator.ts';

// The types by concern, one file each; every importer keeps importing them from here.
export type * from './snapshot/meta.ts';
export type * from './snapshot/pod.ts';
export type * from './snapshot/collector.ts';
export type * from './snapshot/network.ts';
export type * from './snapshot/app.ts';
export type * from './snapshot/probe.ts';
export type * from './snapshot/log.ts';
export type * from './snapshot/operator.ts';

export const SNAPSHOT_VERSION = 'otel-doctor-snapshot/v1';

export interface Snapshot {
  /** SNAPSHOT_VERSION; optional so that hand-written fixtures can omit it */
  version?: string;
  meta: SnapshotMeta;
  permissions?: Permissions;
  collectors: CollectorPod[];
  services: ServiceInfo[];
  networkPolicies: NetworkPolicyInfo[];
  apps: AppContainer[];
  probes: ProbeRecord[];
  logs: LogEvidence[];
  instrumentations: InstrumentationInfo[];
  otelCollectorCRs: OtelCollectorCR[];
  notes: string[];
  incomplete: IncompleteCheck[];
  /** namespaces seen with their labels (NetworkPolicy namespaceSelector needs them) */
  namespaces?: { name: string; labels: Record<string, string> }[];
  /** `otel-doctor.io/ignore` annotations found on the objects read (src/suppress.ts applies them) */
  ignores?: IgnoreAnnotation[];
  /** the operator's `inject-<lang>` annotations, where each is written and what the operator makes of it (gather/injection.ts) */
  injectionRequests?: InjectionRequest[];
  /** what the evidence stands for where it was sampled: pods read by template, probes per path, collector pods */
  sampling?: SamplingSummary;
}

/** An empty snapshot to start from (gather, lint and tests). */
export function emptySnapshot(meta: Partial<SnapshotMeta> = {}): Snapshot {
  return {
    version: SNAPSHOT_VERSION,
    meta: { time: new Date(0).toISOString(), mode: 'diagnose', collectorNamespaces: [], appNamespaces: [], exec: true, ...meta },
    collectors: [],
    services: [],
    networkPolicies: [],
    apps: [],
    probes: [],
    logs: [],
    instrumentations: [],
    otelCollectorCRs: [],
    notes: [],
    incomplete: [],
  };
}

/** Fill absent arrays, so a hand-written or older snapshot can be judged. */
export function normalizeSnapshot(s: Partial<Snapshot> & { meta?: Partial<SnapshotMeta> }): Snapshot {
  const base = emptySnapshot(s.meta ?? {});
  return {
    ...base,
    ...s,
    meta: base.meta,
    collectors: (s.collectors ?? []).map((c) => ({
      ...c,
      labels: c.labels ?? {},
      containerPorts: c.containerPorts ?? [],
      configSources: c.configSources ?? [],
      restarts: c.restarts ?? 0,
      ready: c.ready ?? null,
      version: c.version ?? null,
    })),
    services: (s.services ?? []).map((v) => ({ ...v, ports: v.ports ?? [], matchedCollectorPods: v.matchedCollectorPods ?? [], type: v.type ?? 'ClusterIP' })),
    networkPolicies: s.networkPolicies ?? [],
    apps: (s.apps ?? []).map((a) => ({ ...a, exporter: a.exporter ?? {} })),
    probes: s.probes ?? [],
    logs: s.logs ?? [],
    instrumentations: s.instrumentations ?? [],
    otelCollectorCRs: s.otelCollectorCRs ?? [],
    notes: s.notes ?? [],
    incomplete: s.incomplete ?? [],
  };
}
