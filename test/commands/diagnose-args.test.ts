// The parser that lets `diagnose` start without oclif (src/diagnose-args.ts) against oclif's own parse of
// the same Diagnose command: whatever it accepts, oclif accepts with exactly the same flags; where it is
// not certain it declines (oclif then decides). A fixed corpus covers every flag in every form, and a
// seeded random one mixes valid and invalid tokens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/cli.ts';
import Diagnose from '../../src/commands/diagnose.ts';
import { DIAGNOSE_FLAGS, normalizeArgv, parseDiagnoseArgv, type FlagSpec } from '../../src/diagnose-args.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const config = await loadConfig({ diagnose: Diagnose }, { name: 'otel-doctor', version: '0.0.0', oclif: { bin: 'kubectl otel-doctor', dirname: 'otel-doctor', topicSeparator: ' ' } }, ROOT);

/** oclif's reading of `diagnose <argv>`, as the command's init() and run() parse it: the flags, or the error. */
async function oclifParse(argv: string[]): Promise<{ flags?: Record<string, unknown>; error?: string }> {
  try {
    const cmd = new Diagnose(normalizeArgv(argv), config);
    const { flags } = await (cmd as unknown as { parse: (c: typeof Diagnose) => Promise<{ flags: Record<string, unknown> }> }).parse(Diagnose);
    return { flags: { ...flags } };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** Accepted only what oclif accepts, read the same; help flags (oclif's run() answers them before any parse) never. */
async function check(argv: string[]): Promise<boolean> {
  const fast = parseDiagnoseArgv(argv);
  if (fast === undefined) { return false; }
  const what = JSON.stringify(argv);
  assert.ok(!argv.includes('-h') && !argv.includes('--help'), `${what}: a help flag accepted`);
  const slow = await oclifParse(argv);
  assert.equal(slow.error, undefined, `${what}: accepted what oclif rejects`);
  assert.deepEqual(fast, slow.flags, what);
  return true;
}

test('the table uses only the spec keys the fast parser reads: a new kind of key (delimiter, env, ...) fails here first', () => {
  const KNOWN = new Set(['type', 'char', 'summary', 'description', 'helpValue', 'hidden', 'exclusive', 'default', 'allowNo', 'options', 'multiple', 'min', 'max']);
  for (const [name, spec] of Object.entries(DIAGNOSE_FLAGS as Record<string, FlagSpec>)) {
    for (const k of Object.keys(spec)) { assert.ok(KNOWN.has(k), `${name}.${k}: teach parseDiagnoseArgv this key (or have it decline) before using it`); }
  }
});

test('Diagnose.flags are the plain table, flag for flag', () => {
  const oclif = Diagnose.flags as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(oclif), Object.keys(DIAGNOSE_FLAGS));
  for (const [name, spec] of Object.entries(DIAGNOSE_FLAGS as Record<string, FlagSpec>)) {
    const f = oclif[name];
    assert.equal(f.type, spec.type === 'boolean' ? 'boolean' : 'option', name);
    for (const [k, v] of Object.entries(spec)) {
      if (k !== 'type') { assert.deepEqual(f[k], v, `${name}.${k}`); }
    }
  }
});

const VALID: string[][] = [
  [],
  ['-n', 'observability'], ['--namespace', 'ns'], ['--namespace=ns'],
  ['-A'], ['--all-namespaces'], ['-A', '-v', '-o', 'json'],
  ['--app-namespace', 'a'], ['--app-namespace', 'a', '--app-namespace=b'],
  ['-l', 'app=checkout,tier!=batch'], ['--selector', 'app in (a,b)'], ['--selector=a=b'],
  ['--collector', 'otel'], ['--collector=otel'],
  ...['table', 'wide', 'json', 'yaml', 'markdown'].flatMap((o) => [['-o', o], ['--output', o], [`--output=${o}`]]),
  ...['auto', 'always', 'never'].map((c) => ['--color', c]), ['--color=never'],
  ['--exec'], ['--no-exec'],
  ['--timeout', '2m'], ['--timeout=10s'], ['--timeout', 'nonsense'],
  ['--concurrency', '1'], ['--concurrency', '64'], ['--concurrency=16'], ['--concurrency', '008'],
  ['--max-pods-per-workload', '20'], ['--max-pods-per-workload=1'],
  ['--operator-version', '0.120.0'], ['--operator-version=v1.2.3'],
  ...['error', 'warning', 'never'].map((f) => ['--fail-on', f]), ['--fail-on=warning'],
  ['--config', '.otel-doctor.yaml'], ['--config=f'],
  ['--ignore', 'rule'], ['--ignore', 'rule=ns/*', '--ignore=other'],
  ['--debug-container'], ['--debug-container=alpine:3'], ['--debug-container', '-n', 'x'], ['-n', 'x', '--debug-container'],
  ['--kubeconfig', '/tmp/kc'], ['--kubeconfig=/tmp/kc'],
  ['--context', 'a'], ['--context', 'a', '--context', 'b'], ['--context=a', '--context=a'],
  ['--all-contexts'], ['--all-contexts', '--max-clusters', '2'],
  ['--max-clusters', '64'], ['--max-clusters=1'],
  ['--request-timeout', '5s'], ['--request-timeout=1m'],
  ['-v'], ['--verbose'],
  ['--save-snapshot', 's.json'], ['--save-snapshot=s.json'],
  ['-n', 'observability', '-l', 'app=x', '--no-exec', '-o', 'json', '--fail-on', 'never', '--kubeconfig', '/k', '--context', 'c', '-v'],
];

test('the common invocations are read without oclif, as oclif reads them', async () => {
  for (const argv of VALID) { assert.ok(await check(argv), `declined ${JSON.stringify(argv)}`); }
});

const DECLINED: string[][] = [
  ['-h'], ['--help'], ['-n', 'x', '-h'], ['--', '-h'],
  ['--bogus'], ['-x'], ['extra'], ['-n', 'a', 'b'], ['--context', 'a', 'b'], ['--'], ['-n', 'x', '--'],
  ['-o', 'bogus'], ['--output=bogus'], ['--color', 'yes'], ['--fail-on', 'info'],
  ['--concurrency', '0'], ['--concurrency', '65'], ['--concurrency', '-1'], ['--concurrency', '1.5'], ['--concurrency', 'x'],
  ['--max-pods-per-workload', '21'], ['--max-clusters', '0'],
  ['-A', '-n', 'x'], ['--namespace=x', '--all-namespaces'], ['--all-contexts', '--context', 'a'],
  ['-n', 'a', '-n', 'b'], ['-o', 'json', '--output', 'yaml'], ['-v', '-v'], ['--exec', '--no-exec'], ['--no-exec', '--no-exec'],
  ['-n'], ['--namespace'], ['--namespace='], ['-n', ''], ['-o'], ['--context'],
  ['-n', '-v'], ['-n', '--verbose'], ['-n', '-foo'], ['--selector', '-x'],
  ['-Av'], ['-nfoo'], ['-n=foo'], ['-ojson'],
  ['--verbose=true'], ['--exec=false'], ['--no-exec=true'], ['--no-verbose'], ['--no-namespace'],
  ['--debug-container', 'alpine'], ['--debug-container='],
  ['--json'], ['--version'], ['--constructor'], ['--__proto__'], ['--toString', 'x'], ['-'],
];

test('what oclif must decide is declined', async () => {
  for (const argv of DECLINED) {
    assert.equal(parseDiagnoseArgv(argv), undefined, JSON.stringify(argv));
  }
});

test('a random corpus of valid and invalid tokens: never accepted where oclif rejects, never read differently', async () => {
  const POOL = [
    '-n', 'ns', '--namespace', '--namespace=a', '-A', '--all-namespaces', '--app-namespace', '--app-namespace=b', '-l', 'app=x', '--selector=a!=b',
    '--collector', 'c', '-o', 'json', 'wide', '--output=yaml', 'bogus', '--color', 'never', '--color=always', '--exec', '--no-exec', '--no-verbose',
    '--timeout', '10s', '--concurrency', '0', '1', '64', '65', '8x', '--concurrency=3', '--max-pods-per-workload', '20', '--operator-version', '0.1.0',
    '--fail-on', 'warning', 'error', '--config', '--ignore', 'r=ns/x', '--debug-container', '--debug-container=alpine', '--kubeconfig', '/k',
    '--context', 'c1', '--context=c2', '--all-contexts', '--max-clusters', '2', '--request-timeout', '5s', '-v', '--verbose', '--save-snapshot',
    '--', '-', '-Av', '-nfoo', '-n=foo', '--bogus', '', '-h', '--help', '--namespace=', '-1', '--json', '--exec=true',
    // integer and option spellings oclif reads its own way
    '08', '+5', '1e1', '0x10', '5.0', ' 5', 'JSON', '--concurrency=08', '--concurrency=+5', '--output=JSON',
  ];
  // flag-value pairs as well as loose tokens, so that accepted argv of several flags are common
  const PAIRS: string[][] = [
    ['-n', 'ns'], ['--namespace', 'b'], ['-A'], ['--app-namespace', 'x'], ['-l', 'app=x'], ['--collector', 'c'], ['-o', 'json'], ['-o', 'wide'],
    ['--color', 'never'], ['--no-exec'], ['--exec'], ['--timeout', '1m'], ['--concurrency', '08'], ['--concurrency', '64'], ['--concurrency', '65'],
    ['--max-pods-per-workload', '3'], ['--fail-on', 'never'], ['--ignore', 'r'], ['--ignore=r2=ns/*'], ['--debug-container'], ['--context', 'c'],
    ['--all-contexts'], ['--max-clusters', '1'], ['--request-timeout', '2s'], ['-v'], ['--kubeconfig', '/k'], ['--operator-version', '0.120.0'],
  ];
  // mulberry32: the same corpus on every run
  let seed = 13;
  const rand = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const accepted = new Set<string>();
  const N = 4000;
  for (let i = 0; i < N; i++) {
    const argv: string[] = [];
    for (let k = 1 + Math.floor(rand() * 5); k > 0; k--) {
      argv.push(...(rand() < 0.75 ? PAIRS[Math.floor(rand() * PAIRS.length)] : [POOL[Math.floor(rand() * POOL.length)]]));
    }
    if (await check(argv) && argv.length >= 3) { accepted.add(JSON.stringify(argv)); }
  }
  // the corpus must exercise acceptance of several flags at once, not only declines and lone flags
  console.log(`# ${accepted.size} distinct argv of 3+ tokens accepted`);
  assert.ok(accepted.size >= 400, `only ${accepted.size} distinct argv of three tokens or more accepted`);
});
