import { Command, Flags, type Interfaces } from '@oclif/core';
import { DoctorError } from '../errors.ts';
import { DIAGNOSE_FLAGS, normalizeArgv, type DiagnoseFlags, type FlagSpec } from '../diagnose-args.ts';

// The logic lives in src/diagnose-run.ts and the flags in src/diagnose-args.ts, shared with the start-up
// without oclif (src/diagnose-fast.ts); re-exported for the commands and tests that import them from here.
export { checkVersionFlag, DEFAULT_DEBUG_IMAGE, exitCodeFor, normalizeArgv, parseDuration, type FailOn } from '../diagnose-args.ts';

/** oclif's flag for a row of the plain table. */
function oclifFlag(spec: FlagSpec): Interfaces.Flag<unknown> {
  const { type, ...rest } = spec;
  const opts = rest as Record<string, unknown>;
  const flag = type === 'boolean' ? Flags.boolean(opts) : type === 'integer' ? Flags.integer(opts) : Flags.string(opts);
  return flag as unknown as Interfaces.Flag<unknown>;
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

  static override flags = Object.fromEntries(Object.entries(DIAGNOSE_FLAGS as Record<string, FlagSpec>).map(([name, spec]) => [name, oclifFlag(spec)])) as Interfaces.FlagInput;

  override async init(): Promise<void> {
    this.argv = normalizeArgv(this.argv);
    await super.init();
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Diagnose);
    // loaded here: the diagnosis' modules are diagnose-run's static imports, which no other command needs
    const { runDiagnose } = await import('../diagnose-run.ts');
    const code = await runDiagnose(flags as unknown as DiagnoseFlags);
    if (code !== 0) { this.exit(code); }
  }

  override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (err instanceof DoctorError) {
      const { printDoctorError } = await import('../diagnose-run.ts');
      this.exit(printDoctorError(err, this.argv));
    }
    return super.catch(err);
  }
}
