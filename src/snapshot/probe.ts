/** Probes from app pods to collector targets: what answered, with which tool, and why a probe did not run. */
import type { ProbeMethod } from '../gather/probe-tools.ts';
import type { Signal } from './app.ts';
import type { WorkloadRef } from './pod.ts';

export type ProbeTargetKind = 'app-endpoint' | 'service' | 'pod-ip';

export type ProbeResultKind = 'connected' | 'refused' | 'timeout' | 'dns-failure' | 'unreachable' | 'not-run';

/** the tool that decided, as labelled in gather/probe-tools.ts */
export type { ProbeMethod };

/**
 * Why a probe did not run, for code (gather's incomplete entries read this, never the text in `reason`).
 * `malformed-endpoint`: never probed by design (app-endpoint-malformed reports it); `invalid-target`: failed
 * validation at probe time; `no-answer`: tools ran but none could tell; `container-not-running`: crash-
 * looping, completed or unscheduled, nothing to probe from.
 */
export type ProbeNotRunReason = 'malformed-endpoint' | 'invalid-target' | 'no-tool' | 'no-answer' | 'rbac-denied' | 'container-not-running' | 'exec-failed';

export interface ProbeNotRun {
  reason: ProbeNotRunReason;
  /** the underlying text: the endpoint's parse error, the API server's message */
  detail?: string;
}

export interface ProbeRecord {
  /** from: the app pod/container the probe ran in */
  from: { namespace: string; pod: string; container: string; workload?: WorkloadRef };
  target: {
    kind: ProbeTargetKind;
    host: string;
    port: number;
    /** service: namespace/name; pod-ip: namespace/pod of the collector */
    ref?: string;
    /** the app endpoint value it was derived from */
    endpoint?: string;
    signal?: Signal;
  };
  method?: ProbeMethod;
  result: ProbeResultKind;
  /** not-run: why; otherwise the deciding output */
  reason?: string;
  /** not-run: why, for code */
  notRun?: ProbeNotRun;
  raw?: string;
  argv?: string[];
  durationMs?: number;
  /** app-endpoint probes: what the receiver answered when spoken to in the app's own protocol */
  otlp?: OtlpProbeRecord;
  /** the apps on the same path this probe speaks for (itself included): containers, their pods, workloads */
  standsFor?: { apps: number; pods: number; workloads: number; namespaces?: number };
}

/**
 * The OTLP-level probe's reading (gather/otlp-probe.ts). `wrong-protocol`: the other OTLP transport (or
 * something else) answered, `answeredBy` says which; `wrong-path`: 404; `rejected`: another HTTP error
 * (415 content type, 405 method); `tls-expected` / `plaintext-expected`: the two sides disagree on TLS;
 * `tls-ok`: a TLS server answered the ClientHello (the OTLP layer behind it unproven); `no-answer`:
 * connected, nothing recognisable came back; `not-run`: no tool could speak it (`fallback` says why; the
 * record's TCP connect result stands).
 */
export type OtlpProbeResultKind =
  | 'otlp-http-ok' | 'grpc-ok' | 'tls-ok' | 'wrong-protocol' | 'wrong-path' | 'rejected' | 'tls-expected' | 'plaintext-expected' | 'no-answer'
  | 'refused' | 'timeout' | 'dns-failure' | 'not-run';

export interface OtlpProbeRecord {
  /** what was sent: an empty POST, the HTTP/2 preface with SETTINGS, a TLS ClientHello */
  sent: 'http-post' | 'h2-preface' | 'tls-client-hello';
  path?: string;
  contentType?: string;
  result: OtlpProbeResultKind;
  answeredBy?: 'otlp-http' | 'http/1.1' | 'http/2' | 'tls' | 'none';
  status?: number;
  detail: string;
  /** the speaker that ran (bash, python3) */
  tool?: string;
  argv?: string[];
  /** not-run: why the probe stayed a TCP connect */
  fallback?: string;
}
