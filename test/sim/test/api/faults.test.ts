// The simulator's API fault injection on the wire, without root: the Status bodies and headers a real
// kube-apiserver sends for 429 (API Priority and Fairness), 500 and 503, `times`, matching, delays,
// faulted exec upgrades, the audit codes of faulted requests, and the `--api-faults FILE` flag.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Store } from '../../store.ts';
import { startApiServer, type ApiServer } from '../../api/server.ts';
import { FakeRuntime, seed } from '../../api/testkit.ts';
import { FaultInjector, type FaultRule } from '../../api/faults.ts';
import { parseArgs, UsageError } from '../../cli.ts';

interface Answer { code: number; headers: Record<string, string | string[] | undefined>; body: string; ms: number }

function get(api: ApiServer, path: string, userAgent = 'otel-doctor/0.0.0-test'): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(`${api.url}${path}`, { ca: api.caPem, headers: { authorization: `Bearer ${api.tokenFor('admin')}`, 'user-agent': userAgent, accept: 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ code: res.statusCode ?? 0, headers: res.headers, body, ms: performance.now() - t0 }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function withServer(rules: FaultRule[], fn: (api: ApiServer, faults: FaultInjector) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sim-faults-'));
  const store = new Store();
  const faults = new FaultInjector(rules);
  const api = await startApiServer({ store, runtime: new FakeRuntime(), stateDir: dir, faults });
  seed(api, store);
  try { await fn(api, faults); } finally { await api.close(); rmSync(dir, { recursive: true, force: true }); }
}

describe('API fault injection', () => {
  test('429 twice: APF Status body, Retry-After header and details, then the normal answer; audited with codes', async () => {
    await withServer([{ match: { verb: 'list', resource: 'pods' }, status: 429, retryAfterSeconds: 2, times: 2 }], async (api) => {
      const a = await get(api, '/api/v1/pods');
      const b = await get(api, '/api/v1/namespaces/apps/pods');
      const c = await get(api, '/api/v1/pods');
      assert.equal(a.code, 429);
      assert.equal(a.headers['retry-after'], '2');
      assert.deepEqual(JSON.parse(a.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Too many requests, please try again later.', reason: 'TooManyRequests', details: { retryAfterSeconds: 2 }, code: 429 });
      assert.equal(b.code, 429);
      assert.equal(c.code, 200);
      assert.equal(JSON.parse(c.body).kind, 'PodList');
      // Other resources were never matched.
      assert.equal((await get(api, '/api/v1/services')).code, 200);
      const audit = api.requests.filter((e) => e.resource === 'pods').map((e) => `${e.verb} ${e.namespace || '*'} ${e.code}`);
      assert.deepEqual(audit, ['list * 429', 'list apps 429', 'list * 200']);
    });
  });

  test('500 and 503 bodies as apimachinery shapes them; 429 defaults to Retry-After 1', async () => {
    await withServer([
      { match: { resource: 'services' }, status: 500, message: 'etcdserver: leader changed' },
      { match: { resource: 'configmaps' }, status: 503 },
      { match: { resource: 'endpoints' }, status: 429 },
    ], async (api) => {
      const s = await get(api, '/api/v1/services');
      assert.equal(s.code, 500);
      assert.deepEqual(JSON.parse(s.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Internal error occurred: etcdserver: leader changed', reason: 'InternalError', details: { causes: [{ message: 'etcdserver: leader changed' }] }, code: 500 });
      const c = await get(api, '/api/v1/configmaps');
      assert.equal(c.code, 503);
      assert.equal(JSON.parse(c.body).reason, 'ServiceUnavailable');
      assert.equal(c.headers['retry-after'], undefined);
      const e = await get(api, '/api/v1/endpoints');
      assert.equal(e.headers['retry-after'], '1');
      // Without `times` a rule never stops.
      assert.equal((await get(api, '/api/v1/services')).code, 500);
    });
  });

  test('userAgentPrefix and namespace narrow a rule', async () => {
    await withServer([{ match: { namespace: 'apps', userAgentPrefix: 'otel-doctor/' }, status: 500 }], async (api) => {
      assert.equal((await get(api, '/api/v1/namespaces/apps/pods')).code, 500);
      assert.equal((await get(api, '/api/v1/namespaces/apps/pods', 'kubectl/v1.32.4')).code, 200);
      assert.equal((await get(api, '/api/v1/namespaces/default/pods')).code, 200);
    });
  });

  test('delayMs slows matching requests, discovery and /version included, then serves them normally', async () => {
    await withServer([{ match: { userAgentPrefix: 'slow/' }, delayMs: 300 }], async (api, faults) => {
      const slow = await get(api, '/api/v1/pods', 'slow/1');
      const version = await get(api, '/version', 'slow/1');
      const disc = await get(api, '/api/v1', 'slow/1');
      const fast = await get(api, '/api/v1/pods', 'fast/1');
      assert.equal(slow.code, 200);
      assert.equal(version.code, 200);
      assert.equal(disc.code, 200);
      for (const a of [slow, version, disc]) { assert.ok(a.ms >= 290, `answered after ${a.ms} ms`); }
      // Only the three matching requests used the rule (a wall-clock bound on `fast` would be flaky under load).
      assert.deepEqual(faults.counts(), [3]);
      assert.equal(fast.code, 200);
    });
  });

  test('a faulted exec is refused at the upgrade with the Status, and audited', async () => {
    await withServer([{ match: { subresource: 'exec' }, status: 500, message: 'error dialing backend: dial tcp 10.0.0.5:10250: i/o timeout' }], async (api) => {
      const first = api.requests.length;
      const ws = new WebSocket(`${api.url.replace('https', 'wss')}/api/v1/namespaces/apps/pods/app-1/exec?container=app&command=echo&command=hi&stdout=true`, ['v5.channel.k8s.io'], {
        ca: api.caPem, headers: { authorization: `Bearer ${api.tokenFor('admin')}` },
      });
      const got = await new Promise<{ code: number; body: string }>((resolve, reject) => {
        ws.on('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (d: Buffer) => { body += d; });
          res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
        });
        ws.on('open', () => reject(new Error('the upgrade succeeded despite the fault')));
        ws.on('error', () => { /* the refused upgrade also surfaces here */ });
      });
      assert.equal(got.code, 500);
      assert.equal(JSON.parse(got.body).message, 'Internal error occurred: error dialing backend: dial tcp 10.0.0.5:10250: i/o timeout');
      const e = api.requests.slice(first).find((x) => x.subresource === 'exec');
      assert.equal(e?.code, 500);
      assert.equal(e?.verb, 'create');
    });
  });

  test('invalid rules are refused with the reason', () => {
    assert.throws(() => new FaultInjector([{ match: { verb: 'list' } }]), /needs a status or a delayMs/);
    assert.throws(() => new FaultInjector([{ status: 200 }]), /HTTP error code/);
    assert.throws(() => new FaultInjector([{ match: { resources: 'pods' } as never, status: 500 }]), /unknown match key "resources"/);
    assert.throws(() => new FaultInjector([{ status: 429, times: -1 }]), /times must be a non-negative integer/);
  });
});

describe('--api-faults FILE', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'sim-faults-flag-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('YAML and JSON files load; a bad file is a usage error naming it', () => {
    const yaml = join(dir, 'faults.yaml');
    writeFileSync(yaml, '- match: {verb: list, resource: pods}\n  status: 429\n  retryAfterSeconds: 1\n  times: 2\n- delayMs: 50\n');
    const json = join(dir, 'faults.json');
    writeFileSync(json, JSON.stringify({ rules: [{ match: { subresource: 'exec' }, status: 500 }] }));
    assert.equal(FaultInjector.load(yaml).rules.length, 2);
    assert.equal(FaultInjector.load(json).rules[0].status, 500);
    assert.equal(parseArgs(['--manifests', dir, '--api-faults', yaml, '--', 'true']).apiFaults, yaml);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'status: 500\n');
    assert.throws(() => parseArgs(['--manifests', dir, '--api-faults', bad, '--', 'true']), (e: unknown) => e instanceof UsageError && /bad\.yaml: .*list of fault rules/.test(e.message));
    assert.throws(() => parseArgs(['--manifests', dir, '--api-faults', join(dir, 'missing.yaml'), '--', 'true']), (e: unknown) => e instanceof UsageError && /missing\.yaml/.test(e.message));
  });
});
