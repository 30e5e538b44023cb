import type { RuleFinding, Rule } from '../report/finding.ts';
import { isMap } from '../otel/config.ts';
import { joinHostPort } from '../otel/endpoint.ts';
import { appLogMatches, appSubject, exportsOf, model, otlpProbesFrom, otlpProbeText, resolveHost, targetPortOn, truncate } from './util.ts';
import { keys } from './keys.ts';

export const rule: Rule = {
  id: 'app-tls-mismatch',
  severity: 'error',
  title: 'App and receiver disagree on TLS',
  description:
    'An `https://` endpoint (or `OTEL_EXPORTER_OTLP_INSECURE=false` on gRPC) against a receiver without `tls`, or plaintext against a receiver with `tls`. The handshake fails: `first record does not look like a TLS handshake`, `WRONG_VERSION_NUMBER`, `server gave HTTP response to HTTPS client`. With exec, the probe starts the app\'s side from its pod: a ClientHello that a plaintext receiver answers in plaintext (an HTTP/1.1 400 or a gRPC SETTINGS frame), or plaintext that a TLS receiver answers with TLS (`Client sent an HTTP request to an HTTPS server`, or a silent close and a ServerHello to the ClientHello asked next).',
  evidence: ['config', 'log', 'exec'],
  fix: 'Use `http://` (and OTEL_EXPORTER_OTLP_INSECURE=true for gRPC) for a plaintext receiver, or configure `tls` on the receiver.',
  modes: ['diagnose', 'lint'],
  check(s) {
    const findings: RuleFinding[] = [];
    for (const app of s.apps) {
      const tlsLogs = appLogMatches(s, app, ['tls']);
      const reasons: string[] = [];
      for (const e of exportsOf(app)) {
        if (!e.parsed || e.port === null) { continue; }
        const r = resolveHost(s, app.namespace, e.parsed.host);
        const c = r.kind === 'service' || r.kind === 'collector-pod' ? r.collectors[0] : undefined;
        if (!c) { continue; }
        const m = model(s, c);
        if (!m) { continue; }
        const cport = r.kind === 'service' ? (() => { const sp = r.service.ports.find((p) => p.port === e.port); return sp ? targetPortOn(c, sp) : null; })() : e.port;
        const ep = m.receivers.find((x) => x.port === cport);
        if (!ep || ep.protocol === 'health') { continue; }
        const recv = isMap(m.config.receivers) ? (m.config.receivers[ep.component] as Record<string, unknown>) : undefined;
        const pc = recv && isMap(recv.protocols) ? (recv.protocols as Record<string, unknown>)[ep.protocol] : undefined;
        const serverTls = isMap(pc) && pc.tls !== undefined && pc.tls !== null;
        const clientTls = e.parsed.scheme === 'https' || (e.parsed.scheme === null && e.protocol === 'grpc' && e.insecure === false);
        if (clientTls && !serverTls) { reasons.push(`${e.url} uses TLS, but ${ep.component}/${ep.protocol} on ${ep.effective} has no tls settings (plaintext)`); }
        if (!clientTls && serverTls && e.parsed.scheme === 'http') { reasons.push(`${e.url} is plaintext, but ${ep.component}/${ep.protocol} requires TLS`); }
      }
      const probes = otlpProbesFrom(s, app, ['tls-expected', 'plaintext-expected']);
      if (!reasons.length && !tlsLogs.length && !probes.length) { continue; }
      const uniq = [...new Set(reasons)];
      const probeSays = (p: (typeof probes)[number]): string => (p.otlp.result === 'plaintext-expected' ? `${joinHostPort(p.target.host, p.target.port)} answered the app's TLS handshake in plaintext` : `${joinHostPort(p.target.host, p.target.port)} answered the app's plaintext with TLS`);
      findings.push({
        subject: appSubject(app),
        summary: uniq[0] ?? (probes[0] ? probeSays(probes[0]) : `TLS handshake errors in the app log (${tlsLogs[0].signature})`),
        rootCause: `Client and receiver disagree on TLS: ${uniq.join('; ') || (probes[0] ? probeSays(probes[0]) : 'the SDK log shows a TLS handshake against a plaintext (or the reverse) server')}.`,
        evidence: [
          ...uniq.map((d) => ({ source: 'config' as const, detail: d })),
          ...tlsLogs.slice(0, 2).map((m) => ({ source: 'log' as const, detail: truncate(m.line.trim()) })),
          ...probes.map((p) => ({ source: 'exec' as const, detail: otlpProbeText(p) })),
        ],
        fix: {
          summary: 'For a plaintext receiver use http:// in the endpoint (and OTEL_EXPORTER_OTLP_INSECURE=true for gRPC); otherwise add tls (cert_file, key_file) to the receiver protocol.',
          patch: '- name: OTEL_EXPORTER_OTLP_ENDPOINT\n  value: http://<svc>.<ns>.svc.cluster.local:4317\n- name: OTEL_EXPORTER_OTLP_INSECURE\n  value: "true"',
          target: `${appSubject(app).kind} ${app.namespace}/${appSubject(app).name} container ${app.container}`,
        },
        symptomOf: [keys.tls(app)],
      });
    }
    return findings;
  },
};
