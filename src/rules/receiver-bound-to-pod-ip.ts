import type { CheckedEntry, RuleFinding, Rule } from '../report/finding.ts';
import { isLoopbackHost } from '../otel/endpoint.ts';
import { collectorModels, configTarget, endpointEvidence, exportsOf } from './util.ts';

export const rule: Rule = {
  id: 'receiver-bound-to-pod-ip',
  severity: 'info',
  title: 'Receiver bound to the pod IP',
  description:
    'Binding `${env:MY_POD_IP}:4317` (the Helm chart default) accepts traffic from other pods and the Service, but not on loopback: `kubectl port-forward` and clients inside the pod using localhost fail. Informational; an error when a container in the same pod exports to localhost.',
  evidence: ['config'],
  fix: 'Keep the pod-IP binding for cross-pod traffic; for same-pod clients bind `0.0.0.0:<port>` instead, or point them at the pod IP.',
  modes: ['diagnose', 'lint'],
  check(s) {
    const findings: RuleFinding[] = [];
    const checked: CheckedEntry[] = [];
    for (const { w, c, m } of collectorModels(s, checked)) {
      const subj = w.label;
      const eps = m.receivers.filter((e) => e.class === 'pod-ip');
      if (!eps.length) {
        checked.push({ subject: subj });
        continue;
      }
      const ports = eps.map((e) => e.port);
      const localClients = s.apps.filter(
        (a) => w.pods.some((p) => p.namespace === a.namespace && p.pod === a.pod) && exportsOf(a).some((e) => e.parsed && isLoopbackHost(e.parsed.host) && ports.includes(e.port)),
      );
      findings.push({
        severity: localClients.length ? 'error' : 'info',
        subject: w.subject,
        summary: localClients.length
          ? `receiver bound to the pod IP, but ${localClients.length} container(s) in the pod export to localhost`
          : `receiver bound to the pod IP (${eps.map((e) => e.raw ?? e.effective).join(', ')}): cross-pod traffic works, localhost and kubectl port-forward do not`,
        rootCause: `The receiver listens on the pod IP only, not on 127.0.0.1${localClients.length ? `; ${localClients.map((a) => `${a.pod}/${a.container}`).join(', ')} send to localhost and are refused` : ''}.`,
        evidence: eps.map((e) => endpointEvidence(c, e)),
        fix: {
          summary: localClients.length
            ? `In ${configTarget(c, `receivers.${eps[0].component}.protocols.${eps[0].protocol}.endpoint`)}, bind 0.0.0.0:${ports[0]} so localhost clients are accepted too, or point the same-pod apps at the pod IP.`
            : 'Nothing to do for cross-pod clients. To debug with `kubectl port-forward`, port-forward to the Service, or bind 0.0.0.0.',
          patch: eps.map((e) => `${e.path}: 0.0.0.0:${e.port}`).join('\n'),
          target: configTarget(c),
        },
        ...(localClients.length ? { affected: localClients.map((a) => ({ namespace: a.namespace, workload: a.workload?.name, pod: a.pod, container: a.container, symptoms: [] })) } : {}),
      });
    }
    return { findings, checked };
  },
};
