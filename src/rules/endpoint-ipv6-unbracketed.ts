/**
 * endpoint-ipv6-unbracketed: a listen address whose host is an IPv6 address written without brackets.
 * Go's net.SplitHostPort (net/ipsock.go), under every collector server's `net.Listen("tcp", endpoint)`,
 * fails it with `too many colons in address`, the component cannot start and the collector exits: a crash
 * loop. The opentelemetry-collector Helm chart writes `${env:MY_POD_IP}:<port>` (values.yaml) for
 * receivers and health_check, which is fine while the pod IP is IPv4 and breaks on an IPv6 cluster
 * (open-telemetry/opentelemetry-helm-charts#816). service::telemetry has two forms of its own:
 * `metrics.address` goes through SplitHostPort (service/telemetry/config.go, until 0.123 ignores it by
 * default), and a pull reader's prometheus `host`/`port` were joined with `fmt.Sprintf("%s:%d")` by
 * go.opentelemetry.io/contrib/config up to v0.14.0 (collector < 0.122, contrib#37876: even `[::]:8888`
 * failed); otelconf v0.15.0 (collector 0.122) strips brackets and uses net.JoinHostPort (go-contrib#6815).
 */
import { isIP } from 'node:net';
import { stringify } from 'yaml';
import type { CollectorPod } from '../snapshot.ts';
import type { CheckedEntry, Evidence, RuleFinding, Rule } from '../report/finding.ts';
import { isMap, receiverType, startedExtensions, startedReceivers, type ConfigMap } from '../otel/config.ts';
import { isPushReceiverType } from '../otel/components-push.ts';
import { expandEnv, envRefs } from '../otel/envexpand.ts';
import { goSplitHostPortError } from '../otel/endpoint.ts';
import { atLeast } from '../otel/version.ts';
import { affected, clientsOf, collectorLogMatches, collectorModels, configSourceText, configTarget, ipv6Hints, truncate } from './util.ts';
import { keys } from './keys.ts';

/** Collector 0.122.0 (otelconf v0.15.0) joins the telemetry host and port with net.JoinHostPort. */
const TELEMETRY_JOIN_FIXED = '0.122.0';
/** From 0.123.0 the telemetry.disableAddressFieldForInternalTelemetry gate is beta (on): `address` is ignored. */
const ADDRESS_IGNORED_SINCE = '0.123.0';

/**
 * Extensions that serve, and where their server settings are. Client settings of the same extensions
 * (jaegerremotesampling's source.remote.endpoint, http_forwarder's egress) are not listen addresses.
 */
const EXTENSION_SERVERS: Record<string, string[][]> = {
  health_check: [['endpoint']],
  healthcheckv2: [['http', 'endpoint'], ['grpc', 'endpoint']],
  pprof: [['endpoint']],
  zpages: [['endpoint']],
  jaegerremotesampling: [['http', 'endpoint'], ['grpc', 'endpoint']],
  remotetap: [['endpoint']],
  http_forwarder: [['ingress', 'endpoint']],
};

/** Keys that hold a push receiver's listen address (confignet/confighttp/configgrpc `endpoint`, stanza `listen_address`, awsxray's proxy). */
const RECEIVER_ADDRESS_KEYS = new Set(['endpoint', 'listen_address', 'tcp_endpoint']);
/** Subtrees of a receiver that are client settings or not addresses. */
const NOT_SERVER = new Set(['tls', 'auth', 'cors', 'aws_endpoint', 'headers', 'remote']);

interface Address {
  kind: 'receiver' | 'extension' | 'telemetry';
  component: string;
  /** the YAML path, dot-separated */
  path: string[];
  raw: string;
  /** `hostport` is handed to net.Listen; `pull-host` is a telemetry reader's host, joined to its port */
  form: 'hostport' | 'address' | 'pull-host';
  port?: string;
}

function listenAddresses(cfg: ConfigMap): Address[] {
  const out: Address[] = [];
  const receivers = isMap(cfg.receivers) ? cfg.receivers : {};
  for (const r of startedReceivers(cfg)) {
    if (!isPushReceiverType(receiverType(r.id))) { continue; }
    const walk = (v: unknown, path: string[], depth: number): void => {
      if (!isMap(v) || depth > 3) { return; }
      for (const [k, x] of Object.entries(v)) {
        if (typeof x === 'string' && RECEIVER_ADDRESS_KEYS.has(k)) { out.push({ kind: 'receiver', component: r.id, path: [...path, k], raw: x, form: 'hostport' }); }
        else if (isMap(x) && !NOT_SERVER.has(k)) { walk(x, [...path, k], depth + 1); }
      }
    };
    walk(receivers[r.id], ['receivers', r.id], 0);
  }
  const exts = isMap(cfg.extensions) ? cfg.extensions : {};
  for (const id of startedExtensions(cfg)) {
    for (const p of EXTENSION_SERVERS[receiverType(id)] ?? []) {
      let v: unknown = exts[id];
      for (const k of p) { v = isMap(v) ? v[k] : undefined; }
      if (typeof v === 'string') { out.push({ kind: 'extension', component: id, path: ['extensions', id, ...p], raw: v, form: 'hostport' }); }
    }
  }
  const service = isMap(cfg.service) ? cfg.service : {};
  const metrics = isMap(service.telemetry) && isMap(service.telemetry.metrics) ? service.telemetry.metrics : {};
  if (typeof metrics.address === 'string' && metrics.address !== '') {
    out.push({ kind: 'telemetry', component: 'service::telemetry', path: ['service', 'telemetry', 'metrics', 'address'], raw: metrics.address, form: 'address' });
  }
  const readers = Array.isArray(metrics.readers) ? metrics.readers : [];
  readers.forEach((rd, i) => {
    const prom = isMap(rd) && isMap(rd.pull) && isMap(rd.pull.exporter) && isMap(rd.pull.exporter.prometheus) ? rd.pull.exporter.prometheus : undefined;
    if (prom && typeof prom.host === 'string') {
      out.push({ kind: 'telemetry', component: 'service::telemetry', path: ['service', 'telemetry', 'metrics', 'readers', String(i), 'pull', 'exporter', 'prometheus', 'host'], raw: prom.host, form: 'pull-host', port: String(prom.port ?? '') });
    }
  });
  return out;
}

/** An env var that holds the pod IP: a fieldRef to status.podIP, else the chart's and the operator's names. */
function isPodIpVar(c: CollectorPod, name: string): boolean {
  const f = c.envFieldRefs?.[name];
  if (f !== undefined) { return f === 'status.podIP'; }
  return /^(MY_)?POD_IP$/.test(name);
}

function stripZone(h: string): string {
  return h.replace(/%.*$/, '');
}

const SAMPLE_V6 = 'fd00::1';
const SAMPLE_V4 = '10.0.0.1';

type Verdict =
  /** fails with the values known here */
  | { kind: 'fails'; value: string; via?: string; why: 'unbracketed' | 'telemetry-join' }
  /** fails once the pod IP is IPv6 (its value is not known here) */
  | { kind: 'fails-if-ipv6'; via: string; why: 'unbracketed' | 'telemetry-join' };

function judgeAddress(c: CollectorPod, a: Address, version: string | null): Verdict | null {
  if (a.kind === 'telemetry') {
    const joinFixed = atLeast(version, TELEMETRY_JOIN_FIXED);
    // Unknown version: which code joins it is unknown too.
    if (joinFixed === null) { return null; }
    if (a.form === 'address' && atLeast(version, ADDRESS_IGNORED_SINCE) !== false) { return null; }
    if (a.form === 'pull-host' && joinFixed) { return null; }
  }
  const env: Record<string, string> = { ...(c.env ?? {}) };
  const refs = envRefs(a.raw);
  const podVar = refs.find((r) => isPodIpVar(c, r));
  if (podVar && env[podVar] === undefined && c.podIP) { env[podVar] = c.podIP; }
  const e = expandEnv(a.raw, env);
  const unknown = e.unset.filter((n) => env[n] === undefined);
  // The host/port string the collector's listener (or the old telemetry join) is given.
  const hostportOf = (v: string): string => (a.form === 'pull-host' ? `${v}:${a.port || '8888'}` : v);
  const failsOn = (v: string): 'unbracketed' | 'telemetry-join' | null => {
    const hp = hostportOf(v);
    if (goSplitHostPortError(hp) === 'too many colons in address') {
      const host = hp.slice(0, hp.lastIndexOf(':'));
      return isIP(stripZone(host)) === 6 ? 'unbracketed' : null;
    }
    // 0.1xx < 0.122 splits `[v6]:port` right, then joins host and port without brackets again.
    if (a.form === 'address' && atLeast(version, TELEMETRY_JOIN_FIXED) === false && hp.startsWith('[') && goSplitHostPortError(hp) === null) {
      return isIP(stripZone(hp.slice(1, hp.indexOf(']')))) === 6 ? 'telemetry-join' : null;
    }
    return null;
  };
  if (unknown.length === 0) {
    const why = failsOn(e.value);
    return why ? { kind: 'fails', value: e.value, ...(podVar ? { via: podVar } : {}), why } : null;
  }
  if (!podVar || !unknown.includes(podVar)) { return null; }
  const withIp = (ip: string): string => expandEnv(a.raw, { ...env, ...Object.fromEntries(unknown.map((n) => [n, n === podVar ? ip : 'x'])) }).value;
  const why = failsOn(withIp(SAMPLE_V6));
  return why && !failsOn(withIp(SAMPLE_V4)) ? { kind: 'fails-if-ipv6', via: podVar, why } : null;
}

/** The address as it should be written: the host in brackets; for the old telemetry join, all interfaces. */
function fixedValue(a: Address, why: 'unbracketed' | 'telemetry-join'): string {
  if (a.form === 'pull-host') { return a.raw.startsWith('[') ? a.raw : `[${a.raw}]`; }
  const i = a.raw.lastIndexOf(':');
  if (why === 'telemetry-join') { return `0.0.0.0:${a.raw.slice(i + 1)}`; }
  return `[${a.raw.slice(0, i)}]:${a.raw.slice(i + 1)}`;
}

/**
 * The fragment to write. A list on the way (a telemetry reader) is the config's own list, copied whole with
 * only the failing hosts changed: a fragment cannot name one element, and a list in a merge replaces the
 * list, so anything shorter would drop the other readers or the reader's port.
 */
function patchOf(cfg: ConfigMap, items: { a: Address; why: 'unbracketed' | 'telemetry-join' }[]): string {
  const root: Record<string, unknown> = {};
  for (const { a, why } of items) {
    let node: Record<string | number, unknown> = root;
    let orig: unknown = cfg;
    a.path.forEach((k, i) => {
      const key: string | number = Array.isArray(node) ? Number(k) : k;
      orig = isMap(orig) || Array.isArray(orig) ? (orig as Record<string | number, unknown>)[key] : undefined;
      if (i === a.path.length - 1) { node[key] = fixedValue(a, why); return; }
      if (node[key] === undefined) { node[key] = Array.isArray(orig) ? structuredClone(orig) : {}; }
      node = node[key] as Record<string | number, unknown>;
    });
  }
  return stringify(root, { lineWidth: 0 }).trimEnd();
}

/** The host:port Go was handed, as its error prints it. */
function failingText(b: { a: Address; v: Verdict }): string {
  if (b.v.kind !== 'fails') { return b.a.raw; }
  if (b.a.form === 'pull-host') { return `${b.v.value}:${b.a.port}`; }
  if (b.v.why === 'telemetry-join') {
    const hp = b.v.value;
    return `${hp.slice(1, hp.indexOf(']'))}${hp.slice(hp.indexOf(']') + 1)}`;
  }
  return b.v.value;
}

export const rule: Rule = {
  id: 'endpoint-ipv6-unbracketed',
  severity: 'error',
  title: 'IPv6 listen address without brackets',
  description:
    "A receiver, extension or service::telemetry address whose host is an IPv6 address without brackets (`fd00::5:4317`, or the Helm chart's `${env:MY_POD_IP}:4317` once the pod IP is IPv6) fails Go's net.SplitHostPort with `too many colons in address`: the collector exits and crash-loops (helm-charts#816). An error in diagnose where the value is known; in lint a warning where the files show an IPv6 or dual-stack cluster (Service spec.ipFamilies, ipFamilyPolicy, IPv6 cluster IPs), an info otherwise. A telemetry reader's `host`, and `metrics.address` even in brackets, fail before collector 0.122 (contrib#37876).",
  evidence: ['config', 'log', 'api'],
  fix: 'Write the host in brackets: `[${env:MY_POD_IP}]:4317` (a bracketed IPv4 address is fine too). Before collector 0.122 a telemetry reader takes `host: "[${env:MY_POD_IP}]"`, and `metrics.address` needs `0.0.0.0:8888`.',
  modes: ['diagnose', 'lint'],
  check(s) {
    const findings: RuleFinding[] = [];
    const checked: CheckedEntry[] = [];
    let hints: string[] | undefined;
    for (const { w, c, m } of collectorModels(s, checked)) {
      const version = c.version ?? s.meta.assumedCollectorVersion ?? null;
      const bad = listenAddresses(m.config)
        .map((a) => ({ a, v: judgeAddress(c, a, version) }))
        .filter((x): x is { a: Address; v: Verdict } => x.v !== null);
      if (!bad.length) {
        checked.push({ subject: w.label });
        continue;
      }
      const definite = bad.filter((b) => b.v.kind === 'fails');
      hints ??= ipv6Hints(s);
      const severity = definite.length ? 'error' : hints.length ? 'warning' : 'info';
      const shown = definite.length ? definite : bad;
      const evidence: Evidence[] = shown.map(({ a, v }) => ({
        source: 'config',
        detail: `${a.path.join('.')}: \`${a.raw}\`${v.kind === 'fails' && v.value !== a.raw ? ` -> ${a.form === 'pull-host' ? `host ${v.value}, port ${a.port}` : v.value}` : ''}${v.via ? ` (${v.via}${c.envFieldRefs?.[v.via] ? ` from fieldRef ${c.envFieldRefs[v.via]}` : ''})` : ''} (${configSourceText(c)}, ${c.image})`,
      }));
      // The one that failed first, as the collector's log names it (extensions start before receivers).
      const logged = new Set<string>();
      for (const p of w.pods) {
        const ips = p.podIPs?.length ? p.podIPs : p.podIP ? [p.podIP] : [];
        if (definite.length && ips.some((ip) => isIP(ip) === 6)) { evidence.push({ source: 'api', detail: `pod ${p.namespace}/${p.pod} status.podIPs: ${ips.join(', ')}` }); }
        const cs = p.containerStatuses?.find((x) => x.name === p.container);
        if (definite.length && cs && (cs.restartCount > 0 || cs.reason)) {
          evidence.push({ source: 'api', detail: `pod ${p.namespace}/${p.pod} container ${cs.name}: ${cs.state}${cs.reason ? ` (${cs.reason})` : ''}, restarts ${cs.restartCount}${cs.lastTerminationExitCode !== undefined ? `, last exit ${cs.lastTerminationExitCode}` : ''}` });
        }
        const crash = collectorLogMatches(s, p).find((x) => x.signature === 'collector-listen-too-many-colons');
        if (crash) { evidence.push({ source: 'log', detail: `${p.pod}: ${truncate(crash.line.trim())}` }); }
        for (const m of collectorLogMatches(s, p)) { if (m.signature === 'collector-listen-too-many-colons' && m.fields?.address) { logged.add(m.fields.address); } }
      }
      if (!definite.length) { for (const h of hints.slice(0, 3)) { evidence.push({ source: s.meta.mode === 'lint' ? 'config' : 'api', detail: h }); } }
      const deduped = evidence.filter((e, i) => evidence.findIndex((x) => x.detail === e.detail) === i);
      const via = shown.map((b) => b.v.via).find(Boolean);
      const telemetryJoin = shown.some((b) => b.v.why === 'telemetry-join' || b.a.form === 'pull-host');
      const where = shown.map((b) => `${b.a.component} ${b.a.raw}`).join(', ');
      const ports = shown.filter((b) => b.a.kind === 'receiver').map((b) => Number(b.a.raw.slice(b.a.raw.lastIndexOf(':') + 1))).filter((p) => Number.isInteger(p) && p > 0);
      const clients = definite.length ? w.pods.flatMap((p) => clientsOf(s, p)).filter((cl) => cl.collectorPort !== null && ports.includes(cl.collectorPort)) : [];
      const example = shown.find((b) => b.a.form === 'hostport') ?? shown[0];
      const first = definite.find((b) => logged.has(failingText(b))) ?? definite[0];
      findings.push({
        severity,
        subject: w.subject,
        summary: definite.length
          ? `IPv6 address without brackets (${where}): the collector cannot listen (too many colons in address)${clients.length ? `; ${new Set(clients.map((cl) => `${cl.app.namespace}/${cl.app.workload?.name ?? cl.app.pod}`)).size} app(s) cannot export` : ''}`
          : `${where} breaks once ${via} is an IPv6 pod IP${hints.length ? ' (the files show an IPv6 or dual-stack cluster)' : ''}`,
        rootCause: definite.length
          ? `Go's net.SplitHostPort rejects an IPv6 host without brackets (\`address ${failingText(first)}: too many colons in address\`), so ${first.a.form === 'address' ? 'the collector refuses its configuration (service::telemetry::metrics::address is split when the config is read)' : `${first.a.component} does not start`} and the collector exits${telemetryJoin ? '; before 0.122 the collector also joins the telemetry host and port without brackets' : ''}.`
          : `${via} comes from the pod IP; on an IPv6 (or IPv6-first dual-stack) cluster it is an IPv6 address, and \`${example.a.raw}\` then has too many colons for Go's net.SplitHostPort: the collector would crash-loop.`,
        evidence: deduped,
        fix: {
          summary: `In ${configTarget(c, example.a.path.join('.'))}, write the host in brackets: ${fixedValue(example.a, example.v.why)}${shown.length > 1 ? ` (and likewise ${shown.slice(1).map((b) => b.a.path.join('.')).join(', ')})` : ''}. Brackets are valid for IPv4 too, so the same config serves both families.${shown.some((b) => b.v.why === 'telemetry-join') ? ' Collector < 0.122 cannot listen on a bracketed telemetry address: upgrade, or use 0.0.0.0.' : ''}`,
          patch: patchOf(m.config, shown.map((b) => ({ a: b.a, why: b.v.why }))),
          target: configTarget(c),
        },
        ...(clients.length ? { affected: affected(clients) } : {}),
        ...(definite.length
          ? { explains: [keys.notReady(w.key), ...w.pods.map(keys.noEndpoints), ...ports.map((p) => keys.listen(w.key, p)), ...(definite.some((b) => b.a.form === 'address') ? [keys.configAddress(w.key)] : [])] }
          : {}),
      });
      checked.push({ subject: w.label, status: 'fail' });
    }
    return { findings, checked };
  },
};
