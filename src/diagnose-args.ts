/**
 * `diagnose`'s flags as plain data, and a parser for them that does not load oclif. src/commands/diagnose.ts
 * builds its oclif Flags from this table, so the two cannot drift apart; dist/bundle/diagnose.js
 * (src/diagnose-fast.ts) parses the common invocations here and skips oclif's start-up (issue 13).
 *
 * The parser reads only what it is certain to read exactly as oclif's (lib/parser/parse.js, validate.js,
 * flags.js of @oclif/core 5) and declines (undefined) everything else: the CLI then starts as always and
 * oclif parses, answers help and prints its own errors. test/commands/diagnose-args.test.ts holds it to
 * oclif's Diagnose.parse over a corpus of argv. Also here: the checks of flag values that lint and fix
 * share (durations, versions, --fail-on), light enough for every command's start-up.
 */

import { EXIT_FINDINGS, EXIT_OK, UsageError } from './errors.ts';

export const DEFAULT_DEBUG_IMAGE = 'busybox:1.36';

interface Common {
  char?: string;
  summary: string;
  description?: string;
  helpValue?: string;
  hidden?: boolean;
  exclusive?: readonly string[];
}
export type FlagSpec =
  | (Common & { type: 'boolean'; default?: boolean; allowNo?: boolean })
  | (Common & { type: 'string'; default?: string; options?: readonly string[]; multiple?: boolean })
  | (Common & { type: 'integer'; default: number; min: number; max: number });

export const DIAGNOSE_FLAGS = {
  namespace: { type: 'string', char: 'n', summary: "Namespace to look for collectors in (default: the kubeconfig context's namespace)." },
  'all-namespaces': { type: 'boolean', char: 'A', summary: 'Look for collectors in every namespace.', exclusive: ['namespace'] },
  'app-namespace': { type: 'string', summary: 'Also look for apps in this namespace (repeatable; needed when you cannot list pods cluster-wide).', multiple: true },
  selector: { type: 'string', char: 'l', summary: 'Only apps whose pods match this label selector (e.g. app=checkout,tier!=batch).' },
  collector: { type: 'string', summary: 'Only the collector with this name (workload, pod or OpenTelemetryCollector).' },
  output: { type: 'string', char: 'o', summary: 'Output format.', options: ['table', 'wide', 'json', 'yaml', 'markdown'], default: 'table' },
  color: { type: 'string', summary: 'Colour the table and wide output: auto (a terminal and no NO_COLOR), always, never.', options: ['auto', 'always', 'never'], default: 'auto' },
  exec: { type: 'boolean', summary: 'Run socket checks and connectivity probes in pods (exec). --no-exec uses configuration, API and logs only.', default: true, allowNo: true },
  timeout: { type: 'string', summary: 'Deadline for the whole diagnosis (e.g. 30s, 2m).', default: '30s' },
  concurrency: { type: 'integer', summary: 'How many exec and log calls run at once.', default: 8, min: 1, max: 64 },
  'max-pods-per-workload': { type: 'integer', summary: 'How many pods of each app workload probe the collector.', default: 1, min: 1, max: 20 },
  'operator-version': { type: 'string', summary: "OpenTelemetry operator release to judge for, instead of reading its Deployment's image (needs list on deployments; unknown: the current release, said in a note).", helpValue: 'X.Y.Z' },
  'fail-on': { type: 'string', summary: 'Exit 1 when a finding has at least this severity.', options: ['error', 'warning', 'never'], default: 'error' },
  config: { type: 'string', summary: 'Config file (.otel-doctor.yaml format): rules to disable, severity overrides, ignores by rule and subject.', helpValue: 'FILE' },
  ignore: { type: 'string', summary: "Suppress a rule's findings, everywhere or on NAMESPACE/NAME (a glob); repeatable. Suppressed findings are listed by -o wide and json, and never fail the run.", helpValue: 'RULE[=NAMESPACE/NAME]', multiple: true },
  'debug-container': {
    type: 'string',
    summary: `Add an ephemeral debug container (default image ${DEFAULT_DEBUG_IMAGE}) to collector pods that have no tools.`,
    description:
      'Only used when no container of a collector pod can list its sockets. WARNING: an ephemeral container can never be removed from a pod: it stays (stopped) in the pod spec until the pod is deleted. Needs patch on pods/ephemeralcontainers. Without this flag the diagnosis never changes anything.',
    helpValue: 'IMAGE',
  },
  kubeconfig: { type: 'string', summary: 'Path to the kubeconfig file (only this file; KUBECONFIG is ignored).' },
  context: { type: 'string', summary: 'The kubeconfig context to use; repeat it to diagnose several clusters in one report.', multiple: true },
  'all-contexts': { type: 'boolean', summary: 'Diagnose every context of the kubeconfig (KUBECONFIG merged as kubectl merges it), in one report.', exclusive: ['context'] },
  'max-clusters': { type: 'integer', summary: 'With several contexts: how many clusters are diagnosed at once.', default: 4, min: 1, max: 64 },
  'request-timeout': { type: 'string', summary: 'Deadline of one API request, retries included (e.g. 10s).', default: '20s' },
  verbose: { type: 'boolean', char: 'v', summary: 'Print API requests and error details to stderr.' },
  'save-snapshot': { type: 'string', summary: 'Also write the gathered evidence (the Snapshot) as JSON to this file.', hidden: true, helpValue: 'FILE' },
} as const satisfies Record<string, FlagSpec>;

/** The flags as oclif's parse returns them (absent keys: not given and no default). */
export interface DiagnoseFlags {
  namespace?: string;
  'all-namespaces'?: boolean;
  'app-namespace'?: string[];
  selector?: string;
  collector?: string;
  output: string;
  color: string;
  exec: boolean;
  timeout: string;
  concurrency: number;
  'max-pods-per-workload': number;
  'operator-version'?: string;
  'fail-on': string;
  config?: string;
  ignore?: string[];
  'debug-container'?: string;
  kubeconfig?: string;
  context?: string[];
  'all-contexts'?: boolean;
  'max-clusters': number;
  'request-timeout': string;
  verbose?: boolean;
  'save-snapshot'?: string;
}

/** `--debug-container` takes an optional value, which oclif cannot express: give the bare form its default. */
export function normalizeArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    out.push(a === '--debug-container' ? `--debug-container=${DEFAULT_DEBUG_IMAGE}` : a);
  }
  return out;
}

const SPECS: Record<string, FlagSpec> = DIAGNOSE_FLAGS;
const BY_CHAR = new Map(Object.entries(SPECS).flatMap(([name, s]) => (s.char ? [[s.char, name] as const] : [])));

/**
 * The flags of `diagnose <argv>` (argv after the command id, before normalizeArgv), or undefined where oclif
 * must decide: help flags, unknown flags, bad or missing values, a non-multiple flag given twice, exclusive
 * flags together, arguments, `--`, `-abc` bundles and `-nVALUE`, and values that start with `-` (oclif takes
 * some of those as values and others as flags).
 */
export function parseDiagnoseArgv(argv: readonly string[]): DiagnoseFlags | undefined {
  const given = new Map<string, boolean | number | string | string[]>();
  const args = normalizeArgv(argv);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    let name: string | undefined;
    let value: string | undefined;
    let negated = false;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const key = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (eq >= 0) { value = a.slice(eq + 1); }
      if (Object.hasOwn(SPECS, key)) {
        name = key;
      } else if (key.startsWith('no-') && eq < 0) {
        const s = Object.hasOwn(SPECS, key.slice(3)) ? SPECS[key.slice(3)] : undefined;
        if (s?.type === 'boolean' && s.allowNo) {
          name = key.slice(3);
          negated = true;
        }
      }
    } else if (/^-[A-Za-z]$/.test(a)) {
      name = BY_CHAR.get(a[1]);
    }
    if (name === undefined || given.has(name) && !(SPECS[name].type === 'string' && (SPECS[name] as { multiple?: boolean }).multiple)) { return undefined; }
    const spec = SPECS[name];
    if (spec.type === 'boolean') {
      if (value !== undefined) { return undefined; }
      given.set(name, !negated);
      continue;
    }
    if (value === undefined) { value = args[++i]; }
    if (value === undefined || value === '' || value.startsWith('-')) { return undefined; }
    if (spec.type === 'integer') {
      if (!/^\d+$/.test(value)) { return undefined; }
      const n = Number.parseInt(value, 10);
      if (n < spec.min || n > spec.max) { return undefined; }
      given.set(name, n);
    } else {
      if (spec.options && !spec.options.includes(value)) { return undefined; }
      if (spec.multiple) {
        given.set(name, [...((given.get(name) as string[] | undefined) ?? []), value]);
      } else {
        given.set(name, value);
      }
    }
  }
  const flags: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(SPECS)) {
    if (spec.exclusive?.some((other) => given.has(other)) && given.has(name)) { return undefined; }
    const v = given.get(name) ?? spec.default;
    if (v !== undefined) { flags[name] = v; }
  }
  return flags as unknown as DiagnoseFlags;
}

/** Go/kubectl durations: `30s`, `1m30s`, `500ms`, `2m`; a bare number is seconds. Returns milliseconds. */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) { return Math.round(Number(t) * 1000); }
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== t.length) { throw new UsageError(`invalid duration ${JSON.stringify(text)}: use e.g. 30s, 1m30s, 500ms`); }
  return Math.round(total);
}

export type FailOn = 'error' | 'warning' | 'never';

/** A release flag (`--collector-version`, `--operator-version`): X.Y.Z, a leading v allowed. */
export function checkVersionFlag(flag: string, value: string | undefined, example: string): void {
  if (value !== undefined && !/^v?\d+\.\d+\.\d+$/.test(value)) { throw new UsageError(`invalid --${flag} ${JSON.stringify(value)}: use X.Y.Z, e.g. ${example}`); }
}

/** 0 nothing at or above --fail-on; 1 findings at or above it. */
export function exitCodeFor(summary: { errors: number; warnings: number }, failOn: FailOn): number {
  if (failOn === 'never') { return EXIT_OK; }
  if (summary.errors > 0) { return EXIT_FINDINGS; }
  if (failOn === 'warning' && summary.warnings > 0) { return EXIT_FINDINGS; }
  return EXIT_OK;
}
