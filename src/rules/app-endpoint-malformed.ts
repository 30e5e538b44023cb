import type { RuleFinding, Rule } from '../report/finding.ts';
import type { SettingValue } from '../snapshot.ts';
import { isAllInterfaces, joinHostPort, splitHostPort } from '../otel/endpoint.ts';
import { isHttp, normalizeProtocol } from '../otel/sdk.ts';
import { appSubject, exportsOf, otlpProbesFrom, otlpProbeText } from './util.ts';
import { keys } from './keys.ts';

/**
 * The endpoint as it should be written when its host is an IPv6 address without brackets: the host in
 * brackets (RFC 3986 3.2.2: an IPv6 literal in a URL is an IP-literal, `[...]`), kept as the manifest wrote
 * it, so `http://$(HOST_IP):4317` stays a reference the kubelet expands: `http://[$(HOST_IP)]:4317`.
 * Undefined when the host is not an unbracketed IPv6 address.
 */
export function bracketedEndpoint(setting: SettingValue | undefined): string | undefined {
  const value = setting?.value;
  if (!value) { return undefined; }
  const split = (v: string) => {
    const m = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)?([^/?#]*)(.*)$/.exec(v.trim());
    return m ? { scheme: m[1] ?? '', authority: m[2], rest: m[3] } : undefined;
  };
  const v = split(value);
  const hp = v ? splitHostPort(v.authority) : undefined;
  if (!v || !hp?.unbracketed || hp.port === null) { return undefined; }
  // Where the manifest wrote the host as one $(VAR), bracket the reference: the same line then serves every node.
  const r = setting?.raw ? split(setting.raw) : undefined;
  const ref = r ? /^(\$\([A-Za-z_][A-Za-z0-9_]*\)):(\d{1,5})$/.exec(r.authority) : null;
  if (r && ref) { return `${r.scheme}[${ref[1]}]:${ref[2]}${r.rest}`; }
  return `${v.scheme}${joinHostPort(hp.host, hp.port)}${v.rest}`;
}

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
      // An IPv6 host (a pod's or node's IP on an IPv6 cluster) needs brackets, and nothing else changes.
      const bracketed = new Map<string, string>();
      for (const e of exportsOf(app)) {
        const b = e.defaultEndpoint ? undefined : bracketedEndpoint(e.endpointSetting);
        if (b && e.endpointSetting) { bracketed.set(e.endpointSetting.env, b); }
      }
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
        fix: bracketed.size
          ? {
              summary: `Write the IPv6 host in brackets, as a URL takes it (RFC 3986): ${[...bracketed].map(([env, v]) => `${env}=${v}`).join(', ')}. Brackets are for IPv6 only: an IPv4 address stays bare.${uniq.some((d) => !d.includes('IPv6 address without brackets')) ? ' Then: use http://<svc>.<ns>.svc.cluster.local:4317 for gRPC or :4318 for HTTP; per-signal HTTP endpoints end in /v1/<signal>.' : ''}`,
              patch: [...bracketed].map(([env, v]) => `- name: ${env}\n  value: ${JSON.stringify(v)}`).join('\n'),
              target: `${appSubject(app).kind} ${app.namespace}/${appSubject(app).name} container ${app.container}`,
            }
          : {
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
