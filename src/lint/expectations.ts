/**
 * Test expectations are not objects to apply: an end-to-end test's assert files hold the state a cluster
 * should reach (often partial objects, or a Pod as the operator rewrites it), and linking them with the
 * manifests they check would make every object a conflicting second declaration. Two sources say which
 * files they are, both documented by the tools:
 * - a Chainsaw Test (`apiVersion: chainsaw.kyverno.io/*`, `kind: Test`, by default `chainsaw-test.yaml`):
 *   the files its steps name in `assert` and `error` operations, relative to the test's folder;
 * - the file-name convention of KUTTL and of Chainsaw's manifests syntax, `<step index>-assert.yaml` and
 *   `<step index>-errors.yaml` (`-error.yaml` in Chainsaw).
 * The Test itself is skipped too: it drives a test, it is not applied. So are a Helm chart's templates
 * (Go templates until `helm template` renders them).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, matchesGlob, normalize } from 'node:path';
import type { SourceDoc } from './source.ts';
import { isObj } from './is-obj.ts';

const STEP_EXPECTATION = /^\d+-(assert|errors?)\.ya?ml$/i;
const OPERATION_LISTS = ['try', 'catch', 'finally', 'cleanup'];

export function isChainsawTest(v: unknown): boolean {
  return isObj(v) && v.kind === 'Test' && typeof v.apiVersion === 'string' && v.apiVersion.startsWith('chainsaw.kyverno.io/');
}

/** The files a Chainsaw Test asserts against, as paths or globs joined to the test's folder. */
function assertedBy(sd: SourceDoc): string[] {
  const v = sd.value as Record<string, any>;
  const dir = dirname(sd.file);
  const out: string[] = [];
  const steps: unknown[] = Array.isArray(v.spec?.steps) ? v.spec.steps : [];
  for (const step of steps) {
    if (!isObj(step)) { continue; }
    for (const list of OPERATION_LISTS) {
      const ops: unknown[] = Array.isArray(step[list]) ? step[list] : [];
      for (const op of ops) {
        if (!isObj(op)) { continue; }
        for (const kind of ['assert', 'error']) {
          const file = isObj(op[kind]) ? op[kind].file : undefined;
          if (typeof file === 'string' && file && !/^[a-z]+:\/\//i.test(file)) { out.push(normalize(join(dir, file))); }
        }
      }
    }
  }
  return out;
}

/** File -> why it is an expectation, for every file among `docs` that is one. */
export function expectationFiles(docs: SourceDoc[], names: string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  const patterns: { pattern: string; test: string }[] = [];
  for (const sd of docs) {
    if (!isChainsawTest(sd.value)) { continue; }
    out.set(sd.file, 'a Chainsaw Test (drives an end-to-end test; not applied)');
    for (const p of assertedBy(sd)) { patterns.push({ pattern: p, test: sd.file }); }
  }
  // By name too: a file that did not parse has no documents but may still be an assert file.
  const files = new Set([...docs.map((d) => d.file), ...names]);
  for (const file of files) {
    if (out.has(file) || file === '-') { continue; }
    const norm = normalize(file);
    const hit = patterns.find((p) => p.pattern === norm || (/[*?[{]/.test(p.pattern) && matchesGlob(norm, p.pattern)));
    if (hit) {
      out.set(file, `an assert file of the Chainsaw Test ${hit.test} (the state it expects, not objects to apply)`);
    } else if (STEP_EXPECTATION.test(basename(file))) {
      out.set(file, 'a test step expectation by its name (<step>-assert/-errors.yaml, the KUTTL and Chainsaw convention): the state it expects, not objects to apply');
    }
  }
  return out;
}

/**
 * The chart directory when `file` is under a Helm chart's `templates/` (a folder beside a Chart.yaml):
 * Go templates, which `helm template` renders; linted raw they read as malformed YAML.
 */
export function chartOfTemplate(file: string): string | undefined {
  for (let dir = dirname(file), prev = ''; dir !== prev; prev = dir, dir = dirname(dir)) {
    if (basename(dir) === 'templates' && existsSync(join(dirname(dir), 'Chart.yaml'))) { return dirname(dir); }
  }
  return undefined;
}
