import type { RuleFinding, Rule } from '../report/finding.ts';
import { appLogMatches, appSubject, exportsOf, probesFrom, probeText, resolveHost, truncate } from './util.ts';
import { keys } from './keys.ts';

export const rule: Rule = {
  id: 'app-endpoint-unresolvable',
  severity: 'error',
  title: 'App endpoint host does not resolve',
  description:
    'The endpoint names a host that DNS cannot resolve from the app: typically a short Service name (`otel-collector`) used from another namespace, where the search path looks in the app\'s own namespace. Detected statically for cluster names and confirmed by a DNS-failure probe or the SDK\'s DNS error.',
  evidence: ['config', 'api', 'exec', 'log'],
  fix: 'Use the fully qualified name `<svc>.<ns>.svc.cluster.local`.',
  modes: ['diagnose', 'lint'],
  check(s) {
    const findings: RuleFinding[] = [];
    for (const app of s.apps) {
      const seen = new Set<string>();
      for (const e of exportsOf(app)) {
        if (!e.parsed || e.defaultEndpoint || seen.has(e.parsed.host)) { continue; }
        // A value that is not a valid URL is app-endpoint-malformed's one row; its "host" is no name to look up.
        if (e.parsed.problems.length) { continue; }
        seen.add(e.parsed.host);
        const host = e.parsed.host;
        const r = resolveHost(s, app.namespace, host);
        const dnsProbes = probesFrom(s, app).filter((p) => p.result === 'dns-failure' && p.target.host === host);
        const dnsLogs = appLogMatches(s, app, ['dns']);
        let detail: string | undefined;
        let fixHost: string | undefined;
        if (r.kind === 'missing-service' && (r.namespace === app.namespace || !s.collectors.some((c) => c.namespace === r.namespace))) {
          if (r.existsIn.length) {
            detail = `no Service ${r.name} in ${r.namespace}; it exists in ${r.existsIn.join(', ')}`;
            fixHost = `${r.name}.${r.existsIn[0]}.svc.cluster.local`;
          } else if (dnsProbes.length || dnsLogs.length || r.namespace === app.namespace) {
            detail = `no Service ${r.name} in ${r.namespace}`;
          }
        } else if (r.kind === 'external' && dnsProbes.length) {
          detail = `${host} does not resolve from the pod`;
        }
        if (!detail) { continue; }
        findings.push({
          subject: appSubject(app),
          summary: `endpoint host ${host} does not resolve (${detail})`,
          rootCause: `${host} resolves through the pod's DNS search path (${app.namespace}.svc.cluster.local first); ${detail}.`,
          evidence: [
            { source: 'config', detail: `${e.endpointSetting?.env}=${e.endpointSetting?.value}${e.endpointSetting?.from ? ` (${e.endpointSetting.from})` : ''}` },
            { source: 'api', detail: `Services named ${host.split('.')[0]}: ${s.services.filter((v) => v.name === host.split('.')[0]).map((v) => `${v.namespace}/${v.name}`).join(', ') || 'none'}` },
            ...dnsProbes.map((p) => ({ source: 'exec' as const, detail: probeText(p) })),
            ...dnsLogs.slice(0, 2).map((m) => ({ source: 'log' as const, detail: truncate(m.line.trim()) })),
          ],
          fix: {
            summary: fixHost ? `Use the fully qualified name: ${e.url?.replace(host, fixHost)}` : `Point ${e.endpointSetting?.env} at an existing collector Service, fully qualified.`,
            patch: `- name: ${e.endpointSetting?.env}\n  value: ${fixHost ? e.endpointSetting?.value?.replace(host, fixHost) : 'http://<svc>.<ns>.svc.cluster.local:4317'}`,
            target: `${appSubject(app).kind} ${app.namespace}/${appSubject(app).name} container ${app.container}`,
          },
          // An external name that fails to resolve may be DNS cut off by an egress policy (network-policy-blocks
          // explains dnsBlocked for the apps it isolates): then that policy is the one row.
          symptomOf: r.kind === 'missing-service' ? [keys.unresolvable(r.namespace, r.name)] : [keys.dnsBlocked(app)],
        });
      }
    }
    return findings;
  },
};
