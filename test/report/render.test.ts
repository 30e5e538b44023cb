import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { judge } from '../../src/engine.ts';
import type { Finding, Report } from '../../src/report/finding.ts';
import { renderReport } from '../../src/report/render/index.ts';
import { clean } from '../../src/report/render/common.ts';
import { wrapCommand, wrapLine } from '../../src/report/render/text.ts';
import { shellQuote } from '../../src/report/fix-commands.ts';
import { sanitize } from '../../src/report/sanitize.ts';
import { loadSnapshot, variant } from '../rules/helpers.ts';

const ANSI = /\x1b\[[0-9;]*m/g;
const plain = (s: string): string => s.replace(ANSI, '');

test('sanitize strips ANSI CSI/OSC and control characters', () => {
  assert.equal(sanitize('a\x1b[31mred\x1b[0m b'), 'ared b');
  assert.equal(sanitize('x\x1b]0;pwned\x07y'), 'xy');
  assert.equal(sanitize('bell\x07 nul\x00 del\x7f c1\x9b31m'), 'bell nul del c1');
  assert.equal(sanitize('two\nlines'), 'two lines');
  assert.equal(sanitize('two\nlines', { keepNewlines: true }), 'two\nlines');
});

const hostile = variant(loadSnapshot('seed'), (s) => {
  s.logs[1].matches[0].line = 'traces export: connect: connection refused \x1b[2J\x1b]0;owned\x07\x1b[31mEVIL';
  s.apps[0].exporter.endpoint!.value = 'http://otel-collector.observability.svc.cluster.local:4317\x1b[1m';
});

for (const fmt of ['table', 'wide', 'json', 'yaml', 'markdown'] as const) {
  test(`${fmt}: no escape sequence from the cluster reaches the output`, () => {
    const out = renderReport(judge(hostile), fmt, { color: false });
    assert.doesNotMatch(out, /\x1b|\x07/);
    assert.match(out, /receiver-bound-to-loopback/);
  });
}

test('colour: only when asked, only the renderer\'s own codes, after sanitising', () => {
  const r = judge(hostile);
  const coloured = renderReport(r, 'table', { color: true, width: 100 });
  assert.match(coloured, /^\x1b\[1mSEVERITY\x1b\[0m/m);
  assert.match(coloured, /^\x1b\[31mERROR\x1b\[0m +receiver-bound-to-loopback/m);
  assert.match(coloured, /^ {2}\x1b\[34mconfig\x1b\[0m +receivers\.otlp/m, 'source labels coloured');
  assert.match(coloured, /^ {2}\x1b\[32mexec\x1b\[0m/m);
  assert.match(coloured, /^ {2}\x1b\[33mlog\x1b\[0m/m);
  // The hostile log line's own escapes are gone; every escape left is one of the renderer's SGR codes.
  assert.doesNotMatch(coloured.replace(ANSI, ''), /\x1b|\x07/);
  assert.doesNotMatch(coloured, /EVIL\x1b|\x1b\[2J|\]0;owned/);
  assert.match(renderReport(r, 'wide', { color: true, width: 160 }), /\x1b\[31mERROR/);
  for (const fmt of ['table', 'wide'] as const) { assert.doesNotMatch(renderReport(r, fmt, { color: false }), /\x1b/); }
});

/** The three reports of issue 11: the seed, three findings, and a clean one. */
const seed = (): Report => judge(loadSnapshot('seed'));
const three = (): Report => judge(loadSnapshot('app-port-not-exposed'));
const cleanSnap = variant(loadSnapshot('healthy-helm'), (s) => {
  const c = s.collectors[0];
  // The chart's default binding made portable: 0.0.0.0 everywhere, so no rule has anything to say.
  const protocols = ((c.effectiveConfig as { receivers: { otlp: { protocols: Record<string, { endpoint: string }> } } }).receivers.otlp.protocols);
  protocols.grpc.endpoint = '0.0.0.0:4317';
  protocols.http.endpoint = '0.0.0.0:4318';
  (c.effectiveConfig as { extensions: { health_check: { endpoint: string } } }).extensions.health_check.endpoint = '0.0.0.0:13133';
  // A diagnosis reads the collector's log: a quiet one leaves the way-out rules (exporter-*) nothing to say.
  s.logs.push({ namespace: c.namespace, pod: c.pod, container: c.container, role: 'collector', matches: [], tail: ['2025-01-01T00:00:00.000Z\tinfo\tservice@v0.120.0/service.go:275\tEverything is ready. Begin running and processing data.'] });
});
const cleanReport = (): Report => judge(cleanSnap);

test('the fixtures are what the tests claim: the seed has its error, three findings, a clean result', () => {
  assert.deepEqual(seed().findings.map((f) => f.rule), ['receiver-bound-to-loopback']);
  assert.equal(three().findings.length, 3);
  assert.equal(cleanReport().findings.length, 0);
});

/**
 * Where a proof line went: its first line starts with `  <source>` and its continuation lines are indented
 * under the text. Put back together with the rule the wrapper follows (a break at a space dropped that one
 * space, a split word lost nothing), the text must be the evidence exactly.
 */
function proofEntries(out: string): { source: string; pieces: string[] }[] {
  const lines = plain(out).split('\n');
  const entries: { source: string; pieces: string[] }[] = [];
  let inProof = false;
  for (const l of lines) {
    if (l === 'Proof') {
      inProof = true;
      continue;
    }
    if (!inProof) { continue; }
    const m = /^ {2}(config|api|exec|log) {2,}(.*)$/.exec(l);
    if (m) { entries.push({ source: m[1], pieces: [m[2]] }); }
    else if (/^ {10}\S/.test(l) && entries.length) { entries.at(-1)!.pieces.push(l.slice(10)); }
    else { inProof = false; }
  }
  return entries;
}

function rejoins(detail: string, pieces: string[]): boolean {
  let pos = 0;
  for (const [i, p] of pieces.entries()) {
    if (detail.startsWith(p, pos)) { pos += p.length; }
    else if (i > 0 && detail[pos] === ' ' && detail.startsWith(p, pos + 1)) { pos += 1 + p.length; }
    else { return false; }
  }
  return pos === detail.length;
}

function assertProofUncut(out: string, f: Finding, entries: { source: string; pieces: string[] }[]): void {
  for (const e of f.evidence) {
    const want = clean(e.detail);
    assert.ok(entries.some((x) => x.source === e.source && rejoins(want, x.pieces)), `proof line missing or cut: [${e.source}] ${want}\n${out}`);
  }
}

/** A rendered command, taken back out of the output (the line after the label, then its continuations). */
function commandText(out: string, label: string, nth = 0): string | undefined {
  const lines = plain(out).split('\n');
  const starts = lines.flatMap((l, i) => (l.startsWith(`  ${label} `) ? [i] : []));
  const i = starts[nth];
  if (i === undefined) { return undefined; }
  const got = [lines[i].slice(11)];
  let j = i;
  while (/\\$/.test(lines[j]) && j + 1 < lines.length) { got.push(lines[++j]); }
  return got.join('\n');
}

/** The lines under `patch` in the i-th finding's block, with the fix label column (2 + 9) taken off. */
function patchBlock(out: string, i: number): string {
  const blocks = out.split(/^(?=\d+\. )/m).slice(1);
  const lines = (blocks[i] ?? '').split('\n');
  const start = lines.findIndex((l) => /^ {2}patch$/.test(l));
  if (start < 0) { return ''; }
  const body: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (!/^ {11}/.test(l) && l.trim() !== '') { break; }
    body.push(l.slice(11));
  }
  return body.join('\n');
}

for (const width of [80, 100, 160]) {
  for (const [name, make] of [['seed', seed], ['three findings', three], ['clean', cleanReport]] as const) {
    test(`${name} at ${width} columns: no line wider than the terminal, proof uncut, patch and restart present`, () => {
      const r = make();
      for (const fmt of ['table', 'wide'] as const) {
        for (const color of [false, true]) {
          const out = renderReport(r, fmt, { width, color });
          for (const line of plain(out).split('\n')) { assert.ok(line.length <= width, `${fmt} line of ${line.length} > ${width}: ${line}`); }
        }
      }
      const out = renderReport(r, 'table', { width, color: false });
      if (!r.findings.length) {
        const lines = out.trimEnd().split('\n');
        assert.ok(lines.length <= 12, `a clean result stays short:\n${out}`);
        assert.match(out, /^No problems found: 1 collector pod\(s\) and 2 app container\(s\) checked/);
        assert.match(out.replace(/\n +/g, ' '), /collector observability\/otel-collector-agent-7f8d9c6b5-q8w2z otel\/opentelemetry-collector-k8s:0\.120\.0: otlp\/grpc 0\.0\.0\.0:4317 \(all-interfaces\)/);
        assert.match(out.replace(/\n +/g, ' '), /app shop\/cart-5d9f8b7c6-aaaaa \(cart\) -> http:\/\/otel-collector\.observability\.svc\.cluster\.local:4318\/v1\/traces \[probe: connected\]/);
        return;
      }
      // The summary: one line per root cause, in the findings' order, only WHAT cut.
      const rows = out.split('\n').filter((l) => /^(ERROR|WARNING|INFO) /.test(l));
      assert.equal(rows.length, r.findings.length);
      r.findings.forEach((f, i) => {
        const m = /^(\S+) +(\S+) +(.+?) {2,}(.+)$/.exec(rows[i]);
        assert.ok(m, rows[i]);
        assert.equal(m[1], f.severity.toUpperCase());
        assert.equal(m[2], f.rule);
        const what = clean(f.summary);
        assert.ok(m[4] === what || (m[4].endsWith('…') && what.startsWith(m[4].slice(0, -1))), `WHAT is the summary or its start: ${m[4]}`);
        if (width >= 100) { assert.equal(m[3], `${f.subject.kind} ${f.subject.namespace}/${f.subject.name}`); }
      });
      const entries = proofEntries(out);
      for (const f of r.findings) {
        assertProofUncut(out, f, entries);
        for (const l of (f.fix.patch ?? '').split('\n').filter(Boolean)) {
          // A wrapped comment continues as a comment: compare without comment marks and spaces.
          const squash = (t: string) => t.replace(/#/g, '').replace(/\s+/g, '');
          assert.ok(squash(out).includes(squash(l)), `patch line ${l}`);
        }
      }
      // The patch as printed, its label column taken off, is the same YAML as the finding's patch: it pastes.
      r.findings.forEach((f, i) => {
        let want: unknown;
        try { want = parse(f.fix.patch ?? ''); } catch { return; }
        assert.deepEqual(parse(patchBlock(out, i)), want, `finding ${i + 1}'s patch as printed at ${width} columns`);
      });
      const f0 = r.findings[0];
      if (name === 'seed') {
        assert.equal(commandText(out, 'restart'), 'kubectl rollout restart deployment/otel-collector -n observability');
        assert.match(out, /^ {2}change +ConfigMap observability\/otel-collector-config, key collector\.yaml$/m);
        assert.match(out, /^ {2}apply +kubectl edit configmap\/otel-collector-config -n observability$/m);
        assert.ok(commandText(out, 'verify')?.replace(/ \\\n +/g, ' ') === 'kubectl otel-doctor diagnose -n observability --collector otel-collector');
        assert.deepEqual(f0.fix.commands?.restart, 'kubectl rollout restart deployment/otel-collector -n observability');
      } else {
        // A Service patch takes effect at once; an env change rolls the pods by itself: both say so.
        assert.match(out.replace(/\n +/g, ' '), /restart +not needed: a Service change takes effect without a restart/);
        assert.match(out.replace(/\n +/g, ' '), /restart +not needed: changing the pod template rolls the pods out by itself/);
      }
    });
  }
}

test('the commands paste as the same argv into a shell, however narrow the terminal', (t) => {
  if (spawnSync('bash', ['-c', 'true']).status !== 0) {
    t.skip('no bash to run the commands through');
    return;
  }
  const argv = (cmd: string): string => {
    // printf stands in for the program: it prints every argument the shell hands it.
    // helm stands in for `helm get metadata`, so a version asked from Helm is part of the argv compared.
    const r = spawnSync('bash', ['-c', `helm() { printf 'NAME: x\\nVERSION: 0.117.0\\n'; }; set -f; printf '<%s>' ${cmd.replace(/^\S+ /, '')}`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const unversioned = judge(variant(loadSnapshot('healthy-helm'), (x) => { delete x.collectors[0].labels['helm.sh/chart']; }));
  const commands = [three(), judge(loadSnapshot('healthy-helm')), unversioned].flatMap((r) => r.findings.flatMap((f) => [...(f.fix.commands?.apply ?? []), f.fix.commands?.restart ?? '', f.fix.commands?.verify ?? ''])).filter((c) => c && !c.includes('\n'));
  commands.push(`kubectl set env deployment/x -n shop ${"'A=it''s a value with spaces and a very long tail that cannot fit anywhere on a line'"}`);
  // A value from the cluster stays one literal argument: no substitution, however it is cut.
  commands.push(`kubectl set env deployment/x ${shellQuote("A=http://h:4317/$(touch /tmp/otel-doctor-pwned)`id`'; echo 'x")}`);
  assert.ok(commands.some((c) => c.startsWith('helm upgrade') && c.includes('$(helm get metadata otel-collector -n observability')));
  assert.match(argv(commands.find((c) => c.includes('$(helm get metadata'))!), /<--version><0\.117\.0>/);
  for (const width of [40, 60, 80]) {
    for (const c of commands) {
      const lines = wrapCommand(c, width, 11);
      for (const l of lines) { assert.ok(l.length <= width, `${l.length} > ${width}: ${l}`); }
      assert.equal(argv(lines.join('\n').trimStart()), argv(c), lines.join('\n'));
    }
  }
});

test('wrapLine cuts nothing: long words are split, breaks drop one space only', () => {
  const text = 'probe from shop/checkout to otel-collector.observability.svc.cluster.local:4317 via nc:  refused';
  for (const w of [10, 20, 33]) {
    const lines = wrapLine(text, w);
    for (const l of lines) { assert.ok(l.length <= w, l); }
    assert.ok(rejoins(text, lines), lines.join('|'));
  }
});

test('Helm-managed collector: the fix is the Helm value and a helm upgrade line, never a ConfigMap edit', () => {
  const r = judge(loadSnapshot('healthy-helm'));
  const f = r.findings.find((x) => x.rule === 'receiver-bound-to-pod-ip')!;
  assert.deepEqual(f.subject.managedBy, { tool: 'helm', release: 'otel-collector', chart: 'open-telemetry/opentelemetry-collector', chartVersion: '0.117.0', namespace: 'observability' });
  assert.deepEqual(f.fix.object, { kind: 'Helm release', namespace: 'observability', name: 'otel-collector', key: 'config' });
  assert.deepEqual(f.fix.commands?.apply, [
    'helm upgrade otel-collector open-telemetry/opentelemetry-collector -n observability --reuse-values --version 0.117.0 --set config.receivers.otlp.protocols.grpc.endpoint=0.0.0.0:4317 --set config.receivers.otlp.protocols.http.endpoint=0.0.0.0:4318',
  ]);
  const out = renderReport(r, 'table', { width: 100 });
  assert.doesNotMatch(out, /kubectl edit configmap/);
  // The chart's checksum/config rolls the pods on upgrade; without that annotation the restart is given.
  const rolled = judge(variant(loadSnapshot('healthy-helm'), (s) => { s.collectors[0].annotations = { 'checksum/config': 'abc' }; }));
  const g = rolled.findings.find((x) => x.rule === 'receiver-bound-to-pod-ip')!;
  assert.equal(g.fix.commands?.restart, undefined);
  assert.match(g.fix.commands?.restartNote ?? '', /checksum\/config/);
});

test('operator-managed collector: the fix is the OpenTelemetryCollector CR, never the generated ConfigMap', () => {
  const s = variant(loadSnapshot('seed'), (x) => {
    const c = x.collectors[0];
    c.managedBy = { operator: 'opentelemetry-operator', crName: 'otel' };
    c.owner = { kind: 'Deployment', name: 'otel-collector', namespace: 'observability' };
    c.configSources = [{ kind: 'cr', crName: 'otel' }];
  });
  const f = judge(s).findings.find((x) => x.rule === 'receiver-bound-to-loopback')!;
  assert.deepEqual(f.fix.object, { kind: 'OpenTelemetryCollector', namespace: 'observability', name: 'otel', key: 'spec.config' });
  assert.deepEqual(f.fix.commands?.apply, ['kubectl edit opentelemetrycollector/otel -n observability']);
  assert.match(f.fix.commands?.restartNote ?? '', /opentelemetry-operator-config\/sha256/);
  assert.doesNotMatch(JSON.stringify(f.fix.commands), /configmap/i);
});

test('json, yaml and markdown carry the commands as additive fields', () => {
  const r = seed();
  const doc = JSON.parse(renderReport(r, 'json'));
  assert.deepEqual(doc.findings[0].fix.commands, {
    apply: ['kubectl edit configmap/otel-collector-config -n observability'],
    restart: 'kubectl rollout restart deployment/otel-collector -n observability',
    verify: 'kubectl otel-doctor diagnose -n observability --collector otel-collector',
  });
  assert.equal(doc.findings[0].fix.summary, r.findings[0].fix.summary, 'the old fields stay');
  assert.match(renderReport(r, 'yaml'), /restart: kubectl rollout restart deployment\/otel-collector -n observability/);
  assert.match(renderReport(r, 'markdown'), /\n```sh\nkubectl edit configmap\/otel-collector-config -n observability\nkubectl rollout restart deployment\/otel-collector -n observability\nkubectl otel-doctor diagnose -n observability --collector otel-collector\n```\n/);
});

test('healthy report says so and lists what was checked', () => {
  const out = renderReport(judge(loadSnapshot('healthy-helm')), 'table', { color: false });
  assert.match(out, /^No problems found: 1 collector pod\(s\) and 2 app container\(s\) checked/);
  assert.match(out.replace(/\n +/g, ' '), /app shop\/cart-5d9f8b7c6-aaaaa \(cart\) -> http:\/\/otel-collector\.observability\.svc\.cluster\.local:4318\/v1\/traces \[probe: connected\]/);
  assert.match(renderReport(judge(loadSnapshot('healthy-helm')), 'markdown'), /\*\*Healthy\.\*\*/);
});

test('wide shows every piece of evidence and the patch', () => {
  const r = seed();
  const wide = renderReport(r, 'wide', { width: 160 });
  // The EVIDENCE column alone, read down the table.
  const column = wide.split('\n').filter((l) => l.startsWith('│')).map((l) => l.split('│')[4] ?? '').join('').replace(/\s+/g, '');
  for (const e of r.findings[0].evidence) { assert.ok(column.includes(`[${e.source}]${clean(e.detail).replace(/\s+/g, '')}`), e.detail); }
  assert.match(wide, /endpoint: 0\.0\.0\.0:4317/);
  assert.match(wide, /kubectl rollout restart deployment\/otel-collector -n observability/);
});

test('judge is deterministic', () => {
  assert.equal(renderReport(seed(), 'json'), renderReport(seed(), 'json'));
});

test('--color and the width: auto means a TTY without NO_COLOR; the TTY columns, else COLUMNS, else 100', async () => {
  const { terminalOptions } = await import('../../src/report/render/terminal.ts');
  assert.deepEqual(terminalOptions('auto', { isTTY: true, columns: 132 }, {}), { color: true, width: 132 });
  assert.deepEqual(terminalOptions('auto', { isTTY: true, columns: 132 }, { NO_COLOR: '1' }), { color: false, width: 132 });
  assert.deepEqual(terminalOptions('auto', { isTTY: false }, { COLUMNS: '90' }), { color: false, width: 90 });
  assert.deepEqual(terminalOptions('always', { isTTY: false }, {}), { color: true });
  assert.deepEqual(terminalOptions('never', { isTTY: true, columns: 80 }, { COLUMNS: '120' }), { color: false, width: 80 });
  assert.match(renderReport(seed(), 'table', terminalOptions('always', { isTTY: false }, {})), /\x1b\[31mERROR/);
});

test('suppressed findings are named, with who suppressed them and why, in table and wide; never a block', async () => {
  const { applyPolicy } = await import('../../src/suppress.ts');
  const r = applyPolicy(seed(), { flags: [{ rule: 'receiver-bound-to-loopback', text: 'receiver-bound-to-loopback' }] }, new Set(['receiver-bound-to-loopback']));
  assert.equal(r.findings.length, 0);
  for (const fmt of ['table', 'wide'] as const) {
    const out = renderReport(r, fmt, { width: 80 });
    assert.match(out.replace(/\n +/g, ' '), /^suppressed: receiver-bound-to-loopback Deployment observability\/otel-collector: ignored on the command line \(flag --ignore receiver-bound-to-loopback\)$/m, fmt);
    assert.doesNotMatch(out, /^Proof$/m);
    for (const l of out.split('\n')) { assert.ok(l.length <= 80, l); }
  }
});

test('a clean result of a big cluster stays short: the first few apps by name, then how many more', () => {
  const big = variant(cleanSnap, (s) => {
    for (let i = 0; i < 40; i++) { s.apps.push({ ...structuredClone(s.apps[0]), pod: `cart-${i}`, container: 'cart' }); }
  });
  const out = renderReport(judge(big), 'table', { width: 100 });
  assert.ok(out.trimEnd().split('\n').length <= 14, out);
  assert.match(out, /^ {2}\.\.\. and 36 more apps \(-o wide lists every one\)$/m);
  assert.match(out, /^No problems found: 1 collector pod\(s\) and 42 app container\(s\) checked/);
});

test('what Helm or the operator renders is changed through them; what they do not render, directly', () => {
  const helm = (x: ReturnType<typeof loadSnapshot>): void => {
    x.collectors[0].labels = { 'app.kubernetes.io/name': 'opentelemetry-collector', 'app.kubernetes.io/instance': 'rel' };
  };
  // The chart's ConfigMap is named after the workload; one of the user's own (configMap.existingName) is not.
  const own = judge(variant(loadSnapshot('seed'), (x) => {
    helm(x);
    x.collectors[0].configSources[0].configMap!.name = 'my-config';
  })).findings[0];
  assert.deepEqual(own.fix.commands?.apply, ['kubectl edit configmap/my-config -n observability']);
  assert.equal(own.fix.commands?.restart, 'kubectl rollout restart deployment/otel-collector -n observability');
  const chart = judge(variant(loadSnapshot('seed'), helm)).findings[0];
  assert.match(chart.fix.commands?.apply[0] ?? '', /^helm upgrade rel open-telemetry\/opentelemetry-collector -n observability --reuse-values --version "\$\(helm get metadata rel -n observability \| awk '\/\^VERSION:\/ \{print \$2\}'\)" --set config\.receivers\.otlp\.protocols\.grpc\.endpoint=0\.0\.0\.0:4317 --set config\.receivers\.otlp\.protocols\.http\.endpoint=0\.0\.0\.0:4318$/);
  assert.equal(chart.fix.commands?.restart, 'kubectl rollout restart deployment/otel-collector -n observability', 'no checksum/config on the pods: the upgrade alone does not roll them');
  // A Service the operator generated (`<cr>-collector`) is changed in the CR, even from an app's finding.
  const op = judge(variant(loadSnapshot('app-port-not-exposed'), (x) => {
    for (const c of x.collectors) { c.managedBy = { operator: 'opentelemetry-operator', crName: 'otel' }; }
  }));
  const svc = op.findings.find((f) => f.fix.target?.startsWith('Service '))!;
  assert.deepEqual(svc.fix.object, { kind: 'OpenTelemetryCollector', namespace: 'observability', name: 'otel' });
  assert.deepEqual(svc.fix.commands?.apply, ['kubectl edit opentelemetrycollector/otel -n observability']);
});
