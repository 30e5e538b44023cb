/**
 * When js-yaml's fast parse can stand in for the strict `yaml` parse: js-yaml parses several times faster,
 * but shares one node for an alias of a map or list (the alias-bomb limit of the strict parser would refuse
 * what js-yaml expands) and merges `<<` keys its own way. Texts with those go to the strict parser whole, so
 * values and error messages always come from one parser. Shared by lint's file reading and the collector
 * config model.
 */

/** A merge key: js-yaml and `yaml` differ on `<<`, so it always takes the strict path. */
export const MERGE_KEY = /<<\s*:/;

/** Something that could be an alias node: `*name` alone as a value or item (a `**bold**` word in a string is not). */
export const ALIAS_LIKE = /(?:^|[\s[{,])\*[^\s,[\]{}]+[ \t]*(?:$|[,\]}#])/m;

/** Does any map or list occur twice in these values (an alias of a collection)? Stops at the first repeat. */
export function sharesCollections(values: unknown[]): boolean {
  const seen = new Set<object>();
  const stack: unknown[] = [...values];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) { continue; }
    if (seen.has(v)) { return true; }
    seen.add(v);
    for (const x of Array.isArray(v) ? v : Object.values(v)) { if (typeof x === 'object' && x !== null) { stack.push(x); } }
  }
  return false;
}

/** The fast parse's values are the strict parse's values: no merge key, and no alias of a collection. */
export function fastParseHolds(text: string, values: unknown[]): boolean {
  return !MERGE_KEY.test(text) && !(ALIAS_LIKE.test(text) && sharesCollections(values));
}
