import type { RuleFinding, Rule } from '../report/finding.ts';
import type { ServiceInfo } from '../snapshot.ts';
import { collectorsOfService, exportsOf, resolveHost } from './util.ts';
import { keys } from './keys.ts';

export const rule: Rule = {
  id: 'service-no-endpoints',
  severity: 'error',
  title: 'Collector Service has no ready endpoints',
  description:
    'A Service with no ready endpoints drops (or refuses) every connection. Either its selector matches no pod (a label typo), or the pods it selects are not Ready. When a collector-side cause explains the unreadiness, it is reported there instead.',
  evidence: ['api'],
  fix: 'Make the selector match the collector pod labels, or fix why the pods are not Ready.',
  modes: ['diagnose', 'lint'],
  check(s) {
    const findings: RuleFinding[] = [];
    const checked = [];
    // Each app's exports resolved once, not once per Service (services x apps made lint over 1,000 files slow).
    const sentTo = new Set<ServiceInfo>();
    for (const a of s.apps) {
      for (const e of exportsOf(a)) {
        if (!e.parsed) { continue; }
        const r = resolveHost(s, a.namespace, e.parsed.host);
        if (r.kind === 'service') { sentTo.add(r.service); }
      }
    }
    for (const v of s.services) {
      const targeted = sentTo.has(v);
      const collectors = collectorsOfService(s, v);
      if (!targeted && !collectors.length) { continue; }
      const subj = `Service ${v.namespace}/${v.name}`;
      const selector = Object.entries(v.selector ?? {}).map(([k, x]) => `${k}=${x}`).join(',');
      if (!v.endpoints && s.meta.mode === 'lint') {
        // Lint knows the pods its files declare, not the cluster's: a selector matching none of them is a
        // warning (the pods may come from elsewhere), and only for a Service an app in the files sends to.
        if (v.type === 'ExternalName' || v.matchedPodsInFiles === undefined || v.matchedPodsInFiles > 0 || !targeted) {
          checked.push({ subject: subj });
          continue;
        }
        const sameNs = s.collectors.filter((c) => c.namespace === v.namespace);
        findings.push({
          severity: 'warning',
          subject: { kind: 'Service', namespace: v.namespace, name: v.name },
          summary: `selector ${selector} matches no pod in these files`,
          rootCause: `Apps send to Service ${v.namespace}/${v.name}, but its selector ${selector} matches no pod declared in the linted files; unless pods from elsewhere carry these labels, it has no endpoints and every connection fails.`,
          evidence: [
            { source: 'config', detail: `Service ${v.namespace}/${v.name} selector: ${selector}` },
            { source: 'config', detail: `collector pod labels in ${v.namespace}: ${sameNs.map((c) => Object.entries(c.labels).map(([k, x]) => `${k}=${x}`).join(',')).join(' | ') || 'no collector in these files'}` },
          ],
          fix: { summary: `Change spec.selector of Service ${v.namespace}/${v.name} to the collector pods' labels.`, target: `Service ${v.namespace}/${v.name}` },
          explains: [keys.unselected(v.namespace)],
        });
        continue;
      }
      if (!v.endpoints) {
        checked.push({ subject: subj, status: 'skipped' as const, reason: 'endpoints not listed' });
        continue;
      }
      if (v.type === 'ExternalName' || v.endpoints.ready.length) {
        checked.push({ subject: subj });
        continue;
      }
      const noMatch = collectors.length === 0;
      findings.push({
        subject: { kind: 'Service', namespace: v.namespace, name: v.name },
        summary: noMatch ? `selector ${selector || '(none)'} matches no collector pod` : `${collectors.length} selected pod(s), none ready`,
        rootCause: noMatch
          ? `The Service selector ${selector || '(none)'} matches no pod, so it has no endpoints and connections to it fail.`
          : `The pods behind the Service are not Ready (${v.endpoints.notReady.map((a) => a.pod ?? a.ip).join(', ')}), so it has no ready endpoints.`,
        evidence: [
          { source: 'api', detail: `Endpoints ${v.namespace}/${v.name}: ready [] notReady [${v.endpoints.notReady.map((a) => a.ip).join(', ')}]` },
          ...(noMatch ? [{ source: 'api' as const, detail: `collector pod labels in ${v.namespace}: ${s.collectors.filter((c) => c.namespace === v.namespace).map((c) => Object.entries(c.labels).map(([k, x]) => `${k}=${x}`).join(',')).join(' | ') || 'no collector pods'}` }] : []),
        ],
        fix: noMatch
          ? { summary: `Change spec.selector of Service ${v.namespace}/${v.name} to the collector pods' labels.`, target: `Service ${v.namespace}/${v.name}` }
          : { summary: 'Fix why the collector pods are not Ready (see their findings and `kubectl describe pod`).' },
        symptomOf: collectors.map(keys.noEndpoints),
        // A selector that matches nothing is also why a collector in this namespace looks unexposed.
        ...(noMatch ? { explains: [keys.unselected(v.namespace)] } : {}),
      });
    }
    return { findings, checked };
  },
};
