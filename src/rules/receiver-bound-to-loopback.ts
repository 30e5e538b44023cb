import type { Rule } from '../report/finding.ts';
import { checkLoopback } from './loopback-shared.ts';

export const rule: Rule = {
  id: 'receiver-bound-to-loopback',
  severity: 'error',
  title: 'OTLP receiver explicitly bound to a loopback address',
  description:
    'The receiver endpoint is `localhost:…` or `127.0.0.1:…`. Inside a pod, loopback is private to that pod: apps in other pods, the Service and `kubectl port-forward` via the pod IP reach the pod IP, where nothing listens, and get "connection refused". Correct only for a sidecar collector whose clients share its pod, which this rule recognises and passes.',
  evidence: ['config', 'exec', 'log', 'api'],
  fix: 'Bind to `0.0.0.0:<port>`, or the narrower `${env:MY_POD_IP}:<port>` with `MY_POD_IP` from `fieldRef: status.podIP` (the Helm chart\'s choice; then localhost clients in the pod and port-forward fail).',
  modes: ['diagnose', 'lint'],
  check: (s) => checkLoopback(s, 'explicit', 'receiver-bound-to-loopback'),
};
