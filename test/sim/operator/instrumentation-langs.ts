// Per-language injection (internal/instrumentation/javaagent.go, nodejs.go, python.go, dotnet.go,
// golang.go, apachehttpd.go, nginx.go and their callers in sdk.go), at v0.158.0 with the older
// releases' differences from instrumentation-versions.ts behaviour().
import type { KObject } from '../store.ts';
import { behaviour, type InstrumentationFlags } from './instrumentation-versions.ts';
import { apacheHttpdAgentScript, nginxAgentScript, nginxCloneScript } from './instrumentation-scripts.ts';
import {
  appendIfNotSet, appendOrReplace, type Container, type EnvVar, indexOfEnv, injectCommonEnvVar,
  injectCommonSDKConfig, instrVolume, type PodCtx, podNodeEnv, resourceMap, serviceName, validateContainerEnv,
} from './instrumentation-sdk.ts';

export type Lang = 'java' | 'nodejs' | 'python' | 'dotnet' | 'go' | 'apacheHttpd' | 'nginx' | 'sdk';
export interface Target { inst: KObject; containers: string[]; extra?: string }

const VOLUME = 'opentelemetry-auto-instrumentation';
export const INIT_NAMES = {
  java: `${VOLUME}-java`, nodejs: `${VOLUME}-nodejs`, python: `${VOLUME}-python`, dotnet: `${VOLUME}-dotnet`,
  apacheAgent: 'otel-agent-attach-apache', clone: 'otel-agent-source-container-clone', nginxAgent: 'otel-agent-attach-nginx',
} as const;

const initContainers = (pod: KObject): Container[] => (pod.spec.initContainers ??= []);
const isInit = (pod: KObject, name: string) => (pod.spec.initContainers ?? []).some((c: Container) => c.name === name);

/** containersToInstrument: named containers that exist, init containers first in pod order (>= 0.146). */
function containersToInstrument(pod: KObject, t: Target, version: string): Container[] {
  if (t.containers.length === 0) { t.containers = [pod.spec.containers[0].name]; }
  if (!behaviour(version).initContainerTargets) {
    // getContainerIndex: an unknown name falls back to the first container.
    return t.containers.map((n) => pod.spec.containers.find((c: Container) => c.name === n) ?? pod.spec.containers[0]);
  }
  const inits: Container[] = [];
  const regular: Container[] = [];
  for (const n of t.containers) {
    const c = pod.spec.containers.find((x: Container) => x.name === n) ?? (pod.spec.initContainers ?? []).find((x: Container) => x.name === n);
    if (!c) { continue; }
    (isInit(pod, n) ? inits : regular).push(c);
  }
  const order = (pod.spec.initContainers ?? []).map((c: Container) => c.name);
  inits.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  return [...inits, ...regular];
}

/** insertInitContainer: before a targeted init container, else appended. */
function insertInit(pod: KObject, add: Container, target: string): void {
  const list = initContainers(pod);
  const i = list.findIndex((c) => c.name === target);
  if (i >= 0) { list.splice(i, 0, add); } else { list.push(add); }
}

function resolveSC(inst: KObject, c: Container): unknown {
  return inst.spec?.initContainerSecurityContext ?? c.securityContext;
}

function setInitSC(pod: KObject, sc: unknown, name: string): void {
  for (const c of pod.spec.initContainers ?? []) {
    if (c.name === name) { if (sc === undefined) { delete c.securityContext; } else { c.securityContext = structuredClone(sc); } }
  }
}

function initContainer(name: string, image: string, command: string[], resources: unknown, volume: string, mountPath: string, pullPolicy: unknown): Container {
  const c: Container = { name, image, command, volumeMounts: [{ name: volume, mountPath }] };
  if (resources && Object.keys(resources).length) { c.resources = structuredClone(resources); }
  if (pullPolicy) { c.imagePullPolicy = pullPolicy; }
  return c;
}

function skip(ctx: PodCtx, what: string, reason: string, container: string): void {
  ctx.logs.push({ level: 'info', msg: `Skipping ${what} injection`, fields: { reason, container } });
}

/** The shared shape of Java, Node.js, Python and .NET: per container, then the pod's volume and init container. */
interface AgentLang {
  what: string;
  check(c: Container): string | undefined;
  /** Written right after the spec's env in every release (PYTHONPATH). */
  containerEnv?(c: Container): void;
  /** The variables of the language itself (before spec.env before 0.140, after it since). */
  defaults(c: Container): void;
  mountPath(c: Container): string;
  volume: string;
  init(first: Container): Container;
  initName: string;
}

function injectAgent(ctx: PodCtx, t: Target, version: string, spec: Record<string, any>, lang: AgentLang): void {
  const pod = ctx.pod;
  const b = behaviour(version);
  const containers = containersToInstrument(pod, t, version);
  if (containers.length === 0) { return; }
  for (const c of containers) {
    const err = lang.check(c);
    if (err) { skip(ctx, lang.what, err, c.name); continue; }
    c.env = appendIfNotSet(c.env ?? [], ...(spec.env ?? []));
    lang.containerEnv?.(c);
    if (!b.langEnvAfterCommon) { lang.defaults(c); }
    (c.volumeMounts ??= []).push({ name: lang.volume, mountPath: lang.mountPath(c) });
    injectCommonEnvVar(t.inst, c);
    if (b.langEnvAfterCommon) { lang.defaults(c); }
    injectCommonSDKConfig(ctx, t.inst, c, c);
  }
  if (!isInit(pod, lang.initName)) {
    (pod.spec.volumes ??= []).push(instrVolume(spec, lang.volume));
    const ic = lang.init(containers[0]);
    const sc = resolveSC(t.inst, containers[0]);
    if (sc !== undefined) { ic.securityContext = structuredClone(sc); }
    insertInit(pod, ic, containers[0].name);
    if (lang.initName === INIT_NAMES.java) {
      (spec.extensions ?? []).forEach((ext: { image: string; dir: string }, i: number) => {
        const e: Container = {
          name: `${VOLUME}-extension-${i}`, image: ext.image, command: ['cp', '-r', `${ext.dir}/.`, '/otel-auto-instrumentation-java/extensions'],
          volumeMounts: [{ name: lang.volume, mountPath: '/otel-auto-instrumentation-java' }],
        };
        if (spec.resources && Object.keys(spec.resources).length) { e.resources = structuredClone(spec.resources); }
        if (sc !== undefined) { e.securityContext = structuredClone(sc); }
        insertInit(pod, e, containers[0].name);
      });
    }
  }
}

export function injectJava(ctx: PodCtx, t: Target, version: string): void {
  const spec = t.inst.spec?.java ?? {};
  const perContainer = behaviour(version).javaPerContainerMount;
  const mount = (c: Container) => (perContainer ? `/otel-auto-instrumentation-java-${c.name}` : '/otel-auto-instrumentation-java');
  injectAgent(ctx, t, version, spec, {
    what: 'javaagent', volume: `${VOLUME}-java`, initName: INIT_NAMES.java, mountPath: mount,
    check: (c) => validateContainerEnv(c.env, 'JAVA_TOOL_OPTIONS'),
    defaults: (c) => {
      let arg = ` -javaagent:${mount(c)}/javaagent.jar`;
      if ((spec.extensions ?? []).length > 0) { arg += ` -Dotel.javaagent.extensions=${mount(c)}/extensions`; }
      const i = indexOfEnv(c.env, 'JAVA_TOOL_OPTIONS');
      if (i === -1) { c.env = appendOrReplace(c.env ?? [], { name: 'JAVA_TOOL_OPTIONS', value: arg }); }
      else if (!c.env![i].valueFrom) { c.env = appendOrReplace(c.env!, { name: 'JAVA_TOOL_OPTIONS', value: (c.env![i].value ?? '') + arg }); }
    },
    init: () => initContainer(INIT_NAMES.java, spec.image, ['cp', '/javaagent.jar', '/otel-auto-instrumentation-java/javaagent.jar'], spec.resources, `${VOLUME}-java`, '/otel-auto-instrumentation-java', t.inst.spec?.imagePullPolicy),
  });
}

export function injectNodeJS(ctx: PodCtx, t: Target, version: string): void {
  const spec = t.inst.spec?.nodejs ?? {};
  const arg = ' --require /otel-auto-instrumentation-nodejs/autoinstrumentation.js';
  injectAgent(ctx, t, version, spec, {
    what: 'NodeJS SDK', volume: `${VOLUME}-nodejs`, initName: INIT_NAMES.nodejs, mountPath: () => '/otel-auto-instrumentation-nodejs',
    check: (c) => validateContainerEnv(c.env, 'NODE_OPTIONS'),
    defaults: (c) => {
      const add: EnvVar[] = [];
      const i = indexOfEnv(c.env, 'NODE_OPTIONS');
      if (i === -1) { add.push({ name: 'NODE_OPTIONS', value: arg }); }
      else if (!c.env![i].valueFrom) { add.push({ name: 'NODE_OPTIONS', value: (c.env![i].value ?? '') + arg }); }
      if (behaviour(version).nodeMetricsExporter && indexOfEnv(c.env, 'OTEL_METRICS_EXPORTER') === -1) { add.push({ name: 'OTEL_METRICS_EXPORTER', value: 'otlp' }); }
      c.env = appendOrReplace(c.env ?? [], ...add);
    },
    init: () => initContainer(INIT_NAMES.nodejs, spec.image, ['cp', '-r', '/autoinstrumentation/.', '/otel-auto-instrumentation-nodejs'], spec.resourceRequirements, `${VOLUME}-nodejs`, '/otel-auto-instrumentation-nodejs', t.inst.spec?.imagePullPolicy),
  });
}

function pythonSrc(platform: string): string | undefined {
  if (platform === '' || platform === 'glibc') { return '/autoinstrumentation/.'; }
  return platform === 'musl' ? '/autoinstrumentation-musl/.' : undefined;
}

export function injectPython(ctx: PodCtx, t: Target, version: string): void {
  const spec = t.inst.spec?.python ?? {};
  const platform = t.extra ?? '';
  const b = behaviour(version);
  const prefix = '/otel-auto-instrumentation-python/opentelemetry/instrumentation/auto_instrumentation';
  const suffix = '/otel-auto-instrumentation-python';
  const defaults: EnvVar[] = b.pythonProtocol
    ? [{ name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'http/protobuf' }, { name: 'OTEL_TRACES_EXPORTER', value: 'otlp' }, { name: 'OTEL_METRICS_EXPORTER', value: 'otlp' }]
    : [{ name: 'OTEL_TRACES_EXPORTER', value: 'otlp' }, { name: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', value: 'http/protobuf' }, { name: 'OTEL_METRICS_EXPORTER', value: 'otlp' }, { name: 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', value: 'http/protobuf' }];
  if (b.pythonLogsExporter) { defaults.push({ name: 'OTEL_LOGS_EXPORTER', value: 'otlp' }); }
  const pythonPath = (c: Container) => {
    const i = indexOfEnv(c.env, 'PYTHONPATH');
    if (i === -1) { c.env = [...(c.env ?? []), { name: 'PYTHONPATH', value: `${prefix}:${suffix}` }]; }
    else { c.env![i] = { ...c.env![i], value: `${prefix}:${c.env![i].value ?? ''}:${suffix}` }; }
  };
  injectAgent(ctx, t, version, spec, {
    what: 'Python SDK', volume: `${VOLUME}-python`, initName: INIT_NAMES.python, mountPath: () => suffix,
    check: (c) => validateContainerEnv(c.env, 'PYTHONPATH')
      ?? (pythonSrc(platform) === undefined ? `provided instrumentation.opentelemetry.io/otel-python-platform annotation value '${platform}' is not supported` : undefined),
    containerEnv: pythonPath,
    defaults: (c) => { c.env = appendIfNotSet(c.env ?? [], ...defaults); },
    init: () => initContainer(INIT_NAMES.python, spec.image, ['cp', '-r', pythonSrc(platform) ?? '/autoinstrumentation/.', suffix], spec.resourceRequirements, `${VOLUME}-python`, suffix, t.inst.spec?.imagePullPolicy),
  });
}

const DOTNET_HOME = '/otel-auto-instrumentation-dotnet';

export function injectDotNet(ctx: PodCtx, t: Target, version: string): void {
  const spec = t.inst.spec?.dotnet ?? {};
  const runtime = t.extra ?? '';
  // setDotNetEnvVar: a list variable (concat) gets the operator's path appended, any other keeps the container's value.
  const set = (c: Container, name: string, value: string, concat: boolean) => {
    const i = indexOfEnv(c.env, name);
    if (i < 0) { c.env = [...(c.env ?? []), { name, value }]; return; }
    if (c.env![i].valueFrom) { return; }
    if (concat) { c.env![i] = { ...c.env![i], value: `${c.env![i].value ?? ''}:${value}` }; }
  };
  injectAgent(ctx, t, version, spec, {
    what: 'DotNet SDK', volume: `${VOLUME}-dotnet`, initName: INIT_NAMES.dotnet, mountPath: () => DOTNET_HOME,
    check: (c) => {
      const e = validateContainerEnv(c.env, 'DOTNET_STARTUP_HOOKS', 'DOTNET_ADDITIONAL_DEPS', 'DOTNET_SHARED_STORE');
      if (e) { return e; }
      if (indexOfEnv(c.env, 'OTEL_DOTNET_AUTO_HOME') > -1) { return 'OTEL_DOTNET_AUTO_HOME environment variable is already set in the container'; }
      if (indexOfEnv(spec.env, 'OTEL_DOTNET_AUTO_HOME') > -1) { return 'OTEL_DOTNET_AUTO_HOME environment variable is already set in the .NET instrumentation spec'; }
      if (runtime !== '' && runtime !== 'linux-x64' && runtime !== 'linux-musl-x64') {
        return `provided instrumentation.opentelemetry.io/dotnet-runtime annotation value '${runtime}' is not supported`;
      }
      return undefined;
    },
    defaults: (c) => {
      set(c, 'CORECLR_ENABLE_PROFILING', '1', false);
      set(c, 'CORECLR_PROFILER', '{918728DD-259F-4A6A-AC2B-B85E1B658318}', false);
      set(c, 'CORECLR_PROFILER_PATH', `${DOTNET_HOME}/${runtime === 'linux-musl-x64' ? 'linux-musl' : 'linux'}/OpenTelemetry.AutoInstrumentation.Native.so`, false);
      set(c, 'DOTNET_STARTUP_HOOKS', `${DOTNET_HOME}/net/OpenTelemetry.AutoInstrumentation.StartupHook.dll`, true);
      set(c, 'DOTNET_ADDITIONAL_DEPS', `${DOTNET_HOME}/AdditionalDeps`, true);
      set(c, 'OTEL_DOTNET_AUTO_HOME', DOTNET_HOME, false);
      set(c, 'DOTNET_SHARED_STORE', `${DOTNET_HOME}/store`, true);
    },
    init: () => initContainer(INIT_NAMES.dotnet, spec.image, ['cp', '-r', '/autoinstrumentation/.', DOTNET_HOME], spec.resourceRequirements, `${VOLUME}-dotnet`, DOTNET_HOME, t.inst.spec?.imagePullPolicy),
  });
}

/** Go: an eBPF agent sidecar in the app's process namespace; one container only, never an init container. */
export function injectGo(ctx: PodCtx, t: Target, _version: string, flags: InstrumentationFlags): void {
  const pod = ctx.pod;
  const orig = structuredClone(pod.spec);
  const spec = t.inst.spec?.go ?? {};
  if (t.containers.length === 0) { t.containers = [pod.spec.containers[0].name]; }
  const name = t.containers[0];
  if (isInit(pod, name)) { skip(ctx, 'Go SDK', 'is init container', name); return; }
  if (pod.spec.shareProcessNamespace === false) { skip(ctx, 'Go SDK', 'shared process namespace has been explicitly disabled', name); return; }
  const ann = pod.metadata.annotations?.[flags.multiInstrumentation ? 'instrumentation.opentelemetry.io/go-container-names' : 'instrumentation.opentelemetry.io/container-names'];
  if (ann !== undefined && ann.split(',').length > 1) {
    skip(ctx, 'Go SDK', 'go instrumentation cannot be injected into a pod, multiple containers configured', name);
    return;
  }
  pod.spec.shareProcessNamespace = true;
  const agent: Container = {
    name: VOLUME, image: spec.image, securityContext: structuredClone(spec.securityContext ?? { runAsUser: 0, privileged: true }),
    volumeMounts: [{ mountPath: '/sys/kernel/debug', name: 'kernel-debug' }],
  };
  if (spec.resources && Object.keys(spec.resources).length) { agent.resources = structuredClone(spec.resources); }
  if (t.inst.spec?.imagePullPolicy) { agent.imagePullPolicy = t.inst.spec.imagePullPolicy; }
  const exe = pod.metadata.annotations?.['instrumentation.opentelemetry.io/otel-go-auto-target-exe'];
  agent.env = exe !== undefined ? [{ name: 'OTEL_GO_AUTO_TARGET_EXE', value: exe }] : [];
  agent.env = appendIfNotSet(agent.env, ...(spec.env ?? []));
  pod.spec.containers.push(agent);
  (pod.spec.volumes ??= []).push({ name: 'kernel-debug', hostPath: { path: '/sys/kernel/debug' } });
  const app = pod.spec.containers.find((c: Container) => c.name === name) ?? pod.spec.containers[0];
  injectCommonEnvVar(t.inst, agent);
  injectCommonSDKConfig(ctx, t.inst, agent, app);
  if (indexOfEnv(agent.env, 'OTEL_GO_AUTO_TARGET_EXE') === -1) {
    skip(ctx, 'Go SDK', 'OTEL_GO_AUTO_TARGET_EXE not set', name);
    pod.spec = orig;
  }
}

/** initContainerUserEnv (>= 0.158): the module's env, then spec.env, then the pod/node IPs, then the module's own; before, the module's own only. */
function initUserEnv(version: string, required: EnvVar[], langEnv: EnvVar[] | undefined, commonEnv: EnvVar[] | undefined): EnvVar[] {
  if (!behaviour(version).moduleInitUserEnv) { return required; }
  let env = structuredClone(langEnv ?? []);
  env = appendIfNotSet(env, ...(commonEnv ?? []));
  env = appendIfNotSet(env, ...podNodeEnv());
  return [...env, ...required];
}

function moduleConfig(ctx: PodCtx, inst: KObject, c: Container, prefix: 'Apache' | 'Nginx', attrs: EnvVar[] | undefined, version22: boolean): string {
  const pod = ctx.pod;
  const res = resourceMap(ctx, inst, c);
  const endpoint = inst.spec?.exporter?.endpoint || 'http://localhost:4317/';
  const svc = serviceName(pod, !!inst.spec?.defaults?.useLabelsForResourceAttributes, res, c);
  const ns = pod.metadata.namespace || res.get('k8s.namespace.name') || (prefix === 'Apache' ? 'apache-httpd' : 'nginx');
  const m = `${prefix}Module`;
  const sp = prefix === 'Apache' ? ' ' : '';
  const map = new Map<string, string>([
    [`${m}Enabled`, 'ON'], [`${m}OtelSpanExporter`, 'otlp'], [`${m}OtelExporterEndpoint`, endpoint],
    [`${m}ServiceName`, svc], [`${m}ServiceNamespace`, ns], [`${m}ServiceInstanceId`, '<<SID-PLACEHOLDER>>'],
    // The Apache template writes these two with a leading space; NGINX does not.
    [`${m}ResolveBackends`, `${sp}ON`], [`${m}TraceAsError`, `${sp}ON`],
  ]);
  for (const a of attrs ?? []) { map.set(a.name, a.value ?? ''); }
  const lines = [...map.keys()].sort().map((k) => (prefix === 'Apache' ? `${k} ${map.get(k)}\n` : `${k} ${map.get(k)};\n`)).join('');
  if (prefix === 'Nginx') { return lines; }
  const d = '/opt/opentelemetry-webserver/agent';
  return `
#Load the Otel Webserver SDK
LoadFile ${d}/sdk_lib/lib/libopentelemetry_common.so
LoadFile ${d}/sdk_lib/lib/libopentelemetry_resources.so
LoadFile ${d}/sdk_lib/lib/libopentelemetry_trace.so
LoadFile ${d}/sdk_lib/lib/libopentelemetry_otlp_recordable.so
LoadFile ${d}/sdk_lib/lib/libopentelemetry_exporter_ostream_span.so
LoadFile ${d}/sdk_lib/lib/libopentelemetry_exporter_otlp_grpc.so
#Load the Otel ApacheModule SDK
LoadFile ${d}/sdk_lib/lib/libopentelemetry_webserver_sdk.so
#Load the Apache Module. In this example for Apache 2.4
#LoadModule otel_apache_module ${d}/WebServerModule/Apache/libmod_apache_otel.so
#Load the Apache Module. In this example for Apache 2.2
#LoadModule otel_apache_module ${d}/WebServerModule/Apache/libmod_apache_otel22.so
LoadModule otel_apache_module ${d}/WebServerModule/Apache/libmod_apache_otel${version22 ? '22' : ''}.so
#Attributes
${lines}`;
}

function dropConfMount(c: Container, dir: string): void {
  const i = (c.volumeMounts ?? []).findIndex((m) => String(m.mountPath ?? '').includes(dir));
  if (i >= 0) { c.volumeMounts!.splice(i, 1); }
}

export function injectApacheHttpd(ctx: PodCtx, t: Target, version: string): void {
  const pod = ctx.pod;
  const inst = t.inst;
  const spec = inst.spec?.apacheHttpd ?? {};
  const confDir = (spec.configPath || '/usr/local/apache2/conf').replace(/\/$/, '');
  for (const c of containersToInstrument(pod, t, version)) {
    if (isInit(pod, c.name)) { skip(ctx, 'Apache Httpd', 'is init container', c.name); continue; }
    const res = spec.resourceRequirements;
    c.env = appendIfNotSet(c.env ?? [], ...(spec.env ?? []));
    if (!isInit(pod, INIT_NAMES.clone)) {
      (pod.spec.volumes ??= []).push({ name: 'otel-apache-conf-dir', emptyDir: { sizeLimit: spec.volumeLimitSize ?? '200Mi' } });
      const clone: Container = {
        name: INIT_NAMES.clone, image: c.image, command: ['cp', '-r', `${confDir}/.`, '/opt/opentelemetry-webserver/source-conf'],
        env: structuredClone(c.env), volumeMounts: [...structuredClone(c.volumeMounts ?? []), { name: 'otel-apache-conf-dir', mountPath: '/opt/opentelemetry-webserver/source-conf' }],
      };
      if (c.envFrom) { clone.envFrom = structuredClone(c.envFrom); }
      if (res && Object.keys(res).length) { clone.resources = structuredClone(res); }
      if (c.securityContext) { clone.securityContext = structuredClone(c.securityContext); }
      if (c.imagePullPolicy) { clone.imagePullPolicy = c.imagePullPolicy; }
      initContainers(pod).push(clone);
      dropConfMount(c, confDir);
      (c.volumeMounts ??= []).push({ name: 'otel-apache-agent', mountPath: '/opt/opentelemetry-webserver/agent' }, { name: 'otel-apache-conf-dir', mountPath: confDir });
    }
    if (!isInit(pod, INIT_NAMES.apacheAgent)) {
      (pod.spec.volumes ??= []).push(instrVolume(spec, 'otel-apache-agent'));
      const agent: Container = {
        name: INIT_NAMES.apacheAgent, image: spec.image, command: ['/bin/sh', '-c'], args: [apacheHttpdAgentScript, '--', confDir],
        env: initUserEnv(version, [
          { name: 'OTEL_APACHE_AGENT_CONF', value: moduleConfig(ctx, inst, c, 'Apache', spec.attrs, spec.version === '2.2') },
          { name: 'APACHE_SERVICE_INSTANCE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        ], spec.env, inst.spec?.env),
        volumeMounts: [{ name: 'otel-apache-agent', mountPath: '/opt/opentelemetry-webserver/agent' }, { name: 'otel-apache-conf-dir', mountPath: '/opt/opentelemetry-webserver/source-conf' }],
      };
      if (res && Object.keys(res).length) { agent.resources = structuredClone(res); }
      if (inst.spec?.imagePullPolicy) { agent.imagePullPolicy = inst.spec.imagePullPolicy; }
      initContainers(pod).push(agent);
    }
    injectCommonEnvVar(inst, c);
    injectCommonSDKConfig(ctx, inst, c, c);
    const sc = resolveSC(inst, c);
    setInitSC(pod, sc, INIT_NAMES.apacheAgent);
    setInitSC(pod, sc, INIT_NAMES.clone);
  }
}

export function injectNginx(ctx: PodCtx, t: Target, version: string): void {
  const pod = ctx.pod;
  const inst = t.inst;
  const spec = inst.spec?.nginx ?? {};
  const confFile = spec.configFile || '/etc/nginx/nginx.conf';
  const confDir = confFile.includes('/') ? confFile.slice(0, confFile.lastIndexOf('/')) || '/' : '.';
  const confBase = confFile.slice(confFile.lastIndexOf('/') + 1);
  for (const c of containersToInstrument(pod, t, version)) {
    if (isInit(pod, c.name)) { skip(ctx, 'Nginx', 'is init container', c.name); continue; }
    const res = spec.resourceRequirements;
    const sc = resolveSC(inst, c);
    c.env = appendIfNotSet(c.env ?? [], ...(spec.env ?? []));
    if (!isInit(pod, INIT_NAMES.clone)) {
      (pod.spec.volumes ??= []).push({ name: 'otel-nginx-conf-dir', emptyDir: {} });
      const clone: Container = {
        name: INIT_NAMES.clone, image: c.image, command: ['/bin/sh', '-c'], args: [nginxCloneScript, '--', confDir],
        env: structuredClone(c.env), volumeMounts: [...structuredClone(c.volumeMounts ?? []), { name: 'otel-nginx-conf-dir', mountPath: '/opt/opentelemetry-webserver/source-conf' }],
      };
      if (c.envFrom) { clone.envFrom = structuredClone(c.envFrom); }
      if (res && Object.keys(res).length) { clone.resources = structuredClone(res); }
      if (sc !== undefined) { clone.securityContext = structuredClone(sc); }
      if (c.imagePullPolicy) { clone.imagePullPolicy = c.imagePullPolicy; }
      initContainers(pod).push(clone);
      dropConfMount(c, confDir);
      (c.volumeMounts ??= []).push({ name: 'otel-nginx-agent', mountPath: '/opt/opentelemetry-webserver/agent' }, { name: 'otel-nginx-conf-dir', mountPath: confDir });
    }
    if (!isInit(pod, INIT_NAMES.nginxAgent)) {
      (pod.spec.volumes ??= []).push({ name: 'otel-nginx-agent', emptyDir: {} });
      const agent: Container = {
        name: INIT_NAMES.nginxAgent, image: spec.image, command: ['/bin/sh', '-c'], args: [nginxAgentScript, '--', confBase],
        env: initUserEnv(version, [
          { name: 'OTEL_NGINX_AGENT_CONF', value: moduleConfig(ctx, inst, c, 'Nginx', spec.attrs, false) },
          { name: 'OTEL_NGINX_SERVICE_INSTANCE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        ], spec.env, inst.spec?.env),
        volumeMounts: [{ name: 'otel-nginx-agent', mountPath: '/opt/opentelemetry-webserver/agent' }, { name: 'otel-nginx-conf-dir', mountPath: '/opt/opentelemetry-webserver/source-conf' }],
      };
      if (res && Object.keys(res).length) { agent.resources = structuredClone(res); }
      if (sc !== undefined) { agent.securityContext = structuredClone(sc); }
      if (inst.spec?.imagePullPolicy) { agent.imagePullPolicy = inst.spec.imagePullPolicy; }
      initContainers(pod).push(agent);
      const i = indexOfEnv(c.env, 'LD_LIBRARY_PATH');
      const lib = '/opt/opentelemetry-webserver/agent/sdk_lib/lib';
      if (i >= 0) { c.env![i] = { ...c.env![i], value: `${c.env![i].value ?? ''}:${lib}` }; } else { c.env!.push({ name: 'LD_LIBRARY_PATH', value: lib }); }
    }
    injectCommonEnvVar(inst, c);
    injectCommonSDKConfig(ctx, inst, c, c);
  }
}

export function injectSdk(ctx: PodCtx, t: Target, version: string): void {
  for (const c of containersToInstrument(ctx.pod, t, version)) {
    injectCommonEnvVar(t.inst, c);
    injectCommonSDKConfig(ctx, t.inst, c, c);
  }
}

