/** Collector and operator versions from image references. `latest` or a digest is unknown (null). */
import { distributionForImage } from './distributions.ts';

export type Semver = [number, number, number];

export function parseSemver(v: string | null | undefined): Semver | null {
  if (!v) { return null; }
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(v.trim());
  if (!m) { return null; }
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

/** -1, 0, 1; null when either side is unknown. */
export function compareVersions(a: string | null | undefined, b: string): number | null {
  const x = parseSemver(a);
  const y = parseSemver(b);
  if (!x || !y) { return null; }
  for (let i = 0; i < 3; i++) { if (x[i] !== y[i]) { return x[i] < y[i] ? -1 : 1; } }
  return 0;
}

/** true / false, or null when the version is unknown. */
export function atLeast(v: string | null | undefined, min: string): boolean | null {
  const c = compareVersions(v, min);
  return c === null ? null : c >= 0;
}

/**
 * The version in an image reference's tag: `otel/opentelemetry-collector-contrib:0.111.0` -> `0.111.0`.
 * A digest pin, `latest`, or no tag gives null: the version is not knowable without pulling the image.
 */
export function versionFromImage(image: string): string | null {
  if (!image || image.includes('@')) { return null; }
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  if (colon === -1) { return null; }
  const tag = image.slice(colon + 1);
  const m = /^v?(\d+\.\d+\.\d+)/.exec(tag);
  return m ? m[1] : null;
}

/**
 * The upstream collector version an image runs, for version-dependent defaults (the 0.104.0 localhost
 * endpoint). A known distribution gives the core its release pins (src/otel/distributions.ts), never the
 * vendor's own number; an unmapped release gives null and the reason. An image outside the tables keeps
 * its tag's version, as before distributions were known.
 */
export function collectorVersionOf(image: string): { version: string | null; reason?: string; distribution?: string } {
  const match = distributionForImage(image);
  if (!match) {
    const version = versionFromImage(image);
    return version === null ? { version, reason: `image ${image} has no version tag` } : { version };
  }
  const distribution = match.distribution.id;
  if (match.upstreamVersion === undefined) {
    return { version: null, distribution, reason: `image ${image} (${match.distribution.name}): ${match.upstreamReason ?? 'the upstream version is unknown'}` };
  }
  // A vendor release is reported with the core it pins, so evidence says why 0.96.0 means 0.95.0.
  const derived = match.distribution.versioning === 'table' ? `${match.distribution.name} ${match.release} is built on upstream collector ${match.upstreamVersion}` : undefined;
  const reason = match.upstreamReason ?? derived;
  return { version: match.upstreamVersion.replace(/^v/, ''), distribution, ...(reason ? { reason } : {}) };
}
