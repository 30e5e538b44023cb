// Vendor collector images: the image's ENTRYPOINT/CMD and ENV, the upstream version each release plays,
// the tool profile, and the vendor's own start-up (config choice, Go `log` lines) before the core's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, runStandin, simRoot } from '../../standins/testutil.ts';
import { containerArgv, vendorImageEnv, vendorRelease } from '../../standins/vendors.ts';
import { isCollectorImage, profileFor, profileNameForImage } from '../../runtime/profiles.ts';
import { standinFor } from '../../runtime/images.ts';

const SPLUNK = 'quay.io/signalfx/splunk-otel-collector';
const ADOT = 'public.ecr.aws/aws-observability/aws-otel-collector';
const GO_LOG = String.raw`\d{4}/\d\d/\d\d \d\d:\d\d:\d\d`;

const conf = (grpc: string, httpEp: string): string => `
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: ${grpc}
      http:
        endpoint: ${httpEp}
exporters:
  debug: {}
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [debug]
`;

test('unit: vendor images are collectors; releases map to the upstream core they pin', () => {
  for (const image of [`${SPLUNK}:0.111.0`, `${ADOT}:v0.41.0`, 'amazon/aws-otel-collector:v0.43.3']) {
    assert.ok(isCollectorImage(image), image);
    assert.equal(standinFor(image), 'collector', image);
  }
  assert.equal(vendorRelease(`${SPLUNK}:0.111.0`)?.upstream, '0.111.0');
  assert.equal(vendorRelease(`${SPLUNK}:0.96.0`)?.upstream, '0.95.0');
  assert.equal(vendorRelease(`${ADOT}:v0.41.0`)?.upstream, '0.109.0');
  assert.equal(vendorRelease(`${ADOT}:v0.40.2`)?.upstream, '0.102.1');
  assert.equal(vendorRelease(`${ADOT}:v0.99.0`)?.upstream, undefined, 'a release outside the table has no upstream');
  const latest = vendorRelease(`${ADOT}:latest`);
  assert.deepEqual([latest?.release, latest?.guessed], ['0.49.0', true]);
  assert.equal(vendorRelease('otel/opentelemetry-collector-contrib:0.111.0'), undefined);
});

test('unit: ENTRYPOINT and CMD by the Kubernetes rule; image ENV', () => {
  assert.deepEqual(containerArgv(`${ADOT}:v0.41.0`, [], []), ['/awscollector', '--config=/etc/otel-config.yaml']);
  assert.deepEqual(containerArgv(`${ADOT}:v0.41.0`, [], ['--config=/conf/a.yaml']), ['/awscollector', '--config=/conf/a.yaml']);
  assert.deepEqual(containerArgv(`${ADOT}:v0.41.0`, ['/awscollector'], []), ['/awscollector'], 'command drops the image CMD');
  assert.deepEqual(containerArgv(`${SPLUNK}:0.111.0`, [], []), ['/otelcol']);
  assert.deepEqual(containerArgv('busybox:1.36', [], ['sleep', '1']), ['sleep', '1'], 'other images: pod command and args only');
  // Upstream images (collector-releases Dockerfiles): core and contrib run their bundled config path by default.
  assert.deepEqual(containerArgv('otel/opentelemetry-collector-contrib:0.111.0', [], []), ['/otelcol-contrib', '--config', '/etc/otelcol-contrib/config.yaml']);
  assert.deepEqual(containerArgv('ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector:0.120.0', [], []), ['/otelcol', '--config', '/etc/otelcol/config.yaml']);
  assert.deepEqual(containerArgv('otel/opentelemetry-collector-k8s:0.120.0', [], []), ['/otelcol-k8s'], 'k8s has no CMD');
  assert.deepEqual(containerArgv('otel/opentelemetry-collector-contrib:0.111.0', [], ['--config=/conf/c.yaml']), ['/otelcol-contrib', '--config=/conf/c.yaml']);
  assert.deepEqual(containerArgv('example.com/team/opentelemetry-collector-contrib:1', [], []), [], 'a rebuilt image of another owner is not assumed to keep the CMD');
  assert.equal(vendorImageEnv(`${ADOT}:v0.41.0`).RUN_IN_CONTAINER, 'True');
  assert.equal(vendorImageEnv(`${SPLUNK}:0.111.0`).SPLUNK_BUNDLE_DIR, '/usr/lib/splunk-otel-collector/agent-bundle');
  assert.deepEqual(vendorImageEnv(`${SPLUNK}:0.154.0`), {});
});

test('unit: tool profiles: ADOT has nothing; Splunk before 0.154 has the agent bundle (sh, ss, cat, python), after nothing', () => {
  const node = process.execPath;
  assert.equal(profileNameForImage(`${ADOT}:v0.41.0`), 'none');
  assert.equal(profileFor(`${ADOT}:v0.41.0`, undefined, node).commands.size, 0);
  assert.equal(profileNameForImage(`${SPLUNK}:0.111.0`), 'splunk-bundle');
  const bundle = profileFor(`${SPLUNK}:0.153.0`, undefined, node);
  for (const c of ['sh', 'ss', 'cat', 'grep']) { assert.ok(bundle.commands.has(c), c); }
  for (const c of ['bash', 'nc', 'wget', 'curl', 'netstat', 'python3', 'node']) { assert.equal(bundle.commands.has(c), false, c); }
  assert.equal(profileNameForImage(`${SPLUNK}:0.154.0`), 'none');
  assert.equal(profileNameForImage(`${SPLUNK}:latest`), 'none');
});

test('Splunk, no args: SPLUNK_CONFIG else the default gateway path, its Go log lines, then the core at the pinned version', async () => {
  const [g, h] = [await freePort(), await freePort()];
  const root = simRoot({ '/etc/otel/collector/gateway_config.yaml': conf(`127.0.0.1:${g}`, `localhost:${h}`) });
  const env = { SIM_ROOT: root, SIM_IMAGE: `${SPLUNK}:0.111.0`, SPLUNK_REALM: 'us0', SPLUNK_ACCESS_TOKEN: 't' };
  const p = runStandin('collector.ts', ['/otelcol'], env);
  try {
    await p.waitFor(/Everything is ready/);
    const out = p.out();
    assert.match(out, new RegExp(`^${GO_LOG} settings\\.go:489: Set config to /etc/otel/collector/gateway_config\\.yaml$`, 'm'));
    assert.match(out, new RegExp(`^${GO_LOG} settings\\.go:533: Set memory limit to 460 MiB$`, 'm'));
    assert.match(out, new RegExp(`^${GO_LOG} settings\\.go:408: set "SPLUNK_LISTEN_INTERFACE" to "0\\.0\\.0\\.0"$`, 'm'));
    assert.match(out, /\tservice@v0\.111\.0\/service\.go:\d+\tStarting otelcol\.\.\.\t\{"Version": "v0\.111\.0"/);
    assert.match(out, new RegExp(`otlpreceiver@v0\\.111\\.0/otlp\\.go:\\d+\\tStarting GRPC server\\t.*"endpoint": "127\\.0\\.0\\.1:${g}"`));
  } finally {
    await p.stop();
  }
  const other = simRoot({ '/conf/mine.yaml': conf(`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`) });
  const q = runStandin('collector.ts', ['/otelcol'], { SIM_ROOT: other, SIM_IMAGE: `${SPLUNK}:0.111.0`, SPLUNK_CONFIG: '/conf/mine.yaml' });
  try {
    await q.waitFor(/Everything is ready/);
    assert.match(q.out(), /settings\.go:477: Set config to \/conf\/mine\.yaml\n/);
  } finally {
    await q.stop();
  }
});

test('Splunk default path without SPLUNK_REALM: the usage line and invalid settings, exit 1', async () => {
  const root = simRoot({ '/etc/otel/collector/gateway_config.yaml': conf('127.0.0.1:0', '127.0.0.1:0') });
  const p = runStandin('collector.ts', ['/otelcol'], { SIM_ROOT: root, SIM_IMAGE: `${SPLUNK}:0.111.0` });
  assert.equal(await p.exited, 1);
  assert.match(p.out(), /settings\.go:609: Usage: SPLUNK_ACCESS_TOKEN=12345 SPLUNK_REALM=us0 \/otelcol\n/);
  assert.match(p.out(), /main\.go:53: invalid settings detected: ERROR: Missing required environment variable SPLUNK_REALM with default config path \/etc\/otel\/collector\/gateway_config\.yaml\. Use "--help" to show valid usage\n/);
});

test('ADOT: the image CMD path, its Go log lines, aws-otel-collector on the pinned core; AOT_CONFIG_CONTENT wins', async () => {
  const g = await freePort();
  const root = simRoot({ '/etc/otel-config.yaml': conf(`localhost:${g}`, `127.0.0.1:${await freePort()}`) });
  const p = runStandin('collector.ts', ['/awscollector', '--config=/etc/otel-config.yaml'], { SIM_ROOT: root, SIM_IMAGE: `${ADOT}:v0.41.0` });
  try {
    await p.waitFor(/Everything is ready/);
    const out = p.out();
    assert.match(out, new RegExp(`^${GO_LOG} ADOT Collector version: v0\\.41\\.0$`, 'm'));
    assert.match(out, /found no extra config, skip it, err: open \/opt\/aws\/aws-otel-collector\/etc\/extracfg\.txt: no such file or directory\n/);
    assert.match(out, /in regards to an upcoming ADOT Collector breaking change\n/);
    assert.match(out, /\tservice@v0\.109\.0\/service\.go:\d+\tStarting aws-otel-collector\.\.\.\t\{"Version": "v0\.41\.0"/);
    assert.match(out, new RegExp(`Starting GRPC server\\t.*"endpoint": "localhost:${g}"`));
  } finally {
    await p.stop();
  }
  const h = await freePort();
  const q = runStandin('collector.ts', ['/awscollector', '--config=/etc/otel-config.yaml'], { SIM_ROOT: root, SIM_IMAGE: `${ADOT}:v0.41.0`, AOT_CONFIG_CONTENT: conf(`127.0.0.1:${h}`, `127.0.0.1:${await freePort()}`) });
  try {
    await q.waitFor(/Everything is ready/);
    assert.match(q.out(), new RegExp(`"endpoint": "127\\.0\\.0\\.1:${h}"`));
  } finally {
    await q.stop();
  }
});

test('ADOT without its config mounted: the core error, then log.Fatal without a file name', async () => {
  const p = runStandin('collector.ts', ['/awscollector', '--config=/etc/otel-config.yaml'], { SIM_ROOT: simRoot({}), SIM_IMAGE: `${ADOT}:v0.41.0` });
  assert.equal(await p.exited, 1);
  assert.match(p.out(), /^Error: failed to get config: .*open \/etc\/otel-config\.yaml: no such file or directory$/m);
  assert.match(p.out(), new RegExp(`^${GO_LOG} application run finished with error: failed to get config`, 'm'));
});
