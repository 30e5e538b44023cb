// Plain-JS launcher of app-node-sdk.ts (see app.js for why a .js entry): the compile cache also serves
// the SDK's own modules from node_modules, which dominate this app's start-up.
import { enableCompileCache, flushCompileCache } from 'node:module';

enableCompileCache();
const { main } = await import('./app-node-sdk.ts');
flushCompileCache();
main();
