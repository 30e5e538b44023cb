import { Args, Command } from '@oclif/core';
import { execFile } from 'node:child_process';
import { EXIT_USAGE } from '../errors.ts';

/**
 * Cobra's completion protocol, which kubectl speaks with plugins (kubectl >= 1.26 runs
 * `kubectl_complete-otel_doctor ARGS... TOCOMPLETE` and reads its stdout): one candidate per line,
 * optionally `candidate<TAB>description`, then a last line `:<directive>` (a bit set).
 */
export const DIRECTIVE = { error: 1, noSpace: 2, noFileComp: 4, filterFileExt: 8, filterDirs: 16, keepOrder: 32 } as const;

interface FlagLike {
  type: 'boolean' | 'option';
  char?: string;
  options?: readonly string[];
  multiple?: boolean;
  hidden?: boolean;
  summary?: string;
  description?: string;
  allowNo?: boolean;
}
interface CommandLike {
  hidden?: boolean;
  summary?: string;
  description?: string;
  flags?: Record<string, FlagLike>;
}

const NAMESPACE_FLAGS = new Set(['namespace', 'app-namespace']);
const FILE_FLAGS = new Set(['kubeconfig', 'save-snapshot', 'file', 'filename']);
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// context names come from a user's kubeconfig; still keep control characters out of the terminal.
const SAFE_NAME = /^[\x21-\x7e]{1,253}$/;

export interface CompleteOptions {
  descriptions?: boolean;
  /** Lists namespaces or contexts; default asks kubectl (argv array, 2 s deadline). Tests inject their own. */
  kubectl?: (args: string[]) => Promise<string>;
}

function firstLine(s: string | undefined): string {
  return (s ?? '').split('\n')[0].replace(/\t/g, ' ').trim();
}

function runKubectl(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { timeout: 2000, maxBuffer: 4 << 20, env: process.env }, (err, stdout) => resolve(err ? '' : stdout));
  });
}

/** `--kubeconfig X` / `--context X` already typed: the namespace list must come from the same cluster. */
function kubectlScope(words: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    for (const f of ['kubeconfig', 'context']) {
      if (words[i] === `--${f}` && words[i + 1] !== undefined) { out.push(`--${f}`, words[i + 1]); } else if (words[i].startsWith(`--${f}=`)) { out.push(words[i]); }
    }
  }
  return out;
}

async function flagValues(cmdName: string, flagName: string, flag: FlagLike, words: string[], opts: CompleteOptions): Promise<{ values: string[]; directive: number }> {
  if (flag.options?.length) { return { values: [...flag.options], directive: DIRECTIVE.noFileComp }; }
  if (FILE_FLAGS.has(flagName)) { return { values: [], directive: 0 }; }
  const kubectl = opts.kubectl ?? runKubectl;
  if (NAMESPACE_FLAGS.has(flagName)) {
    // `get --raw` is one request: `get namespaces` would first run API discovery (two or more).
    const out = await kubectl([...kubectlScope(words), 'get', '--raw', '/api/v1/namespaces?limit=500', '--request-timeout=2s']);
    let names: string[] = [];
    try {
      const list = JSON.parse(out) as { items?: Array<{ metadata?: { name?: unknown } }> };
      names = (list.items ?? []).map((i) => i.metadata?.name).filter((n): n is string => typeof n === 'string' && DNS_LABEL.test(n));
    } catch {
      // not a list (no cluster, no permission): no candidates
    }
    return { values: names, directive: DIRECTIVE.noFileComp };
  }
  if (flagName === 'context') {
    const out = await kubectl([...kubectlScope(words).filter((w, i, a) => w.startsWith('--kubeconfig') || a[i - 1] === '--kubeconfig'), 'config', 'get-contexts', '-o', 'name']);
    return { values: out.split('\n').map((s) => s.trim()).filter((n) => SAFE_NAME.test(n)), directive: DIRECTIVE.noFileComp };
  }
  void cmdName;
  return { values: [], directive: DIRECTIVE.noFileComp };
}

async function positionalValues(cmdName: string): Promise<{ values: Array<[string, string]>; directive: number }> {
  if (cmdName === 'explain') {
    const { RULES } = await import('../rules/index.ts');
    return { values: RULES.map((r) => [r.id, r.title]), directive: DIRECTIVE.noFileComp };
  }
  if (cmdName === 'completion') { return { values: SHELLS.map((s) => [s, `completion script for ${s}`]), directive: DIRECTIVE.noFileComp }; }
  return { values: [], directive: DIRECTIVE.noFileComp };
}

/**
 * The completions for `kubectl otel-doctor WORDS... TOCOMPLETE` in cobra's output format. `args` is what
 * kubectl passes: the words after the plugin name, the last one being the word under the cursor.
 */
export async function completeArgs(commands: Record<string, CommandLike>, args: string[], opts: CompleteOptions = {}): Promise<string> {
  const words = args.slice(0, -1);
  const toComplete = args.at(-1) ?? '';
  const show = (list: Array<[string, string]>, directive: number) => {
    const lines = list.filter(([v]) => v.startsWith(toComplete)).map(([v, d]) => (opts.descriptions !== false && d ? `${v}\t${d}` : v));
    return `${lines.map((l) => `${l}\n`).join('')}:${directive}\n`;
  };
  const cmdName = words.find((w) => !w.startsWith('-'));
  const cmd = cmdName ? commands[cmdName] : undefined;
  if (!cmdName) {
    if (toComplete.startsWith('-')) { return show([['--help', 'Show help'], ['--version', 'Show the version']], DIRECTIVE.noFileComp); }
    return show(
      Object.entries(commands)
        .filter(([, c]) => !c.hidden)
        .map(([id, c]) => [id, firstLine(c.summary ?? c.description)]),
      DIRECTIVE.noFileComp,
    );
  }
  if (!cmd) { return `:${DIRECTIVE.error}\n`; }
  const flags = Object.entries(cmd.flags ?? {}).filter(([, f]) => !f.hidden);
  const byLong = new Map(flags.map(([n, f]) => [`--${n}`, [n, f] as const]));
  const byShort = new Map(flags.filter(([, f]) => f.char).map(([n, f]) => [`-${f.char}`, [n, f] as const]));
  const lookup = (w: string) => byLong.get(w) ?? byShort.get(w);

  // The value of a flag given as --flag=VALUE
  const eq = toComplete.match(/^(--[a-z0-9-]+)=(.*)$/);
  if (eq) {
    const hit = lookup(eq[1]);
    if (!hit || hit[1].type !== 'option') { return `:${DIRECTIVE.noFileComp}\n`; }
    const { values, directive } = await flagValues(cmdName, hit[0], hit[1], words, opts);
    return show(values.map((v) => [`${eq[1]}=${v}`, '']), directive);
  }
  // The value of a flag given as --flag VALUE / -n VALUE
  const prev = words.at(-1);
  const prevHit = prev !== undefined && prev !== cmdName ? lookup(prev) : undefined;
  if (prevHit && prevHit[1].type === 'option') {
    const { values, directive } = await flagValues(cmdName, prevHit[0], prevHit[1], words, opts);
    return show(values.map((v) => [v, '']), directive);
  }
  if (toComplete.startsWith('-')) {
    const given = new Set(words.flatMap((w) => { const h = lookup(w.split('=')[0]); return h ? [h[0]] : []; }));
    const list: Array<[string, string]> = [];
    for (const [n, f] of flags) {
      if (given.has(n) && !f.multiple) { continue; }
      const text = firstLine(f.summary ?? f.description);
      list.push([`--${n}`, text]);
      if (f.type === 'boolean' && f.allowNo) { list.push([`--no-${n}`, text]); }
    }
    if (toComplete.length === 2 || !toComplete.startsWith('--')) { for (const [n, f] of flags) { if (f.char && (!given.has(n) || f.multiple)) { list.push([`-${f.char}`, firstLine(f.summary ?? f.description)]); } } }
    list.push(['--help', 'Show help']);
    return show(list, DIRECTIVE.noFileComp);
  }
  const { values, directive } = await positionalValues(cmdName);
  // one positional argument at most for the commands that take one
  const positionals = words.filter((w, i) => !w.startsWith('-') && i > words.indexOf(cmdName) && !(lookup(words[i - 1] ?? '')?.[1].type === 'option'));
  return show(positionals.length ? [] : values, directive);
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const;

/**
 * Scripts for completing `kubectl-otel_doctor ...` typed directly. `kubectl otel-doctor ...` is completed
 * by kubectl itself through the kubectl_complete-otel_doctor executable; both end in `__complete`.
 */
export function completionScript(shell: (typeof SHELLS)[number], prog = 'kubectl-otel_doctor'): string {
  const fn = `_${prog.replace(/[^A-Za-z0-9_]/g, '_')}`;
  if (shell === 'bash') {
    return `# bash completion for ${prog}; load with: source <(${prog} completion bash)
${fn}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} out directive line
  local -a words=("\${COMP_WORDS[@]:1:COMP_CWORD-1}")
  out=$("${prog}" __completeNoDesc "\${words[@]}" "$cur" 2>/dev/null) || return
  directive=\${out##*:}
  out=\${out%:*}
  COMPREPLY=()
  while IFS= read -r line; do [ -n "$line" ] && COMPREPLY+=("$line"); done <<< "$out"
  if [ $((directive & 1)) -ne 0 ]; then COMPREPLY=(); return; fi
  if [ $((directive & 4)) -eq 0 ] && [ \${#COMPREPLY[@]} -eq 0 ]; then
    compopt -o default 2>/dev/null
  fi
  if [ $((directive & 2)) -ne 0 ]; then compopt -o nospace 2>/dev/null; fi
}
complete -F ${fn} ${prog}
`;
  }
  if (shell === 'zsh') {
    return `#compdef ${prog}
# zsh completion for ${prog}; load with: source <(${prog} completion zsh)
${fn}() {
  local -a comps
  local out directive line
  out=$("${prog}" __complete "\${(@)words[2,CURRENT-1]}" "\${words[CURRENT]}" 2>/dev/null) || return 1
  directive=\${out##*:}
  out=\${out%:*}
  for line in "\${(@f)out}"; do
    [[ -n $line ]] || continue
    comps+=("\${line//:/\\\\:}")
  done
  comps=("\${(@)comps//$'\\t'/:}")
  if (( directive & 1 )); then return 1; fi
  if (( \${#comps} )); then
    _describe -t values 'completions' comps
  elif (( ! (directive & 4) )); then
    _files
  fi
}
compdef ${fn} ${prog}
`;
  }
  return `# fish completion for ${prog}; load with: ${prog} completion fish | source
function __${fn}_complete
  set -l args (commandline -opc)[2..-1]
  set -l out ("${prog}" __complete $args (commandline -ct) 2>/dev/null)
  set -l directive (string replace -r '^:' '' -- $out[-1])
  if test (math "$directive % 2") -eq 1
    return
  end
  printf '%s\\n' $out[1..-2]
end
complete -c ${prog} -f -a '(__${fn}_complete)'
`;
}

export default class Completion extends Command {
  static override summary = 'Print a shell completion script (bash, zsh or fish).';
  static override description = `Prints a script that completes commands, flags, namespaces and rule ids when you type kubectl-otel_doctor directly.

For "kubectl otel-doctor <TAB>" (kubectl >= 1.26), kubectl asks the executable kubectl_complete-otel_doctor on your PATH instead; it ships next to kubectl-otel_doctor in every release archive. Installed with krew, link it into krew's bin directory:
  ln -s "$(dirname "$(readlink -f "$(command -v kubectl-otel_doctor)")")/kubectl_complete-otel_doctor" "\${KREW_ROOT:-$HOME/.krew}/bin/"`;
  static override examples = [
    { description: 'bash: enable for this shell', command: 'source <(<%= config.bin %> completion bash)' },
    { description: 'zsh: enable for this shell', command: 'source <(<%= config.bin %> completion zsh)' },
    { description: 'fish: enable for this shell', command: '<%= config.bin %> completion fish | source' },
  ];
  static override args = {
    shell: Args.string({ description: 'The shell: bash, zsh or fish.', required: true, options: [...SHELLS] }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(Completion);
    if (!(SHELLS as readonly string[]).includes(args.shell)) { this.exit(EXIT_USAGE); }
    process.stdout.write(completionScript(args.shell as (typeof SHELLS)[number]));
  }
}
