import { Command, Flags } from '@oclif/core';
import { DoctorError, EXIT_CANNOT_DIAGNOSE, EXIT_FINDINGS, EXIT_OK, UsageError } from '../errors.ts';
import type { DiagnosisOptions } from '../diagnosis.ts';
import { writeStdout } from '../output.ts';

/** Go/kubectl durations: `30s`, `1m30s`, `500ms`, `2m`; a bare number is seconds. Returns milliseconds. */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) { return Math.round(Number(t) * 1000); }
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== t.length) { throw new UsageError(`invalid duration ${JSON.stringify(text)}: use e.g. 30s, 1m30s, 500ms`); }
  return Math.round(total);
}

export type FailOn = 'error' | 'warning' | 'never';

/** 0 nothing at or above --fail-on; 1 findings at or above it. */
/** A release flag (`--collector-version`, `--operator-version`): X.Y.Z, a leading v allowed. */
export function checkVersionFlag(flag: string, value: string | undefined, example: string): void {
  if (value !== undefined && !/^v?\d+\.\d+\.\d+$/.test(value)) { throw new UsageError(`invalid --${flag} ${JSON.stringify(value)}: use X.Y.Z, e.g. ${example}`); }
}

export function exitCodeFor(summary: { errors: number; warnings: number }, failOn: FailOn): number {
  if (failOn === 'never') { return EXIT_OK; }
  if (summary.errors > 0) { return EXIT_FINDINGS; }
  if (failOn === 'warning' && summary.warnings > 0) { return EXIT_FINDINGS; }
  return EXIT_OK;
}

export const DEFAULT_DEBUG_IMAGE = 'busybox:1.36';

/** `--debug-container` takes an optional value, which oclif cannot express: give the bare form its default. */
export function normalizeArgv(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    out.push(a === '--debug-container' ? `--debug-container=${DEFAULT_DEBUG_IMAGE}` : a);
  }
  return out;
}

export default class Diagnose extends Command {
  static override summary = 'Find why apps cannot reach the OpenTelemetry Collector, prove it, and print the fix.';
  static override description = `Finds the collectors (in -n, or the context's namespace) and the apps that send to them (in every namespace you may list), then gathers evidence: the effective collector configuration, Services and endpoints, the sockets the collector really listens on (exec), connectivity probes from one pod per app workload to the collector (exec), and collector and app logs. Prints a summary line per root cause, then for each its proof, the apps it affects and the fix: the patch, and the commands that apply it, restart what must be restarted and check it.

Read-only: it lists objects, reads logs and runs short probe commands (exec) in existing containers. It never creates, changes or deletes anything, except with --debug-container.

Exit codes:
  0  nothing at or above --fail-on
  1  findings at or above --fail-on (default: error)
  2  usage error (bad flag or value)
  3  could not diagnose (API unreachable, cannot list pods, no usable kubeconfig)
The report is printed before a non-zero exit.`;

  static override examples = [
    { description: 'Diagnose the collectors in namespace observability', command: '<%= config.bin %> diagnose -n observability' },
    { description: 'Look for collectors in every namespace; machine-readable output', command: '<%= config.bin %> diagnose -A -o json' },
    { description: 'Only apps labelled app=checkout, without running anything in pods', command: '<%= config.bin %> diagnose -n observability -l app=checkout --no-exec' },
    { description: 'Fail a CI job on warnings too', command: '<%= config.bin %> diagnose -n observability --fail-on warning' },
    { description: 'Two clusters in one report, each finding naming its cluster', command: '<%= config.bin %> diagnose --context prod --context staging -o json' },
  ];

  static override flags = {
    namespace: Flags.string({ char: 'n', summary: "Namespace to look for collectors in (default: the kubeconfig context's namespace)." }),
    'all-namespaces': Flags.boolean({ char: 'A', summary: 'Look for collectors in every namespace.', exclusive: ['namespace'] }),
    'app-namespace': Flags.string({ summary: 'Also look for apps in this namespace (repeatable; needed when you cannot list pods cluster-wide).', multiple: true }),
    selector: Flags.string({ char: 'l', summary: 'Only apps whose pods match this label selector (e.g. app=checkout,tier!=batch).' }),
    collector: Flags.string({ summary: 'Only the collector with this name (workload, pod or OpenTelemetryCollector).' }),
    output: Flags.string({ char: 'o', summary: 'Output format.', options: ['table', 'wide', 'json', 'yaml', 'markdown'], default: 'table' }),
    color: Flags.string({ summary: 'Colour the table and wide output: auto (a terminal and no NO_COLOR), always, never.', options: ['auto', 'always', 'never'], default: 'auto' }),
    exec: Flags.boolean({ summary: 'Run socket checks and connectivity probes in pods (exec). --no-exec uses configuration, API and logs only.', default: true, allowNo: true }),
    timeout: Flags.string({ summary: 'Deadline for the whole diagnosis (e.g. 30s, 2m).', default: '30s' }),
    concurrency: Flags.integer({ summary: 'How many exec and log calls run at once.', default: 8, min: 1, max: 64 }),
    'max-pods-per-workload': Flags.integer({ summary: 'How many pods of each app workload probe the collector.', default: 1, min: 1, max: 20 }),
    'operator-version': Flags.string({ summary: "OpenTelemetry operator release to judge for, instead of reading its Deployment's image (needs list on deployments; unknown: the current release, said in a note).", helpValue: 'X.Y.Z' }),
    'fail-on': Flags.string({ summary: 'Exit 1 when a finding has at least this severity.', options: ['error', 'warning', 'never'], default: 'error' }),
    config: Flags.string({ summary: 'Config file (.otel-doctor.yaml format): rules to disable, severity overrides, ignores by rule and subject.', helpValue: 'FILE' }),
    ignore: Flags.string({ summary: 'Suppress a rule\'s findings, everywhere or on NAMESPACE/NAME (a glob); repeatable. Suppressed findings are listed by -o wide and json, and never fail the run.', helpValue: 'RULE[=NAMESPACE/NAME]', multiple: true }),
    'debug-container': Flags.string({
      summary: `Add an ephemeral debug container (default image ${DEFAULT_DEBUG_IMAGE}) to collector pods that have no tools.`,
      description:
        'Only used when no container of a collector pod can list its sockets. WARNING: an ephemeral container can never be removed from a pod: it stays (stopped) in the pod spec until the pod is deleted. Needs patch on pods/ephemeralcontainers. Without this flag the diagnosis never changes anything.',
      helpValue: 'IMAGE',
    }),
    kubeconfig: Flags.string({ summary: 'Path to the kubeconfig file (only this file; KUBECONFIG is ignored).' }),
    context: Flags.string({ summary: 'The kubeconfig context to use; repeat it to diagnose several clusters in one report.', multiple: true }),
    'all-contexts': Flags.boolean({ summary: 'Diagnose every context of the kubeconfig (KUBECONFIG merged as kubectl merges it), in one report.', exclusive: ['context'] }),
    'max-clusters': Flags.integer({ summary: 'With several contexts: how many clusters are diagnosed at once.', default: 4, min: 1, max: 64 }),
    'request-timeout': Flags.string({ summary: 'Deadline of one API request, retries included (e.g. 10s).', default: '20s' }),
    verbose: Flags.boolean({ char: 'v', summary: 'Print API requests and error details to stderr.' }),
    'save-snapshot': Flags.string({ summary: 'Also write the gathered evidence (the Snapshot) as JSON to this file.', hidden: true, helpValue: 'FILE' }),
  };

  override async init(): Promise<void> {
    this.argv = normalizeArgv(this.argv);
    await super.init();
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Diagnose);
    const verbose = flags.verbose;
    const timeoutMs = parseDuration(flags.timeout);
    const requestTimeoutMs = parseDuration(flags['request-timeout']);
    if (timeoutMs <= 0) { throw new UsageError('--timeout must be positive'); }
    const operatorVersion = flags['operator-version'];
    checkVersionFlag('operator-version', operatorVersion, '0.120.0');
    // Before any cluster call: a typo in a rule id is a usage error, not a diagnosis that suppresses nothing.
    const [{ policyFromFlags }, { RULES }] = await Promise.all([import('../doctor-config.ts'), import('../rules/index.ts')]);
    const knownRules = new Set(RULES.map((r) => r.id));
    const policy = policyFromFlags({ config: flags.config, ignore: flags.ignore }, knownRules);

    // A fleet's clusters interleave their requests on stderr: each line names its context.
    const requestLog = (prefix: string) => (verb: string, path: string, status: number, ms: number) => process.stderr.write(`${prefix}[${Math.round(performance.now())} ms] ${verb} ${path} -> ${status || 'no answer'} (${ms} ms)\n`);
    const onRequest = verbose ? requestLog('') : undefined;
    const options: DiagnosisOptions = {
      namespace: flags.namespace,
      allNamespaces: flags['all-namespaces'],
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
    const { contextNames, loadKubeconfig } = await import('../cluster/kubeconfig.ts');
    const contexts = [...new Set(flags['all-contexts'] ? contextNames({ kubeconfig: flags.kubeconfig }) : (flags.context ?? []))];
    const { diagnoseCluster } = await import('../diagnosis.ts');
    const { renderReportChunks } = await import('../report/render/index.ts');
    const { writeChunks } = await import('../report/render/stream.ts');
    // JSON and YAML go out element by element: a large cluster's report is never held as one string.
    const print = async (chunks: Iterable<string>): Promise<void> => {
      let last = '';
      await writeChunks(chunks, (t) => {
        last = t;
        return writeStdout(t);
      });
      if (!last.endsWith('\n')) { await writeStdout('\n'); }
    };
    const { terminalOptions } = await import('../report/render/terminal.ts');
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
      const code = exitCodeFor(report.summary, failOn);
      if (code !== EXIT_OK) { this.exit(code); }
      return;
    }

    if (flags['save-snapshot']) { throw new UsageError('--save-snapshot takes one cluster: give one --context'); }
    // No spinner: several clusters' phases at once would overwrite one another on one line.
    const { mergeReports, runFleet, worstExitCode } = await import('../fleet.ts');
    const results = await runFleet(
      contexts,
      flags['max-clusters'],
      (context) => diagnoseCluster(loadKubeconfig({ kubeconfig: flags.kubeconfig, context }), { ...options, ...(verbose ? { onRequest: requestLog(`${context}: `), onStats: (l: string) => process.stderr.write(`${context}: ${l}\n`) } : {}) }),
      (report) => exitCodeFor(report.summary, failOn),
    );
    if (format === 'table' || format === 'wide') {
      const [{ renderFleetTable }, { renderWide }] = await Promise.all([import('../report/render/table.ts'), import('../report/render/wide.ts')]);
      await print([renderFleetTable(results, renderOptions, format === 'wide' ? renderWide : undefined)]);
    } else {
      await print(renderReportChunks(mergeReports(results, new Date().toISOString()), format, renderOptions));
    }
    const code = worstExitCode(results);
    if (code !== EXIT_OK) { this.exit(code); }
  }

  override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (err instanceof DoctorError) {
      const verbose = this.argv.includes('-v') || this.argv.includes('--verbose');
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
      this.exit(err.exitCode ?? EXIT_CANNOT_DIAGNOSE);
    }
    return super.catch(err);
  }
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
