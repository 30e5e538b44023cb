/** What every pod-backed subject carries: its workload, container status, ports, probes, and where in the files it was written. */

export type WorkloadKind = 'Deployment' | 'DaemonSet' | 'StatefulSet' | 'ReplicaSet' | 'Job' | 'Pod' | 'OpenTelemetryCollector' | 'Sidecar' | string;

export interface WorkloadRef {
  kind: WorkloadKind;
  name: string;
  namespace: string;
}

export interface ContainerStatusSummary {
  name: string;
  ready: boolean;
  restartCount: number;
  /** running | waiting | terminated */
  state: string;
  /** e.g. CrashLoopBackOff, Error, OOMKilled */
  reason?: string;
  message?: string;
  exitCode?: number;
  lastTerminationReason?: string;
  lastTerminationExitCode?: number;
}

export interface ContainerPortInfo {
  name?: string;
  containerPort: number;
  protocol?: string; // TCP default
  hostPort?: number;
}

export interface HttpProbeInfo {
  type: 'httpGet' | 'tcpSocket' | 'grpc' | 'exec';
  /** numeric or named port as written */
  port?: number | string;
  /** resolved numeric port when named */
  resolvedPort?: number;
  path?: string;
  /** httpGet.host: rarely set; kubelet dials the pod IP otherwise */
  host?: string;
}

export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}
