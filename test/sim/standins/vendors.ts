// Vendor collector distributions the simulator runs: which images they are, what the image gives a
// container (ENTRYPOINT, CMD, ENV, executables) and which upstream collector each release is built on.
// The stand-in plays the upstream core of that version; collector-vendor.ts adds what the vendor's own
// main() does before it. Every fact is cited in test/sim/README.md ("Vendor distributions"); the release
// tables are copied from src/otel/distributions.ts (the simulator never imports src/), whose rows name
// the tag, commit and file each pin was read from.
// Pure data and lookups: used by the runtime (argv, env, tool profile) and by the collector stand-in.

export type VendorId = 'splunk' | 'adot';

export interface Vendor {
  id: VendorId;
  /** Repository paths (registry dropped, so mirrors match), compared as a path suffix. */
  repos: readonly string[];
  /** component.BuildInfo.Command: the `Starting <x>...` line and `service.name`. */
  command: string;
  entrypoint: readonly string[];
  /** Image CMD: only used when the pod sets neither command nor args. */
  cmd: readonly string[];
  /** `release[=upstream]`: the otlpreceiver version the release pins (same number when no `=`). */
  releases: string;
}

export const VENDORS: readonly Vendor[] = [
  {
    id: 'splunk',
    repos: ['signalfx/splunk-otel-collector'],
    command: 'otelcol',
    entrypoint: ['/otelcol'],
    cmd: [],
    releases: `0.95.0 0.96.0=0.95.0 0.96.1=0.96.0 0.97.0 0.98.0 0.99.0 0.100.0 0.101.0 0.102.0 0.102.1 0.103.0 0.104.0 0.105.0
      0.106.0=0.106.1 0.106.1 0.107.0=0.107.1 0.108.0=0.108.1 0.108.1 0.109.0 0.110.0 0.111.0 0.112.0 0.113.0 0.114.0 0.115.0
      0.116.0 0.117.0 0.118.0 0.119.0 0.120.0 0.121.0 0.122.0=0.122.1 0.123.0 0.124.0 0.125.0 0.126.0 0.127.0 0.128.0 0.129.0
      0.130.0 0.131.0 0.131.1=0.131.0 0.131.2=0.131.0 0.131.3=0.131.0 0.132.0 0.134.0 0.135.0 0.136.0 0.136.1=0.136.0 0.137.0
      0.138.0 0.139.1=0.139.0 0.139.2=0.139.0 0.140.0 0.141.0 0.142.0 0.143.0 0.144.0 0.145.0 0.145.1=0.145.0 0.146.0=0.146.1
      0.147.0 0.147.1=0.147.0 0.148.0 0.149.0 0.150.0 0.151.0 0.152.0 0.153.0 0.154.0 0.154.1=0.154.0 0.154.2=0.154.0 0.155.0
      0.156.0 0.157.0 0.158.0`,
  },
  {
    id: 'adot',
    repos: ['aws-observability/aws-otel-collector', 'amazon/aws-otel-collector'],
    command: 'aws-otel-collector',
    entrypoint: ['/awscollector'],
    cmd: ['--config=/etc/otel-config.yaml'],
    releases: `0.35.0=0.88.0 0.35.1=0.88.0 0.36.0=0.90.1 0.37.0=0.92.0 0.37.1=0.92.0 0.37.2=0.92.0 0.37.3=0.92.0 0.38.0=0.94.1
      0.38.1=0.94.1 0.38.2=0.94.1 0.39.0=0.98.0 0.39.1=0.98.0 0.39.2=0.98.0 0.39.3=0.98.0 0.40.0=0.102.1 0.40.1=0.102.1
      0.40.2=0.102.1 0.41.0=0.109.0 0.41.1=0.109.0 0.41.2=0.109.0 0.42.0=0.115.0 0.43.0=0.117.0 0.43.1=0.117.0 0.43.2=0.117.0
      0.43.3=0.117.0 0.44.0=0.130.0 0.45.0=0.131.0 0.45.1=0.131.0 0.46.0=0.141.0 0.47.0=0.143.0 0.48.0=0.151.0 0.49.0=0.156.0`,
  },
];

/** Splunk removed the Smart Agent bundle (and with it sh, ss, cat, ...) from the image in this release. */
export const SPLUNK_BUNDLE_REMOVED = '0.154.0';

function repoPath(image: string): string[] {
  const noDigest = image.split('@')[0];
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  const name = (colon > slash ? noDigest.slice(0, colon) : noDigest).toLowerCase();
  return name.split('/');
}

function tagOf(image: string): string | undefined {
  const noDigest = image.split('@')[0];
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(colon + 1) : undefined;
}

export function vendorFor(image: string): Vendor | undefined {
  const path = repoPath(image);
  return VENDORS.find((v) => v.repos.some((r) => {
    const want = r.split('/');
    return want.length <= path.length && want.every((p, i) => path[path.length - want.length + i] === p);
  }));
}

function rows(v: Vendor): Array<{ release: string; upstream: string }> {
  return v.releases.split(/\s+/).filter(Boolean).map((r) => {
    const [release, upstream] = r.split('=');
    return { release, upstream: upstream ?? release };
  });
}

export interface VendorRelease {
  vendor: Vendor;
  /** The vendor's release (no leading v); the newest row for `latest`, no tag or a digest. */
  release: string;
  /** Upstream collector version the release is built on; undefined: not in the table. */
  upstream?: string;
  /** True when the tag named no release and the newest row is played. */
  guessed: boolean;
}

/**
 * The release an image plays. Vendors tag `0.111.0` (Splunk: `${CI_COMMIT_TAG#v}`) or `v0.41.0` (ADOT:
 * the VERSION file), with architecture suffixes on single-arch tags.
 */
export function vendorRelease(image: string): VendorRelease | undefined {
  const vendor = vendorFor(image);
  if (!vendor) { return undefined; }
  const all = rows(vendor);
  const tag = image.includes('@') ? undefined : tagOf(image);
  const m = tag === undefined ? null : /^v?(\d+\.\d+\.\d+)(?:-(?:amd64|arm64|ppc64le))?$/.exec(tag);
  if (!m) {
    const newest = all[all.length - 1];
    return { vendor, release: newest.release, upstream: newest.upstream, guessed: true };
  }
  return { vendor, release: m[1], upstream: all.find((r) => r.release === m[1])?.upstream, guessed: false };
}

/** -1, 0, 1 for dotted numeric versions. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((pa[i] ?? 0) !== (pb[i] ?? 0)) { return (pa[i] ?? 0) < (pb[i] ?? 0) ? -1 : 1; }
  }
  return 0;
}

/** ENV of the image's config, under the container's env (a container's `env` overrides it). */
export function vendorImageEnv(image: string): Record<string, string> {
  const r = vendorRelease(image);
  if (!r) { return {}; }
  if (r.vendor.id === 'adot') { return { RUN_IN_CONTAINER: 'True', HOME: '/home/aoc' }; }
  if (compareVersions(r.release, SPLUNK_BUNDLE_REMOVED) < 0) {
    return { SPLUNK_BUNDLE_DIR: '/usr/lib/splunk-otel-collector/agent-bundle', SPLUNK_COLLECTD_DIR: '/usr/lib/splunk-otel-collector/agent-bundle/run/collectd' };
  }
  return {};
}

/**
 * The upstream distributions' images (opentelemetry-collector-releases distributions/<dist>/Dockerfile,
 * the same from v0.95.0 to ceccc19d): core and contrib run their bundled config by default; k8s and otlp
 * have an ENTRYPOINT only, so without args their binary exits asking for a config. Repositories on Docker
 * Hub (otel/...) and on ghcr.io (open-telemetry/opentelemetry-collector-releases/...).
 */
const UPSTREAM_IMAGES: ReadonlyArray<{ names: readonly string[]; entrypoint: readonly string[]; cmd: readonly string[] }> = [
  { names: ['opentelemetry-collector'], entrypoint: ['/otelcol'], cmd: ['--config', '/etc/otelcol/config.yaml'] },
  { names: ['opentelemetry-collector-contrib'], entrypoint: ['/otelcol-contrib'], cmd: ['--config', '/etc/otelcol-contrib/config.yaml'] },
  { names: ['opentelemetry-collector-k8s'], entrypoint: ['/otelcol-k8s'], cmd: [] },
  { names: ['opentelemetry-collector-otlp'], entrypoint: ['/otelcol-otlp'], cmd: [] },
];

function upstreamImage(image: string): { entrypoint: readonly string[]; cmd: readonly string[] } | undefined {
  const path = repoPath(image);
  const owner = path.at(-2);
  if (owner !== 'otel' && owner !== 'opentelemetry-collector-releases') { return undefined; }
  return UPSTREAM_IMAGES.find((u) => u.names.includes(path.at(-1) ?? ''));
}

/**
 * The process a container runs, by the Kubernetes rule: `command` replaces ENTRYPOINT and drops CMD,
 * `args` replaces CMD; neither: ENTRYPOINT + CMD. Images outside the vendor and upstream tables keep the
 * pod's command and args only (their ENTRYPOINT/CMD are not modelled). The simulator does not ship the
 * images' bundled config files: a default path with nothing mounted there fails to read.
 */
export function containerArgv(image: string, command: string[], args: string[]): string[] {
  const v = vendorFor(image) ?? upstreamImage(image);
  if (!v) { return [...command, ...args]; }
  if (command.length > 0) { return [...command, ...args]; }
  return [...v.entrypoint, ...(args.length > 0 ? args : v.cmd)];
}
