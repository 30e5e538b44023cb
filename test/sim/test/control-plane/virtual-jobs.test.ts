// Jobs and CronJobs from --virtual-manifests: the mark (virtual.ts VIRTUAL_ANNOTATION) reaches the Jobs a
// CronJob creates and the pods a Job creates, as controllers.ts passes it to ReplicaSets and pods, so
// the scheduler puts them on virtual nodes; a Job without the mark makes pods without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store, typeByKind, type KObject } from '../../store.ts';
import { startJobControllers } from '../../job-controller.ts';
import { VIRTUAL_ANNOTATION, isVirtualObject, markVirtual } from '../../virtual.ts';

const JOB = typeByKind('Job')!;
const CRONJOB = typeByKind('CronJob')!;
const POD = typeByKind('Pod')!;

const jobSpec = () => ({ template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } });
const job = (name: string): KObject => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'default' }, spec: jobSpec() });

test('a virtual Job\'s pods carry the virtual mark; a real Job\'s do not', async () => {
  const store = new Store();
  const c = startJobControllers(store);
  try {
    store.create(JOB, markVirtual(job('v')));
    store.create(JOB, job('r'));
    await c.flush();
    const pods = store.list(POD);
    const of = (n: string) => pods.filter((p) => p.metadata.ownerReferences?.[0].name === n);
    assert.equal(of('v').length, 1);
    assert.equal(of('r').length, 1);
    assert.equal(of('v')[0].metadata.annotations?.[VIRTUAL_ANNOTATION], 'true');
    assert.equal(isVirtualObject(of('r')[0]), false);
  } finally {
    c.stop();
  }
});

test('a virtual CronJob\'s Job is virtual, and so are that Job\'s pods', async () => {
  const store = new Store();
  const c = startJobControllers(store);
  try {
    store.create(CRONJOB, markVirtual({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cj', namespace: 'default' }, spec: { schedule: '@yearly', jobTemplate: { spec: jobSpec() } } }));
    await c.flush();
    // As if the controller had last run over a year ago: the latest missed 1 January is due now.
    const past = new Date(Date.now() - 400 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    store.mutate(CRONJOB, 'default', 'cj', (o) => { o.status = { lastScheduleTime: past }; });
    await c.flush();
    const jobs = store.list(JOB);
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0].metadata.annotations?.[VIRTUAL_ANNOTATION], 'true');
    const pods = store.list(POD);
    assert.equal(pods.length, 1);
    assert.equal(pods[0].metadata.annotations?.[VIRTUAL_ANNOTATION], 'true');
  } finally {
    c.stop();
  }
});
