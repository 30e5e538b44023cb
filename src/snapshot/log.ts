/** Collector and app log lines matched to known signatures. */

export type LogKind = 'refused' | 'timeout' | 'dns' | 'tls' | 'protocol' | 'unavailable' | 'http-status' | 'ready' | 'startup' | 'bind' | 'config' | 'unset-env' | 'crash' | 'other'
  /** the collector's way out (docs/reference/collector-exporter-logs.md): an exporter's failed send, its full queue, the memory limiter */
  | 'export-failed' | 'queue-full' | 'memory-limit'
  /** an app told by the collector's receiver to back off (its memory limiter refused the data) */
  | 'backpressure';

export interface LogMatch {
  signature: string;
  kind: LogKind;
  line: string;
  /** parsed fields: endpoint, address, component id, ... */
  fields?: Record<string, string>;
}

export interface LogEvidence {
  namespace: string;
  pod: string;
  container: string;
  /** 'collector' | 'app' | 'operator' (the OpenTelemetry operator's manager: its pod webhook's refusals) */
  role: 'collector' | 'app' | 'operator';
  /** previous container instance (crash) */
  previous?: boolean;
  matches: LogMatch[];
  /** last lines, raw (bounded), when a rule wants to quote a crash */
  tail?: string[];
  /** could not read: why */
  error?: string;
}
