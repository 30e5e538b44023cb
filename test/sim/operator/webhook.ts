// The operator's OpenTelemetryCollector webhooks (internal/webhook/collector_webhook.go,
// collector_conversion.go; apis/v1beta1/collector_webhook.go before v0.140): conversion of v1alpha1,
// Default() and Validate(). A refusal is the Status the API server answers when a validating webhook
// denies: 403 Forbidden, `admission webhook "<name>" denied the request: <error>` (controller-runtime's
// admission.Denied).
import { parse, stringify } from 'yaml';
import type { KObject } from '../store.ts';
import { ApiError } from '../api/status.ts';
import { applyDefaults, ConfigError, ports, type Config } from './config.ts';
import { atLeast, behaviour } from './versions.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

/** config/webhook/manifests.yaml: the v1beta1 webhooks from v0.99.0; the v1alpha1 ones (the hub then) before. */
export function webhookNames(version: string): { mutating: string; validating: string } {
  return atLeast(version, '0.99.0')
    ? { mutating: 'mopentelemetrycollectorbeta.kb.io', validating: 'vopentelemetrycollectorcreateupdatebeta.kb.io' }
    : { mutating: 'mopentelemetrycollector.kb.io', validating: 'vopentelemetrycollectorcreateupdate.kb.io' };
}

export function denied(webhook: string, message: string): ApiError {
  return new ApiError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
    message: `admission webhook "${webhook}" denied the request: ${message}`, reason: 'Forbidden', code: 403,
  });
}

const isMap = (v: unknown): v is Record<string, Any> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * tov1beta1: a v1alpha1 CR's `spec.config` string parsed into the v1beta1 object (a string that does not
 * parse as a config leaves empty receivers, exporters and pipelines); minReplicas/maxReplicas become the
 * autoscaler. Other spec fields carry over under the same names.
 */
export function toV1beta1(cr: KObject): KObject {
  const out = structuredClone(cr);
  if (!cr.apiVersion.endsWith('/v1alpha1')) { return out; }
  out.apiVersion = 'opentelemetry.io/v1beta1';
  const spec: Any = (out.spec ??= {});
  let cfg: Any;
  try { cfg = typeof spec.config === 'string' ? parse(spec.config) : spec.config; } catch { cfg = undefined; }
  if (!isMap(cfg)) { cfg = {}; }
  cfg.receivers = isMap(cfg.receivers) ? cfg.receivers : {};
  cfg.exporters = isMap(cfg.exporters) ? cfg.exporters : {};
  cfg.service = isMap(cfg.service) ? cfg.service : {};
  cfg.service.pipelines = isMap(cfg.service.pipelines) ? cfg.service.pipelines : {};
  spec.config = cfg;
  if (spec.minReplicas !== undefined || spec.maxReplicas !== undefined) {
    spec.autoscaler = { ...(spec.autoscaler ?? {}) };
    if (spec.minReplicas !== undefined) { spec.autoscaler.minReplicas = spec.minReplicas; }
    if (spec.maxReplicas !== undefined) { spec.autoscaler.maxReplicas = spec.maxReplicas; }
    delete spec.minReplicas;
    delete spec.maxReplicas;
  }
  return out;
}

/** tov1alpha1: what a v1alpha1 reader sees, the config as YAML text. */
export function configToV1alpha1(config: Config): string {
  return stringify(config, { indentSeq: true, lineWidth: 0 });
}

/** CollectorWebhook.Default on a v1beta1 CR. */
export function defaultCollector(cr: KObject, version: string): KObject {
  const out = structuredClone(cr);
  const spec: Any = (out.spec ??= {});
  spec.mode ||= 'deployment';
  spec.upgradeStrategy ||= 'automatic';
  out.metadata.labels ??= {};
  spec.replicas ??= 1;
  if (spec.targetAllocator?.enabled && spec.targetAllocator.replicas === undefined) { spec.targetAllocator.replicas = 1; }
  if (spec.autoscaler?.maxReplicas !== undefined) {
    spec.autoscaler.minReplicas ??= spec.replicas;
    if (spec.autoscaler.targetMemoryUtilization === undefined && spec.autoscaler.targetCPUUtilization === undefined) { spec.autoscaler.targetCPUUtilization = 90; }
  }
  spec.managementState ||= 'managed';
  const b = behaviour(version);
  const gate = (flag: string) => {
    spec.args ??= {};
    const cur: string | undefined = spec.args['feature-gates'];
    if (!cur) { spec.args['feature-gates'] = `-${flag}`; } else if (!cur.includes(flag)) { spec.args['feature-gates'] = `${cur},-${flag}`; }
  };
  if (b.unifyEnvVarArg && Object.keys(isMap(spec.config?.receivers) ? spec.config.receivers : {}).some((r) => r.includes('prometheus'))) { gate('confmap.unifyEnvVarExpansion'); }
  if (b.localhostGateArg) { gate('component.UseLocalHostAsDefaultHost'); }
  try {
    spec.config = applyDefaults(isMap(spec.config) ? spec.config : {}, b);
  } catch (e) {
    if (e instanceof ConfigError) { throw denied(webhookNames(version).mutating, e.message); }
    throw e;
  }
  return out;
}

const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** validation.IsValidPortName's messages, in its order. */
function portNameErrors(name: string): string[] {
  const errs: string[] = [];
  if (name.length > 15) { errs.push('must be no more than 15 characters'); }
  if (!/^[-a-z0-9]+$/.test(name)) { errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'); }
  if (name.includes('--')) { errs.push('must not contain consecutive hyphens'); }
  if (!/[a-z]/.test(name)) { errs.push('must contain at least one letter (a-z)'); }
  if (/^-|-$/.test(name)) { errs.push('must not begin or end with a hyphen'); }
  void PORT_NAME;
  return errs;
}
const portNumErrors = (n: number) => (n >= 1 && n <= 65535 ? [] : ['must be between 1 and 65535, inclusive']);
/** Go's %s of a []string. */
const goList = (l: string[]) => `[${l.join(' ')}]`;

/** CollectorWebhook.Validate (and ValidateUpdate's mode check): the first failing rule, in the source's order. */
export function validateCollector(cr: KObject, old: KObject | undefined, version: string): void {
  const spec: Any = cr.spec ?? {};
  const mode: string = spec.mode;
  const fail = (m: string) => { throw denied(webhookNames(version).validating, m); };
  if (old && old.spec?.mode && old.spec.mode !== mode) { fail(`the OpenTelemetry Collector mode is set to ${old.spec.mode}, which does not support modification`); }
  if (mode !== 'statefulset' && spec.volumeClaimTemplates?.length) { fail(`the OpenTelemetry Collector mode is set to ${mode}, which does not support the attribute 'volumeClaimTemplates'`); }
  if (mode !== 'statefulset' && spec.persistentVolumeClaimRetentionPolicy) { fail(`the OpenTelemetry Collector mode is set to ${mode}, which does not support the attribute 'persistentVolumeClaimRetentionPolicy'`); }
  if (mode === 'sidecar' && spec.tolerations?.length) { fail(`the OpenTelemetry Collector mode is set to ${mode}, which does not support the attribute 'tolerations'`); }
  if (mode === 'sidecar' && spec.priorityClassName) { fail(`the OpenTelemetry Collector mode is set to ${mode}, which does not support the attribute 'priorityClassName'`); }
  if (mode === 'sidecar' && spec.affinity) { fail(`the OpenTelemetry Collector mode is set to ${mode}, which does not support the attribute 'affinity'`); }
  if (mode === 'sidecar' && spec.additionalContainers?.length) { fail(`the OpenTelemetry Collector mode is set to ${mode}, which does not support the attribute 'AdditionalContainers'`); }
  if (spec.targetAllocator?.enabled && mode !== 'statefulset' && mode !== 'daemonset') { fail(`the OpenTelemetry Collector mode is set to ${mode}, which does not support the target allocation deployment`); }
  for (const p of spec.ports ?? []) {
    const ne = portNameErrors(String(p.name ?? ''));
    const pe = portNumErrors(Number(p.port));
    if (ne.length || pe.length) { fail(`the OpenTelemetry Spec Ports configuration is incorrect, port name '${p.name ?? ''}' errors: ${goList(ne)}, num '${p.port}' errors: ${goList(pe)}`); }
  }
  let all;
  try { all = ports(spec.config ?? {}, behaviour(version).extensionPorts ? ['receiver', 'exporter', 'extension'] : ['receiver', 'exporter']); } catch (e) {
    if (e instanceof ConfigError) { fail(`the OpenTelemetry config is incorrect. The port numbers are invalid: ${e.message}`); }
    throw e;
  }
  for (const p of all ?? []) {
    const name = p.name.length > 15 ? p.name.slice(0, 15) : p.name;
    const ne = portNameErrors(name);
    const pe = portNumErrors(p.port);
    if (ne.length || pe.length) { fail(`the OpenTelemetry config is incorrect. The port name '${p.name}' errors: ${goList(ne)}, num '${p.port}' errors: ${goList(pe)}`); }
  }
  const as = spec.autoscaler;
  if (as?.minReplicas !== undefined && as.maxReplicas === undefined) { fail('spec.maxReplica must be set when spec.minReplica is set'); }
  if (as?.maxReplicas !== undefined) {
    if (spec.replicas !== undefined && spec.replicas > as.maxReplicas) { fail('the OpenTelemetry Spec autoscale configuration is incorrect, replicas must not be greater than maxReplicas'); }
    const min = as.minReplicas ?? spec.replicas;
    if (min !== undefined && min > as.maxReplicas) { fail('the OpenTelemetry Spec autoscale configuration is incorrect, minReplicas must not be greater than maxReplicas'); }
  }
  if (spec.ingress?.type === 'ingress' && mode === 'sidecar') { fail('the OpenTelemetry Spec Ingress configuration is incorrect. Ingress can only be used in combination with the modes: deployment, daemonset, statefulset'); }
  if (spec.ingress?.ruleType === 'subdomain' && (!spec.ingress.hostname || spec.ingress.hostname === '*')) { fail('a valid Ingress hostname has to be defined for subdomain ruleType'); }
  if (mode !== 'daemonset' && spec.daemonSetUpdateStrategy?.type) { fail(`the OpenTelemetry Collector mode is set to ${mode}, which does not support the attribute 'updateStrategy'`); }
  if (mode !== 'deployment' && spec.deploymentUpdateStrategy?.type) { fail(`the OpenTelemetry Collector mode is set to ${mode}, which does not support the attribute 'deploymentUpdateStrategy'`); }
}

/**
 * The CRD's CEL rules on v1beta1 `spec` (kubebuilder XValidation in apis/v1beta1/opentelemetrycollector_types.go,
 * from v0.127.0), which the API server checks after the mutating webhooks and before the validating ones.
 * The message is the one a 1.25-1.34 API server writes (the simulated cluster is 1.32).
 */
export function celRules(cr: KObject, version: string): void {
  if (!atLeast(version, '0.127.0') || !cr.apiVersion.endsWith('/v1beta1')) { return; }
  const s: Any = cr.spec ?? {};
  if (s.mode !== 'sidecar') { return; }
  const msgs: string[] = [];
  if (Array.isArray(s.tolerations) && s.tolerations.length) { msgs.push('tolerations'); }
  if (s.priorityClassName) { msgs.push('priorityClassName'); }
  if (s.affinity != null) { msgs.push('affinity'); }
  if (Array.isArray(s.additionalContainers) && s.additionalContainers.length) { msgs.push('additionalContainers'); }
  if (!msgs.length) { return; }
  const causes = msgs.map((a) => ({ reason: 'FieldValueInvalid', message: `Invalid value: "object": the OpenTelemetry Collector mode is set to sidecar, which does not support the attribute '${a}'`, field: 'spec' }));
  const text = causes.map((c) => `spec: ${c.message}`);
  throw new ApiError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
    message: `OpenTelemetryCollector.opentelemetry.io "${cr.metadata.name}" is invalid: ${text.length === 1 ? text[0] : `[${text.join(', ')}]`}`,
    reason: 'Invalid', details: { name: cr.metadata.name, group: 'opentelemetry.io', kind: 'OpenTelemetryCollector', causes }, code: 422,
  });
}

/**
 * The collector webhooks on a create or update through the API server: `obj` is changed in place to what
 * is stored. A v1alpha1 CR is converted, defaulted and validated as v1beta1, then stored in the version it
 * was written in (its config as the defaulted YAML text, as a v1alpha1 reader of the real API sees it).
 */
export function admitCollector(obj: KObject, old: KObject | undefined, version: string): void {
  const alpha = obj.apiVersion.endsWith('/v1alpha1');
  const beta = defaultCollector(toV1beta1(obj), version);
  celRules({ ...beta, apiVersion: obj.apiVersion }, version);
  validateCollector(beta, old ? toV1beta1(old) : undefined, version);
  let out = beta;
  if (alpha) {
    // The v1alpha1 reader sees its own fields back, with the scalar defaults and the defaulted config text.
    out = structuredClone(obj);
    out.spec ??= {};
    for (const k of ['mode', 'upgradeStrategy', 'replicas', 'managementState']) { out.spec[k] = beta.spec[k]; }
    out.metadata.labels = beta.metadata.labels;
    out.spec.config = configToV1alpha1(beta.spec.config);
  }
  for (const k of Object.keys(obj)) { delete obj[k]; }
  Object.assign(obj, out);
}
