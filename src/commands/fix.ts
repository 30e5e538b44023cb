import { Command, Flags } from '@oclif/core';
import { DoctorError, EXIT_CANNOT_DIAGNOSE, UsageError } from '../errors.ts';
import { writeStdout } from '../output.ts';
import Diagnose, { parseDuration } from './diagnose.ts';

const d = Diagnose.flags;

export default class Fix extends Command {
  static override summary = 'Show the changes that fix the diagnosed findings as diffs; with --apply, make them and check they worked.';
  static override description = `Diagnoses as diagnose does (same scoping flags), then, for each finding with an automatic fix, shows the change to each object as kubectl diff does: a receiver or health_check endpoint in the collector's ConfigMap key (edited as a YAML document: comments and key order stay) or in the OpenTelemetryCollector CR's spec.config, a Service port, an app's OTEL_EXPORTER_OTLP_* env. Other findings are listed with their manual fix. Helm-managed collectors get the helm upgrade command and are never patched; operator-managed ones get their CR patched, never the generated ConfigMap.

Without --apply it is read-only, like diagnose. With --apply it asks for confirmation (--yes skips it; without a terminal and without --yes it refuses), dry-runs every change on the server (dryRun=All), then patches each object with the resourceVersion it read, so an object changed in between is refused (409 Conflict) instead of overwritten, and records otel-doctor.io/fixed: <rule> <time> on it. --restart then rolls out the collector workloads whose config changed (the patch kubectl rollout restart sends) and waits for every changed workload under --timeout. Finally it diagnoses again and prints the findings before and after.

Exit codes:
  0  without --apply: no findings; with --apply: every finding it fixed is gone
  1  without --apply: findings (diffs shown); with --apply: a fixed finding is still there (e.g. the collector was not restarted), or nothing could be fixed automatically
  2  usage error, or --apply without --yes and no terminal to confirm on, or the confirmation was declined (nothing written)
  3  could not diagnose (API unreachable, cannot list pods, no usable kubeconfig)
  4  the server refused a change (dry run, a concurrent edit: 409 Conflict, RBAC); the output says what was already written
  5  the changes are written but a rollout did not finish within --timeout`;

  static override examples = [
    { description: 'Show the fixes for the collectors in namespace observability', command: '<%= config.bin %> fix -n observability' },
    { description: 'Apply them, restart the collector and verify', command: '<%= config.bin %> fix -n observability --apply --restart' },
    { description: 'Only one rule, no questions (CI)', command: '<%= config.bin %> fix -n observability --rule receiver-bound-to-loopback --apply --yes --restart' },
  ];

  static override flags = {
    namespace: d.namespace,
    'all-namespaces': d['all-namespaces'],
    'app-namespace': d['app-namespace'],
    selector: d.selector,
    collector: d.collector,
    exec: d.exec,
    timeout: Flags.string({ summary: 'Deadline of each diagnosis, and of the wait for the rollouts after --apply (e.g. 30s, 2m).', default: '60s' }),
    concurrency: d.concurrency,
    'max-pods-per-workload': d['max-pods-per-workload'],
    config: d.config,
    ignore: d.ignore,
    kubeconfig: d.kubeconfig,
    // diagnose repeats --context for a fleet; a fix changes one cluster
    context: Flags.string({ summary: 'The kubeconfig context to use.' }),
    'request-timeout': d['request-timeout'],
    verbose: d.verbose,
    rule: Flags.string({ summary: 'Only fix this rule\'s findings (repeatable).', helpValue: 'RULE', multiple: true }),
    apply: Flags.boolean({ summary: 'Make the changes (after a server-side dry run of each), then diagnose again.' }),
    yes: Flags.boolean({ char: 'y', summary: 'With --apply: do not ask for confirmation.' }),
    restart: Flags.boolean({ summary: 'With --apply: roll out the collectors whose config changed and wait for them (kubectl rollout restart).' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Fix);
    const timeoutMs = parseDuration(flags.timeout);
    const requestTimeoutMs = parseDuration(flags['request-timeout']);
    if (timeoutMs <= 0) { throw new UsageError('--timeout must be positive'); }
    if ((flags.yes || flags.restart) && !flags.apply) { throw new UsageError(`--${flags.yes ? 'yes' : 'restart'} only applies with --apply`); }
    const [{ policyFromFlags }, { RULES }] = await Promise.all([import('../doctor-config.ts'), import('../rules/index.ts')]);
    const knownRules = new Set(RULES.map((r) => r.id));
    for (const r of flags.rule ?? []) {
      if (!knownRules.has(r)) { throw new UsageError(`unknown rule ${JSON.stringify(r)}`, { hint: 'list the rules with `kubectl otel-doctor explain`' }); }
    }
    const policy = policyFromFlags({ config: flags.config, ignore: flags.ignore }, knownRules);
    const { loadKubeconfig } = await import('../cluster/kubeconfig.ts');
    const loaded = loadKubeconfig({ kubeconfig: flags.kubeconfig, context: flags.context });
    const { runFix } = await import('../fix/run.ts');
    const onRequest = flags.verbose ? (verb: string, path: string, status: number, ms: number) => process.stderr.write(`${verb} ${path} -> ${status || 'no answer'} (${ms} ms)\n`) : undefined;
    const code = await runFix({
      loaded,
      gather: {
        namespace: flags.namespace ?? loaded.namespace,
        allNamespaces: flags['all-namespaces'],
        appNamespaces: flags['app-namespace'] ?? [],
        selector: flags.selector,
        collector: flags.collector,
        exec: flags.exec,
        concurrency: flags.concurrency,
        maxPodsPerWorkload: flags['max-pods-per-workload'],
        timeoutMs,
      },
      policy,
      knownRules,
      rules: flags.rule,
      apply: flags.apply,
      yes: flags.yes,
      restart: flags.restart,
      requestTimeoutMs,
      onRequest,
      write: writeStdout,
      confirm: process.stdin.isTTY ? confirm : undefined,
    });
    if (code !== 0) { this.exit(code); }
  }

  override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (err instanceof DoctorError) {
      process.stderr.write(`error: ${err.message}\n`);
      if (err.hint) { process.stderr.write(`hint: ${err.hint}\n`); }
      if (err.detail && (this.argv.includes('-v') || this.argv.includes('--verbose'))) { process.stderr.write(`${err.detail}\n`); }
      this.exit(err.exitCode ?? EXIT_CANNOT_DIAGNOSE);
    }
    return super.catch(err);
  }
}

async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
