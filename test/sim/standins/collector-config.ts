// The collector stand-in's reading of its command line and config as the real binary does: the version
// from the image tag, --config/--set, config URIs (file:, env:, yaml:), merging, ${env:VAR} expansion,
// and validation with the real error texts.
import { readFileSync } from 'node:fs';
import { parseVersion, minorOf, NEWEST, type Version } from './logformat.ts';
import { isKnownType, KNOWN } from './components.ts';

export type Conf = Record<string, unknown>;
export const isMap = (v: unknown): v is Conf => typeof v === 'object' && v !== null && !Array.isArray(v);

export class CollectorError extends Error {}

// ---------- version, binary name ----------

export function versionFromImage(image: string | undefined): { version: Version; guessed: boolean } {
  if (!image || image.includes('@')) { return { version: NEWEST, guessed: true }; }
  const last = image.slice(image.lastIndexOf('/') + 1);
  const colon = last.lastIndexOf(':');
  const tag = colon >= 0 ? last.slice(colon + 1) : '';
  const v = parseVersion(tag);
  return v ? { version: v, guessed: false } : { version: NEWEST, guessed: true };
}

export function binaryName(argv0: string | undefined, image: string): string {
  if (argv0 && !argv0.startsWith('-')) {
    const base = argv0.slice(argv0.lastIndexOf('/') + 1);
    if (/^otel/.test(base)) { return base; }
  }
  if (/contrib/.test(image)) { return 'otelcol-contrib'; }
  if (/collector-k8s|otelcol-k8s/.test(image)) { return 'otelcol-k8s'; }
  if (/collector-otlp|otelcol-otlp/.test(image)) { return 'otelcol-otlp'; }
  return 'otelcol';
}

// ---------- argument parsing ----------

export interface Args { configs: string[]; sets: string[] }

export function parseArgs(argv: string[]): Args {
  const configs: string[] = [];
  const sets: string[] = [];
  let i = 0;
  // The container's command element (`/otelcol-contrib`, `otelcol-k8s`) and a `validate`-less run.
  if (argv[0] !== undefined && !argv[0].startsWith('-')) { i = 1; }
  for (; i < argv.length; i++) {
    const a = argv[i];
    const take = (name: string): string | undefined => {
      if (a === `--${name}` || a === `-${name}`) { return argv[++i]; }
      if (a.startsWith(`--${name}=`)) { return a.slice(name.length + 3); }
      if (a.startsWith(`-${name}=`)) { return a.slice(name.length + 2); }
      return undefined;
    };
    const c = take('config');
    if (c !== undefined) { configs.push(c); continue; }
    const s = take('set');
    if (s !== undefined) { sets.push(s); continue; }
  }
  return { configs, sets };
}

// ---------- config retrieval, merge, expansion ----------

type YamlMod = typeof import('yaml');
let yamlMod: YamlMod | undefined;
async function yaml(): Promise<YamlMod> {
  yamlMod ??= await import('yaml');
  return yamlMod;
}

export function underRoot(p: string): string {
  const root = process.env.SIM_ROOT ?? '';
  return root + (p.startsWith('/') ? p : '/' + p);
}

/** Keys written with the confmap delimiter (`a::b::c: v`) become nested maps, as the yaml: provider does. */
function explodeKeys(v: unknown): unknown {
  if (!isMap(v)) { return v; }
  const out: Conf = {};
  for (const [k, val] of Object.entries(v)) {
    const parts = k.split('::');
    let cur = out;
    for (const p of parts.slice(0, -1)) {
      if (!isMap(cur[p])) { cur[p] = {}; }
      cur = cur[p] as Conf;
    }
    const leaf = parts[parts.length - 1];
    const ev = explodeKeys(val);
    cur[leaf] = isMap(cur[leaf]) && isMap(ev) ? merge(cur[leaf] as Conf, ev) : ev;
  }
  return out;
}

export function merge(a: Conf, b: Conf): Conf {
  const out: Conf = { ...a };
  for (const [k, v] of Object.entries(b)) { out[k] = isMap(out[k]) && isMap(v) ? merge(out[k] as Conf, v) : v; }
  return out;
}

async function parseYaml(text: string, where: string): Promise<Conf> {
  const Y = await yaml();
  let doc: unknown;
  try {
    doc = Y.parse(text, { uniqueKeys: false, version: '1.1' });
  } catch (e) {
    // go-yaml says `yaml: line N: <what>`; the wrapping is confmap's. No paste of a YAML syntax error
    // was found (ref has none): keep go-yaml's shape with the JS parser's own wording.
    const err = e as { linePos?: { line: number }[]; message: string };
    const line = err.linePos?.[0]?.line ?? 1;
    const what = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new CollectorError(`failed to get config: cannot resolve the configuration: cannot retrieve the configuration: unable to read the file ${where}: yaml: line ${line}: ${what}`);
  }
  if (doc === null || doc === undefined) { return {}; }
  if (!isMap(doc)) { throw new CollectorError(`failed to get config: cannot resolve the configuration: retrieved value (type=${typeof doc === 'string' ? 'string' : typeof doc}) cannot be used as a Conf`); }
  return doc;
}

async function retrieve(uri: string): Promise<Conf> {
  if (uri.startsWith('env:')) { return (await parseYaml(process.env[uri.slice(4)] ?? '', uri)) ?? {}; }
  if (uri.startsWith('yaml:')) { return explodeKeys(await parseYaml(uri.slice(5), uri)) as Conf; }
  const path = uri.startsWith('file:') ? uri.slice(5) : uri;
  let text: string;
  try {
    text = readFileSync(underRoot(path), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : String(code).toLowerCase();
    // fileprovider wraps os.ReadFile's *PathError with the full URI (`file:` + path); from source, not in ref.
    throw new CollectorError(`failed to get config: cannot resolve the configuration: cannot retrieve the configuration: unable to read the file file:${path}: open ${path}: ${why}`);
  }
  return parseYaml(text, `file:${path}`);
}

export interface EnvNote { name: string; empty: boolean }

/** confmap's expansion of `${env:VAR}`, `${VAR}`, `${env:VAR:-default}` and the `$$` escape, in string values. */
export function expandString(s: string, notes: EnvNote[], env: NodeJS.ProcessEnv = process.env): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '$') { out += c; continue; }
    if (s[i + 1] === '$') { out += '$'; i++; continue; }
    if (s[i + 1] === '{') {
      const end = s.indexOf('}', i + 2);
      if (end > 0) {
        const inner = s.slice(i + 2, end);
        const m = /^(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(inner);
        if (m && (inner.startsWith('env:') || !inner.includes(':'))) {
          const val = env[m[1]];
          if (val === undefined || (val === '' && m[2] !== undefined)) {
            if (m[2] !== undefined) { out += m[2]; } else { notes.push({ name: m[1], empty: false }); }
          } else {
            if (val === '') { notes.push({ name: m[1], empty: true }); }
            out += val;
          }
          i = end;
          continue;
        }
      }
    }
    out += c;
  }
  return out;
}

function expandAll(v: unknown, notes: EnvNote[]): unknown {
  if (typeof v === 'string') { return expandString(v, notes); }
  if (Array.isArray(v)) { return v.map((x) => expandAll(x, notes)); }
  if (isMap(v)) { return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expandAll(x, notes)])); }
  return v;
}

export async function loadConfig(args: Args): Promise<{ conf: Conf; notes: EnvNote[] }> {
  if (args.configs.length === 0) { throw new CollectorError('at least one config flag must be provided'); }
  let conf: Conf = {};
  for (const uri of args.configs) { conf = merge(conf, await retrieve(uri)); }
  for (const s of args.sets) {
    const eq = s.indexOf('=');
    if (eq < 0) { throw new CollectorError(`missing equal sign for set value "${s}"`); }
    const Y = await yaml();
    const value: unknown = Y.parse(s.slice(eq + 1) || '""');
    conf = merge(conf, explodeKeys({ [s.slice(0, eq)]: value }) as Conf);
  }
  const notes: EnvNote[] = [];
  conf = expandAll(conf, notes) as Conf;
  return { conf, notes };
}

// ---------- validation (unmarshal, then Validate) ----------

export const typeOf = (id: string): string => id.split('/')[0];

function unmarshalError(v: Version, section: string, msg: string): CollectorError {
  // mapstructure v1 (<= 0.107) vs go-viper/mapstructure v2 (>= 0.108), ref §3.4.
  if (minorOf(v) >= 108) { return new CollectorError(`failed to get config: cannot unmarshal the configuration: decoding failed due to the following error(s):\n\n'${section}' ${msg}`); }
  return new CollectorError(`failed to get config: cannot unmarshal the configuration: 1 error(s) decoding:\n\n* error decoding '${section}': ${msg}`);
}

export function validate(conf: Conf, v: Version): void {
  for (const kind of ['receivers', 'processors', 'exporters', 'connectors', 'extensions']) {
    const sec = conf[kind];
    if (sec === undefined || sec === null) { continue; }
    if (!isMap(sec)) { throw unmarshalError(v, kind, `expected a map, got '${Array.isArray(sec) ? 'slice' : typeof sec}'`); }
    for (const id of Object.keys(sec)) {
      if (!isKnownType(kind, typeOf(id))) {
        const valid = [...KNOWN[kind]].sort().join(' ');
        throw unmarshalError(v, kind, `unknown type: "${typeOf(id)}" for id: "${id}" (valid values: [${valid}])`);
      }
    }
  }
  const service = isMap(conf.service) ? conf.service : {};
  const has = (kind: string, id: string): boolean => isMap(conf[kind]) && Object.prototype.hasOwnProperty.call(conf[kind], id);
  const pipelines = isMap(service.pipelines) ? service.pipelines : {};
  // Component Validate() runs before the service's (config.go: components first).
  for (const id of Object.keys(isMap(conf.receivers) ? conf.receivers : {})) {
    if (typeOf(id) !== 'otlp') { continue; }
    const rc = (conf.receivers as Conf)[id];
    const protocols = isMap(rc) && isMap(rc.protocols) ? rc.protocols : {};
    if (!('grpc' in protocols) && !('http' in protocols)) { throw new CollectorError(`invalid configuration: receivers::${id}: must specify at least one protocol when using the OTLP receiver`); }
  }
  if (Object.keys(pipelines).length === 0) { throw new CollectorError('invalid configuration: service must have at least one pipeline'); }
  const exts = Array.isArray(service.extensions) ? service.extensions : [];
  for (const e of exts) { if (!has('extensions', String(e))) { throw new CollectorError(`invalid configuration: service::extensions: references extension "${e}" which is not configured`); } }
  for (const [pid, p] of Object.entries(pipelines)) {
    const pc = isMap(p) ? p : {};
    const list = (k: string): string[] => (Array.isArray(pc[k]) ? (pc[k] as unknown[]).map(String) : []);
    if (list('receivers').length === 0) { throw new CollectorError(`invalid configuration: service::pipelines::${pid}: must have at least one receiver`); }
    for (const r of list('receivers')) { if (!has('receivers', r) && !has('connectors', r)) { throw new CollectorError(`invalid configuration: service::pipelines::${pid}: references receiver "${r}" which is not configured`); } }
    for (const r of list('processors')) { if (!has('processors', r)) { throw new CollectorError(`invalid configuration: service::pipelines::${pid}: references processor "${r}" which is not configured`); } }
    if (list('exporters').length === 0) { throw new CollectorError(`invalid configuration: service::pipelines::${pid}: must have at least one exporter`); }
    for (const r of list('exporters')) { if (!has('exporters', r) && !has('connectors', r)) { throw new CollectorError(`invalid configuration: service::pipelines::${pid}: references exporter "${r}" which is not configured`); } }
  }
}
