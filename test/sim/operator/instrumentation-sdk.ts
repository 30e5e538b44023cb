// The operator's common SDK configuration of an instrumented container (internal/instrumentation/sdk.go
// injectCommonEnvVar, injectCommonSDKConfig, createResourceMap, chooseServiceName; exporter.go): the env
// variables every language gets, in the operator's order, and the TLS volumes of spec.exporter.tls.
import type { KObject } from '../store.ts';
import { behaviour } from './instrumentation-versions.ts';

export interface EnvVar { name: string; value?: string; valueFrom?: Record<string, unknown> }
export interface Container { name: string; image?: string; env?: EnvVar[]; volumeMounts?: Array<Record<string, unknown>>; [k: string]: any }

/** Looks up an object the real operator reads through its client (ReplicaSet, Job, Secret, ConfigMap). */
export type Lookup = (kind: 'ReplicaSet' | 'Job' | 'Secret' | 'ConfigMap', namespace: string, name: string) => KObject | undefined;

export const ENV_POD_NAME = 'OTEL_RESOURCE_ATTRIBUTES_POD_NAME';
export const ENV_POD_UID = 'OTEL_RESOURCE_ATTRIBUTES_POD_UID';
export const ENV_NODE_NAME = 'OTEL_RESOURCE_ATTRIBUTES_NODE_NAME';
export const ENV_POD_IP = 'OTEL_POD_IP';
export const ENV_NODE_IP = 'OTEL_NODE_IP';
const RESOURCE_PREFIX = 'resource.opentelemetry.io/';
const LABEL_APP_NAME = ['app.kubernetes.io/instance', 'app.kubernetes.io/name'];
const LABEL_APP_VERSION = ['app.kubernetes.io/version'];

export function indexOfEnv(env: EnvVar[] | undefined, name: string): number {
  return (env ?? []).findIndex((e) => e.name === name);
}

export function appendIfNotSet(env: EnvVar[], ...add: EnvVar[]): EnvVar[] {
  const out = [...env];
  for (const e of add) { if (indexOfEnv(out, e.name) === -1) { out.push(structuredClone(e)); } }
  return out;
}

export function appendOrReplace(env: EnvVar[], ...add: EnvVar[]): EnvVar[] {
  const out = [...env];
  for (const e of add) {
    const i = indexOfEnv(out, e.name);
    if (i === -1) { out.push(e); } else { out[i] = e; }
  }
  return out;
}

const field = (fieldPath: string): Record<string, unknown> => ({ fieldRef: { fieldPath } });

/** defaultPodNodeEnvVars: the order in which injectCommonEnvVar prepends them leaves OTEL_NODE_IP first. */
export function podNodeEnv(): EnvVar[] {
  return [{ name: ENV_POD_IP, valueFrom: field('status.podIP') }, { name: ENV_NODE_IP, valueFrom: field('status.hostIP') }];
}

/** validateContainerEnv: the operator refuses to rewrite a variable the container sets through valueFrom. */
export function validateContainerEnv(env: EnvVar[] | undefined, ...names: string[]): string | undefined {
  for (const n of names) {
    const e = (env ?? []).find((x) => x.name === n);
    if (e?.valueFrom) { return `the container defines env var value via ValueFrom, envVar: ${e.name}`; }
  }
  return undefined;
}

export function injectCommonEnvVar(inst: KObject, c: Container): void {
  let env = c.env ?? [];
  for (const e of podNodeEnv()) { if (indexOfEnv(env, e.name) === -1) { env = [e, ...env]; } }
  for (const e of inst.spec?.env ?? []) { if (indexOfEnv(env, e.name) === -1) { env.push(structuredClone(e)); } }
  c.env = env;
}

export interface PodCtx { pod: KObject; nsName: string; version: string; lookup?: Lookup; logs: Array<{ level: 'debug' | 'info' | 'error'; msg: string; fields?: Record<string, unknown> }> }

function labelOrAnnotation(pod: KObject, useLabels: boolean, key: string, labels: string[]): string {
  const a = pod.metadata.annotations?.[RESOURCE_PREFIX + key];
  if (a) { return a; }
  if (useLabels) { for (const l of labels) { const v = pod.metadata.labels?.[l]; if (v) { return v; } } }
  return '';
}

/** parseServiceVersionFromImage: the tag, `tag@digest`, or the digest of a reference; none: ''. */
export function imageVersion(image: string | undefined): string {
  if (!image) { return ''; }
  const [named, digest] = image.split('@');
  const last = named.slice(named.lastIndexOf('/') + 1);
  const tag = last.includes(':') ? last.slice(last.indexOf(':') + 1) : '';
  if (digest) { return tag ? `${tag}@${digest}` : digest; }
  return tag;
}

function addParents(ctx: PodCtx, uid: boolean, meta: KObject['metadata'] | undefined, res: Map<string, string>): void {
  for (const o of meta?.ownerReferences ?? []) {
    const kind = String(o.kind ?? '').toLowerCase();
    const put = (k: string) => { res.set(`k8s.${k}.name`, o.name); if (uid) { res.set(`k8s.${k}.uid`, o.uid ?? ''); } };
    if (kind === 'replicaset' || kind === 'job') {
      put(kind);
      // The operator reads the parent to name its Deployment or CronJob; a miss leaves only this level.
      const parent = ctx.lookup?.(kind === 'replicaset' ? 'ReplicaSet' : 'Job', ctx.nsName, o.name);
      if (!parent && ctx.lookup) {
        ctx.logs.push({ level: 'error', msg: `failed to get ${kind}`, fields: { [kind]: o.name, namespace: ctx.nsName, error: `${kind === 'replicaset' ? 'ReplicaSet.apps' : 'Job.batch'} "${o.name}" not found` } });
      }
      addParents(ctx, uid, parent?.metadata, res);
    } else if (['deployment', 'statefulset', 'daemonset', 'cronjob'].includes(kind)) {
      put(kind);
    }
  }
}

/** createResourceMap: CR attributes < Kubernetes attributes < pod annotations; the container's own OTEL_RESOURCE_ATTRIBUTES keys are left alone. */
export function resourceMap(ctx: PodCtx, inst: KObject, c: Container): Map<string, string> {
  const existing = new Set<string>();
  const i = indexOfEnv(c.env, 'OTEL_RESOURCE_ATTRIBUTES');
  if (i > -1) {
    for (const kv of (c.env![i].value ?? '').split(',')) {
      const parts = kv.trim().split('=');
      if (parts.length === 2) { existing.add(parts[0]); }
    }
  }
  const res = new Map<string, string>();
  for (const [k, v] of Object.entries<string>(inst.spec?.resource?.resourceAttributes ?? {})) { if (!existing.has(k)) { res.set(k, v); } }
  const pod = ctx.pod;
  const uid = !!inst.spec?.resource?.addK8sUIDAttributes;
  const k8s = new Map<string, string>([
    ['k8s.namespace.name', ctx.nsName],
    ['k8s.container.name', c.name],
    ['k8s.pod.name', pod.metadata.name ?? ''],
    ['k8s.pod.uid', pod.metadata.uid ?? ''],
    ['k8s.node.name', pod.spec?.nodeName ?? ''],
    ['service.instance.id', serviceInstanceId(pod, ctx.nsName, `$(${ENV_POD_NAME})`, c.name)],
  ]);
  addParents(ctx, uid, pod.metadata, k8s);
  for (const [k, v] of k8s) { if (!existing.has(k) && v !== '') { res.set(k, v); } }
  for (const [k, v] of Object.entries<string>(pod.metadata.annotations ?? {})) {
    if (k.startsWith(RESOURCE_PREFIX)) {
      const key = k.slice(RESOURCE_PREFIX.length);
      if (!existing.has(key) && key !== 'service.name') { res.set(key, v); }
    }
  }
  const useLabels = !!inst.spec?.defaults?.useLabelsForResourceAttributes;
  const namespace = labelOrAnnotation(pod, useLabels, 'service.namespace', []) || ctx.nsName;
  if (namespace && !existing.has('service.namespace')) { res.set('service.namespace', namespace); }
  return res;
}

function serviceInstanceId(pod: KObject, ns: string, podName: string, container: string): string {
  const a = labelOrAnnotation(pod, false, 'service.instance.id', []);
  if (a) { return a; }
  return ns && podName && container ? [ns, podName, container].join('.') : '';
}

/** chooseServiceName: annotation, labels (when asked), then the nearest owner, the pod, the container. */
export function serviceName(pod: KObject, useLabels: boolean, res: Map<string, string>, c: Container): string {
  const n = labelOrAnnotation(pod, useLabels, 'service.name', LABEL_APP_NAME);
  if (n) { return n; }
  for (const k of ['deployment', 'replicaset', 'statefulset', 'daemonset', 'cronjob', 'job', 'pod']) {
    const v = res.get(`k8s.${k}.name`);
    if (v) { return v; }
  }
  return c.name;
}

/** naming.Truncate: the name cut to 63 characters, without non-alphanumerics at either end. */
function truncate(prefix: string, value: string, max = 63): string {
  let v = value;
  if (prefix.length + v.length > max) { v = v.slice(0, Math.max(0, max - prefix.length)); }
  const r = (prefix + v).slice(0, max);
  return r.replace(/[^A-Za-z0-9]+$/, '').replace(/^[^A-Za-z0-9]+/, '');
}

const isAbs = (p: string) => p.startsWith('/');

/** exporter.go configureExporter. */
export function configureExporter(inst: KObject, pod: KObject, c: Container): void {
  const exporter = inst.spec?.exporter ?? {};
  if (exporter.endpoint) { c.env = appendIfNotSet(c.env ?? [], { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: exporter.endpoint }); }
  const tls = exporter.tls;
  if (!tls) { return; }
  const secretName = tls.secretName ?? '';
  const cmName = tls.configMapName ?? '';
  const secretVolume = truncate('otel-auto-secret-', secretName);
  const secretPath = `/otel-auto-instrumentation-secret-${secretName}`;
  const cmVolume = truncate('otel-auto-configmap-', cmName);
  const cmPath = `/otel-auto-instrumentation-configmap-${cmName}`;
  if (tls.ca_file) {
    const mount = cmName ? cmPath : secretPath;
    c.env = appendIfNotSet(c.env ?? [], { name: 'OTEL_EXPORTER_OTLP_CERTIFICATE', value: isAbs(tls.ca_file) ? tls.ca_file : `${mount}/${tls.ca_file}` });
  }
  if (tls.cert_file) {
    c.env = appendIfNotSet(c.env ?? [], { name: 'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE', value: isAbs(tls.cert_file) ? tls.cert_file : `${secretPath}/${tls.cert_file}` });
  }
  if (tls.key_file) {
    c.env = appendIfNotSet(c.env ?? [], { name: 'OTEL_EXPORTER_OTLP_CLIENT_KEY', value: isAbs(tls.key_file) ? tls.key_file : `${secretPath}/${tls.key_file}` });
  }
  pod.spec.volumes ??= [];
  c.volumeMounts ??= [];
  if (secretName) {
    if (!pod.spec.volumes.some((v: KObject) => v.name === secretVolume)) { pod.spec.volumes.push({ name: secretVolume, secret: { secretName } }); }
    if (!c.volumeMounts.some((m) => m.name === secretVolume)) { c.volumeMounts.push({ name: secretVolume, mountPath: secretPath, readOnly: true }); }
  }
  if (cmName) {
    if (!pod.spec.volumes.some((v: KObject) => v.name === cmVolume)) { pod.spec.volumes.push({ name: cmVolume, configMap: { name: cmName } }); }
    if (!c.volumeMounts.some((m) => m.name === cmVolume)) { c.volumeMounts.push({ name: cmVolume, mountPath: cmPath, readOnly: true }); }
  }
}

function resourceString(res: Map<string, string>): string {
  return [...res.keys()].sort().map((k) => `${k}=${res.get(k)}`).join(',');
}

/**
 * injectCommonSDKConfig: `c` receives the variables, `app` is the container whose telemetry they describe
 * (the same container except for Go, whose agent is a sidecar).
 */
export function injectCommonSDKConfig(ctx: PodCtx, inst: KObject, c: Container, app: Container): void {
  const pod = ctx.pod;
  const useLabels = !!inst.spec?.defaults?.useLabelsForResourceAttributes;
  const res = resourceMap(ctx, inst, app);
  c.env ??= [];
  if (indexOfEnv(c.env, 'OTEL_SERVICE_NAME') === -1) {
    c.env.push({ name: 'OTEL_SERVICE_NAME', value: serviceName(pod, useLabels, res, app) });
  }
  const b = behaviour(ctx.version);
  if (b.exporterTls) { configureExporter(inst, pod, c); }
  else if (inst.spec?.exporter?.endpoint) { c.env = appendIfNotSet(c.env, { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: inst.spec.exporter.endpoint }); }
  if (b.alwaysPodNameEnv || !res.get('k8s.pod.name')) {
    c.env.push({ name: ENV_POD_NAME, valueFrom: field('metadata.name') });
    res.set('k8s.pod.name', `$(${ENV_POD_NAME})`);
  }
  if (inst.spec?.resource?.addK8sUIDAttributes && !res.get('k8s.pod.uid')) {
    c.env.push({ name: ENV_POD_UID, valueFrom: field('metadata.uid') });
    res.set('k8s.pod.uid', `$(${ENV_POD_UID})`);
  }
  let idx = indexOfEnv(c.env, 'OTEL_RESOURCE_ATTRIBUTES');
  if (idx === -1 || !(c.env[idx].value ?? '').includes('service.version')) {
    const v = labelOrAnnotation(pod, useLabels, 'service.version', LABEL_APP_VERSION) || imageVersion(app.image);
    if (v) { res.set('service.version', v); }
  }
  if (!res.get('k8s.node.name')) {
    c.env.push({ name: ENV_NODE_NAME, valueFrom: field('spec.nodeName') });
    res.set('k8s.node.name', `$(${ENV_NODE_NAME})`);
  }
  idx = indexOfEnv(c.env, 'OTEL_RESOURCE_ATTRIBUTES');
  let resStr = resourceString(res);
  if (idx === -1) { c.env.push({ name: 'OTEL_RESOURCE_ATTRIBUTES', value: resStr }); }
  else {
    const cur = c.env[idx].value ?? '';
    if (!cur.endsWith(',')) { resStr = `,${resStr}`; }
    c.env[idx] = { ...c.env[idx], value: cur + resStr };
  }
  const propagators: string[] = inst.spec?.propagators ?? [];
  if (indexOfEnv(c.env, 'OTEL_PROPAGATORS') === -1 && propagators.length > 0) {
    c.env.push({ name: 'OTEL_PROPAGATORS', value: propagators.join(',') });
  }
  const sampler = inst.spec?.sampler ?? {};
  if (indexOfEnv(c.env, 'OTEL_TRACES_SAMPLER') === -1 && sampler.type && indexOfEnv(c.env, 'OTEL_TRACES_SAMPLER_ARG') === -1) {
    c.env.push({ name: 'OTEL_TRACES_SAMPLER', value: String(sampler.type) });
    if (sampler.argument) { c.env.push({ name: 'OTEL_TRACES_SAMPLER_ARG', value: String(sampler.argument) }); }
  }
  // OTEL_RESOURCE_ATTRIBUTES last: its $(VAR) references resolve only to variables defined before it.
  idx = indexOfEnv(c.env, 'OTEL_RESOURCE_ATTRIBUTES');
  if (idx >= 0) { c.env.push(...c.env.splice(idx, 1)); }
}

/** instrVolume: the spec's volumeClaimTemplate as an ephemeral volume, else an emptyDir (200Mi unless volumeLimitSize). */
export function instrVolume(langSpec: Record<string, any> | undefined, name: string): Record<string, unknown> {
  const vct = langSpec?.volumeClaimTemplate;
  if (vct && Object.keys(vct).length > 0) { return { name, ephemeral: { volumeClaimTemplate: vct } }; }
  return { name, emptyDir: { sizeLimit: langSpec?.volumeLimitSize ?? '200Mi' } };
}
