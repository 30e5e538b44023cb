/**
 * Collector distributions recognised by image, with the OTLP receiver each release pins.
 *
 * Why: the OTLP receiver's default endpoint moved from 0.0.0.0 to localhost in upstream collector
 * 0.104.0, so for a vendor image the question "which upstream collector is this built on" decides
 * whether an app on another pod can reach a receiver left at its default. Vendor release numbers
 * do not say (SigNoz 0.129.14 pins 0.142.0, AWS 0.41.0 pins 0.109.0, Splunk 0.96.0 pins 0.95.0).
 *
 * Every row names the repository, tag, commit and file it was read from; docs/distributions.md
 * lists the sources per distribution and what could not be verified. "upstream" below is the
 * version of go.opentelemetry.io/collector/receiver/otlpreceiver pinned by the release (builder
 * manifest or go.mod): that module holds the endpoint default, and every distribution here ships
 * it. A release missing from a table gives no upstream version, only a reason.
 *
 * Lookups over the tables in distribution-data.ts (re-exported here): pure, no I/O.
 */
import { AGENTS, DISTRIBUTIONS, LOCALHOST_DEFAULT_SINCE, type Agent, type Distribution } from './distribution-data.ts';

export * from './distribution-data.ts';

// --- image references -------------------------------------------------------------------------

export interface ImageRef {
  /** Registry host, when the reference names one; Docker Hub references have none. */
  registry?: string;
  /** Repository path components, lower-cased, Docker Hub "library/" dropped. */
  path: readonly string[];
  tag?: string;
  digest?: string;
}

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Splits "registry/path:tag@digest"; undefined for an empty or malformed reference. */
export function parseImage(image: string): ImageRef | undefined {
  const trimmed = image.trim();
  if (trimmed === '') {
    return undefined;
  }
  const at = trimmed.indexOf('@');
  const digest = at === -1 ? undefined : trimmed.slice(at + 1);
  const name = at === -1 ? trimmed : trimmed.slice(0, at);
  const colon = name.indexOf(':', name.lastIndexOf('/') + 1);
  const tag = colon === -1 ? undefined : name.slice(colon + 1);
  const parts = (colon === -1 ? name : name.slice(0, colon)).toLowerCase().split('/');
  if (parts.some((p) => p === '')) {
    return undefined;
  }
  // A first component with a dot or port, or "localhost", is a registry host (the Docker rule).
  const hasRegistry = parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost');
  const registry = hasRegistry ? parts[0] : undefined;
  let path = hasRegistry ? parts.slice(1) : parts;
  if ((registry === undefined || DOCKER_HUB.has(registry)) && path[0] === 'library') {
    path = path.slice(1);
  }
  return { registry: registry !== undefined && DOCKER_HUB.has(registry) ? undefined : registry, path, tag: tag || undefined, digest: digest || undefined };
}

const patternPaths = new Map<string, readonly string[]>();
/**
 * Path components of a pattern: registry dropped so mirrors and pull-through proxies still match. Kept
 * once per pattern: every image lookup tries every table row, and a lint of a big tree looks up thousands.
 */
function patternPath(pattern: string): readonly string[] {
  let path = patternPaths.get(pattern);
  if (!path) {
    path = parseImage(pattern)?.path ?? [];
    patternPaths.set(pattern, path);
  }
  return path;
}

/** Number of pattern components the reference ends with (0: no match). */
function suffixMatch(ref: ImageRef, pattern: string): number {
  const want = patternPath(pattern);
  if (want.length === 0 || want.length > ref.path.length) {
    return 0;
  }
  const offset = ref.path.length - want.length;
  return want.every((p, i) => ref.path[offset + i] === p) ? want.length : 0;
}

/** The entry whose image pattern matches most components (so nested paths beat short ones). */
function bestMatch<T extends { images: readonly string[] }>(ref: ImageRef, entries: readonly T[]): T | undefined {
  let best: T | undefined;
  let bestLength = 0;
  for (const entry of entries) {
    for (const pattern of entry.images) {
      const length = suffixMatch(ref, pattern);
      if (length > bestLength) {
        best = entry;
        bestLength = length;
      }
    }
  }
  return best;
}

// --- lookups ------------------------------------------------------------------------------------

export interface UpstreamLookup {
  upstreamVersion?: string;
  /** Where the version was read (a table row), absent when derived or unknown. */
  upstreamSource?: string;
  /** Why there is no version, or how it was derived when it is not a table row. */
  upstreamReason?: string;
}

export interface DistributionMatch extends UpstreamLookup {
  distribution: Distribution;
  tag?: string;
  digest?: string;
  release?: string;
}

/** The release an image tag names, or undefined for latest, nightlies, snapshots and unknown suffixes. */
export function releaseFromTag(distribution: Distribution, tag: string): string | undefined {
  return distribution.tagPattern.exec(tag)?.groups?.release?.replace(/^v/i, '');
}

/** The upstream collector a release is built on; never a guess: no row (and no upstream rule) gives a reason. */
export function upstreamFor(distribution: Distribution, release: string): UpstreamLookup {
  const row = distribution.releases.find((r) => r.release === release);
  if (row) {
    return { upstreamVersion: row.upstream, upstreamSource: row.source };
  }
  if (distribution.versioning === 'upstream' && /^\d+\.\d+\.\d+$/.test(release)) {
    const [major, minor] = release.split('.');
    return {
      upstreamVersion: release,
      upstreamReason: `${release} is not in the table; upstream releases are built from the core of the same minor (${major}.${minor}), the patch may differ`,
    };
  }
  const extra = distribution.unmappedNote ? `; ${distribution.unmappedNote}` : '';
  return { upstreamReason: `${distribution.name} ${release} is not in the table of verified releases${extra}` };
}

function unknownTagReason(ref: ImageRef, distribution: Distribution): string {
  if (ref.tag === undefined && ref.digest !== undefined) {
    return 'pinned by digest: the release is not in the reference (read the image labels or the running version)';
  }
  if (ref.tag === undefined || ref.tag === 'latest') {
    const what = ref.tag === undefined ? 'no tag (pulls "latest")' : 'tag "latest"';
    return `${what} names no release: the version is not knowable from the reference`;
  }
  const extra = distribution.unmappedNote ? `; ${distribution.unmappedNote}` : '';
  return `tag "${ref.tag}" is not a release tag of ${distribution.name}${extra}`;
}

/**
 * Lookups by image string, kept: discovery asks once per container of every pod, and a cluster runs few
 * distinct images (a bound keeps hostile input from growing it). Callers treat the answers as read-only.
 */
const MEMO_LIMIT = 4096;
function memo<T>(fn: (image: string) => T): (image: string) => T {
  const seen = new Map<string, T>();
  return (image) => {
    if (seen.has(image)) { return seen.get(image) as T; }
    const value = fn(image);
    if (seen.size >= MEMO_LIMIT) { seen.clear(); }
    seen.set(image, value);
    return value;
  };
}

/** The collector distribution an image belongs to, with the upstream version its tag maps to. */
export const distributionForImage: (image: string) => DistributionMatch | undefined = memo(distributionForImageOnce);

function distributionForImageOnce(image: string): DistributionMatch | undefined {
  const ref = parseImage(image);
  if (!ref) {
    return undefined;
  }
  const distribution = bestMatch(ref, DISTRIBUTIONS);
  if (!distribution) {
    return undefined;
  }
  const base = { distribution, tag: ref.tag, digest: ref.digest };
  const release = ref.tag === undefined ? undefined : releaseFromTag(distribution, ref.tag);
  if (release === undefined) {
    return { ...base, upstreamReason: unknownTagReason(ref, distribution) };
  }
  // A digest next to a tag pins the bytes; the tag still says which release they were pushed as.
  return { ...base, release, ...upstreamFor(distribution, release) };
}

/** A known non-collector telemetry agent (reported as "not analysed"), or undefined. */
export const agentForImage: (image: string) => Agent | undefined = memo((image) => {
  const ref = parseImage(image);
  return ref ? bestMatch(ref, AGENTS) : undefined;
});

export function distributionById(id: string): Distribution | undefined {
  return DISTRIBUTIONS.find((d) => d.id === id);
}

/** Config file(s) the image reads when the pod passes no --config (empty: the pod must pass one). */
export function defaultConfigPaths(distribution: Distribution): readonly string[] {
  return distribution.configPaths;
}

const PSEUDO_VERSION = /-0\.\d{14}-[0-9a-f]{12}$/;

/**
 * Whether the OTLP receiver of this upstream version defaults to localhost; undefined when the
 * version is unknown, so callers say "unknown" rather than assume either default.
 */
export function defaultsToLocalhost(upstreamVersion: string | undefined): boolean | undefined {
  const m = upstreamVersion === undefined ? null : /^v?(\d+)\.(\d+)\.(\d+)/.exec(upstreamVersion);
  if (!m) {
    return undefined;
  }
  const [major, minor] = [Number(m[1]), Number(m[2])];
  const [sinceMajor, sinceMinor] = LOCALHOST_DEFAULT_SINCE.split('.').map(Number);
  // A Go pseudo-version X.Y.(Z+1)-0.<time>-<hash> is a commit after X.Y.Z: one taken just before the
  // change's minor may already carry it.
  if (PSEUDO_VERSION.test(upstreamVersion ?? '') && major === sinceMajor && minor === sinceMinor - 1) {
    return undefined;
  }
  return major !== sinceMajor ? major > sinceMajor : minor >= sinceMinor;
}
