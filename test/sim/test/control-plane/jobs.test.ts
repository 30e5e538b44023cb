// The Job and CronJob controllers (job-controller.ts, cron.ts, job-strategy.ts) against the store alone:
// names, labels, selectors, owner references and status as the real controllers write them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store, typeByKind, type KObject } from '../../store.ts';
import { startJobControllers } from '../../job-controller.ts';
import { nextCronTime, parseCron } from '../../cron.ts';
import { applyObjects, loadManifests, noMatchError } from '../../manifests.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const JOB = typeByKind('Job')!;
const CRONJOB = typeByKind('CronJob')!;
const POD = typeByKind('Pod')!;

const job = (name: string, spec: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'default' },
  spec: { template: { metadata: { annotations: { a: 'b' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } }, ...spec },
});

async function settle(c: { flush(): Promise<void> }) {
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 30));
    await c.flush();
  }
}

const finish = (store: Store, p: KObject, phase: 'Succeeded' | 'Failed') =>
  store.mutate(POD, p.metadata.namespace, p.metadata.name, (o) => { o.status = { phase }; });

test('a Job gets the generated selector and labels, one pod <job>-xxxxx with the tracking finalizer, and completes', async () => {
  const store = new Store();
  const c = startJobControllers(store);
  try {
    const j = store.create(JOB, job('my-job'));
    const uid = j.metadata.uid!;
    assert.deepEqual(j.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
    assert.equal(j.spec.template.metadata.labels['job-name'], 'my-job');
    assert.equal(j.spec.template.metadata.labels['batch.kubernetes.io/job-name'], 'my-job');
    assert.equal(j.spec.template.metadata.labels['controller-uid'], uid);
    assert.equal(j.spec.backoffLimit, 6);
    assert.equal(j.spec.completions, 1);
    assert.equal(j.metadata.generation, 1);
    await settle(c);
    const pods = store.list(POD);
    assert.equal(pods.length, 1);
    assert.match(pods[0].metadata.name, /^my-job-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(pods[0].metadata.ownerReferences?.map((r) => `${r.kind}/${r.name}/${r.controller}`), ['Job/my-job/true']);
    assert.deepEqual(pods[0].metadata.finalizers, ['batch.kubernetes.io/job-tracking']);
    assert.equal(pods[0].metadata.annotations?.a, 'b');
    let s = store.get(JOB, 'default', 'my-job')!.status;
    assert.equal(s.active, 1);
    assert.equal(s.ready, 0);
    assert.ok(s.startTime);
    finish(store, pods[0], 'Succeeded');
    await settle(c);
    s = store.get(JOB, 'default', 'my-job')!.status;
    assert.equal(s.succeeded, 1);
    assert.equal(s.active, undefined);
    assert.deepEqual(s.conditions.map((x: { type: string; reason: string }) => `${x.type}:${x.reason}`), ['SuccessCriteriaMet:CompletionsReached', 'Complete:CompletionsReached']);
    assert.ok(s.completionTime);
    assert.equal(store.list(POD)[0].metadata.finalizers, undefined, 'a counted pod is released');
    assert.equal(store.list(POD).length, 1, 'no pod after completion');
  } finally {
    c.stop();
  }
});

test('a failed Job pod is replaced only after the back-off; past backoffLimit the Job fails', async () => {
  const store = new Store();
  const c = startJobControllers(store);
  try {
    store.create(JOB, job('flaky', { backoffLimit: 0 }));
    await settle(c);
    finish(store, store.list(POD)[0], 'Failed');
    await settle(c);
    const s = store.get(JOB, 'default', 'flaky')!.status;
    assert.equal(s.failed, 1);
    assert.deepEqual(s.conditions.map((x: { type: string; reason: string }) => `${x.type}:${x.reason}`), ['FailureTarget:BackoffLimitExceeded', 'Failed:BackoffLimitExceeded']);
    assert.equal(store.list(POD).length, 1, 'no replacement for a failed Job');

    store.create(JOB, job('retry', { backoffLimit: 2 }));
    await settle(c);
    const first = store.list(POD).find((p) => p.metadata.name.startsWith('retry-'))!;
    finish(store, first, 'Failed');
    await settle(c);
    assert.equal(store.list(POD).filter((p) => p.metadata.name.startsWith('retry-')).length, 1, 'the replacement waits for the 10 s back-off');
    assert.equal(store.get(JOB, 'default', 'retry')!.status.failed, 1);
  } finally {
    c.stop();
  }
});

test('a suspended Job runs no pod and says so; resumed, it starts', async () => {
  const store = new Store();
  const c = startJobControllers(store);
  try {
    store.create(JOB, job('held', { suspend: true }));
    await settle(c);
    assert.equal(store.list(POD).length, 0);
    let s = store.get(JOB, 'default', 'held')!.status;
    assert.deepEqual(s.conditions.map((x: { type: string; reason: string; message: string }) => `${x.type}:${x.reason}:${x.message}`), ['Suspended:JobSuspended:Job suspended']);
    assert.equal(s.startTime, undefined);
    store.mutate(JOB, 'default', 'held', (o) => { o.spec.suspend = false; });
    await settle(c);
    assert.equal(store.list(POD).length, 1);
    s = store.get(JOB, 'default', 'held')!.status;
    assert.deepEqual(s.conditions.map((x: { type: string; status: string; reason: string }) => `${x.type}:${x.status}:${x.reason}`), ['Suspended:False:JobResumed']);
    assert.ok(s.startTime);
  } finally {
    c.stop();
  }
});

test('parallelism and completions bound the active pods', async () => {
  const store = new Store();
  const c = startJobControllers(store);
  try {
    store.create(JOB, job('par', { completions: 3, parallelism: 2 }));
    await settle(c);
    assert.equal(store.list(POD).length, 2);
    finish(store, store.list(POD)[0], 'Succeeded');
    await settle(c);
    assert.equal(store.list(POD).filter((p) => p.status?.phase !== 'Succeeded').length, 2);
    assert.equal(store.get(JOB, 'default', 'par')!.status.succeeded, 1);
  } finally {
    c.stop();
  }
});

test('a suspended CronJob creates nothing; a due one creates <name>-<minutes> owned by it and lists it active', async () => {
  const store = new Store();
  const c = startJobControllers(store);
  try {
    const tpl = { jobTemplate: { metadata: { labels: { team: 'x' } }, spec: job('').spec } };
    store.create(CRONJOB, { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'off', namespace: 'default' }, spec: { schedule: '* * * * *', suspend: true, ...tpl } });
    const on = store.create(CRONJOB, { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'on', namespace: 'default' }, spec: { schedule: '@yearly', ...tpl } });
    assert.equal(on.spec.concurrencyPolicy, 'Allow');
    assert.equal(on.spec.successfulJobsHistoryLimit, 3);
    await settle(c);
    assert.deepEqual(store.list(JOB), [], 'nothing before the first scheduled time after creation');
    // As if the controller had last run over a year ago: the latest missed 1 January is due now, once.
    const lastJan1 = Date.UTC(new Date().getUTCFullYear(), 0, 1);
    const past = new Date(lastJan1 - 400 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    store.mutate(CRONJOB, 'default', 'on', (o) => { o.status = { lastScheduleTime: past }; });
    await settle(c);
    const jobs = store.list(JOB);
    assert.deepEqual(jobs.map((j) => j.metadata.name), [`on-${lastJan1 / 60_000}`]);
    assert.equal(jobs[0].metadata.labels?.team, 'x');
    assert.ok(jobs[0].metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']);
    assert.equal(jobs[0].metadata.ownerReferences?.[0].kind, 'CronJob');
    const st = store.get(CRONJOB, 'default', 'on')!.status;
    assert.deepEqual(st.active.map((a: { name: string }) => a.name), [jobs[0].metadata.name]);
    assert.equal(store.get(CRONJOB, 'default', 'off')!.status, undefined);
  } finally {
    c.stop();
  }
});

test('cron schedules: fields, steps, names, descriptors, and the day-of-month / day-of-week rule', () => {
  const at = (s: string) => Date.parse(s);
  const next = (sched: string, after: string) => new Date(nextCronTime(parseCron(sched), at(after))!).toISOString();
  assert.equal(next('* * * * *', '2026-12-05T14:00:30Z'), '2026-12-05T14:01:00.000Z');
  assert.equal(next('*/15 * * * *', '2026-12-05T14:01:00Z'), '2026-12-05T14:15:00.000Z');
  assert.equal(next('0 3 * * MON', '2026-12-05T14:00:00Z'), '2026-12-07T03:00:00.000Z');
  assert.equal(next('@monthly', '2026-12-05T14:00:00Z'), '2027-01-01T00:00:00.000Z');
  // Both restricted: either matches, so Monday the 7th comes before the 10th.
  assert.equal(next('0 0 10 * 1', '2026-12-05T14:00:00Z'), '2026-12-07T00:00:00.000Z');
  assert.equal(next('0 0 1-5 JAN-FEB *', '2026-12-05T14:00:00Z'), '2027-01-01T00:00:00.000Z');
  assert.throws(() => parseCron('* * * *'), /exactly 5 fields/);
  assert.throws(() => parseCron('61 * * * *'), /out of range/);
});

test('kinds without a CRD are refused with kubectl\'s error; installed CRDs and new built-ins load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-crds-'));
  writeFileSync(join(dir, 'a.yaml'), [
    'apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: oracle}',
    'apiVersion: kafka.strimzi.io/v1beta1\nkind: KafkaTopic\nmetadata: {name: t}',
    'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: cj}',
    'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: pdb}',
    'apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: old}',
    'apiVersion: example.com/v1\nkind: Foo\nmetadata: {name: foo, namespace: ns1}',
  ].join('\n---\n'));
  const r = loadManifests([dir]);
  assert.deepEqual(r.objects.map((o) => `${o.object.kind}/${o.object.metadata.name}`).sort(), ['CronJob/cj', 'KafkaTopic/t', 'PodDisruptionBudget/pdb', 'Prometheus/oracle']);
  assert.deepEqual(r.skipped.map((s) => `${s.kind}/${s.name}`), ['PodDisruptionBudget/old', 'Foo/foo']);
  assert.equal(r.skipped[1].reason, noMatchError({ apiVersion: 'example.com/v1', kind: 'Foo', metadata: { name: 'foo', namespace: 'ns1' } }, r.skipped[1].source));
  assert.match(r.skipped[1].reason, /^resource mapping not found for name: "foo" namespace: "ns1" from ".*a\.yaml": no matches for kind "Foo" in version "example\.com\/v1"\nensure CRDs are installed first$/);
});

test('apply: an object the server refuses is reported in kubectl\'s words and the rest still applied', () => {
  const store = new Store();
  const cm = typeByKind('ConfigMap')!;
  const objects = ['a', 'bad', 'b'].map((name) => ({ object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } } as KObject, type: cm, source: 'dir/x.yaml' }));
  const refused: string[] = [];
  const invalid = { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 422, reason: 'Invalid', message: 'ConfigMap "bad" is invalid: data: Invalid value' };
  const create = (o: KObject, t: typeof cm) => {
    if (o.metadata.name === 'bad') { throw Object.assign(new Error(invalid.message), { code: 422, status: invalid }); }
    return store.create(t, o);
  };
  applyObjects(objects, create, (o, t) => store.update(t, o), (m) => refused.push(m));
  assert.deepEqual(store.list(cm).map((o) => o.metadata.name), ['a', 'b']);
  assert.deepEqual(refused, ['Error from server (Invalid): error when creating "dir/x.yaml": ConfigMap "bad" is invalid: data: Invalid value']);
  assert.throws(() => applyObjects(objects, create, (o, t) => store.update(t, o)), /is invalid/, 'without a callback the refusal is thrown');
});

test('kubectl get jobs / cronjobs columns: printJob and printCronJob', async () => {
  const { toTable } = await import('../../api/table.ts');
  const store = new Store();
  const c = startJobControllers(store);
  try {
    store.create(JOB, job('done', { completions: 2, parallelism: 2 }));
    store.create(CRONJOB, { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cj', namespace: 'default' }, spec: { schedule: '*/5 * * * *', suspend: true, jobTemplate: { spec: job('').spec } } });
    await settle(c);
    for (const p of store.list(POD)) { finish(store, p, 'Succeeded'); }
    await settle(c);
    const jt = toTable('Job', store.list(JOB), 'None', {}) as unknown as { columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[] }> };
    assert.deepEqual(jt.columnDefinitions.map((d) => d.name), ['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers', 'Images', 'Selector']);
    assert.deepEqual(jt.rows[0].cells.slice(0, 3), ['done', 'Complete', '2/2']);
    const ct = toTable('CronJob', store.list(CRONJOB), 'None', {}) as unknown as { columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[] }> };
    assert.deepEqual(ct.columnDefinitions.map((d) => d.name), ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers', 'Images', 'Selector']);
    assert.deepEqual(ct.rows[0].cells.slice(0, 6), ['cj', '*/5 * * * *', '<none>', 'True', 0, '<none>']);
  } finally {
    c.stop();
  }
});
