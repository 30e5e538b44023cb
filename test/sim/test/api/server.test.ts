// The API server against the real kubectl v1.32: if kubectl prints what it prints on a real cluster,
// the wire protocol is right. No root needed: the runtime is a scripted fake.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../../api/testkit.ts';
import { typeByKind } from '../../store.ts';

let h: Harness;
before(async () => { h = await startHarness(); });
after(async () => { await h?.stop(); });

const cols = (line: string) => line.trim().split(/\s{2,}/);
const rowOf = (out: string, first: string) => out.split('\n').map(cols).find((c) => c.includes(first));

describe('kubectl get', () => {
  test('get pods -A -o wide prints the real columns, STATUS and RESTARTS logic', async () => {
    const r = await h.kubectl('admin', ['get', 'pods', '-A', '-o', 'wide']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual(cols(lines[0]), ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    const crashy = rowOf(r.stdout, 'crashy')!;
    assert.equal(crashy[0], 'apps');
    assert.equal(crashy[2], '0/1');
    assert.equal(crashy[3], 'CrashLoopBackOff');
    assert.match(crashy[4], /^3 \(\d+s ago\)$/);
    assert.deepEqual(crashy.slice(6), ['10.244.1.9', 'sim-node-1', '<none>', '<none>']);
    const app = rowOf(r.stdout, 'app-1')!;
    assert.deepEqual([app[2], app[3], app[4]], ['2/2', 'Running', '0']);
    assert.equal(lines.length, 1 + 8);
  });

  test('plain get hides the priority columns', async () => {
    const r = await h.kubectl('admin', ['get', 'pods', '-n', 'apps']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(cols(r.stdout.split('\n')[0]), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
  });

  test('get svc,endpoints -n observability', async () => {
    const r = await h.kubectl('admin', ['get', 'svc,endpoints', '-n', 'observability', '-o', 'wide']);
    assert.equal(r.code, 0, r.stderr);
    const [svcBlock, epBlock] = r.stdout.trim().split('\n\n');
    assert.deepEqual(cols(svcBlock.split('\n')[0]), ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
    const svc = rowOf(svcBlock, 'service/otel-collector')!;
    assert.equal(svc[1], 'ClusterIP');
    assert.match(svc[2], /^10\.96\.\d+\.\d+$/);
    assert.deepEqual([svc[3], svc[4], svc[6]], ['<none>', '4317/TCP,4318/TCP', 'app=otel-collector']);
    assert.deepEqual(cols(epBlock.split('\n')[0]), ['NAME', 'ENDPOINTS', 'AGE']);
    assert.equal(rowOf(epBlock, 'endpoints/otel-collector')![1], '10.244.1.5:4317,10.244.1.5:4318');
  });

  test('the kubernetes Service exists from the start at 10.96.0.1', async () => {
    const r = await h.kubectl('admin', ['get', 'svc', 'kubernetes', '-n', 'default', '-o', 'jsonpath={.spec.clusterIP} {.spec.ports[0].port}']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '10.96.0.1 443');
  });

  test('pagination with --chunk-size follows continue tokens', async () => {
    const before = h.api.requests.length;
    const r = await h.kubectl('admin', ['get', 'pods', '--chunk-size=2', '-o', 'name']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['pod/web-1', 'pod/web-2', 'pod/web-3', 'pod/web-4', 'pod/web-5']);
    const lists = h.api.requests.slice(before).filter((e) => e.verb === 'list' && e.resource === 'pods');
    assert.equal(lists.length, 3);
    assert.ok(lists.every((e) => /(^|&)limit=2(&|$)/.test(e.query)));
    assert.equal(lists.filter((e) => /continue=/.test(e.query)).length, 2);
  });

  test('label selectors: in, !=, exists, !key', async () => {
    const get = async (sel: string) => (await h.kubectl('admin', ['get', 'pods', '-n', 'default', '-l', sel, '-o', 'name'])).stdout.trim();
    const sels = ['tier in (web),idx!=2', 'tier=db', 'tier notin (web)', 'idx', '!idx'];
    assert.deepEqual(await Promise.all(sels.map(get)), [
      'pod/web-1\npod/web-3', 'pod/web-4\npod/web-5', 'pod/web-4\npod/web-5', 'pod/web-1\npod/web-2\npod/web-3\npod/web-4\npod/web-5', '']);
  });

  test('an unknown field selector is a 400 from the server', async () => {
    const r = await h.kubectl('admin', ['get', 'pods', '--field-selector', 'spec.foo=1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error from server \(BadRequest\): .*field label not supported: spec\.foo/);
    const ok = await h.kubectl('admin', ['get', 'pods', '-A', '--field-selector', 'spec.nodeName=sim-node-2,status.phase=Running', '-o', 'name']);
    assert.equal(ok.stdout.trim(), 'pod/app-1\npod/web-2\npod/web-4');
  });

  test('404 and 409 come back as kubectl prints them from real Status bodies', async () => {
    const nf = await h.kubectl('admin', ['get', 'pod', 'nope']);
    assert.equal(nf.code, 1);
    assert.equal(nf.stderr.trim(), 'Error from server (NotFound): pods "nope" not found');
    const ae = await h.kubectl('admin', ['create', 'namespace', 'apps']);
    assert.equal(ae.code, 1);
    assert.equal(ae.stderr.trim(), 'Error from server (AlreadyExists): namespaces "apps" already exists');
  });

  test('get nodes -o wide, events, configmaps', async () => {
    const n = await h.kubectl('admin', ['get', 'nodes', '-o', 'wide']);
    assert.deepEqual(cols(n.stdout.split('\n')[0]).slice(0, 7), ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP']);
    assert.deepEqual(rowOf(n.stdout, 'sim-node-2')!.slice(0, 2).concat(rowOf(n.stdout, 'sim-node-2')![5]), ['sim-node-2', 'Ready', '172.18.0.3']);
    const e = await h.kubectl('admin', ['get', 'events', '-n', 'apps']);
    assert.deepEqual(cols(e.stdout.split('\n')[0]), ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    assert.deepEqual(rowOf(e.stdout, 'pod/crashy')!.slice(1, 4), ['Warning', 'BackOff', 'pod/crashy']);
  });
});

describe('kubectl describe', () => {
  test('describe pod shows state, restarts and the pod\'s events', async () => {
    const before = h.api.requests.length;
    const r = await h.kubectl('admin', ['describe', 'pod', '-n', 'apps', 'crashy']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Name:\s+crashy$/m);
    assert.match(r.stdout, /^Node:\s+sim-node-1\/172\.18\.0\.2$/m);
    assert.match(r.stdout, /State:\s+Waiting\n\s+Reason:\s+CrashLoopBackOff/);
    assert.match(r.stdout, /Restart Count:\s+3/);
    assert.match(r.stdout, /Warning\s+BackOff\s+\S+ \(x4 over \S+\)\s+kubelet\s+Back-off restarting failed container collector/);
    const ev = h.api.requests.slice(before).find((e) => e.resource === 'events');
    assert.ok(ev, 'describe listed events');
    assert.match(decodeURIComponent(ev.query), /involvedObject\.uid=/);
  });
});

describe('kubectl auth can-i', () => {
  const can = async (user: string, args: string[]) => {
    const r = await h.kubectl(user, ['auth', 'can-i', ...args]);
    return `${r.stdout.trim()} ${r.code}`;
  };
  test('answers from the policy file per user', async () => {
    const cases: Array<[string, string[], string]> = [
      ['admin', ['create', 'pods', '--subresource=exec', '-n', 'apps'], 'yes 0'],
      ['no-exec', ['create', 'pods', '--subresource=exec', '-n', 'apps'], 'no 1'],
      ['no-exec', ['get', 'pods', '--subresource=log', '-n', 'apps'], 'yes 0'],
      ['viewer', ['get', 'pods', '--subresource=log'], 'no 1'],
      ['viewer', ['list', 'pods', '-A'], 'yes 0'],
      ['namespaced-only', ['list', 'pods', '-A'], 'no 1'],
      ['namespaced-only', ['list', 'pods', '-n', 'observability'], 'yes 0'],
    ];
    const got = await Promise.all(cases.map(([u, a]) => can(u, a)));
    assert.deepEqual(got, cases.map((c) => c[2]));
  });

  test('`pods/exec` in can-i names a pod called "exec", exactly as on a real cluster', async () => {
    // kubectl splits RESOURCE/NAME: the access review asks about create on the pod named "exec",
    // which no-exec may do; the subresource form above is the one that asks about exec.
    assert.equal(await can('no-exec', ['create', 'pods/exec']), 'yes 0');
  });
});

describe('kubectl exec', () => {
  test('stdout and exit code 0 through the runtime', async () => {
    const r = await h.kubectl('admin', ['exec', '-n', 'apps', 'app-1', '-c', 'app', '--', 'echo', 'hello', 'world']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hello world\n');
    const last = h.runtime.execs.at(-1)!;
    assert.deepEqual([last.namespace, last.pod, last.container, last.command], ['apps', 'app-1', 'app', ['echo', 'hello', 'world']]);
  });

  test('stderr is a separate channel', async () => {
    const r = await h.kubectl('admin', ['exec', '-n', 'apps', 'app-1', '-c', 'app', '--', 'warn', 'careful']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'careful\n');
  });

  test('a non-zero exit code becomes kubectl\'s exit code', async () => {
    const r = await h.kubectl('admin', ['exec', '-n', 'apps', 'app-1', '-c', 'app', '--', 'sh', '-c', 'exit 3']);
    assert.equal(r.code, 3);
    assert.equal(r.stderr.trim(), 'command terminated with exit code 3');
  });

  test('stdin reaches the process and its end closes it (v5 close frame)', async () => {
    const r = await h.kubectl('admin', ['exec', '-i', '-n', 'apps', 'app-1', '-c', 'app', '--', 'cat'], { input: 'line one\nline two\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'line one\nline two\n');
  });

  test('a runtime failure prints the runtime\'s message', async () => {
    const r = await h.kubectl('admin', ['exec', '-n', 'observability', 'otel-collector-7d4b9c-x2x9q', '--', 'ss', '-tlnp']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "[0-9a-f]{64}": OCI runtime exec failed: exec failed: unable to start container process: exec: "ss": executable file not found in \$PATH: unknown/);
  });

  test('a user without create on pods/exec gets the real 403', async () => {
    const r = await h.kubectl('no-exec', ['exec', '-n', 'apps', 'app-1', '-c', 'app', '--', 'echo', 'hi']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'Error from server (Forbidden): pods "app-1" is forbidden: User "no-exec" cannot create resource "pods/exec" in API group "" in the namespace "apps"');
  });

  test('an unknown container is a 400', async () => {
    const r = await h.kubectl('admin', ['exec', '-n', 'apps', 'app-1', '-c', 'nope', '--', 'echo']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /container nope is not valid for pod app-1/);
  });
});

describe('kubectl logs', () => {
  test('logs of one container with --tail and --timestamps', async () => {
    const r = await h.kubectl('admin', ['logs', '-n', 'apps', 'app-1', '-c', 'sidecar', '--tail=2', '--timestamps']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '2026-01-01T00:00:00.000000000Z app-1/sidecar line 4\n2026-01-01T00:00:00.000000000Z app-1/sidecar line 5\n');
    assert.deepEqual(h.runtime.logCalls.at(-1)!.opts, { container: 'sidecar', tailLines: 2, timestamps: true });
  });

  test('--previous: served when there is one, the kubelet\'s 400 when not', async () => {
    const ok = await h.kubectl('admin', ['logs', '-n', 'apps', 'crashy', '--previous']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /cannot start pipelines/);
    const no = await h.kubectl('admin', ['logs', '-n', 'default', 'web-1', '--previous']);
    assert.equal(no.code, 1);
    assert.equal(no.stderr.trim(), 'Error from server (BadRequest): previous terminated container "web" in pod "web-1" not found');
  });

  test('an unknown container is the registry\'s 400', async () => {
    const r = await h.kubectl('admin', ['logs', '-n', 'apps', 'app-1', '-c', 'nope']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /container nope is not valid for pod app-1/);
  });

  test('no-logs is forbidden pods/log', async () => {
    const r = await h.kubectl('no-logs', ['logs', '-n', 'apps', 'app-1', '-c', 'app']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'Error from server (Forbidden): pods "app-1" is forbidden: User "no-logs" cannot get resource "pods/log" in API group "" in the namespace "apps"');
  });
});

describe('kubectl debug', () => {
  test('adds an ephemeral container through pods/ephemeralcontainers', async () => {
    const r = await h.kubectl('admin', ['debug', '-n', 'default', 'web-2', '--image=busybox', '--container=dbg']);
    assert.equal(r.code, 0, r.stderr);
    const pod = h.store.get(typeByKind('Pod')!, 'default', 'web-2')!;
    const ec = pod.spec.ephemeralContainers;
    assert.equal(ec.length, 1);
    assert.equal(ec[0].name, 'dbg');
    assert.equal(ec[0].image, 'busybox');
    assert.equal(ec[0].imagePullPolicy, 'Always');
    assert.ok(h.api.requests.some((e) => e.verb === 'patch' && e.subresource === 'ephemeralcontainers' && e.name === 'web-2' && e.code === 200));
    // The main containers are untouched by the subresource.
    assert.deepEqual(pod.spec.containers.map((c: { name: string }) => c.name), ['web']);
  });

  test('viewer may not debug', async () => {
    const r = await h.kubectl('viewer', ['debug', '-n', 'default', 'web-3', '--image=busybox', '--container=dbg']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /pods "web-3" is forbidden: User "viewer" cannot patch resource "pods\/ephemeralcontainers" in API group "" in the namespace "default"/);
  });
});

describe('kubectl apply', () => {
  const dep = (image: string, name = 'applied') => JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'apps' },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } } } });

  test('client-side apply creates then patches with default (strict) validation', async () => {
    const c = await h.kubectl('admin', ['apply', '-f', '-'], { input: dep('nginx:1.26') });
    assert.equal(c.code, 0, c.stderr);
    assert.equal(c.stdout.trim(), 'deployment.apps/applied created');
    const u = await h.kubectl('admin', ['apply', '-f', '-'], { input: dep('nginx:1.27') });
    assert.equal(u.stdout.trim(), 'deployment.apps/applied configured');
    const d = h.store.get(typeByKind('Deployment')!, 'apps', 'applied')!;
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.27');
    assert.equal(d.spec.replicas, 1);
    assert.ok(d.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']);
    assert.ok(h.api.requests.some((e) => e.verb === 'patch' && e.name === 'applied' && e.code === 200));
  });

  test('server-side apply creates', async () => {
    const r = await h.kubectl('admin', ['apply', '--server-side', '-f', '-'], { input: dep('nginx:1.27', 'ssa') });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'deployment.apps/ssa serverside-applied');
  });
});

describe('kubectl with a namespaced user', () => {
  test('cluster-wide list is forbidden, its namespace works', async () => {
    const all = await h.kubectl('namespaced-only', ['get', 'pods', '-A']);
    assert.equal(all.code, 1);
    assert.equal(all.stderr.trim(), 'Error from server (Forbidden): pods is forbidden: User "namespaced-only" cannot list resource "pods" in API group "" at the cluster scope');
    const ns = await h.kubectl('namespaced-only', ['get', 'pods', '-n', 'observability', '-o', 'name']);
    assert.equal(ns.stdout.trim(), 'pod/otel-collector-7d4b9c-x2x9q');
    const other = await h.kubectl('namespaced-only', ['get', 'pods', '-n', 'apps']);
    assert.match(other.stderr, /pods is forbidden: User "namespaced-only" cannot list resource "pods" in API group "" in the namespace "apps"/);
  });
});
