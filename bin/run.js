#!/usr/bin/env node
// Start-up path: the esbuild bundle (dist/bundle, built by `node scripts/bundle.ts`) unless a source file
// is newer than it, else the tsc build in dist/ (correct, several times slower to start). With a fresh
// bundle, `version` and `--help` are answered from dist/bundle/fast.js without starting oclif, and `diagnose`
// runs from dist/bundle/diagnose.js without it whenever its flags are plain (OTEL_DOCTOR_NO_FAST_START=1: never).
// Built-ins by process.getBuiltinModule: an ESM `import ... from 'node:fs'` builds the module's whole
// namespace, which loads fs/promises, streams and readline (a fifth of a bare Node start-up).
const { enableCompileCache } = process.getBuiltinModule('node:module');
const { readdirSync, readFileSync, statSync } = process.getBuiltinModule('node:fs');
const { fileURLToPath } = process.getBuiltinModule('node:url');

const argv = process.argv.slice(2);

// The young generation's cap, as bin/kubectl-otel_doctor and the standalone binaries (scripts/package.ts,
// SEA execArgv) set it. `npm i -g` links this file itself as the command, started by its shebang with no
// flags: Node 24 then sizes semi-spaces from the machine's memory (64 MB each with 23 GB), and the same
// diagnosis of 150,000 pods peaked at 417 MB instead of ~290. V8 fixes the cap when the heap is created,
// so v8.setFlagsFromString cannot set it now, and a shebang cannot carry it everywhere: Linux hands
// `env` the rest of the line as one argument, and busybox env (Alpine) has no -S to split it. So the
// commands whose memory grows with their input replace this process (same pid, fds and signals; no
// second process waits) with Node started with the flag, once: the new one sees it in execArgv. First thing,
// so this process spends nothing (compile cache, the freshness stats) that the new one does again.
// Windows has no execve (it runs without the cap, as before); an error leaves this start as it was.
const SEMI_SPACE = '--max-semi-space-size=16';
const capped = (flags) => /(^|\s)--max[-_]semi[-_]space[-_]size[=\s]/.test(`${flags} `);
if (
  (argv[0] === 'diagnose' || argv[0] === 'lint' || argv[0] === 'fix') &&
  typeof process.execve === 'function' &&
  process.platform !== 'win32' &&
  !capped(process.execArgv.join(' ')) &&
  !capped(process.env.NODE_OPTIONS ?? '')
) {
  try {
    process.execve(process.execPath, [process.execPath, SEMI_SPACE, ...process.execArgv, fileURLToPath(import.meta.url), ...argv]);
  } catch {
    // carry on uncapped
  }
}
// The compile cache makes every later start-up skip parsing the bundle again.
try {
  enableCompileCache?.();
} catch {
  // an unwritable cache directory only costs speed
}

const mtime = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? -1;
/** Newest mtime under src/ (a development checkout; an installed package has no src/): ~130 stats, plain paths (URLs cost more than the stats). */
function newestSource(dir) {
  let newest = -1;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return newest;
  }
  for (const e of entries) {
    const child = `${dir}/${e.name}`;
    newest = Math.max(newest, e.isDirectory() ? newestSource(child) : mtime(child));
  }
  return newest;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = new URL('../dist/bundle/cli.js', import.meta.url);
const built = mtime(`${root}dist/bundle/cli.js`);
const fresh = built >= 0 && built >= newestSource(`${root}src`) && built >= mtime(`${root}package.json`);
// `version` and the top-level help, rendered at bundle time (src/fast-start.ts): a start-up without oclif,
// which costs more than Node's own. fast.js declines (false) whatever it was not rendered for.
const FAST = new Set(['version', '--help', '-h']);
const fastAnswered = async () => {
  if (argv.length !== 1 || !FAST.has(argv[0]) || process.env.OTEL_DOCTOR_NO_FAST_START === '1') {
    return false;
  }
  try {
    return (await import(new URL('../dist/bundle/fast.js', import.meta.url).href)).answer(argv);
  } catch (e) {
    // a bundle built before fast.js existed
    if (e?.code === 'ERR_MODULE_NOT_FOUND') {
      return false;
    }
    throw e;
  }
};
// `diagnose` without oclif (src/diagnose-fast.ts): its flags parsed as oclif would, or declined (false)
// when oclif must answer (help, usage errors, anything the small parser is not certain of).
const fastDiagnosed = async () => {
  if (argv[0] !== 'diagnose' || process.env.OTEL_DOCTOR_NO_FAST_START === '1') {
    return false;
  }
  let mod;
  try {
    mod = await import(new URL('../dist/bundle/diagnose.js', import.meta.url).href);
  } catch (e) {
    // a bundle built before diagnose.js existed
    if (e?.code === 'ERR_MODULE_NOT_FOUND') {
      return false;
    }
    throw e;
  }
  return mod.run(argv);
};
if (fresh && process.env.OTEL_DOCTOR_NO_BUNDLE !== '1') {
  if (!(await fastAnswered()) && !(await fastDiagnosed())) {
    await import(bundle.href);
  }
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
