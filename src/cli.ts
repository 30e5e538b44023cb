/**
 * Start-up of the bundled CLI (dist/bundle, and the standalone binaries). scripts/bundle.ts generates the
 * entry that imports every file in src/commands/ and calls main() with them, so oclif never searches the
 * disk for commands (its explicit strategy) and never reads package.json: both are slow, and inside a
 * single executable application there is no disk to read them from.
 */
import { Config, Plugin, flush, handle, run, type Command, type Interfaces } from '@oclif/core';
import { printCliError } from './errors.ts';
import { guardStdout } from './output.ts';

export type Commands = Record<string, Command.Class>;

/** What oclif needs from package.json, fixed at build time. */
export interface BuildInfo {
  name: string;
  version: string;
  commit?: string;
  oclif: { bin: string; dirname: string; topicSeparator: ' ' | ':' };
}

let buildInfo: BuildInfo | undefined;
/** Set by main(); src/version.ts prefers it to reading package.json (absent in a standalone binary). */
export function bundledBuildInfo(): BuildInfo | undefined {
  return buildInfo;
}

/**
 * oclif's Config for these commands, as main() runs them; scripts/bundle.ts renders the top-level help from
 * the same Config at build time (src/fast-start.ts answers from it without loading oclif).
 */
export async function loadConfig(commands: Commands, info: BuildInfo, root: string): Promise<Config> {
  const pjson = {
    name: info.name,
    version: info.version,
    type: 'module',
    // `-h` is help for every command, as for kubectl and its plugins (package.json's oclif section should say
    // the same for the unbundled start-up, which reads it from there).
    oclif: { additionalHelpFlags: ['-h'], ...info.oclif, commands: { strategy: 'explicit', target: './bundled-commands', identifier: 'COMMANDS' } },
  } as unknown as Interfaces.PJSON;
  // The explicit strategy would import `target` from disk; the commands are already here, so the root
  // plugin gets them as its command cache and is handed to oclif ready-made (no plugin search either).
  const plugin = new Plugin({ root, pjson, isRoot: true, ignoreManifest: true });
  (plugin as unknown as { commandCache: Commands }).commandCache = commands;
  await plugin.load();
  return Config.load({ root, pjson, plugins: new Map([[info.name, plugin]]) });
}

export async function main(commands: Commands, info: BuildInfo, root: string, argv = process.argv.slice(2)): Promise<void> {
  buildInfo = info;
  guardStdout();
  if (argv[0] === '__complete' || argv[0] === '__completeNoDesc') {
    // Completion runs on every <TAB>: skip oclif's config entirely.
    const { completeArgs } = await import('./commands/completion.ts');
    process.stdout.write(await completeArgs(commands, argv.slice(1), { descriptions: argv[0] === '__complete' }));
    return;
  }
  try {
    const config = await loadConfig(commands, info, root);
    await run(argv, config);
    await flush();
  } catch (error) {
    await handleCliError(error, info.oclif.bin, argv[0] !== undefined && Object.hasOwn(commands, argv[0]) ? argv[0] : undefined);
  }
}

/** The end of a run that threw: also that of `diagnose` started without oclif (src/diagnose-fast.ts). */
export async function handleCliError(error: unknown, bin: string, commandId: string | undefined): Promise<void> {
  // Usage errors the commands leave to oclif (and `command x not found`) in the tool's one-line style.
  const code = printCliError(error, bin, commandId);
  if (code !== undefined) {
    await flush();
    process.exit(code);
  }
  await handle(error instanceof Error ? error : new Error(String(error)));
}
