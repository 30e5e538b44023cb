// The kubelet's record of each pod and container it runs (attempts, restarts, conditions), and the Pod
// status it writes from that record: phase, conditions and container statuses as the real kubelet does.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants as osConstants } from 'node:os';
import type { KObject } from '../store.ts';
import { podQosClass } from '../api/admission.ts';
import { imageID, normalizeImage } from './images.ts';
import type { CriLogWriter } from './logs.ts';

/** Kubernetes timestamps: RFC 3339 in whole seconds. */
export const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
/** The 64 hex digits of a containerd container or exec ID. */
export const hex64 = () => randomBytes(32).toString('hex');

/**
 * A process's status as containerd reports it: its exit code, or 128 + the number of the signal that
 * killed it (139 for SIGSEGV, 137 for SIGKILL). `ip netns exec` execs the command in place, so the
 * signal seen here is the command's own.
 */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) { return code; }
  return 128 + (signal ? osConstants.signals[signal] ?? 9 : 9);
}

export interface Attempt {
  containerID: string;
  startedAt: string;
  startedMs: number;
  finishedAt?: string;
  exitCode?: number;
  reason?: string;
  logFile: string;
}

export type ContainerKind = 'init' | 'container' | 'ephemeral';

export interface ContainerRun {
  name: string;
  kind: ContainerKind;
  spec: KObject['spec'];
  /** One per started process; index == restartCount of that attempt == its log file number. */
  history: Attempt[];
  phase: 'waiting' | 'running' | 'terminated';
  waiting?: { reason: string; message?: string };
  child?: ChildProcess;
  log?: CriLogWriter;
  ready: boolean;
  started: boolean;
  crashes: number;
  /** Bumped on every start and exit, so stale timers and probe answers are ignored. */
  gen: number;
  timers: Set<NodeJS.Timeout>;
  killReason?: string;
  env: Array<{ name: string; value: string }>;
  profileDir?: string;
  root: string;
  everRan: boolean;
}

export interface PodState {
  key: string;
  ns: string;
  name: string;
  uid: string;
  pod: KObject;
  dir: string;
  logDir: string;
  netns?: string;
  podIP?: string;
  hostIP?: string;
  /** Every family's address, primary first (dual-stack: IPv4 then IPv6); podIP/hostIP are the first. */
  podIPs?: string[];
  hostIPs?: string[];
  startTime: string;
  containers: Map<string, ContainerRun>;
  deleted: boolean;
  conditions: Map<string, { status: string; lastTransitionTime: string; reason?: string; message?: string }>;
  statusQueued: boolean;
}

/** A native sidecar: an init container with restartPolicy Always, which runs beside the main containers. */
export function isSidecar(cr: ContainerRun): boolean { return cr.kind === 'init' && cr.spec.restartPolicy === 'Always'; }

export function containerStatus(cr: ContainerRun): KObject['spec'] {
  const h = cr.history;
  const last = h[h.length - 1];
  const image = normalizeImage(cr.spec.image ?? '');
  const term = (a: Attempt) => ({ terminated: { exitCode: a.exitCode, reason: a.reason, startedAt: a.startedAt, finishedAt: a.finishedAt, containerID: a.containerID } });
  let state: KObject['spec'];
  let lastState: KObject['spec'] = {};
  if (cr.phase === 'running' && last) {
    state = { running: { startedAt: last.startedAt } };
    if (h.length > 1) { lastState = term(h[h.length - 2]); }
  } else if (cr.phase === 'terminated' && last) {
    state = term(last);
    if (h.length > 1) { lastState = term(h[h.length - 2]); }
  } else {
    state = { waiting: cr.waiting?.message ? { reason: cr.waiting.reason, message: cr.waiting.message } : { reason: cr.waiting?.reason ?? 'ContainerCreating' } };
    if (last?.finishedAt) { lastState = term(last); }
  }
  const s: KObject['spec'] = {
    name: cr.name,
    state,
    lastState,
    ready: cr.ready,
    restartCount: Math.max(0, h.length - 1),
    image,
    imageID: last ? imageID(cr.spec.image ?? '') : '',
  };
  if (last) { s.containerID = last.containerID; }
  if (cr.kind !== 'ephemeral') { s.started = cr.phase === 'running' && cr.started; }
  return s;
}

function setCondition(ps: PodState, type: string, ok: boolean, reason?: string, message?: string): void {
  const status = ok ? 'True' : 'False';
  const cur = ps.conditions.get(type);
  const lastTransitionTime = cur && cur.status === status ? cur.lastTransitionTime : now();
  ps.conditions.set(type, { status, lastTransitionTime, ...(ok ? {} : { reason, message }) });
}

/** The Pod status the kubelet writes: phase, conditions (with stable transition times), container statuses. */
export function buildStatus(ps: PodState): KObject['spec'] {
  const runs = [...ps.containers.values()];
  const inits = runs.filter((r) => r.kind === 'init');
  const mains = runs.filter((r) => r.kind === 'container');
  const ephemerals = runs.filter((r) => r.kind === 'ephemeral');
  const sidecars = inits.filter((r) => isSidecar(r));
  const regular = [...mains, ...sidecars];

  const initialized = ps.netns !== undefined && inits.every((r) => (isSidecar(r) ? r.started : r.phase === 'terminated'));
  const unready = regular.filter((r) => !r.ready).map((r) => r.name);
  const policy: string = ps.pod.spec?.restartPolicy ?? 'Always';
  let phase = 'Pending';
  const allStarted = regular.every((r) => r.history.length > 0);
  if (allStarted && initialized) { phase = 'Running'; }
  if (policy !== 'Always' && mains.length > 0 && mains.every((r) => r.phase === 'terminated')) {
    phase = mains.every((r) => r.history[r.history.length - 1]?.exitCode === 0) ? 'Succeeded' : 'Failed';
  }
  const complete = phase === 'Succeeded' || phase === 'Failed';

  setCondition(ps, 'PodReadyToStartContainers', ps.netns !== undefined);
  setCondition(ps, 'Initialized', initialized, 'ContainersNotInitialized', `containers with incomplete status: [${inits.filter((r) => r.phase !== 'terminated' && !r.started).map((r) => r.name).join(' ')}]`);
  const notReadyReason = complete ? 'PodCompleted' : 'ContainersNotReady';
  const notReadyMsg = complete ? undefined : `containers with unready status: [${unready.join(' ')}]`;
  setCondition(ps, 'ContainersReady', unready.length === 0 && !complete, notReadyReason, notReadyMsg);
  setCondition(ps, 'Ready', unready.length === 0 && !complete, notReadyReason, notReadyMsg);
  setCondition(ps, 'PodScheduled', true);
  const conditions = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => {
    const c = ps.conditions.get(type)!;
    return { type, status: c.status, lastProbeTime: null, lastTransitionTime: c.lastTransitionTime, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) };
  });

  const status: KObject['spec'] = {
    phase,
    conditions,
    hostIP: ps.hostIP,
    hostIPs: ps.hostIP ? (ps.hostIPs ?? [ps.hostIP]).map((ip) => ({ ip })) : undefined,
    podIP: ps.podIP,
    podIPs: ps.podIP ? (ps.podIPs ?? [ps.podIP]).map((ip) => ({ ip })) : undefined,
    startTime: ps.startTime,
    containerStatuses: mains.map((r) => containerStatus(r)),
    qosClass: podQosClass(ps.pod.spec),
  };
  if (inits.length) { status.initContainerStatuses = inits.map((r) => containerStatus(r)); }
  if (ephemerals.length) { status.ephemeralContainerStatuses = ephemerals.map((r) => containerStatus(r)); }
  for (const k of Object.keys(status)) { if (status[k] === undefined) { delete status[k]; } }
  return status;
}
