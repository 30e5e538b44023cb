import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: this file is src/version.ts when run from source and dist/version.js when built. */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

let cachedVersion: string | undefined;

export function pluginVersion(): string {
  if (cachedVersion === undefined) {
    try {
      cachedVersion = String(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version ?? '0.0.0');
    } catch {
      cachedVersion = '0.0.0';
    }
  }
  return cachedVersion;
}

/**
 * The git commit the build came from: `dist/build-info.json` (`{"commit": "..."}`) written at build time
 * wins, because a packaged plugin has no .git; a development checkout asks git. Undefined when unknown.
 */
export function gitCommit(): string | undefined {
  for (const file of [join(ROOT, 'dist', 'build-info.json'), join(ROOT, 'build-info.json')]) {
    try {
      const commit = JSON.parse(readFileSync(file, 'utf8')).commit;
      if (typeof commit === 'string' && /^[0-9a-f]{7,40}$/.test(commit)) { return commit; }
    } catch {
      // no build info: fall through
    }
  }
  if (!existsSync(join(ROOT, '.git'))) { return undefined; }
  try {
    const out = execFileSync('git', ['-C', ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 }).trim();
    return /^[0-9a-f]{40}$/.test(out) ? out : undefined;
  } catch {
    return undefined;
  }
}

/** Go's GOOS/GOARCH spelling, as kubectl's own User-Agent uses. */
export function platform(): { os: string; arch: string } {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const archMap: Record<string, string> = { x64: 'amd64', ia32: '386', arm: 'arm' };
  return { os, arch: archMap[process.arch] ?? process.arch };
}

/** `otel-doctor/<version> (<os>/<arch>)`: what cluster operators see in their audit logs. */
export function userAgent(): string {
  const { os, arch } = platform();
  return `otel-doctor/${pluginVersion()} (${os}/${arch})`;
}
