// deploy/rbac-fix.yaml grants what `fix --apply` sends and nothing else, and the simulator's `fixer` user
// (test/sim/policies.yaml, the identity test/commands/fix.test.ts applies fixes with) is exactly
// deploy/rbac.yaml's ClusterRole plus it: the end-to-end proof is a proof of the shipped roles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface PolicyRule { apiGroups: string[]; resources: string[]; verbs: string[] }
interface RbacObject { kind: string; metadata: { name: string }; rules: PolicyRule[] }

const load = (file: string) => parseAllDocuments(readFileSync(join(ROOT, 'deploy', file), 'utf8')).map((d) => d.toJS() as RbacObject).filter(Boolean);
const flat = (rules: PolicyRule[]) => rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((x) => r.verbs.map((v) => `${g}/${x} ${v}`)))).sort();

test('rbac-fix.yaml: get and patch on the kinds fix changes, nothing else; the Role is the same rules', () => {
  const docs = load('rbac-fix.yaml');
  const cr = docs.find((d) => d.kind === 'ClusterRole' && d.metadata.name === 'otel-doctor-fix');
  const role = docs.find((d) => d.kind === 'Role' && d.metadata.name === 'otel-doctor-fix');
  assert.ok(cr && role);
  const want = ['/configmaps', '/services', 'apps/daemonsets', 'apps/deployments', 'apps/statefulsets', 'opentelemetry.io/opentelemetrycollectors'].flatMap((r) => [`${r} get`, `${r} patch`]).sort();
  assert.deepEqual(flat(cr.rules), want);
  assert.deepEqual(flat(role.rules), want);
});

test('the simulator\'s fixer user is rbac.yaml\'s otel-doctor ClusterRole + rbac-fix.yaml\'s + what every user has', () => {
  const diagnose = load('rbac.yaml').find((d) => d.kind === 'ClusterRole' && d.metadata.name === 'otel-doctor');
  const fix = load('rbac-fix.yaml').find((d) => d.kind === 'ClusterRole' && d.metadata.name === 'otel-doctor-fix');
  assert.ok(diagnose && fix);
  const basicUser: PolicyRule = { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] };
  const users = (parse(readFileSync(join(ROOT, 'test/sim/policies.yaml'), 'utf8')) as { users: Record<string, { rules: PolicyRule[] }> }).users;
  assert.deepEqual(flat(users.fixer.rules), flat([...diagnose.rules, ...fix.rules, basicUser]));
});
