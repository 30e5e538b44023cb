// The Job and CronJob controllers of kube-controller-manager (pkg/controller/job, pkg/controller/cronjob):
// a Job creates pods `<job>-<5 chars>` up to its parallelism until `completions` of them succeed, replaces
// failed ones after the controller's back-off until `backoffLimit` is passed, and writes the status the
// real controller writes; a CronJob creates a Job `<cronjob>-<minutes since the epoch>` at each time its
// schedule names (UTC), unless suspended, honouring concurrencyPolicy and the history limits.
// Level-triggered like controllers.ts, with its own change listener; started and stopped by it.
// Pods finish only when their process exits: the app stand-in plays every non-collector image and never
// exits, so a Job of `echo ok` stays active here where a real one completes in a second (README).
import { defaultPodSpec, podQosClass, runAdmissionHooks } from './api/admission.ts';
import { KCM, POD, T, controllerRef, isActive, ownerRefTo, tryCreate, tryDelete } from './controller-kit.ts';
import type { Change, KObject, Store } from './store.ts';
import { nextCronTime, parseCron } from './cron.ts';
import { VIRTUAL_ANNOTATION, isVirtualObject } from './virtual.ts';

const JOB = T('Job');
const CRONJOB = T('CronJob');
const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
const SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
// pkg/controller/job: DefaultJobPodFailureBackOff 10 s, doubling, MaxJobPodFailureBackOff 10 min.
const BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 600_000;

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const isFinished = (j: KObject) => (j.status?.conditions ?? []).some((c: { type: string; status: string }) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');

export interface JobControllers { stop(): void; flush(): Promise<void>; reconcile(): void }

export function startJobControllers(store: Store, opts: { debounceMs?: number } = {}): JobControllers {
  const debounceMs = opts.debounceMs ?? 20;
  let timer: NodeJS.Timeout | undefined;
  let wake: NodeJS.Timeout | undefined;
  let stopped = false;
  let idle: Array<() => void> = [];

  const schedule = () => {
    if (stopped || timer) { return; }
    timer = setTimeout(run, debounceMs);
  };
  const onChange = (c: Change) => {
    const k = c.resource.kind;
    if (k === 'Job' || k === 'CronJob' || (k === 'Pod' && controllerRef(c.object)?.kind === 'Job')) { schedule(); }
  };

  function run() {
    timer = undefined;
    if (stopped) { return; }
    try { store.as(KCM, reconcile); } catch (e) { process.stderr.write(`sim job controllers: ${(e as Error).stack ?? e}\n`); }
    if (!timer) {
      const w = idle;
      idle = [];
      for (const f of w) { f(); }
    }
  }

  /** The earliest moment a pass has work to do without any change arriving (a schedule, a back-off). */
  let wakeAt = Infinity;
  const wakeBy = (ms: number) => { wakeAt = Math.min(wakeAt, ms); };

  function reconcile() {
    wakeAt = Infinity;
    const t = Date.now();
    cronJobs(t);
    const pods = store.list(POD);
    for (const j of store.list(JOB)) { job(j, pods.filter((p) => p.metadata.namespace === j.metadata.namespace && controllerRef(p)?.uid === j.metadata.uid), t); }
    if (wake) { clearTimeout(wake); }
    wake = undefined;
    if (wakeAt !== Infinity && !stopped) {
      // setTimeout takes at most 2^31-1 ms (a longer delay becomes 1 ms: a pass every millisecond for a
      // yearly schedule); a pass at the cap finds nothing due and sets the next wake.
      wake = setTimeout(schedule, Math.min(0x7fffffff, Math.max(0, wakeAt - Date.now())));
      wake.unref();
    }
  }

  function job(j: KObject, owned: KObject[], t: number) {
    const ns = j.metadata.namespace;
    const spec = j.spec ?? {};
    // Terminal pods are counted, then released: the controller removes its tracking finalizer.
    const finalizers = (o: KObject) => (o.metadata.finalizers ?? []) as string[];
    for (const p of owned) {
      if (!isActive(p) && finalizers(p).includes(JOB_TRACKING_FINALIZER)) {
        store.mutate(POD, ns, p.metadata.name, (o) => {
          const left = finalizers(o).filter((f) => f !== JOB_TRACKING_FINALIZER);
          if (left.length) { o.metadata.finalizers = left; } else { delete o.metadata.finalizers; }
        });
      }
    }
    if (isFinished(j)) { return; }
    const succeeded = owned.filter((p) => p.status?.phase === 'Succeeded').length;
    const failed = owned.filter((p) => p.status?.phase === 'Failed').length;
    const active = owned.filter(isActive);
    const ready = active.filter((p) => (p.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True')).length;
    const completions: number | undefined = spec.completions ?? undefined;
    const stamp = rfc3339(t);
    const cond = (type: string, reason: string, message: string) => ({ type, status: 'True', lastProbeTime: stamp, lastTransitionTime: stamp, reason, message });

    let conditions: unknown[] | undefined;
    let completionTime: string | undefined;
    if (failed > (spec.backoffLimit ?? 6)) {
      // job_controller.go: FailureTarget first, then Failed once no pod is left running.
      for (const p of active) { tryDelete(store, POD, ns, p.metadata.name); }
      conditions = [cond('FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'), cond('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit')];
    } else if (completions !== undefined ? succeeded >= completions : succeeded > 0 && active.length === 0) {
      conditions = [cond('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods'), cond('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods')];
      completionTime = stamp;
    } else if (spec.suspend) {
      // job_controller.go: a suspended Job's pods are deleted and it says so; startTime is cleared.
      for (const p of active) { tryDelete(store, POD, ns, p.metadata.name); }
    } else {
      const want = Math.min(spec.parallelism ?? 1, completions !== undefined ? completions - succeeded : spec.parallelism ?? 1);
      // A failed pod is replaced only after the back-off (10 s doubling per failure), as the real controller waits.
      const lastFailure = Math.max(0, ...owned.filter((p) => p.status?.phase === 'Failed').map((p) => Date.parse(finishedAt(p) ?? p.metadata.creationTimestamp ?? '') || 0));
      const notBefore = failed ? lastFailure + Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (failed - 1)) : 0;
      if (active.length < want && t < notBefore) { wakeBy(notBefore); }
      for (let i = active.length; i < want && t >= notBefore; i++) { createPod(podFor(j)); }
    }
    store.mutate(JOB, ns, j.metadata.name, (o) => {
      const st = o.status ?? {};
      const next: Record<string, unknown> = {};
      // Suspended stays once set: True while suspended, then False (JobResumed) after a resume.
      const prev = (st.conditions ?? []).find((c: { type: string }) => c.type === 'Suspended');
      const kept = (st.conditions ?? []).filter((c: { type: string }) => c.type !== 'Suspended');
      let suspended = prev;
      if (spec.suspend && !conditions && prev?.status !== 'True') { suspended = cond('Suspended', 'JobSuspended', 'Job suspended'); }
      if (!spec.suspend && prev?.status === 'True') { suspended = { ...cond('Suspended', 'JobResumed', 'Job resumed'), status: 'False' }; }
      const all = [...(suspended ? [suspended] : []), ...kept, ...(conditions ?? [])];
      if (all.length) { next.conditions = all; }
      if (!spec.suspend || conditions) { next.startTime = st.startTime ?? stamp; }
      if (completionTime ?? st.completionTime) { next.completionTime = completionTime ?? st.completionTime; }
      // Counters as Go's omitempty prints them; ready and terminating are pointers, always written.
      const activeNow = conditions ? 0 : owned.filter(isActive).length;
      if (activeNow) { next.active = activeNow; }
      if (succeeded) { next.succeeded = succeeded; }
      if (failed) { next.failed = failed; }
      next.ready = conditions ? 0 : ready;
      next.terminating = 0;
      next.uncountedTerminatedPods = {};
      o.status = next;
    });
  }

  /** A Job deleted by its CronJob goes with its pods (the controller deletes with background propagation). */
  function deleteJob(j: KObject) {
    for (const p of store.list(POD, j.metadata.namespace)) { if (controllerRef(p)?.uid === j.metadata.uid) { tryDelete(store, POD, p.metadata.namespace, p.metadata.name); } }
    tryDelete(store, JOB, j.metadata.namespace, j.metadata.name);
  }

  /** Through the cluster's mutating webhooks as the pod control's POST goes (failurePolicy=ignore), as controllers.ts does. */
  function createPod(pod: KObject) {
    let out = pod;
    try {
      const m = structuredClone(pod);
      runAdmissionHooks(store, POD, m);
      out = m;
    } catch { /* a failing webhook admits the pod unchanged */ }
    defaultPodSpec(out.spec);
    out.status = { ...(out.status ?? {}), qosClass: podQosClass(out.spec) };
    tryCreate(store, POD, out);
  }

  function cronJobs(t: number) {
    const jobs = store.list(JOB);
    for (const cj of store.list(CRONJOB)) {
      const ns = cj.metadata.namespace;
      const spec = cj.spec ?? {};
      const mine = jobs.filter((j) => j.metadata.namespace === ns && controllerRef(j)?.uid === cj.metadata.uid);
      const running = mine.filter((j) => !isFinished(j));
      let lastSchedule: string | undefined = cj.status?.lastScheduleTime;
      const lastSuccess = mine.filter((j) => j.status?.completionTime).map((j) => j.status.completionTime as string).sort().pop();
      let cron;
      try { cron = parseCron(spec.schedule ?? '', spec.timeZone); } catch { cron = undefined; }
      if (cron && !spec.suspend) {
        const since = Date.parse(lastSchedule ?? cj.metadata.creationTimestamp ?? '') || t;
        // The most recent missed time only (the controller starts one Job, not one per missed minute).
        let due: number | undefined;
        for (let at = nextCronTime(cron, since); at !== undefined && at <= t; at = nextCronTime(cron, at)) { due = at; }
        const late = due !== undefined && spec.startingDeadlineSeconds !== undefined && t - due > spec.startingDeadlineSeconds * 1000;
        if (due !== undefined && !late && !(spec.concurrencyPolicy === 'Forbid' && running.length)) {
          if (spec.concurrencyPolicy === 'Replace') { for (const j of running.splice(0)) { deleteJob(j); } }
          const tpl = spec.jobTemplate ?? {};
          const created = tryCreate(store, JOB, {
            apiVersion: 'batch/v1', kind: 'Job',
            metadata: {
              name: `${cj.metadata.name}-${Math.floor(due / 60_000)}`, namespace: ns,
              ...(tpl.metadata?.labels ? { labels: { ...tpl.metadata.labels } } : {}),
              annotations: { ...(tpl.metadata?.annotations ?? {}), ...(isVirtualObject(cj) ? { [VIRTUAL_ANNOTATION]: 'true' } : {}), [SCHEDULED_TIMESTAMP]: rfc3339(due) },
              ownerReferences: [ownerRefTo(cj)],
            },
            spec: structuredClone(tpl.spec ?? {}),
          });
          if (created) { running.push(created); }
          lastSchedule = rfc3339(due);
        }
        const next = nextCronTime(cron, Math.max(t, Date.parse(lastSchedule ?? '') || 0));
        if (next !== undefined) { wakeBy(next); }
      }
      // History limits: the oldest finished Jobs beyond them go.
      const finished = mine.filter(isFinished).sort((a, b) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)));
      const ok = finished.filter((j) => j.status?.completionTime);
      const bad = finished.filter((j) => !j.status?.completionTime);
      for (const j of ok.slice(0, Math.max(0, ok.length - (spec.successfulJobsHistoryLimit ?? 3)))) { deleteJob(j); }
      for (const j of bad.slice(0, Math.max(0, bad.length - (spec.failedJobsHistoryLimit ?? 1)))) { deleteJob(j); }
      store.mutate(CRONJOB, ns, cj.metadata.name, (o) => {
        const st: Record<string, unknown> = {};
        const act = running.map((j) => ({ apiVersion: 'batch/v1', kind: 'Job', name: j.metadata.name, namespace: ns, uid: j.metadata.uid, resourceVersion: j.metadata.resourceVersion }));
        if (act.length) { st.active = act; }
        if (lastSchedule) { st.lastScheduleTime = lastSchedule; }
        if (lastSuccess) { st.lastSuccessfulTime = lastSuccess; }
        // Compared without resourceVersions: a Job's status write must not rewrite the CronJob each time.
        const key = (s: Record<string, unknown>) => JSON.stringify({ ...s, active: (s.active as Array<{ uid: string }> | undefined)?.map((a) => a.uid) });
        if (key(o.status ?? {}) !== key(st)) { o.status = st; }
      });
    }
  }

  store.on('change', onChange);
  schedule();
  return {
    stop() {
      stopped = true;
      if (timer) { clearTimeout(timer); }
      if (wake) { clearTimeout(wake); }
      timer = wake = undefined;
      store.off('change', onChange);
      for (const f of idle) { f(); }
      idle = [];
    },
    flush() {
      if (stopped || !timer) { return Promise.resolve(); }
      return new Promise<void>((resolve) => idle.push(resolve));
    },
    reconcile,
  };
}

function finishedAt(p: KObject): string | undefined {
  return (p.status?.containerStatuses ?? []).map((c: { state?: { terminated?: { finishedAt?: string } } }) => c.state?.terminated?.finishedAt).filter(Boolean).sort().pop();
}

/** A pod as the Job controller's pod control creates it (the template, the owner, the tracking finalizer). */
function podFor(j: KObject): KObject {
  const tpl = j.spec?.template ?? {};
  const spec = structuredClone(tpl.spec ?? {});
  defaultPodSpec(spec);
  const metadata: KObject['metadata'] = {
    name: '', generateName: `${j.metadata.name}-`, namespace: j.metadata.namespace,
    labels: { ...(tpl.metadata?.labels ?? {}) },
    ownerReferences: [ownerRefTo(j)],
    finalizers: [JOB_TRACKING_FINALIZER],
  };
  if (tpl.metadata?.annotations && Object.keys(tpl.metadata.annotations).length) { metadata.annotations = { ...tpl.metadata.annotations }; }
  // A virtual Job's pods are virtual too, as controllers.ts passes the mark (it rides on metadata, not the template).
  if (isVirtualObject(j)) { metadata.annotations = { ...(metadata.annotations ?? {}), [VIRTUAL_ANNOTATION]: 'true' }; }
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec, status: { phase: 'Pending', qosClass: podQosClass(spec) } };
}
