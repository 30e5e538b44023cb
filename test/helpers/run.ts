// Runs a command to completion without blocking the event loop: tests that host the simulated cluster's
// API server in their own process would deadlock it with spawnSync while the command talks to it.
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface RunResult { code: number; stdout: string; stderr: string }

/** Exit code -1 when the command was killed (after timeoutMs) or died of a signal. */
export async function runAsync(cmd: string, args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<RunResult> {
  const r = await runExec(cmd, args, env, timeoutMs);
  return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * runAsync with the exit code as an exec reports it (null when killed or signalled), the shape
 * classifyProbe reads: a real tool's answer judged as one from a pod.
 */
export function runExec(cmd: string, args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<{ stdout: string; stderr: string; exitCode: number | null }> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => { stdout += d; });
    c.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    c.on('error', reject);
    c.on('close', (code) => { clearTimeout(timer); resolve({ exitCode: code, stdout, stderr }); });
  });
}

/** Runs a command whose reader closed stdout before the first write (`cmd | true`): its exit code and stderr. */
export function runClosedStdout(cmd: string, args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    c.stdout.destroy();
    let stderr = '';
    c.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    c.on('error', reject);
    c.on('close', (code) => { clearTimeout(timer); resolve({ code, stderr }); });
  });
}

/**
 * The bundled start-up (src/cli.ts main() with every command, as scripts/bundle.ts wires it) run from the
 * sources, so a test does not depend on whether dist/bundle is fresh. `cwd` matters to lint (relative
 * paths, the config file found upward).
 */
export function runFromSources(args: string[], opts: { cwd?: string; input?: string } = {}): SpawnSyncReturns<string> {
  const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-main-'));
  try {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; oclif: Record<string, string> };
    const info = { name: pkg.name, version: pkg.version, oclif: { bin: pkg.oclif.bin, dirname: pkg.oclif.dirname, topicSeparator: pkg.oclif.topicSeparator } };
    const ids = readdirSync(join(ROOT, 'src', 'commands')).filter((f) => f.endsWith('.ts') && f !== 'index.ts').map((f) => f.slice(0, -3));
    const entry = join(dir, 'entry.mjs');
    writeFileSync(
      entry,
      [
        `import { main } from ${JSON.stringify(pathToFileURL(join(ROOT, 'src', 'cli.ts')).href)};`,
        ...ids.map((id, i) => `import C${i} from ${JSON.stringify(pathToFileURL(join(ROOT, 'src', 'commands', `${id}.ts`)).href)};`),
        `await main({ ${ids.map((id, i) => `${JSON.stringify(id)}: C${i}`).join(', ')} }, ${JSON.stringify(info)}, process.execPath, process.argv.slice(2));`,
      ].join('\n'),
    );
    return spawnSync(process.execPath, [entry, ...args], { encoding: 'utf8', input: opts.input ?? '', cwd: opts.cwd, env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
