/** Collector and operator versions from image references. `latest` or a digest is unknown (null). */

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
