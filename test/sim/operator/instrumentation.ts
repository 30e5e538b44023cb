// The OpenTelemetry Operator's auto-instrumentation pod mutation (internal/instrumentation/podmutator.go,
// pkg/instrumentation/ before 0.131), as a pure function the operator stand-in's pod webhook calls on
// every Pod create. The per-language work is in instrumentation-langs.ts, the common variables in
// instrumentation-sdk.ts, what moved between releases in instrumentation-versions.ts.
import type { KObject } from '../store.ts';
import {
  INIT_NAMES, injectApacheHttpd, injectDotNet, injectGo, injectJava, injectNginx, injectNodeJS, injectPython, injectSdk,
  type Lang, type Target,
} from './instrumentation-langs.ts';
import { type Container, ENV_NODE_NAME, type Lookup, type PodCtx } from './instrumentation-sdk.ts';
import { atLeast, defaultFlags, defaultImage, type InstrumentationFlags } from './instrumentation-versions.ts';

export type { Lookup } from './instrumentation-sdk.ts';
export type { InstrumentationFlags } from './instrumentation-versions.ts';

export interface OperatorLogLine { level: 'debug' | 'info' | 'error'; logger?: string; msg: string; fields?: Record<string, unknown> }

export interface InjectContext {
  namespace?: KObject;
  /** Every Instrumentation CR in the cluster. */
  instrumentations: KObject[];
  operatorVersion: string;
  /** What the operator reads through its client: the pod's ReplicaSet / Job (for the Deployment / CronJob name) and spec.exporter.tls's Secret / ConfigMap. Without it those reads miss. */
  lookup?: Lookup;
  /** The --enable-*-instrumentation flags; unset ones take the release's defaults. */
  flags?: Partial<InstrumentationFlags>;
}

export interface InjectResult {
  pod: KObject;
  logs: OperatorLogLine[];
  /**
   * Set when Mutate returned an error: the webhook answers allowed with a 500 Status carrying this
   * message (webhookhandler.go), so the pod is admitted as sent, without the other mutators' changes.
   */
  error?: string;
  /** Events the operator records on the pod (events/v1 recorder: regarding the pod, reportingController opentelemetry-operator). */
  events?: Array<{ type: 'Warning'; reason: string; action: string; note: string }>;
}

const PREFIX = 'instrumentation.opentelemetry.io/';

interface LangRow { lang: Lang; inject: string; containers: string; label: string; flag?: keyof InstrumentationFlags; extra?: string }

// podmutator.go Mutate: the languages in the order they are selected and injected.
const LANGS: LangRow[] = [
  { lang: 'java', inject: 'inject-java', containers: 'java-container-names', label: 'Java', flag: 'java' },
  { lang: 'nodejs', inject: 'inject-nodejs', containers: 'nodejs-container-names', label: 'NodeJS', flag: 'nodejs' },
  { lang: 'python', inject: 'inject-python', containers: 'python-container-names', label: 'Python', flag: 'python', extra: 'otel-python-platform' },
  { lang: 'dotnet', inject: 'inject-dotnet', containers: 'dotnet-container-names', label: '.NET', flag: 'dotnet', extra: 'otel-dotnet-auto-runtime' },
  { lang: 'go', inject: 'inject-go', containers: 'go-container-names', label: 'Go', flag: 'go' },
  { lang: 'apacheHttpd', inject: 'inject-apache-httpd', containers: 'apache-httpd-container-names', label: 'Apache HTTPD', flag: 'apacheHttpd' },
  { lang: 'nginx', inject: 'inject-nginx', containers: 'inject-nginx-container-names', label: 'Nginx', flag: 'nginx' },
  { lang: 'sdk', inject: 'inject-sdk', containers: 'sdk-container-names', label: 'SDK' },
];
// setLanguageSpecificContainers walks Go before the web servers.
const CONTAINER_ORDER: Lang[] = ['java', 'nodejs', 'python', 'dotnet', 'go', 'apacheHttpd', 'nginx', 'sdk'];

/** annotation.go annotationValue: the pod's value, unless it says `true` and the namespace names more. */
export function annotationValue(ns: KObject | undefined, pod: KObject, key: string): string {
  const p: string = pod.metadata.annotations?.[key] ?? '';
  const n: string = ns?.metadata.annotations?.[key] ?? '';
  if (n === '') { return p; }
  if (p === '') { return n; }
  if (p.toLowerCase() !== 'true') { return p; }
  if (n.toLowerCase() === 'false') { return p; }
  return n;
}

/** helper.go isAutoInstrumentationInjected: an agent init container, the Go sidecar, or OTEL_RESOURCE_ATTRIBUTES_NODE_NAME already present. */
function alreadyInjected(pod: KObject): boolean {
  const inits = [INIT_NAMES.dotnet, INIT_NAMES.java, INIT_NAMES.nodejs, INIT_NAMES.python, INIT_NAMES.apacheAgent, INIT_NAMES.clone] as string[];
  if ((pod.spec?.initContainers ?? []).some((c: Container) => inits.includes(c.name))) { return true; }
  for (const c of (pod.spec?.containers ?? []) as Container[]) {
    if (c.name === 'opentelemetry-auto-instrumentation') { return true; }
    if (c.name !== 'otc-container' && (c.env ?? []).some((e) => e.name === ENV_NODE_NAME)) { return true; }
  }
  return false;
}

/**
 * internal/webhook/instrumentation_webhook.go defaulter: the images (and resources) a CR left unset. The
 * CR webhook writes them at admission; applying them here again is idempotent and covers CRs stored
 * without it (--no-operator, then an operator).
 */
export function defaultInstrumentation(inst: KObject, operatorVersion: string): KObject {
  const out = structuredClone(inst);
  const spec = (out.spec ??= {});
  const res = (cpu: string, mem: string, rcpu: string, rmem: string) => ({ limits: { cpu, memory: mem }, requests: { cpu: rcpu, memory: rmem } });
  const rows: Array<[string, Parameters<typeof defaultImage>[1], string, ReturnType<typeof res>]> = [
    ['java', 'java', 'resources', res('500m', '256Mi', '50m', '64Mi')],
    ['nodejs', 'nodejs', 'resourceRequirements', res('500m', '256Mi', '50m', '128Mi')],
    ['python', 'python', 'resourceRequirements', res('500m', '256Mi', '50m', '64Mi')],
    ['dotnet', 'dotnet', 'resourceRequirements', res('500m', '256Mi', '50m', '128Mi')],
    ['go', 'go', 'resourceRequirements', res('500m', '256Mi', '50m', '64Mi')],
    ['apacheHttpd', 'apacheHttpd', 'resourceRequirements', res('500m', '256Mi', '1m', '128Mi')],
    ['nginx', 'nginx', 'resourceRequirements', res('500m', '256Mi', '1m', '128Mi')],
  ];
  for (const [key, lang, resKey, r] of rows) {
    const l = (spec[key] ??= {});
    if (!l.image) { l.image = defaultImage(operatorVersion, lang); }
    l[resKey] ??= {};
    l[resKey].limits ??= r.limits;
    l[resKey].requests ??= r.requests;
  }
  spec.apacheHttpd.version ||= '2.4';
  spec.apacheHttpd.configPath ||= '/usr/local/apache2/conf';
  spec.nginx.configFile ||= '/etc/nginx/nginx.conf';
  return out;
}

class Refusal extends Error {}

function select(value: string, nsName: string, ctx: InjectContext): KObject | undefined {
  if (value === '' || value.toLowerCase() === 'false') { return undefined; }
  if (value.toLowerCase() === 'true') {
    const inNs = ctx.instrumentations.filter((i) => (i.metadata.namespace ?? 'default') === nsName);
    if (inNs.length === 0) { throw new Refusal('no OpenTelemetry Instrumentation instances available'); }
    if (inNs.length > 1) { throw new Refusal('multiple OpenTelemetry Instrumentation instances available, cannot determine which one to select'); }
    return inNs[0];
  }
  const cut = value.indexOf('/');
  const [ns, name] = cut >= 0 ? [value.slice(0, cut), value.slice(cut + 1)] : [nsName, value];
  const found = ctx.instrumentations.find((i) => (i.metadata.namespace ?? 'default') === ns && i.metadata.name === name);
  // The manager's client reads from controller-runtime's cache, whose NotFound names the Kind
  // (pkg/cache/internal/cache_reader.go), as for the Secret, ConfigMap, ReplicaSet and Job reads below.
  if (!found) { throw new Refusal(`Instrumentation.opentelemetry.io "${name}" not found`); }
  return found;
}

function validContainersAnnotation(v: string): string | undefined {
  if (v === '' || /^[a-zA-Z0-9-,]+$/.test(v)) { return undefined; }
  return `not valid characters included in the instrumentation container annotation ${v}`;
}

/** areInstrumentedContainersCorrect; duplicates across languages were refused before 0.149 (26b4924fa, #4897). */
function containersCorrect(targets: Map<Lang, Target>, version: string): string | undefined {
  let withC = 0;
  let withoutC = 0;
  let someEmpty = false;
  const all: string[] = [];
  const dupes = (names: string[]) => {
    const seen = new Map<string, number>();
    for (const n of names) { seen.set(n, (seen.get(n) ?? 0) + 1); }
    const d = [...seen].filter(([n, k]) => n !== '' && k > 1).map(([n]) => n).sort();
    return d.length ? `duplicated container names detected: [${d.join(' ')}]` : undefined;
  };
  for (const l of CONTAINER_ORDER) {
    const t = targets.get(l);
    if (!t) { continue; }
    if (t.containers.length > 0) { withC++; } else { withoutC++; someEmpty = true; }
    all.push(...t.containers);
    if (atLeast(version, 149)) { const d = dupes(t.containers); if (d) { return d; } }
  }
  if (!atLeast(version, 149)) { const d = dupes(all); if (d) { return d; } }
  const msg = 'incorrect instrumentation configuration - please provide container names for all instrumentations';
  if (withoutC > 0 && withC > 0) { return msg; }
  if (withoutC > 1 && withC === 0) { return msg; }
  if (withoutC === 0 && withC === 0) { return 'instrumentation configuration not provided'; }
  if (withC + withoutC > 1 && someEmpty) { return msg; }
  return undefined;
}

/**
 * The instrumentation mutator's Mutate. For the webhook that calls it: without `lookup` a Deployment's pod
 * is named after its ReplicaSet (OTEL_SERVICE_NAME, k8s.deployment.name missing) and spec.exporter.tls is
 * not checked; with `error` set, webhookhandler.go admits the pod exactly as it came, the sidecar
 * mutator's changes dropped too.
 */
export function injectInstrumentation(pod: KObject, ctx: InjectContext): InjectResult {
  const logs: OperatorLogLine[] = [];
  const events: NonNullable<InjectResult['events']> = [];
  const nsName: string = ctx.namespace?.metadata.name ?? pod.metadata.namespace ?? 'default';
  const fields: Record<string, unknown> = { namespace: pod.metadata.namespace ?? nsName };
  if (pod.metadata.name) { fields.name = pod.metadata.name; } else if (pod.metadata.generateName) { fields.generateName = pod.metadata.generateName; }
  const log = (level: OperatorLogLine['level'], msg: string, more: Record<string, unknown> = {}) => { logs.push({ level, msg, fields: { ...fields, ...more } }); };
  const refuse = (msg: string, error: string): InjectResult => { log('error', msg, { error }); return { pod, logs, error, events }; };
  const version = ctx.operatorVersion;
  const flags: InstrumentationFlags = { ...defaultFlags(version), ...ctx.flags };
  const ns = ctx.namespace;

  if (alreadyInjected(pod)) {
    log('info', 'Skipping pod instrumentation - already instrumented');
    return { pod, logs, events };
  }

  const targets = new Map<Lang, Target>();
  for (const row of LANGS) {
    let inst: KObject | undefined;
    try { inst = select(annotationValue(ns, pod, PREFIX + row.inject), nsName, ctx); }
    catch (e) {
      if (e instanceof Refusal) { return refuse('failed to select an OpenTelemetry Instrumentation instance for this pod', e.message); }
      throw e;
    }
    if (!inst) { continue; }
    if (row.flag && !flags[row.flag]) {
      const note = `support for ${row.label} auto instrumentation is not enabled`;
      log('error', note);
      events.push({ type: 'Warning', reason: 'InstrumentationRequestRejected', action: 'InstrumentationRequestRejected', note });
      continue;
    }
    const t: Target = { inst: defaultInstrumentation(inst, version), containers: [] };
    if (row.extra) { t.extra = annotationValue(ns, pod, PREFIX + row.extra); }
    targets.set(row.lang, t);
  }
  if (targets.size === 0) {
    log('debug', 'annotation not present in deployment, skipping instrumentation injection');
    return { pod, logs, events };
  }

  const common = annotationValue(ns, pod, `${PREFIX}container-names`);
  const bad = validContainersAnnotation(common);
  if (bad) { return { pod, logs, error: bad, events }; }
  if (common !== '') { for (const t of targets.values()) { t.containers = common.split(','); } }

  const invalid: string[] = [];
  for (const t of targets.values()) {
    const tls = t.inst.spec?.exporter?.tls;
    if (!tls) { continue; }
    if (tls.secretName && ctx.lookup && !ctx.lookup('Secret', nsName, tls.secretName)) {
      invalid.push(`secret ${nsName}/${tls.secretName} with certificates does not exists: Secret "${tls.secretName}" not found`);
    }
    if (tls.configMapName && ctx.lookup && !ctx.lookup('ConfigMap', nsName, tls.configMapName)) {
      invalid.push(`configmap ${nsName}/${tls.configMapName} with CA certificate does not exists: ConfigMap "${tls.configMapName}" not found`);
    }
  }
  if (invalid.length) { return refuse('failed to validate instrumentations', invalid.join('\n')); }

  if (flags.multiInstrumentation) {
    for (const l of CONTAINER_ORDER) {
      const t = targets.get(l);
      const row = LANGS.find((r) => r.lang === l)!;
      if (!t) { continue; }
      const v = annotationValue(ns, pod, PREFIX + row.containers);
      if (v === '') { continue; }
      const e = validContainersAnnotation(v);
      if (e) { return { pod, logs, error: e, events }; }
      t.containers.push(...v.split(','));
    }
    const wrong = containersCorrect(targets, version);
    if (wrong) {
      // V(1).Error: logr writes errors whatever the verbosity.
      log('error', 'skipping instrumentation injection', { error: wrong });
      return { pod, logs, events };
    }
  }

  const out = structuredClone(pod);
  if ((out.spec?.containers ?? []).length < 1) { return { pod, logs, events }; }
  const pctx: PodCtx = { pod: out, nsName, version, lookup: ctx.lookup, logs: [] };
  const inject: Record<Lang, (t: Target) => void> = {
    java: (t) => injectJava(pctx, t, version),
    nodejs: (t) => injectNodeJS(pctx, t, version),
    python: (t) => injectPython(pctx, t, version),
    dotnet: (t) => injectDotNet(pctx, t, version),
    go: (t) => injectGo(pctx, t, version, flags),
    apacheHttpd: (t) => injectApacheHttpd(pctx, t, version),
    nginx: (t) => injectNginx(pctx, t, version),
    sdk: (t) => injectSdk(pctx, t, version),
  };
  const debugName: Record<Lang, string> = { java: 'Java', nodejs: 'NodeJS', python: 'Python', dotnet: 'DotNet', go: 'Go', apacheHttpd: 'Apache Httpd', nginx: 'Nginx', sdk: 'sdk-only' };
  for (const l of CONTAINER_ORDER) {
    const t = targets.get(l);
    if (!t) { continue; }
    // The sdkInjector logs through the operator's root logger, without the pod's namespace and name.
    logs.push({ level: 'debug', msg: `injecting ${debugName[l]} instrumentation into pod`, fields: { 'otelinst-namespace': t.inst.metadata.namespace, 'otelinst-name': t.inst.metadata.name } });
    pctx.logs = [];
    inject[l](t);
    logs.push(...pctx.logs);
  }
  return { pod: pctx.pod, logs, events };
}
