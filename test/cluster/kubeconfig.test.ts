import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { loadKubeconfig, mergeKubeconfigFiles } from '../../src/cluster/kubeconfig.ts';
import { KubeconfigError } from '../../src/errors.ts';

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

const A = `apiVersion: v1
kind: Config
clusters:
- name: shared
  cluster: {server: https://a.example:6443, certificate-authority: certs/ca-a.crt}
- name: only-a
  cluster: {server: https://only-a:6443, insecure-skip-tls-verify: true}
users:
- name: admin
  user: {token: token-a}
contexts:
- name: ctx
  context: {cluster: shared, user: admin, namespace: from-a}
current-context: ctx
`;
const B = `apiVersion: v1
kind: Config
clusters:
- name: shared
  cluster: {server: https://b.example:6443}
- name: only-b
  cluster: {server: https://only-b:6443}
users:
- name: admin
  user: {token: token-b}
- name: bob
  user: {client-certificate: ../bob.crt, client-key: bob.key}
contexts:
- name: ctx
  context: {cluster: shared, user: bob}
- name: ctx-b
  context: {cluster: only-b, user: bob}
current-context: ctx-b
`;
const C_NO_CURRENT = `apiVersion: v1
kind: Config
clusters:
- name: only-c
  cluster: {server: https://only-c:6443}
users: []
contexts:
- name: ctx-c
  context: {cluster: only-c, user: nobody}
`;

function setup(): { dir: string; a: string; b: string; c: string; missing: string } {
  const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-kc-'));
  mkdirSync(join(dir, 'one'));
  mkdirSync(join(dir, 'two'));
  const a = join(dir, 'one', 'a.yaml');
  const b = join(dir, 'two', 'b.yaml');
  const c = join(dir, 'c.yaml');
  writeFileSync(a, A);
  writeFileSync(b, B);
  writeFileSync(c, C_NO_CURRENT);
  return { dir, a, b, c, missing: join(dir, 'missing.yaml') };
}

interface KubectlView {
  clusters: { name: string; cluster: Record<string, unknown> }[] | null;
  users: { name: string; user: Record<string, unknown> }[] | null;
  contexts: { name: string; context: Record<string, unknown> }[] | null;
  'current-context': string;
}

function kubectl(env: Record<string, string>, args: string[]): string {
  return execFileSync('kubectl', args, { env: { PATH: process.env.PATH ?? '', HOME: env.HOME ?? '/nonexistent', ...env }, encoding: 'utf8' });
}

const PATH_KEYS = ['certificate-authority', 'client-certificate', 'client-key'];

/**
 * kubectl's `config view` prints file references as written; ours are resolved against the file that
 * held them, which kubectl does internally too. Compare by resolving kubectl's against the winning file.
 */
function assertSameAsKubectl(env: Record<string, string>, files: string[], ours: ReturnType<typeof loadKubeconfig>): void {
  const view = JSON.parse(kubectl(env, ['config', 'view', '--raw', '-o', 'json'])) as KubectlView;
  const current = kubectl(env, ['config', 'current-context']).trim();
  assert.equal(ours.config['current-context'], current, 'current-context');
  const origin = (kind: 'clusters' | 'users', name: string): string => {
    for (const f of files) {
      if (!existsSync(f)) { continue; }
      const text = readFileSync(f, 'utf8');
      if (new RegExp(`- name: ${name}\\n  ${kind === 'clusters' ? 'cluster' : 'user'}:`).test(text)) { return f; }
    }
    throw new Error(`no origin for ${name}`);
  };
  for (const kind of ['clusters', 'users', 'contexts'] as const) {
    const theirs = (view[kind] ?? []).map((e) => {
      const body = { ...((e as Record<string, unknown>)[kind.slice(0, -1)] as Record<string, unknown>) };
      if (kind !== 'contexts') {
        for (const k of PATH_KEYS) { if (typeof body[k] === 'string') { body[k] = resolve(dirname(origin(kind, e.name)), body[k] as string); } }
      }
      return { name: e.name, body };
    });
    const mine = ours.config[kind].map((e) => ({ name: e.name, body: (e as Record<string, unknown>)[kind.slice(0, -1)] }));
    const sort = <T extends { name: string }>(l: T[]): T[] => [...l].sort((x, y) => x.name.localeCompare(y.name));
    assert.deepEqual(sort(mine), sort(theirs), kind);
  }
}

test('KUBECONFIG list: first file wins per name and for current-context; a missing file is ignored (as kubectl)', { skip: !hasKubectl && 'kubectl not installed' }, () => {
  const f = setup();
  try {
    const files = [f.a, f.missing, f.b];
    const env = { KUBECONFIG: files.join(':'), HOME: f.dir };
    const ours = loadKubeconfig({ env, home: f.dir, serviceAccountDir: join(f.dir, 'none') });
    assert.equal(ours.context, 'ctx');
    assert.equal(ours.namespace, 'from-a');
    assert.equal(ours.config.clusters.find((c) => c.name === 'shared')?.cluster.server, 'https://a.example:6443');
    assert.equal(ours.config.clusters.find((c) => c.name === 'shared')?.cluster['certificate-authority'], join(f.dir, 'one', 'certs', 'ca-a.crt'));
    assert.equal(ours.config.users.find((u) => u.name === 'bob')?.user['client-certificate'], join(f.dir, 'bob.crt'));
    assert.deepEqual(ours.sources, [f.a, f.b]);
    assertSameAsKubectl(env, files, ours);
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('KUBECONFIG in the other order: the other file wins (as kubectl)', { skip: !hasKubectl && 'kubectl not installed' }, () => {
  const f = setup();
  try {
    const files = [f.b, f.a];
    const env = { KUBECONFIG: files.join(':'), HOME: f.dir };
    const ours = loadKubeconfig({ env, home: f.dir });
    assert.equal(ours.context, 'ctx-b');
    assert.equal(ours.namespace, 'default', 'a context without namespace falls back to default');
    assert.equal(ours.config.users.find((u) => u.name === 'admin')?.user.token, 'token-b');
    assertSameAsKubectl(env, files, ours);
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('current-context comes from the first file that sets one (as kubectl)', { skip: !hasKubectl && 'kubectl not installed' }, () => {
  const f = setup();
  try {
    const files = [f.c, f.b, f.a];
    const env = { KUBECONFIG: files.join(':'), HOME: f.dir };
    const ours = loadKubeconfig({ env, home: f.dir });
    assert.equal(ours.context, 'ctx-b');
    assertSameAsKubectl(env, files, ours);
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('--kubeconfig loads one file unmerged and --context overrides; namespace matches kubectl --minify', { skip: !hasKubectl && 'kubectl not installed' }, () => {
  const f = setup();
  try {
    const env = { KUBECONFIG: [f.a].join(':'), HOME: f.dir };
    const ours = loadKubeconfig({ env, kubeconfig: f.b, context: 'ctx' });
    assert.equal(ours.config.clusters.find((c) => c.name === 'shared')?.cluster.server, 'https://b.example:6443');
    assert.equal(ours.context, 'ctx');
    const theirs = JSON.parse(kubectl(env, ['--kubeconfig', f.b, '--context', 'ctx', 'config', 'view', '--minify', '--raw', '-o', 'json']));
    assert.equal(theirs.clusters[0].cluster.server, 'https://b.example:6443');
    assert.equal(theirs.contexts[0].context.namespace ?? 'default', ours.namespace);
    assert.equal(theirs.contexts[0].context.user, 'bob');
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('errors: missing --kubeconfig file, unknown context, nothing at all', () => {
  const f = setup();
  try {
    assert.throws(() => loadKubeconfig({ kubeconfig: f.missing, env: {} }), (e: unknown) => e instanceof KubeconfigError && /no such file/.test(e.message));
    assert.throws(() => loadKubeconfig({ env: { KUBECONFIG: f.a }, context: 'nope' }), (e: unknown) => e instanceof KubeconfigError && /context "nope" does not exist/.test(e.message));
    assert.throws(() => loadKubeconfig({ env: { KUBECONFIG: f.missing }, serviceAccountDir: join(f.dir, 'none') }), KubeconfigError);
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('in-cluster config when no kubeconfig exists', () => {
  const f = setup();
  try {
    const sa = join(f.dir, 'sa');
    mkdirSync(sa);
    writeFileSync(join(sa, 'token'), 'sa-token');
    writeFileSync(join(sa, 'namespace'), 'monitoring\n');
    writeFileSync(join(sa, 'ca.crt'), 'x');
    const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
    const ours = loadKubeconfig({ env, home: join(f.dir, 'nohome'), serviceAccountDir: sa });
    assert.equal(ours.inCluster, true);
    assert.equal(ours.namespace, 'monitoring');
    assert.equal(ours.config.clusters[0].cluster.server, 'https://10.96.0.1:443');
    assert.equal(ours.config.users[0].user.tokenFile, join(sa, 'token'));
    // An existing kubeconfig wins over the service account, as in kubectl.
    const withFile = loadKubeconfig({ env: { ...env, KUBECONFIG: f.a }, serviceAccountDir: sa });
    assert.equal(withFile.inCluster, false);
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('mergeKubeconfigFiles keeps first-wins semantics without kubectl', () => {
  const f = setup();
  try {
    const { config } = mergeKubeconfigFiles([f.b, f.a], false);
    assert.deepEqual(config.clusters.map((c) => c.name), ['shared', 'only-b', 'only-a']);
    assert.equal(config.clusters[0].cluster.server, 'https://b.example:6443');
    assert.equal(config['current-context'], 'ctx-b');
  } finally {
    rmSync(f.dir, { recursive: true, force: true });
  }
});
