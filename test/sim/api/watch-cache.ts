// The API server's watch cache: the store keeps no past, so the server records changes, for watches
// that resume from a resourceVersion (ERROR 410 once compacted, as after etcd compaction), and keeps
// snapshots so a paginated list's continue tokens page through one consistent result.
import type { ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { apiVersionOf, type Change, type KObject, type ResourceType, type Store } from '../store.ts';
import { fieldMatcher, labelMatcher, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { toTable } from './table.ts';
import { ApiError, badRequest, expired, statusFrom } from './status.ts';
import { includeObject, truthy, wantsTable, withVersion, type Ctx, type Target } from './request.ts';

interface HistoryEntry { rv: number; type: Change['type']; t: ResourceType; object: KObject; prev?: Readonly<KObject> }


const HISTORY_MAX = 10_000; // full objects; enough for clients to resume a watch after a short break
const SNAPSHOT_TTL_MS = 5 * 60_000; // etcd's default compaction interval bounds how long a continue token lives
// A snapshot holds references to the stored objects, not copies (8 bytes an item: 1.2 MB at 150,000 pods).
const SNAPSHOT_MAX = 64;

const keyOf = (o: KObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

function encodeContinue(c: { rv: string; start: string; id?: string }): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: Number(c.rv), start: c.start, id: c.id })).toString('base64');
}

/** The first index in `items` (sorted by key) whose key is above `start`. */
function firstAfter(items: KObject[], start: string): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keyOf(items[mid]) > start) { hi = mid; } else { lo = mid + 1; }
  }
  return lo;
}

/** The object as served at `version`: the stored object itself when nothing differs (it must not be changed). */
function atVersion(o: KObject, t: ResourceType, version: string): KObject {
  const apiVersion = apiVersionOf(t, version);
  return o.apiVersion === apiVersion && o.kind === t.kind ? o : { ...o, apiVersion, kind: t.kind };
}

export class WatchCache {
  private readonly store: Store;
  private readonly history: HistoryEntry[] = [];
  private compactedRv: number;
  private readonly watchers = new Set<(e: HistoryEntry) => void>();
  private readonly snapshots = new Map<string, { items: KObject[]; rv: string; at: number }>();
  private readonly onChange = (c: Change) => {
    const e: HistoryEntry = { rv: Number(c.object.metadata.resourceVersion), type: c.type, t: c.resource, object: c.object, prev: c.prev };
    this.history.push(e);
    // Compacted in steps, not per event: splicing 10,000 entries on every write was quadratic.
    if (this.history.length > HISTORY_MAX + HISTORY_MAX / 10) { this.compactedRv = this.history.splice(0, this.history.length - HISTORY_MAX).at(-1)!.rv; }
    for (const w of this.watchers) { w(e); }
  };

  constructor(store: Store) {
    this.store = store;
    this.compactedRv = Number(store.resourceVersion);
    store.on('change', this.onChange);
  }

  /** Stops recording and forgets the open watches (their connections are the server's to close). */
  close(): void {
    this.store.off('change', this.onChange);
    this.watchers.clear();
  }

  /**
   * A list as kube-apiserver answers it. Selectors go to the store's indexes (Store.select). With
   * `limit`, the first page records a snapshot (references to the stored objects, which are never
   * changed in place) and every continue token pages through that one result at its resourceVersion,
   * as etcd's MVCC range reads at the token's revision do. `resourceVersion=0` is served from the
   * cache with `limit` ignored and no continue token, as kube-apiserver's watch cache does up to 1.33
   * (KEP-365 "watchcache"; ListFromCacheSnapshot changes it from 1.34).
   * Items are the stored objects: callers serialise them, never change them.
   */
  list(t: ResourceType, version: string, ns: string, url: URL): { items: KObject[]; meta: Record<string, unknown> } {
    const labels = parseLabelSelector(url.searchParams.get('labelSelector') ?? '');
    const fields = parseFieldSelector(t, url.searchParams.get('fieldSelector'));
    const limit = Number(url.searchParams.get('limit') ?? 0) || 0;
    const cont = url.searchParams.get('continue');
    const rvParam = url.searchParams.get('resourceVersion');
    if (rvParam && rvParam !== '0' && !cont) {
      const n = Number(rvParam);
      if (!Number.isInteger(n) || n < 0) { throw badRequest(`invalid resource version: ${rvParam}`); }
      if (n > Number(this.store.resourceVersion)) {
        throw new ApiError({ ...statusFrom(504, 'Timeout', `Too large resource version: ${n}, current: ${this.store.resourceVersion}`), details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 } });
      }
    }
    const live = () => this.store.select(t, { namespace: t.namespaced && ns ? ns : undefined, labels, fields });
    let items: KObject[];
    let rv = this.store.resourceVersion;
    let tokId: string | undefined;
    if (cont) {
      let tok: { rv?: number; start?: string; id?: string };
      try { tok = JSON.parse(Buffer.from(cont, 'base64').toString('utf8')); } catch { throw badRequest('continue key is not valid: illegal base64 data'); }
      if (typeof tok?.start !== 'string' || typeof tok.rv !== 'number') { throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)'); }
      const start = tok.start;
      tokId = typeof tok.id === 'string' ? tok.id : undefined;
      if (tok.id) {
        const snap = this.snapshots.get(tok.id);
        if (!snap || Date.now() - snap.at > SNAPSHOT_TTL_MS) {
          this.snapshots.delete(tok.id);
          const e = expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
          (e.status.metadata as Record<string, unknown>).continue = encodeContinue({ rv: '0', start });
          throw e;
        }
        items = snap.items;
        rv = snap.rv;
      } else {
        items = live();
      }
      items = items.slice(firstAfter(items, start));
    } else {
      items = live();
    }
    const meta: Record<string, unknown> = { resourceVersion: rv };
    const paginate = limit > 0 && !(rvParam === '0' && !cont);
    if (paginate && items.length > limit) {
      // A token without an id (handed out with a 410) continues inconsistently from the live state.
      let id: string | undefined = tokId;
      if (!cont) {
        id = randomUUID();
        this.snapshots.set(id, { items, rv, at: Date.now() });
        while (this.snapshots.size > SNAPSHOT_MAX) { this.snapshots.delete(this.snapshots.keys().next().value!); }
      }
      const page = items.slice(0, limit);
      meta.continue = encodeContinue({ rv, start: keyOf(page[page.length - 1]), id });
      meta.remainingItemCount = items.length - limit;
      items = page;
    }
    if (items.length && meta.continue === undefined && tokId) { this.snapshots.delete(tokId); }
    return { items: items.map((o) => atVersion(o, t, version)), meta };
  }

  serveWatch(ctx: Ctx, res: ServerResponse, tg: Target): void {
    const t = tg.type;
    const url = ctx.url;
    const lm = labelMatcher(url.searchParams.get('labelSelector'));
    const fm = fieldMatcher(t, url.searchParams.get('fieldSelector'));
    const ns = tg.namespace;
    const match = (o: KObject | undefined) => !!o && (!ns || !t.namespaced || o.metadata.namespace === ns) && (!tg.name || o.metadata.name === tg.name) && lm(o.metadata.labels) && fm(o);
    const { table } = wantsTable(ctx.req);
    const include = includeObject(url);
    const rvParam = url.searchParams.get('resourceVersion');
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? 0);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    // Clients (fetch-based ones especially) wait for the headers before they start reading events.
    res.flushHeaders();
    const write = (type: string, o: KObject) => {
      const obj = withVersion(structuredClone(o), t, tg.version);
      const object = table ? toTable(t.kind, [obj], include, { resourceVersion: o.metadata.resourceVersion }) : obj;
      res.write(JSON.stringify({ type, object }) + '\n');
    };
    const onEvent = (e: HistoryEntry) => {
      if (e.t !== t) { return; }
      const now = match(e.object);
      const before = e.type !== 'ADDED' && match(e.prev);
      if (e.type === 'DELETED') { if (now) { write('DELETED', e.object); } return; }
      if (now && (before || e.type === 'MODIFIED' && !e.prev)) { write('MODIFIED', e.object); }
      else if (now) { write('ADDED', e.object); }
      else if (before) { write('DELETED', { ...e.object, metadata: { ...e.object.metadata } }); }
    };
    if (!rvParam || rvParam === '0') {
      const q = { namespace: t.namespaced && ns ? ns : undefined, labels: parseLabelSelector(url.searchParams.get('labelSelector') ?? ''), fields: parseFieldSelector(t, url.searchParams.get('fieldSelector')) };
      for (const o of this.store.select(t, q)) { if (match(o)) { write('ADDED', o); } }
    } else {
      const from = Number(rvParam);
      if (!Number.isInteger(from)) { throw badRequest(`invalid resource version: ${rvParam}`); }
      if (from < this.compactedRv) {
        res.write(JSON.stringify({ type: 'ERROR', object: statusFrom(410, 'Expired', `too old resource version: ${from} (${this.compactedRv})`) }) + '\n');
        res.end();
        return;
      }
      for (const e of this.history) { if (e.rv > from) { onEvent(e); } }
    }
    this.watchers.add(onEvent);
    const stop = () => { this.watchers.delete(onEvent); clearTimeout(timer); if (!res.writableEnded) { res.end(); } };
    const timer = timeout > 0 ? setTimeout(stop, timeout * 1000) : undefined;
    ctx.req.on('close', stop);
    res.on('close', stop);
    if (truthy(url.searchParams.get('allowWatchBookmarks'))) {
      // Bookmarks let informers resume without relisting; one at start is what they need to learn the RV.
      res.write(JSON.stringify({ type: 'BOOKMARK', object: { kind: t.kind, apiVersion: apiVersionOf(t, tg.version), metadata: { resourceVersion: this.store.resourceVersion } } }) + '\n');
    }
  }
}
