import { Args, Command, Flags } from '@oclif/core';
import { DoctorError, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError } from '../errors.ts';
import { pluginVersion } from '../version.ts';
import { checkVersionFlag, exitCodeFor, type FailOn } from './diagnose.ts';
import { writeStdout } from '../output.ts';
import { printCliError } from '../errors.ts';

export default class Lint extends Command {
  static override summary = 'Run the checks that need no cluster on manifests, collector configs, operator CRs and Helm values.';
  static override description = `Reads files and directories (recursively *.yaml, *.yml, *.json) or standard input (-), recognises each document by its shape (Kubernetes manifests and Lists, OpenTelemetryCollector CRs v1alpha1/v1beta1, Instrumentation CRs, bare collector configs, values of the opentelemetry-collector Helm chart), links what belongs together across files, and runs the same rules as diagnose wherever they apply without a cluster. Each finding names the file, line and column.

Pointed at the root of a repository: folders are linked only where one needs another (an app sending to a Service, a pod mounting a ConfigMap), so unrelated examples that reuse a namespace and name are checked apart. Files that are not for otel-doctor (CI workflows, Compose files, other charts' values, Chart.yaml and chart templates, test assert files, partial objects) are skipped with a note naming each; node_modules and hidden folders are not walked. A directory with a kustomization.yaml is linted as "kubectl kustomize DIR" renders it, when kubectl is on PATH; otherwise a note gives the command to pipe into "lint -".

Exit codes:
  0  nothing at or above --fail-on
  1  findings at or above --fail-on (default: error)
  2  unusable input (unreadable, binary or malformed file, a kustomization that does not build; each is named on stderr, the other files are still checked), nothing lintable at all, or a usage error
Unusable input wins over findings: a broken file must not pass a pipeline.`;

  static override examples = [
    { description: 'Lint a directory of manifests', command: '<%= config.bin %> lint deploy/' },
    { description: 'Lint what Helm renders', command: 'helm template otel open-telemetry/opentelemetry-collector -f values.yaml | <%= config.bin %> lint -' },
    { description: 'SARIF for GitHub code scanning', command: '<%= config.bin %> lint k8s/ -o sarif > otel-doctor.sarif' },
    { description: 'Decide the default-endpoint rules for images without a version tag', command: '<%= config.bin %> lint collector.yaml --collector-version 0.103.0' },
  ];

  static override strict = false;
  // ignoreStdin: oclif would otherwise read piped stdin and hand its whole text over as the PATH argument.
  // With no PATH this command reads stdin itself, exactly as for `-` (readSource), with no read timeout.
  static override args = { path: Args.string({ description: 'Files or directories to lint; - reads standard input (default when none is given).', ignoreStdin: true }) };

  static override flags = {
    output: Flags.string({ char: 'o', summary: 'Output format.', options: ['table', 'wide', 'json', 'yaml', 'markdown', 'sarif', 'junit'], default: 'table' }),
    color: Flags.string({ summary: 'Colour the table and wide output: auto (a terminal and no NO_COLOR), always, never.', options: ['auto', 'always', 'never'], default: 'auto' }),
    'collector-version': Flags.string({ summary: 'Collector version to assume when an image tag does not tell (decides the localhost default of 0.104.0+).', helpValue: 'X.Y.Z' }),
    'operator-version': Flags.string({ summary: 'OpenTelemetry operator release the CRs and inject annotations are judged for (its endpoint and health_check defaults, probes, injected agents; default: the current release, said in a note).', helpValue: 'X.Y.Z' }),
    'fail-on': Flags.string({ summary: 'Exit 1 when a finding has at least this severity.', options: ['error', 'warning', 'never'], default: 'error' }),
    config: Flags.string({ summary: 'Config file: rules to disable, severity overrides, ignores by rule and subject (default: the nearest .otel-doctor.yaml upward from the working directory).', helpValue: 'FILE' }),
    ignore: Flags.string({ summary: 'Suppress a rule\'s findings, everywhere or on NAMESPACE/NAME (a glob); repeatable. Suppressed findings are listed by -o wide, json and SARIF, and never fail the run.', helpValue: 'RULE[=NAMESPACE/NAME]', multiple: true }),
  };

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(Lint);
    const version = flags['collector-version'];
    checkVersionFlag('collector-version', version, '0.111.0');
    const operatorVersion = flags['operator-version'];
    checkVersionFlag('operator-version', operatorVersion, '0.120.0');
    const paths = (argv as string[]).length ? (argv as string[]) : ['-'];
    if (paths.includes('-') && process.stdin.isTTY) { throw new UsageError('nothing to lint: name files or directories, or pipe manifests into `lint -`'); }
    const [{ lint, errorLine, inputErrorNote, skippedNote }, { policyFromFlags }, { applyPolicy }, { RULES }] = await Promise.all([
      import('../lint/index.ts'), import('../doctor-config.ts'), import('../suppress.ts'), import('../rules/index.ts'),
    ]);
    const knownRules = new Set(RULES.map((r) => r.id));
    const policy = policyFromFlags({ config: flags.config, ignore: flags.ignore, searchFrom: process.cwd() }, knownRules);
    const linted = lint(paths, { collectorVersion: version?.replace(/^v/, ''), operatorVersion: operatorVersion?.replace(/^v/, ''), pluginVersion: pluginVersion() });
    const result = { ...linted, report: applyPolicy(linted.report, { ...policy, annotations: linted.snapshots.flatMap((s) => s.ignores ?? []) }, knownRules) };
    const format = flags.output;
    // Nothing was linted when the files yielded no object (none found, all unusable, only comments): a clean bill of health
    // ("No problems found ... 17 check(s) passed") would then be a lie. The human formats print no report
    // at all; the machine formats still print theirs, which carry the input errors (SARIF notifications,
    // JUnit errors, JSON notes) for the tools that read them, and the exit code is 2 either way.
    const nothingFound = result.files.length === 0 && result.errors.length === 0;
    const nothingLinted = result.objects === 0;
    const human = format === 'table' || format === 'wide';
    let out = '';
    if (format === 'sarif') {
      const { renderSarif } = await import('../report/render/sarif.ts');
      const { sarifWithSkipped } = await import('../lint/skipped-render.ts');
      out = sarifWithSkipped(renderSarif(result.report, { version: pluginVersion(), baseDir: process.cwd(), inputErrors: result.errors }), result.skipped);
    } else if (format === 'junit') {
      const { renderJunit } = await import('../report/render/junit.ts');
      const { junitWithSkipped } = await import('../lint/skipped-render.ts');
      out = junitWithSkipped(renderJunit(result.report, { inputErrors: result.errors }), result.skipped);
    } else if (!(nothingLinted && (human || format === 'markdown'))) {
      const { renderReport } = await import('../report/render/index.ts');
      // Input errors go to stderr below, one `error:` line each (what a CI log shows). The terminal formats
      // do not repeat them as notes; json/yaml/markdown keep them, since their stdout is usually a file
      // (an artifact, a pull-request comment) that never sees stderr.
      const report = human ? withoutInputErrorNotes(result.report, [...result.errors.map(inputErrorNote), ...result.skipped.map(skippedNote)]) : result.report;
      const { terminalOptions } = await import('../report/render/terminal.ts');
      out = renderReport(report, format as 'table', terminalOptions(flags.color, process.stdout, process.env));
    }
    if (out) { await writeStdout(out.endsWith('\n') ? out : `${out}\n`); }
    const { sanitize } = await import('../report/sanitize.ts');
    // Skipped files are named where a CI log shows them, in the terminal formats (the others carry them).
    if (human) { for (const s of result.skipped) { process.stderr.write(`note: ${sanitize(skippedNote(s))}\n`); } }
    for (const e of result.errors) { process.stderr.write(`error: ${sanitize(errorLine(e))}\n`); }
    if (nothingFound) {
      process.stderr.write('error: no *.yaml, *.yml or *.json files found\n');
      this.exit(EXIT_USAGE);
    }
    if (nothingLinted && result.errors.length === 0) {
      // Files that hold only comments and `---`: a pipeline whose render step produced nothing must not pass.
      process.stderr.write('error: no Kubernetes objects, collector configs or Helm values in the input\n');
      this.exit(EXIT_USAGE);
    }
    if (result.errors.length) { this.exit(EXIT_USAGE); }
    const code = exitCodeFor(result.report.summary, flags['fail-on'] as FailOn);
    if (code !== EXIT_OK) { this.exit(EXIT_FINDINGS); }
  }

  override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (err instanceof DoctorError) {
      process.stderr.write(`error: ${err.message}\n`);
      if (err.hint) { process.stderr.write(`hint: ${err.hint}\n`); }
      this.exit(err.exitCode ?? EXIT_USAGE);
    }
    // Flag and argument errors: one `error:` line like every other error of this tool.
    const code = printCliError(err, this.config.bin, this.id);
    if (code !== undefined) { this.exit(code); }
    if (err.oclif?.exit !== undefined) { return super.catch(err); }
    // Lint input is files, not code paths: an unexpected failure is reported in one line, never a stack.
    process.stderr.write(`error: lint failed: ${String(err.message).split('\n')[0]}\n`);
    this.exit(EXIT_USAGE);
  }
}

/** The report minus the notes that repeat input errors (matched exactly, so other notes stay). */
function withoutInputErrorNotes<R extends { notes?: string[] }>(report: R, repeated: string[]): R {
  if (!report.notes?.length || !repeated.length) { return report; }
  const drop = new Set(repeated);
  const notes = report.notes.filter((n) => !drop.has(n));
  return { ...report, notes: notes.length ? notes : undefined };
}
