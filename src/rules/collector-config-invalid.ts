import type { Evidence, RuleFinding, Rule } from '../report/finding.ts';
import type { CollectorPod, Snapshot } from '../snapshot.ts';
import { componentsAt, distributionsWith, SECTION, unknownTypes, type ComponentLookup, type UnknownType } from '../otel/components.ts';
import { validateServiceGraph } from '../otel/components-validate.ts';
import { distributionForImage } from '../otel/distributions.ts';
import { collectorLogMatches, collectorWorkloads, configTarget, model, truncate } from './util.ts';
import { keys } from './keys.ts';

/**
 * The component list of the collector's build: its distribution at the release its image tag names (for an
 * upstream image without one, the version `lint --collector-version` gave). An image outside the
 * distribution tables is a custom build (ocb) whose components nobody here can know.
 */
function componentLookup(s: Snapshot, c: CollectorPod): ComponentLookup {
  const match = distributionForImage(c.image);
  if (!match) { return { ok: false, reason: `image ${c.image} is not a known distribution (a custom build?): its components are not known` }; }
  const d = match.distribution;
  // In lint, an operator CR's collector image is the model's: the operator runs its --collector-image for a CR
  // without spec.image, core from its manifests (internal/config/config.go CollectorImage) but the k8s
  // distribution from its Helm chart (charts/opentelemetry-operator values.yaml manager.collectorImage).
  if (s.meta.mode === 'lint' && c.managedBy && d.id === 'otelcol') {
    return { ok: false, reason: `the operator's collector image is not known from the files (core from its manifests, otelcol-k8s from its Helm chart) unless the CR sets spec.image to another distribution` };
  }
  const release = match.release ?? (d.versioning === 'upstream' ? s.meta.assumedCollectorVersion : undefined);
  if (release === undefined) { return { ok: false, reason: `the ${d.name} release is unknown (${match.upstreamReason ?? `image ${c.image}`})` }; }
  const found = componentsAt(d.id, release);
  // The image names no release: the one judged is the user's, and the evidence says so.
  return found.ok && match.release === undefined ? { ok: true, set: { ...found.set, release: `${found.set.release} (--collector-version)` } } : found;
}

function where(u: UnknownType): string {
  if (!u.usedIn.length) { return 'defined, used by no pipeline'; }
  return u.usedIn.map((p) => (p.includes('::') ? p : `pipeline ${p}`)).join(', ');
}

/** What to change for a reference the config does not define (validateServiceGraph's wording, the collector's own). */
function danglingFix(problem: string, target: string): string | undefined {
  const ref = /service::pipelines::(\S+): references (\w+) "([^"]+)" which is not configured/.exec(problem);
  if (ref) {
    const [, pipeline, kind, id] = ref;
    return `In ${target}, define ${kind} "${id}" under ${kind}s: (or connectors: for a connector), or remove it from the ${kind}s of pipeline ${pipeline}; a component renamed in one place must be renamed in every pipeline that names it.`;
  }
  const conn = /connector "([^"]+)" used as (exporter|receiver) in \[([^\]]*)\] pipeline but not used in any supported (receiver|exporter) pipeline(?: \(it converts ([^)]+)\))?/.exec(problem);
  if (conn) {
    const [, id, side, pipelines, missing, pairs] = conn;
    const which = pairs ? ` of a signal it converts to or from (${pairs})` : '';
    return `In ${target}, list connector "${id}" among the ${missing}s of a pipeline${which} (it is the ${side} of ${pipelines}), or remove it from ${pipelines}; a connector renamed in one pipeline must be renamed in the other.`;
  }
  const empty = /service::pipelines::(\S+): must have at least one (receiver|exporter)/.exec(problem);
  if (empty) { return `In ${target}, give pipeline ${empty[1]} at least one ${empty[2]}, or remove the pipeline.`; }
  const twice = /service::pipelines::(\S+): references processor "([^"]+)" multiple times/.exec(problem);
  if (twice) { return `In ${target}, list processor "${twice[2]}" once in pipeline ${twice[1]} (a second instance needs its own id, e.g. ${twice[2].split('/')[0]}/2).`; }
  const ext = /service::extensions: references extension "([^"]+)" which is not configured/.exec(problem);
  if (ext) { return `In ${target}, define extension "${ext[1]}" under extensions:, or remove it from service.extensions.`; }
  return undefined;
}

function unknownTypeFix(u: UnknownType, lookup: Extract<ComponentLookup, { ok: true }>, target: string): string {
  const set = lookup.set;
  const offered = set.types(u.kind);
  const others = distributionsWith(u.kind, u.type).filter((d) => d !== set.distribution);
  const list = offered.length <= 20 ? `it ships ${u.kind}s ${offered.join(', ')}` : `${offered.length} ${u.kind} types ship with it`;
  const elsewhere = others.length ? `, or run an image that has "${u.type}" (${others.join(', ')})` : '';
  return `In ${target}, remove or replace ${u.kind} "${u.id}" (${where(u)}): ${set.distribution} ${set.release} has no ${u.kind} of type "${u.type}" (${list})${elsewhere}.`;
}

export const rule: Rule = {
  id: 'collector-config-invalid',
  severity: 'error',
  title: 'Collector configuration is invalid',
  description:
    "The collector refuses to start on what `otelcol validate` refuses, found statically from the effective config: a config it cannot parse; a component type its build does not ship (the distribution's component list at the image's release: the k8s distribution has no `prometheus` exporter, core has no `k8sattributes`, `logging` is gone from 0.111.0; vendor distributions (Splunk, ADOT, Dynatrace, NRDOT, Sumo Logic, SigNoz, Bindplane) from their own manifests or factory lists; not checked for custom builds, untagged images, distributions whose list is unknown, or in lint an operator CR on the default image, which the evidence says); a pipeline naming a receiver, processor or exporter that is not defined, or a processor twice; a pipeline without a receiver or an exporter; an undefined extension in `service.extensions`; a connector that is not both the exporter of one pipeline and the receiver of another of a signal pair it converts; an OTLP receiver with no protocol. Unused definitions are valid. Confirmed by `Error: invalid configuration` / `failed to get config` in its log.",
  evidence: ['config', 'log'],
  fix: 'Define what a pipeline names or remove the reference (renaming a component or connector everywhere it is named), replace a component type the image does not ship or run an image that ships it; `otelcol validate --config=...` with the same image checks it offline.',
  modes: ['diagnose', 'lint'],
  check(s) {
    const findings: RuleFinding[] = [];
    const checked = [];
    for (const w of collectorWorkloads(s)) {
      const c = w.pods[0];
      const subj = w.label;
      const problems: string[] = [];
      const evidence: Evidence[] = [];
      if (c.configError) { problems.push(c.configError); }
      // A --config that names no readable file is a fault of the pod spec (volume mounts), not of the config.
      // Only broken sources (`error`) count; a source that is merely unreadable from here sets `unknown`.
      const sourceError = c.configError ? undefined : c.configSources.find((src) => src.error)?.error;
      for (const src of c.configSources) {
        // A source with no argument (the image's missing default) is said by its error alone, not as "unknown: ...".
        if (src.error) { problems.push(src.arg ? `${src.arg}: ${src.error}` : src.error); }
      }
      const m = model(s, c);
      let typeFix: string | undefined;
      let typesNote: string | undefined;
      if (m) {
        // The collector decodes every section before validating pipelines: an unknown type fails first.
        const lookup = componentLookup(s, c);
        if (lookup.ok) {
          const unknown = unknownTypes(m.config, lookup.set);
          for (const u of unknown) {
            problems.push(
              `${SECTION[u.kind]}::${u.id} (${where(u)}): ${lookup.set.distribution} ${lookup.set.release} has no ${u.kind} of type "${u.type}": the collector exits with error decoding '${SECTION[u.kind]}': unknown type: "${u.type}" for id: "${u.id}" (component list: ${lookup.set.source})`,
            );
          }
          if (unknown.length && !problems.slice(0, problems.length - unknown.length).length) { typeFix = unknownTypeFix(unknown[0], lookup, configTarget(c)); }
          if (lookup.set.incomplete.length) {
            typesNote = `${lookup.set.incomplete.map((k) => SECTION[k]).join(', ')} types not checked: the ${lookup.set.distribution} ${lookup.set.release} list misses a package whose type could not be read (${lookup.set.source})`;
          }
        } else {
          typesNote = `component types not checked: ${lookup.reason}`;
        }
        for (const d of validateServiceGraph(m.config)) { problems.push(d.startsWith('connector "') ? `failed to build pipelines: ${d}` : `invalid configuration: ${d}`); }
        for (const p of m.otlpProtocols) {
          if (!p.grpc && !p.http) {
            problems.push(`invalid configuration: receivers::${p.id}: must specify at least one protocol when using the OTLP receiver`);
          }
        }
      }
      for (const p of problems) { evidence.push({ source: 'config', detail: p }); }
      if (typesNote && evidence.length) { evidence.push({ source: 'config', detail: typesNote }); }
      // The refusal the log shows may be an address the config holds (telemetry's metrics.address, split when
      // the config is read): then the address is the cause, and endpoint-ipv6-unbracketed names it.
      let addressRefused = false;
      for (const p of w.pods) {
        for (const lm of collectorLogMatches(s, p, ['config']).slice(0, 2)) { evidence.push({ source: 'log', detail: `${p.pod}: ${truncate(lm.line.trim())}` }); }
        const refused = collectorLogMatches(s, p).find((lm) => lm.signature === 'collector-listen-too-many-colons' && lm.line.includes('failing to parse metrics address'));
        if (refused) {
          addressRefused = true;
          evidence.push({ source: 'log', detail: `${p.pod}: ${truncate(refused.line.trim())}` });
        }
      }
      if (!evidence.length) {
        // Unknown is not invalid: a file baked into the image, an emptyDir, an http URI cannot be judged here.
        const unknown = c.configSources.find((src) => src.unknown !== undefined);
        const reason = unknown ? `effective config unknown: ${unknown.arg ? `${unknown.arg}: ` : ''}${unknown.unknown}` : 'effective config unknown';
        checked.push({ subject: subj, ...(!m && !c.configError ? { status: 'skipped' as const, reason } : typesNote ? { reason: typesNote } : {}) });
        continue;
      }
      const first = problems[0] ?? evidence[0].detail;
      const refFix = typeFix ?? (m ? danglingFix(first, configTarget(c)) : undefined);
      findings.push({
        subject: w.subject,
        summary: `collector config is invalid: ${truncate(first, 160)}`,
        rootCause: `The collector cannot start with this configuration: ${truncate(first, 400)}`,
        evidence,
        fix: refFix
          ? { summary: refFix, target: configTarget(c) }
          : sourceError !== undefined && problems[0]?.endsWith(sourceError)
            ? {
                summary: `In the pod spec of ${w.subject.kind} ${w.subject.namespace ? `${w.subject.namespace}/` : ''}${w.subject.name}, ${/Fix: (.+?)\.?$/.exec(sourceError)?.[1] ?? 'make --config name a file that a volume mounts (a ConfigMap key, with subPath when mounting a single file)'}.`,
                target: `${w.subject.kind} ${w.subject.namespace ? `${w.subject.namespace}/` : ''}${w.subject.name}`,
              }
            : { summary: `Correct ${configTarget(c)}; check it with \`otelcol validate --config=<file>\` before rolling out.`, target: configTarget(c) },
        explains: [keys.notReady(w.key), ...w.pods.map(keys.noEndpoints)],
        ...(addressRefused && !problems.length ? { symptomOf: [keys.configAddress(w.key)] } : {}),
      });
    }
    return { findings, checked };
  },
};
