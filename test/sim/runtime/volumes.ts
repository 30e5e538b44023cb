// Volumes as files under the container's SIM_ROOT: what the kubelet's volume plugins would mount at each
// volumeMount. Hostile input: every path from the cluster is confined under the root it belongs to.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, relative, isAbsolute } from 'node:path';
import type { KObject } from '../store.ts';
import { fieldRefValue } from './env.ts';

/** A volume that cannot be set up (the kubelet reports FailedMount and keeps the pod in ContainerCreating). */
export class VolumeError extends Error {
  readonly volume: string;
  constructor(volume: string, message: string) { super(message); this.volume = volume; }
}

export interface VolumeLookups {
  configMap(namespace: string, name: string): KObject | undefined;
  secret(namespace: string, name: string): KObject | undefined;
}

/** `base` joined with a cluster-supplied relative path, refusing anything that escapes `base`. */
export function within(base: string, p: string): string {
  const full = normalize(join(base, p));
  const rel = relative(base, full);
  if (rel.startsWith('..') || isAbsolute(rel)) { throw new Error(`path ${JSON.stringify(p)} escapes its volume`); }
  return full;
}

type Files = Map<string, Buffer>; // relative path -> content

function keyFiles(data: Record<string, Buffer>, items: Array<{ key: string; path: string }> | undefined, what: string, optional: boolean): Files {
  const out: Files = new Map();
  if (items?.length) {
    for (const it of items) {
      const v = data[it.key];
      if (v === undefined) {
        if (optional) { continue; }
        throw new Error(what === 'configmap' ? `configmap references non-existent config key: ${it.key}` : `references non-existent secret key: ${it.key}`);
      }
      out.set(it.path, v);
    }
  } else { for (const [k, v] of Object.entries(data)) { out.set(k, v); } }
  return out;
}

function configMapData(cm: KObject): Record<string, Buffer> {
  const d: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries<string>(cm.data ?? {})) { d[k] = Buffer.from(v, 'utf8'); }
  for (const [k, v] of Object.entries<string>(cm.binaryData ?? {})) { d[k] = Buffer.from(v, 'base64'); }
  return d;
}

function secretData(s: KObject): Record<string, Buffer> {
  const d: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries<string>(s.stringData ?? {})) { d[k] = Buffer.from(v, 'utf8'); }
  for (const [k, v] of Object.entries<string>(s.data ?? {})) { d[k] = Buffer.from(v, 'base64'); }
  return d;
}

function downwardFiles(pod: KObject, items: Array<{ path: string; fieldRef?: { fieldPath: string } }>): Files {
  const out: Files = new Map();
  for (const it of items ?? []) { if (it.fieldRef) { out.set(it.path, Buffer.from(fieldRefValue(pod, it.fieldRef.fieldPath))); } }
  return out;
}

/** The files of one volume, or undefined for directory-like volumes (emptyDir, hostPath, ...). */
function volumeFiles(pod: KObject, vol: KObject['spec'], lookups: VolumeLookups): Files | undefined {
  const ns = pod.metadata.namespace ?? 'default';
  if (vol.configMap) {
    const cm = lookups.configMap(ns, vol.configMap.name);
    if (!cm) {
      if (vol.configMap.optional) { return new Map(); }
      throw new VolumeError(vol.name, `configmap "${vol.configMap.name}" not found`);
    }
    try { return keyFiles(configMapData(cm), vol.configMap.items, 'configmap', !!vol.configMap.optional); } catch (e) { throw new VolumeError(vol.name, (e as Error).message); }
  }
  if (vol.secret) {
    const s = lookups.secret(ns, vol.secret.secretName);
    if (!s) {
      if (vol.secret.optional) { return new Map(); }
      throw new VolumeError(vol.name, `secret "${vol.secret.secretName}" not found`);
    }
    try { return keyFiles(secretData(s), vol.secret.items, 'secret', !!vol.secret.optional); } catch (e) { throw new VolumeError(vol.name, (e as Error).message); }
  }
  if (vol.downwardAPI) { return downwardFiles(pod, vol.downwardAPI.items); }
  if (vol.projected) {
    const out: Files = new Map();
    for (const src of vol.projected.sources ?? []) {
      let part: Files | undefined;
      if (src.configMap) { part = volumeFiles(pod, { name: vol.name, configMap: src.configMap }, lookups); }
      else if (src.secret) { part = volumeFiles(pod, { name: vol.name, secret: { ...src.secret, secretName: src.secret.name } }, lookups); }
      else if (src.downwardAPI) { part = downwardFiles(pod, src.downwardAPI.items); }
      else if (src.serviceAccountToken) { part = new Map([[src.serviceAccountToken.path, Buffer.from('sim-service-account-token')]]); }
      for (const [k, v] of part ?? []) { out.set(k, v); }
    }
    return out;
  }
  return undefined;
}

/**
 * Materialises every volumeMount of `container` under `root` (its SIM_ROOT). emptyDir volumes live once per
 * pod under `podDir/volumes` and are linked in, so containers of a pod share them. hostPath is not exposed
 * (an empty directory stands in for it: the host's files are none of a simulated pod's business).
 */
export function materializeVolumes(pod: KObject, container: KObject['spec'], root: string, podDir: string, lookups: VolumeLookups): void {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const volumes = new Map<string, KObject['spec']>((pod.spec?.volumes ?? []).map((v: { name: string }) => [v.name, v]));
  for (const m of container.volumeMounts ?? []) {
    const vol = volumes.get(m.name);
    if (!vol) { throw new VolumeError(m.name, `volume "${m.name}" not found in pod spec`); }
    const target = within(root, m.mountPath);
    const files = volumeFiles(pod, vol, lookups);
    if (files === undefined) {
      const shared = within(join(podDir, 'volumes'), vol.name);
      const src = m.subPath ? within(shared, m.subPath) : shared;
      mkdirSync(src, { recursive: true });
      mkdirSync(dirname(target), { recursive: true });
      rmSync(target, { recursive: true, force: true });
      symlinkSync(src, target);
      continue;
    }
    if (m.subPath) {
      // A subPath mount of a configMap/secret key is a single file at mountPath.
      const content = files.get(m.subPath);
      mkdirSync(dirname(target), { recursive: true });
      if (content !== undefined) { writeFileSync(target, content); } else { mkdirSync(target, { recursive: true }); }
      continue;
    }
    mkdirSync(target, { recursive: true });
    for (const [p, content] of files) {
      const f = within(target, p);
      mkdirSync(dirname(f), { recursive: true });
      writeFileSync(f, content);
    }
  }
}
