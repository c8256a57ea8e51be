import { BadEventError } from './errors.ts';
import { type Fields, isObject } from './json.ts';

/** The longest text field an event may hold; anything longer is refused rather than sent on. */
export const MAX_TEXT = 1024;
const MAX_ECHO = 40;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
export const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** The parts of a Connect event every request is built from: `Details.Parameters` and `Details.ContactData`. */
export interface EventParts {
  readonly parameters: Fields;
  readonly contactData: Fields;
}

/** The trimmed string at `key`, undefined when absent or blank; anything but a string is refused. */
export function text(fields: Fields, key: string, field = `Details.Parameters.${key}`): string | undefined {
  const value = Object.hasOwn(fields, key) ? fields[key] : undefined;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new BadEventError(`${field} must be a string`);
  const trimmed = value.trim();
  if (trimmed.length > MAX_TEXT) throw new BadEventError(`${field} is longer than ${MAX_TEXT} characters`);
  return trimmed === '' ? undefined : trimmed;
}

/** The object at `key`, {} when absent or null; anything but an object is refused. */
export function objectAt(fields: Fields, key: string, field: string): Fields {
  const value = Object.hasOwn(fields, key) ? fields[key] : undefined;
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new BadEventError(`${field} must be an object`);
  return value;
}

/** The first of `candidates` (fields, key, the field's name for messages) that holds text, with its name. */
export function firstText(
  candidates: readonly (readonly [Fields, string, string])[],
): [string, string] | [undefined, undefined] {
  for (const [fields, key, field] of candidates) {
    const value = text(fields, key, field);
    if (value !== undefined) return [field, value];
  }
  return [undefined, undefined];
}

/** `Details.ContactData.Attributes`. */
export function attributes(contactData: Fields): Fields {
  return objectAt(contactData, 'Attributes', 'Details.ContactData.Attributes');
}

/** `Details.Parameters.fieldValues` as an object: another Lambda sends one, a flow can only send its JSON text. */
export function fieldValues(parameters: Fields): Fields {
  const value = Object.hasOwn(parameters, 'fieldValues') ? parameters.fieldValues : undefined;
  if (typeof value !== 'string') return objectAt(parameters, 'fieldValues', 'Details.Parameters.fieldValues');
  if (value.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (!isObject(parsed)) throw new BadEventError('Details.Parameters.fieldValues must be an object, or its JSON text');
  return parsed;
}

/** `{ [key]: value }`, or `{}` when the value is undefined: for optional fields of a body. */
export function optionalField<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** A short, printable, quoted piece of what the event held, for a message: never raw, never long. */
export function echo(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(printable.length > MAX_ECHO ? `${printable.slice(0, MAX_ECHO)}…` : printable);
}
