// Plain-JS twin of app.ts for the runtime to launch: a .ts entry makes Node load its TypeScript stripper
// (about 13 MB PSS per process); from here the compile cache serves the already-stripped
// implementation, so an idle stand-in stays near 14 MB. Same argv and environment as app.ts.
import { enableCompileCache, flushCompileCache } from 'node:module';

enableCompileCache();
const { main } = await import('./app-impl.ts');
// Write the cache now, not at exit, so the pods starting next already find it.
flushCompileCache();
main();
