// Entry point named in CONTRACTS.md (`node test/sim/standins/dns.ts <argv...>`). Prefer dns.js, its
// plain-JS twin: a .ts entry costs the TypeScript stripper's memory (see there).
import { enableCompileCache, flushCompileCache } from 'node:module';

enableCompileCache();
const { main } = await import('./dns-impl.ts');
flushCompileCache();
main();
