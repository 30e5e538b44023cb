// `npm run sim -- --operator-version X.Y.Z | --no-operator`: the releases it knows, and the refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, UsageError } from '../../cli.ts';
import { CURRENT_OPERATOR_VERSION, OPERATOR_VERSIONS } from '../../operator/versions.ts';

test('--operator-version takes a known release (a leading v allowed); --no-operator; not both', () => {
  assert.equal(parseArgs(['--operator-version', 'v0.104.0', '--', 'true']).operatorVersion, '0.104.0');
  assert.equal(parseArgs(['--operator-version=0.158.0', '--', 'true']).operatorVersion, '0.158.0');
  assert.equal(parseArgs(['--no-operator', '--', 'true']).noOperator, true);
  assert.equal(parseArgs(['--', 'true']).operatorVersion, undefined);
  assert.throws(() => parseArgs(['--operator-version', '0.50.0', '--', 'true']), (e) => e instanceof UsageError && /known: 0\.94\.0 \.\. 0\.158\.0/.test(e.message));
  assert.throws(() => parseArgs(['--operator-version', '0.120.0', '--no-operator', '--', 'true']), UsageError);
});

test('the default is the current release of versions.txt, the newest the table knows', () => {
  assert.equal(CURRENT_OPERATOR_VERSION, '0.158.0');
  assert.equal(OPERATOR_VERSIONS.at(-1), CURRENT_OPERATOR_VERSION);
});
