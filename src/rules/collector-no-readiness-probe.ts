import type { RuleFinding, Rule, Subject } from '../report/finding.ts';
import type { Snapshot } from '../snapshot.ts';
import { pushReceivers } from '../otel/config.ts';
import { collectorWorkloads, model, podKey } from './util.ts';

export const rule: Rule = {
  id: 'collector-no-readiness-probe',
  severity: 'warning',
  title: 'Collector without a readiness probe',
  description:
    'Without a readiness probe a collector pod receives Service traffic as soon as it starts, before its receivers listen, and keeps receiving it when its pipelines are broken. The health_check extension answers 200 only when the collector is ready. Sidecars are exempt, and so are collectors no Service selects and collectors with no receiver that other pods push to (pull-only: prometheus, kafka, hostmetrics, filelog), since no traffic comes in for a probe to gate. For collectors the OpenTelemetry operator manages the finding is informational: the operator writes the probes itself when the CR configures the health_check extension (v1beta1 also takes `spec.readinessProbe`), and the generated workload cannot be edited directly.',
  evidence: ['config', 'api'],
  fix: 'Add `readinessProbe: {httpGet: {path: /, port: 13133}}` and enable the health_check extension on `0.0.0.0:13133`.',
  modes: ['diagnose', 'lint'],
  check(s) {
    const findings: RuleFinding[] = [];
    const checked = [];
    // Readiness only decides whether a Service sends the pod traffic; unknown when Services could not be listed.
    const selected = new Set(s.services.flatMap((v) => v.matchedCollectorPods));
    const servicesKnown = s.meta.mode === 'lint' || !s.incomplete.some((i) => i.check.includes('service'));
    for (const w of collectorWorkloads(s)) {
      const c = w.pods[0];
      const subj = w.label;
      if (c.sidecar) {
        checked.push({ subject: subj, status: 'skipped' as const, reason: 'sidecar' });
        continue;
      }
      if (c.readinessProbe) {
        checked.push({ subject: subj });
        continue;
      }
      if (servicesKnown && !c.managedBy && !w.pods.some((p) => selected.has(podKey(p.namespace, p.pod)))) {
        checked.push({ subject: subj, status: 'skipped' as const, reason: 'no Service selects it: a readiness probe gates no traffic' });
        continue;
      }
      const m = model(s, c);
      // By receiver type, not bind address: a receiver bound to loopback by mistake is still meant to be pushed to.
      if (m && pushReceivers(m.config).length === 0) {
        checked.push({ subject: subj, status: 'skipped' as const, reason: 'no receiver that other pods push to: no traffic for a readiness probe to gate' });
        continue;
      }
      const hc = m?.healthCheck;
      const port = hc?.port ?? 13133;
      if (c.managedBy?.operator === 'opentelemetry-operator') {
        findings.push(operatorManaged(s, w.subject, c.container, c.managedBy.crName, hc?.effective));
        continue;
      }
      findings.push({
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

/**
 * The operator generates the workload and adds readiness/liveness probes on its own when the CR's config has
 * the health_check extension; a probe added to the generated Deployment is overwritten. So the advice is about
 * the CR, and a missing probe is not the user's defect to fail a pipeline on.
 */
function operatorManaged(s: Snapshot, subject: Subject, container: string, crName: string | undefined, hcAt: string | undefined): RuleFinding {
  const cr = crName ? s.otelCollectorCRs.find((x) => x.namespace === subject.namespace && x.name === crName) : undefined;
  const v1beta1 = cr ? /\/v1beta1$/.test(cr.apiVersion) : false;
  const target = crName ? `OpenTelemetryCollector ${subject.namespace}/${crName}` : `the OpenTelemetryCollector CR of ${subject.kind} ${subject.namespace}/${subject.name}`;
  return {
    severity: 'info',
    subject,
    summary: 'operator-managed collector has no readinessProbe',
    rootCause: 'The operator adds readiness and liveness probes only when the CR configures the health_check extension; without them the pod gets Service traffic before its receivers listen.',
    evidence: [{ source: 'config', detail: `container ${container} of ${subject.kind} ${subject.namespace}/${subject.name} (managed by the OpenTelemetry operator): no readinessProbe${hcAt ? `; health_check is at ${hcAt}` : '; no health_check extension'}` }],
    fix: {
      summary: `In ${target}, enable the health_check extension (endpoint 0.0.0.0:13133, listed in service.extensions) so the operator adds the probes${v1beta1 ? ', or set spec.readinessProbe' : ''}; the generated workload itself is overwritten by the operator.`,
      patch: `# ${target}\nspec:\n  config:\n    extensions:\n      health_check:\n        endpoint: 0.0.0.0:13133\n    service:\n      extensions: [health_check]${v1beta1 ? '\n  # or, v1beta1:\n  readinessProbe:\n    httpGet: {path: /, port: 13133}' : ''}`,
      target,
    },
  };
}
