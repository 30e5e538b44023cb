import type { CheckedEntry, RuleFinding, Rule } from '../report/finding.ts';
import { isHttp } from '../otel/sdk.ts';
import { affected, clientsOf, collectorModels, configTarget } from './util.ts';
import { keys } from './keys.ts';

export const rule: Rule = {
  id: 'receiver-protocol-disabled',
  severity: 'error',
  title: 'Apps use an OTLP protocol the receiver does not enable',
  description:
    'The OTLP receiver opens a gRPC server only when `protocols.grpc` is present and an HTTP server only when `protocols.http` is. Apps exporting with http/protobuf to a receiver with only `grpc` (or the reverse) find no listener on their port.',
  evidence: ['config', 'api'],
  fix: 'Enable the missing protocol under `receivers.otlp.protocols` (e.g. `http: {endpoint: 0.0.0.0:4318}`), or switch the apps to the enabled one.',
  modes: ['diagnose', 'lint'],
  check(s) {
    const findings: RuleFinding[] = [];
    const checked: CheckedEntry[] = [];
    for (const { w, c, m } of collectorModels(s, checked)) {
      const subj = w.label;
      if (!m.otlpProtocols.length) {
        checked.push({ subject: subj, status: 'skipped', reason: 'no OTLP receiver in a pipeline' });
        continue;
      }
      const grpc = m.otlpProtocols.some((p) => p.grpc);
      const http = m.otlpProtocols.some((p) => p.http);
      const clients = w.pods.flatMap((p) => clientsOf(s, p)).filter((cl) => cl.exp.protocol !== null);
      for (const [proto, enabled] of [['http', http], ['grpc', grpc]] as const) {
        if (enabled) { continue; }
        const users = clients.filter((cl) => (proto === 'http' ? isHttp(cl.exp.protocol) : cl.exp.protocol === 'grpc'));
        if (!users.length) { continue; }
        const id = m.otlpProtocols[0].id;
        const port = proto === 'http' ? 4318 : 4317;
        findings.push({
          subject: w.subject,
          summary: `${users.length} export(s) use ${proto === 'http' ? 'OTLP/HTTP' : 'OTLP/gRPC'} but receiver ${id} enables only ${proto === 'http' ? 'grpc' : 'http'}`,
          rootCause: `receivers.${id}.protocols has no ${proto} entry, so no ${proto} server is started; apps exporting with ${proto} have nothing to talk to.`,
          evidence: [
            { source: 'config', detail: `receivers.${id}.protocols: ${m.otlpProtocols.map((p) => [p.grpc ? 'grpc' : '', p.http ? 'http' : ''].filter(Boolean).join(', ')).join('; ')}` },
            ...users.slice(0, 5).map((u) => ({ source: 'config' as const, detail: `${u.app.namespace}/${u.app.pod} (${u.app.container}) ${u.exp.signal}: ${u.exp.protocol} (${u.exp.protocolWhy}) to ${u.exp.url}` })),
          ],
          fix: {
            summary: `In ${configTarget(c, `receivers.${id}.protocols.${proto}`)}, enable ${proto} on 0.0.0.0:${port}, or set OTEL_EXPORTER_OTLP_PROTOCOL on the apps to the enabled protocol.`,
            patch: `receivers:\n  ${id}:\n    protocols:\n      ${proto}:\n        endpoint: 0.0.0.0:${port}`,
            target: configTarget(c),
          },
          affected: affected(users),
          explains: [keys.listen(w.key, port)],
        });
      }
      if (!findings.some((f) => f.subject === w.subject)) { checked.push({ subject: subj }); }
    }
    return { findings, checked };
  },
};
