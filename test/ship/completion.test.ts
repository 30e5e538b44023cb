// Shell completion: cobra's __complete protocol as kubectl (>= 1.26) speaks it with plugins, the scripts
// for bash/zsh/fish, and the kubectl_complete-otel_doctor executable driven by the real kubectl.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { completeArgs, completionScript, DIRECTIVE } from '../../src/commands/completion.ts';
import Diagnose from '../../src/commands/diagnose.ts';
import Explain from '../../src/commands/explain.ts';
import Completion from '../../src/commands/completion.ts';
import Version from '../../src/commands/version.ts';
import { RULES } from '../../src/rules/index.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'bin');
const COMMANDS = { completion: Completion, diagnose: Diagnose, explain: Explain, version: Version } as unknown as Parameters<typeof completeArgs>[0];
const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

function parse(out: string): { values: string[]; directive: number } {
  const lines = out.trimEnd().split('\n');
  const last = lines.pop()!;
  assert.match(last, /^:\d+$/, `last line must be the directive: ${JSON.stringify(out)}`);
  return { values: lines.map((l) => l.split('\t')[0]), directive: Number(last.slice(1)) };
}
const complete = async (args: string[], kubectl?: (a: string[]) => Promise<string>) => parse(await completeArgs(COMMANDS, args, { kubectl }));

test('commands, flags, flag values and rule ids', async () => {
  assert.deepEqual((await complete([''])).values, ['completion', 'diagnose', 'explain', 'version']);
  assert.deepEqual((await complete(['ex'])).values, ['explain']);
  const flags = await complete(['diagnose', '--']);
  for (const f of ['--namespace', '--all-namespaces', '--output', '--exec', '--no-exec', '--fail-on', '--kubeconfig', '--context', '--help']) { assert.ok(flags.values.includes(f), f); }
  assert.ok(!flags.values.includes('--save-snapshot'), 'hidden flags stay hidden');
  assert.equal(flags.directive, DIRECTIVE.noFileComp);
  assert.deepEqual((await complete(['diagnose', '-o', ''])).values, ['table', 'wide', 'json', 'yaml', 'markdown']);
  assert.deepEqual((await complete(['diagnose', '--output', 'y'])).values, ['yaml']);
  assert.deepEqual((await complete(['diagnose', '--fail-on=w'])).values, ['--fail-on=warning']);
  // a flag already given is not offered again; repeatable ones are
  const again = await complete(['diagnose', '--fail-on', 'never', '--']);
  assert.ok(!again.values.includes('--fail-on'));
  assert.ok((await complete(['diagnose', '--app-namespace', 'a', '--'])).values.includes('--app-namespace'));
  assert.deepEqual((await complete(['explain', ''])).values, RULES.map((r) => r.id));
  assert.deepEqual((await complete(['explain', 'service-'])).values, RULES.map((r) => r.id).filter((id) => id.startsWith('service-')));
  assert.deepEqual((await complete(['explain', 'service-missing', ''])).values, [], 'explain takes one rule');
  assert.deepEqual((await complete(['completion', ''])).values, ['bash', 'zsh', 'fish']);
  assert.equal((await complete(['nope', ''])).directive, DIRECTIVE.error);
  // file flags fall back to the shell's file completion
  assert.equal((await complete(['diagnose', '--kubeconfig', ''])).directive, 0);
});

test('namespaces come from kubectl with the same --kubeconfig/--context; hostile names are dropped', async () => {
  const calls: string[][] = [];
  const fake = async (a: string[]) => { calls.push(a); return JSON.stringify({ items: ['default', 'observability', '\x1b[31mevil', 'kube-system', 7].map((name) => ({ metadata: { name } })) }); };
  const r = await complete(['diagnose', '--kubeconfig', '/k', '--context=c1', '-n', 'o'], fake);
  assert.deepEqual(r.values, ['observability']);
  assert.deepEqual(calls[0].slice(0, 3), ['--kubeconfig', '/k', '--context=c1']);
  assert.ok(calls[0].includes('/api/v1/namespaces?limit=500'));
  assert.deepEqual((await complete(['diagnose', '--app-namespace', ''], fake)).values, ['default', 'observability', 'kube-system']);
  // kubectl failing (no cluster) is no completion, not an error
  assert.deepEqual((await complete(['diagnose', '-n', ''], async () => '')).values, []);
});

test('completion scripts are valid for their shell', { skip: spawnSync('bash', ['--version']).status !== 0 && 'no bash' }, () => {
  for (const shell of ['bash', 'zsh', 'fish'] as const) { assert.ok(completionScript(shell).includes('__complete')); }
  const r = spawnSync('bash', ['-n'], { input: completionScript('bash'), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  if (spawnSync('zsh', ['--version']).status === 0) { assert.equal(spawnSync('zsh', ['-n'], { input: completionScript('zsh') }).status, 0); }
  if (spawnSync('fish', ['--version']).status === 0) { assert.equal(spawnSync('fish', ['-n'], { input: completionScript('fish') }).status, 0); }
});

test('bash: the script drives the plugin and fills COMPREPLY', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-compl-'));
  try {
    const gen = spawnSync(join(BIN, 'kubectl-otel_doctor'), ['completion', 'bash'], { encoding: 'utf8' });
    assert.equal(gen.status, 0, gen.stderr);
    writeFileSync(join(dir, 'c.bash'), gen.stdout);
    const script = `source ${JSON.stringify(join(dir, 'c.bash'))}; COMP_WORDS=(kubectl-otel_doctor diagnose --fail-on w); COMP_CWORD=3; _kubectl_otel_doctor; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', env: { ...process.env, PATH: `${BIN}:${process.env.PATH}` } });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['warning']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('kubectl calls kubectl_complete-otel_doctor: commands, rule ids and namespaces from the cluster', { skip: !hasKubectl && 'kubectl not installed' }, async () => {
  // A loopback API server that only lists namespaces: the completion must really ask the cluster.
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/api/v1/namespaces')) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: {}, items: ['default', 'observability', 'shop'].map((name) => ({ metadata: { name } })) }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-compl-'));
  const kc = join(dir, 'kubeconfig');
  writeFileSync(kc, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "http://127.0.0.1:${port}"}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n`);
  const kubectl = (args: string[]) =>
    new Promise<string>((res, rej) => {
      // async: the API server lives in this process
      const c = spawn('kubectl', ['__complete', 'otel-doctor', ...args], { env: { ...process.env, KUBECONFIG: kc, PATH: `${BIN}:${process.env.PATH}` } });
      let out = '';
      c.stdout.on('data', (d) => { out += d; });
      c.on('error', rej);
      c.on('close', () => res(out));
    });
  try {
    assert.deepEqual(parse(await kubectl(['d'])).values, ['diagnose']);
    assert.deepEqual(parse(await kubectl(['explain', 'receiver-bound'])).values, ['receiver-bound-to-loopback', 'receiver-bound-to-pod-ip']);
    const ns = parse(await kubectl(['diagnose', '-n', '']));
    assert.deepEqual(ns.values, ['default', 'observability', 'shop']);
    assert.equal(ns.directive, DIRECTIVE.noFileComp);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('__complete answers the same from the bundle and from the tsc build', () => {
  const bin = join(BIN, 'kubectl-otel_doctor');
  for (const args of [[''], ['diagnose', '--f'], ['explain', 'app-']]) {
    const bundled = spawnSync(bin, ['__complete', ...args], { encoding: 'utf8' });
    const unbundled = spawnSync(bin, ['__complete', ...args], { encoding: 'utf8', env: { ...process.env, OTEL_DOCTOR_NO_BUNDLE: '1' } });
    assert.equal(bundled.status, 0, bundled.stderr);
    assert.equal(unbundled.status, 0, unbundled.stderr);
    assert.equal(bundled.stdout, unbundled.stdout, args.join(' '));
    assert.match(bundled.stdout, /\n:\d+\n$/);
  }
});
