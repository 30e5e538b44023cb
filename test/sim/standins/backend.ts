// Entry point of the OTLP backend stand-in (`node test/sim/standins/backend.ts`); prefer backend.js, its
// plain-JS twin, for the reason collector.ts gives.
import { enableCompileCache, flushCompileCache } from 'node:module';

enableCompileCache();
const { main } = await import('./backend-impl.ts');
flushCompileCache();
main();
