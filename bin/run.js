#!/usr/bin/env node
// The compile cache makes every later start-up skip parsing the (large) dependency graph again.
import { enableCompileCache } from 'node:module';
try {
  enableCompileCache?.();
} catch {
  // an unwritable cache directory only costs speed
}
const { execute } = await import('@oclif/core');
await execute({ dir: import.meta.url });
