/** The rule catalogue: one source for diagnose, lint, explain and docs/rules.md. Order = docs order. */
import type { Rule } from '../report/finding.ts';
import { rule as receiverBoundToLoopback } from './receiver-bound-to-loopback.ts';
import { rule as receiverDefaultLoopback } from './receiver-default-loopback.ts';
import { rule as receiverNotInPipeline } from './receiver-not-in-pipeline.ts';
import { rule as receiverProtocolDisabled } from './receiver-protocol-disabled.ts';
import { rule as receiverBoundToPodIp } from './receiver-bound-to-pod-ip.ts';
import { rule as endpointIpv6Unbracketed } from './endpoint-ipv6-unbracketed.ts';
import { rule as collectorNotReady } from './collector-not-ready.ts';
import { rule as collectorConfigInvalid } from './collector-config-invalid.ts';
import { rule as healthCheckBoundToLoopback } from './health-check-bound-to-loopback.ts';
import { rule as collectorNoReadinessProbe } from './collector-no-readiness-probe.ts';
import { rule as serviceMissing } from './service-missing.ts';
import { rule as serviceNoEndpoints } from './service-no-endpoints.ts';
import { rule as servicePortMismatch } from './service-port-mismatch.ts';
import { rule as daemonsetNoHostport } from './daemonset-no-hostport.ts';
import { rule as internalTrafficLocalGap } from './internal-traffic-local-gap.ts';
import { rule as networkPolicyBlocks } from './network-policy-blocks.ts';
import { rule as appEndpointLoopback } from './app-endpoint-loopback.ts';
import { rule as appEndpointUnresolvable } from './app-endpoint-unresolvable.ts';
import { rule as appProtocolPortMismatch } from './app-protocol-port-mismatch.ts';
import { rule as appPortNotExposed } from './app-port-not-exposed.ts';
import { rule as appEndpointMalformed } from './app-endpoint-malformed.ts';
import { rule as appTlsMismatch } from './app-tls-mismatch.ts';
import { rule as appOtlpRejected } from './app-otlp-rejected.ts';
import { rule as appNoEndpoint } from './app-no-endpoint.ts';
import { rule as instrumentationNotInjected } from './instrumentation-not-injected.ts';
import { rule as exporterFailing } from './exporter-failing.ts';
import { rule as exporterQueueFull } from './exporter-queue-full.ts';
import { rule as collectorRefusingData } from './collector-refusing-data.ts';
import { rule as checkIncomplete } from './check-incomplete.ts';

export const RULES: Rule[] = [
  receiverBoundToLoopback,
  receiverDefaultLoopback,
  receiverNotInPipeline,
  receiverProtocolDisabled,
  receiverBoundToPodIp,
  endpointIpv6Unbracketed,
  collectorNotReady,
  collectorConfigInvalid,
  healthCheckBoundToLoopback,
  collectorNoReadinessProbe,
  serviceMissing,
  serviceNoEndpoints,
  servicePortMismatch,
  daemonsetNoHostport,
  internalTrafficLocalGap,
  networkPolicyBlocks,
  appEndpointLoopback,
  appEndpointUnresolvable,
  appProtocolPortMismatch,
  appPortNotExposed,
  appEndpointMalformed,
  appTlsMismatch,
  appOtlpRejected,
  appNoEndpoint,
  instrumentationNotInjected,
  exporterFailing,
  exporterQueueFull,
  collectorRefusingData,
  checkIncomplete,
];
