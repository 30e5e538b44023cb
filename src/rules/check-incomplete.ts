import type { RuleFinding, Rule } from '../report/finding.ts';

export const rule: Rule = {
  id: 'check-incomplete',
  severity: 'warning',
  title: 'A check could not run',
  description:
    'Part of the diagnosis could not be done: a permission is missing (list, pods/exec, pods/log), exec was turned off, or a container had no tool to probe with. The finding says what was skipped and the exact RBAC rule or flag that would let it run, instead of a wall of 403s. A warning for missing permissions, info for choices (--no-exec) and tool gaps. When several clusters are diagnosed at once (--context repeated, --all-contexts), a cluster that could not be diagnosed at all (unknown context, API server unreachable, credentials refused) is an error of this rule on subject Cluster <context>, and the run exits 3 while the other clusters still report.',
  evidence: ['api', 'exec'],
  fix: 'Grant the RBAC rule shown, or drop the flag that disabled the check.',
  modes: ['diagnose'],
  check(s) {
    const findings: RuleFinding[] = [];
    const byCheck = new Map<string, RuleFinding>();
    for (const i of s.incomplete) {
      const key = `${i.check}|${i.rbac ?? i.remedy ?? ''}`;
      const f = byCheck.get(key);
      const subject = i.subject ? `${i.subject.kind} ${i.subject.namespace ? `${i.subject.namespace}/` : ''}${i.subject.name}` : '';
      if (f) {
        f.evidence.push({ source: 'api', detail: `${subject ? `${subject}: ` : ''}${i.reason}` });
        continue;
      }
      const nf: RuleFinding = {
        severity: i.rbac ? 'warning' : 'info',
        subject: i.subject && !i.rbac ? { kind: i.subject.kind, namespace: i.subject.namespace, name: i.subject.name, ...(i.subject.container ? { container: i.subject.container } : {}) } : { kind: 'Check', name: i.check },
        summary: `${i.check} incomplete: ${i.reason}`,
        rootCause: i.reason,
        evidence: [{ source: 'api', detail: `${subject ? `${subject}: ` : ''}${i.reason}` }],
        fix: { summary: i.remedy ?? (i.rbac ? 'Grant the RBAC rule below.' : 'No action needed unless this evidence matters.'), ...(i.rbac ? { patch: i.rbac } : {}) },
      };
      byCheck.set(key, nf);
      findings.push(nf);
    }
    for (const r of s.permissions?.reviews ?? []) {
      if (r.allowed) { continue; }
      if (findings.some((f) => f.fix.patch?.includes(r.resource.split('/')[1] ?? '\u0000') || f.summary.includes(r.resource))) { continue; }
      const [res, sub] = r.resource.split('/');
      const rbac = `- apiGroups: ["${r.group ?? ''}"]\n  resources: ["${r.resource}"]\n  verbs: ["${r.verb}"]`;
      findings.push({
        subject: { kind: 'Check', name: `${r.verb} ${r.resource}` },
        summary: `not allowed to ${r.verb} ${r.resource}${r.namespace ? ` in ${r.namespace}` : ' cluster-wide'}`,
        rootCause: `Without ${r.verb} on ${r.resource}${sub ? '' : ''} the checks that need ${sub === 'exec' ? 'sockets and probes' : sub === 'log' ? 'log evidence' : res} are skipped.`,
        evidence: [{ source: 'api', detail: `SelfSubjectAccessReview ${r.verb} ${r.resource}${r.namespace ? ` -n ${r.namespace}` : ''}: denied${r.reason ? ` (${r.reason})` : ''}` }],
        fix: { summary: `Add to the user's ${r.namespace ? 'Role' : 'ClusterRole'}:`, patch: rbac },
      });
    }
    return findings;
  },
};
