/**
 * The operator's `inject-<lang>` annotations as the Snapshot states them (Snapshot.injectionRequests): on
 * which metadata each is written, which Instrumentation it selects or why none, and which live pods the
 * webhook left untouched. Pure; shared by diagnose (gather/index.ts) and lint (lint/build.ts).
 *
 * Sources, open-telemetry/opentelemetry-operator at be8944414 (0.158.0):
 * - the webhook is registered for pods only (internal/webhook/podmutation/webhookhandler.go,
 *   `+kubebuilder:webhook:path=/mutate-v1-pod ... resources=pods,verbs=create`), so an annotation on a
 *   Deployment's own metadata is never read;
 * - annotation.go annotationValue: the pod's value, else the namespace's; a pod `true` under a namespace
 *   instance name takes the namespace's;
 * - podmutator.go getInstrumentationInstance: which Instrumentation the value selects, or the operator's
 *   error (otel/inject-select.ts, shared with planInjection and the rules).
 */
import type { KObject } from '../cluster/types.ts';
import { asksForNothing, selectInstrumentation } from '../otel/inject-select.ts';
import { OPERATOR_DEPLOYMENT } from '../otel/operator-data.ts';
import type { InjectionRequest, WorkloadRef } from '../snapshot.ts';
import { INJECT_LANGUAGES, planInjection, type OperatorContext } from './instrumentation.ts';
import { controllerRef } from './discover.ts';

const PREFIX = 'instrumentation.opentelemetry.io/inject-';

export interface InjectionInput {
  pods: KObject[];
  /** Deployments, DaemonSets, StatefulSets with their own metadata and pod template */
  workloads: KObject[];
  instrumentations: KObject[];
  /** namespaces whose Instrumentations were listed; undefined: every one known (lint judges its files) */
  instrumentationsListed?: ((namespace: string) => boolean) | undefined;
  /** namespaces with annotations, when read */
  namespaces?: KObject[] | undefined;
  operator?: OperatorContext | undefined;
  /** diagnose: the pods are live, and one without the operator's edits was admitted uninjected */
  live: boolean;
}

/** annotation.go annotationValue */
function effectiveValue(nsAnn: Record<string, string>, own: Record<string, string>, key: string): string {
  const pod = String(own[key] ?? '');
  const ns = String(nsAnn[key] ?? '');
  if (ns === '') { return pod; }
  if (pod === '') { return ns; }
  if (pod.toLowerCase() !== 'true' || ns.toLowerCase() === 'false') { return pod; }
  return ns;
}

const nameOf = (i: KObject): string => `${i.metadata.namespace ?? 'default'}/${i.metadata.name}`;

export function injectionRequests(input: InjectionInput): InjectionRequest[] {
  const nsAnnotations = new Map((input.namespaces ?? []).map((n) => [n.metadata.name, (n.metadata.annotations ?? {}) as Record<string, string>]));
  // diagnose: undefined when they could not be listed (CRD absent, forbidden); lint judges what its files hold.
  const listed = input.instrumentationsListed ?? ((): boolean => !input.live);
  const out: InjectionRequest[] = [];
  // What asks: each workload's template (and its own metadata), and each pod no listed workload owns.
  const subjects: { ref: WorkloadRef; own: Record<string, string>; template: Record<string, string>; pods: KObject[] }[] = [];
  const byKey = new Map<string, (typeof subjects)[number]>();
  for (const w of input.workloads) {
    const ref: WorkloadRef = { kind: String(w.kind ?? 'Deployment'), namespace: w.metadata.namespace ?? 'default', name: w.metadata.name };
    const sub = { ref, own: (w.metadata.annotations ?? {}) as Record<string, string>, template: (w.spec?.template?.metadata?.annotations ?? {}) as Record<string, string>, pods: [] as KObject[] };
    subjects.push(sub);
    byKey.set(`${ref.kind}/${ref.namespace}/${ref.name}`, sub);
  }
  for (const pod of input.pods) {
    const ns = pod.metadata.namespace ?? 'default';
    const ref = controllerRef(pod);
    // A Deployment's ReplicaSet is `<deployment>-<pod-template-hash>`.
    const hash = pod.metadata.labels?.['pod-template-hash'];
    const owner = !ref
      ? undefined
      : ref.kind === 'ReplicaSet' && hash && ref.name.endsWith(`-${hash}`)
        ? byKey.get(`Deployment/${ns}/${ref.name.slice(0, -hash.length - 1)}`)
        : byKey.get(`${ref.kind}/${ns}/${ref.name}`);
    if (owner) {
      owner.pods.push(pod);
      continue;
    }
    // A pod of a controller not listed (a Job, a bare ReplicaSet) or no controller: its own annotations ask.
    const ref2: WorkloadRef = { kind: ref?.kind ?? 'Pod', namespace: ns, name: ref?.name ?? pod.metadata.name };
    const k = `${ref2.kind}/${ns}/${ref2.name}`;
    const known = byKey.get(k);
    if (known) {
      known.pods.push(pod);
      continue;
    }
    const own = (pod.metadata.annotations ?? {}) as Record<string, string>;
    const sub = { ref: ref2, own, template: own, pods: [pod] };
    subjects.push(sub);
    byKey.set(k, sub);
  }

  for (const sub of subjects) {
    const ns = sub.ref.namespace;
    const nsAnn = nsAnnotations.get(ns) ?? {};
    for (const language of INJECT_LANGUAGES) {
      const annotation = `${PREFIX}${language}`;
      const onTemplate = effectiveValue(nsAnn, sub.template, annotation);
      const onWorkload = sub.ref.kind === 'Pod' ? '' : String(sub.own[annotation] ?? '');
      const misplaced = onTemplate === '' && !asksForNothing(onWorkload);
      const value = misplaced ? onWorkload : onTemplate;
      if (asksForNothing(value)) { continue; }
      const pick = selectInstrumentation(value, ns, input.instrumentations);
      const known = listed(pick.from);
      const req: InjectionRequest = {
        workload: sub.ref,
        language,
        annotation,
        value,
        placement: misplaced ? 'workload-metadata' : 'pod-template',
        ...(known ? { available: input.instrumentations.filter((i) => (i.metadata.namespace ?? 'default') === pick.from).map(nameOf).sort() } : {}),
        ...(pick.selected ? { selected: nameOf(pick.selected) } : {}),
        ...(pick.error && known ? { selectError: pick.error } : {}),
        ...(typeof pick.selected?.metadata.creationTimestamp === 'string' ? { instrumentationCreated: pick.selected.metadata.creationTimestamp } : {}),
      };
      if (input.live && !misplaced && pick.selected) {
        // planInjection says what this pod would get; a live pod without any of it was admitted uninjected.
        const bare = sub.pods.filter((p) => {
          if ((p.metadata as { deletionTimestamp?: string }).deletionTimestamp) { return false; }
          const plan = planInjection(p, input.instrumentations, input.instrumentationsListed, input.operator);
          return !plan.refused && !plan.alreadyInjected && plan.targets.some((t) => t.injections.some((i) => i.language === language));
        });
        if (bare.length) { req.uninjectedPods = bare.map((p) => ({ name: p.metadata.name, ...(typeof p.metadata.creationTimestamp === 'string' ? { created: p.metadata.creationTimestamp } : {}) })).sort((a, b) => a.name.localeCompare(b.name)); }
      }
      out.push(req);
    }
  }
  return out;
}

/**
 * The operator manager containers among the listed pods (OPERATOR_DEPLOYMENT: the label both install paths
 * give its pods, the `manager` container), whose log holds the webhook's refusals.
 */
export function operatorManagers(pods: KObject[]): { namespace: string; pod: string; container: string }[] {
  const [key, value] = OPERATOR_DEPLOYMENT.labelSelector.split('=');
  return pods
    .filter((p) => p.metadata.labels?.[key] === value && !(p.metadata as { deletionTimestamp?: string }).deletionTimestamp)
    .filter((p) => (p.spec?.containers ?? []).some((c: any) => c?.name === OPERATOR_DEPLOYMENT.container))
    .map((p) => ({ namespace: p.metadata.namespace ?? 'default', pod: p.metadata.name, container: OPERATOR_DEPLOYMENT.container }));
}
