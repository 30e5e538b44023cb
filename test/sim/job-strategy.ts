// The API server's create-time defaulting of a batch/v1 Job, which needs the object's UID (so it runs in
// the store's create, after the UID is assigned, as the real registry's Validate runs after BeforeCreate).
// kubernetes pkg/registry/batch/job/strategy.go generateSelector: unless spec.manualSelector is true, the
// pod template gets `controller-uid` and `job-name` (plus the `batch.kubernetes.io/` prefixed pair since
// 1.27, which the selector then uses), and spec.selector.matchLabels selects the UID label.
// pkg/apis/batch/v1/defaults.go: completions and parallelism 1 when both are unset, backoffLimit 6,
// completionMode NonIndexed, suspend false, podReplacementPolicy TerminatingOrFailed (1.29+).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';

export function defaultJob(job: Any): void {
  const spec = (job.spec ??= {});
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= 'TerminatingOrFailed';
  spec.manualSelector = spec.manualSelector === true ? true : undefined;
  if (spec.manualSelector === undefined) { delete spec.manualSelector; }
  if (spec.manualSelector) { return; }
  const uid: string = job.metadata.uid;
  const name: string = job.metadata.name;
  const tpl = (spec.template ??= {});
  tpl.metadata ??= {};
  tpl.metadata.labels = { [CONTROLLER_UID_LABEL]: uid, [JOB_NAME_LABEL]: name, 'controller-uid': uid, 'job-name': name, ...(tpl.metadata.labels ?? {}) };
  spec.selector ??= {};
  spec.selector.matchLabels = { [CONTROLLER_UID_LABEL]: uid, ...(spec.selector.matchLabels ?? {}) };
}

/** pkg/apis/batch/v1/defaults.go SetDefaults_CronJob. */
export function defaultCronJob(cj: Any): void {
  const spec = (cj.spec ??= {});
  spec.concurrencyPolicy ??= 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
}
