import assert from 'node:assert/strict';
import { rule } from '../../src/rules/check-incomplete.ts';
import { findingsOf, loadSnapshot, ruleTester, test, variant } from './helpers.ts';

const execForbidden = variant(loadSnapshot('healthy-helm'), (s) => {
  s.permissions = { reviews: [{ verb: 'create', resource: 'pods/exec', allowed: false }, { verb: 'get', resource: 'pods/log', allowed: true }] };
});

ruleTester(rule, {
  valid: [{ name: 'everything allowed and every check ran', snapshot: loadSnapshot('healthy-helm'), check: { subject: 'Cluster', status: 'pass' } }],
  invalid: [
    {
      name: 'exec forbidden: a warning on the check',
      snapshot: execForbidden,
      findings: [{ severity: 'warning', subject: 'Check create pods/exec', check: { subject: 'Check create pods/exec', status: 'fail' } }],
    },
    {
      name: 'a container with no tools: info on that pod',
      snapshot: variant(loadSnapshot('healthy-helm'), (s) => {
        s.incomplete = [{ check: 'probes', subject: { kind: 'Pod', namespace: 'shop', name: 'cart-5d9f8b7c6-aaaaa', container: 'cart' }, reason: 'no probe tool in the container (bash, nc, wget, curl, python3, node, perl)' }];
      }),
      findings: [{ severity: 'info', subject: 'Pod shop/cart-5d9f8b7c6-aaaaa:cart' }],
    },
  ],
});

test('exec forbidden: the fix is the RBAC rule that allows it', () => {
  assert.match(findingsOf(rule, execForbidden)[0].fix.patch ?? '', /resources: \["pods\/exec"\]\n  verbs: \["create"\]/);
});
