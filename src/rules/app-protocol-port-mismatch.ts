import type { RuleFinding, Rule } from '../report/finding.ts';
import { isHttp } from '../otel/sdk.ts';
import { appLogMatches, appSubject, exportsOf, model, otlpProbesFrom, otlpProbeText, protocolFromLogs, resolveHost, targetPortOn, truncate, unpublishedPort } from './util.ts';

export const rule: Rule = {
  id: 'app-protocol-port-mismatch',
  severity: 'error',
  title: 'App protocol does not match the receiver port',
  description:
    'OTLP/gRPC on 4318 or OTLP/HTTP on 4317. When OTEL_EXPORTER_OTLP_PROTOCOL is unset the SDK default decides: grpc for the Java SDK, Python and the .NET SDK; http/protobuf for the Java agent 2.x, Node.js, PHP, Ruby and .NET auto-instrumentation; Go depends on the exporter linked, so only its logs can tell. The receiver actually behind the port is used when known. With exec, the probe speaks the app\'s protocol from its pod: an OTLP/HTTP port answers the HTTP/2 preface `HTTP/1.1 400`, a gRPC port answers a POST with its SETTINGS frame; that answer proves the mismatch on any port.',
  evidence: ['config', 'log', 'exec'],
  fix: 'Set OTEL_EXPORTER_OTLP_PROTOCOL to match the port (grpc -> 4317, http/protobuf -> 4318), or change the port.',
  modes: ['diagnose', 'lint'],
  check(s) {
    const findings: RuleFinding[] = [];
    for (const app of s.apps) {
      const protoLogs = appLogMatches(s, app, ['protocol']);
      const bad: { proto: string; expect: string; port: number; url?: string; why: string; env?: string; probed?: true }[] = [];
      for (const e of exportsOf(app)) {
        if (!e.parsed || e.port === null) { continue; }
        // What serves the dialled port: the receiver behind the Service/pod when known, else the well-known port.
        let serves: 'grpc' | 'http' | null = e.port === 4317 ? 'grpc' : e.port === 4318 ? 'http' : null;
        const r = resolveHost(s, app.namespace, e.parsed.host);
        // A ClusterIP Service that does not publish the port at all: app-port-not-exposed's row, whose fix
        // (the right port, or publishing it) helps where switching the protocol would not.
        if (r.kind === 'service' && unpublishedPort(r.service, e.port)) { continue; }
        const c = r.kind === 'service' || r.kind === 'collector-pod' ? r.collectors[0] : undefined;
        if (c) {
          let cport: number | null = e.port;
          if (r.kind === 'service') {
            const sp = r.service.ports.find((p) => p.port === e.port);
            cport = sp ? targetPortOn(c, sp) : null;
          }
          const ep = model(s, c)?.receivers.find((x) => x.port === cport);
          if (ep) { serves = ep.protocol === 'health' ? null : ep.protocol; }
        }
        if (!serves) { continue; }
        let proto = e.protocol;
        let why = e.protocolWhy;
        const fromLog = proto === null ? protocolFromLogs(protoLogs) : undefined;
        if (fromLog) {
          proto = fromLog.protocol;
          why = `its log shows ${fromLog.signature}`;
        }
        if (proto === null) { continue; }
        const sends = isHttp(proto) ? 'http' : 'grpc';
        if (sends === serves) { continue; }
        bad.push({ proto, expect: serves, port: e.port, url: e.url, why, env: e.protocolSetting?.env });
      }
      // The receiver's own answer to the app's protocol: the other transport answered.
      const probes = otlpProbesFrom(s, app, ['wrong-protocol']).filter((p) => p.otlp.answeredBy === 'http/2' || p.otlp.answeredBy === 'http/1.1');
      if (!bad.length) {
        const p = probes[0];
        if (!p) { continue; }
        // No static reasoning (a port that is not 4317/4318, a receiver not modelled): the answer alone decides.
        const grpcPort = p.otlp.answeredBy === 'http/2';
        bad.push({ proto: grpcPort ? 'http/protobuf' : 'grpc', expect: grpcPort ? 'grpc' : 'http', port: p.target.port, url: p.target.endpoint, why: 'as the probe sent it, the way the app does', probed: true });
      }
      const b = bad[0];
      const right = b.expect === 'grpc' ? 'http/protobuf' : 'grpc';
      const rightPort = b.expect === 'grpc' ? 4318 : 4317;
      findings.push({
        subject: appSubject(app),
        summary: `sends ${b.proto} to port ${b.port}, which serves OTLP/${b.expect === 'grpc' ? 'gRPC' : 'HTTP'}`,
        rootCause: `The exporter speaks ${b.proto} (${b.why}) but port ${b.port} is the ${b.expect} receiver; the bytes do not parse on either side.`,
        evidence: [
          ...[...new Set(bad.filter((x) => !x.probed).map((x) => `${x.url}: protocol ${x.proto} (${x.why})`))].map((d) => ({ source: 'config' as const, detail: d })),
          ...protoLogs.slice(0, 2).map((m) => ({ source: 'log' as const, detail: truncate(m.line.trim()) })),
          ...probes.map((p) => ({ source: 'exec' as const, detail: otlpProbeText(p) })),
        ],
        fix: {
          summary: `Either set OTEL_EXPORTER_OTLP_PROTOCOL=${b.expect === 'grpc' ? 'grpc' : 'http/protobuf'} on ${app.namespace}/${app.workload?.name ?? app.pod}, or keep ${b.proto} and use port ${rightPort}.`,
          patch: `- name: OTEL_EXPORTER_OTLP_PROTOCOL\n  value: ${b.expect === 'grpc' ? 'grpc' : 'http/protobuf'}\n# or keep ${b.proto === right ? b.proto : b.proto} and change the endpoint port to ${rightPort}`,
          target: `${appSubject(app).kind} ${app.namespace}/${appSubject(app).name} container ${app.container}`,
        },
      });
    }
    return findings;
  },
};
