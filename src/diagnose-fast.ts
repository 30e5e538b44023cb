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
import { DoctorError, EXIT_OK } from './errors.ts';
import { guardStdout } from './output.ts';

/** What oclif's start-up would read, taken from its Config at bundle time (scripts/bundle.ts). */
export interface OclifEnv {
  /** the command's name in messages (package.json's oclif.bin) */
  bin: string;
  /** DEBUG and `<BIN>_DEBUG`: oclif then prints debug lines and warnings of its own */
  debugVars: string[];
  /** `<BIN>_REDIRECTED`, which oclif's Command removes from the environment before running */
  redirectedVars: string[];
}

/** Runs `diagnose` (argv: the CLI's, command id first) and returns true, or returns false having done nothing. */
export async function fastDiagnose(argv: readonly string[], env: OclifEnv): Promise<boolean> {
  // a debugging run is left to oclif, which adds its own output to it
  if (argv[0] !== 'diagnose' || env.debugVars.some((k) => process.env[k])) { return false; }
  const flags = parseDiagnoseArgv(argv.slice(1));
  if (!flags) { return false; }
  // Loaded only now: a run handed back to oclif (help, a usage error) must not load the diagnosis first.
  // One import, one module graph (not a chain of awaits).
  const { printDoctorError, runDiagnose } = await import('./diagnose-run.ts');
  // What loading oclif's command.js does first (src/cli.ts imports it before main() guards stdout): a
  // broken pipe passes to guardStdout, any other failed write to stdout is thrown (a crash with a stack).
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err?.code !== 'EPIPE') { throw err; }
  });
  guardStdout();
  // as Command._run() does: an exec credential plugin must not see it
  for (const k of env.redirectedVars) { delete process.env[k]; }
  let code: number;
  try {
    code = await runDiagnose(flags);
  } catch (err) {
    if (!(err instanceof DoctorError)) {
      // Command.catch() of oclif, then main()'s catch
      const e = err as { exitCode?: number; oclif?: { exit?: number } } | null;
      process.exitCode = process.exitCode ?? e?.oclif?.exit ?? e?.exitCode ?? 1;
      const { handleCliError } = await import('./cli.ts');
      await handleCliError(err, env.bin, 'diagnose');
      return true;
    }
    code = printDoctorError(err, normalizeArgv(argv.slice(1)));
  }
  if (code !== EXIT_OK) { process.exit(code); }
  return true;
}
