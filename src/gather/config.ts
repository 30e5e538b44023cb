/**
 * The collector's configuration sources as its container would see them: each `--config` argument
 * (a file behind a ConfigMap volume, `env:VAR`, `yaml:...`, `file:...`), each `--set`, read from the
 * listed ConfigMaps and the resolved environment; then merged with src/otel's model. `${env:X}` stays
 * unexpanded in `effectiveConfig` (otel/config.ts expands with `env` when it reads it).
 */
import { posix } from 'node:path';
import type { KObject } from '../cluster/types.ts';
import { buildEffectiveConfig } from '../otel/config.ts';
import { defaultConfigPaths, distributionForImage, type Distribution } from '../otel/distributions.ts';
import type { ConfigSource } from '../snapshot.ts';
import type { ConfigMapIndex } from './env.ts';

/** `--config=X`, `--config X`, `-c`? (the collector has no short flag), `--set=k=v`, `--set k=v`. */
export function configArgs(argv: string[]): { configs: string[]; sets: string[] } {
  const configs: string[] = [];
  const sets: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = String(argv[i]);
    let m: RegExpExecArray | null;
    if ((m = /^--?config=(.*)$/s.exec(a))) { configs.push(m[1]); }
    else if ((a === '--config' || a === '-config') && i + 1 < argv.length) { configs.push(String(argv[++i])); }
    else if ((m = /^--?set=(.*)$/s.exec(a))) { sets.push(m[1]); }
    else if ((a === '--set' || a === '-set') && i + 1 < argv.length) { sets.push(String(argv[++i])); }
  }
  return { configs, sets };
}

/**
 * The ConfigMap (and key) behind a file path in the container, through its volume mounts. `error`: the pod
 * spec is broken (the collector cannot read the file); `unknown`: the file exists somewhere this cannot
 * read (the image, an emptyDir an init container fills, a Secret or another volume type).
 */
export function configMapForPath(pod: KObject, container: any, path: string): { name: string; key: string; optional?: boolean } | { error: string } | { unknown: string } {
  const mounts: any[] = Array.isArray(container?.volumeMounts) ? container.volumeMounts : [];
  const volumes: any[] = Array.isArray(pod.spec?.volumes) ? pod.spec.volumes : [];
  const norm = posix.normalize(path);
  // Longest mountPath that contains the file wins, as in the container's mount table.
  const candidates = mounts
    .filter((m) => typeof m?.mountPath === 'string')
    .map((m) => ({ m, mp: posix.normalize(m.mountPath).replace(/\/$/, '') }))
    .filter(({ mp }) => norm === mp || norm.startsWith(`${mp}/`))
    .sort((a, b) => b.mp.length - a.mp.length);
  const hit = candidates[0];
  if (!hit) { return { unknown: `no volume is mounted at ${path}: the file comes from the image` }; }
  const vol = volumes.find((v) => v?.name === hit.m.name);
  if (!vol) { return { error: `volumeMount ${hit.m.name} has no volume` }; }
  let rel = norm === hit.mp ? '' : norm.slice(hit.mp.length + 1);
  if (typeof hit.m.subPath === 'string' && hit.m.subPath) { rel = posix.join(hit.m.subPath, rel).replace(/\/$/, ''); }
  const cmSource = vol.configMap ?? vol.projected?.sources?.find((s: any) => s?.configMap)?.configMap;
  if (!cmSource?.name) { return { unknown: `volume ${vol.name} is not a ConfigMap (${Object.keys(vol).filter((k) => k !== 'name').join(', ') || 'unknown'}): its content is not in the pod spec` }; }
  const items: any[] = Array.isArray(cmSource.items) ? cmSource.items : [];
  if (rel === '') { return { error: mountedAsDirectory(path, hit.mp, String(hit.m.name), cmSource.name, items) }; }
  if (items.length) {
    const item = items.find((it) => posix.normalize(String(it?.path ?? '')) === rel);
    if (!item) { return { error: `ConfigMap ${cmSource.name} projects no item at ${rel}` }; }
    return { name: cmSource.name, key: String(item.key), optional: cmSource.optional };
  }
  if (rel.includes('/')) { return { error: `${path} is below a ConfigMap volume but ConfigMap keys are flat` }; }
  return { name: cmSource.name, key: rel, optional: cmSource.optional };
}

/**
 * `--config` names the mount point itself and the mount has no subPath: a ConfigMap volume is a directory
 * of its items, so the collector's read fails (`read /conf/config.yaml: is a directory`) and the file it
 * wanted sits one level down. The fix names the item to pick with subPath, or the parent to mount at when
 * the item already carries the file's name.
 */
function mountedAsDirectory(path: string, mountPath: string, mountName: string, configMap: string, items: any[]): string {
  const projected = items.map((it) => String(it?.path ?? '')).filter(Boolean);
  const base = posix.basename(mountPath);
  const pick = projected.find((p) => p === base) ?? projected[0];
  const where = pick ? `the projected file is at ${posix.join(mountPath, pick)}` : `its keys appear as files under ${mountPath}/`;
  const fixes = [`add \`subPath: ${pick ?? '<key>'}\` to volumeMount ${mountName}`];
  if (!pick || pick === base) { fixes.push(`mount it at ${posix.dirname(mountPath)}`); }
  // Leads with what fails: rule summaries keep only the first 160 characters.
  return `is a directory, not a file: volumeMount ${mountName} mounts ConfigMap ${configMap} at ${mountPath} with no subPath (the collector fails with \`read ${path}: is a directory\`); ${where}. Fix: ${fixes.join(', or ')}.`;
}

export interface CollectorConfig {
  sources: ConfigSource[];
  effectiveConfig: Record<string, unknown> | null;
  configError?: string;
}

/** What the image does when the pod passes no --config (src/otel/distributions.ts), for the sources' text. */
function imageDefault(container: any): { distribution?: Distribution; paths: readonly string[]; replaced: boolean } {
  const match = distributionForImage(String(container?.image ?? ''));
  if (!match) { return { paths: [], replaced: false }; }
  const d = match.distribution;
  const setsArgv = Array.isArray(container?.command) || Array.isArray(container?.args);
  // Kubernetes drops the image CMD when the pod sets command or args; a default built into the binary stays.
  const replaced = d.configDefault === 'cmd' && setsArgv;
  return { distribution: d, paths: replaced ? [] : defaultConfigPaths(d), replaced };
}

export function collectorConfig(pod: KObject, container: any, env: Record<string, string>, configMaps: ConfigMapIndex): CollectorConfig {
  const ns = pod.metadata.namespace ?? 'default';
  const argv = [...(Array.isArray(container?.command) ? container.command : []), ...(Array.isArray(container?.args) ? container.args : [])].map(String);
  const { configs, sets } = configArgs(argv);
  const sources: ConfigSource[] = [];
  const readPath = (arg: string | undefined, path: string): ConfigSource => {
    const cm = configMapForPath(pod, container, path);
    if ('error' in cm) { return { kind: 'file', ...(arg ? { arg } : {}), path, error: cm.error }; }
    if ('unknown' in cm) { return { kind: 'file', ...(arg ? { arg } : {}), path, unknown: cm.unknown }; }
    const obj = configMaps.get(`${ns}/${cm.name}`);
    const text = obj?.data?.[cm.key];
    // A ConfigMap that is not there at all: in a cluster the pod cannot start (unless optional) and lint may
    // simply not have the file; its key missing from a ConfigMap that is there is a broken pod spec either way.
    return {
      kind: 'configMap',
      ...(arg ? { arg } : {}),
      path,
      configMap: { namespace: ns, name: cm.name, key: cm.key },
      ...(typeof text === 'string' ? { text } : { error: obj ? `ConfigMap ${ns}/${cm.name} has no key ${cm.key}` : `ConfigMap ${ns}/${cm.name} not found (or not readable)` }),
    };
  };
  const named = (name: string): boolean => Array.isArray(container?.env) && container.env.some((e: any) => e?.name === name);
  const declared = (name: string): boolean => named(name) || (Array.isArray(container?.envFrom) && container.envFrom.length > 0);
  const envSource = (arg: string, name: string): ConfigSource => {
    const v = env[name];
    if (v !== undefined) { return { kind: 'env', arg, env: name, text: v }; }
    // Declared from a Secret or an unreadable source: it has a value we cannot see. Not declared: empty.
    return declared(name)
      ? { kind: 'env', arg, env: name, unknown: `environment variable ${name} comes from a Secret or a source that was not read` }
      : { kind: 'env', arg, env: name, error: `environment variable ${name} is not set in the container` };
  };
  for (const c of configs) {
    let m: RegExpExecArray | null;
    if ((m = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(c))) {
      sources.push(envSource(c, m[1]));
    } else if (c.startsWith('yaml:')) {
      // `yaml:a::b: v` is a single key path; the collector turns it into a map
      const body = c.slice(5);
      const idx = body.lastIndexOf(': ');
      const text = idx > 0 && body.slice(0, idx).includes('::') ? nestKeyPath(body.slice(0, idx), body.slice(idx + 2)) : body;
      sources.push({ kind: 'inline', arg: c, text });
    } else if (c.startsWith('file:')) {
      sources.push(readPath(c, c.slice(5)));
    } else if (/^https?:/.test(c)) {
      sources.push({ kind: 'http-uri', arg: c, unknown: 'configuration fetched over HTTP is not read by the diagnosis' });
    } else if (c.startsWith('/') || !c.includes(':')) {
      sources.push(readPath(c, c.startsWith('/') ? c : posix.join(String(container?.workingDir ?? '/'), c)));
    } else {
      sources.push({ kind: 'unknown', arg: c, unknown: `config provider of ${c} is not read by the diagnosis` });
    }
  }
  const image = imageDefault(container);
  const cfgEnv = image.distribution?.configEnv;
  // Only a variable seen or named replaces the config: an envFrom Secret (credentials, mostly) is no
  // evidence that it holds a whole collector config, and assuming so would hide every config finding.
  if (cfgEnv?.holds === 'content' && (env[cfgEnv.name] !== undefined || named(cfgEnv.name))) {
    // The binary reads this variable instead of every --config (ADOT's AOT_CONFIG_CONTENT).
    sources.splice(0, sources.length, envSource(`${cfgEnv.name} (${image.distribution?.name})`, cfgEnv.name));
  } else if (configs.length === 0) {
    const viaEnv = cfgEnv?.holds === 'path' ? env[cfgEnv.name] : undefined;
    const path = viaEnv ?? image.paths[0];
    if (path !== undefined) {
      // The config the image runs with: a ConfigMap mounted at that path replaces the file baked in.
      const arg = viaEnv !== undefined ? `${cfgEnv?.name}=${viaEnv}` : `${image.distribution?.name} default --config ${path}`;
      const src = readPath(arg, path.startsWith('/') ? path : posix.join(String(container?.workingDir ?? '/'), path));
      if (viaEnv === undefined && src.unknown?.startsWith('no volume is mounted') === true && image.distribution?.noConfigInImage) {
        // Nothing mounted where the CMD points, and the image has no file there (Dynatrace): it cannot start.
        delete src.unknown;
        src.error = `no --config argument, and ${image.distribution.name} ships no file at ${path}, its default: the collector cannot read a config`;
      }
      sources.unshift(src);
    } else if (image.distribution?.noConfigInImage && !image.replaced) {
      // otelcol-k8s / otelcol-otlp / nrdot-k8s: ENTRYPOINT only, and the binary refuses to start without a config flag.
      sources.unshift({ kind: 'unknown', error: `no --config argument and ${image.distribution.name} has no default configuration: the collector exits with "at least one config flag must be provided"` });
    } else if (image.replaced && !Array.isArray(container?.command) && image.distribution?.versioning === 'upstream') {
      // args alone keep the image's ENTRYPOINT, the upstream binary, which has no default of its own and
      // exits "at least one config flag must be provided" (collector otelcol/command.go): broken, not unknown.
      sources.unshift({ kind: 'unknown', error: `args without --config replace the image CMD, and ${image.distribution.name} has no default of its own: the collector exits with "at least one config flag must be provided"` });
    } else {
      const why = image.replaced
        ? `no --config argument: the pod's command/args replace the image CMD (${image.distribution?.name} passes --config ${defaultConfigPaths(image.distribution as Distribution)[0] ?? 'nothing'} there), so which config the binary reads is unknown`
        : "no --config argument: the image's built-in default configuration applies and cannot be read from the pod spec";
      sources.unshift({ kind: 'unknown', unknown: why });
    }
  }
  for (const s of sets) { sources.push({ kind: 'set', arg: `--set=${s}` }); }
  const texts = sources.filter((s) => s.kind !== 'set' && typeof s.text === 'string').map((s) => s.text as string);
  // Part of the config unknown: merging the rest would judge a config the collector does not run.
  if (texts.length === 0 || sources.some((s) => s.unknown !== undefined)) { return { sources, effectiveConfig: null }; }
  try {
    return { sources, effectiveConfig: buildEffectiveConfig(texts, sets) };
  } catch (e) {
    return { sources, effectiveConfig: null, configError: (e as Error).message };
  }
}

function nestKeyPath(path: string, value: string): string {
  const parts = path.split('::');
  let out = '';
  parts.forEach((p, i) => {
    out += `${'  '.repeat(i)}${p}:${i === parts.length - 1 ? ` ${value}` : ''}\n`;
  });
  return out;
}
