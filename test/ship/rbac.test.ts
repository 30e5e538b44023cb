// deploy/rbac.yaml is exactly what a full diagnosis needs: a user bound to the otel-doctor ClusterRole
// (and nothing else but what every authenticated user has) gets the same findings as an admin with no
// check-incomplete, and each grant taken away shows up as the check-incomplete finding that names it.
// The simulated cluster needs root (network namespaces); the static checks run everywhere.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import { runAsync } from '../helpers/run.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PLUGIN = join(ROOT, 'bin', 'kubectl-otel_doctor');
const SEED = join(ROOT, 'test', 'scenarios', 'seed');
const skip = process.getuid?.() !== 0 ? 'needs root: the simulated cluster creates network namespaces' : false;

interface PolicyRule { apiGroups: string[]; resources: string[]; verbs: string[] }
interface RbacObject { kind: string; metadata: { name: string; namespace?: string }; rules: PolicyRule[] }

const docs = parseAllDocuments(readFileSync(join(ROOT, 'deploy', 'rbac.yaml'), 'utf8')).map((d) => d.toJS() as RbacObject).filter(Boolean);
const find = (kind: string, name: string) => {
  const o = docs.find((d) => d.kind === kind && d.metadata.name === name);
  assert.ok(o, `${kind} ${name} in deploy/rbac.yaml`);
  return o;
};
const clusterRole = find('ClusterRole', 'otel-doctor');

/** What the built-in system:basic-user ClusterRole gives every authenticated user. */
const BASIC_USER: PolicyRule = { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] };

/** One grant = one resource of one rule: the unit a cluster admin could forget. */
const grants = clusterRole.rules.flatMap((r) => r.resources.map((resource) => ({ group: r.apiGroups[0], resource, verbs: r.verbs })));
const without = (g: (typeof grants)[number]): PolicyRule[] =>
  clusterRole.rules.map((r) => ({ ...r, resources: r.resources.filter((x) => !(x === g.resource && r.apiGroups.includes(g.group))) })).filter((r) => r.resources.length > 0);
const userFor = (g: (typeof grants)[number]) => `without-${g.resource.replace('/', '-')}`;

test('the roles in deploy/rbac.yaml: read-only except exec, no secrets, ephemeral containers only opt-in', () => {
  const role = find('Role', 'otel-doctor');
  const debug = find('ClusterRole', 'otel-doctor-debug-container');
  for (const o of [clusterRole, role]) {
    for (const r of o.rules) {
      assert.ok(!r.resources.some((x) => x === '*' || x.startsWith('secrets')), `${o.kind}: no secrets, no wildcards`);
      assert.ok(!r.apiGroups.includes('*') && !r.verbs.includes('*'), `${o.kind}: no wildcards`);
      const writes = r.verbs.filter((v) => !['get', 'list'].includes(v));
      assert.ok(writes.length === 0 || (writes.join() === 'create' && r.resources.join() === 'pods/exec'), `${o.kind}: only exec may create: ${JSON.stringify(r)}`);
      assert.ok(!r.resources.includes('pods/ephemeralcontainers'), `${o.kind}: ephemeral containers are opt-in`);
    }
  }
  const flat = (o: RbacObject) => o.rules.flatMap((r) => r.resources.map((x) => `${r.apiGroups[0]}/${x} ${[...r.verbs].sort().join(',')}`)).sort();
  // the Role is the ClusterRole minus what a Role cannot grant (cluster-scoped kinds)
  assert.deepEqual(flat(role), flat(clusterRole).filter((x) => !/^\/(namespaces|nodes) /.test(x)));
  assert.deepEqual(flat(debug), ['/pods/ephemeralcontainers patch']);
  for (const needed of ['/pods get,list', '/pods/log get', '/pods/exec create,get', 'apps/deployments get,list', 'discovery.k8s.io/endpointslices get,list', 'networking.k8s.io/networkpolicies get,list', 'opentelemetry.io/instrumentations get,list']) {
    assert.ok(flat(clusterRole).includes(needed), needed);
  }
});

const run = (args: string[], env: Record<string, string>) => runAsync(PLUGIN, args, env, 120_000);

interface Finding { rule: string; severity: string; subject: { kind: string; namespace?: string; name: string }; summary: string; rootCause: string; evidence: Array<{ detail: string }>; fix: { summary: string; patch?: string } }
const key = (f: Finding) => `${f.rule} ${f.severity} ${f.subject.kind}/${f.subject.namespace ?? ''}/${f.subject.name}`;
const text = (f: Finding) => [f.summary, f.rootCause, ...f.evidence.map((e) => e.detail), f.fix.summary, f.fix.patch ?? ''].join('\n');


describe('deploy/rbac.yaml in the simulated cluster (seed scenario)', { skip, concurrency: 1 }, () => {
  const results = new Map<string, { code: number; stderr: string; findings?: Finding[] }>();
  let admin: { code: number; stderr: string; findings?: Finding[] } | undefined;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otel-doctor-rbac-'));
    const policyFile = join(dir, 'policies.yaml');
    const users: Record<string, { rules: PolicyRule[] }> = {
      admin: { rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
      'otel-doctor': { rules: [...clusterRole.rules, BASIC_USER] },
    };
    for (const g of grants) { users[userFor(g)] = { rules: [...without(g), BASIC_USER] }; }
    writeFileSync(policyFile, stringify({ users }));
    const { startCluster } = await import('../sim/cli.ts');
    const cluster = await startCluster({ manifests: [join(SEED, 'manifests')], policyFile, log: () => {} });
    try {
      const diagnose = async (user: string) => {
        const r = await run(['diagnose', '-o', 'json', '-n', 'observability'], { KUBECONFIG: cluster.kubeconfigFor(user), NO_COLOR: '1' });
        let findings: Finding[] | undefined;
        try { findings = (JSON.parse(r.stdout) as { findings: Finding[] }).findings; } catch { /* no report */ }
        return { code: r.code, stderr: r.stderr, findings };
      };
      admin = await diagnose('admin');
      results.set('otel-doctor', await diagnose('otel-doctor'));
      // a few diagnoses at a time: the API server is in this process, the plugins are not
      const queue = [...grants];
      await Promise.all(Array.from({ length: 3 }, async () => {
        for (let g = queue.shift(); g; g = queue.shift()) { results.set(userFor(g), await diagnose(userFor(g))); }
      }));
    } finally {
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, { timeout: 600_000 });

  test('bound to the otel-doctor ClusterRole: the same findings as an admin, no check-incomplete', () => {
    assert.ok(admin?.findings, `admin: ${admin?.stderr}`);
    const bound = results.get('otel-doctor')!;
    assert.ok(bound.findings, `otel-doctor: ${bound.stderr}`);
    assert.deepEqual(bound.findings.filter((f) => f.rule === 'check-incomplete').map(text), [], 'no check-incomplete with the ClusterRole');
    assert.deepEqual(bound.findings.map(key).sort(), admin.findings.map(key).sort(), 'same findings as an admin');
    assert.equal(bound.code, admin.code);
    assert.ok(bound.findings.some((f) => f.rule === 'receiver-bound-to-loopback'), 'the seed root cause is found');
  });

  const problem = (g: (typeof grants)[number]): string | undefined => {
    const r = results.get(userFor(g))!;
    // Without list on pods nothing can be diagnosed: a clear error naming the permission, exit 3.
    if (g.group === '' && g.resource === 'pods') {
      return r.code === 3 && /cannot list pods/.test(r.stderr) ? undefined : `without pods: exit ${r.code}, ${r.stderr.trim().split('\n')[0]}`;
    }
    const incomplete = (r.findings ?? []).filter((f) => f.rule === 'check-incomplete');
    if (incomplete.some((f) => text(f).includes(g.resource))) { return undefined; }
    return `without ${g.group || 'core'}/${g.resource} (${g.verbs.join(',')}): exit ${r.code}, check-incomplete: ${JSON.stringify(incomplete.map((f) => f.summary))}${r.findings ? '' : `, stderr: ${r.stderr.trim().split('\n')[0]}`}`;
  };

  test('each grant removed turns into the check-incomplete finding that names it', () => {
    const problems = grants.map(problem).filter(Boolean);
    assert.deepEqual(problems, []);
  });
});
