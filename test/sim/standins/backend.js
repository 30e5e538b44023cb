// Plain-JS twin of backend.ts for the runtime to launch (see collector.js: the compile cache spares each pod
// the TypeScript stripper). Same environment as backend.ts.
import { enableCompileCache, flushCompileCache } from 'node:module';

enableCompileCache();
const { main } = await import('./backend-impl.ts');
flushCompileCache();
main();
