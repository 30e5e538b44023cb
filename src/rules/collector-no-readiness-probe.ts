import type { Finding, Rule } from '../report/finding.ts';
import { collectorWorkloads, model } from './util.ts';

export const rule: Rule = {
  id: 'collector-no-readiness-probe',
  severity: 'warning',
  title: 'Collector without a readiness probe',
  description:
    'Without a readiness probe a collector pod receives Service traffic as soon as it starts, before its receivers listen, and keeps receiving it when its pipelines are broken. The health_check extension answers 200 only when the collector is ready. Sidecars are exempt.',
  evidence: ['config', 'api'],
  fix: 'Add `readinessProbe: {httpGet: {path: /, port: 13133}}` and enable the health_check extension on `0.0.0.0:13133`.',
  modes: ['diagnose', 'lint'],
  check(s) {
    const findings: Finding[] = [];
    const checked = [];
    for (const w of collectorWorkloads(s)) {
      const c = w.pods[0];
      const subj = `${w.subject.kind} ${w.subject.namespace}/${w.subject.name}`;
      if (c.sidecar) {
        checked.push({ subject: subj, status: 'skipped' as const, reason: 'sidecar' });
        continue;
      }
      if (c.readinessProbe) {
        checked.push({ subject: subj });
        continue;
      }
      const hc = model(s, c)?.healthCheck;
      const port = hc?.port ?? 13133;
      findings.push({
        rule: 'collector-no-readiness-probe',
        severity: 'warning',
        subject: w.subject,
        summary: 'collector container has no readinessProbe',
        rootCause: 'The pod is put behind its Service as soon as the container starts, whether or not the collector is ready.',
        evidence: [{ source: 'config', detail: `container ${c.container} of ${w.subject.kind} ${w.subject.namespace}/${w.subject.name}: no readinessProbe${hc ? `; health_check is at ${hc.effective}` : '; no health_check extension'}` }],
        fix: {
          summary: `Add a readinessProbe httpGet on port ${port}${hc ? '' : ' and enable the health_check extension (endpoint 0.0.0.0:13133, listed in service.extensions)'}.`,
          patch: `readinessProbe:\n  httpGet:\n    path: /\n    port: ${port}${hc ? '' : '\n# collector config:\nextensions:\n  health_check:\n    endpoint: 0.0.0.0:13133\nservice:\n  extensions: [health_check]'}`,
          target: `${w.subject.kind} ${w.subject.namespace}/${w.subject.name} container ${c.container}`,
        },
      });
    }
    return { findings, checked };
  },
};
