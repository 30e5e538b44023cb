// A cluster without network or processes for the operator's unit tests: store, admission (as the API
// server runs it), controllers and the operator. Pods are marked ready by hand where a fact needs it.
import { parse } from 'yaml';
import { Admission } from '../../api/admission.ts';
import { startControllers, type Controllers } from '../../controllers.ts';
import { startOperator, type Operator } from '../../operator/operator.ts';
import { Store, typeByKind, type KObject } from '../../store.ts';

export interface Harness {
  store: Store;
  operator?: Operator;
  controllers: Controllers;
  /** A create through admission, as `kubectl create` would; throws the ApiError a refusal answers. */
  create(o: KObject): KObject;
  update(o: KObject): KObject;
  get(kind: string, name: string, ns?: string): KObject | undefined;
  list(kind: string, ns?: string): KObject[];
  settle(): Promise<void>;
  /** Marks every pod Running and Ready, as the kubelet would once its containers run. */
  readyAll(): Promise<void>;
  stop(): void;
}

export function harness(opts: { version?: string; operator?: boolean } = {}): Harness {
  const store = new Store();
  const adm = new Admission(store);
  const T = (k: string) => typeByKind(k)!;
  const create = (o: KObject) => {
    const c = structuredClone(o);
    c.metadata.namespace ??= T(c.kind).namespaced ? 'default' : undefined;
    adm.admit(T(c.kind), c);
    return store.create(T(c.kind), c);
  };
  for (const ns of ['default', 'kube-system']) { create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }); }
  const controllers = startControllers(store, { nodes: ['sim-node-1', 'sim-node-2'], debounceMs: 1 });
  const operator = opts.operator === false ? undefined : startOperator(store, { version: opts.version ?? '0.158.0', debounceMs: 1 });
  const settle = async () => {
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 5));
      await operator?.flush();
      await controllers.flush();
    }
  };
  return {
    store, operator, controllers, create,
    update(o) {
      const t = T(o.kind);
      const cur = store.get(t, o.metadata.namespace ?? 'default', o.metadata.name)!;
      const next = structuredClone(o);
      next.metadata = { ...cur.metadata, ...next.metadata };
      next.status = cur.status;
      adm.admit(t, next, cur);
      return store.update(t, next);
    },
    get: (kind, name, ns = 'default') => store.get(T(kind), T(kind).namespaced ? ns : undefined, name),
    list: (kind, ns) => store.list(T(kind), ns),
    settle,
    async readyAll() {
      await settle();
      for (const p of store.list(T('Pod'))) {
        store.mutate(T('Pod'), p.metadata.namespace, p.metadata.name, (o) => {
          o.status = { ...o.status, phase: 'Running', podIP: '10.244.1.9', conditions: [{ type: 'Ready', status: 'True' }] };
        });
      }
      await settle();
    },
    stop() { operator?.stop(); controllers.stop(); },
  };
}

export const yamlOf = (s: string): KObject => parse(s) as KObject;
