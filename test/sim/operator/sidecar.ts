// The operator's sidecar pod mutator (pkg/sidecar/: annotation.go, podmutator.go, pod.go, attributes.go):
// a pod (or its namespace) annotated `sidecar.opentelemetry.io/inject` gets the otc-container of a
// sidecar-mode OpenTelemetryCollector, its config passed in OTEL_CONFIG.
import type { KObject } from '../store.ts';
import { configYaml } from './config.ts';
import { configMapExtraName, container, truncate } from './collector.ts';
import { annotationValue as annotationValueOf, type OperatorLogLine } from './instrumentation.ts';
import { toV1beta1 } from './webhook.ts';
import { behaviour } from './versions.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

export const SIDECAR_ANNOTATION = 'sidecar.opentelemetry.io/inject';
export const INJECTED_LABEL = 'sidecar.opentelemetry.io/injected';

/** annotation.go annotationValue: the pod's value, unless the namespace's says more. */
export function annotationValue(ns: KObject | undefined, pod: KObject): string {
  return annotationValueOf(ns, pod, SIDECAR_ANNOTATION);
}

const ERR_MULTIPLE = 'multiple OpenTelemetry Collector instances available, cannot determine which one to select';
const ERR_NONE = 'no OpenTelemetry Collector instances available';
const ERR_NOT_SIDECAR = "the OpenTelemetry Collector's mode is not set to sidecar";

export interface SidecarContext {
  namespace?: KObject;
  /** Every OpenTelemetryCollector the operator can see (as stored). */
  collectors: KObject[];
  /** The pod's ReplicaSet and its Deployment, when it has them (for OTEL_RESOURCE_ATTRIBUTES). */
  replicaSet?: KObject;
  deployment?: KObject;
  operatorVersion: string;
}

/** sidecarPodMutator.Mutate. */
export function injectSidecar(pod: KObject, ctx: SidecarContext): { pod: KObject; logs: OperatorLogLine[]; error?: string } {
  const logs: OperatorLogLine[] = [];
  const nsName = pod.metadata.namespace ?? 'default';
  const who = { namespace: nsName, name: pod.metadata.name ?? '' };
  const ann = annotationValue(ctx.namespace, pod);
  if (ann === '') { return { pod, logs }; }
  const out = structuredClone(pod);
  out.spec ??= {};
  const isOtc = (c: Any) => c.name === 'otc-container';
  const native = behaviour(ctx.operatorVersion).nativeSidecar;
  if (ann.toLowerCase() === 'false') {
    out.spec.containers = (out.spec.containers ?? []).filter((c: Any) => !isOtc(c));
    if (native && out.spec.initContainers) { out.spec.initContainers = out.spec.initContainers.filter((c: Any) => !isOtc(c)); }
    return { pod: out, logs };
  }
  if ((out.spec.containers ?? []).some(isOtc) || (native && (out.spec.initContainers ?? []).some(isOtc))) { return { pod, logs }; }
  let chosen: KObject | undefined;
  let err: string | undefined;
  if (ann.toLowerCase() === 'true') {
    const sidecars = ctx.collectors.filter((c) => c.metadata.namespace === nsName && toV1beta1(c).spec?.mode === 'sidecar');
    if (sidecars.length === 0) { err = ERR_NONE; } else if (sidecars.length > 1) { err = ERR_MULTIPLE; } else { chosen = sidecars[0]; }
  } else {
    const slash = ann.indexOf('/');
    const [ns, name] = slash >= 0 ? [ann.slice(0, slash), ann.slice(slash + 1)] : [nsName, ann];
    const found = ctx.collectors.find((c) => c.metadata.namespace === ns && c.metadata.name === name);
    if (!found) {
      // A client Get that finds nothing is not one of the three tolerated errors: Mutate returns it, the
      // webhook answers allowed with a 500 and no later mutator runs; nothing is logged.
      return { pod, logs, error: `opentelemetrycollectors.opentelemetry.io "${name}" not found` };
    }
    if (toV1beta1(found).spec?.mode !== 'sidecar') { err = ERR_NOT_SIDECAR; } else { chosen = found; }
  }
  if (!chosen) {
    logs.push({ level: 'error', msg: "failed to select an OpenTelemetry Collector instance for this pod's sidecar", fields: { ...who, error: err } });
    return { pod, logs };
  }
  const cr = toV1beta1(chosen);
  const c = container(cr, ctx.operatorVersion, false);
  c.args = [...(c.args ?? []), '--config=env:OTEL_CONFIG'];
  c.env = [...(c.env ?? []), { name: 'OTEL_CONFIG', value: configYaml(cr.spec.config) }];
  if (!c.env.some((e: Any) => e.name === 'OTEL_RESOURCE_ATTRIBUTES')) { c.env.push(...resourceAttributes(nsName, ctx)); }
  out.spec.initContainers = [...(out.spec.initContainers ?? []), ...(cr.spec?.initContainers ?? [])];
  if (native) {
    // pod.go: a native sidecar starts before the app; without a startup probe its readiness probe is one.
    c.restartPolicy = 'Always';
    if (!c.startupProbe && c.readinessProbe) { c.startupProbe = c.readinessProbe; }
    out.spec.initContainers.push(c);
  } else {
    out.spec.containers = [...(out.spec.containers ?? []), c];
  }
  if (!out.spec.initContainers.length) { delete out.spec.initContainers; }
  const vols = [...(out.spec.volumes ?? []), ...(cr.spec?.volumes ?? [])];
  for (const cm of cr.spec?.configmaps ?? []) { vols.push({ name: configMapExtraName(cm.name), configMap: { name: cm.name } }); }
  if (vols.length) { out.spec.volumes = vols; }
  out.metadata.labels = { ...(out.metadata.labels ?? {}), [INJECTED_LABEL]: truncate('%s.%s', 63, cr.metadata.namespace ?? '', cr.metadata.name) };
  return { pod: out, logs };
}

/** attributes.go getResourceAttributesEnv: the downward-API variables and OTEL_RESOURCE_ATTRIBUTES, keys sorted. */
function resourceAttributes(ns: string, ctx: SidecarContext): Any[] {
  const attrs: Record<string, string> = {
    'k8s.pod.name': '$(OTEL_RESOURCE_ATTRIBUTES_POD_NAME)',
    'k8s.pod.uid': '$(OTEL_RESOURCE_ATTRIBUTES_POD_UID)',
    'k8s.node.name': '$(OTEL_RESOURCE_ATTRIBUTES_NODE_NAME)',
    'k8s.namespace.name': ns,
  };
  if (ctx.deployment) { attrs['k8s.deployment.uid'] = String(ctx.deployment.metadata.uid); attrs['k8s.deployment.name'] = ctx.deployment.metadata.name; }
  if (ctx.replicaSet) { attrs['k8s.replicaset.uid'] = String(ctx.replicaSet.metadata.uid); attrs['k8s.replicaset.name'] = ctx.replicaSet.metadata.name; }
  const value = Object.keys(attrs).sort().map((k) => `${k}=${attrs[k]}`).join(',');
  return [
    { name: 'OTEL_RESOURCE_ATTRIBUTES_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'OTEL_RESOURCE_ATTRIBUTES_POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
    { name: 'OTEL_RESOURCE_ATTRIBUTES_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    { name: 'OTEL_RESOURCE_ATTRIBUTES', value },
  ];
}
