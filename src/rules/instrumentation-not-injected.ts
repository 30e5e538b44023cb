import { injectTarget } from '../otel/inject-select.ts';
import { agentProtocol } from '../otel/operator-data.ts';
import type { Evidence, RuleFinding, Rule } from '../report/finding.ts';
import type { InjectionRequest, Snapshot } from '../snapshot.ts';
import { keys } from './keys.ts';
import { CLUSTER_DOMAIN, truncate, uniq } from './util.ts';
import { shellQuote } from '../report/fix-commands.ts';

/** The OTLP port the injected agent exports to by default: HTTP for the SDK agents, gRPC for the web-server modules. */
function agentPort(s: Snapshot, language: string): { port: number; protocol: string } {
  if (language === 'apache-httpd' || language === 'nginx') { return { port: 4317, protocol: 'grpc' }; }
  if (language === 'java' || language === 'nodejs') {
    const p = agentProtocol(language, s.meta.operator?.version).protocol;
    return p === 'grpc' ? { port: 4317, protocol: p } : { port: 4318, protocol: p };
  }
  return { port: 4318, protocol: 'http/protobuf' };
}

/** A collector Service the snapshot knows, the workload's namespace first, publishing the agent's port when one does. */
function collectorEndpoint(s: Snapshot, r: InjectionRequest): string {
  const want = agentPort(s, r.language);
  const svcs = s.services
    .filter((v) => v.matchedCollectorPods.length > 0 && v.type !== 'ExternalName')
    .sort((a, b) => Number(b.namespace === r.workload.namespace) - Number(a.namespace === r.workload.namespace));
  const svc = svcs.find((v) => v.ports.some((p) => p.port === want.port)) ?? svcs[0];
  if (!svc) { return `http://<collector-service>.<namespace>.svc.${CLUSTER_DOMAIN}:${want.port}`; }
  const port = svc.ports.find((p) => p.port === want.port)?.port ?? svc.ports[0]?.port ?? want.port;
  return `http://${svc.name}.${svc.namespace}.svc.${CLUSTER_DOMAIN}:${port}`;
}

function instrumentationCr(s: Snapshot, r: InjectionRequest, name: string, namespace: string): string {
  return [
    'apiVersion: opentelemetry.io/v1alpha1',
    'kind: Instrumentation',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${namespace}`,
    'spec:',
    '  exporter:',
    `    endpoint: ${collectorEndpoint(s, r)}`,
  ].join('\n');
}

const wl = (r: InjectionRequest): string => `${r.workload.kind} ${r.workload.namespace}/${r.workload.name}`;
const restartCmd = (r: InjectionRequest): string => `kubectl rollout restart ${r.workload.kind.toLowerCase()}/${r.workload.name} -n ${r.workload.namespace}`;
const rollable = (r: InjectionRequest): boolean => ['Deployment', 'DaemonSet', 'StatefulSet'].includes(r.workload.kind);

function availableText(r: InjectionRequest, ns: string): string {
  if (!r.available) { return `the Instrumentations in ${ns} were not listed`; }
  return r.available.length ? `Instrumentations in ${ns}: ${r.available.join(', ')}` : `no Instrumentation exists in ${ns}`;
}

/** An object name (DNS-1123 subdomain) or namespace (label): what the API server would accept. */
const DNS_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** Where the value selects from, and the name a new Instrumentation must take for the value to select it. */
function wanted(r: InjectionRequest): { namespace: string; name: string; named: boolean } {
  const t = injectTarget(r.value, r.workload.namespace);
  // `true` selects whichever one is alone there: the name is ours to choose.
  return { namespace: t.namespace, name: t.name ?? 'default', named: t.name !== undefined };
}

/** What the create-or-pick fix says for an annotation that selects nothing. */
function selectFix(s: Snapshot, r: InjectionRequest): { summary: string; patch?: string } {
  const w = wanted(r);
  const several = !w.named && (r.available?.length ?? 0) > 1;
  if (several) {
    return { summary: `Name one Instrumentation in the annotation instead of "true", e.g. ${r.annotation}: "${r.available![0]}".` };
  }
  const other = w.named && r.available?.length ? ` (or name an existing one: ${r.available.join(', ')})` : '';
  // The annotation's value is the cluster's, not ours: only a valid object name goes into a manifest that
  // is printed for pasting (a newline or quote in it could end a here-document or break out of the YAML).
  if (!DNS_NAME.test(w.name) || !DNS_NAME.test(w.namespace)) {
    return { summary: `The annotation's value ${JSON.stringify(r.value)} is not a valid Instrumentation name or namespace/name: set it to "true" or to the name of an Instrumentation${other}.` };
  }
  return {
    summary: `Create Instrumentation ${w.namespace}/${w.name}, exporting to the collector${other}.`,
    patch: instrumentationCr(s, r, w.name, w.namespace),
  };
}

/**
 * The operator's webhook refusals for this workload's pods: same namespace and error, the pod's name or (a
 * controller's pod at admission) its generateName starting with the workload's name. The newest two.
 */
function operatorLines(s: Snapshot, r: InjectionRequest): string[] {
  const lines = s.logs
    .filter((l) => l.role === 'operator')
    .flatMap((l) => l.matches)
    .filter((m) => m.signature === 'operator-instrumentation-not-selected' && m.fields?.namespace === r.workload.namespace && m.fields?.error === r.selectError)
    .filter((m) => (m.fields?.generateName ?? m.fields?.name ?? '').startsWith(r.workload.kind === 'Pod' ? r.workload.name : `${r.workload.name}-`))
    .map((m) => truncate(m.line.trim()));
  return uniq(lines).slice(-2);
}

export const rule: Rule = {
  id: 'instrumentation-not-injected',
  severity: 'error',
  title: 'Auto-instrumentation requested but never injected',
  description:
    'The OpenTelemetry operator injects its agents only when a pod is created, through a webhook that reads the pod\'s own annotations and selects one Instrumentation. This fires when an `instrumentation.opentelemetry.io/inject-<lang>` annotation is on the workload\'s own metadata instead of its pod template (the webhook never sees it), when the annotation selects no Instrumentation (a name that does not exist, or "true" with none or several in the namespace: the pod is admitted uninjected), and, in diagnose, when running annotated pods carry nothing the operator injects although a matching Instrumentation exists (created before it, or while the webhook was down). Where the operator\'s pod log is readable, its refusal ("failed to select an OpenTelemetry Instrumentation instance for this pod") is quoted. In lint a missing Instrumentation is a warning when the files declare Instrumentations, and info when they declare none (it may be applied from elsewhere).',
  evidence: ['config', 'api', 'log'],
  fix: 'Move the annotation to spec.template.metadata.annotations, create (or name) the Instrumentation, then restart the workload (`kubectl rollout restart`): the webhook acts only when a pod is created.',
  modes: ['diagnose', 'lint'],
  check(s) {
    const findings: RuleFinding[] = [];
    const lint = s.meta.mode === 'lint';
    const anyInstrumentation = s.instrumentations.length > 0;
    for (const r of s.injectionRequests ?? []) {
      const subject = { kind: r.workload.kind, namespace: r.workload.namespace, name: r.workload.name };
      const w = wanted(r);
      const explains = [keys.notInjected(r.workload)];
      const where: Evidence = { source: 'config', detail: `${wl(r)}: ${r.annotation}: "${r.value}" on ${r.placement === 'workload-metadata' ? 'metadata.annotations (the workload\'s own), not spec.template.metadata.annotations' : 'the pod template'}` };
      const insts: Evidence = { source: lint ? 'config' : 'api', detail: r.selected ? `it selects Instrumentation ${r.selected}` : r.selectError ? `it selects none: ${r.selectError}; ${availableText(r, w.namespace)}` : availableText(r, w.namespace) };
      if (r.placement === 'workload-metadata') {
        // JSON for both: a YAML flow value is JSON, so the value is quoted and escaped whatever it holds.
        const patch = `spec:\n  template:\n    metadata:\n      annotations:\n        ${r.annotation}: ${JSON.stringify(r.value)}`;
        const json = JSON.stringify({ spec: { template: { metadata: { annotations: { [r.annotation]: r.value } } } } });
        const after = r.selectError ? ` Once moved it still selects nothing: ${selectFix(s, r).summary}` : '';
        findings.push({
          subject,
          summary: `${r.annotation} is on the ${r.workload.kind}'s own metadata, which the operator's pod webhook never reads: its pods are not instrumented`,
          rootCause: `The operator injects auto-instrumentation from a mutating webhook on pod creation that reads the pod's annotations (and its namespace's); an annotation on the ${r.workload.kind} itself is not copied to its pods.`,
          evidence: [where, insts],
          fix: {
            summary: `Move the annotation into spec.template.metadata.annotations of ${wl(r)}: \`kubectl patch ${r.workload.kind.toLowerCase()}/${r.workload.name} -n ${r.workload.namespace} --type merge -p ${shellQuote(json)}\`; the changed template rolls new pods, which the webhook instruments.${after}`,
            patch,
            target: wl(r),
          },
          explains,
        });
        continue;
      }
      if (r.selectError) {
        const f = selectFix(s, r);
        // Files may not hold every Instrumentation a cluster has: only judged firmly when they declare some.
        const severity = lint ? (anyInstrumentation ? 'warning' : 'info') : 'error';
        findings.push({
          severity,
          subject,
          summary: `${r.annotation}: "${r.value}" selects no Instrumentation (${r.selectError}): the operator admits the pods uninstrumented`,
          rootCause: 'The operator\'s webhook fails to select an Instrumentation for the pod ("failed to select an OpenTelemetry Instrumentation instance for this pod") and admits it unchanged: no agent, no OTEL_* variables.',
          evidence: [where, insts, ...operatorLines(s, r).map((line): Evidence => ({ source: 'log', detail: line }))],
          fix: {
            summary: `${f.summary}${rollable(r) ? ` Then \`${restartCmd(r)}\`: the webhook injects only at pod creation.` : ' Then recreate the pod: the webhook injects only at pod creation.'}`,
            ...(f.patch ? { patch: f.patch, target: `Instrumentation ${w.namespace}/${w.name}` } : { target: wl(r) }),
          },
          explains,
        });
        continue;
      }
      if (!lint && r.uninjectedPods?.length && r.selected) {
        const pods = r.uninjectedPods;
        const older = r.instrumentationCreated ? pods.filter((p) => p.created && p.created < r.instrumentationCreated!) : [];
        findings.push({
          subject,
          summary: `${pods.length} annotated pod${pods.length > 1 ? 's' : ''} of ${wl(r)} run${pods.length > 1 ? '' : 's'} without the ${r.language} instrumentation Instrumentation ${r.selected} would inject`,
          rootCause: older.length
            ? `The pods were created before Instrumentation ${r.selected} (${r.instrumentationCreated}); the operator injects only when a pod is created.`
            : 'The pods were admitted without the operator\'s edits (created before the Instrumentation, or while the operator\'s webhook was down or failing open); the operator injects only when a pod is created.',
          evidence: [
            where,
            insts,
            { source: 'api', detail: `pod${pods.length > 1 ? 's' : ''} ${pods.slice(0, 5).map((p) => `${p.name}${p.created ? ` (created ${p.created})` : ''}`).join(', ')}${pods.length > 5 ? ` and ${pods.length - 5} more` : ''}: no opentelemetry-auto-instrumentation init container, none of the operator's OTEL_* variables` },
          ],
          fix: { summary: rollable(r) ? `Restart the workload so the webhook sees new pods: \`${restartCmd(r)}\`.` : 'Delete and recreate the pod so the webhook sees it.' },
          explains,
        });
      }
    }
    return findings;
  },
};
