// Pod events as the kubelet records them: one Event per pod, container field path, reason and message,
// its count and lastTimestamp bumped when the same thing happens again.
import { randomBytes } from 'node:crypto';
import type { Store } from '../store.ts';
import { typeByKind } from '../store.ts';
import { now, type ContainerRun, type PodState } from './pod-status.ts';

const EVENT = typeByKind('Event')!;

export class PodEvents {
  private readonly store: Store;
  private readonly eventNames = new Map<string, string>();
  constructor(store: Store) { this.store = store; }

  /** Records an event about the pod (and container `cr`); best effort, as in a real cluster. */
  record(ps: PodState, type: 'Normal' | 'Warning', reason: string, message: string, cr?: ContainerRun): void {
    const fieldPath = cr ? `spec.${cr.kind === 'init' ? 'initContainers' : cr.kind === 'ephemeral' ? 'ephemeralContainers' : 'containers'}{${cr.name}}` : undefined;
    const key = `${ps.uid}|${fieldPath}|${reason}|${message}`;
    const ts = now();
    const existing = this.eventNames.get(key);
    // The kubelet's event recorder writes as kubelet (no subresource).
    this.store.as({ manager: 'kubelet', operation: 'Update' }, () => this.recordNow(ps, key, existing, fieldPath, type, reason, message, ts));
  }

  private recordNow(ps: PodState, key: string, existing: string | undefined, fieldPath: string | undefined, type: string, reason: string, message: string, ts: string): void {
    try {
      if (existing) {
        const updated = this.store.mutate(EVENT, ps.ns, existing, (e) => { e.count = (e.count ?? 1) + 1; e.lastTimestamp = ts; });
        if (updated) { return; }
      }
      const name = `${ps.name}.${randomBytes(8).toString('hex')}`;
      this.store.create(EVENT, {
        apiVersion: 'v1', kind: 'Event',
        metadata: { name, namespace: ps.ns },
        involvedObject: { apiVersion: 'v1', kind: 'Pod', name: ps.name, namespace: ps.ns, uid: ps.uid, ...(fieldPath ? { fieldPath } : {}) },
        reason, message, type, count: 1,
        firstTimestamp: ts, lastTimestamp: ts, eventTime: null,
        source: { component: 'kubelet', host: ps.pod.spec?.nodeName },
        reportingComponent: 'kubelet', reportingInstance: ps.pod.spec?.nodeName ?? '',
      });
      this.eventNames.set(key, name);
    } catch { /* events are best effort, as in a real cluster */ }
  }
}
