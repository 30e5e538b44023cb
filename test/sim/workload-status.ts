// Workload status as the real controllers write it: counters with Go's omitempty (zero counters left out
// unless the API always shows them), Deployment conditions with their real reasons and messages.
import type { KObject, Store } from './store.ts';
import { DEPLOY, DS, POD, RS, STS, isActive, isPodReady, nodeFits, now, ownedBy, podTemplateHash, writeStatus } from './controller-kit.ts';
import { isVirtualNode, isVirtualObject } from './virtual.ts';

interface Cond { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string; lastUpdateTime?: string }
/** Keeps a condition's timestamps when nothing about it changed, so a status write is a no-op (and wakes no one). */
function mergeConditions(old: Cond[] | undefined, next: Cond[], withUpdateTime: boolean): Cond[] {
  return next.map((c) => {
    const prev = old?.find((o) => o.type === c.type);
    const same = prev && prev.status === c.status && prev.reason === c.reason && prev.message === c.message;
    const t = now();
    const out: Cond = { type: c.type, status: c.status };
    if (withUpdateTime) { out.lastUpdateTime = same ? prev.lastUpdateTime : t; }
    out.lastTransitionTime = prev && prev.status === c.status ? prev.lastTransitionTime : t;
    if (c.reason) { out.reason = c.reason; }
    if (c.message) { out.message = c.message; }
    return out;
  });
}

/** Go's `omitempty`: real status objects leave zero counters out, and clients must cope. */
function omitZero(o: Record<string, unknown>, keep: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) { if (keep.includes(k) || (v !== 0 && v !== undefined)) { out[k] = v; } }
  return out;
}

/**
 * Writes the status of every ReplicaSet, Deployment, DaemonSet and StatefulSet from their pods, found
 * through the store's owner index; a status that has not changed is not written.
 */
export function workloadStatus(store: Store, nodeList: () => KObject[]) {
  const podsOf = (r: KObject) => ownedBy(store, POD, r).filter(isActive);
  for (const r of store.select(RS)) {
    const owned = podsOf(r);
    const ready = owned.filter(isPodReady).length;
    const status = omitZero({
      replicas: owned.length,
      fullyLabeledReplicas: owned.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: r.metadata.generation,
    }, ['replicas']);
    writeStatus(store, RS, r, status);
  }
  for (const d of store.select(DEPLOY)) {
    const owned = ownedBy(store, RS, d);
    const newRs = owned.find((r) => r.metadata.name === `${d.metadata.name}-${podTemplateHash(d.spec?.template)}`);
    const all = owned.flatMap(podsOf);
    const updated = newRs ? podsOf(newRs) : [];
    const want: number = d.spec?.replicas ?? 1;
    const ready = all.filter(isPodReady).length;
    const available = ready;
    const maxUnavailable = maxUnavailableOf(d, want);
    const isAvailable = available >= want - maxUnavailable;
    const complete = newRs && updated.length === want && all.length === want && updated.filter(isPodReady).length === want;
    const conditions = mergeConditions(d.status?.conditions, [
      isAvailable
        ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
        : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
      complete
        ? { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${newRs.metadata.name}" has successfully progressed.` }
        : { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${newRs?.metadata.name ?? `${d.metadata.name}-${podTemplateHash(d.spec?.template)}`}" is progressing.` },
    ], true);
    const status = {
      ...omitZero({
        observedGeneration: d.metadata.generation,
        replicas: all.length,
        updatedReplicas: updated.length,
        readyReplicas: ready,
        availableReplicas: available,
        unavailableReplicas: Math.max(0, want - available),
      }),
      conditions,
    };
    writeStatus(store, DEPLOY, d, status);
  }
  const nodes = nodeList();
  for (const ds of store.select(DS)) {
    const owned = podsOf(ds);
    const virtualOnly = isVirtualObject(ds);
    const desired = nodes.filter((n) => (!virtualOnly || isVirtualNode(n)) && nodeFits(n, ds.spec?.template?.spec)).length;
    const ready = owned.filter(isPodReady).length;
    const hash = podTemplateHash(ds.spec?.template);
    const status = omitZero({
      currentNumberScheduled: owned.length,
      desiredNumberScheduled: desired,
      numberMisscheduled: 0,
      numberReady: ready,
      observedGeneration: ds.metadata.generation,
      updatedNumberScheduled: owned.filter((p) => p.metadata.labels?.['controller-revision-hash'] === hash).length,
      numberAvailable: ready,
      numberUnavailable: Math.max(0, desired - ready),
    }, ['currentNumberScheduled', 'desiredNumberScheduled', 'numberMisscheduled', 'numberReady']);
    writeStatus(store, DS, ds, status);
  }
  for (const s of store.select(STS)) {
    const owned = podsOf(s);
    const ready = owned.filter(isPodReady).length;
    const revision = `${s.metadata.name}-${podTemplateHash(s.spec?.template)}`;
    const status = {
      ...omitZero({
        observedGeneration: s.metadata.generation,
        replicas: owned.length,
        readyReplicas: ready,
        currentReplicas: owned.length,
        updatedReplicas: owned.length,
        availableReplicas: ready,
      }, ['replicas', 'availableReplicas']),
      currentRevision: revision,
      updateRevision: revision,
      collisionCount: 0,
    };
    writeStatus(store, STS, s, status);
  }
}

function maxUnavailableOf(d: KObject, replicas: number): number {
  if (d.spec?.strategy?.type === 'Recreate') { return 0; }
  const v = d.spec?.strategy?.rollingUpdate?.maxUnavailable ?? '25%';
  if (typeof v === 'number') { return v; }
  const m = /^(\d+)%$/.exec(String(v));
  return m ? Math.floor((replicas * Number(m[1])) / 100) : Number(v) || 0;
}
