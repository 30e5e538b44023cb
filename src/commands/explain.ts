import { Args, Command, Flags } from '@oclif/core';
import { EXIT_USAGE } from '../errors.ts';

const EVIDENCE_TEXT: Record<string, string> = {
  config: 'the effective collector configuration (ConfigMaps, args, operator CRs)',
  api: 'Kubernetes objects read from the API (pods, Services, endpoints, policies)',
  exec: 'commands run in existing containers (listening sockets, connectivity probes)',
  log: 'collector and application log lines',
};

/** Wraps prose at `width` columns; the catalogue's descriptions are single long lines. */
function wrap(text: string, width: number, indent = '  '): string {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && indent.length + line.length + 1 + word.length > width) {
        out.push(indent + line);
        line = word;
      } else { line = line ? `${line} ${word}` : word; }
    }
    out.push(indent + line);
  }
  return out.join('\n');
}

export default class Explain extends Command {
  static override summary = 'Explain a rule: what it means, the evidence it uses and how to fix it.';
  static override description = `Prints the entry of the rule catalogue that diagnose uses: the rule's severity, what it means, where its evidence comes from (configuration, API objects, exec in pods, logs) and the usual fix. Without a RULE it lists every rule with its one-line title. The rule id is the "rule" field of a finding (-o json) or the RULE column of the table.`;
  static override examples = [
    { description: 'List every rule', command: '<%= config.bin %> explain' },
    { description: 'Explain one rule', command: '<%= config.bin %> explain receiver-bound-to-loopback' },
    { description: 'The catalogue as JSON', command: '<%= config.bin %> explain -o json' },
  ];
  static override args = {
    rule: Args.string({ description: 'Rule id, e.g. receiver-bound-to-loopback (omit to list all rules).', required: false }),
  };
  static override flags = {
    output: Flags.string({ char: 'o', summary: 'Output format.', options: ['text', 'json'], default: 'text' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Explain);
    // The catalogue pulls in every rule module: load it only when this command really runs.
    const { RULES } = await import('../rules/index.ts');
    const width = Math.max(60, Math.min(process.stdout.columns || 100, 100));
    const list = () => {
      const w = Math.max(...RULES.map((r) => r.id.length));
      return RULES.map((r) => `  ${r.id.padEnd(w)}  ${r.severity.padEnd(7)}  ${r.title}`).join('\n');
    };
    const plain = (r: (typeof RULES)[number]) => ({ id: r.id, severity: r.severity, title: r.title, description: r.description, evidence: r.evidence, fix: r.fix, modes: r.modes });

    if (!args.rule) {
      if (flags.output === 'json') { process.stdout.write(`${JSON.stringify(RULES.map(plain), null, 2)}\n`); } else { process.stdout.write(`Rules (explain one with: ${this.config.bin} explain RULE):\n${list()}\n`); }
      return;
    }
    const rule = RULES.find((r) => r.id === args.rule);
    if (!rule) {
      process.stderr.write(`error: unknown rule ${JSON.stringify(args.rule)}. Known rules:\n${list()}\n`);
      this.exit(EXIT_USAGE);
    }
    if (flags.output === 'json') {
      process.stdout.write(`${JSON.stringify(plain(rule), null, 2)}\n`);
      return;
    }
    const evidence = rule.evidence.map((e) => `  - ${e}: ${EVIDENCE_TEXT[e] ?? e}`).join('\n');
    process.stdout.write(
      `${rule.id} (${rule.severity}): ${rule.title}\n\nWhat it means:\n${wrap(rule.description, width)}\n\nEvidence used:\n${evidence}\n\nFix:\n${wrap(rule.fix, width)}\n\nChecked by: ${rule.modes.join(', ')}\n`,
    );
  }
}
