import type { Rule } from '../report/finding.ts';
import { checkLoopback } from './loopback-shared.ts';

export const rule: Rule = {
  id: 'receiver-default-loopback',
  severity: 'error',
  title: 'OTLP receiver without an endpoint defaults to localhost (collector >= 0.104)',
  description:
    'From collector 0.104.0 a server component with no `endpoint` listens on `localhost` instead of `0.0.0.0`. A config written for older collectors (`grpc: {}`) silently stops accepting traffic from other pods after an upgrade. The OpenTelemetry operator writes `0.0.0.0` into the unset receiver endpoints of the collectors it manages from 0.110 (0.104 to 0.109 switch the localhost default off instead), so those are exempt; its release comes from `--operator-version`, the image of its Deployment or the status of a CR, else the current one is assumed and a note says so. When the image tag does not tell the version, the finding is a warning that says which versions it applies to; `lint --collector-version` then decides exactly as a tag would. Severity otherwise as for receiver-bound-to-loopback.',
  evidence: ['config', 'exec', 'log', 'api'],
  fix: 'Write the endpoint explicitly: `0.0.0.0:4317` / `0.0.0.0:4318`, or `${env:MY_POD_IP}:4317` with `MY_POD_IP` from `fieldRef: status.podIP`.',
  modes: ['diagnose', 'lint'],
  check: (s) => checkLoopback(s, 'default'),
};
