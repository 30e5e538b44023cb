/**
 * `diagnose` started without oclif: loading @oclif/core, its Config and its run() cost ~0.15 s of CPU before
 * the first API request (issue 13). When src/diagnose-args.ts reads the flags exactly as oclif would, the
 * diagnosis runs from here (dist/bundle/diagnose.js, reached from bin/run.js); otherwise this declines
 * (false) and the CLI starts as always, so help and usage errors keep oclif's wording.
 *
 * The end of the run mirrors oclif's path step by step: Diagnose.catch() prints a DoctorError and exits
 * with its code; a report that fails the run exits with its code (oclif's handle() calls process.exit);
 * anything else is a bug and goes to the same handler main() uses, with oclif loaded only then.
 */
import { normalizeArgv, parseDiagnoseArgv } from './diagnose-args.ts';
import { printDoctorError, runDiagnose } from './diagnose-run.ts';
import { DoctorError, EXIT_OK } from './errors.ts';
import { guardStdout } from './output.ts';

/** Runs `diagnose` (argv: the CLI's, command id first) and returns true, or returns false having done nothing. */
export async function fastDiagnose(argv: readonly string[], bin: string): Promise<boolean> {
  // oclif prints its own debug lines under DEBUG: leave such a run to it.
  if (argv[0] !== 'diagnose' || process.env.DEBUG) { return false; }
  const flags = parseDiagnoseArgv(argv.slice(1));
  if (!flags) { return false; }
  guardStdout();
  let code: number;
  try {
    code = await runDiagnose(flags);
  } catch (err) {
    if (!(err instanceof DoctorError)) {
      // Command.catch() of oclif, then main()'s catch
      const e = err as { exitCode?: number; oclif?: { exit?: number } } | null;
      process.exitCode = process.exitCode ?? e?.oclif?.exit ?? e?.exitCode ?? 1;
      const { handleCliError } = await import('./cli.ts');
      await handleCliError(err, bin, 'diagnose');
      return true;
    }
    code = printDoctorError(err, normalizeArgv(argv.slice(1)));
  }
  if (code !== EXIT_OK) { process.exit(code); }
  return true;
}
