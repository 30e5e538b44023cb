/**
 * Pure: has a workload finished rolling out? The checks of `kubectl rollout status`
 * (kubectl/pkg/polymorphichelpers/rollout_status.go: DeploymentStatusViewer, DaemonSetStatusViewer,
 * StatefulSetStatusViewer), so `fix --restart` waits exactly as long as that command would.
 */
import type { KObject } from '../cluster/types.ts';

export interface RolloutState {
  done: boolean;
  message: string;
}

export function rolloutState(o: KObject): RolloutState {
  const name = `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;
  const st = (o.status ?? {}) as Record<string, any>;
  const gen = (o.metadata as { generation?: number }).generation ?? 0;
  if (gen > (st.observedGeneration ?? 0)) { return { done: false, message: `${name}: waiting for the rollout to be observed` }; }
  if (o.kind === 'Deployment') {
    const progressing = (st.conditions ?? []).find((c: { type?: string }) => c.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') { return { done: true, message: `${name}: exceeded its progress deadline` }; }
    const want = o.spec?.replicas ?? 1;
    const updated = st.updatedReplicas ?? 0;
    if (updated < want) { return { done: false, message: `${name}: ${updated} of ${want} updated replicas are available` }; }
    if ((st.replicas ?? 0) > updated) { return { done: false, message: `${name}: ${(st.replicas ?? 0) - updated} old replicas are pending termination` }; }
    if ((st.availableReplicas ?? 0) < updated) { return { done: false, message: `${name}: ${st.availableReplicas ?? 0} of ${updated} updated replicas are available` }; }
    return { done: true, message: `${name} successfully rolled out` };
  }
  if (o.kind === 'DaemonSet') {
    const want = st.desiredNumberScheduled ?? 0;
    if ((st.updatedNumberScheduled ?? 0) < want) { return { done: false, message: `${name}: ${st.updatedNumberScheduled ?? 0} out of ${want} new pods have been updated` }; }
    if ((st.numberAvailable ?? 0) < want) { return { done: false, message: `${name}: ${st.numberAvailable ?? 0} of ${want} updated pods are available` }; }
    return { done: true, message: `${name} successfully rolled out` };
  }
  if (o.kind === 'StatefulSet') {
    const want = o.spec?.replicas ?? 1;
    if ((st.readyReplicas ?? 0) < want) { return { done: false, message: `${name}: ${st.readyReplicas ?? 0} of ${want} pods are ready` }; }
    if (st.updateRevision !== st.currentRevision) { return { done: false, message: `${name}: waiting for the partitioned roll out to finish` }; }
    return { done: true, message: `${name} successfully rolled out` };
  }
  return { done: true, message: `${name}: not a workload with a rollout` };
}
