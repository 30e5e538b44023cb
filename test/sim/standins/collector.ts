// Entry point the runtime launches (`node test/sim/standins/collector.ts <argv...>`). Kept tiny so the
// compile cache is on before the implementation is loaded: Node's type stripping plus compiling costs
// ~0.5 CPU-s per process without it and ~0.25 with it, and a 100-pod cluster starts 100 of these at once.
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { main } = await import('./collector-impl.ts');
main();
