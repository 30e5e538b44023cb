/**
 * Expected failures of a diagnosis, each carrying the exit code it maps to. The command's top level
 * prints `message` (and `detail` with -v) and never a stack trace for these; anything else is a bug
 * and keeps its stack.
 */
import { sanitize } from './report/sanitize.ts';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;
export const EXIT_CANNOT_DIAGNOSE = 3;

export class DoctorError extends Error {
  exitCode: number;
  detail?: string;
  hint?: string;
  constructor(message: string, opts: { exitCode?: number; detail?: string; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.exitCode = opts.exitCode ?? EXIT_CANNOT_DIAGNOSE;
    this.detail = opts.detail;
    this.hint = opts.hint;
  }
}

/** Bad flags or arguments: exit 2, as kubectl does for usage errors. */
export class UsageError extends DoctorError {
  constructor(message: string, opts: { detail?: string; hint?: string } = {}) {
    super(message, { ...opts, exitCode: EXIT_USAGE });
  }
}

/** No usable kubeconfig, unknown context, unreadable credentials. */
export class KubeconfigError extends DoctorError {
  constructor(message: string, opts: { detail?: string; hint?: string; cause?: unknown; exitCode?: number } = {}) {
    super(message, { exitCode: EXIT_CANNOT_DIAGNOSE, ...opts });
  }
}

/**
 * The API server answered with an error Status (or not at all). `status` is the HTTP code (0 when no
 * response came), `reason` the Status reason (`Forbidden`, `NotFound`, `Expired`, ...) or a transport
 * reason (`Timeout`, `ConnectionRefused`, ...).
 */
export class ApiError extends DoctorError {
  status: number;
  reason: string;
  path: string;
  constructor(message: string, opts: { status: number; reason: string; path: string; detail?: string; cause?: unknown }) {
    super(message, { exitCode: EXIT_CANNOT_DIAGNOSE, detail: opts.detail, cause: opts.cause });
    this.status = opts.status;
    this.reason = opts.reason;
    this.path = opts.path;
  }
}

/** A diagnosis that cannot even start: API unreachable, pods cannot be listed anywhere. */
export class CannotDiagnoseError extends DoctorError {
  constructor(message: string, opts: { detail?: string; hint?: string; cause?: unknown } = {}) {
    super(message, { ...opts, exitCode: EXIT_CANNOT_DIAGNOSE });
  }
}

export function isDoctorError(e: unknown): e is DoctorError {
  return e instanceof DoctorError;
}

/**
 * Prints an oclif usage error (unknown flag or command, bad option value, missing argument) in this tool's
 * one-line style, `error: ...` plus a `hint:` pointing at --help, instead of oclif's boxed ` ›   Error:`
 * block followed by the whole usage text. Returns the exit code to use, or undefined when `err` is not
 * such an error (an ExitError from this.exit() included: it must pass through untouched).
 */
export function printCliError(err: unknown, bin: string, commandId?: string): number | undefined {
  const e = err as { message?: unknown; code?: unknown; oclif?: { exit?: unknown } } | null;
  if (!e || typeof e !== 'object' || typeof e.oclif?.exit !== 'number' || e.code === 'EEXIT') { return undefined; }
  // oclif appends "See more help with --help" and lists valid values on further lines: fold them into one.
  const lines = String(e.message ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^See more help with/i.test(l));
  // the message quotes what was typed: as hostile as any other input
  const text = sanitize(lines.join(' ').replace(/\s+/g, ' '));
  process.stderr.write(`error: ${text || 'invalid usage'}\n`);
  process.stderr.write(`hint: see '${[bin, commandId].filter(Boolean).join(' ')} --help'\n`);
  return e.oclif.exit === 0 ? EXIT_USAGE : e.oclif.exit;
}
