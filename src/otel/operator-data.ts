/**
 * The OpenTelemetry operator, per release: the facts otel-doctor's rules depend on, each with the file and
 * tag of open-telemetry/opentelemetry-operator it was read from. The lookups below are the only place a
 * rule, the lint CR model or the injection model learns what an operator release does; an operator whose
 * version is unknown is assumed to be CURRENT_OPERATOR, and every lookup then says so (`assumed`).
 */
import { atLeast, compareVersions, versionFromImage } from './version.ts';

/** `operator=` in versions.txt at be8944414 (v0.158.0). */
export const CURRENT_OPERATOR = '0.158.0';

export interface OperatorRelease {
  operator: string;
  /** the collector release it deploys when a CR names no image (versions.txt `opentelemetry-collector=`) */
  collector: string;
  /** default auto-instrumentation images (versions.txt `autoinstrumentation-java=` / `-nodejs=`) */
  java: string;
  nodejs: string;
}

/**
 * versions.txt at every release tag v0.80.0 .. v0.158.0 (the mirror has no v0.128.0, v0.130.0, v0.133.0;
 * a version between tags takes the tag below it). The Makefile passes these as the manager's defaults
 * (OPERATOR_LDFLAGS -X ...otelCol / autoInstrumentationJava / autoInstrumentationNodeJS), and
 * internal/config/config.go builds the images from them.
 */
const RELEASES_TEXT =
  '0.80.0 0.80.0 1.26.0 0.40.0,0.81.0 0.81.0 1.26.0 0.40.0,0.82.0 0.82.0 1.28.0 0.41.1,0.83.0 0.83.0 1.29.0 0.41.1,' +
  '0.84.0 0.84.0 1.29.0 0.41.1,0.85.0 0.85.0 1.30.0 0.41.1,0.86.0 0.86.0 1.30.0 0.41.1,0.87.0 0.87.0 1.30.0 0.41.1,' +
  '0.88.0 0.88.0 1.31.0 0.44.0,0.89.0 0.89.0 1.31.0 0.44.0,0.90.0 0.90.1 1.32.0 0.44.0,0.91.0 0.91.0 1.32.0 0.46.0,' +
  '0.92.0 0.92.0 1.32.0 0.46.0,0.92.1 0.92.0 1.32.0 0.46.0,0.93.0 0.93.0 1.32.0 0.46.0,0.94.0 0.94.0 1.32.1 0.46.0,' +
  '0.95.0 0.95.0 1.32.1 0.46.0,0.96.0 0.96.0 1.32.1 0.46.0,0.97.0 0.97.0 1.32.1 0.49.1,0.97.1 0.97.0 1.32.1 0.49.1,' +
  '0.98.0 0.98.0 1.32.1 0.49.1,0.99.0 0.99.0 1.32.1 0.49.1,0.100.0 0.100.0 1.32.1 0.51.0,0.100.1 0.100.0 1.32.1 0.51.0,' +
  '0.101.0 0.101.0 1.32.1 0.51.0,0.102.0 0.102.1 1.32.1 0.51.0,0.103.0 0.103.1 1.32.1 0.51.0,0.104.0 0.104.0 1.32.1 0.52.1,' +
  '0.105.0 0.105.0 1.33.5 0.52.1,0.106.0 0.106.1 1.33.5 0.52.1,0.107.0 0.107.0 1.33.5 0.52.1,0.108.0 0.108.0 1.33.5 0.52.1,' +
  '0.109.0 0.109.0 1.33.5 0.52.1,0.110.0 0.110.0 1.33.5 0.52.1,0.111.0 0.111.0 1.33.5 0.53.0,0.112.0 0.112.0 1.33.5 0.53.0,' +
  '0.113.0 0.113.0 1.33.5 0.53.0,0.113.1 0.114.0 1.33.5 0.53.0,0.114.0 0.114.0 1.33.5 0.53.0,0.114.1 0.114.0 1.33.5 0.53.0,' +
  '0.115.0 0.115.1 1.33.5 0.53.0,0.116.0 0.116.1 1.33.6 0.53.0,0.117.0 0.117.0 1.33.6 0.53.0,0.118.0 0.118.0 1.33.6 0.53.0,' +
  '0.119.0 0.119.0 1.33.6 0.53.0,0.120.0 0.120.0 1.33.6 0.53.0,0.121.0 0.121.0 1.33.6 0.53.0,0.122.0 0.122.1 1.33.6 0.56.0,' +
  '0.123.0 0.123.1 1.33.6 0.57.1,0.124.0 0.124.1 1.33.6 0.58.0,0.125.0 0.125.0 1.33.6 0.58.1,0.126.0 0.126.0 1.33.6 0.58.1,' +
  '0.127.0 0.127.0 1.33.6 0.58.1,0.129.1 0.129.1 1.33.6 0.58.1,0.131.0 0.131.1 1.33.6 0.62.0,0.132.0 0.132.0 1.33.6 0.62.2,' +
  '0.134.0 0.134.1 1.33.6 0.63.0,0.135.0 0.135.0 1.33.6 0.63.0,0.136.0 0.136.0 1.33.6 0.64.1,0.137.0 0.137.0 1.33.6 0.64.1,' +
  '0.138.0 0.138.0 1.33.6 0.64.1,0.139.0 0.139.0 1.33.6 0.66.0,0.140.0 0.140.0 1.33.6 0.66.0,0.141.0 0.141.0 1.33.6 0.67.2,' +
  '0.142.0 0.142.0 1.33.6 0.67.3,0.143.0 0.143.0 1.33.6 0.67.3,0.144.0 0.144.0 1.33.6 0.69.0,0.145.0 0.145.0 1.33.6 0.70.0,' +
  '0.146.0 0.146.0 1.33.6 0.71.0,0.147.0 0.147.0 1.33.6 0.71.0,0.148.0 0.148.0 1.33.6 0.71.0,0.149.0 0.149.0 1.33.6 0.73.0,' +
  '0.150.0 0.150.1 1.33.6 0.73.0,0.151.0 0.151.0 2.27.0 0.75.0,0.152.0 0.152.1 2.28.1 0.76.0,0.153.0 0.153.0 2.28.1 0.76.0,' +
  '0.154.0 0.154.0 2.28.1 0.77.0,0.155.0 0.155.0 2.29.0 0.78.0,0.156.0 0.156.0 2.29.0 0.78.0,0.157.0 0.157.0 2.30.0 0.78.0,' +
  '0.158.0 0.158.0 2.30.0 0.78.0';

export const OPERATOR_RELEASES: readonly OperatorRelease[] = RELEASES_TEXT.split(',').map((row) => {
  const [operator, collector, java, nodejs] = row.split(' ');
  return { operator, collector, java, nodejs };
});

/** The release row a version runs: its own tag, else the closest tag below it; undefined below v0.80.0. */
export function operatorRelease(version: string): OperatorRelease | undefined {
  let hit: OperatorRelease | undefined;
  for (const r of OPERATOR_RELEASES) {
    const c = compareVersions(r.operator, version);
    if (c === null || c > 0) { break; }
    hit = r;
  }
  return hit;
}

/** A version as the tool uses it: the one known, else CURRENT_OPERATOR with `assumed` set. */
export interface OperatorVersion {
  version: string;
  assumed: boolean;
}

export function effectiveOperator(version: string | null | undefined): OperatorVersion {
  return version ? { version, assumed: false } : { version: CURRENT_OPERATOR, assumed: true };
}

/**
 * Thresholds, each the first release tag that has the behaviour, with where it was read.
 */
export const OPERATOR_FACTS = {
  /**
   * The webhook adds `--feature-gates=-component.UseLocalHostAsDefaultHost` to every CR, so collectors
   * 0.104..0.109 keep their 0.0.0.0 defaults for receivers and extensions alike (the gate covers "server-like
   * receivers and extensions"); the 0.110 upgrade removes the flag again, as the gate went stable in
   * collector 0.110.
   */
  localhostGateDisabled: {
    since: '0.104.0',
    until: '0.110.0',
    source: 'apis/v1beta1/collector_webhook.go@v0.104.0 ComponentUseLocalHostAsDefaultHost; pkg/collector/upgrade/v0_110_0.go@v0.110.0',
  },
  /**
   * The webhook writes `0.0.0.0:<default port>` into every known receiver whose endpoint is unset, and
   * `0.0.0.0` before a host-less `:<port>` (AddressDefaulter; MultiPortReceiver's default address 0.0.0.0).
   */
  receiverEndpointDefault: {
    since: '0.110.0',
    host: '0.0.0.0',
    source: 'internal/components/single_endpoint.go@v0.110.0 AddressDefaulter; internal/components/multi_endpoint.go@v0.110.0 WithDefaultRecAddress("0.0.0.0"); CHANGELOG 0.110.0 (#3126)',
  },
  /** The same for the health_check extension: `0.0.0.0:13133`, path `/`. */
  healthCheckEndpointDefault: {
    since: '0.122.0',
    endpoint: '0.0.0.0:13133',
    source: 'internal/components/extensions/helpers.go@v0.122.0 WithDefaultsApplier(healthCheckV1AddressDefaulter); CHANGELOG 0.122.0 (#3825)',
  },
  /** The generated container gets a readinessProbe from the health_check extension; before, a livenessProbe only. */
  readinessProbeFromHealthCheck: {
    since: '0.100.0',
    source: 'internal/manifests/collector/container.go@v0.100.0 (readinessProbe); CHANGELOG 0.100.0 (#2943)',
  },
  /**
   * A sidecar is injected as a native one (an init container with restartPolicy Always): the gate
   * operator.sidecarcontainers.native went beta (on by default) and autodetect enables it on Kubernetes 1.29+,
   * which is assumed; before, an alpha gate kept it a regular container.
   */
  /** The health_check extension gives the container a startupProbe too. */
  startupProbeFromHealthCheck: {
    since: '0.137.0',
    source: 'internal/manifests/collector/container.go@v0.137.0 GetStartupProbe',
  },
  /** GOMEMLIMIT and GOMAXPROCS from the otc-container's limits: gate operator.golang.flags beta (on by default). */
  golangFlags: {
    since: '0.140.0',
    source: 'internal/manifests/collector/container.go@v0.140.0; pkg/featuregate/featuregate.go@v0.140.0 StageBeta',
  },
  nativeSidecar: {
    since: '0.132.0',
    source: 'pkg/sidecar/pod.go@v0.132.0 add (cfg.Internal.NativeSidecarSupport); pkg/featuregate/featuregate.go@v0.132.0 StageBeta; internal/autodetect/main.go@v0.132.0 NativeSidecarSupport (>= 1.29)',
  },
  /**
   * The Node.js image runs @opentelemetry/auto-instrumentations-node/register from image 0.56.0 on, whose
   * SDK defaults to http/protobuf (port 4318); images before it ran the operator's own autoinstrumentation.ts
   * with the OTLP/gRPC exporters (port 4317; traces honour OTEL_EXPORTER_OTLP_PROTOCOL from operator 0.113).
   * The operator's default image is 0.56.0 from release 0.122.0 (versions.txt; the image tag is the
   * package's version, publish-autoinstrumentation-nodejs.yaml).
   */
  nodejsHttpProtobufImage: {
    since: '0.56.0',
    source: 'autoinstrumentation/nodejs/package.json@17e463a5f (#3570, auto-instrumentations-node 0.56.0, register); autoinstrumentation/nodejs/src/autoinstrumentation.ts@v0.119.0 (exporter-trace-otlp-grpc)',
  },
  /** The Java agent 2.x exports http/protobuf, 1.x grpc; the operator's default agent is 2.x from 0.151.0. */
  javaHttpProtobufAgent: {
    since: '2.0.0',
    source: 'versions.txt@v0.151.0 autoinstrumentation-java=2.27.0 (1.33.6 before); CHANGELOG 0.151.0 (#4996)',
  },
  /**
   * What python.go adds when the container does not set it: the per-signal protocols (traces, metrics) from
   * 0.67.0, the general OTEL_EXPORTER_OTLP_PROTOCOL from 0.108.0, OTEL_LOGS_EXPORTER from 0.111.0.
   */
  pythonEnv: {
    perSignalProtocolSince: '0.67.0',
    protocolSince: '0.108.0',
    logsExporterSince: '0.111.0',
    source: 'pkg/instrumentation/python.go@v0.67.0, @v0.108.0 (#3165), @v0.111.0 (#3330); internal/instrumentation/python.go@v0.158.0 getDefaultPythonEnvVars',
  },
  /**
   * The language defaults (python.go's protocol and exporters) are appended after injectCommonEnvVar's
   * spec.env, so spec.env can override them; before, inside the language injector, ahead of spec.env.
   */
  languageDefaultsAfterSpecEnv: {
    since: '0.140.0',
    source: 'internal/instrumentation/sdk.go@v0.140.0 injectDefaultPythonEnvVars (643592c48, #4324); python.go@v0.139.0 injectPythonSDK',
  },
  /** `container-names` may name init containers (containersToInstrument looks there too). */
  initContainerTargets: {
    since: '0.146.0',
    source: 'internal/instrumentation/sdk.go@v0.146.0 containersToInstrument (8a56b9b3a, #4635)',
  },
  /** A container name twice is refused per language's list; before, across all languages' lists together. */
  perLanguageDuplicateCheck: {
    since: '0.149.0',
    source: 'internal/instrumentation/podmutator.go@v0.149.0 areInstrumentedContainersCorrect; @v0.148.0 findDuplicatedContainers(allContainers)',
  },
  /** nodejs.go adds OTEL_METRICS_EXPORTER=otlp when unset. */
  nodejsMetricsExporterSince: {
    since: '0.158.0',
    source: 'internal/instrumentation/nodejs.go@e3225ae21 (#5425); CHANGELOG 0.158.0',
  },
  /** `--enable-multi-instrumentation` defaults to true (a flag since 0.95.0, off by default before 0.110.0). */
  multiInstrumentationDefault: {
    since: '0.110.0',
    source: 'main.go@v0.110.0 pflag "enable-multi-instrumentation" default true; CHANGELOG 0.110.0 (#3090)',
  },
  /**
   * The Apache HTTPD / NGINX attach init container gets the language env, spec.env and OTEL_POD_IP /
   * OTEL_NODE_IP, so the kubelet expands `$(VAR)` in the module's exporter endpoint.
   */
  moduleInitEnv: {
    since: '0.158.0',
    source: 'internal/instrumentation/helper.go@v0.158.0 initContainerUserEnv (#5334); CHANGELOG 0.158.0 (#5333)',
  },
  /** Since at least v0.20.0 (pkg/collector/reconcile/service.go): `<name>-collector` and `-headless` when the config yields ports, `-monitoring` always. */
  services: {
    source: 'internal/manifests/collector/collector.go, service.go, internal/naming/main.go@be8944414',
  },
  /** `<name>-collector-extension` for extensions that listen (jaeger_query, ...). */
  extensionService: {
    since: '0.115.0',
    source: 'internal/manifests/collector/service.go@v0.115.0 ExtensionService',
  },
} as const;

/** The collector image the operator deploys for a CR without `spec.image` (internal/config/config.go CollectorImage). */
export const DEFAULT_COLLECTOR_REPOSITORY = 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector';

export function defaultCollectorImage(operator: string): string | undefined {
  const r = operatorRelease(operator);
  return r ? `${DEFAULT_COLLECTOR_REPOSITORY}:${r.collector}` : undefined;
}

/** The operator's own image: config/manager/manager.yaml + kustomize, and the Helm chart's manager.image. */
export const OPERATOR_IMAGE_REPOSITORY = 'ghcr.io/open-telemetry/opentelemetry-operator/opentelemetry-operator';

/** The operator's version from its manager image; null for a digest, `latest` or another build (Red Hat's). */
export function operatorVersionFromImage(image: string): string | null {
  const at = image.indexOf('@');
  const ref = at >= 0 ? image.slice(0, at) : image;
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.indexOf(':', lastSlash + 1);
  const repo = colon >= 0 ? ref.slice(0, colon) : ref;
  if (!repo.endsWith('opentelemetry-operator/opentelemetry-operator')) { return null; }
  return at >= 0 ? null : versionFromImage(ref);
}

/** How the operator defaults an unset endpoint of a receiver or of the health_check extension. */
export interface EndpointDefault {
  /** the host it binds; null when the operator leaves the collector's own default in place */
  host: '0.0.0.0' | null;
  /** why, naming the release that decides it */
  why: string;
  assumed: boolean;
}

/**
 * `collector` is the collector's version: the gate can be disabled only before it went stable (collector
 * 0.110, featuregate refuses to disable a stable gate), so with a newer collector the gate era does not apply.
 */
export function operatorEndpointDefault(component: 'receiver' | 'health_check', version: string | null | undefined, collector?: string | null): EndpointDefault {
  const op = effectiveOperator(version);
  const f = component === 'receiver' ? OPERATOR_FACTS.receiverEndpointDefault : OPERATOR_FACTS.healthCheckEndpointDefault;
  const gate = OPERATOR_FACTS.localhostGateDisabled;
  const tag = op.assumed ? `operator version unknown, assumed ${op.version}` : `operator ${op.version}`;
  if (atLeast(op.version, f.since)) { return { host: '0.0.0.0', why: `${tag}: its webhook writes 0.0.0.0 (since ${f.since})`, assumed: op.assumed }; }
  if (atLeast(op.version, gate.since) && !atLeast(op.version, gate.until) && atLeast(collector, gate.until) !== true) {
    return { host: '0.0.0.0', why: `${tag}: it disables the collector's component.UseLocalHostAsDefaultHost gate (${gate.since} to ${gate.until})`, assumed: op.assumed };
  }
  return { host: null, why: `${tag} sets no default for ${component === 'receiver' ? 'receiver endpoints' : 'the health_check endpoint'} (from ${f.since})`, assumed: op.assumed };
}

export function multiInstrumentationDefault(version: string | null | undefined): boolean {
  return atLeast(effectiveOperator(version).version, OPERATOR_FACTS.multiInstrumentationDefault.since) === true;
}

export function languageDefaultsAfterSpecEnv(version: string | null | undefined): boolean {
  return atLeast(effectiveOperator(version).version, OPERATOR_FACTS.languageDefaultsAfterSpecEnv.since) === true;
}

export function initContainerTargets(version: string | null | undefined): boolean {
  return atLeast(effectiveOperator(version).version, OPERATOR_FACTS.initContainerTargets.since) === true;
}

export function perLanguageDuplicateCheck(version: string | null | undefined): boolean {
  return atLeast(effectiveOperator(version).version, OPERATOR_FACTS.perLanguageDuplicateCheck.since) === true;
}

export function moduleInitEnv(version: string | null | undefined): boolean {
  return atLeast(effectiveOperator(version).version, OPERATOR_FACTS.moduleInitEnv.since) === true;
}

export function readinessProbeFromHealthCheck(version: string | null | undefined): boolean {
  return atLeast(effectiveOperator(version).version, OPERATOR_FACTS.readinessProbeFromHealthCheck.since) === true;
}

export function startupProbeFromHealthCheck(version: string | null | undefined): boolean {
  return atLeast(effectiveOperator(version).version, OPERATOR_FACTS.startupProbeFromHealthCheck.since) === true;
}

export function golangFlags(version: string | null | undefined): boolean {
  return atLeast(effectiveOperator(version).version, OPERATOR_FACTS.golangFlags.since) === true;
}

export function nativeSidecar(version: string | null | undefined): boolean {
  return atLeast(effectiveOperator(version).version, OPERATOR_FACTS.nativeSidecar.since) === true;
}

export function extensionServiceGenerated(version: string | null | undefined): boolean {
  return atLeast(effectiveOperator(version).version, OPERATOR_FACTS.extensionService.since) === true;
}

/** Env the operator adds to a language's container when unset, in its order (python.go, nodejs.go). */
export function languageDefaultEnv(language: string, version: string | null | undefined): { name: string; value: string }[] {
  const v = effectiveOperator(version).version;
  const p = OPERATOR_FACTS.pythonEnv;
  if (language === 'python') {
    if (atLeast(v, p.protocolSince)) {
      return [
        { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'http/protobuf' },
        { name: 'OTEL_TRACES_EXPORTER', value: 'otlp' },
        { name: 'OTEL_METRICS_EXPORTER', value: 'otlp' },
        ...(atLeast(v, p.logsExporterSince) ? [{ name: 'OTEL_LOGS_EXPORTER', value: 'otlp' }] : []),
      ];
    }
    if (atLeast(v, p.perSignalProtocolSince)) {
      return [
        { name: 'OTEL_TRACES_EXPORTER', value: 'otlp' },
        { name: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', value: 'http/protobuf' },
        { name: 'OTEL_METRICS_EXPORTER', value: 'otlp' },
        { name: 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', value: 'http/protobuf' },
      ];
    }
    return [];
  }
  if (language === 'nodejs' && atLeast(v, OPERATOR_FACTS.nodejsMetricsExporterSince.since)) { return [{ name: 'OTEL_METRICS_EXPORTER', value: 'otlp' }]; }
  return [];
}

/** The default protocol of an injected agent whose image decides it (Java, Node.js); undefined for the rest. */
export interface AgentProtocol {
  protocol: 'grpc' | 'http/protobuf';
  /** the image version that decides it, when known */
  imageVersion?: string;
  why: string;
  assumed: boolean;
}

/**
 * `spec.<lang>.image` of the Instrumentation decides (the webhook fills it with the operator's default at
 * creation, internal/webhook/instrumentation_webhook.go, so a live CR carries it); without a version in it,
 * the default image of the operator release; without that, the current release's, said as assumed.
 */
export function agentProtocol(language: 'java' | 'nodejs', version: string | null | undefined, image?: string): AgentProtocol {
  const fromImage = image ? versionFromImage(image) : null;
  const op = effectiveOperator(version);
  const row = operatorRelease(op.version);
  const imageVersion = fromImage ?? (row ? (language === 'java' ? row.java : row.nodejs) : null);
  const src = fromImage ? `from image ${image}` : op.assumed ? `the default of operator ${op.version}, assumed as the operator's version is unknown` : `the default of operator ${op.version}`;
  const assumed = !fromImage && op.assumed;
  const opt = imageVersion ? { imageVersion } : {};
  if (language === 'java') {
    const since = OPERATOR_FACTS.javaHttpProtobufAgent.since;
    const what = `Java agent ${imageVersion ?? '2.x'}, ${src}`;
    if (imageVersion && !atLeast(imageVersion, since)) { return { protocol: 'grpc', ...opt, why: `${what}: 1.x exports grpc (2.x, http/protobuf, from operator 0.151.0)`, assumed }; }
    return { protocol: 'http/protobuf', ...opt, why: `${what}: 2.x exports http/protobuf (operators before 0.151.0 inject 1.x, grpc)`, assumed };
  }
  const since = OPERATOR_FACTS.nodejsHttpProtobufImage.since;
  const what = `Node.js auto-instrumentation ${imageVersion ?? `>= ${since}`}, ${src}`;
  if (imageVersion && !atLeast(imageVersion, since)) { return { protocol: 'grpc', ...opt, why: `${what}: images before ${since} export OTLP/gRPC (http/protobuf from operator 0.122.0)`, assumed }; }
  return { protocol: 'http/protobuf', ...opt, why: `${what}: http/protobuf (images before ${since}, injected before operator 0.122.0, export grpc)`, assumed };
}

/** The operator's own Deployment, as config/manager + config/default (kustomize) and the Helm chart name it. */
export const OPERATOR_DEPLOYMENT = {
  /** both install paths put it on the Deployment (kustomize `labels`, the chart's selectorLabels) */
  labelSelector: 'app.kubernetes.io/name=opentelemetry-operator',
  /** config/default/kustomization.yaml namespace; the chart installs into the release namespace */
  namespace: 'opentelemetry-operator-system',
  container: 'manager',
  source: 'config/manager/manager.yaml, config/default/kustomization.yaml@be8944414; opentelemetry-helm-charts charts/opentelemetry-operator/templates/deployment.yaml, _helpers.tpl',
} as const;

/** The earliest release whose default collector is `collector` (a CR's status.version); undefined when none ships it. */
export function operatorForCollector(collector: string): string | undefined {
  return OPERATOR_RELEASES.find((r) => r.collector === collector.replace(/^v/, ''))?.operator;
}

/** What the tool assumes of an operator whose version it could not learn, said once per report. */
export function operatorAssumedNote(why: string): string {
  const f = OPERATOR_FACTS;
  return (
    `OpenTelemetry operator version unknown (${why}): its release ${CURRENT_OPERATOR} is assumed, which writes 0.0.0.0 into unset receiver ` +
    `(since ${f.receiverEndpointDefault.since}) and health_check (since ${f.healthCheckEndpointDefault.since}) endpoints, injects the Java agent 2.x ` +
    `(http/protobuf; 1.x grpc before 0.151.0) and Node.js auto-instrumentation that exports http/protobuf (grpc before 0.122.0); ` +
    'pass --operator-version X.Y.Z to decide'
  );
}
