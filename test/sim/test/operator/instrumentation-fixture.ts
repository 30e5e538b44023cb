// Builds the pods the operator's e2e tests create from a real case in ../shared/fixtures/real (their
// 01-install-app.yaml etc.), as the ReplicaSet / Job controllers would send them to the pod webhook, with
// the owner chain the operator reads (ReplicaSet -> Deployment, Job -> CronJob).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { KObject } from '../../store.ts';
import { type InjectResult, injectInstrumentation, type Lookup } from '../../operator/instrumentation.ts';

export const REAL = resolve(fileURLToPath(new URL('../../../../', import.meta.url)), '../shared/fixtures/real');

export interface Case { docs: Array<KObject & { file: string }>; instrumentations: KObject[]; secrets: Set<string> }

export function loadCase(dir: string, ns = 'default'): Case {
  const docs: Array<KObject & { file: string }> = [];
  for (const f of readdirSync(resolve(REAL, dir)).sort()) {
    for (const d of parseAllDocuments(readFileSync(resolve(REAL, dir, f), 'utf8'))) {
      const j = d.toJS();
      if (j?.kind) { docs.push({ ...j, metadata: { namespace: ns, ...j.metadata }, file: f }); }
    }
  }
  const instrumentations = docs.filter((d) => d.kind === 'Instrumentation');
  const secrets = new Set(docs.filter((d) => d.kind === 'Secret' || d.kind === 'ConfigMap').map((d) => `${d.kind}/${d.metadata.name}`));
  return { docs, instrumentations, secrets };
}

/** The pod a workload's controller creates (generateName, no name yet at admission) and the owner chain. */
export function podOf(c: Case, kind: string, name: string): { pod: KObject; lookup: Lookup } {
  const w = c.docs.find((d) => d.kind === kind && d.metadata.name === name);
  assert.ok(w, `${kind}/${name} in the case`);
  const ns = w.metadata.namespace as string;
  const tmpl = kind === 'Pod' ? w : kind === 'CronJob' ? w.spec.jobTemplate.spec.template : w.spec.template;
  const owner = kind === 'Deployment' ? { kind: 'ReplicaSet', name: `${name}-5f7c9d8b4` } : kind === 'CronJob' ? { kind: 'Job', name: `${name}-29412345` } : { kind, name };
  const meta: KObject['metadata'] = { ...structuredClone(tmpl.metadata ?? {}), namespace: ns };
  if (kind === 'Pod') { meta.name = name; } else { meta.generateName = `${owner.name}-`; meta.ownerReferences = [{ apiVersion: 'apps/v1', ...owner, uid: 'uid-owner' }]; }
  const pod: KObject = { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: structuredClone(tmpl.spec) };
  const lookup: Lookup = (k, _ns, n): KObject | undefined => {
    if (k === 'ReplicaSet' && kind === 'Deployment' && n === owner.name) { return { apiVersion: 'apps/v1', kind: k, metadata: { name: n, namespace: ns, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: 'uid-dep' }] } }; }
    if (k === 'Job' && kind === 'CronJob' && n === owner.name) { return { apiVersion: 'batch/v1', kind: k, metadata: { name: n, namespace: ns, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name, uid: 'uid-cj' }] } }; }
    if ((k === 'Secret' || k === 'ConfigMap') && c.secrets.has(`${k}/${n}`)) { return { apiVersion: 'v1', kind: k, metadata: { name: n, namespace: ns } }; }
    return undefined;
  };
  return { pod, lookup };
}

export function inject(c: Case, kind: string, name: string, opts: { version?: string; flags?: Record<string, boolean>; instrumentations?: KObject[] } = {}): InjectResult & { before: KObject } {
  const { pod, lookup } = podOf(c, kind, name);
  const before = structuredClone(pod);
  const ns: KObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: pod.metadata.namespace as string } };
  const r = injectInstrumentation(pod, { namespace: ns, instrumentations: opts.instrumentations ?? c.instrumentations, operatorVersion: opts.version ?? '0.158.0', lookup, flags: opts.flags });
  return { ...r, before };
}

type Env = { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath?: string } } };

/**
 * The env list as a chainsaw assert checks it: same length and order; `NAME=value` pins the value,
 * `NAME<-path` a fieldRef, a bare `NAME` the name only (the assert leaves the value open).
 */
export function assertEnv(env: Env[] | undefined, want: string[], where: string): void {
  const got = (env ?? []).map((e) => e.name);
  assert.deepEqual(got, want.map((w) => w.split(/=|<-/)[0]), `${where}: env names in order`);
  want.forEach((w, i) => {
    const e = env![i];
    if (w.includes('<-')) { assert.equal(e.valueFrom?.fieldRef?.fieldPath, w.split('<-')[1], `${where}: ${e.name}`); }
    else if (w.includes('=')) { assert.equal(e.value, w.slice(w.indexOf('=') + 1), `${where}: ${e.name}`); }
  });
}

export function container(pod: KObject, name: string, init = false): KObject {
  const c = (pod.spec[init ? 'initContainers' : 'containers'] ?? []).find((x: KObject) => x.name === name);
  assert.ok(c, `${init ? 'init container' : 'container'} ${name}`);
  return c;
}

export const mounts = (c: KObject): string[] => (c.volumeMounts ?? []).filter((m: KObject) => m.name).map((m: KObject) => `${m.name}@${m.mountPath}`);
