/**
 * What `diagnose` does once its flags are parsed, and how it reports a DoctorError: one place for both
 * start-ups, oclif's (src/commands/diagnose.ts) and the one without oclif (src/diagnose-fast.ts), so their
 * output, stderr and exit codes cannot differ. No oclif import here: the fast start-up must not load it.
 */
import { contextNames, loadKubeconfig } from './cluster/kubeconfig.ts';
import { checkVersionFlag, exitCodeFor, parseDuration, type DiagnoseFlags, type FailOn } from './diagnose-args.ts';
import { diagnoseCluster, type DiagnosisOptions } from './diagnosis.ts';
import { policyFromFlags } from './doctor-config.ts';
import { DoctorError, EXIT_CANNOT_DIAGNOSE, UsageError } from './errors.ts';
import { writeStdout } from './output.ts';
import { renderReportChunks } from './report/render/index.ts';
import { writeChunks } from './report/render/stream.ts';
import { terminalOptions } from './report/render/terminal.ts';
import { RULES } from './rules/index.ts';

/** Runs the diagnosis, prints the report, and returns the exit code the command ends with. */
export async function runDiagnose(flags: DiagnoseFlags): Promise<number> {
  const verbose = flags.verbose;
  const timeoutMs = parseDuration(flags.timeout);
  const requestTimeoutMs = parseDuration(flags['request-timeout']);
  if (timeoutMs <= 0) { throw new UsageError('--timeout must be positive'); }
  const operatorVersion = flags['operator-version'];
  checkVersionFlag('operator-version', operatorVersion, '0.120.0');
  // Before any cluster call: a typo in a rule id is a usage error, not a diagnosis that suppresses nothing.
  const knownRules = new Set(RULES.map((r) => r.id));
  const policy = policyFromFlags({ config: flags.config, ignore: flags.ignore }, knownRules);

  // A fleet's clusters interleave their requests on stderr: each line names its context.
  const requestLog = (prefix: string) => (verb: string, path: string, status: number, ms: number) => process.stderr.write(`${prefix}[${Math.round(performance.now())} ms] ${verb} ${path} -> ${status || 'no answer'} (${ms} ms)\n`);
  const onRequest = verbose ? requestLog('') : undefined;
  const options: DiagnosisOptions = {
    namespace: flags.namespace,
    allNamespaces: flags['all-namespaces'] === true,
    appNamespaces: flags['app-namespace'] ?? [],
    selector: flags.selector,
    collector: flags.collector,
    exec: flags.exec,
    ...(flags['debug-container'] ? { debugImage: flags['debug-container'] } : {}),
    concurrency: flags.concurrency,
    maxPodsPerWorkload: flags['max-pods-per-workload'],
    timeoutMs,
    requestTimeoutMs,
    ...(operatorVersion ? { operatorVersion } : {}),
    policy,
    knownRules,
    ...(onRequest ? { onRequest } : {}),
  };
  const format = flags.output as 'table' | 'wide' | 'json' | 'yaml' | 'markdown';
  const failOn = flags['fail-on'] as FailOn;
  const contexts = [...new Set(flags['all-contexts'] ? contextNames({ kubeconfig: flags.kubeconfig }) : (flags.context ?? []))];
  // JSON and YAML go out element by element: a large cluster's report is never held as one string.
  const print = async (chunks: Iterable<string>): Promise<void> => {
    let last = '';
    await writeChunks(chunks, (t) => {
      last = t;
      return writeStdout(t);
    });
    if (!last.endsWith('\n')) { await writeStdout('\n'); }
  };
  const renderOptions = terminalOptions(flags.color, process.stdout, process.env);

  if (!flags['all-contexts'] && contexts.length <= 1) {
    const loaded = loadKubeconfig({ kubeconfig: flags.kubeconfig, context: contexts[0] });
    const report = await diagnoseCluster(loaded, {
      ...options,
      ...(flags['save-snapshot'] ? { saveSnapshot: flags['save-snapshot'] } : {}),
      ...(verbose ? { onStats: (l: string) => process.stderr.write(`${l}\n`) } : {}),
      startProgress,
    });
    await print(renderReportChunks(report, format, renderOptions));
    return exitCodeFor(report.summary, failOn);
  }

  if (flags['save-snapshot']) { throw new UsageError('--save-snapshot takes one cluster: give one --context'); }
  // No spinner: several clusters' phases at once would overwrite one another on one line.
  const { mergeReports, runFleet, worstExitCode } = await import('./fleet.ts');
  const results = await runFleet(
    contexts,
    flags['max-clusters'],
    (context) => diagnoseCluster(loadKubeconfig({ kubeconfig: flags.kubeconfig, context }), { ...options, ...(verbose ? { onRequest: requestLog(`${context}: `), onStats: (l: string) => process.stderr.write(`${context}: ${l}\n`) } : {}) }),
    (report) => exitCodeFor(report.summary, failOn),
  );
  if (format === 'table' || format === 'wide') {
    const [{ renderFleetTable }, { renderWide }] = await Promise.all([import('./report/render/table.ts'), import('./report/render/wide.ts')]);
    await print([renderFleetTable(results, renderOptions, format === 'wide' ? renderWide : undefined)]);
  } else {
    await print(renderReportChunks(mergeReports(results, new Date().toISOString()), format, renderOptions));
  }
  return worstExitCode(results);
}

/** Prints an expected failure (`error:`, `hint:`, details with -v) and returns its exit code. `argv`: the command's own, normalized. */
export function printDoctorError(err: DoctorError, argv: readonly string[]): number {
  const verbose = argv.includes('-v') || argv.includes('--verbose');
  process.stderr.write(`error: ${err.message}\n`);
  if (err.hint) { process.stderr.write(`hint: ${err.hint}\n`); }
  if (verbose) {
    if (err.detail) { process.stderr.write(`${err.detail}\n`); }
    let cause = err.cause as Error | undefined;
    while (cause) {
      process.stderr.write(`caused by: ${cause.message}\n`);
      cause = cause.cause as Error | undefined;
    }
  } else {
    process.stderr.write('(run with -v for details)\n');
  }
  return err.exitCode ?? EXIT_CANNOT_DIAGNOSE;
}

/** ora on stderr, only when stderr is a terminal: pipes and CI logs stay clean. */
async function startProgress(): Promise<{ update: (p: { phase: string; done: number; total: number }) => void; stop: () => void }> {
  // A terminal without a size (some pty wrappers) makes ora clear lines forever: no spinner there either.
  if (!process.stderr.isTTY || process.env.CI || !(process.stderr.columns > 0)) { return { update: () => undefined, stop: () => undefined }; }
  const { default: ora } = await import('ora');
  // discardStdin off: the diagnosis never reads stdin, and ora's raw-mode stdin hook can outlive an error path.
  const spinner = ora({ text: 'Connecting', stream: process.stderr, discardStdin: false }).start();
  let stopped = false;
  return {
    update: (p) => {
      if (!stopped) { spinner.text = p.total > 1 && !/\d+\/\d+/.test(p.phase) ? `${p.phase} ${p.done}/${p.total}` : p.phase; }
    },
    stop: () => {
      if (!stopped) {
        stopped = true;
        spinner.stop();
      }
    },
  };
}
