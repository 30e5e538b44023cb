import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { kitArgv, parseKitOutput, PROBE_KIT, probeArgv } from '../../src/gather/probe-kit.ts';
import { isValidHost, parseProbeTarget } from '../../src/gather/probe-target.ts';
import type { ProbeTool } from '../../src/gather/probe-tools.ts';
import { classifyProbe, probeAll } from '../../src/gather/probes.ts';
import { FakeClusterClient, notFound } from './fake-client.ts';
import { freePort } from '../sim/standins/testutil.ts';
import { runExec } from '../helpers/run.ts';

const r = (stderr: string, exitCode: number | null, stdout = '') => ({ stdout, stderr, exitCode });

test('hosts and ports are validated before any command exists', () => {
  for (const bad of ['http://x;touch /tmp/pwned:4317', 'http://`id`:4317', 'http://$(touch /tmp/p):4317', 'http://a b:4317', 'http://x|y:4317', "http://x';id;'", 'http://host:431700', 'http://host:-1', 'http://host:0x10', 'http://host:4317 ', 'http://user@host:4317', 'http://-lead:4317', 'http://[zz::1]:4317']) {
    const p = parseProbeTarget(bad);
    assert.equal(p.ok, false, `${bad} must be malformed`);
  }
  assert.deepEqual(parseProbeTarget('http://otel-collector.observability.svc.cluster.local:4317'), { ok: true, target: { host: 'otel-collector.observability.svc.cluster.local', port: 4317 }, defaultedPort: false });
  assert.deepEqual(parseProbeTarget('otel-collector:4317'), { ok: true, target: { host: 'otel-collector', port: 4317 }, defaultedPort: false });
  assert.deepEqual(parseProbeTarget('http://[fd00::5]:4318/v1/traces'), { ok: true, target: { host: 'fd00::5', port: 4318 }, defaultedPort: false });
  assert.deepEqual(parseProbeTarget('https://collector'), { ok: true, target: { host: 'collector', port: 443 }, defaultedPort: true });
  assert.equal(parseProbeTarget('collector').ok, false, 'no scheme and no port');
  assert.equal(isValidHost('10.96.0.12'), true);
  assert.equal(isValidHost('a'.repeat(64)), false, 'label over 63');
  assert.throws(() => probeArgv('bash', { host: 'x;id', port: 4317 }, true), /unvalidated/);
  assert.throws(() => probeArgv('bash', { host: 'x', port: 70000 }, true), /unvalidated/);
});

test('argv: host and port are separate elements; the code snippets are constants', () => {
  const t = { host: 'otel-collector.observability.svc', port: 4317 };
  const tools: ProbeTool[] = ['bash', 'nc', 'nc-busybox', 'wget', 'curl', 'python3', 'node', 'perl'];
  const snippets = new Set<string>();
  for (const tool of tools) {
    const argv = probeArgv(tool, t, false);
    const withTimeout = probeArgv(tool, t, true);
    assert.deepEqual(withTimeout.slice(0, 2), ['timeout', '4']);
    assert.deepEqual(withTimeout.slice(2), argv);
    if (tool === 'wget' || tool === 'curl') {
      assert.equal(argv.at(-1), 'http://otel-collector.observability.svc:4317/');
    } else {
      assert.ok(argv.includes(t.host) && argv.includes('4317'), `${tool}: ${argv.join(' ')}`);
      // the element that is code (bash -c / python -c / node -e / perl -e) never holds the host
      const codeIdx = argv.findIndex((a) => a === '-c' || a === '-e');
      if (codeIdx >= 0) {
        assert.ok(!argv[codeIdx + 1].includes(t.host));
        snippets.add(argv[codeIdx + 1]);
      }
    }
  }
  assert.deepEqual(probeArgv('bash', t, false), ['bash', '-c', 'exec 3<>/dev/tcp/$1/$2', 'probe', t.host, '4317']);
  assert.equal(snippets.size, 4);
});

test('classification of real tool outputs', () => {
  const cases: [ProbeTool, ReturnType<typeof r>, boolean, string][] = [
    // bash /dev/tcp (GNU bash 5)
    ['bash', r('probe: connect: Connection refused\nprobe: line 1: /dev/tcp/10.96.0.12/4317: Connection refused\n', 1), true, 'refused'],
    ['bash', r('probe: line 1: otel-collector: Name or service not known\nprobe: line 1: /dev/tcp/otel-collector/4317: Invalid argument\n', 1), true, 'dns-failure'],
    ['bash', r('', 124), true, 'timeout'],
    ['bash', r('probe: connect: No route to host\n', 1), true, 'unreachable'],
    ['bash', r('', 0), true, 'connected'],
    // busybox nc (no -z in Debian's build) and OpenBSD nc
    ['nc', r("nc: invalid option -- 'z'\nBusyBox v1.35.0 (Debian 1:1.35.0-4) multi-call binary.\n\nUsage: nc [-iN] [-wN] [-l] [-p PORT] [-f FILE|IPADDR PORT] [-e PROG]\n", 1), true, 'not-run'],
    ['nc-busybox', r('nc: can\'t connect to remote host (10.96.0.12): Connection refused\n', 1), true, 'refused'],
    ['nc-busybox', r("nc: bad address 'otel-collector'\n", 1), true, 'dns-failure'],
    ['nc-busybox', r('nc: timed out\n', 1), true, 'timeout'],
    ['nc-busybox', r('', 124), true, 'connected'],
    ['nc', r('nc: connect to 10.96.0.12 port 4317 (tcp) failed: Connection refused\n', 1), true, 'refused'],
    ['nc', r('Connection to 10.96.0.12 4317 port [tcp/*] succeeded!\n', 0), true, 'connected'],
    ['nc', r('nc: getaddrinfo for host "otel-collector" port 4317: Name or service not known\n', 1), true, 'dns-failure'],
    // wget: busybox and GNU
    ['wget', r("Connecting to 10.96.0.12:4318 (10.96.0.12:4318)\nwget: can't connect to remote host (10.96.0.12): Connection refused\n", 1), true, 'refused'],
    ['wget', r("wget: bad address 'otel-collector'\n", 1), true, 'dns-failure'],
    ['wget', r('Connecting to 10.96.0.12:4318 (10.96.0.12:4318)\nwget: server returned error: HTTP/1.1 404 Not Found\n', 1), true, 'connected'],
    ['wget', r('wget: download timed out\n', 1), true, 'timeout'],
    ['wget', r('Connecting to 127.0.0.1:1... failed: Connection refused.\n', 4), true, 'refused'],
    ['wget', r("Resolving nonexist.invalid (nonexist.invalid)... failed: Name or service not known.\nwget: unable to resolve host address 'nonexist.invalid'\n", 4), true, 'dns-failure'],
    ['wget', r('', 139), false, 'not-run'],
    // curl exit codes
    ['curl', r('curl: (6) Could not resolve host: otel-collector\n', 6), true, 'dns-failure'],
    ['curl', r("curl: (7) Failed to connect to 10.96.0.12 port 4317 after 0 ms: Couldn't connect to server\n", 7), true, 'refused'],
    ['curl', r('curl: (28) Connection timed out after 2002 milliseconds\n', 28), true, 'timeout'],
    ['curl', r('curl: (52) Empty reply from server\n', 52), true, 'connected'],
    ['curl', r('curl: (1) Received HTTP/0.9 when not allowed\n', 1), true, 'connected'],
    // python3
    ['python3', r('Traceback (most recent call last):\n  File "<string>", line 2, in <module>\nConnectionRefusedError: [Errno 111] Connection refused\n', 1), true, 'refused'],
    ['python3', r('Traceback (most recent call last):\nsocket.gaierror: [Errno -2] Name or service not known\n', 1), true, 'dns-failure'],
    ['python3', r('Traceback (most recent call last):\nTimeoutError: timed out\n', 1), true, 'timeout'],
    ['python3', r('Traceback (most recent call last):\nsocket.timeout: timed out\n', 1), true, 'timeout'],
    ['python3', r('Traceback (most recent call last):\nOSError: [Errno 113] No route to host\n', 1), true, 'unreachable'],
    // node, perl
    ['node', r('ECONNREFUSED connect ECONNREFUSED 10.96.0.12:4317\n', 1), true, 'refused'],
    ['node', r('ENOTFOUND getaddrinfo ENOTFOUND otel-collector\n', 1), true, 'dns-failure'],
    ['perl', r('IO::Socket::INET: connect: Connection refused\n', 111), true, 'refused'],
    ['perl', r("IO::Socket::INET: Bad hostname 'otel-collector'\n", 22), true, 'dns-failure'],
    ['perl', r('IO::Socket::INET: connect: timeout\n', 110), true, 'timeout'],
    // `timeout` could not find the tool
    ['curl', r("timeout: failed to run command 'curl': No such file or directory\n", 127), true, 'not-run'],
  ];
  for (const [tool, res, wrapped, want] of cases) {
    assert.equal(classifyProbe(tool, res, wrapped).outcome, want, `${tool}: ${res.stderr.trim()} (exit ${res.exitCode})`);
  }
  const missing = classifyProbe('bash', { stdout: '', stderr: '', exitCode: null, error: { reason: 'InternalError', code: 500, message: 'OCI runtime exec failed: exec failed: unable to start container process: exec: "bash": executable file not found in $PATH: unknown' } }, true);
  assert.equal(missing.outcome, 'not-run');
  assert.equal((missing as { next: boolean }).next, true);
  const forbidden = classifyProbe('bash', { stdout: '', stderr: '', exitCode: null, error: { reason: 'Forbidden', code: 403, message: 'cannot create resource "pods/exec"' } }, true);
  assert.deepEqual(forbidden, { outcome: 'not-run', detail: 'Forbidden: cannot create resource "pods/exec"', next: false });
});

test('a target walks the tools the container has and records what it passed over', async () => {
  const fake = new FakeClusterClient();
  // The kit found nc, wget and timeout but left no answer for the target: the tools run one exec each.
  fake.onExec = (_ns, _pod, _c, argv) => {
    if (argv[3] === 'probe-kit') {
      return { stdout: '@okp T nc wget timeout\n@okp D\n', stderr: '', exitCode: 0 };
    }
    const cmd = argv[0] === 'timeout' ? argv[2] : argv[0];
    if (cmd === 'nc' && argv.includes('-z')) {
      return { stdout: '', stderr: "nc: invalid option -- 'z'\nBusyBox v1.36.1 multi-call binary.\nUsage: nc [OPTIONS] HOST PORT\n", exitCode: 1 };
    }
    if (cmd === 'nc') {
      return { stdout: '', stderr: "nc: can't connect to remote host (10.96.0.12): Connection refused\n", exitCode: 1 };
    }
    return notFound(cmd);
  };
  const ctx = { client: fake, namespace: 'apps', pod: 'p', container: 'c' };
  const [res] = await probeAll(ctx, [{ host: '10.96.0.12', port: 4317 }]);
  assert.equal(res.outcome, 'refused');
  assert.equal(res.tool, 'nc-busybox');
  assert.deepEqual(res.argv, ['timeout', '4', 'nc', '-w', '2', '10.96.0.12', '4317']);
  assert.deepEqual(res.tried.map((t) => t.tool), ['nc']);
  assert.equal(res.notRun, undefined);

  // A FROM-scratch container: no sh, nothing at all.
  fake.onExec = (_ns, _pod, _c, argv) => notFound(argv[0]);
  const [none] = await probeAll(ctx, [{ host: '10.96.0.12', port: 4317 }]);
  assert.equal(none.outcome, 'not-run');
  assert.deepEqual(none.tried.map((t) => t.tool), ['bash', 'nc', 'wget', 'curl', 'python3', 'node', 'perl']);
  assert.match(none.detail, /not in the container/);
  assert.deepEqual(none.notRun, { reason: 'no-tool' });
});

// The real tools on this machine against a real closed and a real open loopback port.
const hasBash = spawnSync('bash', ['-c', 'true']).status === 0;
test('real bash /dev/tcp, curl and perl answers classify as the kernel meant', { skip: !hasBash && 'no bash' }, async () => {
  const srv = createServer((s) => s.destroy());
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  const open = (srv.address() as AddressInfo).port;
  const closed = await freePort();
  try {
    for (const tool of ['bash', 'curl', 'perl'] as ProbeTool[]) {
      if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) { continue; }
      for (const [port, want] of [[open, 'connected'], [closed, 'refused']] as const) {
        const argv = probeArgv(tool, { host: '127.0.0.1', port }, true);
        const out = await runExec(argv[0], argv.slice(1));
        assert.equal(classifyProbe(tool, out, true).outcome, want, `${tool} -> ${port}: ${out.stderr}`);
      }
    }
  } finally {
    srv.close();
  }
});

// ---- the probe kit: one exec per pod

const hasDash = spawnSync('sh', ['-c', 'true']).status === 0;

/** Runs PROBE_KIT as the exec would: `sh -c PROBE_KIT probe-kit ARGS...`, with `env` over this process's (PATH: an image's tools). */
function runKit(args: string[], env: Record<string, string> = {}, shell = 'sh') {
  return runExec(shell, ['-c', PROBE_KIT, 'probe-kit', ...args], env);
}

test('the kit is one constant script: targets travel only as positional arguments, validated twice', () => {
  const a = kitArgv([{ host: 'otel-collector.observability.svc', port: 4317 }]);
  const b = kitArgv([{ host: '10.96.0.12', port: 4318 }, { host: 'fd00::5', port: 4317 }]);
  assert.deepEqual(a.slice(0, 4), ['sh', '-c', PROBE_KIT, 'probe-kit']);
  assert.equal(b[2], a[2], 'the script never depends on the targets');
  assert.deepEqual(b.slice(4), ['10.96.0.12', '4318', 'fd00::5', '4317']);
  for (const t of ['otel-collector', '10.96.0.12', 'fd00::5']) { assert.ok(!PROBE_KIT.includes(t)); }
  // nothing evaluates its arguments: no eval, and every expansion of a target is quoted or a case word
  assert.doesNotMatch(PROBE_KIT, /\beval\b/);
  for (const line of PROBE_KIT.split('\n')) {
    // outside `case WORD in` and assignments, a target ($h $p $u, or $1 $2 of the loop) is always double-quoted
    const bare = line.replace(/'[^']*'/g, "''").replace(/"[^"]*"/g, '""').replace(/^\s*case \$[hpo] in/, '').replace(/\b[a-z]=\$[0-9hpu]\b/g, '');
    assert.doesNotMatch(bare, /\$(h|p|u|[1-3])\b/, `unquoted target in: ${line}`);
  }
  for (const bad of [{ host: 'x;touch /tmp/pwned', port: 4317 }, { host: '$(id)', port: 4317 }, { host: '`id`', port: 4317 }, { host: '-oProxyCommand=id', port: 4317 }, { host: 'x', port: 0 }]) {
    assert.throws(() => kitArgv([{ host: 'ok', port: 1 }, bad]), /unvalidated/, JSON.stringify(bad));
  }
});

test('hostile values handed straight to the kit are data: rejected by its own check, never run', { skip: !hasDash && 'no sh' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'okd-kit-'));
  try {
    const marker = join(dir, 'pwned');
    const hostile = [`x;touch ${marker}`, `$(touch ${marker})`, `\`touch ${marker}\``, `x' ; touch ${marker} ; '`, `-e touch ${marker}`, `a|touch ${marker}`];
    const args = hostile.flatMap((h) => [h, '4317']).concat(['127.0.0.1', `1;touch ${marker}`, '127.0.0.1', '$(touch x)']);
    const r = await runKit(args);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(existsSync(marker), false, 'a hostile argument executed');
    const kit = parseKitOutput(r.stdout, hostile.length + 2);
    assert.ok(kit.done && kit.tools);
    for (const [i, a] of kit.attempts.entries()) { assert.deepEqual(a, [], `target ${i} was probed`); }
    assert.equal(r.stdout.split('\n').filter((l) => l.startsWith('@okp X ')).length, hostile.length + 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the kit against real loopback ports: parallel targets, classified as the per-tool path does', { skip: !hasDash && 'no sh' }, async () => {
  const srv = createServer((s) => s.destroy());
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  const open = (srv.address() as AddressInfo).port;
  const closed = await freePort();
  // The shells and tool sets of common images: dash with the host's tools, and busybox alone (nc without -z).
  const bbDir = mkdtempSync(join(tmpdir(), 'okd-bb-'));
  const shells: [string, string, Record<string, string>][] = [['sh', 'host', {}]];
  if (existsSync('/usr/bin/busybox')) {
    for (const t of ['sh', 'nc', 'wget', 'timeout', 'printf']) { symlinkSync('/usr/bin/busybox', join(bbDir, t)); }
    shells.push([join(bbDir, 'sh'), 'busybox', { PATH: bbDir }]);
  }
  try {
    for (const [shell, name, env] of shells) {
      const targets = [{ host: '127.0.0.1', port: open }, { host: '127.0.0.1', port: closed }];
      const r = await runKit(targets.flatMap((t) => [t.host, String(t.port)]), env, shell);
      const kit = parseKitOutput(r.stdout, 2);
      assert.ok(kit.done && kit.tools, `${name}: ${r.stdout} ${r.stderr}`);
      const fake = new FakeClusterClient();
      fake.onExec = (_n, _p, _c, argv) => (argv[3] === 'probe-kit' ? r : notFound(argv[0]));
      const res = await probeAll({ client: fake, namespace: 'n', pod: 'p', container: 'c' }, targets);
      assert.deepEqual(res.map((x) => x.outcome), ['connected', 'refused'], `${name}: ${JSON.stringify(res)}`);
      assert.equal(fake.execLog.length, 1, `${name}: one exec for both targets`);
      if (name === 'busybox') { assert.equal(res[1].tool, 'nc-busybox'); }
      assert.ok(res[0].argv && res[0].argv.includes('127.0.0.1'), 'the argv a human can re-run');
    }
  } finally {
    srv.close();
    rmSync(bbDir, { recursive: true, force: true });
  }
});

test('probeAll: one kit exec; no shell falls back to argv tools, each missing one tried once per container', async () => {
  const fake = new FakeClusterClient();
  // kit output of a container with nc (busybox) and timeout; localhost is probed as both loopbacks
  fake.onExec = (_n, _p, _c, argv) => {
    assert.equal(argv[3], 'probe-kit');
    const hosts = argv.slice(4).filter((_, i) => i % 2 === 0);
    const lines = ['@okp T nc timeout'];
    hosts.forEach((h, i) => {
      lines.push(`@okp R ${i} nc 1 1 \x01nc: invalid option -- 'z'\x01Usage: nc [OPTIONS] HOST PORT`);
      lines.push(h === '::1' ? `@okp R ${i} nc-busybox 1 124 ` : `@okp R ${i} nc-busybox 1 1 \x01nc: can't connect to remote host (${h}): Connection refused`);
    });
    return { stdout: `${lines.join('\n')}\n@okp D\n`, stderr: '', exitCode: 0 };
  };
  const ctx = { client: fake, namespace: 'apps', pod: 'p', container: 'c' };
  const res = await probeAll(ctx, [{ host: 'localhost', port: 4317 }, { host: '10.96.0.12', port: 4317 }, { host: 'x;id', port: 1 }]);
  assert.equal(fake.execLog.length, 1);
  assert.deepEqual(fake.execLog[0].argv.slice(4), ['127.0.0.1', '4317', '::1', '4317', '10.96.0.12', '4317']);
  assert.equal(res[0].outcome, 'connected', 'busybox nc held open on ::1 until timeout');
  assert.match(res[0].detail, /^localhost as ::1/);
  assert.equal(res[1].outcome, 'refused');
  assert.deepEqual(res[1].argv, ['timeout', '4', 'nc', '-w', '2', '10.96.0.12', '4317']);
  assert.deepEqual(res[1].tried.map((t) => t.tool), ['nc']);
  assert.equal(res[2].outcome, 'not-run');

  // distroless python: no sh; python3 answers; bash/nc/wget/curl are found missing once, not per target
  const fake2 = new FakeClusterClient();
  fake2.onExec = (_n, _p, _c, argv) => {
    if (argv[0] !== 'python3') { return notFound(argv[0]); }
    return { stdout: '', stderr: 'ConnectionRefusedError: [Errno 111] Connection refused\n', exitCode: 1 };
  };
  const res2 = await probeAll({ ...ctx, client: fake2 }, [{ host: '10.0.0.1', port: 4317 }, { host: '10.0.0.2', port: 4317 }, { host: '10.0.0.3', port: 4318 }]);
  assert.deepEqual(res2.map((x) => x.outcome), ['refused', 'refused', 'refused']);
  const cmds = fake2.execLog.map((e) => e.argv[0]);
  assert.deepEqual(cmds, ['sh', 'bash', 'nc', 'wget', 'curl', 'python3', 'python3', 'python3']);

  // the kit stopped on an answer classifyProbe finds inconclusive: the next tools run as argv
  const fake3 = new FakeClusterClient();
  fake3.onExec = (_n, _p, _c, argv) => {
    if (argv[3] === 'probe-kit') { return { stdout: '@okp T wget curl timeout\n@okp R 0 wget 1 1 \x01wget: something odd\n@okp D\n', stderr: '', exitCode: 0 }; }
    if (argv[2] === 'curl') { return { stdout: '', stderr: 'curl: (7) Failed to connect to 10.0.0.1 port 4317 after 0 ms: Couldn\'t connect to server\n', exitCode: 7 }; }
    return notFound(argv[0]);
  };
  const [r3] = await probeAll({ ...ctx, client: fake3 }, [{ host: '10.0.0.1', port: 4317 }]);
  assert.equal(r3.outcome, 'refused');
  assert.equal(r3.tool, 'curl');
  assert.deepEqual(fake3.execLog.map((e) => e.argv[2] === PROBE_KIT ? 'kit' : e.argv[2]), ['kit', 'curl']);

  // exec forbidden: one exec, every target not-run with the reason
  const fake4 = new FakeClusterClient();
  fake4.onExec = () => ({ stdout: '', stderr: '', exitCode: null, error: { reason: 'Forbidden', code: 403, message: 'cannot create resource "pods/exec"' } });
  const res4 = await probeAll({ ...ctx, client: fake4 }, [{ host: '10.0.0.1', port: 4317 }, { host: '10.0.0.2', port: 4317 }]);
  assert.equal(fake4.execLog.length, 1);
  assert.deepEqual(res4.map((x) => x.detail), ['Forbidden: cannot create resource "pods/exec"', 'Forbidden: cannot create resource "pods/exec"']);
  assert.deepEqual(res4.map((x) => x.notRun), [0, 1].map(() => ({ reason: 'rbac-denied', detail: 'cannot create resource "pods/exec"' })));

  // a container that is not running: nothing to probe from, said so for code
  const fake5 = new FakeClusterClient();
  fake5.onExec = () => ({ stdout: '', stderr: '', exitCode: null, error: { reason: 'BadRequest', code: 400, message: 'container not found ("app")' } });
  const [r5] = await probeAll({ ...ctx, client: fake5 }, [{ host: '10.0.0.1', port: 4317 }]);
  assert.equal(r5.notRun?.reason, 'container-not-running');
  const [r6] = await probeAll(ctx, [{ host: 'x;id', port: 1 }]);
  assert.deepEqual(r6.notRun, { reason: 'invalid-target' });
});
