import type { RuleFinding, Rule } from '../report/finding.ts';
import { isAllInterfaces } from '../otel/endpoint.ts';
import { isHttp, normalizeProtocol } from '../otel/sdk.ts';
import { appSubject, exportsOf, otlpProbesFrom, otlpProbeText } from './util.ts';
import { keys } from './keys.ts';

export const rule: Rule = {
  id: 'app-endpoint-malformed',
  severity: 'error',
  title: 'App endpoint value is malformed',
  description:
    'An OTLP endpoint must be a URL with scheme, host and port: `http://host:4317`. Common mistakes: no scheme (`otel-collector:4317`, rejected or read as a path by several SDKs), no port (http means 80), `0.0.0.0` as a destination, a per-signal HTTP endpoint without `/v1/<signal>` (taken verbatim, so the collector answers 404), the base endpoint with `/v1/traces` appended (doubled), an invalid OTEL_EXPORTER_OTLP_PROTOCOL. With exec, the probe sends what the SDK would on the endpoint as written, and the receiver\'s answer (a 404 on the verbatim path, a TLS mismatch on a scheme-less endpoint) is quoted; a rejection of this app\'s exports is then this row\'s symptom.',
  evidence: ['config', 'exec'],
  fix: 'Write `http://<svc>.<ns>.svc.cluster.local:4317` (gRPC) or `...:4318` (HTTP); per-signal HTTP endpoints end in `/v1/traces`, `/v1/metrics`, `/v1/logs`.',
  modes: ['diagnose', 'lint'],
  check(s) {
    const findings: RuleFinding[] = [];
    for (const app of s.apps) {
      const problems: string[] = [];
      const ex = app.exporter;
      for (const p of [ex.protocol, ...Object.values(ex.signals ?? {}).map((x) => x?.protocol)]) {
        if (p?.value !== undefined && normalizeProtocol(p.value) === 'invalid') { problems.push(`${p.env}=${JSON.stringify(p.value)} is not grpc, http/protobuf or http/json`); }
      }
      for (const e of exportsOf(app)) {
        if (!e.parsed || e.defaultEndpoint) { continue; }
        const v = e.endpointSetting?.value ?? '';
        const env = e.endpointSetting?.env ?? 'endpoint';
        // Not a URL at all (invalid host, shell characters): say that first; "no port" would be an artefact of the mis-parse.
        if (e.parsed.problems.length) {
          // ${VAR} is shell or collector syntax: the kubelet expands only $(VAR), so the SDK gets it verbatim.
          const shellVar = /\$\{[^}]*\}/.test(v) ? '; Kubernetes expands $(VAR) in env values, never ${VAR}' : '';
          problems.push(`${env}=${v}: ${e.parsed.problems.join(', ')}${shellVar}`);
          continue;
        }
        if (!e.parsed.scheme) { problems.push(`${env}=${v} has no scheme (write http://${v})`); }
        else if (!['http', 'https'].includes(e.parsed.scheme)) { problems.push(`${env}=${v}: scheme ${e.parsed.scheme} is not http or https`); }
        if (e.parsed.port === null && e.parsed.host) { problems.push(`${env}=${v} has no port${e.parsed.impliedPort ? ` (the SDK dials ${e.parsed.impliedPort})` : ''}`); }
        if (e.parsed.host && isAllInterfaces(e.parsed.host)) { problems.push(`${env}=${v}: 0.0.0.0 is a listen address, not a destination`); }
        if (isHttp(e.protocol) && e.perSignal && !e.parsed.path.replace(/\/+$/, '').endsWith(`/v1/${e.signal}`)) { problems.push(`${env}=${v} is used verbatim for OTLP/HTTP and lacks /v1/${e.signal}`); }
        if (isHttp(e.protocol) && !e.perSignal && /\/v1\/(traces|metrics|logs)\/v1\//.test(e.parsed.path)) { problems.push(`${env}=${v} already ends in /v1/<signal>; the SDK appends another (${e.parsed.path})`); }
      }
      const uniq = [...new Set(problems)];
      if (!uniq.length) { continue; }
      // Without a scheme the gRPC (and Go) exporters assume TLS: the handshake errors in the app log are this row's symptom.
      const noScheme = exportsOf(app).some((e) => e.parsed && !e.defaultEndpoint && !e.parsed.problems.length && !e.parsed.scheme);
      // The receiver's answer to the endpoint as written: the malformation at work.
      const written = new Set(exportsOf(app).map((e) => e.endpointSetting?.value));
      const probes = otlpProbesFrom(s, app, ['wrong-path', 'rejected', 'tls-expected', 'plaintext-expected']).filter((p) => written.has(p.target.endpoint));
      findings.push({
        subject: appSubject(app),
        summary: uniq[0],
        rootCause: `The exporter cannot send to this endpoint as written: ${uniq.join('; ')}.`,
        evidence: [...uniq.map((d) => ({ source: 'config' as const, detail: d })), ...probes.map((p) => ({ source: 'exec' as const, detail: otlpProbeText(p) }))],
        fix: {
          summary: 'Use http://<svc>.<ns>.svc.cluster.local:4317 for gRPC or :4318 for HTTP; per-signal HTTP endpoints end in /v1/<signal>.',
          patch: '- name: OTEL_EXPORTER_OTLP_ENDPOINT\n  value: http://<svc>.<ns>.svc.cluster.local:4317',
          target: `${appSubject(app).kind} ${app.namespace}/${appSubject(app).name} container ${app.container}`,
        },
        explains: [keys.otlpRejected(app), ...(noScheme ? [keys.tls(app)] : [])],
      });
    }
    return findings;
  },
};
