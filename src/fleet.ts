/**
 * A fleet: one diagnosis per kubeconfig context, a bounded number at once, merged into one Report whose
 * findings, checks, collectors and apps each name their `cluster`. A context that cannot be diagnosed at
 * all (unknown, API down, credentials refused) becomes a finding for that cluster instead of ending the
 * run, so the other clusters still report. The diagnosis itself is injected: this module does no I/O.
 */
import { DoctorError, EXIT_CANNOT_DIAGNOSE, EXIT_OK } from './errors.ts';
import type { Finding, FixCommands, Report } from './report/finding.ts';
import { shellQuote } from './report/fix-commands.ts';

export interface ClusterResult {
  /** the kubeconfig context */
  cluster: string;
  report: Report;
  /** this cluster's exit code: from its findings, or 3 when it could not be diagnosed */
  exitCode: number;
}

/**
 * Runs `diagnose` for every context, at most `maxAtOnce` at a time; results come back in the order of
 * `contexts` whatever order they finish in. A DoctorError (the expected failures, each with its exit
 * code) is that cluster's result; any other error is a bug and rejects the whole run.
 */
export async function runFleet(
  contexts: string[],
  maxAtOnce: number,
  diagnose: (context: string) => Promise<Report>,
  exitCodeOf: (report: Report) => number,
): Promise<ClusterResult[]> {
  const results: ClusterResult[] = new Array(contexts.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < contexts.length) {
      const i = next++;
      const cluster = contexts[i]!;
      try {
        const report = inContext(await diagnose(cluster), cluster);
        results[i] = { cluster, report, exitCode: exitCodeOf(report) };
      } catch (e) {
        if (!(e instanceof DoctorError)) { throw e; }
        results[i] = { cluster, report: unreachableReport(cluster, e), exitCode: e.exitCode || EXIT_CANNOT_DIAGNOSE };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(maxAtOnce, contexts.length)) }, worker));
  return results;
}

/**
 * A fix command as one cluster of a fleet needs it: pasted as printed, `kubectl edit ...` would change the
 * current context's cluster, whichever was diagnosed. kubectl takes --context before its subcommand, the
 * plugin after `diagnose` (kubectl refuses flags before a plugin's name), helm takes --kube-context. Only
 * the command's start and a `$(` substitution are touched, never a here-document's body.
 */
export function commandInContext(command: string, context: string): string {
  const q = shellQuote(context);
  return command
    .replace(/^kubectl otel-doctor diagnose\b/, `kubectl otel-doctor diagnose --context ${q}`)
    .replace(/^kubectl (?!otel-doctor )/, `kubectl --context ${q} `)
    .replace(/(^|\$\()helm /g, `$1helm --kube-context ${q} `);
}

function findingInContext(f: Finding, context: string): Finding {
  const c = f.fix.commands;
  if (!c) { return f; }
  const commands: FixCommands = {
    ...c,
    apply: c.apply.map((a) => commandInContext(a, context)),
    ...(c.restart ? { restart: commandInContext(c.restart, context) } : {}),
    verify: commandInContext(c.verify, context),
  };
  return { ...f, fix: { ...f.fix, commands } };
}

function inContext(r: Report, context: string): Report {
  return { ...r, findings: r.findings.map((f) => findingInContext(f, context)), ...(r.suppressed ? { suppressed: r.suppressed.map((f) => findingInContext(f, context)) } : {}) };
}

/**
 * The one finding of a cluster that could not be diagnosed. `check-incomplete` is the catalogue's rule for
 * "part of the diagnosis could not be done"; here it is all of it, so the severity is error and the run
 * exits 3 as a single-cluster diagnosis of that context would.
 */
export function unreachableReport(cluster: string, e: DoctorError): Report {
  const reason = `${e.message}${e.detail ? ` (${e.detail})` : ''}`;
  const finding: Finding = {
    rule: 'check-incomplete',
    severity: 'error',
    subject: { kind: 'Cluster', name: cluster },
    summary: `cluster not diagnosed: ${e.message}`,
    rootCause: `Nothing in context ${cluster} could be checked: ${e.message}`,
    evidence: [{ source: 'api', detail: reason }],
    fix: {
      summary: e.hint ?? `Check that the context's API server is reachable and its credentials are valid: kubectl --context ${cluster} get --raw /version`,
    },
  };
  return {
    schemaVersion: 'otel-doctor/v1',
    mode: 'diagnose',
    collectors: [],
    apps: [],
    checks: [{ name: 'check-incomplete', subject: 'Cluster', status: 'error', reason: e.message }],
    findings: [finding],
    summary: { errors: 1, warnings: 0, infos: 0 },
  };
}

/** 0 < 1 < 3: a cluster that could not be diagnosed outweighs one with findings. */
export function worstExitCode(results: Pick<ClusterResult, 'exitCode'>[]): number {
  return results.reduce((w, r) => Math.max(w, r.exitCode), EXIT_OK);
}

/** One Report of every cluster's: each finding, check, collector and app tagged with its context. */
export function mergeReports(results: ClusterResult[], generatedAt?: string): Report {
  const tag = <T extends object>(cluster: string, items: T[] | undefined): (T & { cluster: string })[] => (items ?? []).map((x) => ({ cluster, ...x }));
  const suppressed = results.flatMap((r) => tag(r.cluster, r.report.suppressed));
  const notes = results.flatMap((r) => (r.report.notes ?? []).map((n) => `${r.cluster}: ${n}`));
  const sum = (k: 'errors' | 'warnings' | 'infos'): number => results.reduce((n, r) => n + r.report.summary[k], 0);
  return {
    schemaVersion: 'otel-doctor/v1',
    mode: 'diagnose',
    ...(generatedAt ? { generatedAt } : {}),
    collectors: results.flatMap((r) => tag(r.cluster, r.report.collectors)),
    apps: results.flatMap((r) => tag(r.cluster, r.report.apps)),
    checks: results.flatMap((r) => tag(r.cluster, r.report.checks)),
    findings: results.flatMap((r) => tag(r.cluster, r.report.findings)),
    ...(notes.length ? { notes } : {}),
    ...(suppressed.length ? { suppressed } : {}),
    summary: { errors: sum('errors'), warnings: sum('warnings'), infos: sum('infos'), ...(suppressed.length ? { suppressed: suppressed.length } : {}) },
  };
}
