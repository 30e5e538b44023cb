// What an operator release injects by default: the auto-instrumentation images of its versions.txt and
// the behaviour switches that moved between releases. Each row cites the commit that moved it, read
// with `git -C /work/.mirror/open-telemetry+opentelemetry-operator/repo show <tag>:<path>`.

/** [x, y, z] of `0.158.0` / `v0.158.0`; an unparsable version is the newest one modelled. */
export function parseVersion(v: string): [number, number, number] {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 158, 0];
}

export function atLeast(v: string, minor: number, patch = 0): boolean {
  const [maj, min, p] = parseVersion(v);
  return maj > 0 || min > minor || (min === minor && p >= patch);
}

type Lang = 'java' | 'nodejs' | 'python' | 'dotnet' | 'go' | 'apacheHttpd' | 'nginx';

// versions.txt at each tag where an autoinstrumentation-* line changed (v0.90.0 .. v0.158.0); releases
// before 0.90 take the 0.90 row. Order: java, nodejs, python, dotnet, go, apache-httpd, nginx.
const IMAGE_ROWS: Array<[number, string[]]> = [
  [90, ['1.32.0', '0.44.0', '0.41b0', '1.2.0', 'v0.8.0-alpha', '1.0.3', '1.0.3']],
  [91, ['1.32.0', '0.46.0', '0.43b0', '1.2.0', 'v0.8.0-alpha', '1.0.4', '1.0.3']],
  [92, ['1.32.0', '0.46.0', '0.43b0', '1.2.0', 'v0.10.1-alpha', '1.0.4', '1.0.4']],
  [94, ['1.32.1', '0.46.0', '0.43b0', '1.2.0', 'v0.10.1-alpha', '1.0.4', '1.0.4']],
  [95, ['1.32.1', '0.46.0', '0.44b0', '1.2.0', 'v0.10.1-alpha', '1.0.4', '1.0.4']],
  [97, ['1.32.1', '0.49.1', '0.44b0', '1.2.0', 'v0.10.1-alpha', '1.0.4', '1.0.4']],
  [99, ['1.32.1', '0.49.1', '0.44b0', '1.2.0', 'v0.12.0-alpha', '1.0.4', '1.0.4']],
  [100, ['1.32.1', '0.51.0', '0.44b0', '1.2.0', 'v0.12.0-alpha', '1.0.4', '1.0.4']],
  [102, ['1.32.1', '0.51.0', '0.45b0', '1.2.0', 'v0.13.0-alpha', '1.0.4', '1.0.4']],
  [103, ['1.32.1', '0.51.0', '0.46b0', '1.2.0', 'v0.13.0-alpha', '1.0.4', '1.0.4']],
  [104, ['1.32.1', '0.52.1', '0.46b0', '1.2.0', 'v0.13.0-alpha', '1.0.4', '1.0.4']],
  [105, ['1.33.5', '0.52.1', '0.46b0', '1.2.0', 'v0.13.0-alpha', '1.0.4', '1.0.4']],
  [106, ['1.33.5', '0.52.1', '0.47b0', '1.2.0', 'v0.14.0-alpha', '1.0.4', '1.0.4']],
  [108, ['1.33.5', '0.52.1', '0.48b0', '1.2.0', 'v0.14.0-alpha', '1.0.4', '1.0.4']],
  [111, ['1.33.5', '0.53.0', '0.48b0', '1.2.0', 'v0.15.0-alpha', '1.0.4', '1.0.4']],
  [113, ['1.33.5', '0.53.0', '0.48b0', '1.2.0', 'v0.17.0-alpha', '1.0.4', '1.0.4']],
  [115, ['1.33.5', '0.53.0', '0.48b0', '1.2.0', 'v0.19.0-alpha', '1.0.4', '1.0.4']],
  [116, ['1.33.6', '0.53.0', '0.50b0', '1.2.0', 'v0.19.0-alpha', '1.0.4', '1.0.4']],
  [119, ['1.33.6', '0.53.0', '0.51b0', '1.2.0', 'v0.19.0-alpha', '1.0.4', '1.0.4']],
  [122, ['1.33.6', '0.56.0', '0.51b0', '1.2.0', 'v0.19.0-alpha', '1.0.4', '1.0.4']],
  [123, ['1.33.6', '0.57.1', '0.51b0', '1.2.0', 'v0.19.0-alpha', '1.0.4', '1.0.4']],
  [124, ['1.33.6', '0.58.0', '0.53b1', '1.2.0', 'v0.19.0-alpha', '1.0.4', '1.0.4']],
  [125, ['1.33.6', '0.58.1', '0.53b1', '1.2.0', 'v0.19.0-alpha', '1.0.4', '1.0.4']],
  [126, ['1.33.6', '0.58.1', '0.54b1', '1.2.0', 'v0.21.0', '1.0.4', '1.0.4']],
  [131, ['1.33.6', '0.62.0', '0.57b0', '1.2.0', 'v0.22.1', '1.0.4', '1.0.4']],
  [132, ['1.33.6', '0.62.2', '0.57b0', '1.2.0', 'v0.22.1', '1.0.4', '1.0.4']],
  [134, ['1.33.6', '0.63.0', '0.58b0', '1.2.0', 'v0.22.1', '1.0.4', '1.0.4']],
  [136, ['1.33.6', '0.64.1', '0.58b0', '1.2.0', 'v0.22.1', '1.0.4', '1.0.4']],
  [137, ['1.33.6', '0.64.1', '0.59b0', '1.2.0', 'v0.22.1', '1.0.4', '1.0.4']],
  [139, ['1.33.6', '0.66.0', '0.59b0', '1.2.0', 'v0.22.1', '1.0.4', '1.0.4']],
  [141, ['1.33.6', '0.67.2', '0.60b0', '1.2.0', 'v0.22.1', '1.0.4', '1.0.4']],
  [142, ['1.33.6', '0.67.3', '0.60b1', '1.2.0', 'v0.22.1', '1.0.4', '1.0.4']],
  [144, ['1.33.6', '0.69.0', '0.60b1', '1.2.0', 'v0.23.0', '1.0.4', '1.0.4']],
  [145, ['1.33.6', '0.70.0', '0.60b1', '1.2.0', 'v0.23.0', '1.0.4', '1.0.4']],
  [146, ['1.33.6', '0.71.0', '0.60b1', '1.2.0', 'v0.23.0', '1.0.4', '1.0.4']],
  [149, ['1.33.6', '0.73.0', '0.61b0', '1.2.0', 'v0.23.0', '1.0.4', '1.0.4']],
  [150, ['1.33.6', '0.73.0', '0.61b0', '1.15.0', 'v0.23.0', '1.0.4', '1.0.4']],
  [151, ['2.27.0', '0.75.0', '0.62b1', '1.15.0', 'v0.24.0', '1.0.4', '1.0.4']],
  [152, ['2.28.1', '0.76.0', '0.63b1', '1.15.0', 'v0.24.0', '1.0.4', '1.0.4']],
  [154, ['2.28.1', '0.77.0', '0.64b0', '1.15.0', 'v0.24.0', '1.0.4', '1.0.4']],
  [155, ['2.29.0', '0.78.0', '0.64b0', '1.16.0', 'v0.24.0', '1.0.4', '1.0.4']],
  [157, ['2.30.0', '0.78.0', '0.64b0', '1.16.0', 'v0.24.0', '1.0.4', '1.0.4']],
];

const LANG_INDEX: Record<Lang, number> = { java: 0, nodejs: 1, python: 2, dotnet: 3, go: 4, apacheHttpd: 5, nginx: 6 };

/** The release of one auto-instrumentation that an operator release defaults to (its versions.txt). */
export function defaultAgentVersion(operatorVersion: string, lang: Lang): string {
  const [, minor] = parseVersion(operatorVersion);
  let row = IMAGE_ROWS[0][1];
  for (const [from, versions] of IMAGE_ROWS) { if (minor >= from) { row = versions; } }
  return row[LANG_INDEX[lang]];
}

/** internal/config/config.go New(): the default image of each language (nginx uses the apache-httpd image). */
export function defaultImage(operatorVersion: string, lang: Lang): string {
  const v = defaultAgentVersion(operatorVersion, lang);
  if (lang === 'go') { return `ghcr.io/open-telemetry/opentelemetry-go-instrumentation/autoinstrumentation-go:${v}`; }
  const repo = lang === 'apacheHttpd' || lang === 'nginx' ? 'autoinstrumentation-apache-httpd' : `autoinstrumentation-${lang}`;
  return `ghcr.io/open-telemetry/opentelemetry-operator/${repo}:${v}`;
}

/** The operator's --enable-*-instrumentation flags (internal/config/config.go New()). */
export interface InstrumentationFlags {
  java: boolean; nodejs: boolean; python: boolean; dotnet: boolean; go: boolean; apacheHttpd: boolean; nginx: boolean;
  /** --enable-multi-instrumentation: default true since 0.110 (main.go's pflag default; internal/config since 0.129), false before. */
  multiInstrumentation: boolean;
}

export function defaultFlags(operatorVersion: string): InstrumentationFlags {
  return {
    java: true, nodejs: true, python: true, dotnet: true, go: false, apacheHttpd: true, nginx: false,
    multiInstrumentation: atLeast(operatorVersion, 110),
  };
}

/**
 * The flags of the operator as its release manifest installs it (config/manager/manager.yaml), which is
 * how the simulated operator runs: NGINX on from v0.97.0 (d4b24f3b9, #2777:
 * `--enable-nginx-instrumentation=true`; an env variable ENABLE_NGINX_AUTO_INSTRUMENTATION=true from
 * v0.144.0, 3f990f3ba, #4614). The operator's e2e tests, which run that manifest, expect NGINX pods injected.
 */
export function installedFlags(operatorVersion: string): InstrumentationFlags {
  return { ...defaultFlags(operatorVersion), nginx: atLeast(operatorVersion, 97) };
}

/** How the release manifest writes the NGINX switch on the manager container: an arg, later an env variable. */
export function installedNginxSwitch(operatorVersion: string): { args: string[]; env: Array<{ name: string; value: string }> } {
  if (!atLeast(operatorVersion, 97)) { return { args: [], env: [] }; }
  return atLeast(operatorVersion, 144)
    ? { args: [], env: [{ name: 'ENABLE_NGINX_AUTO_INSTRUMENTATION', value: 'true' }] }
    : { args: ['--enable-nginx-instrumentation=true'], env: [] };
}

/**
 * Behaviour switches by release, each from the commit that introduced it (`git describe --contains`):
 * - langEnvAfterCommon (643592c48, v0.140.0, #4324): language defaults (JAVA_TOOL_OPTIONS, NODE_OPTIONS, the
 *   Python exporters, the .NET profiler) are written after spec.env, so spec.env wins over them;
 *   before, they were written first and a spec.env of the same name was dropped.
 * - javaPerContainerMount (3da03814a, v0.121.0): the agent is mounted at /otel-auto-instrumentation-java-<container>.
 * - initContainerTargets (8a56b9b3a, v0.146.0): init containers may be instrumented; the agent's init container is
 *   inserted before them.
 * - nodeMetricsExporter (e3225ae21, v0.158.0, #5425): Node.js gets OTEL_METRICS_EXPORTER=otlp.
 * - pythonProtocol (7d59d65f9, v0.108.0, #3165): Python gets OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf; before,
 *   OTEL_EXPORTER_OTLP_TRACES_PROTOCOL and _METRICS_PROTOCOL (fde6b9513, v0.67.0).
 * - pythonLogsExporter (c4c5cc857, v0.111.0, #3330): Python gets OTEL_LOGS_EXPORTER=otlp.
 * - alwaysPodNameEnv (85fdbd8b8, v0.105.0, #3158): OTEL_RESOURCE_ATTRIBUTES_POD_NAME always; before, only for a pod
 *   without a name at admission (a named Pod had its name written into k8s.pod.name).
 * - exporterTls (a3feb2cbb, v0.111.0, #3338): spec.exporter.tls becomes certificate variables and volumes.
 * - moduleInitUserEnv (866637b7f, v0.158.0, #5334): the Apache / NGINX agent init container also gets the
 *   module's env, spec.env and the pod/node IPs, so a `$(OTEL_NODE_IP)` endpoint resolves in the module config.
 */
export function behaviour(operatorVersion: string) {
  return {
    langEnvAfterCommon: atLeast(operatorVersion, 140),
    javaPerContainerMount: atLeast(operatorVersion, 121),
    initContainerTargets: atLeast(operatorVersion, 146),
    nodeMetricsExporter: atLeast(operatorVersion, 158),
    pythonProtocol: atLeast(operatorVersion, 108),
    pythonLogsExporter: atLeast(operatorVersion, 111),
    moduleInitUserEnv: atLeast(operatorVersion, 158),
    alwaysPodNameEnv: atLeast(operatorVersion, 105),
    exporterTls: atLeast(operatorVersion, 111),
  };
}
