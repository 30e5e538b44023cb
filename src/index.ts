/**
 * Library entry: the same pipeline the `diagnose` command runs, for programs that embed otel-doctor.
 * @kubernetes/client-node is loaded only for a context whose credentials need it (cluster/connection.ts).
 */
export { loadKubeconfig, type LoadedKubeconfig, type KubeconfigOptions } from './cluster/kubeconfig.ts';
export { createClusterClient, type ClientOptions } from './cluster/client.ts';
export type { ClusterClient, KObject, ExecResult } from './cluster/types.ts';
export { gather, type GatherOptions } from './gather/index.ts';
export { judge } from './engine.ts';
export { renderReport } from './report/render/index.ts';
export { DoctorError, UsageError, KubeconfigError, ApiError, CannotDiagnoseError } from './errors.ts';
export { pluginVersion, userAgent } from './version.ts';
