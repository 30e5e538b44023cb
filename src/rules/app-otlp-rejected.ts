import type { Rule, RuleFinding } from '../report/finding.ts';
import { isMap } from '../otel/config.ts';
import { joinHostPort } from '../otel/endpoint.ts';
import type { Snapshot } from '../snapshot.ts';
import { keys } from './keys.ts';

/**
 * The collector config's `<signal>_url_path` goes into a patch that `fix --apply` parses and a person pastes:
 * only a plain URL path does (the character set the probe accepts), never one that could add YAML lines.
 */
const pastePath = (path: string): boolean => path.length <= 256 && /^\/[A-Za-z0-9._~/-]*$/.test(path);
import { appSubject, model, otlpProbesFrom, otlpProbeText, resolveHost, targetPortOn, type OtlpProbe } from './util.ts';

/** The signal a path is for: /v1/<signal> at its end, else the per-signal endpoint the probe came from. */
function signalOf(p: OtlpProbe): 'traces' | 'metrics' | 'logs' | undefined {
  const m = /\/v1\/(traces|metrics|logs)\/?$/.exec(p.otlp.path ?? '');
  return (m?.[1] as 'traces' | 'metrics' | 'logs' | undefined) ?? p.target.signal;
}

/**
 * What the receiver behind the probed port serves for the signal, from its config: the path
 * (`<signal>_url_path`, default /v1/<signal>, as otlpreceiver's config sanitises it) and whether any
 * pipeline takes the signal from it (otlpreceiver registers a signal's handler only then).
 */
function servedPath(s: Snapshot, p: OtlpProbe, signal: string): { component: string; path: string; custom: boolean; piped: boolean } | undefined {
  const r = resolveHost(s, p.from.namespace, p.target.host);
  const c = r.kind === 'service' || r.kind === 'collector-pod' ? r.collectors[0] : undefined;
  if (!c) { return undefined; }
  const m = model(s, c);
  if (!m) { return undefined; }
  const cport = r.kind === 'service' ? (() => { const sp = r.service.ports.find((x) => x.port === p.target.port); return sp ? targetPortOn(c, sp) : null; })() : p.target.port;
  const ep = m.receivers.find((x) => x.port === cport && x.protocol === 'http');
  if (!ep) { return undefined; }
  const recv = isMap(m.config.receivers) ? m.config.receivers[ep.component] : undefined;
  const http = isMap(recv) && isMap(recv.protocols) ? recv.protocols.http : undefined;
  const custom = isMap(http) ? http[`${signal}_url_path`] : undefined;
  const service = isMap(m.config.service) ? m.config.service : {};
  const pipelines = isMap(service.pipelines) ? service.pipelines : {};
  const piped = Object.entries(pipelines).some(([id, pl]) => id.split('/')[0] === signal && isMap(pl) && Array.isArray(pl.receivers) && pl.receivers.includes(ep.component));
  if (typeof custom === 'string' && custom !== '') {
    return { component: ep.component, path: custom.startsWith('/') ? custom : `/${custom}`, custom: true, piped };
  }
  return { component: ep.component, path: `/v1/${signal}`, custom: false, piped };
}

export const rule: Rule = {
  id: 'app-otlp-rejected',
  severity: 'error',
  title: 'Receiver rejects the app\'s OTLP export',
  description:
    'Exec only. From the app\'s pod the probe sends what the SDK sends, an empty export (no telemetry is created: the receivers return before the pipeline when a request holds no data) with the app\'s path and content type, and the OTLP/HTTP receiver answers with an error: 404 (no handler on that path: a custom `<signal>_url_path` on the receiver, a path rewritten by a proxy, or no pipeline taking that signal from the receiver), 415 (a content type other than application/x-protobuf or application/json), 405. Only rejections no static rule explains stand as their own row; a malformed endpoint (a per-signal endpoint without /v1/<signal>, a doubled path) takes them in as its symptom.',
  evidence: ['exec', 'config'],
  fix: 'Point the app at the path the receiver serves (OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT=http://<host>:4318<path>, or the receiver\'s default /v1/<signal>), or send a content type it accepts.',
  modes: ['diagnose'],
  check(s) {
    const findings: RuleFinding[] = [];
    for (const app of s.apps) {
      const probes = otlpProbesFrom(s, app, ['wrong-path', 'rejected']);
      if (!probes.length) { continue; }
      const p = probes[0];
      const signal = signalOf(p) ?? 'traces';
      const served = p.otlp.result === 'wrong-path' ? servedPath(s, p, signal) : undefined;
      const config: string[] = [];
      let fix: string;
      let patch: string | undefined;
      if (served && !served.piped) {
        config.push(`no ${signal} pipeline takes ${served.component}: the receiver registers no handler for ${served.path}`);
        fix = `Add ${served.component} to a ${signal} pipeline (service.pipelines.${signal}.receivers), or stop the app exporting ${signal} (OTEL_${signal.toUpperCase()}_EXPORTER=none).`;
      } else if (served?.custom) {
        config.push(`${served.component} serves ${signal} on ${served.path} (${signal}_url_path), not on ${p.otlp.path}`);
        fix = `Send ${signal} to ${served.path}: set OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT to the full URL, or drop ${signal}_url_path from ${served.component} so it serves /v1/${signal}.`;
        patch = pastePath(served.path) ? `- name: OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT\n  value: http://${joinHostPort(p.target.host, p.target.port)}${served.path}` : undefined;
      } else if (served && served.path !== p.otlp.path) {
        config.push(`${served.component} serves ${signal} on ${served.path}; the app posts to ${p.otlp.path}`);
        fix = `Send ${signal} to ${served.path} (per-signal endpoints are used verbatim), and check that a pipeline takes ${signal} from ${served.component}.`;
        patch = pastePath(served.path) ? `- name: OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT\n  value: http://${joinHostPort(p.target.host, p.target.port)}${served.path}` : undefined;
      } else if (p.otlp.status === 415) {
        fix = 'Send application/x-protobuf (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf) or application/json (http/json): the OTLP/HTTP receiver accepts no other content type.';
      } else {
        fix = `The receiver at ${joinHostPort(p.target.host, p.target.port)} answers ${p.otlp.status ?? 'an error'} to the app's export: point the app at the path and content type it serves.`;
      }
      findings.push({
        subject: appSubject(app),
        summary: `the receiver answers ${p.otlp.status ?? p.otlp.result} to ${p.otlp.sent === 'http-post' ? `POST ${p.otlp.path}` : p.otlp.sent} at ${joinHostPort(p.target.host, p.target.port)}`,
        rootCause: `Spoken to as the app speaks, the receiver rejects the export (${p.otlp.detail}); every export the SDK sends there fails the same way.`,
        evidence: [...probes.map((x) => ({ source: 'exec' as const, detail: otlpProbeText(x) })), ...config.map((d) => ({ source: 'config' as const, detail: d }))],
        fix: { summary: fix, ...(patch ? { patch } : {}), target: `${appSubject(app).kind} ${app.namespace}/${appSubject(app).name} container ${app.container}` },
        symptomOf: [keys.otlpRejected(app)],
      });
    }
    return findings;
  },
};
