import type { Rule } from '../report/finding.ts';
import { checkLoopback } from './loopback-shared.ts';

export const rule: Rule = {
  id: 'receiver-bound-to-loopback',
  severity: 'error',
  title: 'OTLP receiver explicitly bound to a loopback address',
  description:
    'The receiver endpoint is `localhost:…` or `127.0.0.1:…`. Inside a pod, loopback is private to that pod: apps in other pods and the Service reach the pod IP, where nothing listens, and get "connection refused" (only `kubectl port-forward`, which connects inside the pod, still works). Correct only for a sidecar collector whose clients share its pod (or a collector whose own telemetry is the only client), which this rule recognises and passes. An error when something proves traffic cannot arrive: a Service or an app in another pod sends to the port, the pod is seen listening on loopback only, or the pod runs no other container; otherwise (e.g. a bare config linted without its pod) a warning.',
  evidence: ['config', 'exec', 'log', 'api'],
  fix: 'Bind to `0.0.0.0:<port>`, or the narrower `${env:MY_POD_IP}:<port>` with `MY_POD_IP` from `fieldRef: status.podIP` (the Helm chart\'s choice; then localhost clients in the pod and port-forward fail).',
  modes: ['diagnose', 'lint'],
  check: (s) => checkLoopback(s, 'explicit'),
};
