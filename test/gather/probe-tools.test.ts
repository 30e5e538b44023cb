import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { kitArgv, parseKitOutput, PROBE_KIT, probeArgv } from '../../src/gather/probe-kit.ts';
import { classifyProbe } from '../../src/gather/probes.ts';
import { PRIMARY_TOOLS, PROBE_TOOLS, probeMethod, TOOL_NAMES, type ProbeTool } from '../../src/gather/probe-tools.ts';
import { runExec } from '../helpers/run.ts';

// The table is the only place a tool is named: these are its invariants, and the kit and the Snapshot's
// labels as they follow from it. A new tool is a row in the table and a line in `expected` below.
const expected: Record<ProbeTool, { method: string; kit: string }> = {
  bash: { method: 'bash-dev-tcp', kit: `bash -c 'exec 3<>/dev/tcp/$1/$2' probe "$h" "$p"` },
  nc: { method: 'nc', kit: 'nc -z -v -w "$T" "$h" "$p"' },
  'nc-busybox': { method: 'nc', kit: 'nc -w "$T" "$h" "$p"' },
  wget: { method: 'wget', kit: 'wget -T "$T" -O /dev/null "http://$u:$p/"' },
  curl: { method: 'curl', kit: 'curl -sS -o /dev/null --connect-timeout "$T" -m 3 "http://$u:$p/"' },
  python3: { method: 'python3', kit: `python3 -c 'import socket,sys` },
  node: { method: 'node', kit: `node -e 'const s=require` },
  perl: { method: 'perl', kit: `perl -e 'use IO::Socket::IP;` },
};

test('every tool: its label, its argv with the target as separate elements, its command in the kit', () => {
  assert.deepEqual([...TOOL_NAMES].sort(), Object.keys(expected).sort());
  const target = { host: 'otel-collector.observability.svc', port: 4317 };
  for (const tool of TOOL_NAMES) {
    const spec = PROBE_TOOLS[tool];
    // names are written into the kit script as words
    assert.match(tool, /^[a-z0-9-]+$/);
    assert.equal(probeMethod(tool), expected[tool].method, tool);
    const argv = probeArgv(tool, target, false);
    assert.equal(argv[0], spec.binary, tool);
    const url = argv.find((a) => a.startsWith('http://'));
    if (url) {
      assert.equal(url, 'http://otel-collector.observability.svc:4317/');
    } else {
      assert.ok(argv.includes(target.host) && argv.includes('4317'), `${tool}: ${argv.join(' ')}`);
    }
    // the code argument (-c / -e) is a constant: it never holds the target
    const code = argv.findIndex((a) => a === '-c' || a === '-e');
    if (code >= 0) {
      assert.ok(!argv[code + 1].includes(target.host), tool);
    }
    assert.ok(PROBE_KIT.includes(`exec $R ${expected[tool].kit}`), `${tool}: its command is in the kit`);
  }
});

test('primary tools are found by name in the kit; a fallback follows a tool that can say it is the other flavour', () => {
  const detect = /^for t in (.*) timeout; do have/m.exec(PROBE_KIT)?.[1].split(' ');
  const loop = /^ {2}for t in (.*); do$/m.exec(PROBE_KIT)?.[1].split(' ');
  assert.deepEqual(loop, PRIMARY_TOOLS);
  for (const tool of TOOL_NAMES) {
    const spec = PROBE_TOOLS[tool];
    assert.ok(detect?.includes(spec.binary), `${tool}: its binary is detected`);
    if (spec.fallbackOf) {
      const of = spec.fallbackOf as ProbeTool;
      assert.ok(PRIMARY_TOOLS.includes(of) && PROBE_TOOLS[of].usage, `${tool} falls back from a primary tool with a usage error`);
      assert.equal(PROBE_TOOLS[of].binary, spec.binary);
    } else {
      // the kit's loop checks `have "$t"`: a primary tool is named as its binary
      assert.equal(spec.binary, tool);
      assert.match(PROBE_KIT, new RegExp(`^ {6}${tool}\\) `, 'm'), `${tool}: a case arm`);
    }
  }
});

test('kit records name every tool, and only tools', () => {
  const lines = TOOL_NAMES.map((t, i) => `@okp R 0 ${t} 1 ${i} \x01out`);
  const kit = parseKitOutput(['@okp T nc', ...lines, '@okp R 0 sh 1 0 \x01x', '@okp D'].join('\n'), 1);
  assert.deepEqual(kit.attempts[0].map((a) => a.tool), TOOL_NAMES);
});

test('an IPv6 target: a bare host element for every tool, brackets only inside URLs', () => {
  const target = { host: 'fd00:10:96::14', port: 4317 };
  for (const tool of TOOL_NAMES) {
    const argv = probeArgv(tool, target, false);
    const url = argv.find((a) => a.startsWith('http://'));
    if (url) {
      assert.equal(url, 'http://[fd00:10:96::14]:4317/', tool);
    } else {
      assert.deepEqual(argv.filter((a) => a.includes('fd00')), ['fd00:10:96::14'], `${tool}: ${argv.join(' ')}`);
    }
  }
  assert.deepEqual(kitArgv([target]).slice(4), ['fd00:10:96::14', '4317']);
  // the kit brackets the URL host itself
  assert.match(PROBE_KIT, /case \$h in \*:\*\) u="\[\$h\]";; \*\) u=\$h;; esac/);
});

// Every tool on this machine, by itself and inside the kit, against a real IPv6 loopback listener and a
// closed IPv6 port: the answers read as the kernel meant them (perl's IO::Socket::INET read `::1` as a
// bad host name: a DNS failure).
const hasIPv6 = spawnSync('sh', ['-c', 'test -e /proc/net/tcp6']).status === 0;
test('real tools reach [::1]: connected and refused, per tool and through the kit', { skip: !hasIPv6 && 'no IPv6' }, async () => {
  const srv = createServer((s) => s.destroy());
  await new Promise<void>((res, rej) => srv.once('error', rej).listen(0, '::1', res));
  const open = (srv.address() as AddressInfo).port;
  const probe = createServer();
  await new Promise<void>((res) => probe.listen(0, '::1', res));
  const closed = (probe.address() as AddressInfo).port;
  await new Promise<void>((res) => probe.close(() => res()));
  const run = (argv: string[]) => runExec(argv[0], argv.slice(1));
  try {
    // the tools that start fast (`timeout` bounds each; an interpreter's start on a loaded machine would not fit)
    for (const tool of ['bash', 'curl', 'perl'] as ProbeTool[]) {
      if (spawnSync('sh', ['-c', `command -v ${PROBE_TOOLS[tool].binary}`]).status !== 0) { continue; }
      for (const [port, want] of [[open, 'connected'], [closed, 'refused']] as const) {
        const out = await run(probeArgv(tool, { host: '::1', port }, true));
        assert.equal(classifyProbe(tool, out, true).outcome, want, `${tool} -> [::1]:${port}: ${out.stderr}`);
      }
    }
    const kit = await run(kitArgv([{ host: '::1', port: open }, { host: '::1', port: closed }]));
    const parsed = parseKitOutput(kit.stdout, 2);
    assert.ok(parsed.done, kit.stdout + kit.stderr);
    const outcome = (i: number) => {
      const a = parsed.attempts[i].at(-1);
      assert.ok(a, `target ${i}: ${kit.stdout}`);
      return classifyProbe(a.tool, { stdout: a.output, stderr: '', exitCode: a.exitCode }, a.wrapped).outcome;
    };
    assert.equal(outcome(0), 'connected');
    assert.equal(outcome(1), 'refused');
  } finally {
    srv.close();
  }
});
