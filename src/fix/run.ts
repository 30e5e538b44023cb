/**
 * `fix`'s I/O, around the pure core (table.ts, plan.ts, yaml-edit.ts, diff.ts, rollout.ts, print.ts):
 * diagnose, read the objects to change, show the diffs; with --apply confirm, dry-run every change on the
 * server, write each with the resourceVersion read as a precondition, roll out, wait, diagnose again.
 * Nothing here writes unless `apply` is set.
 */
import { existsSync } from 'node:fs';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, ApiError, DoctorError } from '../errors.ts';
import type { ClusterWriter, KObject } from '../cluster/types.ts';
import type { KubeClusterClient } from '../cluster/client.ts';
import type { LoadedKubeconfig } from '../cluster/kubeconfig.ts';
import type { GatherOptions } from '../gather/index.ts';
import type { Policy } from '../suppress.ts';
import type { Report } from '../report/finding.ts';
import { sanitize } from '../report/sanitize.ts';
import { classify, findingKey, objectKey, planObject, restartPatch, type ObjectChange, type Refusal, type Verdict, type WorkloadRef } from './plan.ts';
import { KIND_RESOURCES } from './table.ts';
import { rolloutState } from './rollout.ts';
import { printBeforeAfter, printPlan } from './print.ts';

/** The server refused a change (dry run, a concurrent edit, RBAC): what was written before it is listed. */
export const EXIT_WRITE_REFUSED = 4;
/** The changes are written but a rollout did not finish within --timeout. */
export const EXIT_ROLLOUT_TIMEOUT = 5;

/**
 * Test-only: a file whose appearance `fix --apply` waits for, so a test changes an object between the read
 * and the write at a point it knows instead of racing a sleep (as OTEL_DOCTOR_SIM_HOLD_AT does for the
 * simulator's bring-up). HOLD_AT_ENV names the point: `dry-run` (default: after the diffs, before the dry
 * runs) or `write` (after the dry runs, before the first write).
 */
export const HOLD_ENV = 'OTEL_DOCTOR_FIX_HOLD_FILE';
export const HOLD_AT_ENV = 'OTEL_DOCTOR_FIX_HOLD_AT';

export interface FixOptions {
  loaded: LoadedKubeconfig;
  gather: Omit<GatherOptions, 'onProgress' | 'server' | 'context' | 'pluginVersion'>;
  policy: Omit<Policy, 'annotations'>;
  knownRules: Set<string>;
  rules?: string[];
  apply: boolean;
  yes: boolean;
  restart: boolean;
  requestTimeoutMs: number;
  onRequest?: (verb: string, path: string, status: number, ms: number) => void;
  write: (s: string) => Promise<void>;
  /** asks the person at the terminal; undefined when stdin is not one */
  confirm?: (question: string) => Promise<boolean>;
  now?: () => Date;
}

async function diagnose(kube: KubeClusterClient, o: FixOptions): Promise<Report> {
  const [{ gather }, { judgeWithPolicy }, { pluginVersion }, { clusterServer }] = await Promise.all([
    import('../gather/index.ts'),
    import('../diagnosis.ts'),
    import('../version.ts'),
    import('../cluster/kubeconfig.ts'),
  ]);
  const snapshot = await gather(kube, { ...o.gather, server: clusterServer(o.loaded), context: o.loaded.context, pluginVersion: pluginVersion() });
  return judgeWithPolicy(snapshot, o.policy, o.knownRules);
}

function inScope(report: Report, rules: string[] | undefined): Report['findings'] {
  return report.findings.filter((f) => !rules?.length || rules.includes(f.rule));
}

export interface Plan {
  changes: ObjectChange[];
  helm: Extract<Verdict, { kind: 'helm' }>[];
  manual: Refusal[];
}

/** Reads every object a fix changes (one GET each, its resourceVersion kept) and plans the changes. */
async function plan(kube: ClusterWriter, findings: Report['findings'], now: Date): Promise<Plan> {
  const verdicts = findings.map(classify);
  const byObject = new Map<string, Extract<Verdict, { kind: 'edit' }>[]>();
  const manual: Refusal[] = [];
  for (const v of verdicts) {
    if (v.kind === 'manual') { manual.push({ finding: v.finding, reason: v.reason }); }
    if (v.kind !== 'edit') { continue; }
    const k = objectKey(v.object);
    byObject.set(k, [...(byObject.get(k) ?? []), v]);
  }
  const changes: ObjectChange[] = [];
  for (const vs of byObject.values()) {
    const o = vs[0].object;
    let live: KObject;
    try {
      live = await kube.get(KIND_RESOURCES[o.kind].resource, o.namespace, o.name);
    } catch (e) {
      if (!(e instanceof ApiError)) { throw e; }
      for (const v of vs) { manual.push({ finding: v.finding, reason: `cannot read ${o.kind} ${o.namespace}/${o.name}: ${e.message}` }); }
      continue;
    }
    const r = planObject(live, vs, now);
    if (r.change) { changes.push(r.change); }
    manual.push(...r.refused);
  }
  return { changes, helm: verdicts.filter((v): v is Extract<Verdict, { kind: 'helm' }> => v.kind === 'helm'), manual };
}

async function holdForTest(stage: 'dry-run' | 'write'): Promise<void> {
  const file = process.env[HOLD_ENV];
  if (!file || (process.env[HOLD_AT_ENV] ?? 'dry-run') !== stage) { return; }
  process.stderr.write(`fix: holding at ${stage} until ${file} exists\n`);
  while (!existsSync(file)) { await new Promise((r) => setTimeout(r, 50)); }
}

function describe(c: ObjectChange): string {
  return `${c.id.kind} ${c.id.namespace}/${c.id.name}`;
}

function failure(e: unknown): string {
  if (e instanceof ApiError) { return `${e.status ? `${e.status} ${e.reason}: ` : ''}${e.message}`; }
  return (e as Error).message;
}

type PendingRollout = WorkloadRef & { /** done only once the generation has passed this (the operator has updated it) */ after?: number };

async function generationOf(kube: ClusterWriter, w: WorkloadRef): Promise<number> {
  const o = await kube.get(KIND_RESOURCES[w.kind].resource, w.namespace, w.name);
  return (o.metadata as { generation?: number }).generation ?? 0;
}

async function waitForRollouts(kube: ClusterWriter, workloads: PendingRollout[], deadline: number, write: (s: string) => Promise<void>): Promise<string[]> {
  const pending = [...workloads];
  const late: string[] = [];
  while (pending.length) {
    for (let i = pending.length - 1; i >= 0; i--) {
      const w = pending[i];
      const o = await kube.get(KIND_RESOURCES[w.kind].resource, w.namespace, w.name);
      const generation = (o.metadata as { generation?: number }).generation ?? 0;
      const st = w.after !== undefined && generation <= w.after ? { done: false, message: `${w.kind} ${w.namespace}/${w.name}: waiting for the operator to update it from the changed OpenTelemetryCollector` } : rolloutState(o);
      if (st.done) {
        await write(`${sanitize(st.message)}\n`);
        pending.splice(i, 1);
      } else if (Date.now() >= deadline) {
        late.push(st.message);
        pending.splice(i, 1);
      }
    }
    // A poll, as `kubectl rollout status` watches: the deadline, not this pause, ends the wait.
    if (pending.length) { await new Promise((r) => setTimeout(r, 500)); }
  }
  return late;
}

export async function runFix(o: FixOptions): Promise<number> {
  const now = o.now ?? (() => new Date());
  const { createClusterClient } = await import('../cluster/client.ts');
  const kube = createClusterClient(o.loaded, { requestTimeoutMs: o.requestTimeoutMs, onRequest: o.onRequest });
  try {
    const before = await diagnose(kube, o);
    const findings = inScope(before, o.rules);
    const p = await plan(kube, findings, now());
    await o.write(printPlan(findings, p, { apply: o.apply }));
    if (!o.apply) { return findings.length ? EXIT_FINDINGS : EXIT_OK; }
    if (!p.changes.length) { return findings.length ? EXIT_FINDINGS : EXIT_OK; }

    if (!o.yes) {
      if (!o.confirm) {
        throw new DoctorError('refusing to change the cluster without a confirmation: stdin is not a terminal', { exitCode: EXIT_USAGE, hint: 'review the diffs above, then run again with --yes' });
      }
      if (!(await o.confirm(`Apply ${p.changes.length} change(s) to the cluster? [y/N] `))) {
        await o.write('Nothing was changed.\n');
        return EXIT_USAGE;
      }
    }
    await holdForTest('dry-run');

    // Every change is dry-run first: a refusal (admission, a stale resourceVersion, RBAC) leaves nothing half-done.
    for (const c of p.changes) {
      try {
        await kube.patch(c.resource, c.id.namespace, c.id.name, c.patchType, c.patch, { dryRun: true });
      } catch (e) {
        if (!(e instanceof ApiError)) { throw e; }
        await o.write(`\nThe server refused the change to ${describe(c)} in a dry run: ${sanitize(failure(e))}\n${e.status === 409 ? 'It changed since it was read: run fix again to see the diff against what is there now.\n' : ''}Nothing was changed.\n`);
        return EXIT_WRITE_REFUSED;
      }
    }
    // The restarts --restart will send are writes too: dry-run them with the rest, so a refusal (RBAC on
    // the workload, admission) stops the run before anything is written.
    for (const w of o.restart ? uniqueWorkloads(p.changes.flatMap((c) => c.restart)) : []) {
      try {
        await kube.patch(KIND_RESOURCES[w.kind].resource, w.namespace, w.name, 'strategic', restartPatch(now()), { dryRun: true });
      } catch (e) {
        if (!(e instanceof ApiError)) { throw e; }
        await o.write(`\nThe server refused the restart of ${w.kind} ${w.namespace}/${w.name} in a dry run: ${sanitize(failure(e))}\nNothing was changed.\n`);
        return EXIT_WRITE_REFUSED;
      }
    }
    await holdForTest('write');
    // The generation the operator's workloads have now: its rollout is the one after it.
    const operatorRolls: PendingRollout[] = [];
    for (const w of uniqueWorkloads(p.changes.flatMap((c) => c.operatorRolls))) {
      try {
        operatorRolls.push({ ...w, after: await generationOf(kube, w) });
      } catch (e) {
        if (!(e instanceof ApiError)) { throw e; }
      }
    }
    const written: ObjectChange[] = [];
    for (const c of p.changes) {
      try {
        await kube.patch(c.resource, c.id.namespace, c.id.name, c.patchType, c.patch);
        written.push(c);
        await o.write(`${describe(c)} patched (${c.findings.map((f) => f.rule).join(', ')})\n`);
      } catch (e) {
        if (!(e instanceof ApiError)) { throw e; }
        await o.write(`\nThe server refused the change to ${describe(c)}: ${sanitize(failure(e))}\n${e.status === 409 ? 'It changed since it was read: nothing of this change was written.\n' : ''}${written.length ? `Already written: ${written.map(describe).join(', ')}.\n` : 'Nothing was changed.\n'}`);
        return EXIT_WRITE_REFUSED;
      }
    }

    const restart = uniqueWorkloads(written.flatMap((c) => c.restart));
    const rolls = uniqueWorkloads(written.flatMap((c) => c.rolls));
    if (restart.length && !o.restart) {
      await o.write(`The collector reads its config once, at start: run ${restart.map((w) => `\`kubectl rollout restart ${w.kind.toLowerCase()}/${w.name} -n ${w.namespace}\``).join(', ')} (or fix --restart) for the change to take effect.\n`);
    }
    if (o.restart) {
      for (const w of restart) {
        try {
          await kube.patch(KIND_RESOURCES[w.kind].resource, w.namespace, w.name, 'strategic', restartPatch(now()));
        } catch (e) {
          if (!(e instanceof ApiError)) { throw e; }
          await o.write(`Cannot restart ${w.kind} ${w.namespace}/${w.name}: ${sanitize(failure(e))}\n`);
          return EXIT_WRITE_REFUSED;
        }
        await o.write(`${w.kind.toLowerCase()}/${w.name} restarted\n`);
      }
    }
    const waitFor: PendingRollout[] = [...uniqueWorkloads([...(o.restart ? restart : []), ...rolls]), ...operatorRolls];
    if (waitFor.length) {
      const late = await waitForRollouts(kube, waitFor, Date.now() + (o.gather.timeoutMs ?? 30_000), o.write);
      if (late.length) {
        await o.write(`Not rolled out within --timeout: ${late.map((m) => sanitize(m)).join('; ')}\n`);
        return EXIT_ROLLOUT_TIMEOUT;
      }
    }

    const after = await diagnose(kube, o);
    const fixedKeys = new Set(written.flatMap((c) => c.findings.map(findingKey)));
    const remaining = inScope(after, o.rules);
    await o.write(printBeforeAfter(findings, remaining, fixedKeys));
    return remaining.some((f) => fixedKeys.has(findingKey(f))) ? EXIT_FINDINGS : EXIT_OK;
  } finally {
    await kube.close();
  }
}

function uniqueWorkloads(ws: WorkloadRef[]): WorkloadRef[] {
  return ws.filter((w, i) => ws.findIndex((x) => x.kind === w.kind && x.namespace === w.namespace && x.name === w.name) === i);
}
