import type { Evidence, RuleFinding, Rule } from '../report/finding.ts';
import { isMap } from '../otel/config.ts';
import { collectorLogMatches, collectorWorkloads, configTarget, model, truncate } from './util.ts';
import { keys } from './keys.ts';

export const rule: Rule = {
  id: 'collector-config-invalid',
  severity: 'error',
  title: 'Collector configuration is invalid',
  description:
    'The collector refuses to start on a config it cannot parse, a pipeline that references a component that is not configured, or an OTLP receiver with no protocol. Found statically from the effective config and confirmed by `Error: invalid configuration` / `failed to get config` in its log.',
  evidence: ['config', 'log'],
  fix: 'Correct the config error quoted; `otelcol validate --config=...` checks it offline.',
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
      if (m) {
        problems.push(...m.dangling.map((d) => `invalid configuration: ${d}`));
        for (const p of m.otlpProtocols) {
          if (!p.grpc && !p.http) {
            problems.push(`invalid configuration: receivers::${p.id}: must specify at least one protocol when using the OTLP receiver`);
          }
        }
        const svc = isMap(m.config.service) ? m.config.service : {};
        if (!isMap(svc.pipelines) || Object.keys(svc.pipelines).length === 0) { problems.push('invalid configuration: service must have at least one pipeline'); }
      }
      for (const p of problems) { evidence.push({ source: 'config', detail: p }); }
      for (const p of w.pods) {
        for (const lm of collectorLogMatches(s, p, ['config']).slice(0, 2)) { evidence.push({ source: 'log', detail: `${p.pod}: ${truncate(lm.line.trim())}` }); }
      }
      if (!evidence.length) {
        // Unknown is not invalid: a file baked into the image, an emptyDir, an http URI cannot be judged here.
        const unknown = c.configSources.find((src) => src.unknown !== undefined);
        const reason = unknown ? `effective config unknown: ${unknown.arg ? `${unknown.arg}: ` : ''}${unknown.unknown}` : 'effective config unknown';
        checked.push({ subject: subj, ...(!m && !c.configError ? { status: 'skipped' as const, reason } : {}) });
        continue;
      }
      const first = problems[0] ?? evidence[0].detail;
      findings.push({
        subject: w.subject,
        summary: `collector config is invalid: ${truncate(first, 160)}`,
        rootCause: `The collector cannot start with this configuration: ${truncate(first, 400)}`,
        evidence,
        fix:
          sourceError !== undefined && problems[0]?.endsWith(sourceError)
            ? {
                summary: `In the pod spec of ${w.subject.kind} ${w.subject.namespace ? `${w.subject.namespace}/` : ''}${w.subject.name}, ${/Fix: (.+?)\.?$/.exec(sourceError)?.[1] ?? 'make --config name a file that a volume mounts (a ConfigMap key, with subPath when mounting a single file)'}.`,
                target: `${w.subject.kind} ${w.subject.namespace ? `${w.subject.namespace}/` : ''}${w.subject.name}`,
              }
            : { summary: `Correct ${configTarget(c)}; check it with \`otelcol validate --config=<file>\` before rolling out.`, target: configTarget(c) },
        explains: [keys.notReady(w.key), ...w.pods.map(keys.noEndpoints)],
      });
    }
    return { findings, checked };
  },
};
