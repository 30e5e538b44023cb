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
 * Pure data and lookups: no I/O.
 */

/** Upstream core release whose OTLP receiver defaults to localhost instead of 0.0.0.0. */
export const LOCALHOST_DEFAULT_SINCE = '0.104.0';

export interface ReleaseRow {
  /** The distribution's own release, as its image tag spells it without a leading v. */
  release: string;
  /** go.opentelemetry.io/collector/receiver/otlpreceiver version pinned by that release. */
  upstream: string;
  /** owner/repo@tag (commit) path: where the pin was read. */
  source: string;
}

export interface ConfigEnv {
  name: string;
  /** What the variable holds and how it competes with --config. */
  meaning: string;
  /**
   * 'path': a config file used when no --config is given; 'content': inline YAML that replaces every
   * --config (read by the binary itself, so the effective config follows it).
   */
  holds: 'path' | 'content';
}

export interface Distribution {
  id: string;
  name: string;
  /** GitHub owner/name the image is built from. */
  repository: string;
  /** Image repositories (registry host included unless Docker Hub); matched by path suffix. */
  images: readonly string[];
  /** Executable in the image (path as the ENTRYPOINT names it). */
  binary: string;
  /** Config file(s) the image uses when the pod gives no --config; empty when there is none. */
  configPaths: readonly string[];
  /**
   * Who supplies configPaths: 'cmd' (the image CMD, replaced as soon as the pod sets command or args)
   * or 'binary' (the executable's own default, which applies whenever no --config is passed).
   */
  configDefault: 'cmd' | 'binary';
  /** The image ships no config file (configNote says so): a pod that passes none cannot start. */
  noConfigInImage?: true;
  configEnv?: ConfigEnv;
  configNote?: string;
  /** Captures the release from an image tag; other tags (latest, nightly, snapshots) give none. */
  tagPattern: RegExp;
  /**
   * 'upstream': the distribution is the upstream collector itself, so a release outside the table
   * is still built from the upstream core of the same minor (rows record the exact patch).
   * 'table': only rows count.
   */
  versioning: 'upstream' | 'table';
  releases: readonly ReleaseRow[];
  /** Why a release outside the table cannot be mapped (shown with the lookup's reason). */
  unmappedNote?: string;
  /** Where images, binary and config path were read. */
  source: string;
}

export interface Agent {
  id: string;
  name: string;
  images: readonly string[];
  /** Why the doctor does not analyse it. */
  note: string;
  source: string;
}

/** Architecture and build-variant suffixes vendors append to a release tag. */
const VARIANT = '(?:-(?:amd64|arm64|armv7|386|ppc64le|s390x|riscv64|fips|ubi|jmx|minimal|wolfi|windows(?:-[a-z0-9.]+)*|nanoserver(?:-[a-z0-9.]+)*))*';
const SEMVER_TAG = new RegExp(`^v?(?<release>\\d+\\.\\d+\\.\\d+)${VARIANT}$`, 'i');
const SUMO_TAG = new RegExp(`^v?(?<release>\\d+\\.\\d+\\.\\d+-sumo-\\d+)${VARIANT}$`, 'i');
const REDHAT_TAG = /^v?(?<release>\d+\.\d+\.\d+-\d+)$/;

type Row = readonly [release: string, upstream: string, commit: string];

/**
 * Expands compact rows: the git tag is the release with tagPrefix (null: the release is not a tag,
 * the commit alone names the source); the file is the same for all rows.
 */
function rows(repository: string, tagPrefix: string | null, path: string, data: readonly Row[]): ReleaseRow[] {
  return data.map(([release, upstream, commit]) => ({
    release,
    upstream,
    source: tagPrefix === null ? `${repository}@${commit} ${path}` : `${repository}@${tagPrefix}${release} (${commit}) ${path}`,
  }));
}

const RELEASES_REPO = 'open-telemetry/opentelemetry-collector-releases';

// Same otlpreceiver in all four upstream manifests of a tag, except v0.103.0 otelcol-k8s (below).
// Patch releases often keep the previous patch's core (0.103.1 -> 0.103.0, 0.150.1 -> 0.150.0).
const UPSTREAM_ROWS: readonly Row[] = [
  ['0.95.0', '0.95.0', '98efd3105473'],
  ['0.96.0', '0.96.0', 'a2aded80f481'],
  ['0.97.0', '0.97.0', '5e80f5f8793a'],
  ['0.98.0', '0.98.0', '9e20bf5c142e'],
  ['0.99.0', '0.99.0', 'd2c96926b8b0'],
  ['0.100.0', '0.100.0', 'b634f363b832'],
  ['0.101.0', '0.101.0', 'a09318ca561a'],
  ['0.102.0', '0.102.0', 'b8551a7bdb9f'],
  ['0.102.1', '0.102.1', 'bf4bd1b9f313'],
  ['0.103.0', '0.103.0', 'd3637d2be24a'],
  ['0.103.1', '0.103.0', 'f51e3e635ba1'],
  ['0.104.0', '0.104.0', 'ee2830f9e7d9'],
  ['0.105.0', '0.105.0', 'de3ee0ee3655'],
  ['0.106.0', '0.106.0', '1e67d14d3085'],
  ['0.106.1', '0.106.1', 'ee3f3cc8039f'],
  ['0.107.0', '0.107.0', '6bb86822416b'],
  ['0.108.0', '0.108.1', 'bef563ebb0f3'],
  ['0.109.0', '0.109.0', 'b07bcb3f966e'],
  ['0.110.0', '0.110.0', 'aaa6ec92e590'],
  ['0.111.0', '0.111.0', '38a293181ae5'],
  ['0.112.0', '0.112.0', '56d874f3f08c'],
  ['0.113.0', '0.113.0', '703f46e5947a'],
  ['0.114.0', '0.114.0', 'dc1bada8170b'],
  ['0.115.0', '0.115.0', '3ae3defbfe21'],
  ['0.115.1', '0.115.0', 'a61f84368047'],
  ['0.116.0', '0.116.0', '0395a69f706f'],
  ['0.116.1', '0.116.0', '62dfc1040232'],
  ['0.117.0', '0.117.0', 'fed57db62f4a'],
  ['0.118.0', '0.118.0', 'b608e7b79398'],
  ['0.119.0', '0.119.0', 'c06573884854'],
  ['0.120.0', '0.120.0', 'c5c9e63fd33a'],
  ['0.121.0', '0.121.0', 'a6e9595052aa'],
  ['0.122.0', '0.122.0', 'c797dd6039e1'],
  ['0.122.1', '0.122.1', '769df5cf3b02'],
  ['0.123.0', '0.123.0', '11d45f241413'],
  ['0.123.1', '0.123.0', 'ea781ecd5157'],
  ['0.124.0', '0.124.0', '5929eb23af05'],
  ['0.124.1', '0.124.0', '6a3144d2f0cb'],
  ['0.125.0', '0.125.0', 'c1d5a5fe47be'],
  ['0.126.0', '0.126.0', 'e13a8550c6ec'],
  ['0.127.0', '0.127.0', '9b749ef1c750'],
  ['0.128.0', '0.128.0', 'b0d9e8d7e498'],
  ['0.129.0', '0.129.0', '9b08e6cb2bcf'],
  ['0.129.1', '0.129.0', '22c11488359a'],
  ['0.130.0', '0.130.0', 'da345d462cb1'],
  ['0.130.1', '0.130.1', 'e4540e76bba1'],
  ['0.131.0', '0.131.0', '8f30d8c1111f'],
  ['0.131.1', '0.131.0', 'f03578e38462'],
  ['0.132.0', '0.132.0', '04f4d6f1a1f7'],
  ['0.132.1', '0.132.0', '49d5400e649c'],
  ['0.132.2', '0.132.0', '49d5400e649c'],
  ['0.132.3', '0.132.0', 'd369024f5542'],
  ['0.132.4', '0.132.0', 'acd6a3cd6617'],
  ['0.133.0', '0.133.0', '4f98aa3c992d'],
  ['0.134.0', '0.134.0', 'a0ab039a4328'],
  ['0.134.1', '0.134.0', '1e3852fd04ca'],
  ['0.135.0', '0.135.0', '7e19cd8ec928'],
  ['0.136.0', '0.136.0', 'ff8d64f8bbdb'],
  ['0.137.0', '0.137.0', '4b4ec2a3d4b2'],
  ['0.138.0', '0.138.0', '38c35d1173aa'],
  ['0.139.0', '0.139.0', '69c909c2b5e0'],
  ['0.140.0', '0.140.0', 'a5d62ab47500'],
  ['0.140.1', '0.140.0', 'a5d62ab47500'],
  ['0.141.0', '0.141.0', '57ed09deb203'],
  ['0.142.0', '0.142.0', 'f10b8eff1448'],
  ['0.143.0', '0.143.0', '72ad70877cc5'],
  ['0.143.1', '0.143.0', 'c2cf2d80fd86'],
  ['0.144.0', '0.144.0', '9e444f54f403'],
  ['0.145.0', '0.145.0', 'cd308b015bde'],
  ['0.146.0', '0.146.1', '3d71ad1f240f'],
  ['0.146.1', '0.146.1', 'b590e8bc74a5'],
  ['0.147.0', '0.147.0', 'e1e2a1dc5f1a'],
  ['0.148.0', '0.148.0', '407e6e41ccd6'],
  ['0.149.0', '0.149.0', '018eab17bcdc'],
  ['0.150.0', '0.150.0', '42b734490c63'],
  ['0.150.1', '0.150.0', 'b3b9e0741245'],
  ['0.151.0', '0.151.0', '286fff002301'],
  ['0.152.0', '0.152.0', '7694c9fbd27c'],
  ['0.152.1', '0.152.1', '4966905dd316'],
  ['0.153.0', '0.153.0', '6c0352ec0d8e'],
  ['0.154.0', '0.154.0', '4ae7f285f3df'],
  ['0.155.0', '0.155.0', '0c0862ebf384'],
  ['0.156.0', '0.156.0', 'aa158b23c8f8'],
  ['0.157.0', '0.157.0', '145e73e8663a'],
  ['0.158.0', '0.158.0', '1400269f8ace'],
  ['0.159.0', '0.159.0', 'f817832365a9'],
];

function upstreamRows(dist: string, since: string, overrides: readonly Row[] = []): ReleaseRow[] {
  const first = UPSTREAM_ROWS.findIndex(([release]) => release === since);
  const own = UPSTREAM_ROWS.slice(first).map((row) => overrides.find(([release]) => release === row[0]) ?? row);
  return rows(RELEASES_REPO, 'v', `distributions/${dist}/manifest.yaml`, own);
}

const NRDOT_LEGACY_ROWS: readonly Row[] = [
  ['0.8.11', '0.120.0', '13702ae6c29d'],
  ['1.0.0', '0.121.0', 'd059bd8290b8'],
  ['1.0.1', '0.121.0', '1edc72b218ad'],
  ['1.0.2', '0.122.1', '2afff7100116'],
  ['1.0.3', '0.123.0', 'a732770cf923'],
  ['1.1.0', '0.125.0', 'e231bfc15ff7'],
  ['1.1.1', '0.128.0', 'addf9917ac0d'],
  ['1.2.0', '0.128.0', '68a8055a4182'],
  ['1.3.0', '0.131.0', 'c021ec8e3530'],
  ['1.4.0', '0.135.0', 'd8676f837741'],
  ['1.5.0', '0.135.0', '0a58b96fb640'],
  ['1.6.0', '0.141.0', 'dabcba1a5fe9'],
  ['1.7.0', '0.141.0', '14e710c54e7c'],
  ['1.8.0', '0.142.0', '492c16c32a70'],
  ['1.9.0', '0.142.0', 'e692dd40c003'],
  ['1.10.0', '0.142.0', '09e09a540929'],
  ['1.11.0', '0.142.0', '24b0129268f7'],
  ['1.11.1', '0.142.0', 'b335a25b4395'],
  ['1.12.0', '0.148.0', '3068c377dd31'],
];

// The EDOT image and elastic-agent in otel mode run the same binary, so they share one table.
// Until 9.2.1/8.19.7 the collector components sat in the root go.mod; later in internal/edot/go.mod.
const ELASTIC_RELEASES: readonly ReleaseRow[] = [
  ...rows('elastic/elastic-agent', 'v', 'go.mod', [
    ['8.14.0', '0.97.0', 'd0bce03b6801'],
    ['8.14.1', '0.97.0', '1348b9ca7bff'],
    ['8.14.2', '0.103.0', '1738179d53e7'],
    ['8.14.3', '0.104.0', '2df2c10b1050'],
    ['8.15.0', '0.105.0', '25075f6c4c6a'],
    ['8.15.1', '0.106.1', 'ecab0c3ae4e2'],
    ['8.15.2', '0.106.1', '621bbc685c2d'],
    ['8.15.3', '0.106.1', '61975895b140'],
    ['8.15.4', '0.106.1', '0ab98c58e4e5'],
    ['8.15.5', '0.106.1', '1672605efebb'],
    ['8.16.0', '0.112.0', 'ca434dea9e11'],
    ['8.16.1', '0.112.0', 'b6da7f8ebb1d'],
    ['8.16.2', '0.112.0', '05896198ad3c'],
    ['8.16.3', '0.112.0', '7f58faae5fb3'],
    ['8.16.4', '0.112.0', '7be8f159c3b1'],
    ['8.16.5', '0.112.0', 'f1f4913c9de1'],
    ['8.16.6', '0.112.0', 'b3961ff10c94'],
    ['8.17.0', '0.114.0', '96f2b9fc0dbd'],
    ['8.17.1', '0.117.0', 'b46c284704dc'],
    ['8.17.2', '0.117.0', '29bc86217c81'],
    ['8.17.3', '0.119.0', '0efe4920ea5c'],
    ['8.17.4', '0.119.0', '378c3e87685d'],
    ['8.17.5', '0.119.0', '259c4b95efcf'],
    ['8.17.6', '0.119.0', 'e9852ee2fc46'],
    ['8.17.7', '0.119.0', 'aeea2c431e15'],
    ['8.17.8', '0.119.0', '196c3cd0f7be'],
    ['8.17.9', '0.119.0', 'e5491497f060'],
    ['8.17.10', '0.119.0', 'df5e297616ab'],
    ['8.18.0', '0.120.0', '1c9cf29f8bb2'],
    ['8.18.1', '0.120.0', 'a69672f4e6bf'],
    ['8.18.2', '0.120.0', '52ce20118290'],
    ['8.18.3', '0.120.0', 'a0dddf068d77'],
    ['8.18.4', '0.120.0', '5307a60c5bee'],
    ['8.18.5', '0.120.0', '3f827f665f1a'],
    ['8.18.6', '0.120.0', 'fb7d844d53c9'],
    ['8.18.7', '0.120.0', '1b51b95fb565'],
    ['8.18.8', '0.120.0', 'bb58d0a9459a'],
    ['8.19.0', '0.129.0', '58cc05f766ee'],
    ['8.19.1', '0.129.0', '6b9a4889c331'],
    ['8.19.2', '0.129.0', 'b00cec3f8f0c'],
    ['8.19.3', '0.130.0', 'c339c531b3a4'],
    ['8.19.4', '0.132.0', '8fbe2bf18c27'],
    ['8.19.5', '0.132.0', 'cf5c8529a313'],
    ['8.19.6', '0.137.0', '23b86be3cc56'],
    ['8.19.7', '0.137.0', '0ba7b4aeb6b9'],
    ['9.0.0', '0.120.0', '9786ac7df1b9'],
    ['9.0.1', '0.121.0', '68f3edcf91b1'],
    ['9.0.2', '0.121.0', '5368ce99816c'],
    ['9.0.3', '0.121.0', '5f147906dab8'],
    ['9.0.4', '0.121.0', 'd497173bc4aa'],
    ['9.0.5', '0.121.0', '38738d27e65b'],
    ['9.0.6', '0.121.0', '2f4ce88b1382'],
    ['9.0.7', '0.121.0', '2ae3ccfeecd5'],
    ['9.0.8', '0.121.0', '4db6fd74fb78'],
    ['9.1.0', '0.129.0', '2bcf7b5c4f64'],
    ['9.1.1', '0.129.0', 'c70833b29dac'],
    ['9.1.2', '0.129.0', '45007d374b3e'],
    ['9.1.3', '0.130.0', '39e50b2800a3'],
    ['9.1.4', '0.130.0', 'f8a8f0e13366'],
    ['9.1.5', '0.132.0', '7bee013e95ad'],
    ['9.1.6', '0.132.0', 'f7a4851eb20e'],
    ['9.1.7', '0.135.0', 'ea0304938d47'],
    ['9.1.8', '0.135.0', 'af03fbc3ca07'],
    ['9.1.9', '0.135.0', 'ceda9f92b4b7'],
    ['9.1.10', '0.135.0', '47e9db0c899f'],
    ['9.2.0', '0.137.0', 'e7bf319beb96'],
    ['9.2.1', '0.137.0', '1079d6f853dd'],
  ]),
  ...rows('elastic/elastic-agent', 'v', 'internal/edot/go.mod', [
    ['8.19.8', '0.139.0', '4b4aa29fbbad'],
    ['8.19.9', '0.139.0', 'ccf63b214930'],
    ['8.19.10', '0.141.0', 'b4f34fae042f'],
    ['8.19.11', '0.141.0', '5e57c819e055'],
    ['8.19.12', '0.144.0', '256d33e554e0'],
    ['8.19.13', '0.145.0', '6e88a997d986'],
    ['8.19.14', '0.148.0', 'be7e166638ba'],
    ['8.19.15', '0.149.0', 'f4d26acfb3af'],
    ['8.19.16', '0.152.0', '335ac9731f82'],
    ['8.19.17', '0.153.0', 'db0219f6dcc5'],
    ['8.19.18', '0.153.0', '81b0bb8c4963'],
    ['8.19.19', '0.155.0', '35f53d3bd58c'],
    ['8.19.20', '0.157.0', '2edd620eae60'],
    ['9.2.2', '0.139.0', '6b36cd5ea364'],
    ['9.2.3', '0.139.0', '7f8d86fccd05'],
    ['9.2.4', '0.141.0', 'c57083fd9a8f'],
    ['9.2.5', '0.141.0', '3c8f46f1bc6c'],
    ['9.2.6', '0.144.0', 'd2b4b915f764'],
    ['9.2.7', '0.145.0', 'a7b8be4dcd69'],
    ['9.2.8', '0.147.0', '4950fe02406d'],
    ['9.3.0', '0.141.0', '35649499c10a'],
    ['9.3.1', '0.144.0', '671f3a2f7955'],
    ['9.3.2', '0.145.0', '491f2c68f087'],
    ['9.3.3', '0.148.0', 'd701429ed4d3'],
    ['9.3.4', '0.149.0', '2534aeae3677'],
    ['9.3.5', '0.152.0', '73382039158f'],
    ['9.3.6', '0.153.0', '8261ed2c3907'],
    ['9.3.7', '0.153.0', 'f7ee78585627'],
    ['9.3.8', '0.155.0', '6fa41f194faf'],
    ['9.4.0', '0.150.0', '05a90892bc1f'],
    ['9.4.1', '0.150.0', 'eea63db7ca61'],
    ['9.4.2', '0.152.0', 'dd9ee690a55d'],
    ['9.4.3', '0.152.0', '1bfb5647b724'],
    ['9.4.4', '0.155.0', 'baed89504b1a'],
    ['9.4.5', '0.156.0', '9f562b7fa1c8'],
    ['9.5.0', '0.156.0', '361f37ea5bb2'],
    ['9.5.1', '0.156.0', '59b3fd64e5bd'],
    ['9.5.2', '0.157.0', 'abae0c4393b1'],
  ]),
];

export const DISTRIBUTIONS: readonly Distribution[] = [
  {
    id: 'otelcol',
    name: 'OpenTelemetry Collector (core)',
    repository: RELEASES_REPO,
    images: ['otel/opentelemetry-collector', 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector'],
    binary: '/otelcol',
    configPaths: ['/etc/otelcol/config.yaml'],
    configDefault: 'cmd',
    tagPattern: SEMVER_TAG,
    versioning: 'upstream',
    releases: upstreamRows('otelcol', '0.95.0'),
    source: `${RELEASES_REPO}@ceccc19da2df distributions/otelcol/Dockerfile (CMD --config), .goreleaser.yaml (image_templates)`,
  },
  {
    id: 'otelcol-contrib',
    name: 'OpenTelemetry Collector Contrib',
    repository: RELEASES_REPO,
    images: ['otel/opentelemetry-collector-contrib', 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-contrib'],
    binary: '/otelcol-contrib',
    configPaths: ['/etc/otelcol-contrib/config.yaml'],
    configDefault: 'cmd',
    // The stable core modules (confmap, pdata, ...) are v1.x in the same manifest; the release and the
    // otlpreceiver stay on 0.y, which is the number that matters here.
    configNote: 'Manifest pins 1.x for stable core modules alongside 0.y components; the release tag follows 0.y.',
    tagPattern: SEMVER_TAG,
    versioning: 'upstream',
    releases: upstreamRows('otelcol-contrib', '0.95.0'),
    source: `${RELEASES_REPO}@ceccc19da2df distributions/otelcol-contrib/Dockerfile (CMD --config), .goreleaser.yaml (image_templates)`,
  },
  {
    id: 'otelcol-k8s',
    name: 'OpenTelemetry Collector for Kubernetes',
    repository: RELEASES_REPO,
    images: ['otel/opentelemetry-collector-k8s', 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s'],
    binary: '/otelcol-k8s',
    configPaths: [],
    configDefault: 'cmd',
    configNote: 'The image has an ENTRYPOINT and no CMD and ships no config: the pod must pass --config.',
    noConfigInImage: true,
    tagPattern: SEMVER_TAG,
    versioning: 'upstream',
    releases: upstreamRows('otelcol-k8s', '0.98.0', [['0.103.0', '0.102.1', 'd3637d2be24a']]),
    source: `${RELEASES_REPO}@ceccc19da2df distributions/otelcol-k8s/Dockerfile, .goreleaser.yaml (image_templates)`,
  },
  {
    id: 'otelcol-otlp',
    name: 'OpenTelemetry Collector OTLP',
    repository: RELEASES_REPO,
    images: ['otel/opentelemetry-collector-otlp', 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-otlp'],
    binary: '/otelcol-otlp',
    configPaths: [],
    configDefault: 'cmd',
    configNote: 'The image has an ENTRYPOINT and no CMD and ships no config: the pod must pass --config.',
    noConfigInImage: true,
    tagPattern: SEMVER_TAG,
    versioning: 'upstream',
    releases: upstreamRows('otelcol-otlp', '0.111.0'),
    source: `${RELEASES_REPO}@ceccc19da2df distributions/otelcol-otlp/Dockerfile, .goreleaser.yaml (image_templates)`,
  },
  {
    id: 'splunk',
    name: 'Splunk Distribution of the OpenTelemetry Collector',
    repository: 'signalfx/splunk-otel-collector',
    images: [
      'quay.io/signalfx/splunk-otel-collector',
      'quay.io/signalfx/splunk-otel-collector-fips',
      'quay.io/signalfx/splunk-otel-collector-windows',
      'quay.io/signalfx/splunk-otel-collector-fips-windows',
    ],
    binary: '/otelcol',
    configPaths: ['/etc/otel/collector/gateway_config.yaml'],
    configDefault: 'binary',
    configEnv: {
      name: 'SPLUNK_CONFIG',
      meaning: 'Config path used when no --config is given; SPLUNK_CONFIG_YAML (inline YAML) is next, then the default gateway config.',
      holds: 'path',
    },
    // The bundled configs listen on ${SPLUNK_LISTEN_INTERFACE}, which the binary sets to 0.0.0.0, or
    // 127.0.0.1 for agent_config.yaml; the upstream default only applies to configs that omit endpoint.
    configNote: 'Image ENTRYPOINT is /otelcol with no CMD; the binary picks the config (internal/settings/settings.go checkConfig). Bundled configs use ${SPLUNK_LISTEN_INTERFACE}: 0.0.0.0 by default, 127.0.0.1 for /etc/otel/collector/agent_config.yaml.',
    tagPattern: SEMVER_TAG,
    versioning: 'table',
    releases: rows('signalfx/splunk-otel-collector', 'v', 'go.mod', [
      ['0.95.0', '0.95.0', '2fab7e1770b4'],
      ['0.96.0', '0.95.0', 'c4fa9f7a09b4'],
      ['0.96.1', '0.96.0', '6faf9c6ce0ce'],
      ['0.97.0', '0.97.0', '5119087c07ac'],
      ['0.98.0', '0.98.0', '7393bf4b78b8'],
      ['0.99.0', '0.99.0', '460148cc20ee'],
      ['0.100.0', '0.100.0', 'f7599357d3d4'],
      ['0.101.0', '0.101.0', '19a09a581c7d'],
      ['0.102.0', '0.102.0', 'b5cab3e8d999'],
      ['0.102.1', '0.102.1', 'e45f03c722d5'],
      ['0.103.0', '0.103.0', '3500e39620d7'],
      ['0.104.0', '0.104.0', '096e4d0abf74'],
      ['0.105.0', '0.105.0', '73a391fdeec3'],
      ['0.106.0', '0.106.1', '7342d97f713a'],
      ['0.106.1', '0.106.1', '6ba46aa7f7a1'],
      ['0.107.0', '0.107.1-0.20240816195043-8506809f1001', 'aabcc45e564f'],
      ['0.108.0', '0.108.1', '4b8f0f1da4f5'],
      ['0.108.1', '0.108.1', '80aa29ba78bb'],
      ['0.109.0', '0.109.0', '8026a6f9018e'],
      ['0.110.0', '0.110.0', 'ccf047e6a5a1'],
      ['0.111.0', '0.111.0', '9599ecf9668a'],
      ['0.112.0', '0.112.0', 'e03ee2ad0c99'],
      ['0.113.0', '0.113.0', 'afd65d06be21'],
      ['0.114.0', '0.114.0', 'c5aed62950eb'],
      ['0.115.0', '0.115.0', '17f491d233d2'],
      ['0.116.0', '0.116.0', 'f402e342150a'],
      ['0.117.0', '0.117.0', '6c45b35f49e2'],
      ['0.118.0', '0.118.0', '9eb4afaf090a'],
      ['0.119.0', '0.119.0', '5a249cffe15e'],
      ['0.120.0', '0.120.0', 'd5b73354fb50'],
      ['0.121.0', '0.121.0', '3ca3da0e4972'],
      ['0.122.0', '0.122.1', '76c026c29f3f'],
      ['0.123.0', '0.123.0', 'a93426cd9c2a'],
      ['0.124.0', '0.124.0', '13cc4d362f9f'],
      ['0.125.0', '0.125.0', '9a2a707805d2'],
      ['0.126.0', '0.126.0', '168f34f6ce6c'],
      ['0.127.0', '0.127.0', 'c006b31ef2a8'],
      ['0.128.0', '0.128.0', 'a8cfb3885394'],
      ['0.129.0', '0.129.0', '3f8f675da681'],
      ['0.130.0', '0.130.0', '27ab04f7418c'],
      ['0.131.0', '0.131.0', '8f06838bc759'],
      ['0.131.1', '0.131.0', 'e2afd0372847'],
      ['0.131.2', '0.131.0', '1c6ce0efa90c'],
      ['0.131.3', '0.131.0', '4bbe4eaa2740'],
      ['0.132.0', '0.132.0', '4053f8857ed4'],
      ['0.134.0', '0.134.0', 'b25a4be6cfc3'],
      ['0.135.0', '0.135.0', '5b7a902da52d'],
      ['0.136.0', '0.136.0', 'c11930001f42'],
      ['0.136.1', '0.136.0', '36c52cc63715'],
      ['0.137.0', '0.137.0', '160c0bcc3319'],
      ['0.138.0', '0.138.0', 'e2f07a0e0f6f'],
      ['0.139.1', '0.139.0', '8bd202323dca'],
      ['0.139.2', '0.139.0', '9bc2383fc2ea'],
      ['0.140.0', '0.140.0', '061c729c9823'],
      ['0.141.0', '0.141.0', 'a49110551b4d'],
      ['0.142.0', '0.142.0', 'f215b124ebf3'],
      ['0.143.0', '0.143.0', '9d148a1821e5'],
      ['0.144.0', '0.144.0', 'a027f054345c'],
      ['0.145.0', '0.145.0', '55ca067623ac'],
      ['0.145.1', '0.145.0', 'af54fe28eed1'],
      ['0.146.0', '0.146.1', 'ce867bc9cb36'],
      ['0.147.0', '0.147.0', '1dcf61bf2cad'],
      ['0.147.1', '0.147.0', '8da2057763f2'],
      ['0.148.0', '0.148.0', '3fa07b99a8a0'],
      ['0.149.0', '0.149.0', 'd533a81d074d'],
      ['0.150.0', '0.150.0', '605a60390653'],
      ['0.151.0', '0.151.0', '75d230416f71'],
      ['0.152.0', '0.152.0', '823d94a32b12'],
      ['0.153.0', '0.153.0', 'b4d671327f3d'],
      ['0.154.0', '0.154.0', '4b645e6db7e1'],
      ['0.154.1', '0.154.0', '9bfd7e47a7f2'],
      ['0.154.2', '0.154.0', 'f8cc08bda00f'],
      ['0.155.0', '0.155.0', 'f8afa6bcb28e'],
      ['0.156.0', '0.156.0', '4ba032cf45a8'],
      ['0.157.0', '0.157.0', 'df55c3b28430'],
      ['0.158.0', '0.158.0', '0e8ccc7d4217'],
    ]),
    source: 'signalfx/splunk-otel-collector@331f8e15ae2b cmd/otelcol/Dockerfile (ENTRYPOINT), internal/settings/settings.go (SPLUNK_CONFIG, DefaultGatewayConfig), .gitlab-ci.yml (quay.io images)',
  },
  {
    id: 'aws-otel',
    name: 'AWS Distro for OpenTelemetry Collector (ADOT)',
    repository: 'aws-observability/aws-otel-collector',
    images: ['public.ecr.aws/aws-observability/aws-otel-collector', 'amazon/aws-otel-collector'],
    binary: '/awscollector',
    configPaths: ['/etc/otel-config.yaml'],
    configDefault: 'cmd',
    configEnv: {
      name: 'AOT_CONFIG_CONTENT',
      meaning: 'Inline YAML config; when set it replaces every --config (pkg/config/config_factory.go).',
      holds: 'content',
    },
    tagPattern: SEMVER_TAG,
    versioning: 'table',
    releases: rows('aws-observability/aws-otel-collector', 'v', 'go.mod', [
      ['0.35.0', '0.88.0', 'f7f5e40f7c2a'],
      ['0.35.1', '0.88.0', '67cbdc9d1fd7'],
      ['0.36.0', '0.90.1', '443dfecfef58'],
      ['0.37.0', '0.92.0', '9d465949b015'],
      ['0.37.1', '0.92.0', 'b79da1fcb722'],
      ['0.37.2', '0.92.0', '50316fe39918'],
      ['0.37.3', '0.92.0', '5f245ec1a0bd'],
      ['0.38.0', '0.94.1', 'ef72e5f64406'],
      ['0.38.1', '0.94.1', '00bf7ebc82f8'],
      ['0.38.2', '0.94.1', 'c0184160cde2'],
      ['0.39.0', '0.98.0', 'fb02e65ef466'],
      ['0.39.1', '0.98.0', '673140bd0ed5'],
      ['0.39.2', '0.98.0', 'e9435164eb1a'],
      ['0.39.3', '0.98.0', '124f2d61551a'],
      ['0.40.0', '0.102.1', '59cb208ade14'],
      ['0.40.1', '0.102.1', '8d0035c878ab'],
      ['0.40.2', '0.102.1', 'be74c1541283'],
      ['0.41.0', '0.109.0', 'a08ea874480d'],
      ['0.41.1', '0.109.0', 'be293e1f0ce3'],
      ['0.41.2', '0.109.0', '1731e5c066b8'],
      ['0.42.0', '0.115.0', 'c37dd16b46f3'],
      ['0.43.0', '0.117.0', '8b80b8fa1304'],
      ['0.43.1', '0.117.0', '141783c41718'],
      ['0.43.2', '0.117.0', 'a2d6d22d1efd'],
      ['0.43.3', '0.117.0', '3a9f6a23632f'],
      ['0.44.0', '0.130.0', '400f8d310145'],
      ['0.45.0', '0.131.0', '5f33daacb4f9'],
      ['0.45.1', '0.131.0', '5b1b2637b628'],
      ['0.46.0', '0.141.0', 'd00c5d966c0c'],
      ['0.47.0', '0.143.0', '4bdf5c841ea1'],
      ['0.48.0', '0.151.0', '4454fb1af28b'],
      ['0.49.0', '0.156.0', '0771477f9db2'],
    ]),
    source: 'aws-observability/aws-otel-collector@ed0b1d595c79 cmd/awscollector/Dockerfile (ENTRYPOINT, CMD --config=/etc/otel-config.yaml), pkg/config/config_factory.go, deployment-template/ (public.ecr.aws image), .github/workflows/rollback.yml (DOCKERHUB_REPO amazon/aws-otel-collector)',
  },
  {
    id: 'elastic-edot',
    name: 'Elastic Distribution of OpenTelemetry Collector (EDOT)',
    repository: 'elastic/elastic-agent',
    images: ['docker.elastic.co/elastic-agent/elastic-otel-collector', 'docker.elastic.co/elastic-agent/elastic-otel-collector-wolfi'],
    // ENTRYPOINT is tini + docker-entrypoint, which execs "elastic-agent otel"; the binary is a symlink into data/.
    binary: '/usr/share/elastic-agent/elastic-agent',
    configPaths: ['/usr/share/elastic-agent/otel.yml'],
    configDefault: 'binary',
    configNote: 'Entrypoint runs "elastic-agent otel $@"; without --config the agent reads otel.yml from its home (/usr/share/elastic-agent, the image WORKDIR). Image variant exists since 9.1.0 (commit 93a7d4c3c5f8).',
    tagPattern: SEMVER_TAG,
    versioning: 'table',
    releases: ELASTIC_RELEASES,
    source: 'elastic/elastic-agent@07adab5bc3d2 dev-tools/packaging/packages.yml (docker_variant elastic-otel-collector, repository docker.elastic.co/elastic-agent), dev-tools/packaging/templates/docker/docker-entrypoint.edot.tmpl, internal/pkg/agent/application/paths/common.go (DefaultOtelConfigName)',
  },
  {
    id: 'elastic-agent-otel',
    name: 'Elastic Agent (EDOT collector when run in otel mode)',
    repository: 'elastic/elastic-agent',
    images: ['docker.elastic.co/elastic-agent/elastic-agent', 'docker.elastic.co/beats/elastic-agent'],
    binary: '/usr/share/elastic-agent/elastic-agent',
    configPaths: ['/usr/share/elastic-agent/otel.yml'],
    configDefault: 'binary',
    // The same image runs the Beats-based agent unless told otherwise, so a match is only a collector
    // when the pod sets ELASTIC_AGENT_OTEL=true or its args start with "otel" (the EDOT Helm values do).
    configNote: 'A collector only when ELASTIC_AGENT_OTEL=true or the args start with "otel"; otherwise it runs "elastic-agent container".',
    tagPattern: SEMVER_TAG,
    versioning: 'table',
    releases: ELASTIC_RELEASES,
    source: 'elastic/elastic-agent@07adab5bc3d2 dev-tools/packaging/templates/docker/docker-entrypoint.elastic-agent.tmpl (ELASTIC_AGENT_OTEL), deploy/helm/edot-collector/kube-stack/values.yaml (docker.elastic.co/elastic-agent/elastic-agent)',
  },
  {
    id: 'dynatrace',
    name: 'Dynatrace Distribution of OpenTelemetry Collector',
    repository: 'Dynatrace/dynatrace-otel-collector',
    images: [
      'ghcr.io/dynatrace/dynatrace-otel-collector/dynatrace-otel-collector',
      'public.ecr.aws/dynatrace/dynatrace-otel-collector',
      'dynatrace/dynatrace-otel-collector',
    ],
    binary: '/dynatrace-otel-collector',
    configPaths: ['/etc/otelcol/config.yaml'],
    configDefault: 'cmd',
    configNote: 'CMD names /etc/otelcol/config.yaml but the image ships no file there: it must be mounted.',
    noConfigInImage: true,
    tagPattern: SEMVER_TAG,
    versioning: 'table',
    releases: rows('Dynatrace/dynatrace-otel-collector', 'v', 'manifest.yaml', [
      ['0.3.0', '0.96.0', 'f7825f15e51f'],
      ['0.3.1', '0.96.0', '8c3787fcb3d3'],
      ['0.4.0', '0.99.0', '037235329114'],
      ['0.5.0', '0.100.0', '89fd2d59fa24'],
      ['0.6.0', '0.101.0', 'aa7c0dd94023'],
      ['0.7.0', '0.102.1', 'bc7d2f50c89c'],
      ['0.8.0', '0.103.0', '312ebe20a2d0'],
      ['0.9.0', '0.104.0', '4c7b8b190153'],
      ['0.10.0', '0.105.0', 'b4176d0a08d1'],
      ['0.11.0', '0.106.1', '26f9a0ddc0bd'],
      ['0.12.0', '0.107.0', '2a9ae3bf5e14'],
      ['0.13.0', '0.108.1', '58bf5e3d3aa0'],
      ['0.14.0', '0.109.0', '8f99a6187ca6'],
      ['0.15.0', '0.110.0', 'd3890382d5b3'],
      ['0.16.0', '0.111.0', 'f6604fefba85'],
      ['0.17.0', '0.112.0', '445aa3c1f674'],
      ['0.18.0', '0.113.0', 'a54b06368ff3'],
      ['0.19.0', '0.114.0', '0c2e65be6cff'],
      ['0.20.0', '0.115.0', '5f6455b12cb2'],
      ['0.21.0', '0.117.0', '785f9fd1ffe5'],
      ['0.22.0', '0.118.0', '8c6d4fa02ae7'],
      ['0.23.0', '0.119.0', 'ce5eff1107b6'],
      ['0.24.0', '0.120.0', 'ce00128a94b7'],
      ['0.25.0', '0.121.0', '4991593bad90'],
      ['0.26.0', '0.122.1', '5f7ae0d2c535'],
      ['0.27.0', '0.123.0', '0b91b44b867a'],
      ['0.28.1', '0.124.0', 'ec01b51a9410'],
      ['0.29.0', '0.125.0', '71fbf259eee0'],
      ['0.30.0', '0.125.0', 'c536494a2a95'],
      ['0.30.1', '0.126.0', '57542a90969f'],
      ['0.31.0', '0.127.0', '2fec85126c30'],
      ['0.32.0', '0.129.0', '8b78e73bc77c'],
      ['0.33.0', '0.131.0', 'c71ccac11cf4'],
      ['0.34.0', '0.132.0', '7bd3d3035c54'],
      ['0.35.0', '0.134.0', '36908dcd2b10'],
      ['0.35.1', '0.134.0', '2256a4ce5a68'],
      ['0.36.0', '0.135.0', '880e3d5c60a2'],
      ['0.37.0', '0.136.0', '6ebc6f1be7cd'],
      ['0.38.0', '0.137.0', '87f615858542'],
      ['0.39.0', '0.138.0', '78203cdc55e4'],
      ['0.40.0', '0.140.0', 'c500398d2337'],
      ['0.41.0', '0.141.0', 'c5c10ee8b04d'],
      ['0.42.0', '0.143.0', '72ce94070d1c'],
      ['0.43.0', '0.144.0', '30e200e92be0'],
      ['0.44.0', '0.145.0', '9a9052f4040b'],
      ['0.45.0', '0.147.0', '3870db919c47'],
      ['0.46.0', '0.148.0', '8a9c3f9db050'],
      ['0.47.0', '0.149.0', 'd20e732ad4a3'],
      ['0.48.0', '0.151.0', 'd6d4e837c15b'],
      ['0.49.0', '0.153.0', '453c1cc37846'],
      ['0.50.0', '0.154.0', '9db58b166318'],
      ['0.51.0', '0.155.0', 'a43e7dabe61f'],
      ['0.52.0', '0.156.0', 'b2f2c32ed1b1'],
      ['0.53.0', '0.157.0', '4358e4dc3a8d'],
      ['0.53.1', '0.157.0', 'b4662596d932'],
      ['0.54.0', '0.158.0', '012948dea4a1'],
    ]),
    source: 'Dynatrace/dynatrace-otel-collector@fd6dbbe1c801 Dockerfile (ENTRYPOINT, CMD), .goreleaser.yaml (docker_manifests)',
  },
  {
    id: 'nrdot-collector',
    name: 'New Relic Distribution of OpenTelemetry (NRDOT) Collector',
    repository: 'newrelic/nrdot-collector-releases',
    images: ['newrelic/nrdot-collector'],
    binary: '/nrdot-collector',
    configPaths: ['/etc/nrdot-collector/config.yaml'],
    configDefault: 'cmd',
    tagPattern: SEMVER_TAG,
    versioning: 'table',
    releases: rows('newrelic/nrdot-collector-releases', '', 'distributions/nrdot-collector/manifest.yaml', [
      ['1.3.0', '0.131.0', 'c021ec8e3530'],
      ['1.4.0', '0.135.0', 'd8676f837741'],
      ['1.5.0', '0.135.0', '0a58b96fb640'],
      ['1.6.0', '0.141.0', 'dabcba1a5fe9'],
      ['1.7.0', '0.141.0', '14e710c54e7c'],
      ['1.8.0', '0.142.0', '492c16c32a70'],
      ['1.9.0', '0.142.0', 'e692dd40c003'],
      ['1.10.0', '0.142.0', '09e09a540929'],
      ['1.11.0', '0.142.0', '24b0129268f7'],
      ['1.11.1', '0.142.0', 'b335a25b4395'],
      ['1.12.0', '0.148.0', '3068c377dd31'],
      ['1.13.0', '0.148.0', 'bc8fdea41188'],
      ['1.14.0', '0.150.0', '3f57c3ebd1fd'],
      ['1.15.0', '0.150.0', 'bf661446c3c4'],
      ['1.15.1', '0.150.0', '4f58021424e6'],
      ['1.16.0', '0.150.0', '57cb5c246c7d'],
      ['1.17.0', '0.154.0', 'a7a76e09dc10'],
      ['1.18.0', '0.154.0', 'b5935465fd3c'],
      ['1.19.0', '0.154.0', '63bf2bc657c1'],
      ['1.20.0', '0.154.0', '2b041435b11f'],
      ['1.21.0', '0.156.0', '0acf53e6b1cb'],
      ['1.21.1', '0.156.0', '759f10425d63'],
      ['2.0.0', '0.157.0', '2cbec73686fa'],
      ['2.1.0', '0.158.0', 'cb23337f3bb6'],
      ['2.2.0', '0.158.0', 'b463af5d5b87'],
      ['2.3.0', '0.158.0', '4dc134aeaccb'],
    ]),
    source: 'newrelic/nrdot-collector-releases@4dc134aeaccb distributions/nrdot-collector/Dockerfile, .github/workflows/release-publish.yaml (newrelic/<distribution> tags)',
  },
  {
    id: 'nrdot-collector-host',
    name: 'NRDOT Collector Host (deprecated since 1.13.0)',
    repository: 'newrelic/nrdot-collector-releases',
    images: ['newrelic/nrdot-collector-host'],
    binary: '/nrdot-collector-host',
    configPaths: ['/etc/nrdot-collector-host/config.yaml'],
    configDefault: 'cmd',
    tagPattern: SEMVER_TAG,
    versioning: 'table',
    releases: rows('newrelic/nrdot-collector-releases', '', 'distributions/nrdot-collector-host/manifest.yaml', NRDOT_LEGACY_ROWS),
    source: 'newrelic/nrdot-collector-releases@1.10.0 (09e09a540929) distributions/nrdot-collector-host/Dockerfile; README.md (deprecation)',
  },
  {
    id: 'nrdot-collector-k8s',
    name: 'NRDOT Collector K8s (deprecated since 1.13.0)',
    repository: 'newrelic/nrdot-collector-releases',
    images: ['newrelic/nrdot-collector-k8s'],
    binary: '/nrdot-collector-k8s',
    configPaths: [],
    configDefault: 'cmd',
    configNote: 'The image has an ENTRYPOINT and no CMD and ships no config: the pod must pass --config.',
    noConfigInImage: true,
    tagPattern: SEMVER_TAG,
    versioning: 'table',
    releases: rows('newrelic/nrdot-collector-releases', '', 'distributions/nrdot-collector-k8s/manifest.yaml', NRDOT_LEGACY_ROWS),
    source: 'newrelic/nrdot-collector-releases@1.10.0 (09e09a540929) distributions/nrdot-collector-k8s/Dockerfile; README.md (deprecation)',
  },
  {
    id: 'sumologic',
    name: 'Sumo Logic Distribution for OpenTelemetry Collector',
    repository: 'SumoLogic/sumologic-otel-collector',
    images: ['public.ecr.aws/sumologic/sumologic-otel-collector', 'sumologic/sumologic-otel-collector'],
    binary: '/otelcol-sumo',
    configPaths: ['/etc/otel/config.yaml'],
    configDefault: 'cmd',
    configNote: 'Container build moved to SumoLogic/sumologic-otel-collector-containers in Aug 2025; both Dockerfiles use the same ENTRYPOINT and CMD.',
    tagPattern: SUMO_TAG,
    versioning: 'table',
    releases: rows('SumoLogic/sumologic-otel-collector', 'v', 'otelcolbuilder/.otelcol-builder.yaml', [
      ['0.96.0-sumo-0', '0.96.0', 'e78339fc638c'],
      ['0.96.0-sumo-1', '0.96.0', '57da9836b9fa'],
      ['0.97.0-sumo-0', '0.97.0', '89da224f8585'],
      ['0.97.0-sumo-1', '0.97.0', '44833625ed32'],
      ['0.98.0-sumo-0', '0.98.0', '9080d02f71ff'],
      ['0.99.0-sumo-0', '0.99.0', '2aea4abc8120'],
      ['0.100.0-sumo-0', '0.100.0', '480717c602a7'],
      ['0.102.1-sumo-0', '0.102.1', 'b78a73abf159'],
      ['0.104.0-sumo-0', '0.104.0', '302864eea360'],
      ['0.104.0-sumo-1', '0.104.0', 'f5fdc6375dfe'],
      ['0.106.1-sumo-0', '0.106.1', '633e4c015e70'],
      ['0.106.1-sumo-1', '0.106.1', '62c4b5f3aac5'],
      ['0.108.0-sumo-0', '0.108.0', '7dc2a55d6c21'],
      ['0.108.0-sumo-1', '0.108.0', 'fb94e90cb808'],
      ['0.108.0-sumo-2', '0.108.0', 'cb8c543a9310'],
      ['0.114.0-sumo-0', '0.114.0', '57aa7d95f1eb'],
      ['0.118.0-sumo-0', '0.118.0', '21bd290bcef2'],
      ['0.124.1-sumo-0', '0.124.0', 'b77f25d247f1'],
      ['0.127.0-sumo-0', '0.127.0', 'b47b2b8110b3'],
      ['0.130.1-sumo-0', '0.130.1', '7c414dc3d6f7'],
      ['0.133.0-sumo-0', '0.130.1', 'b6ccde5a02b7'],
      ['0.136.0-sumo-0', '0.136.0', '1c65b5511202'],
      ['0.136.0-sumo-1', '0.136.0', '5acfd9c613e3'],
      ['0.137.0-sumo-0', '0.137.0', 'ed82f0b5d8e5'],
      ['0.139.0-sumo-0', '0.139.0', 'f9832dc92a64'],
      ['0.140.0-sumo-0', '0.140.0', '7ecb90339f96'],
      ['0.141.0-sumo-0', '0.141.0', '663b94185360'],
      ['0.143.0-sumo-0', '0.143.0', '5ce7ae8dc7ed'],
      ['0.144.0-sumo-0', '0.144.0', '4acaa85929ec'],
      ['0.145.0-sumo-0', '0.145.0', '4330f535ecd2'],
      ['0.146.0-sumo-0', '0.146.0', '9b83183eb425'],
      ['0.147.0-sumo-0', '0.147.0', '7585c21c9785'],
      ['0.148.0-sumo-0', '0.148.0', '16846f250a22'],
      ['0.149.0-sumo-0', '0.149.0', 'df144e666871'],
      ['0.151.0-sumo-0', '0.151.0', 'fb4b2e262796'],
      ['0.152.0-sumo-0', '0.152.0', '76bd69c2d4cc'],
      ['0.153.0-sumo-0', '0.153.0', 'a481d6d74572'],
      ['0.154.0-sumo-0', '0.154.0', '44811458e724'],
    ]),
    source: 'SumoLogic/sumologic-otel-collector-containers@5aa2306288e2 dockerfiles/scratch/Dockerfile, dockerfiles/ubi/Dockerfile; SumoLogic/sumologic-otel-collector@bfd054f67e1d docs/installation.md (images)',
  },
  {
    id: 'signoz',
    name: 'SigNoz OpenTelemetry Collector',
    repository: 'SigNoz/signoz-otel-collector',
    images: ['signoz/signoz-otel-collector'],
    binary: '/signoz-otel-collector',
    configPaths: ['/etc/otel/config.yaml'],
    configDefault: 'cmd',
    tagPattern: SEMVER_TAG,
    versioning: 'table',
    releases: rows('SigNoz/signoz-otel-collector', 'v', 'go.mod', [
      ['0.102.0', '0.102.0', 'fd180d5dfe7f'],
      ['0.102.1', '0.102.0', 'adf85de99948'],
      ['0.102.2', '0.102.0', '2b7f110977c4'],
      ['0.102.3', '0.102.0', 'd3ed24f34f1e'],
      ['0.102.4', '0.102.0', '26a2061975ce'],
      ['0.102.5', '0.102.0', '9c3fe7f90aba'],
      ['0.102.6', '0.102.0', 'a32434734df0'],
      ['0.102.7', '0.102.0', '47e8ae2e5d98'],
      ['0.102.8', '0.102.0', 'dada7558ec6a'],
      ['0.102.9', '0.102.0', '587debb9a05a'],
      ['0.102.10', '0.102.0', '1712bfaf3537'],
      ['0.102.11', '0.102.0', 'f109e00a861e'],
      ['0.102.12', '0.102.0', '321edc799f86'],
      ['0.102.13', '0.111.0', '05799f238df5'],
      ['0.102.14', '0.111.0', 'ae01b886afdc'],
      ['0.111.2', '0.111.0', '32036b92994d'],
      ['0.111.3', '0.111.0', 'b7f00566f71a'],
      ['0.111.4', '0.111.0', 'bd0b408812ef'],
      ['0.111.5', '0.111.0', '99de6779146d'],
      ['0.111.6', '0.111.0', '5da0f955a4c9'],
      ['0.111.7', '0.111.0', '9280367d2f77'],
      ['0.111.8', '0.111.0', '0df4fbd71a05'],
      ['0.111.9', '0.111.0', '37049dc58f33'],
      ['0.111.10', '0.111.0', 'c5b5e273c51e'],
      ['0.111.11', '0.111.0', 'ff4d5578d900'],
      ['0.111.12', '0.111.0', 'cf7eff9a781e'],
      ['0.111.13', '0.111.0', 'b4fcdaefca85'],
      ['0.111.14', '0.111.0', 'cd566027c0ba'],
      ['0.111.15', '0.111.0', '63faaf0c555e'],
      ['0.111.16', '0.111.0', '9966c2ac97da'],
      ['0.111.17', '0.111.0', 'cc3d7be21453'],
      ['0.111.18', '0.111.0', '2edb96636314'],
      ['0.111.19', '0.111.0', '9756822548ea'],
      ['0.111.20', '0.111.0', 'f22b4655e4e5'],
      ['0.111.21', '0.111.0', '65aeb4a4614c'],
      ['0.111.22', '0.111.0', 'a9b7c298e835'],
      ['0.111.23', '0.111.0', 'cf504c0e956e'],
      ['0.111.24', '0.111.0', 'b7f8d5bfaad7'],
      ['0.111.25', '0.111.0', '9acbc852c329'],
      ['0.111.26', '0.111.0', '6f58313b901c'],
      ['0.111.27', '0.111.0', 'f10f88640de8'],
      ['0.111.28', '0.111.0', 'a96c399a3c49'],
      ['0.111.29', '0.111.0', '59ba699702cd'],
      ['0.111.30', '0.111.0', '2bc18943d816'],
      ['0.111.31', '0.111.0', 'e362ffae9ec2'],
      ['0.111.32', '0.111.0', 'd8aba54e8a35'],
      ['0.111.33', '0.111.0', '912f4ff14700'],
      ['0.111.34', '0.111.0', 'db9d3755a545'],
      ['0.111.35', '0.111.0', 'd51593dc4076'],
      ['0.111.36', '0.111.0', 'd4f8f8553a26'],
      ['0.111.37', '0.111.0', '29231183b12a'],
      ['0.111.38', '0.111.0', '99c3ca21699e'],
      ['0.111.39', '0.111.0', 'e84cf6ae2204'],
      ['0.111.40', '0.111.0', '9a4c0ccca2fc'],
      ['0.111.41', '0.111.0', 'd362272b3ae4'],
      ['0.111.42', '0.111.0', '448c7ed747ac'],
      ['0.111.43', '0.111.0', '1d7bf04531ca'],
      ['0.128.0', '0.128.0', '7839b79334fb'],
      ['0.128.1', '0.128.0', 'dedd44883d10'],
      ['0.128.2', '0.128.0', 'ccf9da055f83'],
      ['0.129.0', '0.128.0', 'c3ed295d1be5'],
      ['0.129.1', '0.128.0', '7c5db118fc14'],
      ['0.129.2', '0.128.0', '4ebf99d4f78f'],
      ['0.129.3', '0.128.0', '19f5b69e6d9b'],
      ['0.129.4', '0.128.0', 'd3c9ae4eb1d2'],
      ['0.129.5', '0.128.0', 'bb2a77a1b338'],
      ['0.129.6', '0.128.0', 'b841a0b3379a'],
      ['0.129.7', '0.128.0', 'f7b7233b6e03'],
      ['0.129.8', '0.128.0', 'cd4109d7df5b'],
      ['0.129.9', '0.128.0', 'b4806b402547'],
      ['0.129.10', '0.128.0', 'f18c17984924'],
      ['0.129.11', '0.128.0', '2b461d827013'],
      ['0.129.12', '0.128.0', 'b12dd3cbf9d1'],
      ['0.129.13', '0.128.0', '122812d03816'],
      ['0.129.14', '0.142.0', '2134824495b0'],
      ['0.142.0', '0.142.0', 'ebd8d3a4aa00'],
      ['0.142.1', '0.142.0', 'a6a63607f51d'],
      ['0.144.0', '0.144.0', 'a639ef022b5b'],
      ['0.144.1', '0.144.0', '6be2a31f1fd7'],
      ['0.144.2', '0.144.0', 'fcf0ed445b67'],
      ['0.144.3', '0.144.0', 'd35563735ba0'],
      ['0.144.4', '0.144.0', '983c2e1ed206'],
      ['0.144.5', '0.144.0', '75e04c080a6f'],
      ['0.144.6', '0.144.0', 'b75a6256ec15'],
      ['0.144.7', '0.144.0', '7f50897c21be'],
    ]),
    source: 'SigNoz/signoz-otel-collector@75a995d09efe cmd/signozotelcollector/Dockerfile (ENTRYPOINT, CMD), Makefile (REPONAME signoz, IMAGE_NAME signoz-otel-collector)',
  },
  {
    id: 'redhat',
    name: 'Red Hat build of OpenTelemetry Collector',
    repository: 'os-observability/redhat-opentelemetry-collector',
    images: ['registry.redhat.io/rhosdt/opentelemetry-collector-rhel9', 'registry.redhat.io/rhosdt/opentelemetry-collector-rhel8'],
    binary: '/usr/bin/opentelemetry-collector',
    configPaths: ['/etc/otelcol/config.yaml'],
    configDefault: 'cmd',
    configNote: 'Product images are built in os-observability/konflux-opentelemetry (Dockerfile.collector); rhel9 since Feb 2026 (de59580a5440), rhel8 before.',
    tagPattern: REDHAT_TAG,
    versioning: 'table',
    // Keys are the image's version label (ARG VERSION = manifest dist.version + "-N", versions.sh).
    releases: rows('os-observability/konflux-opentelemetry', null, 'Dockerfile.collector ARG VERSION', [
      ['0.135.0-1', '0.135.0', 'daf89cec4d0b'],
      ['0.140.0-1', '0.140.0', 'dafad68f0070'],
      ['0.140.0-2', '0.140.0', '488331123dd3'],
      ['0.144.0-1', '0.144.0', 'b0bc21e82b8c'],
      ['0.144.0-2', '0.144.0', 'bce05a990937'],
      ['0.144.0-3', '0.144.0', '7477f95855f7'],
      ['0.152.0-1', '0.152.0', 'e6df4a7f7782'],
      // At this commit the line reads "0.152.1\r-1" (a stray carriage return); -2 fixed it.
      ['0.152.1-1', '0.152.1', '2b6740b4fd85'],
      ['0.152.1-2', '0.152.1', '746954cd5f1c'],
      ['0.152.1-3', '0.152.1', '49c197311229'],
      ['0.158.0-1', '0.158.0', '55579ecda927'],
    ]),
    unmappedNote: 'registry tags other than the X.Y.Z-N version label (e.g. rhosdt-3.9.2, digests) are not recorded in the build repositories',
    source: 'os-observability/konflux-opentelemetry@1d688d4a2639 Dockerfile.collector (ENTRYPOINT, CMD, LABEL name), versions.sh; os-observability/redhat-opentelemetry-collector@v0.135.0 (ddc743d4ed39) manifest.yaml',
  },
  {
    id: 'bindplane',
    name: 'Bindplane Distro for OpenTelemetry Collector (formerly observIQ)',
    repository: 'observIQ/bindplane-otel-collector',
    images: [
      'ghcr.io/observiq/bindplane-agent',
      'observiq/bindplane-agent',
      'us-central1-docker.pkg.dev/observiq-containers/agent/bindplane-agent',
      'ghcr.io/observiq/observiq-otel-collector',
      'observiq/observiq-otel-collector',
      'us-central1-docker.pkg.dev/observiq-containers/collector/observiq-otel-collector',
    ],
    binary: '/collector/observiq-otel-collector',
    configPaths: ['/etc/otel/config.yaml'],
    configDefault: 'binary',
    configEnv: { name: 'CONFIG_YAML_PATH', meaning: 'Config path used when no --config is given (default ./config.yaml in WORKDIR /etc/otel).', holds: 'path' },
    configNote: 'No CMD: the binary defaults --config to ./config.yaml and the image WORKDIR is /etc/otel. Remote management (manager.yaml / OpAMP) can replace the config at run time.',
    tagPattern: SEMVER_TAG,
    versioning: 'table',
    releases: [
      ...rows('observIQ/bindplane-otel-collector', 'v', 'go.mod', [
        ['1.50.0', '0.99.0', '175678895993'],
        ['1.51.0', '0.100.0', 'a1bd3fe03f95'],
        ['1.52.0', '0.101.0', 'e88aea7cd169'],
        ['1.53.0', '0.102.1', '644fbd624e13'],
        ['1.54.0', '0.103.0', '0709053f146f'],
        ['1.55.0', '0.104.0', '7a92a7e0dacb'],
        ['1.56.0', '0.105.0', '71009325fdcd'],
        ['1.57.0', '0.106.1', 'cda194109848'],
        ['1.57.1', '0.106.1', '9399155c59de'],
        ['1.57.2', '0.106.1', 'ed0c695a74a1'],
        ['1.58.0', '0.107.0', 'b33ba7628db6'],
        ['1.58.1', '0.107.0', '509ea92e096f'],
        ['1.58.2', '0.107.0', 'e26612cfb449'],
        ['1.58.3', '0.107.0', '1f3ef21ebcc1'],
        ['1.59.0', '0.108.1', '7fea48a8e196'],
        ['1.59.1', '0.108.1', 'd0579f1c98e9'],
        ['1.59.2', '0.108.1', '00a976998b39'],
        ['1.60.0', '0.109.0', 'b962de5f6f1b'],
        ['1.61.0', '0.110.0', 'e1ca6faccc7e'],
        ['1.61.1', '0.111.0', '7c0588c7f0b7'],
        ['1.62.0', '0.111.0', 'caa5f7ea7a2c'],
        ['1.63.0', '0.112.0', '662ee3f143e8'],
        ['1.64.0', '0.113.0', '1f4435e8e45f'],
        ['1.65.0', '0.114.0', 'fa45d1a92b30'],
        ['1.66.0', '0.114.0', '454725e38dda'],
        ['1.67.0', '0.116.0', 'd75713b92ac8'],
        ['1.67.1', '0.116.0', 'ee884bf253e6'],
        ['1.68.0', '0.116.0', '1d0ced792ba6'],
        ['1.69.0', '0.117.0', '3920cf1a438d'],
        ['1.70.0', '0.118.0', '0737271a6b7a'],
        ['1.71.0', '0.120.0', 'efad32b9571a'],
        ['1.71.1', '0.120.0', 'fe201fbf5db7'],
        ['1.71.2', '0.120.0', '163f7ba0fa68'],
        ['1.71.3', '0.120.0', '72383df4a9cb'],
        ['1.71.4', '0.120.0', '898dd238d932'],
        ['1.71.5', '0.120.0', 'a53951bdadf5'],
        ['1.72.0', '0.121.0', '0fc05f76f57a'],
        ['1.73.0', '0.122.0', 'f1704dd427d3'],
        ['1.73.1', '0.122.0', '9243d9c5cdc4'],
        ['1.74.0', '0.123.0', '2cdad6ae9927'],
        ['1.74.1', '0.123.0', '927aab34c310'],
        ['1.75.0', '0.123.0', 'dbb8dc1dca41'],
        ['1.76.0', '0.124.0', '21c7244b050c'],
        ['1.76.1', '0.124.0', '63724432835a'],
        ['1.76.2', '0.124.0', '63724432835a'],
        ['1.76.3', '0.124.0', '01a76aab2f41'],
        ['1.76.4', '0.124.0', 'd71daac76597'],
        ['1.77.0', '0.126.0', 'a397447c52f7'],
        ['1.77.1', '0.126.0', '17343479327c'],
        ['1.77.2', '0.126.0', '1a0f398e39f7'],
        ['1.78.0', '0.127.0', 'e0caa51b60b7'],
        ['1.79.0', '0.128.0', '9bf85682a2ed'],
        ['1.79.1', '0.128.0', 'a441b593ee68'],
        ['1.79.2', '0.128.0', 'effd8d979c5c'],
        ['1.80.0', '0.129.0', '2d6aa14b2682'],
        ['1.80.1', '0.129.0', '652bca839421'],
        ['1.81.0', '0.130.1', '50cb9cbe3ca4'],
        ['1.82.0', '0.131.0', '0ec2ae27f6c2'],
        ['1.83.0', '0.133.0', '2f9e0a760918'],
        ['1.83.1', '0.133.0', '18a9410fbb21'],
        ['1.84.0', '0.135.0', '4adb5afc0a5b'],
        ['1.85.0', '0.136.0', 'b3e79cc5cbc1'],
        ['1.85.1', '0.136.0', 'de3ba88b9e3e'],
        ['1.85.2', '0.136.0', '6949ad981ce4'],
        ['1.85.3', '0.136.0', '90a168eb6328'],
        ['1.86.0', '0.136.0', 'd848db6e6196'],
        ['1.86.1', '0.137.0', '5315441e1f60'],
        ['1.87.0', '0.138.0', 'bc9ffe747c6a'],
        ['1.87.1', '0.138.0', '325345218dbe'],
        ['1.87.2', '0.138.0', '07d27196342f'],
        ['1.87.3', '0.138.0', 'cc19372604b3'],
        ['1.87.4', '0.138.0', '6e08ed898b1d'],
        ['1.87.5', '0.138.0', '28da3611136c'],
        ['1.87.6', '0.138.0', '97c0ad3ad037'],
        ['1.87.7', '0.138.0', 'c6b4ae66679e'],
        ['1.87.8', '0.138.0', 'c5d16c2e9521'],
        ['1.88.0', '0.140.0', '25d30935d6c6'],
        ['1.88.1', '0.140.0', 'ded24300a02b'],
        ['1.89.0', '0.141.0', '5366383181c0'],
        ['1.90.0', '0.142.0', '41326e333040'],
        ['1.91.0', '0.143.0', 'ce74e93521ab'],
        ['1.92.0', '0.144.0', 'f8c87c6c0b0a'],
        ['1.92.1', '0.144.0', '1339834f55ab'],
        ['1.92.2', '0.144.0', 'a7f3ebfde18a'],
        ['1.93.0', '0.145.0', '679ec5406c47'],
        ['1.94.0', '0.146.1', '5208396e1aac'],
        ['1.94.1', '0.146.1', '997ecd3003d4'],
        ['1.94.2', '0.146.1', '8e5cd23a904c'],
        ['1.95.0', '0.147.0', 'c6312b424965'],
        ['1.96.0', '0.148.0', 'f3cc833f205f'],
        ['1.97.0', '0.149.0', '9978a33e1a80'],
        ['1.98.0', '0.150.0', '735d9cc2c8b3'],
        ['1.99.0', '0.151.0', '07de97fa6cf0'],
        ['1.100.0', '0.152.0', '0895c02bd3e1'],
        ['1.101.0', '0.153.0', '291c3909123b'],
        ['1.101.1', '0.153.0', 'efe6a23d872d'],
        ['1.101.2', '0.153.0', '04fa00bd31ec'],
      ]),
      ...rows('observIQ/bindplane-otel-collector', 'v', 'manifests/observIQ/manifest.yaml', [
        ['1.102.0', '0.154.0', 'f596a9a03714'],
        ['1.102.1', '0.154.0', '00ed3e614bd0'],
      ]),
    ],
    source: 'observIQ/bindplane-otel-collector@d1725bae6b63 docker/Dockerfile.scratch (ENTRYPOINT, WORKDIR), .goreleaser-docker.yml (docker_manifests); @v1.80.0 cmd/collector/main.go (CONFIG_YAML_PATH, ./config.yaml)',
  },
];

export const AGENTS: readonly Agent[] = [
  {
    id: 'grafana-alloy',
    name: 'Grafana Alloy',
    images: ['grafana/alloy'],
    note: 'Embeds collector components but is configured in Alloy syntax (/etc/alloy/config.alloy); not analysed.',
    source: 'grafana/alloy Dockerfile (CMD run /etc/alloy/config.alloy)',
  },
  {
    id: 'grafana-agent',
    name: 'Grafana Agent',
    images: ['grafana/agent'],
    note: 'Predecessor of Alloy (end of life); static or flow config, not collector YAML; not analysed.',
    source: 'grafana/agent (image name as published on Docker Hub; not re-read this session)',
  },
  {
    id: 'fluent-bit',
    name: 'Fluent Bit',
    images: ['fluent/fluent-bit', 'cr.fluentbit.io/fluent/fluent-bit'],
    note: 'Has its own OTLP input and output plugins; not a collector; not analysed.',
    source: 'fluent/fluent-bit dockerfiles/README.md (fluent/fluent-bit, ghcr.io/fluent/fluent-bit)',
  },
  {
    id: 'fluentd',
    name: 'Fluentd',
    images: ['fluent/fluentd'],
    note: 'Log forwarder, not a collector; not analysed.',
    source: 'fluent/fluentd-docker-image (image name as published on Docker Hub; not re-read this session)',
  },
  {
    id: 'vector',
    name: 'Vector',
    images: ['timberio/vector'],
    note: 'Has an OpenTelemetry source but its own config (vector.yaml); not analysed.',
    source: 'vectordotdev/vector distribution/docker/debian/Dockerfile (CMD vector); image name timberio/vector on Docker Hub',
  },
  {
    id: 'datadog-agent',
    name: 'Datadog Agent',
    images: ['datadog/agent', 'gcr.io/datadoghq/agent', 'public.ecr.aws/datadog/agent'],
    note: 'Accepts OTLP through DD_OTLP_CONFIG_* settings, not collector YAML; not analysed.',
    source: 'DataDog/datadog-agent Dockerfiles/agent/README.md (datadog/agent); gcr.io and public.ecr.aws mirrors as documented by Datadog, not re-read this session',
  },
  {
    id: 'jaeger',
    name: 'Jaeger',
    images: ['jaegertracing/all-in-one', 'jaegertracing/jaeger'],
    note: 'Tracing backend that also accepts OTLP; not analysed as a collector.',
    source: 'jaegertracing/jaeger scripts/build/build-all-in-one-image.sh (repo="jaegertracing/${BINARY}", BINARY all-in-one | jaeger)',
  },
];

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

/** Path components of a pattern: registry dropped so mirrors and pull-through proxies still match. */
function patternPath(pattern: string): readonly string[] {
  return parseImage(pattern)?.path ?? [];
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

/** The collector distribution an image belongs to, with the upstream version its tag maps to. */
export function distributionForImage(image: string): DistributionMatch | undefined {
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
export function agentForImage(image: string): Agent | undefined {
  const ref = parseImage(image);
  return ref ? bestMatch(ref, AGENTS) : undefined;
}

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
