/**
 * The OpenTelemetry operator's pod mutation for auto-instrumentation, as the operator implements it, so that
 * an annotated pod's apps carry what the operator really injects: which Instrumentation each
 * `inject-<lang>` annotation selects, which containers each language instruments (or why the whole pod is
 * admitted uninjected), and the env each instrumented container ends with. Pure; shared by diagnose and lint
 * through discover.ts. Every rule below cites open-telemetry/opentelemetry-operator at commit
 * be8944414a876f17fcdeb5a59b86b8866fb5c88e, internal/instrumentation/ unless another path is named.
 *
 * What differs between operator releases comes from src/otel/operator-data.ts: multi-instrumentation (on by
 * default from 0.110.0; before, or with --enable-multi-instrumentation=false, the language-specific
 * container names are ignored and every language goes to the common names or the first container), the
 * env each language adds, and the web-server modules' init env. An unknown operator is the current one.
 *
 * Not modelled: namespace-level inject annotations (annotation.go annotationValue merges them; namespaces are
 * not read here) and operator flags that disable a language.
 */
import type { KObject } from '../cluster/types.ts';
import { asksForNothing, injectTarget, selectInstrumentation } from '../otel/inject-select.ts';
import {
  effectiveOperator,
  initContainerTargets,
  languageDefaultEnv,
  languageDefaultsAfterSpecEnv,
  moduleInitEnv,
  multiInstrumentationDefault,
  perLanguageDuplicateCheck,
} from '../otel/operator-data.ts';
import { resolveContainerEnv, type ConfigMapIndex, type EnvVar } from './env.ts';

const PREFIX = 'instrumentation.opentelemetry.io/';

/**
 * The order sdkInjector.inject() applies the languages (sdk.go): env one language adds is already "set" for
 * the next one injected into the same container.
 */
export const INJECT_LANGUAGES = ['java', 'nodejs', 'python', 'dotnet', 'go', 'apache-httpd', 'nginx', 'sdk'] as const;
export type InjectLanguage = (typeof INJECT_LANGUAGES)[number];

/** annotation.go: `<lang>-container-names`; NGINX's constant really is `inject-nginx-container-names`. */
const CONTAINER_NAMES: Record<InjectLanguage, string> = {
  java: `${PREFIX}java-container-names`,
  nodejs: `${PREFIX}nodejs-container-names`,
  python: `${PREFIX}python-container-names`,
  dotnet: `${PREFIX}dotnet-container-names`,
  go: `${PREFIX}go-container-names`,
  'apache-httpd': `${PREFIX}apache-httpd-container-names`,
  nginx: `${PREFIX}inject-nginx-container-names`,
  sdk: `${PREFIX}sdk-container-names`,
};
const COMMON_CONTAINER_NAMES = `${PREFIX}container-names`;
/** helper.go isValidContainersAnnotation */
const VALID_CONTAINER_NAMES = /^[a-zA-Z0-9-,]+$/;
/** The Instrumentation spec section of each language; `sdk` has none (common env and exporter only). */
const SPEC_FIELD: Record<InjectLanguage, string | undefined> = {
  java: 'java',
  nodejs: 'nodejs',
  python: 'python',
  dotnet: 'dotnet',
  go: 'go',
  'apache-httpd': 'apacheHttpd',
  nginx: 'nginx',
  sdk: undefined,
};
/**
 * validateContainerEnv (sdk.go) per language: a container that sets one of these through valueFrom is
 * skipped (javaagent.go, nodejs.go, python.go, dotnet.go injectXToContainer).
 */
const NO_VALUE_FROM: Partial<Record<InjectLanguage, string[]>> = {
  java: ['JAVA_TOOL_OPTIONS'],
  nodejs: ['NODE_OPTIONS'],
  python: ['PYTHONPATH'],
  dotnet: ['DOTNET_STARTUP_HOOKS', 'DOTNET_ADDITIONAL_DEPS', 'DOTNET_SHARED_STORE'],
};

/** An `inject-<lang>` annotation on a pod, with the Instrumentation it selects (undefined: not visible). */
export interface Injection {
  language: InjectLanguage;
  value: string;
  instrumentation?: KObject;
}

export interface InjectionTarget {
  container: any;
  /** named in `container-names` among spec.initContainers (sdk.go containersToInstrument) */
  init: boolean;
  /** in the operator's order */
  injections: Injection[];
}

export interface InjectionPlan {
  targets: InjectionTarget[];
  /** why the operator admits the pod uninjected although it asks for instrumentation */
  refused?: string;
  /** a live pod the operator has mutated already: its env is what it runs with (isAutoInstrumentationInjected) */
  alreadyInjected: boolean;
}

/** What the plan depends on of the operator that mutates the pod: its version, and its multi-instrumentation flag when read. */
export interface OperatorContext {
  version: string | null;
  /** --enable-multi-instrumentation as the operator runs with it; undefined: the release's default */
  multiInstrumentation?: boolean;
}

export const INJECT_ANNOTATION = new RegExp(`^${PREFIX.replace(/[./]/g, '\\$&')}inject-(${INJECT_LANGUAGES.join('|')})$`);

/** helper.go isAutoInstrumentationInjected: the operator's init containers (nginx's too), the Go sidecar, or its node-name env. */
function alreadyInjected(pod: KObject): boolean {
  const inits: any[] = pod.spec?.initContainers ?? [];
  const marks = ['opentelemetry-auto-instrumentation', 'otel-agent-attach-apache', 'otel-agent-attach-nginx', 'otel-agent-source-container-clone'];
  if (inits.some((c) => typeof c?.name === 'string' && marks.some((m) => c.name === m || c.name.startsWith(`${m}-`)))) { return true; }
  return (pod.spec?.containers ?? []).some(
    (c: any) => c?.name === 'opentelemetry-auto-instrumentation' || (c?.name !== 'otc-container' && Array.isArray(c?.env) && c.env.some((e: any) => e?.name === 'OTEL_RESOURCE_ATTRIBUTES_NODE_NAME')),
  );
}

/**
 * Which containers the operator instruments with which Instrumentation (podmutator.go Mutate,
 * setCommonInstrumentedContainers, setLanguageSpecificContainers, areInstrumentedContainersCorrect; sdk.go
 * inject, ensureContainer, containersToInstrument, injectGo, injectApacheHttpd, injectNginx).
 */
export function planInjection(pod: KObject, instrumentations: KObject[], listed?: (namespace: string) => boolean, operator?: OperatorContext): InjectionPlan {
  const multi = operator?.multiInstrumentation ?? multiInstrumentationDefault(operator?.version);
  const initTargets = initContainerTargets(operator?.version);
  const ann = pod.metadata.annotations ?? {};
  const injected = alreadyInjected(pod);
  const ns = pod.metadata.namespace ?? 'default';
  const requested: Injection[] = [];
  for (const language of INJECT_LANGUAGES) {
    const value = String(ann[`${PREFIX}inject-${language}`] ?? '');
    // getInstrumentationInstance: empty or "false" (any case) asks for nothing.
    if (asksForNothing(value)) { continue; }
    requested.push({ language, value, instrumentation: selectInstrumentation(value, ns, instrumentations).selected });
  }
  const containers: any[] = Array.isArray(pod.spec?.containers) ? pod.spec.containers : [];
  const inits: any[] = Array.isArray(pod.spec?.initContainers) ? pod.spec.initContainers : [];
  if (requested.length === 0 || containers.length === 0) { return { targets: [], alreadyInjected: injected }; }
  const refuse = (why: string): InjectionPlan => ({ targets: [], refused: why, alreadyInjected: injected });
  // getInstrumentationInstance fails (none, several for "true", or a name that does not exist) and Mutate
  // returns the pod unpatched. Judged only where the Instrumentations were listed: in lint, or a namespace
  // the diagnosis could not list, one may exist out of sight.
  for (const r of requested) {
    const target = injectTarget(r.value, ns);
    if (r.instrumentation || !listed?.(target.namespace)) { continue; }
    const here = instrumentations.filter((i) => (i.metadata.namespace ?? 'default') === ns).length;
    const why = target.name === undefined ? (here === 0 ? `no Instrumentation exists in ${ns}` : `${here} Instrumentations exist in ${ns}, and "true" picks one only when it is alone`) : `no Instrumentation ${target.namespace}/${target.name} exists`;
    return refuse(`inject-${r.language}: "${r.value}": ${why}`);
  }

  // The common annotation applies to every requested language; the language-specific ones are appended to it.
  const names = new Map<InjectLanguage, string[]>(requested.map((r) => [r.language, []]));
  const common = String(ann[COMMON_CONTAINER_NAMES] ?? '');
  if (common !== '') {
    if (!VALID_CONTAINER_NAMES.test(common)) { return refuse(`not valid characters included in the instrumentation container annotation ${common}`); }
    for (const r of requested) { names.set(r.language, common.split(',')); }
  }
  // Without multi-instrumentation Mutate never reads the language-specific names nor checks them.
  for (const r of multi ? requested : []) {
    const own = String(ann[CONTAINER_NAMES[r.language]] ?? '');
    if (own === '') { continue; }
    if (!VALID_CONTAINER_NAMES.test(own)) { return refuse(`not valid characters included in the instrumentation container annotation ${own}`); }
    names.get(r.language)!.push(...own.split(','));
  }
  let withNames = 0;
  let withoutNames = 0;
  const duplicates = (list: string[]): string[] => [...new Set(list.filter((n, i) => n !== '' && list.indexOf(n) !== i))].sort();
  // areInstrumentedContainersCorrect runs only with multi-instrumentation; before 0.149 it looked for a
  // name twice across all languages' lists together (so the common names and two languages clash).
  const perLanguage = perLanguageDuplicateCheck(operator?.version);
  if (multi && !perLanguage) {
    const dup = duplicates(requested.flatMap((r) => names.get(r.language)!));
    if (dup.length) { return refuse(`duplicated container names detected: [${dup.join(' ')}]`); }
  }
  for (const r of requested) {
    const list = names.get(r.language)!;
    const dup = multi && perLanguage ? duplicates(list) : [];
    if (dup.length) { return refuse(`duplicated container names detected: [${dup.join(' ')}]`); }
    if (list.length) { withNames++; } else { withoutNames++; }
  }
  if (multi && ((withNames > 0 && withoutNames > 0) || withoutNames > 1)) {
    return refuse('incorrect instrumentation configuration - please provide container names for all instrumentations');
  }

  const byContainer = new Map<any, InjectionTarget>();
  const find = (name: string): { container: any; init: boolean } | undefined => {
    const c = containers.find((x) => x?.name === name);
    if (c) { return { container: c, init: false }; }
    // containersToInstrument looks among init containers from 0.146 only.
    const i = initTargets ? inits.find((x) => x?.name === name) : undefined;
    return i ? { container: i, init: true } : undefined;
  };
  for (const r of requested) {
    // ensureContainer: one instrumentation without names instruments the first container only.
    let list = names.get(r.language)!;
    if (list.length === 0) { list = [String(containers[0]?.name ?? '')]; }
    if (r.language === 'go') {
      // injectGo / golang.go: one container, never an init container, shareProcessNamespace not disabled; the
      // agent is a sidecar, so a live pod's sidecar is an app of its own.
      const goNames = String(ann[CONTAINER_NAMES.go] ?? '');
      if (injected || pod.spec?.shareProcessNamespace === false || goNames.split(',').length > 1) { continue; }
      list = [list[0]];
    }
    for (const name of list) {
      const hit = find(name);
      if (!hit) { continue; }
      // The web-server modules and Go skip init containers (injectApacheHttpd, injectNginx, injectGo).
      if (hit.init && (r.language === 'go' || r.language === 'apache-httpd' || r.language === 'nginx')) { continue; }
      if (!injected && !envAllows(r, hit.container)) { continue; }
      const t = byContainer.get(hit.container) ?? { container: hit.container, init: hit.init, injections: [] };
      t.injections.push(r);
      byContainer.set(hit.container, t);
    }
  }
  // containersToInstrument: init containers first, in pod order, then regular containers.
  const order = [...inits, ...containers];
  const targets = [...byContainer.values()].sort((a, b) => order.indexOf(a.container) - order.indexOf(b.container));
  return { targets, alreadyInjected: injected };
}

function envAllows(r: Injection, container: any): boolean {
  const env: any[] = Array.isArray(container?.env) ? container.env : [];
  if ((NO_VALUE_FROM[r.language] ?? []).some((n) => env.some((e) => e?.name === n && e.valueFrom))) { return false; }
  if (r.language === 'dotnet') {
    // dotnet.go: OTEL_DOTNET_AUTO_HOME already set (container or spec.dotnet.env) means instrumented already.
    const specEnv: any[] = Array.isArray(r.instrumentation?.spec?.dotnet?.env) ? r.instrumentation.spec.dotnet.env : [];
    if ([...env, ...specEnv].some((e) => e?.name === 'OTEL_DOTNET_AUTO_HOME')) { return false; }
  }
  return true;
}

/** An env entry as written in a pod spec. */
type RawEnv = { name: string; value?: string; valueFrom?: unknown };
const ENDPOINT = 'OTEL_EXPORTER_OTLP_ENDPOINT';
/** sdk.go defaultPodNodeEnvVars */
const POD_NODE_ENV: RawEnv[] = [
  { name: 'OTEL_POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
  { name: 'OTEL_NODE_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
];

function listOf(v: unknown): RawEnv[] {
  return Array.isArray(v) ? v.filter((e): e is RawEnv => typeof e?.name === 'string') : [];
}

/** Builds one container's env as the operator edits it, remembering which names it added. */
class EnvBuilder {
  env: RawEnv[];
  readonly added = new Set<string>();
  constructor(base: RawEnv[]) {
    this.env = [...base];
  }
  has(name: string): boolean {
    return this.env.some((e) => e.name === name);
  }
  /** sdk.go appendIfNotSet */
  appendIfNotSet(list: RawEnv[]): void {
    for (const e of list) {
      if (this.has(e.name)) { continue; }
      this.env.push(e);
      this.added.add(e.name);
    }
  }
  /** sdk.go injectCommonEnvVar: OTEL_POD_IP then OTEL_NODE_IP prepended when absent, then spec.env appended if not set. */
  common(inst: KObject | undefined): void {
    for (const e of POD_NODE_ENV) {
      if (this.has(e.name)) { continue; }
      this.env = [e, ...this.env];
      this.added.add(e.name);
    }
    this.appendIfNotSet(listOf(inst?.spec?.env));
  }
  /** exporter.go configureExporter: the endpoint and the TLS CA file, each only if not set. */
  exporter(inst: KObject | undefined): void {
    const ex = inst?.spec?.exporter;
    if (typeof ex?.endpoint === 'string' && ex.endpoint !== '') { this.appendIfNotSet([{ name: ENDPOINT, value: ex.endpoint }]); }
    const tls = ex?.tls;
    if (typeof tls?.ca_file === 'string' && tls.ca_file !== '') {
      const mount = tls.configMapName ? `/otel-auto-instrumentation-configmap-${tls.configMapName}` : `/otel-auto-instrumentation-secret-${tls.secretName ?? ''}`;
      this.appendIfNotSet([{ name: 'OTEL_EXPORTER_OTLP_CERTIFICATE', value: tls.ca_file.startsWith('/') ? tls.ca_file : `${mount}/${tls.ca_file}` }]);
    }
  }
}

export interface InjectedEnv {
  /** the container's env after the operator's edits, resolved as the kubelet resolves it */
  env: EnvVar[];
  /** what the exporter reads when that is not the container's env (the Go agent sidecar, a web-server module's config) */
  exporterEnv?: EnvVar[];
}

function isModule(l: InjectLanguage): boolean {
  return l === 'apache-httpd' || l === 'nginx';
}

/** The endpoint the web-server module's generated config names (see injectedEnv). */
function moduleEndpoint(language: InjectLanguage, inst: KObject | undefined): string {
  const attr = language === 'nginx' ? 'NginxModuleOtelExporterEndpoint' : 'ApacheModuleOtelExporterEndpoint';
  const attrs: unknown[] = listOf(inst?.spec?.[SPEC_FIELD[language] as string]?.attrs);
  const set = attrs.find((a: any) => a?.name === attr && typeof a?.value === 'string') as { value: string } | undefined;
  const ep = inst?.spec?.exporter?.endpoint;
  return set?.value ?? (typeof ep === 'string' && ep !== '' ? ep : 'http://localhost:4317/');
}

/** The injection that decides the SDK: the first language injected, the env-only `sdk` only when alone. */
export function primaryInjection(injections: Injection[]): Injection | undefined {
  return injections.find((i) => i.language !== 'sdk') ?? injections[0];
}

/**
 * A target container's env as the operator builds it (sdk.go inject and the per-language injectors, in
 * their order: the container's own env, the language's `env`, then injectCommonEnvVar's OTEL_NODE_IP /
 * OTEL_POD_IP first and `spec.env`, the language defaults, then configureExporter's endpoint, each only if
 * not set), resolved by the same resolver as any container (fieldRef, and `$(VAR)` from variables defined
 * earlier in the list: a reference to a later one stays as written, as the kubelet leaves it).
 */
export function injectedEnv(pod: KObject, target: InjectionTarget, alreadyInjectedPod: boolean, configMaps: ConfigMapIndex, operatorVersion?: string | null): InjectedEnv {
  const opVersion = effectiveOperator(operatorVersion).version;
  const own = listOf(target.container?.env);
  const resolve = (b: EnvBuilder, from: string, envFrom: unknown): EnvVar[] =>
    resolveContainerEnv(pod, { ...target.container, env: b.env, envFrom }, configMaps).map((v) => (b.added.has(v.name) ? { ...v, injectedBy: from } : v));
  const app = new EnvBuilder(own);
  const primary = primaryInjection(target.injections);
  let exporter: { b: EnvBuilder; from: string } | undefined;
  if (!alreadyInjectedPod) {
    for (const inj of target.injections) {
      const inst = inj.instrumentation;
      const field = SPEC_FIELD[inj.language];
      const langEnv = listOf(field ? inst?.spec?.[field]?.env : undefined);
      const from = inst ? `Instrumentation ${inst.metadata.namespace ?? ''}/${inst.metadata.name}` : `annotation ${PREFIX}inject-${inj.language}`;
      if (inj.language === 'go') {
        // golang.go injectGoSDK: the agent sidecar starts from the target-exe annotation and spec.go.env; it
        // does not see the app container's env.
        const exe = pod.metadata.annotations?.[`${PREFIX}otel-go-auto-target-exe`];
        const side = new EnvBuilder([]);
        side.appendIfNotSet([...(typeof exe === 'string' ? [{ name: 'OTEL_GO_AUTO_TARGET_EXE', value: exe }] : []), ...langEnv]);
        side.common(inst);
        side.exporter(inst);
        if (inj === primary) { exporter = { b: side, from }; }
        continue;
      }
      app.appendIfNotSet(langEnv);
      // python.go (the image ships only the OTLP/HTTP exporter) and nodejs.go, per release; spec.env can
      // override them only where they come after it.
      const defaults = languageDefaultEnv(inj.language, opVersion);
      const defaultsLast = languageDefaultsAfterSpecEnv(opVersion);
      if (!defaultsLast) { app.appendIfNotSet(defaults); }
      app.common(inst);
      if (defaultsLast) { app.appendIfNotSet(defaults); }
      app.exporter(inst);
      if (isModule(inj.language) && inj === primary) {
        // The module reads its endpoint from a config file an init container writes: spec.exporter.endpoint,
        // else http://localhost:4317/, replaced by the `<Module>OtelExporterEndpoint` attr when one is set
        // (apachehttpd.go getApacheOtelConfig, nginx.go getNginxOtelConfig @be8944414); no env variable of
        // the app changes it. The init container's env (helper.go initContainerUserEnv, from 0.158.0: the
        // language env, spec.env, then OTEL_POD_IP / OTEL_NODE_IP) is what `$(OTEL_NODE_IP)` in it expands
        // against; before 0.158.0 it had none, so a `$(VAR)` stays as written.
        const mod = new EnvBuilder([]);
        if (moduleInitEnv(opVersion)) {
          mod.appendIfNotSet(langEnv.filter((e: any) => e?.name !== ENDPOINT));
          mod.appendIfNotSet(listOf(inst?.spec?.env).filter((e: any) => e?.name !== ENDPOINT));
          mod.appendIfNotSet(POD_NODE_ENV);
        }
        mod.appendIfNotSet([{ name: ENDPOINT, value: moduleEndpoint(inj.language, inst) }]);
        exporter = { b: mod, from };
      }
    }
  }
  const primaryFrom = primary?.instrumentation ? `Instrumentation ${primary.instrumentation.metadata.namespace ?? ''}/${primary.instrumentation.metadata.name}` : 'the operator';
  const env = resolve(app, primaryFrom, target.container?.envFrom);
  return { env, ...(exporter ? { exporterEnv: resolve(exporter.b, exporter.from, undefined) } : {}) };
}

/** Why an annotated pod is admitted uninjected, one note per workload (the webhook allows the pod unpatched). */
export function injectionNotes(pods: KObject[], instrumentations: KObject[], listed?: (namespace: string) => boolean, operator?: OperatorContext): string[] {
  const notes = new Set<string>();
  for (const pod of pods) {
    const plan = planInjection(pod, instrumentations, listed, operator);
    if (!plan.refused) { continue; }
    const owner = pod.metadata.ownerReferences?.[0];
    const where = `${owner ? `${owner.kind} ` : 'Pod '}${pod.metadata.namespace ?? 'default'}/${owner?.name ?? pod.metadata.name}`;
    notes.add(`${where}: the OpenTelemetry operator admits this pod without instrumentation: ${plan.refused}`);
  }
  return [...notes].sort();
}
