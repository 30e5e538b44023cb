// Entry point named in CONTRACTS.md (`node test/sim/standins/app.ts <argv...>`). Prefer app.js, its
// plain-JS twin: a .ts entry costs the TypeScript stripper's memory (see there).
import { enableCompileCache, flushCompileCache } from 'node:module';

enableCompileCache();
const { main } = await import('./app-impl.ts');
flushCompileCache();
main();
