/**
 * `node scripts/screens.ts`: the README's capture of the seed diagnosis, regenerated from a real run. It
 * brings the seed scenario up in the simulated cluster (as scripts/demo.sh does), runs the plugin built
 * from the current sources at 100 columns without colour, and writes the output between the README's
 * `<!-- screens:seed -->` markers. Needs root (the simulator creates network namespaces).
 *
 *   --check   exit 1 when the README has no markers or the capture has a line wider than 100 columns
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundle, ROOT } from './bundle.ts';

const WIDTH = 100;
const BEGIN = '<!-- screens:seed begin (scripts/screens.ts writes this block) -->';
const END = '<!-- screens:seed end -->';
const README = join(ROOT, 'README.md');

function block(text: string): { start: number; end: number } {
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) { throw new Error(`README.md: no ${BEGIN} ... ${END} markers`); }
  return { start: start + BEGIN.length, end };
}

function check(capture: string): void {
  const long = capture.split('\n').filter((l) => l.length > WIDTH);
  if (long.length) { throw new Error(`lines wider than ${WIDTH} columns:\n${long.join('\n')}`); }
}

async function main(): Promise<void> {
  const readme = readFileSync(README, 'utf8');
  const { start, end } = block(readme);
  if (process.argv.includes('--check')) {
    check(readme.slice(start, end));
    return;
  }
  if (process.getuid?.() !== 0) { throw new Error('the simulated cluster needs root (it creates network namespaces)'); }
  const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-screens-'));
  try {
    // The current sources, not whatever dist/ holds: the capture shows this code's output.
    const cli = await bundle({ single: true, outdir: dir });
    const run = spawnSync(
      process.execPath,
      [join(ROOT, 'test', 'sim', 'cli.ts'), 'run', '--manifests', join(ROOT, 'test', 'scenarios', 'seed', 'manifests'), '--', process.execPath, cli, 'diagnose', '-n', 'observability', '--color', 'never'],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, COLUMNS: String(WIDTH), NO_COLOR: '1' }, maxBuffer: 64 * 1024 * 1024 },
    );
    // diagnose exits 1 for the seed's error, which is the point of the capture.
    if (run.status !== 1 || !run.stdout.includes('receiver-bound-to-loopback')) { throw new Error(`the seed diagnosis did not run as expected (exit ${run.status}):\n${run.stderr}\n${run.stdout}`); }
    const capture = run.stdout.trimEnd();
    check(capture);
    const fence = '```';
    writeFileSync(README, `${readme.slice(0, start)}\n${fence}text\n$ kubectl otel-doctor diagnose -n observability\n${capture}\n${fence}\n${readme.slice(end)}`);
    process.stderr.write(`README.md: ${capture.split('\n').length} lines of the seed diagnosis at ${WIDTH} columns\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  process.stderr.write(`screens: ${e.message}\n`);
  process.exit(1);
});
