// What an image name tells the runtime: the name and ID containerd reports, which stand-in plays the
// container, and the SDK an app stand-in assumes when no annotation names one.
import { createHash } from 'node:crypto';
import { isCollectorImage } from './profiles.ts';

/** `busybox:1.36` -> `docker.io/library/busybox:1.36`, as containerd reports images. */
export function normalizeImage(image: string): string {
  let name = image;
  const first = name.split('/')[0];
  if (!name.includes('/') || !(first.includes('.') || first.includes(':') || first === 'localhost')) {
    name = name.includes('/') ? `docker.io/${name}` : `docker.io/library/${name}`;
  }
  const afterSlash = name.slice(name.lastIndexOf('/') + 1);
  if (!name.includes('@') && !afterSlash.includes(':')) { name += ':latest'; }
  return name;
}

/** The imageID containerd reports: `<repo>@sha256:<digest>` (a digest of the name when the image has none). */
export function imageID(image: string): string {
  const n = normalizeImage(image);
  const repo = n.split('@')[0].replace(/:[^/:]+$/, '');
  const digest = n.includes('@') ? n.split('@')[1] : `sha256:${createHash('sha256').update(n).digest('hex')}`;
  return `${repo}@${digest}`;
}

/** Which stand-in plays a container of this image. */
export function standinFor(image: string): 'collector' | 'dns' | 'app' {
  if (isCollectorImage(image)) { return 'collector'; }
  if (/coredns/i.test(image)) { return 'dns'; }
  return 'app';
}

/** The SDK an app stand-in plays when no `sim.otel-doctor.io/sdk` annotation names one. */
export function defaultSdk(image: string): string {
  const i = image.toLowerCase();
  if (/python/.test(i)) { return 'python'; }
  if (/(java|temurin|openjdk|jre|jdk)/.test(i)) { return 'java'; }
  if (/(node|javascript)/.test(i)) { return 'node'; }
  if (/(dotnet|aspnet)/.test(i)) { return 'dotnet'; }
  // Unknown: the app stand-in then plays a well-configured app of an unknown SDK (see app-sdk.ts).
  return '';
}
