import type { Evidence, RuleFinding, Rule } from '../report/finding.ts';
import { collectorLogMatches, collectorWorkloads, truncate } from './util.ts';
import { keys } from './keys.ts';

export const rule: Rule = {
  id: 'collector-not-ready',
  severity: 'error',
  title: 'Collector pod not ready or crash-looping',
  description:
    'A collector pod that is not Ready is removed from its Service endpoints; one in CrashLoopBackOff accepts nothing. The finding quotes the crash reason from the container status and the collector\'s last log lines (bind errors, config errors).',
  evidence: ['api', 'log'],
  fix: 'Fix the cause quoted from the logs (config error, port in use, failing probe); `kubectl logs --previous` shows the last crash.',
  modes: ['diagnose'],
  check(s) {
    const findings: RuleFinding[] = [];
    const checked = [];
    for (const w of collectorWorkloads(s)) {
      const subj = w.label;
      const bad = w.pods.filter((p) => p.ready === false);
      if (!bad.length) {
        checked.push({ subject: subj, ...(w.pods.every((p) => p.ready === null) ? { status: 'skipped' as const, reason: 'readiness unknown' } : {}) });
        continue;
      }
      const evidence: Evidence[] = [];
      let reason = '';
      for (const p of bad) {
        const cs = p.containerStatuses?.find((x) => x.name === p.container);
        const st = cs ? `${cs.state}${cs.reason ? ` (${cs.reason})` : ''}, restarts ${cs.restartCount}${cs.lastTerminationReason ? `, last terminated ${cs.lastTerminationReason}${cs.lastTerminationExitCode !== undefined ? ` exit ${cs.lastTerminationExitCode}` : ''}` : ''}` : `phase ${p.phase ?? 'unknown'}`;
        evidence.push({ source: 'api', detail: `pod ${p.namespace}/${p.pod} not ready: ${st}` });
        reason ||= cs?.reason ?? '';
        const crash = collectorLogMatches(s, p, ['config', 'bind', 'crash', 'unset-env']);
        for (const m of crash.slice(0, 3)) { evidence.push({ source: 'log', detail: `${p.pod}: ${truncate(m.line.trim())}` }); }
        if (!crash.length) {
          // No known signature: the last error-looking line of the log is still the best clue.
          const tail = s.logs.filter((l) => l.role === 'collector' && l.namespace === p.namespace && l.pod === p.pod).flatMap((l) => l.tail ?? []);
          const last = [...tail].reverse().find((l) => /\b(error|fatal|panic)\b/i.test(l));
          if (last) { evidence.push({ source: 'log', detail: `${p.pod}: ${truncate(last.trim())}` }); }
        }
      }
      const logCause = evidence.find((e) => e.source === 'log');
      findings.push({
        subject: w.subject,
        summary: `${bad.length}/${w.pods.length} collector pod(s) not ready${reason ? ` (${reason})` : ''}`,
        rootCause: logCause ? `The collector does not become ready; its log says: ${logCause.detail.replace(/^[^:]+: /, '')}` : 'The collector pod is not Ready, so the Service sends it no traffic.',
        evidence,
        fix: { summary: logCause ? 'Fix the error quoted from the collector log, then let the Deployment roll.' : `Check \`kubectl describe pod\` and \`kubectl logs --previous\` for ${bad[0].namespace}/${bad[0].pod}.` },
        symptomOf: [keys.notReady(w.key)],
        explains: w.pods.map(keys.noEndpoints),
      });
    }
    return { findings, checked };
  },
};
