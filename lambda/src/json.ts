/** A parsed JSON object's fields. */
export type Fields = Readonly<Record<string, unknown>>;

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
