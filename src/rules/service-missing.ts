import { networkPushReceivers } from '../otel/config.ts';
import type { CheckedEntry, RuleFinding, Rule } from '../report/finding.ts';
import type { CollectorPod, Snapshot } from '../snapshot.ts';
import { appSubject, collectorWorkloads, exportsOf, model, podKey, probesFrom, probeText, resolveHost } from './util.ts';
import { keys } from './keys.ts';

/** The ports a Service for these collectors should carry, and whether their receivers said so. */
interface PortPlan {
  ports: { name: string; port: number }[];
  /** false: no collector's receiver config is known, so the ports are the OTLP defaults */
  fromReceivers: boolean;
}

/**
 * The ports the OTLP receivers of these collectors listen on (one replica per workload: they share a pod
 * template). Only when none of their configs is known, or none starts an OTLP receiver, the well-known
 * 4317/4318, which the fix then says are a guess.
 */
function portPlan(s: Snapshot, collectors: CollectorPod[]): PortPlan {
  const byPort = new Map<number, 'grpc' | 'http'>();
  for (const c of collectors) {
    for (const r of model(s, c)?.receivers ?? []) {
      if (r.port !== null && r.protocol !== 'health' && !byPort.has(r.port)) {
        byPort.set(r.port, r.protocol);
      }
    }
  }
  if (!byPort.size) {
    return { ports: [{ name: 'otlp-grpc', port: 4317 }, { name: 'otlp-http', port: 4318 }], fromReceivers: false };
  }
  const named = new Set<string>();
  const ports = [...byPort].sort(([a], [b]) => a - b).map(([port, protocol]) => {
    // Port names are unique DNS labels of at most 15 characters: `otlp-http-55681` still fits.
    const name = named.has(`otlp-${protocol}`) ? `otlp-${protocol}-${port}` : `otlp-${protocol}`;
    named.add(name);
    return { name, port };
  });
  return { ports, fromReceivers: true };
}

function portsText(plan: PortPlan, whose: string): string {
  const list = plan.ports.map((p) => `${p.port} ${p.name}`).join(', ');
  return plan.fromReceivers ? `ports ${list}, where the OTLP receivers of ${whose} listen` : `ports ${list}: the OTLP defaults, as no OTLP receiver of ${whose} is known (add the ports of its other push receivers)`;
}

export const rule: Rule = {
  id: 'service-missing',
  severity: 'error',
  title: 'Apps export to a collector Service that does not exist',
  description:
    'An app names `<svc>.<namespace>` (or the full `.svc.cluster.local` form) in a namespace that runs collectors, but no such Service exists there: the name does not resolve. Also a warning for a collector Deployment/StatefulSet that no Service selects at all although it has a receiver other pods push to (OTLP, Jaeger, Zipkin, ...), which they cannot reach by name. Pull-only collectors (prometheus, kafka, hostmetrics, k8s_cluster, filelog) need no Service; the OpenTelemetry operator creates the Services of the collectors it manages.',
  evidence: ['config', 'api', 'exec'],
  fix: 'Create the Service selecting the collector pods with the OTLP ports, or point the apps at the Service that exists.',
  modes: ['diagnose', 'lint'],
  check(s) {
    const findings: RuleFinding[] = [];
    const checked: CheckedEntry[] = [];
    const missing = new Map<string, RuleFinding>();
    // Sets, not scans per app and per workload: large snapshots (lint over thousands of files) went quadratic.
    const collectorNamespaces = new Set(s.collectors.map((c) => c.namespace));
    const selectedPods = new Set(s.services.flatMap((v) => v.matchedCollectorPods));
    // A Service is for the collectors that serve other pods: one replica per workload, no sidecar.
    const namespaceCollectors = (ns: string): CollectorPod[] => collectorWorkloads(s).filter((w) => w.subject.namespace === ns && !w.pods[0].sidecar).map((w) => w.pods[0]);
    for (const app of s.apps) {
      for (const e of exportsOf(app)) {
        if (!e.parsed || e.defaultEndpoint) { continue; }
        const r = resolveHost(s, app.namespace, e.parsed.host);
        if (r.kind !== 'missing-service') { continue; }
        // A short name in the app's own namespace is app-endpoint-unresolvable's case (wrong name space).
        if (r.namespace === app.namespace && !collectorNamespaces.has(r.namespace)) { continue; }
        if (r.existsIn.length && r.namespace === app.namespace) { continue; }
        if (!collectorNamespaces.has(r.namespace)) { continue; }
        const key = `${r.namespace}/${r.name}`;
        let f = missing.get(key);
        if (!f) {
          const plan = portPlan(s, namespaceCollectors(r.namespace));
          f = {
            subject: { kind: 'Service', namespace: r.namespace, name: r.name },
            summary: `Service ${key} does not exist, but apps export to it`,
            rootCause: `No Service named ${r.name} exists in ${r.namespace}, so ${e.parsed.host} does not resolve.`,
            evidence: [{ source: 'api' as const, detail: `Services in ${r.namespace}: ${s.services.filter((v) => v.namespace === r.namespace).map((v) => v.name).join(', ') || 'none'}` }],
            fix: {
              summary: `Create Service ${key} selecting the collector pods (${portsText(plan, `the collectors in ${r.namespace}`)}), or change the apps' OTEL_EXPORTER_OTLP_ENDPOINT to an existing Service.`,
              patch: `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${r.name}\n  namespace: ${r.namespace}\nspec:\n  selector: {}  # the collector pod labels\n  ports:${plan.fromReceivers ? '' : '  # the OTLP defaults: the collectors\' receiver config is unknown'}\n${plan.ports.map((p) => `    - {name: ${p.name}, port: ${p.port}, targetPort: ${p.port}}`).join('\n')}`,
            },
            affected: [],
            // Creating this Service also gives an unexposed collector of that namespace its Service: one row.
            explains: [keys.unresolvable(r.namespace, r.name), keys.unselected(r.namespace)],
          };
          missing.set(key, f);
        }
        // Every signal of one container exports to the same place: its evidence goes in once.
        const ev = [
          { source: 'config' as const, detail: `${app.namespace}/${app.pod} (${app.container}) ${e.endpointSetting?.env ?? 'endpoint'}=${e.endpointSetting?.value ?? e.url}` },
          ...probesFrom(s, app).filter((p) => p.result === 'dns-failure').map((p) => ({ source: 'exec' as const, detail: probeText(p) })),
        ];
        for (const x of ev) { if (!f.evidence.some((y) => y.detail === x.detail)) { f.evidence.push(x); } }
        const sub = appSubject(app);
        if (!f.affected?.some((a) => a.pod === app.pod && a.container === app.container)) { f.affected?.push({ namespace: app.namespace, workload: sub.name, pod: app.pod, container: app.container, endpoint: e.url, symptoms: [] }); }
      }
    }
    findings.push(...missing.values());
    for (const w of collectorWorkloads(s)) {
      const c = w.pods[0];
      if (c.sidecar || !['Deployment', 'StatefulSet'].includes(w.subject.kind)) { continue; }
      if (w.pods.some((p) => selectedPods.has(podKey(p.namespace, p.pod)))) { continue; }
      if (s.meta.mode === 'diagnose' && !s.services.length && s.incomplete.some((i) => i.check.includes('service'))) { continue; }
      if (c.managedBy?.operator === 'opentelemetry-operator') {
        // The operator owns the Services of what it deploys (it writes <name>-collector-monitoring for every one).
        checked.push({ subject: w.label, status: 'skipped', reason: 'operator-managed: the operator creates its Services' });
        continue;
      }
      const m = model(s, c);
      if (!m) {
        checked.push({ subject: w.label, status: 'skipped', reason: 'effective config unknown: whether anything pushes to this collector is unknown' });
        continue;
      }
      const push = networkPushReceivers(m, c.env);
      if (!push.length) {
        // Nothing connects to a collector that only pulls (scrapes, reads files or Kafka): a Service serves no one.
        checked.push({ subject: w.label, status: 'pass', reason: 'no receiver that other pods push to listens on the network' });
        continue;
      }
      findings.push({
        severity: 'warning',
        subject: w.subject,
        summary: 'no Service selects this collector',
        rootCause: 'Apps in other pods can reach the collector only by pod IP, which changes on every restart.',
        evidence: [
          { source: 'api', detail: `no Service selector matches the labels of ${w.pods.map((p) => p.pod).join(', ')} (${Object.entries(c.labels).map(([k, v]) => `${k}=${v}`).join(', ')})` },
          { source: 'config', detail: `receivers other pods push to: ${push.join(', ')}` },
        ],
        fix: { summary: `Create a Service for ${w.subject.kind} ${w.subject.namespace}/${w.subject.name} with ${portsText(portPlan(s, [c]), 'this collector')}.` },
        symptomOf: [keys.unselected(w.subject.namespace as string)],
      });
    }
    return { findings, checked };
  },
};
