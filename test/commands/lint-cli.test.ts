// `kubectl otel-doctor lint` as a user runs it: the real launcher, real pipes. Covers what only shows at
// the process boundary: stdin without `-`, a reader that closes the pipe early, where input errors are
// printed, an empty directory, -h and usage errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runClosedStdout, runFromSources } from '../helpers/run.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin', 'kubectl-otel_doctor');
const skip = !existsSync(join(ROOT, 'dist', 'commands', 'lint.js')) && 'needs the build (scripts/setup.sh)';

const COLLECTOR = `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:4317
exporters:
  debug: {}
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
`;
const BROKEN = 'a: [\n';

function fixtures(): { dir: string; collector: string; broken: string; empty: string } {
  const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-lint-cli-'));
  const collector = join(dir, 'collector.yaml');
  const broken = join(dir, 'broken.yaml');
  const empty = join(dir, 'empty');
  writeFileSync(collector, COLLECTOR);
  writeFileSync(broken, BROKEN);
  mkdirSync(empty);
  return { dir, collector, broken, empty };
}

function run(args: string[], input?: string) {
  // A pipe on stdin even without input: what CI runners and `cmd < /dev/null`-less scripts give a child.
  return spawnSync(BIN, args, { encoding: 'utf8', input: input ?? '', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
}

/** The CLI with its stdout pipe closed by the reader before the first write (`| true`). */
const runClosed = (args: string[]) => runClosedStdout(BIN, args, { NO_COLOR: '1' }, 60_000);

test('piped stdin is read without `-`, like `-`', { skip }, () => {
  const f = fixtures();
  try {
    const text = readFileSync(f.collector, 'utf8');
    const dash = run(['lint', '-', '-o', 'json'], text);
    const none = run(['lint', '-o', 'json'], text);
    assert.equal(dash.status, 0, dash.stderr);
    assert.equal(none.status, 0, none.stderr);
    assert.equal(none.stderr, '');
    const rules = (out: string) => (JSON.parse(out) as { findings: { rule: string }[] }).findings.map((x) => x.rule);
    assert.deepEqual(rules(none.stdout), ['receiver-bound-to-loopback']);
    assert.deepEqual(rules(none.stdout), rules(dash.stdout));
    // the table form too (oclif used to hand the whole file over as the PATH argument)
    const table = run(['lint'], text);
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /receiver-bound-to-loopback/);
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('a reader that closes stdout ends lint quietly with the exit code of the result', { skip }, async () => {
  const f = fixtures();
  try {
    for (const o of ['wide', 'table', 'json', 'sarif']) {
      const clean = await runClosed(['lint', f.collector, '-o', o]);
      assert.equal(clean.stderr, '', `-o ${o}`);
      assert.equal(clean.code, 0, `-o ${o}`);
      const failing = await runClosed(['lint', f.collector, '-o', o, '--fail-on', 'warning']);
      assert.equal(failing.stderr, '', `-o ${o}`);
      assert.equal(failing.code, 1, `-o ${o}`);
    }
    // input errors still reach stderr (it is open) and still decide the exit code
    const broken = await runClosed(['lint', f.collector, f.broken]);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /^error: .*broken\.yaml:2:1: invalid YAML/);
    assert.doesNotMatch(broken.stderr, /EPIPE|lint failed/);
    // every other writer too: help, explain, version, completion
    for (const args of [['lint', '--help'], ['lint', '-h'], ['explain', 'receiver-bound-to-loopback'], ['version'], ['completion', 'bash']]) {
      const r = await runClosed(args);
      assert.deepEqual([r.code, r.stderr], [0, ''], args.join(' '));
    }
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('an input error is printed once in table mode (stderr); json, sarif and junit still carry it', { skip }, () => {
  const f = fixtures();
  try {
    for (const o of ['table', 'wide']) {
      const r = run(['lint', f.collector, f.broken, '-o', o]);
      assert.equal(r.status, 2);
      assert.equal(r.stderr.match(/invalid YAML/g)?.length, 1, r.stderr);
      assert.doesNotMatch(r.stdout, /invalid YAML|input error/, r.stdout);
      // notes that are not input errors stay
      assert.match(r.stdout, /^note: some collector images name no version/m);
    }
    const json = JSON.parse(run(['lint', f.collector, f.broken, '-o', 'json']).stdout) as { notes: string[] };
    assert.ok(json.notes.some((n) => /^input error: .*broken\.yaml:2:1: invalid YAML/.test(n)), json.notes.join('\n'));
    const sarif = JSON.parse(run(['lint', f.collector, f.broken, '-o', 'sarif']).stdout) as { runs: { invocations: { toolExecutionNotifications: { message: { text: string } }[] }[] }[] };
    assert.match(sarif.runs[0]!.invocations[0]!.toolExecutionNotifications[0]!.message.text, /invalid YAML/);
    assert.match(run(['lint', f.collector, f.broken, '-o', 'junit']).stdout, /invalid YAML/);
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('nothing linted: no clean bill of health, exit 2', { skip }, () => {
  const f = fixtures();
  try {
    for (const args of [[f.empty], [f.broken], [join(f.dir, 'missing.yaml')]]) {
      for (const o of ['table', 'wide', 'markdown']) {
        const r = run(['lint', ...args, '-o', o]);
        assert.equal(r.status, 2, `${args} -o ${o}`);
        assert.equal(r.stdout, '', `${args} -o ${o}`);
        assert.match(r.stderr, /^error: /);
      }
    }
    const empty = run(['lint', f.empty]);
    assert.equal(empty.stderr, 'error: no *.yaml, *.yml or *.json files found\n');
    // machine formats still print a parseable document for the tools that read it
    assert.equal(JSON.parse(run(['lint', f.empty, '-o', 'json']).stdout).mode, 'lint');
    // a file of comments and separators only: nothing linted, not a clean bill of health
    const comments = join(f.dir, 'comments.yaml');
    writeFileSync(comments, '# rendered nothing\n---\n---\n');
    const c = run(['lint', comments]);
    assert.deepEqual([c.status, c.stdout, c.stderr], [2, '', 'error: no Kubernetes objects, collector configs or Helm values in the input\n']);
    // a document that is not for otel-doctor is skipped with a note, and does not hide the good one's findings
    const mixed = join(f.dir, 'mixed.yaml');
    writeFileSync(mixed, `${COLLECTOR}---\n- a list\n`);
    const m = run(['lint', mixed, '--fail-on', 'warning']);
    assert.equal(m.status, 1);
    assert.match(m.stdout, /receiver-bound-to-loopback/);
    assert.match(m.stderr, /^note: skipped .*mixed\.yaml:\d+: document 2: a list, not a map/);
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

// Through src/cli.ts (the bundle's start-up). The unbundled fallback (bin/run.js -> oclif's execute())
// reads -h from package.json and prints oclif's own errors for commands other than lint: see the report.
test('-h is help for every command; usage errors are one `error:` line', () => {
  for (const args of [['-h'], ['lint', '-h'], ['diagnose', '-h'], ['explain', '-h'], ['version', '-h'], ['completion', '-h']]) {
    const r = runFromSources(args);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /USAGE/, args.join(' '));
    assert.equal(r.stderr, '', args.join(' '));
  }
  const cases: [string[], RegExp][] = [
    [['lint', '--bogus'], /^error: Nonexistent flag: --bogus\nhint: see 'kubectl otel-doctor lint --help'\n$/],
    [['lint', '-o', 'xml'], /^error: Expected --output=xml to be one of: table, wide, json, yaml, markdown, sarif, junit\nhint: see 'kubectl otel-doctor lint --help'\n$/],
    [['diagnose', '--bogus'], /^error: Nonexistent flag: --bogus\nhint: see 'kubectl otel-doctor diagnose --help'\n$/],
    [['explain', '-o', 'xml'], /^error: Expected --output=xml to be one of: text, json\nhint: see 'kubectl otel-doctor explain --help'\n$/],
    [['bogus'], /^error: command bogus not found\nhint: see 'kubectl otel-doctor --help'\n$/],
  ];
  for (const [args, want] of cases) {
    const r = runFromSources(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, want, args.join(' '));
    assert.doesNotMatch(r.stderr, /›|Error:/);
    assert.equal(r.stdout, '');
  }
});

test('lint usage errors are one `error:` line from the installed launcher too', { skip }, () => {
  for (const [args, want] of [
    [['lint', '--bogus'], /^error: Nonexistent flag: --bogus\nhint: see 'kubectl otel-doctor lint --help'\n$/],
    [['lint', '-o', 'xml'], /^error: Expected --output=xml to be one of: .*\nhint: see 'kubectl otel-doctor lint --help'\n$/],
  ] as [string[], RegExp][]) {
    const r = run(args);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, want);
  }
});
