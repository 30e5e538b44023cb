/**
 * Bundles the CLI with esbuild, for fast start-up: one parse of one file instead of resolving hundreds of
 * modules, and no command discovery on disk (src/cli.ts hands oclif the commands).
 *
 *   node scripts/bundle.ts            dist/bundle/: ESM, split at dynamic imports, so `version` and `--help`
 *                                     never parse @kubernetes/client-node (bin/run.js uses it when fresh)
 *   node scripts/bundle.ts --single   one self-contained CommonJS file (the standalone binaries' entry),
 *                                     under node_modules/.cache/otel-doctor-package/bundle/
 *
 * Every file in src/commands/ becomes a command named after it: a new command needs no list to be edited.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import * as esbuild from 'esbuild';
import { Help, HelpFormatter } from '@oclif/core/help';
import { loadConfig, type BuildInfo, type Commands } from '../src/cli.ts';
import { versionText } from '../src/commands/version.ts';
import type { FastData } from '../src/fast-start.ts';
import type { OclifEnv } from '../src/diagnose-fast.ts';
import { platform } from '../src/version.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Command ids from the files in src/commands/ (oclif's own rule: file name = id, `index` excluded). */
export function commandFiles(dir = join(ROOT, 'src', 'commands')): Array<{ id: string; file: string }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts') && f !== 'index.ts')
    .sort()
    .map((f) => ({ id: f.slice(0, -3), file: join(dir, f) }));
}

export function gitCommit(): string | undefined {
  try {
    const out = execFileSync('git', ['-C', ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return /^[0-9a-f]{40}$/.test(out) ? out : undefined;
  } catch {
    return undefined;
  }
}

export interface BundleOptions {
  /** one file, no chunks (standalone binary) */
  single?: boolean;
  outdir?: string;
  /** bake the git commit in: a bundle has neither .git nor build-info.json where src/version.ts looks */
  commit?: string;
}

/**
 * src/version.ts reads package.json (and build-info.json) next to the code, which a bundle does not have:
 * substitute the build-time values for those reads. The build fails if the expected reads are gone, so a
 * change there cannot silently turn the version into 0.0.0.
 */
function versionPlugin(pkg: { version: string }, commit: string | undefined): esbuild.Plugin {
  return {
    name: 'otel-doctor-version',
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]version\.ts$/ }, (args) => {
        let text = readFileSync(args.path, 'utf8');
        const pkgRead = "readFileSync(join(ROOT, 'package.json'), 'utf8')";
        if (!text.includes(pkgRead)) { throw new Error(`${args.path}: expected ${pkgRead} (update scripts/bundle.ts)`); }
        text = text.replace(pkgRead, JSON.stringify(JSON.stringify({ version: pkg.version })));
        if (commit) {
          const infoRead = "readFileSync(file, 'utf8')";
          if (!text.includes(infoRead)) { throw new Error(`${args.path}: expected ${infoRead} (update scripts/bundle.ts)`); }
          text = text.replace(infoRead, JSON.stringify(JSON.stringify({ commit })));
        }
        return { contents: text, loader: 'ts' };
      });
    },
  };
}

/**
 * oclif checks the Node version against its own package.json's engines on load (semver + a file read that
 * a bundle cannot satisfy anyway); the launcher and the binaries pin the runtime, so skip it.
 */
const QUIET_OCLIF = "process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1';\n";

/**
 * oclif asks wsl-utils whether it runs under WSL on every start, which imports and probes more than the
 * answer is worth to us (oclif only uses it to name the platform for its plugin/update features).
 */
/** The stand-in's test for WSL; fast.js asks the same (oclif's userAgent says `wsl` there). */
const IS_WSL = "process.platform === 'linux' && /microsoft/i.test(release())";

const wslPlugin: esbuild.Plugin = {
  name: 'otel-doctor-wsl',
  setup(build) {
    build.onResolve({ filter: /^wsl-utils$/ }, () => ({ path: 'wsl-utils', namespace: 'otel-doctor-stub' }));
    build.onLoad({ filter: /.*/, namespace: 'otel-doctor-stub' }, () => ({
      contents: `import { release } from 'node:os';
export const isWsl = ${IS_WSL};
export async function powerShellPath() { return 'powershell.exe'; }`,
      loader: 'js',
      resolveDir: ROOT,
    }));
  },
};

/** Widths below this oclif would wrap to (OCLIF_COLUMNS can ask for any): fast.js leaves them to oclif. */
const FAST_MIN_WIDTH = 40;
/** Rendered up to this width; when the widest text is also what any wider terminal gets, it is open-ended. */
const FAST_MAX_WIDTH = 400;

/**
 * The answers src/fast-start.ts gives, rendered here by the real code: `version` by the command's own
 * versionText(), the top-level help by oclif's Help on the same Config main() builds, once per width.
 * Section headers are marked instead of coloured, so the terminal at run time decides (as oclif does).
 */
export async function renderFastData(info: BuildInfo, commit: string | undefined): Promise<FastData> {
  const commands: Commands = {};
  for (const c of commandFiles()) { commands[c.id] = (await import(pathToFileURL(c.file).href)).default; }
  // A theme of whoever builds must not colour what users see: oclif reads none when told so.
  let config = await loadConfig(commands, info, process.execPath);
  const disableThemeVars = config.scopedEnvVarKeys('DISABLE_THEME');
  const saved = disableThemeVars.map((k) => [k, process.env[k]] as const);
  for (const k of disableThemeVars) { process.env[k] = '1'; }
  const proto = HelpFormatter.prototype as unknown as { section: (header: string, body: unknown) => string };
  const section = proto.section;
  try {
    config = await loadConfig(commands, info, process.execPath);
    // Every section (RootHelp's VERSION and USAGE too) goes through HelpFormatter.section: its first line is the header.
    proto.section = function (this: unknown, header: string, body: unknown): string {
      const out = section.call(this, header, body);
      const nl = out.indexOf('\n');
      return `\u0000${header}\u0000${nl < 0 ? '' : out.slice(nl)}`;
    };
    const render = async (maxWidth: number): Promise<string> => {
      let out = '';
      // Help.log writes through ux.stdout: format(...args) and a newline per call.
      class Capture extends Help {
        protected override log(...args: string[]): void { out += `${format(...args)}\n`; }
      }
      const helpOptions = (config.pjson.oclif as { helpOptions?: object }).helpOptions;
      // as oclif's run() does for `--help`
      await new Capture(config, { ...helpOptions, maxWidth }).showHelp(['--help']);
      return out;
    };
    const widths: FastData['help']['widths'] = [];
    for (let w = FAST_MIN_WIDTH; w <= FAST_MAX_WIDTH; w++) {
      const text = await render(w);
      const last = widths.at(-1);
      if (last?.text === text) { last.to = w; } else { widths.push({ from: w, to: w, text }); }
    }
    const last = widths.at(-1);
    if (last && last.text === (await render(100_000))) { last.to = null; }
    const { os, arch } = platform();
    return {
      node: process.versions.node,
      platform: process.platform,
      arch: process.arch,
      ...(commit ? { version: versionText({ version: info.version, gitCommit: commit, node: process.versions.node, platform: `${os}/${arch}` }) } : {}),
      help: {
        userAgent: config.userAgent,
        name: config.name,
        pluginVersion: config.version,
        dirname: config.dirname,
        configDirVars: config.scopedEnvVarKeys('CONFIG_DIR'),
        disableThemeVars,
        widths,
      },
    };
  } finally {
    proto.section = section;
    for (const [k, v] of saved) { if (v === undefined) { delete process.env[k]; } else { process.env[k] = v; } }
  }
}

/**
 * What both bundles share: one TypeScript entry written here (its imports resolved from src/), built in
 * memory for Node 22, ESM unless `rest` says otherwise.
 */
function entryBuild(contents: string, sourcefile: string, rest: esbuild.BuildOptions): esbuild.BuildOptions & { write: false } {
  return {
    stdin: { contents, resolveDir: join(ROOT, 'src'), sourcefile, loader: 'ts' },
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    legalComments: 'none',
    logLevel: 'warning',
    ...rest,
    write: false,
  };
}

/** dist/bundle/fast.js: src/fast-start.ts with its data, and oclif's own colorize and terminal width. */
async function buildFast(info: BuildInfo, commit: string | undefined, outdir: string): Promise<esbuild.OutputFile[]> {
  const data = await renderFastData(info, commit);
  const oclifLib = join(dirname(createRequire(import.meta.url).resolve('@oclif/core/package.json')), 'lib');
  const entry = [
    `const { release } = process.getBuiltinModule('node:os');`,
    `import { answer as fastAnswer } from './fast-start.ts';`,
    `const DATA = ${JSON.stringify(data)};`,
    // require(), not import: esbuild runs a bundled CommonJS module where it is required, so `version`
    // never evaluates oclif's screen (which sizes process.stdout) or its colour support.
    `export function answer(argv) {`,
    `  if (argv[0] === 'version') { return fastAnswer(DATA, argv, { colorize: (_, t) => t, width: 0, isWsl: () => false }); }`,
    `  const { colorize } = require(${JSON.stringify(join(oclifLib, 'ux', 'theme.js'))});`,
    `  const { stdtermwidth } = require(${JSON.stringify(join(oclifLib, 'screen.js'))});`,
    `  return fastAnswer(DATA, argv, { colorize, width: stdtermwidth, isWsl: () => ${IS_WSL} });`,
    `}`,
  ].join('\n');
  const result = await esbuild.build(entryBuild(entry, 'fast-entry.ts', {
    outfile: join(outdir, 'fast.js'),
    // what oclif's theme and screen require are built-ins only (their packages are inlined)
    banner: { js: `const require = (id) => process.getBuiltinModule(id) ?? (() => { throw new Error(\`fast.js: \${id} is not a built-in\`); })();` },
  }));
  return result.outputFiles;
}

/** The environment variables oclif's start-up reads for a command, from its own Config (src/diagnose-fast.ts). */
export async function oclifEnv(info: BuildInfo): Promise<OclifEnv> {
  const config = await loadConfig({}, info, process.execPath);
  return { bin: info.oclif.bin, debugVars: ['DEBUG', ...config.scopedEnvVarKeys('DEBUG')], redirectedVars: config.scopedEnvVarKeys('REDIRECTED') };
}

/** Entry modules written here, resolved from src/ as if they were files there: `otel-doctor-entry:<name>`. */
function entryPlugin(entries: Record<string, string>): esbuild.Plugin {
  return {
    name: 'otel-doctor-entries',
    setup(build) {
      build.onResolve({ filter: /^otel-doctor-entry:/ }, (args) => ({ path: args.path.slice('otel-doctor-entry:'.length), namespace: 'otel-doctor-entry' }));
      build.onLoad({ filter: /.*/, namespace: 'otel-doctor-entry' }, (args) => ({ contents: entries[args.path], loader: 'ts', resolveDir: join(ROOT, 'src') }));
    },
  };
}

export async function bundle(opts: BundleOptions = {}): Promise<string> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; oclif: { bin: string; dirname: string; topicSeparator: ' ' | ':' } };
  const outdir = opts.outdir ?? (opts.single ? join(ROOT, 'node_modules', '.cache', 'otel-doctor-package', 'bundle') : join(ROOT, 'dist', 'bundle'));
  const commands = commandFiles();
  const info = { name: pkg.name, version: pkg.version, oclif: { bin: pkg.oclif.bin, dirname: pkg.oclif.dirname, topicSeparator: pkg.oclif.topicSeparator } };
  const entry = [
    `import { main } from './cli.ts';`,
    ...commands.map((c, i) => `import C${i} from ${JSON.stringify(`./commands/${c.id}.ts`)};`),
    `const COMMANDS = { ${commands.map((c, i) => `${JSON.stringify(c.id)}: C${i}`).join(', ')} };`,
    // The root only matters for oclif's data/cache dirs and plugin search, neither of which is used.
    // no top-level await: the standalone binary's entry is CommonJS (see below)
    `main(COMMANDS, ${JSON.stringify(info)}, process.execPath).catch((e) => { process.stderr.write(String(e?.stack ?? e) + '\\n'); process.exitCode = 1; });`,
  ].join('\n');
  // Built in memory, then written over the old files, and only then are stale files removed: a plugin
  // process running meanwhile (a test, a user's shell) never finds its entry or a chunk missing, and an
  // identical rebuild changes nothing on disk.
  // `diagnose` without oclif (src/diagnose-fast.ts), a second entry of the same split build: it shares the
  // diagnosis' chunks with cli.js, and its import graph holds no oclif (test/commands/diagnose-fast.test.ts).
  const diagnoseEntry = opts.single ? '' : [
    `import { fastDiagnose } from './diagnose-fast.ts';`,
    `const ENV = ${JSON.stringify(await oclifEnv(info))};`,
    `export function run(argv) { return fastDiagnose(argv, ENV); }`,
  ].join('\n');
  const entries: Record<string, string> = opts.single ? { cli: entry } : { cli: entry, diagnose: diagnoseEntry };
  const { stdin: _, ...common } = entryBuild(entry, 'cli-entry.ts', {});
  const result = await esbuild.build({
    ...common,
    entryPoints: Object.keys(entries).map((name) => ({ in: `otel-doctor-entry:${name}`, out: name })),
    // The standalone binary is CommonJS on purpose: an ESM bundle hoists every `import 'node:http'` of
    // every dependency to its top, so Node would load http, https, tls and undici before `version` runs
    // (+0.3 s); CommonJS requires them where the (lazily initialised) module first runs.
    format: opts.single ? 'cjs' : 'esm',
    splitting: !opts.single,
    outdir,
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    ...(opts.single
      ? {
          outExtension: { '.js': '.cjs' },
          // src/version.ts derives its directory from import.meta.url, which CommonJS lacks; the
          // binary's own path is the honest equivalent (nothing is read from there in a bundle).
          define: { 'import.meta.url': '__otelDoctorSelfUrl' },
          banner: { js: `${QUIET_OCLIF}var __otelDoctorSelfUrl = require('node:url').pathToFileURL(process.execPath).href;` },
        }
      : {
          // CommonJS dependencies (oclif, client-node's) call require(): give the ESM bundle a real one.
          banner: { js: `import { createRequire as __otelDoctorCreateRequire } from 'node:module'; const require = __otelDoctorCreateRequire(import.meta.url);\n${QUIET_OCLIF}` },
        }),
    plugins: [entryPlugin(entries), versionPlugin(pkg, opts.commit), wslPlugin],
    write: false,
  });
  const keep = new Set<string>();
  // `version` and `--help` answered without oclif (bin/run.js); the standalone binary starts from cli.cjs alone.
  const fast = opts.single ? [] : await buildFast(info, opts.commit, outdir);
  for (const f of [...result.outputFiles, ...fast]) {
    keep.add(f.path);
    mkdirSync(dirname(f.path), { recursive: true });
    let same = false;
    try { same = readFileSync(f.path).equals(Buffer.from(f.contents)); } catch { /* new file */ }
    if (!same) { writeFileSync(f.path, f.contents); }
  }
  if (!opts.single) { keep.add(join(outdir, 'package.json')); }
  for (const e of readdirSync(outdir, { recursive: true, withFileTypes: true })) {
    const path = join(e.parentPath, e.name);
    if (e.isFile() && !keep.has(path)) { rmSync(path, { force: true }); }
  }
  if (!opts.single) {
    writeFileSync(join(outdir, 'package.json'), '{"type":"module"}\n');
    // package.json "files" ships dist/; this keeps the tsc stamp out of the npm package.
    writeFileSync(join(ROOT, 'dist', '.npmignore'), '.built\n.npmignore\n');
  }
  const entryFile = join(outdir, opts.single ? 'cli.cjs' : 'cli.js');
  // bin/run.js trusts the bundle only when it is newer than src/: mark it fresh even when unchanged.
  const now = new Date();
  utimesSync(entryFile, now, now);
  return entryFile;
}

if (import.meta.main) {
  const single = process.argv.includes('--single');
  const t0 = performance.now();
  const out = await bundle({ single, commit: gitCommit() });
  process.stderr.write(`bundle: ${out} in ${Math.round(performance.now() - t0)} ms\n`);
}
