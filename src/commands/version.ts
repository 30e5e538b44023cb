import { Command, Flags } from '@oclif/core';
import { gitCommit, platform, pluginVersion } from '../version.ts';

export interface VersionInfo {
  version: string;
  gitCommit: string;
  node: string;
  platform: string;
}

/** What `version` prints, one spelling for the command and for the start-up fast path (src/fast-start.ts). */
export function versionText(info: VersionInfo, output: 'text' | 'json' = 'text'): string {
  if (output === 'json') { return `${JSON.stringify(info, null, 2)}\n`; }
  return `otel-doctor v${info.version} (commit ${info.gitCommit}, node v${info.node}, ${info.platform})\n`;
}

export default class Version extends Command {
  static override summary = 'Print the plugin version, the git commit it was built from and the Node.js runtime.';
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version -o json'];
  static override flags = {
    output: Flags.string({ char: 'o', summary: 'Output format.', options: ['text', 'json'], default: 'text' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Version);
    const { os, arch } = platform();
    const info = { version: pluginVersion(), gitCommit: gitCommit() ?? 'unknown', node: process.versions.node, platform: `${os}/${arch}` };
    process.stdout.write(versionText(info, flags.output === 'json' ? 'json' : 'text'));
  }
}
