/**
 * `version` and the top-level `--help` without loading oclif: loading it costs more than a bare Node start-up
 * (bench:startup). scripts/bundle.ts renders both answers at build time with the real command and oclif's own
 * Help, over every terminal width, into dist/bundle/fast.js; this module only picks one. It answers only when
 * what the answer depends on is what it was rendered for (the Node version, platform and architecture; no
 * oclif theme in play); otherwise it returns false and bin/run.js starts the CLI as always.
 * test/commands/fast-start.test.ts holds its output byte for byte to oclif's.
 */
import { guardStdout } from './output.ts';

// Not `import ... from 'node:fs'`: in the ESM bundle that builds fs's whole namespace (fs/promises, streams,
// readline), a fifth of a bare Node start-up; getBuiltinModule hands over the module as it is.
const { existsSync } = process.getBuiltinModule('node:fs');
const { arch, homedir, platform, tmpdir } = process.getBuiltinModule('node:os');
const { join } = process.getBuiltinModule('node:path');

export interface FastData {
  /** what they were rendered for */
  node: string;
  platform: string;
  arch: string;
  /** `version`'s output; absent when the build knew no git commit (the CLI then asks at run time) */
  version?: string;
  help: {
    /** oclif's config.userAgent when rendered (its VERSION section) */
    userAgent: string;
    name: string;
    pluginVersion: string;
    /** oclif's config dirname and the env vars that move its config dir or turn the theme off */
    dirname: string;
    configDirVars: string[];
    disableThemeVars: string[];
    /** the text per width range (`to` null: every wider terminal); section headers as \u0000HEADER\u0000 */
    widths: { from: number; to: number | null; text: string }[];
  };
}

export interface FastDeps {
  /** oclif's colorize (ux/theme.js), which makes section headers bold where the terminal takes colour */
  colorize: (color: string | undefined, text: string) => string;
  /** oclif's stdtermwidth (screen.js): OCLIF_COLUMNS, else the terminal's width, else 80 */
  width: number;
  /** the test for WSL that the bundle's wsl-utils stand-in makes (oclif then says `wsl` for the platform) */
  isWsl: () => boolean;
}

/** oclif's config.userAgent, as Config.load() spells it (config/config.js). */
function userAgent(d: FastData['help'], deps: FastDeps): string {
  const a = arch() === 'ia32' ? 'x86' : arch();
  return `${d.name}/${d.pluginVersion} ${deps.isWsl() ? 'wsl' : platform()}-${a} node-${process.version}`;
}

/** A theme file oclif would read (Config.loadTheme: `<configDir>/theme.json`), looked for where any setting could put it. */
function themeInPlay(d: FastData['help']): boolean {
  const env = process.env;
  if (d.disableThemeVars.some((k) => env[k] === '1' || env[k] === 'true')) { return false; }
  const home = env.HOME || homedir() || tmpdir();
  const dirs = [...d.configDirVars.map((k) => env[k]), env.XDG_CONFIG_HOME && join(env.XDG_CONFIG_HOME, d.dirname), join(home, '.config', d.dirname)];
  return dirs.some((dir) => dir && existsSync(join(dir, 'theme.json')));
}

/** The answer for this argv, or undefined when it must come from the CLI itself. */
export function fastText(data: FastData, argv: readonly string[], deps: FastDeps): string | undefined {
  if (argv.length !== 1 || data.node !== process.versions.node || data.platform !== process.platform || data.arch !== process.arch) { return undefined; }
  if (argv[0] === 'version') { return data.version; }
  if (argv[0] !== '--help' && argv[0] !== '-h') { return undefined; }
  const h = data.help;
  if (process.platform === 'win32' || userAgent(h, deps) !== h.userAgent || themeInPlay(h)) { return undefined; }
  const w = h.widths.find((r) => deps.width >= r.from && (r.to === null || deps.width <= r.to));
  // Section.section(): colorize(theme.sectionHeader, colorize('bold', header)); no theme here, so the bold only.
  return w?.text.replace(/\u0000([^\u0000]*)\u0000/g, (_, header: string) => deps.colorize('bold', header));
}

/** Writes the answer and says so, or writes nothing and returns false. */
export function answer(data: FastData, argv: readonly string[], deps: FastDeps): boolean {
  const text = fastText(data, argv, deps);
  if (text === undefined) { return false; }
  guardStdout();
  process.stdout.write(text);
  return true;
}
