#!/usr/bin/env node
// Start-up path: the esbuild bundle (dist/bundle, built by `node scripts/bundle.ts`) unless a source file
// is newer than it, else the tsc build in dist/ (correct, several times slower to start).
import { enableCompileCache } from 'node:module';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The compile cache makes every later start-up skip parsing the bundle again.
try {
  enableCompileCache?.();
} catch {
  // an unwritable cache directory only costs speed
}

const mtime = (url) => {
  try {
    return statSync(url).mtimeMs;
  } catch {
    return -1;
  }
};
/** Newest mtime under src/ (a development checkout; an installed package has no src/): ~100 stats, < 1 ms. */
function newestSource(url) {
  let newest = -1;
  let entries;
  try {
    entries = readdirSync(url, { withFileTypes: true });
  } catch {
    return newest;
  }
  for (const e of entries) {
    const child = new URL(e.isDirectory() ? `${e.name}/` : e.name, url);
    newest = Math.max(newest, e.isDirectory() ? newestSource(child) : mtime(child));
  }
  return newest;
}

const bundle = new URL('../dist/bundle/cli.js', import.meta.url);
const built = mtime(bundle);
const fresh = built >= 0 && built >= newestSource(new URL('../src/', import.meta.url)) && built >= mtime(new URL('../package.json', import.meta.url));
if (fresh && process.env.OTEL_DOCTOR_NO_BUNDLE !== '1') {
  await import(bundle.href);
} else {
  // The tsc build (dist/): the same main() as the bundle (completion, -h, one-line usage errors), with the
  // commands imported from dist/commands and the build info read from package.json.
  const dir = new URL('../dist/commands/', import.meta.url);
  const commands = {};
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.js')).sort()) {
    commands[f.slice(0, -3)] = (await import(new URL(f, dir).href)).default;
  }
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const { main } = await import(new URL('../dist/cli.js', import.meta.url).href);
  await main(commands, { name: pkg.name, version: pkg.version, oclif: pkg.oclif }, fileURLToPath(new URL('..', import.meta.url)));
}
