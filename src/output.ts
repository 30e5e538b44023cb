/**
 * Writes to stdout and resolves once the data has been handed to the OS. Needed before a non-zero exit:
 * oclif ends the process with process.exit(), and a write still queued on a pipe (`-o json | jq`, a test
 * harness) would be lost with it.
 */
export function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (err) => (err ? reject(err) : resolve()));
  });
}
