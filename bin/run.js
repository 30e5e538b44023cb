#!/usr/bin/env node
// Start-up path: the esbuild bundle (dist/bundle, `node scripts/bundle.ts`) when it is at least as new as
// the tsc build, else oclif loading dist/commands from disk (correct, about 4x slower to start).
import { enableCompileCache } from 'node:module';
import { statSync } from 'node:fs';

// The compile cache makes every later start-up skip parsing the bundle again.
try {
  enableCompileCache?.();
} catch {
  // an unwritable cache directory only costs speed
}

const mtime = (rel) => {
  try {
    return statSync(new URL(rel, import.meta.url)).mtimeMs;
  } catch {
    return -1;
  }
};
const bundled = mtime('../dist/bundle/cli.js');
if (bundled >= 0 && bundled >= mtime('../dist/.built') && process.env.OTEL_DOCTOR_NO_BUNDLE !== '1') {
  await import('../dist/bundle/cli.js');
} else {
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}
