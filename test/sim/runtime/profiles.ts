// Tool profiles: which executables a container image would have. Containers share the host's filesystem
// here, so a profile is a directory of symlinks that becomes the whole PATH of an exec; a command outside
// it fails the way containerd fails for a binary missing from the image.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { compareVersions, SPLUNK_BUNDLE_REMOVED, vendorFor, vendorRelease } from '../standins/vendors.ts';

export const TOOLS_ANNOTATION = 'sim.otel-doctor.io/tools';

export interface Profile {
  /** `none`, `busybox`, `debian`, `python`, `node`, `netshoot`, `splunk-bundle` or `custom`. */
  name: string;
  /** command name -> absolute path of the host binary that plays it. */
  commands: Map<string, string>;
}

const BUSYBOX = '/usr/bin/busybox';

/** What a busybox/alpine image ships as applets (the ones Debian's busybox build has). */
const BUSYBOX_APPLETS = [
  'sh', 'ash', 'awk', 'base64', 'basename', 'cat', 'chmod', 'cp', 'cut', 'date', 'dd', 'df', 'dirname', 'du', 'echo', 'env',
  'expr', 'false', 'find', 'free', 'grep', 'egrep', 'fgrep', 'head', 'hostname', 'id', 'ifconfig', 'ip', 'kill', 'less', 'ln', 'ls',
  'mkdir', 'more', 'mv', 'nc', 'netstat', 'nslookup', 'od', 'ping', 'printf', 'ps', 'pwd', 'readlink', 'rm', 'rmdir', 'route',
  'sed', 'seq', 'sleep', 'sort', 'stat', 'tail', 'tar', 'tee', 'telnet', 'test', '[', 'timeout', 'top', 'touch', 'tr', 'traceroute',
  'true', 'uname', 'uniq', 'vi', 'wc', 'wget', 'which', 'whoami', 'xargs', 'yes', 'hexdump', 'xxd', 'uptime',
];

/** debian:*-slim / ubuntu: coreutils, dash as sh, bash, grep, sed; no procps, no net tools. */
const DEBIAN_TOOLS = [
  'sh', 'dash', 'bash', 'cat', 'ls', 'timeout', 'echo', 'env', 'head', 'tail', 'grep', 'egrep', 'sed', 'sleep', 'id', 'hostname',
  'mkdir', 'rm', 'cp', 'mv', 'ln', 'test', '[', 'true', 'false', 'printf', 'pwd', 'readlink', 'sort', 'uniq', 'wc', 'cut', 'tr',
  'date', 'uname', 'whoami', 'touch', 'chmod', 'stat', 'df', 'du', 'tee', 'basename', 'dirname', 'find', 'xargs', 'base64',
  'od', 'expr', 'seq', 'nproc', 'mktemp', 'awk', 'tar', 'gzip',
];

const HOST_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'];

function hostBinary(name: string): string | undefined {
  if (name === 'sh') {
    return existsSync('/usr/bin/dash') ? '/usr/bin/dash' : undefined; // Debian's /bin/sh
  }
  if (name === 'awk') { return ['/usr/bin/mawk', '/usr/bin/gawk', '/usr/bin/awk'].find((p) => existsSync(p)); }
  for (const d of HOST_DIRS) { if (existsSync(join(d, name))) { return join(d, name); } }
  return undefined;
}

function busyboxSet(): Map<string, string> {
  return new Map(BUSYBOX_APPLETS.map((a) => [a, BUSYBOX]));
}

function debianSet(): Map<string, string> {
  const m = new Map<string, string>();
  for (const t of DEBIAN_TOOLS) {
    const p = hostBinary(t);
    if (p) { m.set(t, p); }
  }
  return m;
}

/** Python from Debian (not a version manager's shim, which would need $HOME and its own PATH). */
function pythonBinary(): string | undefined {
  return ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => existsSync(p));
}

/** For a comma list: a real host binary when there is one, else a busybox applet, else the command is absent. */
function customSet(list: string[], nodeBinary: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const name of list) {
    // Names come from a pod annotation (cluster data): a plain file name only, never a path.
    if (!/^[A-Za-z0-9_+][A-Za-z0-9._+-]*$/.test(name)) { continue; }
    if (name === 'node') { m.set(name, nodeBinary); continue; }
    if (name === 'python3' || name === 'python') { const p = pythonBinary(); if (p) { m.set(name, p); } continue; }
    const p = hostBinary(name) ?? (BUSYBOX_APPLETS.includes(name) && existsSync(BUSYBOX) ? BUSYBOX : undefined);
    if (p) { m.set(name, p); }
  }
  return m;
}

function imageRepo(image: string): string {
  const noDigest = image.split('@')[0];
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return (colon > slash ? noDigest.slice(0, colon) : noDigest).toLowerCase();
}

/** Images with nothing but their own binary: the collector distributions, distroless and scratch builds. */
export function isCollectorImage(image: string): boolean {
  const repo = imageRepo(image);
  return /(^|\/)otel\/opentelemetry-collector/.test(repo)
    || repo.includes('ghcr.io/open-telemetry/opentelemetry-collector-releases/')
    || repo.includes('otelcol')
    || vendorFor(image) !== undefined;
}

/**
 * The Splunk image before 0.154.0 carries the Smart Agent bundle, whose bin/ is on the image's PATH:
 * Ubuntu 22.04's sh (dash), iproute2's ss and a few coreutils, copied in by the bundle's Dockerfile
 * (`useful_bins`), plus the bundle's own python. Left out, though the image has them: mount, umount, kill,
 * collectd, patchelf, journalctl and the JRE (the host's would act on the host; no probe uses them).
 */
const SPLUNK_BUNDLE_TOOLS = ['sh', 'cat', 'cp', 'date', 'echo', 'grep', 'ln', 'ls', 'mkdir', 'ps', 'rm', 'ss', 'dirname', 'find',
  'host', 'realpath', 'tail'];

function splunkBundleSet(): Map<string, string> {
  const m = new Map<string, string>();
  for (const t of SPLUNK_BUNDLE_TOOLS) {
    const p = hostBinary(t);
    if (p) { m.set(t, p); }
  }
  // The bundle's interpreter is installed as `python` (python3.12); there is no `python3`.
  const py = pythonBinary();
  if (py) { m.set('python', py); }
  return m;
}

/** The profile named by an image, before any annotation. */
export function profileNameForImage(image: string): string {
  const repo = imageRepo(image);
  const last = repo.split('/').pop() ?? repo;
  const vendor = vendorRelease(image);
  if (vendor?.vendor.id === 'splunk' && compareVersions(vendor.release, SPLUNK_BUNDLE_REMOVED) < 0) { return 'splunk-bundle'; }
  if (isCollectorImage(image) || repo.includes('distroless') || last === 'scratch') { return 'none'; }
  if (repo.includes('netshoot')) { return 'netshoot'; }
  if (last === 'busybox' || last === 'alpine' || /(^|[-_])alpine/.test(image.split(':')[1] ?? '')) { return 'busybox'; }
  if (last === 'python' || last.startsWith('python')) { return 'python'; }
  if (last === 'node') { return 'node'; }
  return 'debian';
}

/**
 * The profile of a container: the pod annotation (`none`, `busybox`, `debian` or a comma list of commands)
 * wins over the image.
 */
export function profileFor(image: string, annotation: string | undefined, nodeBinary: string): Profile {
  const a = annotation?.trim();
  const name = a ? (['none', 'busybox', 'debian', 'python', 'node', 'netshoot'].includes(a) ? a : 'custom') : profileNameForImage(image);
  switch (name) {
    case 'none': return { name, commands: new Map() };
    case 'busybox': return { name, commands: busyboxSet() };
    case 'splunk-bundle': return { name, commands: splunkBundleSet() };
    case 'debian': return { name, commands: debianSet() };
    case 'python': {
      const m = debianSet();
      const py = pythonBinary();
      if (py) { m.set('python3', py); m.set('python', py); }
      return { name, commands: m };
    }
    case 'node': {
      const m = debianSet();
      m.set('node', nodeBinary);
      return { name, commands: m };
    }
    case 'netshoot': {
      // netshoot is alpine-based with the real network tools on top of busybox.
      const m = busyboxSet();
      for (const t of ['bash', 'ss', 'netstat', 'curl', 'ip', 'dig', 'tcpdump', 'iptables', 'nslookup', 'wget']) {
        const p = hostBinary(t);
        if (p) { m.set(t, p); }
      }
      return { name, commands: m };
    }
    default:
      return { name: 'custom', commands: customSet(a!.split(',').map((s) => s.trim()).filter(Boolean), nodeBinary) };
  }
}

/** The basename an exec looks up: `/bin/sh` and `sh` are the same command in the profile. */
export function commandName(cmd: string): string {
  return cmd.split('/').pop() ?? cmd;
}

/**
 * Writes the profile as a directory of symlinks under `baseDir` (one directory per distinct set, shared by
 * every container with it) and returns its path. Built in a temporary directory then renamed, so a
 * concurrent exec never sees half a profile.
 */
export function materializeProfile(baseDir: string, profile: Profile): string {
  const entries = [...profile.commands.entries()].sort(([a], [b]) => a.localeCompare(b));
  const hash = createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 12);
  const dir = join(baseDir, `${profile.name}-${hash}`);
  if (existsSync(dir)) { return dir; }
  const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  mkdirSync(tmp, { recursive: true });
  for (const [cmd, target] of entries) { symlinkSync(target, join(tmp, cmd)); }
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another container won the race with an identical set
  }
  return dir;
}

export function listProfileDir(dir: string): string[] {
  return readdirSync(dir).sort();
}
