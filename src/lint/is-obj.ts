/**
 * A parsed YAML/JSON mapping, as the lint readers walk documents of unknown shape: `any` values, because a
 * manifest's fields are read by name and checked where they are used.
 */
export function isObj(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
