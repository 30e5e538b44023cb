/**
 * An app dials a port of a collector Service that the Service does not declare (a typo such as 4319, the
 * legacy OTLP ports 55680/55681, 4318 on a Service that publishes only 4317). kube-proxy programs a
 * ClusterIP for its declared ports only, so the connection is refused (REJECT, nftables/IPVS) or times out
 * (iptables): no receiver is ever reached and nothing on the collector side shows it.
 */
import type { CheckedEntry, Evidence, Fix, RuleFinding, Rule } from '../report/finding.ts';
import type { AppContainer, CollectorPod, ServiceInfo, ServicePortInfo, SettingValue, Snapshot } from '../snapshot.ts';
import { receiverType, startedReceivers, type CollectorModel } from '../otel/config.ts';
import { isHttp, type SignalExport } from '../otel/sdk.ts';
import { appLogMatches, appSubject, collectorWorkloads, exportsOf, model, probesFrom, probeText, protocolFromLogs, resolveHost, serviceTcpPorts, targetPortOn, truncate, unpublishedPort } from './util.ts';
import { keys } from './keys.ts';

type Proto = 'grpc' | 'http';
const WELL_KNOWN: Record<Proto, number> = { grpc: 4317, http: 4318 };
const PROTO_NAME: Record<Proto, string> = { grpc: 'OTLP/gRPC', http: 'OTLP/HTTP' };

/** One export that dials an undeclared port, with what the fix needs. */
interface Miss {
  e: SignalExport;
  setting: SettingValue;
  host: string;
  port: number;
  svc: ServiceInfo;
  headless: boolean;
  /** what the target declares or listens on, in words */
  offered: string;
  offeredSource: Evidence['source'];
  /** the port numbers it does declare (or, headless, serve) */
  declared: number[];
  sends: Proto | null;
  /** the port to dial instead, and why */
  right?: { port: number; why: string };
  /** no Service port carries the app's protocol: the port to add to the Service */
  addPort?: { targetPort: number | string; receiverPort: number };
  /** a declared port carrying the other protocol, for the "switch protocol" alternative */
  alt?: { port: number; proto: Proto };
  /** the collector starts no receiver of the app's protocol: a collector-side rule explains the row */
  collectorLacks?: string;
}

/** What a Service port carries: the receiver behind its targetPort when the collector is known, else its name. */
function servesOf(sp: ServicePortInfo, c: CollectorPod | undefined, m: CollectorModel | null): Proto | null {
  if (c && m) {
    const cport = targetPortOn(c, sp);
    const ep = m.receivers.find((r) => r.port === cport);
    return ep && ep.protocol !== 'health' ? ep.protocol : null;
  }
  const hint = `${sp.appProtocol ?? ''} ${sp.name ?? ''}`.toLowerCase();
  if (/grpc|h2c/.test(hint) || sp.port === 4317) { return 'grpc'; }
  if (/http/.test(hint) || sp.port === 4318) { return 'http'; }
  return null;
}

/** The ports a headless Service's collector serves, or null when neither sockets nor a complete config say. */
function servedPorts(c: CollectorPod, m: CollectorModel | null): Set<number> | null {
  if (c.listeners?.sockets.length) { return new Set(c.listeners.sockets.map((x) => x.port)); }
  // A non-OTLP receiver (zipkin, jaeger, otelarrow) opens ports the model does not know: no verdict then.
  if (!m || startedReceivers(m.config).some((r) => receiverType(r.id) !== 'otlp')) { return null; }
  const ports = new Set(m.receivers.map((r) => r.port).filter((p): p is number => p !== null && p !== undefined));
  if (m.healthCheck?.port) { ports.add(m.healthCheck.port); }
  return ports;
}

/** The setting's text with the dialled port replaced (the unexpanded $(VAR) form when that is what was written). */
function withPort(setting: SettingValue, port: number, right: number): string {
  const re = new RegExp(`:${port}(?=[/?#]|$)`);
  // A port that itself came from a $(VAR) is not in the written text: give the expanded value then.
  const text = setting.raw !== undefined && re.test(setting.raw) ? setting.raw : (setting.value ?? '');
  return text.replace(re, `:${right}`);
}

function sendsOf(s: Snapshot, app: AppContainer, e: SignalExport): Proto | null {
  if (e.protocol) { return isHttp(e.protocol) ? 'http' : 'grpc'; }
  const fromLog = protocolFromLogs(appLogMatches(s, app, ['protocol']));
  return fromLog ? (isHttp(fromLog.protocol) ? 'http' : 'grpc') : null;
}

function judgeExport(s: Snapshot, app: AppContainer, e: SignalExport, checked: CheckedEntry[], subj: string): Miss | null {
  const p = e.parsed;
  const setting = e.endpointSetting;
  // An endpoint that is not a clean URL with an explicit port is app-endpoint-malformed's row.
  if (!p || !setting || e.defaultEndpoint || p.problems.length || !p.scheme || p.port === null) { return null; }
  const r = resolveHost(s, app.namespace, p.host);
  // Not a Service the snapshot knows (missing, pod/node IP, loopback, outside the cluster): not ours to judge.
  if (r.kind !== 'service') { return null; }
  const svc = r.service;
  if (svc.type === 'ExternalName') { return null; }
  const ports = serviceTcpPorts(svc);
  const headless = svc.clusterIP === 'None';
  const c: CollectorPod | undefined = r.collectors[0];
  const m = c ? model(s, c) : null;
  const sends = sendsOf(s, app, e);
  const miss: Miss = { e, setting, host: p.host, port: p.port, svc, headless, offered: '', offeredSource: 'api', declared: [], sends };
  if (headless) {
    // DNS answers with the pod IPs, so the Service's port list is not what decides: the collector's sockets are.
    const served = c ? servedPorts(c, m) : null;
    if (!c || !served) {
      checked.push({ subject: subj, status: 'skipped', reason: `headless Service ${svc.namespace}/${svc.name}: the collector's ports are unknown` });
      return null;
    }
    if (served.has(p.port)) { return null; }
    miss.declared = [...served].sort((a, b) => a - b);
    miss.offeredSource = !c.listeners?.sockets.length ? 'config' : c.listeners.method === 'log' ? 'log' : 'exec';
    miss.offered = `collector ${c.namespace}/${c.pod} (behind headless Service ${svc.namespace}/${svc.name}) ${c.listeners?.sockets.length ? `listens on` : 'configures receivers on'} ${[...served].sort((a, b) => a - b).join(', ') || 'no port'}`;
    const recv = sends ? m?.receivers.find((x) => x.protocol === sends && x.port && served.has(x.port)) : undefined;
    if (recv?.port) { miss.right = { port: recv.port, why: `the ${recv.component}/${recv.protocol} receiver` }; }
    else if (sends && m && !m.receivers.some((x) => x.protocol === sends)) { miss.collectorLacks = sends; }
    return miss;
  }
  // (A Service without ports is not one the API accepts: nothing to compare with.)
  if (!unpublishedPort(svc, p.port)) { return null; }
  miss.declared = ports.map((sp) => sp.port);
  miss.offered = `Service ${svc.namespace}/${svc.name} (${svc.type}${svc.clusterIP ? ` ${svc.clusterIP}` : ''}) declares ports ${ports.map((sp) => `${sp.name ? `${sp.name} ` : ''}${sp.port}${sp.targetPort !== undefined && String(sp.targetPort) !== String(sp.port) ? ` (targetPort ${sp.targetPort})` : ''}`).join(', ')}`;
  const carried = ports.map((sp) => ({ sp, serves: servesOf(sp, c, m) })).filter((x) => x.serves);
  const pick = sends ? carried.find((x) => x.serves === sends) : carried.length === 1 ? carried[0] : undefined;
  const alt = sends ? carried.find((x) => x.serves !== sends) : undefined;
  if (alt) { miss.alt = { port: alt.sp.port, proto: alt.serves as Proto }; }
  if (pick) {
    miss.right = { port: pick.sp.port, why: `Service port ${pick.sp.name ? `${pick.sp.name} ` : ''}${pick.sp.port} leads to ${c && m ? `the ${PROTO_NAME[pick.serves as Proto]} receiver` : `${PROTO_NAME[pick.serves as Proto]} by its name`}${sends ? '' : ' (the only OTLP port it declares)'}` };
  } else if (sends && c && m) {
    const recv = m.receivers.find((x) => x.protocol === sends && x.port);
    if (recv?.port) {
      const named = c.containerPorts.find((cp) => cp.containerPort === recv.port && cp.name);
      miss.addPort = { targetPort: named?.name ?? recv.port, receiverPort: recv.port };
    } else { miss.collectorLacks = sends; }
  }
  return miss;
}

export const rule: Rule = {
  id: 'app-port-not-exposed',
  severity: 'error',
  title: 'App dials a port the collector Service does not declare',
  description:
    'The app\'s OTLP endpoint names a collector Service on a port the Service does not declare: a typo (`:4319`), the legacy OTLP ports 55680/55681, or 4318 on a Service that publishes only 4317. kube-proxy only forwards the declared ports of a ClusterIP, so the export is refused or times out and never reaches a receiver. For a headless Service (clusterIP None) the collector\'s own receivers decide, since DNS returns the pod IPs; ExternalName Services, Services not in the snapshot, pod, node and external addresses are not judged.',
  evidence: ['config', 'api', 'exec', 'log'],
  fix: 'Dial the Service port whose targetPort leads to the receiver of the app\'s protocol (4317 for grpc, 4318 for http/protobuf), or add that port to the Service.',
  modes: ['diagnose', 'lint'],
  check(s) {
    const findings: RuleFinding[] = [];
    const checked: CheckedEntry[] = [];
    for (const app of s.apps) {
      const sub = appSubject(app);
      const subj = `${sub.kind} ${sub.namespace}/${sub.name}`;
      const misses: Miss[] = [];
      let judged = false;
      for (const e of exportsOf(app)) {
        if (e.parsed && resolveHost(s, app.namespace, e.parsed.host).kind === 'service') { judged = true; }
        const miss = judgeExport(s, app, e, checked, subj);
        // Every signal of one container usually shares an endpoint: one evidence line per host:port.
        if (miss && !misses.some((x) => x.host === miss.host && x.port === miss.port)) { misses.push(miss); }
      }
      const probes = probesFrom(s, app);
      const real = misses.filter((x) => {
        // Something answered on this very host:port (a mesh proxy, a Service changed since it was listed):
        // the claim that nothing is exposed there would be wrong.
        const hit = probes.filter((pr) => pr.target.host.toLowerCase() === x.host.toLowerCase() && pr.target.port === x.port);
        return !hit.some((pr) => pr.result === 'connected');
      });
      if (!real.length) {
        if (judged) { checked.push({ subject: subj }); }
        continue;
      }
      const first = real[0];
      const evidence: Evidence[] = [];
      for (const x of real) {
        evidence.push({ source: 'config', detail: `${x.setting.env}=${x.setting.value}${x.setting.raw && x.setting.raw !== x.setting.value ? ` (written ${x.setting.raw})` : ''}${x.setting.from ? ` (${x.setting.from})` : ''}` });
        evidence.push({ source: x.offeredSource, detail: `${x.offered}; none is ${x.port}` });
      }
      const bad = new Set(real.map((x) => `${x.host.toLowerCase()}:${x.port}`));
      for (const pr of probes) {
        if (bad.has(`${pr.target.host.toLowerCase()}:${pr.target.port}`) && ['refused', 'timeout', 'unreachable'].includes(pr.result)) { evidence.push({ source: 'exec', detail: probeText(pr) }); }
      }
      // App log lines: those naming the port, or any failure line when every export of the app goes to a bad port.
      const allBad = exportsOf(app).every((e) => !e.parsed || bad.has(`${e.parsed.host.toLowerCase()}:${e.port}`));
      const lines = appLogMatches(s, app, ['refused', 'timeout', 'unavailable']).filter((lm) => allBad || real.some((x) => lm.line.includes(`:${x.port}`)));
      for (const lm of lines.slice(0, 2)) { evidence.push({ source: 'log', detail: truncate(lm.line.trim()) }); }
      const dedup = evidence.filter((ev, i) => evidence.findIndex((y) => y.detail === ev.detail) === i);

      const appTarget = `${sub.kind} ${app.namespace}/${sub.name} container ${app.container}`;
      const where = (x: Miss) => (x.headless ? `headless Service ${x.svc.namespace}/${x.svc.name}` : `Service ${x.svc.namespace}/${x.svc.name}`);
      let fix: Fix;
      const settingTarget = (x: Miss) => (x.setting.origin === 'value' || x.setting.origin === 'var-ref' || !x.setting.from ? appTarget : x.setting.from);
      const settingPatch = (x: Miss, port: number) => {
        const v = withPort(x.setting, x.port, port);
        if (x.setting.origin === 'value' || x.setting.origin === 'var-ref') { return `- name: ${x.setting.env}\n  value: ${v}`; }
        if (x.setting.origin === 'instrumentation') { return `spec:\n  exporter:\n    endpoint: ${v}`; }
        return v;
      };
      if (first.right) {
        const fixes = real.filter((x) => x.right);
        fix = {
          summary: fixes.map((x) => `Set ${x.setting.env} to ${withPort(x.setting, x.port, x.right?.port as number)} (${x.right?.why}).`).join(' '),
          patch: [...new Set(fixes.map((x) => settingPatch(x, x.right?.port as number)))].join('\n'),
          target: settingTarget(first),
        };
      } else if (first.addPort && first.sends) {
        const alt = first.alt;
        const newPort = WELL_KNOWN[first.sends];
        fix = {
          summary: `Add port ${newPort} (targetPort ${first.addPort.targetPort}, the collector's ${PROTO_NAME[first.sends]} receiver) to ${where(first)}${first.port !== newPort ? ` and set ${first.setting.env} to ${withPort(first.setting, first.port, newPort)}` : ''}${alt ? `; or set OTEL_EXPORTER_OTLP_PROTOCOL=${alt.proto === 'grpc' ? 'grpc' : 'http/protobuf'} and port ${alt.port}` : ''}.`,
          patch: `spec:\n  ports:\n    - name: otlp-${first.sends}\n      port: ${newPort}\n      targetPort: ${first.addPort.targetPort}\n      protocol: TCP`,
          target: `Service ${first.svc.namespace}/${first.svc.name}`,
        };
      } else {
        fix = {
          summary: first.collectorLacks
            ? `The collector starts no ${PROTO_NAME[first.collectorLacks as Proto]} receiver: enable it and expose it on ${where(first)}${first.alt ? `, or set OTEL_EXPORTER_OTLP_PROTOCOL=${first.alt.proto === 'grpc' ? 'grpc' : 'http/protobuf'} and port ${first.alt.port}` : ''}.`
            : `Point ${first.setting.env} at a port ${where(first)} serves (${first.offered.replace(/^.*?(declares|listens on|configures receivers on) /, '')}).`,
          target: settingTarget(first),
        };
      }
      const sendsText = first.sends ? `${PROTO_NAME[first.sends]} ` : '';
      const lacks = first.collectorLacks ? collectorWorkloads(s).find((w) => w.pods.some((p) => first.svc.matchedCollectorPods.includes(`${p.namespace}/${p.pod}`))) : undefined;
      findings.push({
        subject: sub,
        summary: `sends ${sendsText}to port ${first.port}, which ${where(first)} does not ${first.headless ? 'serve' : 'declare'} (${first.headless ? 'served' : 'declared'}: ${first.declared.join(', ') || 'none'})${real.length > 1 ? `; ${real.length - 1} more endpoint(s) alike` : ''}`,
        rootCause: first.headless
          ? `${first.host} is a headless Service, so the app connects to the collector pods directly on ${first.port}, where no receiver listens; every export fails.`
          : `${where(first)} declares no port ${first.port}; kube-proxy forwards only declared ports of a ClusterIP, so the connection is refused or times out and never reaches a receiver.`,
        evidence: dedup,
        fix,
        // A collector that starts no receiver of this protocol at all is the deeper cause; its row keeps this evidence.
        ...(lacks && first.collectorLacks ? { symptomOf: [keys.listen(lacks.key, first.headless ? first.port : WELL_KNOWN[first.collectorLacks as Proto])] } : {}),
      });
      checked.push({ subject: subj, status: 'fail' });
    }
    return { findings, checked };
  },
};
