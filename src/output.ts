/**
 * Writes to stdout and resolves once the data has been handed to the OS. Needed before a non-zero exit:
 * oclif ends the process with process.exit(), and a write still queued on a pipe (`-o json | jq`, a test
 * harness) would be lost with it.
 *
 * A reader that closed the pipe (`| head -1`, `| true`) is not an error of ours: the write resolves, the
 * rest of the output is dropped without a word, and the command ends with the exit code its result
 * deserves (0, 1 for findings, 2 for unusable input). That code is known before the first byte is written
 * and is what a CI step with `set -o pipefail` should see. Go tools such as kubectl die of SIGPIPE (141)
 * instead, which would fail such a pipeline even for a clean result.
 */
let closed = false;
let listening = false;

/**
 * Once the reader is gone, stdout becomes a sink that accepts and drops everything. Needed beyond our own
 * writes: oclif's flush() at the end of every command writes '' and awaits a 'drain' that a destroyed
 * stream never emits (its timeout is unref'd), so the process would end with an unsettled top-level await
 * (exit 13 and a warning) instead of quietly.
 */
function becomeSink(): void {
  if (closed) { return; }
  closed = true;
  const sink = (_chunk: unknown, enc?: unknown, cb?: unknown): boolean => {
    const done = typeof enc === 'function' ? enc : cb;
    if (typeof done === 'function') { process.nextTick(done as () => void); }
    return true;
  };
  process.stdout.write = sink as typeof process.stdout.write;
}

function isBrokenPipe(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

/**
 * Installed at start-up (src/cli.ts) so every writer is covered, help and `explain | head` included, not
 * only writeStdout: a failed write is also emitted as an 'error' event, an uncaught exception (a stack
 * trace) without a listener.
 */
export function guardStdout(): void {
  if (listening) { return; }
  listening = true;
  process.stdout.on('error', (err) => {
    if (isBrokenPipe(err)) { becomeSink(); }
  });
}

export function writeStdout(text: string): Promise<void> {
  guardStdout();
  if (closed) { return Promise.resolve(); }
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (err) => {
      if (!err) { resolve(); } else if (isBrokenPipe(err)) {
        becomeSink();
        resolve();
      } else { reject(err); }
    });
  });
}
