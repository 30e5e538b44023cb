// What a vendor distribution's own main() does before the upstream collector starts: which config it
// picks when the command line names none, the environment it sets for the config to expand, and the
// Go `log` lines it prints on the way. Sources (tags, files, lines) are in test/sim/README.md, "Vendor
// distributions"; the release tables are in vendors.ts.
import { existsSync, statSync } from 'node:fs';
import { goLogTime } from './logformat.ts';
import { underRoot, type Args } from './collector-config.ts';
import { compareVersions, type VendorRelease } from './vendors.ts';

export interface VendorStart {
  /** The config URIs and --set values the upstream core then resolves. */
  args: Args;
  /** The line `log.Fatal` prints after cobra's `Error: ...` when the run fails. */
  fatalLine(msg: string): string;
}

type Write = (s: string) => void;

/** os.Stat's error as Go prints it (`stat <path>: no such file or directory`), or undefined when it exists. */
function statError(path: string): string | undefined {
  try {
    statSync(underRoot(path));
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return `stat ${path}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : String(code).toLowerCase()}`;
  }
}

// ---------- Splunk: cmd/otelcol/main.go, internal/settings/settings.go ----------

const SPLUNK_DEFAULT = '/etc/otel/collector/gateway_config.yaml';
const SPLUNK_OTLP_LINUX = '/etc/otel/collector/otlp_config_linux.yaml';
const SPLUNK_AGENT = '/etc/otel/collector/agent_config.yaml';

/**
 * settings.go line numbers of each log.Printf call, and main.go's, as `log.Lshortfile` prints them:
 * read at v0.111.0 (0.107.0 to 0.113.x) and v0.114.0 (to 0.133.x); other releases print the nearest row.
 */
const SPLUNK_LINES: Array<{ since: string; l: Record<string, number> }> = [
  { since: '0.0.0', l: { gogc: 372, setenv: 408, flags: 472, envPath: 477, envYaml: 479, dflt: 489, soft: 518, mem: 533, usage: 609, invalid: 53, fatal: 92 } },
  { since: '0.114.0', l: { gogc: 373, setenv: 414, flags: 478, envPath: 483, envYaml: 485, dflt: 495, soft: 524, mem: 539, usage: 615, invalid: 53, fatal: 92 } },
];

function splunkStart(r: VendorRelease, argv: Args, write: Write): VendorStart | number {
  let lines = SPLUNK_LINES[0].l;
  for (const row of SPLUNK_LINES) { if (compareVersions(r.release, row.since) >= 0) { lines = row.l; } }
  // main.go: log.SetFlags(log.Ldate | log.Ltime | log.Lshortfile).
  const log = (file: string, line: number, msg: string): void => { write(`${goLogTime()} ${file}:${line}: ${msg}\n`); };
  const settings = (key: string, msg: string): void => { log('settings.go', lines[key], msg); };
  const invalid = (err: string): number => {
    log('main.go', lines.invalid, `invalid settings detected: ${err}. Use "--help" to show valid usage`);
    return 1;
  };
  const env = process.env;
  const configs = [...argv.configs];
  // confirmRequiredEnvVarsForDefaultConfigs: the bundled gateway and OTLP configs need a realm and a token.
  const requiredEnv = (paths: string[]): string | undefined => {
    for (const p of paths) {
      if (p !== SPLUNK_DEFAULT && p !== SPLUNK_OTLP_LINUX) { continue; }
      for (const name of ['SPLUNK_REALM', 'SPLUNK_ACCESS_TOKEN']) {
        if (!env[name]) {
          settings('usage', 'Usage: SPLUNK_ACCESS_TOKEN=12345 SPLUNK_REALM=us0 /otelcol');
          return `ERROR: Missing required environment variable ${name} with default config path ${p}`;
        }
      }
    }
    return undefined;
  };
  // checkConfig: --config flags, then SPLUNK_CONFIG, then SPLUNK_CONFIG_YAML, then the default path.
  if (configs.length > 0) {
    const files: string[] = [];
    for (const c of configs) {
      const m = /^([A-Za-z][A-Za-z0-9+.-]+):(.*)$/s.exec(c);
      if (m && m[1] !== 'file') { continue; }
      const path = m ? m[2] : c;
      const err = statError(path);
      if (err) { return invalid(`unable to find the configuration file ${path}, ensure flag '--config' is set properly: ${err}`); }
      files.push(path);
    }
    const missing = requiredEnv(files);
    if (missing) { return invalid(missing); }
    settings('flags', `Set config to [${configs.join(',')}]`);
  } else if (env.SPLUNK_CONFIG) {
    const path = env.SPLUNK_CONFIG;
    const err = statError(path);
    if (err) { return invalid(`unable to find the configuration file (${path}), ensure SPLUNK_CONFIG environment variable is set properly: ${err}`); }
    const missing = requiredEnv([path]);
    if (missing) { return invalid(missing); }
    configs.push(path);
    settings('envPath', `Set config to ${path}`);
  } else if (env.SPLUNK_CONFIG_YAML) {
    settings('envYaml', 'Using environment variable SPLUNK_CONFIG_YAML for configuration');
  } else {
    if (!existsSync(underRoot(SPLUNK_DEFAULT))) {
      // The real image ships this file; the simulator does not ship the image's bundled configs.
      write(`sim: ${SPLUNK_DEFAULT} is the image's bundled config, which the simulator does not ship: mount one there\n`);
      return invalid(`unable to find the default configuration file ${SPLUNK_DEFAULT}`);
    }
    const missing = requiredEnv([SPLUNK_DEFAULT]);
    if (missing) { return invalid(missing); }
    configs.push(SPLUNK_DEFAULT);
    settings('dflt', `Set config to ${SPLUNK_DEFAULT}`);
  }
  // checkRuntimeParams: memory limit from SPLUNK_MEMORY_TOTAL_MIB (default 512) at 90 %, then GOGC.
  const total = env.SPLUNK_MEMORY_TOTAL_MIB ? Number.parseInt(env.SPLUNK_MEMORY_TOTAL_MIB, 10) : 512;
  if (total < 99) { return invalid(`expected a number greater than 99 for SPLUNK_MEMORY_TOTAL_MIB env variable but got ${total}`); }
  const limit = env.SPLUNK_MEMORY_LIMIT_MIB ? Number.parseInt(env.SPLUNK_MEMORY_LIMIT_MIB, 10) : Math.floor(total * 90 / 100);
  env.SPLUNK_MEMORY_LIMIT_MIB = String(limit);
  settings('mem', `Set memory limit to ${limit} MiB`);
  if (env.GOMEMLIMIT === undefined) { settings('soft', `Set soft memory limit set to ${Math.floor(total * 90 / 100)} MiB`); }
  if (env.GOGC === undefined) { settings('gogc', 'Set garbage collection target percentage (GOGC) to 400'); }
  // setDefaultEnvVars: what the bundled configs expand; only the listen interface is logged.
  const listen = configs.some((c) => c.replace(/^file:/, '') === SPLUNK_AGENT) ? '127.0.0.1' : '0.0.0.0';
  const defaults: Array<[string, string, boolean]> = [['SPLUNK_LISTEN_INTERFACE', listen, true], ['SPLUNK_DEBUG_CONFIG_SERVER', 'true', false]];
  if (env.SPLUNK_REALM !== undefined) {
    const realm = env.SPLUNK_REALM;
    defaults.push(['SPLUNK_API_URL', `https://api.${realm}.signalfx.com`, false], ['SPLUNK_INGEST_URL', `https://ingest.${realm}.signalfx.com`, false],
      ['SPLUNK_TRACE_URL', `https://ingest.${realm}.signalfx.com/v2/trace`, false], ['SPLUNK_HEC_URL', `https://ingest.${realm}.signalfx.com/v1/log`, false]);
  }
  if (env.SPLUNK_ACCESS_TOKEN !== undefined) { defaults.push(['SPLUNK_HEC_TOKEN', env.SPLUNK_ACCESS_TOKEN, false]); }
  for (const [name, value, logged] of defaults) {
    if (env[name] !== undefined) { continue; }
    env[name] = value;
    if (logged) { settings('setenv', `set ${JSON.stringify(name)} to ${JSON.stringify(value)}`); }
  }
  // ResolverURIs: no path at all (SPLUNK_CONFIG_YAML) resolves `env:SPLUNK_CONFIG_YAML`.
  const uris = configs.length > 0 ? configs.map((c) => (/^[A-Za-z][A-Za-z0-9+.-]+:/.test(c) ? c : `file:${c}`)) : ['env:SPLUNK_CONFIG_YAML'];
  return {
    args: { configs: uris, sets: argv.sets },
    fatalLine: (msg) => `${goLogTime()} main.go:${lines.fatal}: application run finished with error: ${msg}\n`,
  };
}

// ---------- ADOT: cmd/awscollector/main.go, pkg/config, pkg/extraconfig, tools/version ----------

function adotStart(r: VendorRelease, argv: Args, write: Write): VendorStart {
  // Default log flags (date and time), all to stderr while RUN_IN_CONTAINER=True (the image's ENV).
  const log = (msg: string): void => { write(`${goLogTime()} ${msg}\n`); };
  log(`ADOT Collector version: v${r.release}`);
  log('found no extra config, skip it, err: open /opt/aws/aws-otel-collector/etc/extracfg.txt: no such file or directory');
  const attn = 'attn: users of the `datadog`, `logzio`, `sapm`, `signalfx` exporter components. please refer to https://github.com/aws-observability/aws-otel-collector/issues/2734 in regards to an';
  if (compareVersions(r.release, '0.41.0') >= 0) { log(`${attn} upcoming ADOT Collector breaking change`); }
  else if (compareVersions(r.release, '0.39.0') >= 0) { log(`${attn} ADOT Collector v0.41.0 breaking change`); }
  // config_factory.go: AOT_CONFIG_CONTENT, when set at all (even empty), replaces every --config and --set.
  const args: Args = process.env.AOT_CONFIG_CONTENT !== undefined ? { configs: ['env:AOT_CONFIG_CONTENT'], sets: [] } : argv;
  return { args, fatalLine: (msg) => `${goLogTime()} application run finished with error: ${msg}\n` };
}

/** Runs the vendor's start-up; a number is the exit code of a start that failed before the collector. */
export function vendorStart(r: VendorRelease, argv: Args, write: Write): VendorStart | number {
  return r.vendor.id === 'splunk' ? splunkStart(r, argv, write) : adotStart(r, argv, write);
}
