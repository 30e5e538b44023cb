// Stand-in for the OpenTelemetry Collector (otelcol, otelcol-contrib, otelcol-k8s). It reads the same
// arguments and config, binds the same sockets and prints what the real binary prints for the version
// in the image tag. Facts and line formats: /work/shared/reference/collector-logs.md ("ref §x" below).
// This file is the run (start-up lines, health, shutdown); collector-config.ts reads the arguments and
// config, collector-net.ts binds and serves.
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { availableParallelism } from 'node:os';
import { randomUUID } from 'node:crypto';
import { zapLogger, goLogTime, goDuration, goRfc3339Nano, nowNs, minorOf, parseVersion, NEWEST, type Version, type Fields, type ZapLogger } from './logformat.ts';
import { vendorRelease } from './vendors.ts';
import { vendorStart } from './collector-vendor.ts';
import { SIGNALS, type Signal } from './otlp.ts';
import { CLIENT_ENDPOINT_RECEIVERS, UDP_PROTOCOLS } from './components.ts';
import { CollectorError, binaryName, isMap, loadConfig, parseArgs, typeOf, validate, versionFromImage, type Conf, type EnvNote } from './collector-config.ts';
import { Pipelines, validateComponents } from './collector-pipeline.ts';
import { readerNaming } from './collector-metrics.ts';
import { goNotFound, grpcServer, joinHostPort, listenTcp, listenUdp, listenable, otlpHttpServer, plainHttp, send, splitHostPort, telemetryAddressError, tlsServer, type Bound } from './collector-net.ts';

// ---------- the collector ----------

interface Ctx {
  v: Version;
  log: ZapLogger;
  level: number;
  bound: Bound[];
  healthReady: boolean;
  upSinceNs: bigint;
}

const LEVELS: Record<string, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Caller line numbers differ per release; we use those of the nearest pasted version at or below ours. */
function line(v: Version, table: [number, number][]): number {
  const m = minorOf(v);
  let best = table[0][1];
  for (const [min, n] of table) { if (m >= min) { best = n; } }
  return best;
}

export async function run(): Promise<number> {
  const argv = process.argv.slice(2);
  const image = process.env.SIM_IMAGE ?? '';
  const stderr = (s: string): void => { process.stderr.write(s); };
  // A vendor image plays the upstream core its release pins (vendors.ts), after the vendor's own start-up.
  const vendor = vendorRelease(image);
  if (vendor && vendor.upstream === undefined) {
    stderr(`sim: ${image}: release ${vendor.release} is not in the simulator's ${vendor.vendor.id} table (test/sim/standins/vendors.ts)\n`);
    return 1;
  }
  // `latest`, no tag or a digest: we play the newest modelled version and print it as the Version field.
  const v: Version = vendor ? (parseVersion(vendor.upstream ?? '') ?? NEWEST) : versionFromImage(image).version;
  const m = minorOf(v);
  const binary = vendor ? vendor.vendor.command : binaryName(argv[0], image);
  // BuildInfo.Version: the vendor's release as its build stamps it (Splunk `git describe`, ADOT's VERSION file).
  const buildVersion = vendor ? `v${vendor.release}` : v.text;
  let args = parseArgs(argv);
  let vendorFatal: ((msg: string) => string) | undefined;
  if (vendor) {
    const start = vendorStart(vendor, args, stderr);
    if (typeof start === 'number') { return start; }
    ({ args } = start);
    vendorFatal = start.fatalLine;
  }
  const fatal = (msg: string): number => {
    stderr(`Error: ${msg}\n`);
    // The vendor's main() log.Fatal; else the builder's main.go log.Fatalf line, up to 0.143 (ref §3.2).
    if (vendorFatal) { stderr(vendorFatal(msg)); }
    else if (m <= 143) { stderr(`${goLogTime()} collector server run finished with error: ${msg}\n`); }
    return 1;
  };
  const sv = `service@v${v.text}`;

  let conf: Conf;
  let notes: EnvNote[];
  try {
    ({ conf, notes } = await loadConfig(args));
    validate(conf, v);
    const metricsAt = isMap(conf.service) && isMap(conf.service.telemetry) && isMap(conf.service.telemetry.metrics) ? conf.service.telemetry.metrics.address : undefined;
    const addrErr = telemetryAddressError(metricsAt, m);
    if (addrErr) { throw new CollectorError(addrErr); }
    validateComponents(conf);
  } catch (e) {
    if (e instanceof CollectorError) { return fatal(e.message); }
    throw e;
  }

  const service = isMap(conf.service) ? conf.service : {};
  const telemetry = isMap(service.telemetry) ? service.telemetry : {};
  const logsConf = isMap(telemetry.logs) ? telemetry.logs : {};
  const resourceConf = isMap(telemetry.resource) ? telemetry.resource : {};
  const instanceId = randomUUID();
  const resource = (): Fields => {
    if (m < 126) { return {}; }
    const r: Record<string, unknown> = {};
    if (m >= 128) { Object.assign(r, { 'service.instance.id': instanceId, 'service.name': binary, 'service.version': buildVersion }); }
    for (const [k, val] of Object.entries(resourceConf)) {
      if (val === null) { delete r[k]; } else { r[k] = String(val); }
    }
    return { resource: Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
  };
  const levelName = String(logsConf.level ?? 'info').toLowerCase();
  const raw = zapLogger(stderr, { json: String(logsConf.encoding ?? 'console') === 'json', version: v, base: resource });
  const ctx: Ctx = { v, log: raw, level: LEVELS[levelName] ?? 1, bound: [], healthReady: false, upSinceNs: 0n };
  const log: ZapLogger = {
    info: (c, msg, f) => { if (ctx.level <= 1) { raw.info(c, msg, f); } },
    warn: (c, msg, f) => { if (ctx.level <= 2) { raw.warn(c, msg, f); } },
    error: (c, msg, f) => raw.error(c, msg, f),
  };

  // Component identity fields per era (ref §1.2).
  const compFields = (kind: 'receiver' | 'extension' | 'exporter', id: string, signal?: string): Fields => {
    if (m >= 123 && m <= 124) { return {}; }
    if (m >= 120) { return { 'otelcol.component.id': id, 'otelcol.component.kind': m >= 125 ? kind : kind[0].toUpperCase() + kind.slice(1) }; }
    if (kind === 'extension') { return { kind, name: id }; }
    if (m < 70) { return { kind, name: id, pipeline: signal ?? 'traces' }; }
    return { kind, name: id, data_type: signal ?? 'traces' };
  };

  // 1. Buffered env-provider notes (from ~0.102, ref §3.5). envprovider is a stable v1 module from 0.110
  // on; its version tracks the collector minor minus 94 (0.117.0 ships envprovider@v1.23.0).
  if (m >= 102) {
    const envCaller = `envprovider@${m >= 110 ? `v1.${m - 94}.0` : `v${v.text}`}/provider.go:59`;
    for (const n of notes) {
      if (n.empty) { log.info(envCaller, 'Configuration references empty environment variable', { name: n.name }); }
      else { log.warn(envCaller, 'Configuration references unset environment variable', { name: n.name }); }
    }
  }
  if (m <= 133) { log.info(`${sv}/service.go:${line(v, [[0, 115], [123, 197]])}`, 'Setting up own telemetry...'); }

  // Own metrics endpoint (Prometheus pull). Default `:8888` until 0.110, `localhost:8888` after
  // (metrics address default moved to localhost in 0.111; from the CHANGELOG as we recall it).
  const metricsConf = isMap(telemetry.metrics) ? telemetry.metrics : {};
  let metricsEndpoint: string | undefined = m >= 111 ? 'localhost:8888' : ':8888';
  if (typeof metricsConf.address === 'string') { metricsEndpoint = metricsConf.address; }
  if (Array.isArray(metricsConf.readers)) {
    metricsEndpoint = undefined;
    for (const r of metricsConf.readers) {
      const prom = isMap(r) && isMap(r.pull) && isMap(r.pull.exporter) && isMap(r.pull.exporter.prometheus) ? r.pull.exporter.prometheus : undefined;
      // otelconf's prometheus reader binds net.JoinHostPort(host, port): an IPv6 host needs no brackets here.
      if (prom) { metricsEndpoint = joinHostPort(String(prom.host ?? 'localhost'), String(prom.port ?? 8888)); }
    }
  }
  if (String(metricsConf.level ?? '').toLowerCase() === 'none') { metricsEndpoint = undefined; }
  if (m <= 118 && metricsEndpoint) { log.info(`${sv}/telemetry.go:96`, 'Serving metrics', { address: metricsEndpoint, level: metricsConf.level ? String(metricsConf.level)[0].toUpperCase() + String(metricsConf.level).slice(1) : 'Normal' }); }
  // The processors and exporters are built with the pipelines, before anything starts (collector-pipeline.ts).
  const pipes = new Pipelines(conf, v, log);
  pipes.metrics.gauge('otelcol_process_uptime', {}, () => process.uptime(), 'counter');
  // A `readers:` prometheus exporter may name the families otherwise (`_total`, units: collector-metrics.ts).
  const naming = readerNaming(v, metricsConf);
  if (metricsEndpoint) {
    try {
      ctx.bound.push(await listenTcp(metricsEndpoint, plainHttp((req, res) => {
        if ((req.url ?? '').split('?')[0] !== '/metrics') { goNotFound(res); return; }
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(pipes.metrics.render(v, { service_instance_id: instanceId, service_name: binary, service_version: buildVersion }, naming));
      })));
    } catch {
      // Self-telemetry port clashes are not what this simulator studies; the pipelines still start.
    }
  }

  log.info(`${sv}/service.go:${line(v, [[0, 193], [107, 195], [117, 230], [123, 264], [127, 266], [138, 222]])}`, `Starting ${binary}...`, { Version: buildVersion, NumCPU: availableParallelism() });

  const defaultHost = m >= 104 ? 'localhost' : '0.0.0.0';
  const dosWarning = (kindFields: Fields, endpoint: string): void => {
    const host = splitHostPort(endpoint)?.host;
    if (host !== '0.0.0.0' && host !== '::') { return; }
    const doc = 'https://github.com/open-telemetry/opentelemetry-collector/blob/main/docs/security-best-practices.md#safeguards-against-denial-of-service-attacks';
    const base = 'Using the 0.0.0.0 address exposes this server to every network interface, which may facilitate Denial of Service attacks';
    if (m >= 64 && m <= 93) { log.warn('internal/warning.go:51', base, { ...kindFields, documentation: doc }); }
    else if (m >= 94 && m <= 103) { log.warn(`internal@v${v.text}/warning.go:42`, `${base}. Enable the feature gate to change the default and remove this warning.`, { ...kindFields, documentation: doc, 'feature gate ID': 'component.UseLocalHostAsDefaultHost' }); }
    else if (m >= 110 && m <= 116) { log.warn(`internal@v${v.text}/warning.go:40`, `${base}.`, { ...kindFields, documentation: doc }); }
  };

  const extCaller = (n: number): string => `extensions/extensions.go:${n}`;
  const healthCaller = `healthcheck/handler.go:${m >= 160 ? 131 : 132}`;
  const extensions = (Array.isArray(service.extensions) ? service.extensions : []).map(String);
  const extConfs = isMap(conf.extensions) ? conf.extensions : {};
  const healthIds: string[] = [];

  const shutdown = (): void => {
    for (const id of healthIds) { log.info(healthCaller, 'Health Check state change', { ...compFields('extension', id), status: 'unavailable' }); }
    ctx.healthReady = false;
    pipes.shutdown();
    log.info(extCaller(line(v, [[0, 50], [107, 63]])), 'Stopping extensions...');
    log.info(`${sv}/service.go:${line(v, [[0, 192], [107, 272]])}`, 'Shutdown complete.');
    for (const b of ctx.bound) { b.server.close(); }
  };
  const startFailure = (kind: 'receiver' | 'extension', id: string, err: string): number => {
    const kindCap = kind[0].toUpperCase() + kind.slice(1);
    // The `Failed to start component` error line exists from 0.106 (ref §3.1, from source; line number unseen).
    if (m >= 106) { log.error('graph/graph.go:426', 'Failed to start component', { error: err, type: kindCap, id }); }
    log.info(`${sv}/service.go:${line(v, [[0, 178], [107, 258]])}`, 'Starting shutdown...');
    shutdown();
    if (kind === 'extension') { return fatal(`failed to start extensions: ${err}`); }
    return fatal(m >= 122 ? `cannot start pipelines: failed to start "${id}" receiver: ${err}` : `cannot start pipelines: ${err}`);
  };

  log.info(extCaller(line(v, [[0, 34], [117, 39], [123, 41]])), 'Starting extensions...');
  for (const id of extensions) {
    const type = typeOf(id).replace(/_/g, '');
    const ec = isMap(extConfs[id]) ? (extConfs[id] as Conf) : {};
    const f = compFields('extension', id);
    // Line 59 (`Extension started.`) is from the 0.117.0 paste; 56 for this one is an estimate (not seen in a paste).
    log.info(extCaller(line(v, [[0, 56]])), 'Extension is starting...', f);
    let endpoint: string | undefined;
    let handler: ((s: net.Socket) => void) | undefined;
    if (type === 'healthcheck') {
      endpoint = typeof ec.endpoint === 'string' ? ec.endpoint : `${defaultHost}:13133`;
      const path = typeof ec.path === 'string' ? ec.path : '/';
      healthIds.push(id);
      handler = plainHttp((req, res) => {
        if ((req.url ?? '/').split('?')[0] !== path) { goNotFound(res); return; }
        // ref §4: 200 when ready, 503 with the zero time before and after.
        const body = ctx.healthReady
          ? { status: 'Server available', upSince: goRfc3339Nano(ctx.upSinceNs), uptime: goDuration(nowNs() - ctx.upSinceNs) }
          : { status: 'Server not available', upSince: '0001-01-01T00:00:00Z', uptime: '' };
        send(res, ctx.healthReady ? 200 : 503, 'application/json', JSON.stringify(body));
      });
    } else if (type === 'pprof' || type === 'zpages') {
      endpoint = typeof ec.endpoint === 'string' ? ec.endpoint : `${type === 'pprof' ? 'localhost' : defaultHost}:${type === 'pprof' ? 1777 : 55679}`;
      handler = plainHttp((_req, res) => goNotFound(res));
    } else if (typeof ec.endpoint === 'string' && listenable(ec.endpoint)) {
      endpoint = ec.endpoint;
      handler = plainHttp((_req, res) => goNotFound(res));
    }
    if (endpoint && handler) {
      dosWarning(f, endpoint);
      try {
        ctx.bound.push(await listenTcp(endpoint, handler));
      } catch (e) {
        if (e instanceof CollectorError) { return startFailure('extension', id, e.message); }
        throw e;
      }
    }
    log.info(extCaller(line(v, [[0, 59]])), 'Extension started.', f);
  }

  // Receivers in the order their pipelines name them; a receiver shared by pipelines starts once.
  const pipelines = isMap(service.pipelines) ? service.pipelines : {};
  const recvSignals = new Map<string, Set<Signal>>();
  const firstSignal = new Map<string, string>();
  for (const [pid, p] of Object.entries(pipelines)) {
    const sig = typeOf(pid);
    const pc = isMap(p) ? p : {};
    for (const r of Array.isArray(pc.receivers) ? pc.receivers.map(String) : []) {
      if (isMap(conf.connectors) && r in conf.connectors) { continue; }
      if (!recvSignals.has(r)) { recvSignals.set(r, new Set()); firstSignal.set(r, sig); }
      if ((SIGNALS as readonly string[]).includes(sig)) { recvSignals.get(r)!.add(sig as Signal); }
    }
  }
  const recvConfs = isMap(conf.receivers) ? conf.receivers : {};
  for (const [id, signals] of recvSignals) {
    const rc = isMap(recvConfs[id]) ? (recvConfs[id] as Conf) : {};
    const type = typeOf(id).replace(/_/g, '');
    const f = compFields('receiver', id, firstSignal.get(id));
    try {
      if (type === 'otlp') {
        const protocols = isMap(rc.protocols) ? rc.protocols : {};
        const grpcSrv = async (endpoint: string, what: 'GRPC' | 'HTTP', handler: (s: net.Socket) => void): Promise<void> => {
          const caller = `otlpreceiver@v${v.text}/otlp.go:${what === 'GRPC' ? line(v, [[0, 71], [73, 102], [123, 116], [138, 121], [146, 120]]) : line(v, [[0, 89], [73, 152], [108, 153], [123, 173], [138, 179], [146, 175]])}`;
          dosWarning(f, endpoint);
          // Before 0.133 the line precedes net.Listen and shows the configured endpoint; from 0.133 on it
          // follows a successful listen and shows the bound address (ref §1.2, §3.1 note a).
          if (m < 62) { log.info(caller, `Starting ${what} server on endpoint ${endpoint}`, f); }
          else if (m < 133) { log.info(caller, `Starting ${what} server`, { ...f, endpoint }); }
          const b = await listenTcp(endpoint, handler);
          ctx.bound.push(b);
          if (m >= 133) { log.info(caller, `Starting ${what} server`, { ...f, endpoint: b.shown }); }
        };
        if ('grpc' in protocols) {
          const g = isMap(protocols.grpc) ? protocols.grpc : {};
          await grpcSrv(typeof g.endpoint === 'string' ? g.endpoint : `${defaultHost}:4317`, 'GRPC', withTls(g, 'grpc', await grpcServer(signals, pipes.consumer(id, 'grpc'))));
        }
        if ('http' in protocols) {
          const h = isMap(protocols.http) ? protocols.http : {};
          const paths = new Map<string, Signal>();
          for (const s of signals) {
            const custom = h[`${s}_url_path`];
            paths.set(typeof custom === 'string' ? (custom.startsWith('/') ? custom : '/' + custom) : `/v1/${s}`, s);
          }
          await grpcSrv(typeof h.endpoint === 'string' ? h.endpoint : `${defaultHost}:4318`, 'HTTP', withTls(h, 'http', otlpHttpServer(paths, pipes.consumer(id, 'http'))));
        }
      } else if (!CLIENT_ENDPOINT_RECEIVERS.has(type)) {
        // Unmodelled receiver: it listens where its config says (top level, or jaeger-style protocols).
        const eps: [string, boolean][] = [];
        if (typeof rc.endpoint === 'string' && listenable(rc.endpoint)) { eps.push([rc.endpoint, false]); }
        if (isMap(rc.protocols)) {
          for (const [pname, pc] of Object.entries(rc.protocols)) {
            if (isMap(pc) && typeof pc.endpoint === 'string' && listenable(pc.endpoint)) { eps.push([pc.endpoint, UDP_PROTOCOLS.has(pname)]); }
          }
        }
        for (const [ep, udp] of eps) { ctx.bound.push(udp ? await listenUdp(ep) : await listenTcp(ep, plainHttp((_q, res) => goNotFound(res)))); }
      }
    } catch (e) {
      if (e instanceof CollectorError) { return startFailure('receiver', id, e.message); }
      throw e;
    }
  }

  // Signal handling is in place before the ready line: a SIGTERM sent by whoever waits for that line
  // must meet the handler (the default action would kill the process without its shutdown lines).
  const stopped = new Promise<number>((resolve) => {
    const onSignal = (name: string): void => {
      log.info(`otelcol@v${v.text}/collector.go:318`, 'Received signal from OS', { signal: name });
      log.info(`${sv}/service.go:${line(v, [[0, 178], [107, 258]])}`, 'Starting shutdown...');
      shutdown();
      resolve(0);
    };
    process.once('SIGTERM', () => onSignal('terminated'));
    process.once('SIGINT', () => onSignal('interrupt'));
  });

  ctx.healthReady = true;
  ctx.upSinceNs = nowNs();
  pipes.start();
  for (const id of healthIds) { log.info(healthCaller, 'Health Check state change', { ...compFields('extension', id), status: 'ready' }); }
  log.info(`${sv}/service.go:${line(v, [[0, 169], [104, 219], [107, 221], [108, 289], [117, 253], [123, 287], [127, 289], [138, 245]])}`, 'Everything is ready. Begin running and processing data.');
  // The localhost feature-gate lines come after the ready line (ref §2.2).
  if (m >= 94 && m <= 103) { log.warn('localhostgate/featuregate.go:63', 'The default endpoints for all servers in components will change to use localhost instead of 0.0.0.0 in a future version. Use the feature gate to preview the new default.', { 'feature gate ID': 'component.UseLocalHostAsDefaultHost' }); }
  if (m >= 105 && m <= 109) { log.info('localhostgate/featuregate.go:63', 'The default endpoints for all servers in components have changed to use localhost instead of 0.0.0.0. Disable the feature gate to temporarily revert to the previous default.', { 'feature gate ID': 'component.UseLocalHostAsDefaultHost' }); }
  return stopped;
}

/**
 * A protocol with `tls` serves TLS with its cert_file and key_file (configtls.go loadCertificate: both or
 * neither; an unreadable file fails the receiver's start with the os error).
 */
function withTls(pc: Conf, kind: 'http' | 'grpc', handler: (s: net.Socket) => void): (s: net.Socket) => void {
  const t = pc.tls;
  if (!isMap(t)) { return handler; }
  const certFile = typeof t.cert_file === 'string' ? t.cert_file : '';
  const keyFile = typeof t.key_file === 'string' ? t.key_file : '';
  if (!certFile || !keyFile) {
    if (certFile || keyFile) { throw new CollectorError('failed to load TLS config: failed to load TLS cert and key: for auth via TLS, provide both certificate and key, or neither'); }
    return handler;
  }
  const read = (f: string): Buffer => {
    try {
      return readFileSync((process.env.SIM_ROOT ?? '') + f);
    } catch {
      throw new CollectorError(`failed to load TLS config: failed to load TLS cert and key: open ${f}: no such file or directory`);
    }
  };
  return tlsServer(handler, { cert: read(certFile), key: read(keyFile) }, kind);
}

/** Entry point used by collector.ts: exit with run()'s code. */
export function main(): void {
  run().then((code) => {
    process.exitCode = code;
    // Servers may still hold sockets (keep-alive clients): the real process simply exits.
    setImmediate(() => process.exit(code));
  }, (e: unknown) => {
    process.stderr.write(`panic: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(2);
  });
}
