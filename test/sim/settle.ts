// When a cluster has settled: every workload has its pods, and every pod is Ready, crash-looping, done, or
// stuck where a real kubelet would leave it. Bring-up waits for this before it hands the cluster over.
import { typeByKind, type KObject, type Store } from './store.ts';
import { isPodReady, type Controllers } from './controllers.ts';

export class SettleError extends Error {
  readonly unsettled: string[];
  constructor(timeoutMs: number, unsettled: string[]) {
    super(`not settled after ${timeoutMs / 1000}s:\n  ${unsettled.join('\n  ')}`);
    this.unsettled = unsettled;
  }
}

const T = (kind: string) => typeByKind(kind)!;

// Waiting reasons a pod does not leave by itself: as "settled" as CrashLoopBackOff for our purpose.
const STUCK_REASONS = new Set(['CrashLoopBackOff', 'CreateContainerConfigError', 'CreateContainerError', 'ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'RunContainerError']);

/**
 * Why a pod has not settled, or undefined when it has: Ready, crash-looping, finished, or stuck where a
 * real kubelet would leave it for good (a volume that cannot mount, e.g. a ConfigMap no manifest declares).
 */
export function podUnsettledReason(p: KObject, failedMount = false, readinessFailing = false): string | undefined {
  const phase = p.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') { return undefined; }
  if (isPodReady(p)) { return undefined; }
  if (failedMount) { return undefined; }
  // Running but failing its readiness probe again and again is a steady state too (e.g. a health_check
  // bound to loopback with only a readiness probe): the kubelet never restarts it for that.
  if (readinessFailing && phase === 'Running') { return undefined; }
  const statuses = [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])];
  for (const cs of statuses) {
    const reason = cs.state?.waiting?.reason;
    if (reason === 'CrashLoopBackOff' && (cs.restartCount ?? 0) >= 1) { return undefined; }
    if (reason && reason !== 'CrashLoopBackOff' && STUCK_REASONS.has(reason)) { return undefined; }
  }
  if (!p.spec?.nodeName) { return 'not scheduled'; }
  const waiting = statuses.map((cs) => cs.state?.waiting?.reason).filter(Boolean);
  const notReady = statuses.filter((cs) => !cs.ready).map((cs) => cs.name);
  return `${phase ?? 'no status'}${waiting.length ? ` (${waiting.join(', ')})` : ''}${notReady.length ? `, not ready: ${notReady.join(', ')}` : ''}`;
}

/** Everything not yet settled: workloads short of pods, then pods neither Ready nor crash-looping nor done. */
export function unsettled(store: Store): string[] {
  const out: string[] = [];
  const desired = (o: KObject) => (o.spec?.replicas ?? 1) as number;
  for (const d of store.select(T('Deployment'))) {
    if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 1) || (d.status?.replicas ?? 0) !== desired(d)) { out.push(`deployment ${d.metadata.namespace}/${d.metadata.name}: ${d.status?.replicas ?? 0}/${desired(d)} pods`); }
  }
  for (const s of store.select(T('StatefulSet'))) {
    if ((s.status?.replicas ?? 0) !== desired(s)) { out.push(`statefulset ${s.metadata.namespace}/${s.metadata.name}: ${s.status?.replicas ?? 0}/${desired(s)} pods`); }
  }
  for (const ds of store.select(T('DaemonSet'))) {
    if (ds.status?.desiredNumberScheduled === undefined || ds.status.currentNumberScheduled !== ds.status.desiredNumberScheduled) { out.push(`daemonset ${ds.metadata.namespace}/${ds.metadata.name}: ${ds.status?.currentNumberScheduled ?? 0}/${ds.status?.desiredNumberScheduled ?? '?'} pods`); }
  }
  const failedMount = new Set(store.select(T('Event'))
    .filter((e) => e.reason === 'FailedMount' && e.involvedObject?.kind === 'Pod')
    .map((e) => `${e.involvedObject.namespace}/${e.involvedObject.uid ?? e.involvedObject.name}`));
  const readinessFailing = new Set(store.select(T('Event'))
    .filter((e) => e.reason === 'Unhealthy' && e.involvedObject?.kind === 'Pod' && /^Readiness probe failed/.test(e.message ?? '') && (e.count ?? 1) >= 3)
    .map((e) => `${e.involvedObject.namespace}/${e.involvedObject.uid ?? e.involvedObject.name}`));
  for (const p of store.select(T('Pod'), { unordered: true })) {
    const id = `${p.metadata.namespace}/${p.metadata.uid}`;
    const why = podUnsettledReason(p, failedMount.has(id), readinessFailing.has(id));
    if (why) { out.push(`pod ${p.metadata.namespace}/${p.metadata.name}: ${why}`); }
  }
  return out;
}

export async function waitSettled(store: Store, controllers: Controllers, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    await controllers.flush();
    const left = unsettled(store);
    if (!left.length) { return; }
    if (Date.now() > deadline) { throw new SettleError(timeoutMs, left); }
    await new Promise((r) => setTimeout(r, 100));
  }
}
