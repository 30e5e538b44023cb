import type { CheckedEntry, RuleFinding, Rule } from '../report/finding.ts';
import type { HttpProbeInfo } from '../snapshot.ts';
import { collectorModels, configTarget, endpointEvidence, podIpEndpoint } from './util.ts';
import { keys } from './keys.ts';

/** The port a kubelet probe dials on the pod IP: httpGet, tcpSocket and grpc all do; exec runs inside. */
function probePort(p: HttpProbeInfo | undefined): number | undefined {
  if (!p || p.type === 'exec') { return undefined; }
  return p.resolvedPort ?? (typeof p.port === 'number' ? p.port : /^\d+$/.test(String(p.port)) ? Number(p.port) : undefined);
}

export const rule: Rule = {
  id: 'health-check-bound-to-loopback',
  severity: 'error',
  title: 'health_check extension bound to loopback',
  description:
    'The kubelet probes the pod IP. A health_check extension on `localhost:13133`, written or by the >= 0.104 default (the operator writes 0.0.0.0 from 0.122; 0.110 to 0.121 leave it on localhost while the probes they generate dial the pod IP), fails every httpGet, tcpSocket or grpc probe on its port: the pod never becomes Ready (readiness) or is restarted in a loop (liveness). Only an info when no probe points at it: nothing fails until one is added.',
  evidence: ['config', 'api'],
  fix: 'Set `extensions.health_check.endpoint: 0.0.0.0:13133` (or `${env:MY_POD_IP}:13133`).',
  modes: ['diagnose', 'lint'],
  check(s) {
    const findings: RuleFinding[] = [];
    const checked: CheckedEntry[] = [];
    for (const { w, c, m } of collectorModels(s, checked)) {
      const subj = w.label;
      if (!m.healthCheck) {
        checked.push({ subject: subj, status: 'skipped', reason: 'no health_check extension' });
        continue;
      }
      const hc = m.healthCheck;
      if (hc.class !== 'loopback') {
        checked.push({ subject: subj });
        continue;
      }
      const probes = [['readiness', c.readinessProbe], ['liveness', c.livenessProbe], ['startup', c.startupProbe]] as const;
      const hit = probes.filter(([, p]) => probePort(p) === hc.port);
      const evidence = [endpointEvidence(c, hc), ...hit.map(([k, p]) => ({ source: 'api' as const, detail: `${k}Probe ${p?.type === 'httpGet' ? `httpGet ${p.path ?? '/'}` : p?.type} port ${p?.port} dials the pod IP` }))];
      const notReady = w.pods.filter((p) => p.ready === false);
      if (notReady.length) { evidence.push({ source: 'api', detail: `${notReady.length} pod(s) not ready: ${notReady.map((p) => p.pod).join(', ')}` }); }
      findings.push({
        // Without a probe on that port nothing fails today (real setups run like this): an error would cry wolf.
        severity: hit.length ? 'error' : 'info',
        subject: w.subject,
        summary: `health_check listens on ${hc.effective}${hc.defaultedBy ? ' (default)' : ''}; ${hit.length ? `the kubelet's ${hit.map(([k]) => k).join('/')} probe cannot reach it` : 'no kubelet probe points at it yet, and one added later could not reach it'}`,
        rootCause: `The kubelet probes the pod IP, but health_check ${hc.raw === undefined ? `has no endpoint and defaults to ${hc.effective} (collector >= 0.104)` : `is bound to ${hc.raw}`}; the probes fail${hit.some(([k]) => k === 'readiness') ? ' and the pod is never Ready, so the Service has no endpoints' : ''}.`,
        evidence,
        fix: {
          summary: `In ${configTarget(c, `extensions.${hc.component}.endpoint`)}, set 0.0.0.0:${hc.port} (or ${podIpEndpoint(s, hc.port)}).`,
          patch: `extensions:\n  ${hc.component}:\n    endpoint: 0.0.0.0:${hc.port}`,
          target: configTarget(c),
        },
        explains: [keys.notReady(w.key), ...w.pods.map(keys.noEndpoints)],
      });
    }
    return { findings, checked };
  },
};
