import { BadEventError } from './errors.ts';

/** The body of `PATCH …/voiceCalls/{callId}/omniFlow`. */
export interface OmniFlowBody {
  readonly dialedNumber: string;
  readonly flowDevName?: string;
  readonly fallbackQueue?: string;
  readonly flowInputParameters?: Readonly<Record<string, string>>;
}

/** What one invocation asks Salesforce for. */
export interface OmniFlowRequest {
  /** The Connect ContactId or the Salesforce VoiceCall id: letters, digits and dashes only. */
  readonly callId: string;
  readonly body: OmniFlowBody;
}

/** What the event asks for: a routing request, or a keep-warm ping to answer at once. */
export type Invocation = { readonly kind: 'route'; readonly request: OmniFlowRequest } | { readonly kind: 'keep-warm' };

export interface RequestDefaults {
  readonly defaultFlowDevName: string | undefined;
  readonly defaultFallbackQueue: string | undefined;
}

export const METHOD_NAME = 'executeOmniFlow';
export const FLOW_INPUT_PREFIX = 'flowInput-';
const CALL_ID = /^[A-Za-z0-9-]{1,128}$/;
const FLOW_INPUT_NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;
const MAX_TEXT = 1024;

type Fields = Readonly<Record<string, unknown>>;

/**
 * Turns a Connect "Invoke AWS Lambda function" event (or the shape Salesforce's other Lambdas send) into the request
 * to make. Pure: no I/O. Throws a {@link BadEventError} naming the field when the event cannot be routed.
 */
export function parseEvent(event: unknown, defaults: RequestDefaults): Invocation {
  if (!isObject(event)) throw new BadEventError('the event is not a JSON object');
  if (event['detail-type'] === 'Scheduled Event') return { kind: 'keep-warm' };
  const details = event.Details;
  if (!isObject(details))
    throw new BadEventError('the event has no Details object: invoke the function from a Connect flow');
  const parameters = objectAt(details, 'Parameters', 'Details.Parameters');
  const contactData = objectAt(details, 'ContactData', 'Details.ContactData');

  const methodName = text(parameters, 'methodName', 'Details.Parameters.methodName');
  if (methodName !== undefined && methodName !== METHOD_NAME) {
    throw new BadEventError(
      `Details.Parameters.methodName must be ${METHOD_NAME} (or absent): this function only routes calls`,
    );
  }

  const body: OmniFlowBody = {
    dialedNumber: dialedNumber(parameters, contactData),
    ...optionalField('flowDevName', text(parameters, 'flowDevName') ?? defaults.defaultFlowDevName),
    ...optionalField('fallbackQueue', text(parameters, 'fallbackQueue') ?? defaults.defaultFallbackQueue),
    ...optionalField('flowInputParameters', flowInputs(parameters)),
  };
  return { kind: 'route', request: { callId: callId(parameters, contactData), body } };
}

function callId(parameters: Fields, contactData: Fields): string {
  const [field, value] = firstText([
    [parameters, 'contactId', 'Details.Parameters.contactId'],
    [contactData, 'ContactId', 'Details.ContactData.ContactId'],
  ]);
  if (value === undefined) {
    throw new BadEventError(
      'no call id: Details.ContactData.ContactId and Details.Parameters.contactId are both missing',
    );
  }
  if (!CALL_ID.test(value)) throw new BadEventError(`${field} is not a plain id (letters, digits and dashes only)`);
  return value;
}

function dialedNumber(parameters: Fields, contactData: Fields): string {
  const fieldValues = objectAt(parameters, 'fieldValues', 'Details.Parameters.fieldValues');
  const systemEndpoint = objectAt(contactData, 'SystemEndpoint', 'Details.ContactData.SystemEndpoint');
  const [, value] = firstText([
    [parameters, 'dialedNumber', 'Details.Parameters.dialedNumber'],
    [fieldValues, 'dialedNumber', 'Details.Parameters.fieldValues.dialedNumber'],
    [systemEndpoint, 'Address', 'Details.ContactData.SystemEndpoint.Address'],
  ]);
  if (value === undefined) {
    throw new BadEventError(
      'no dialed number: set Details.Parameters.dialedNumber, or invoke from a flow where ContactData.SystemEndpoint.Address is known',
    );
  }
  return value;
}

/** `flowInput-<Name>` parameters over the JSON object in `flowInputParameters`; undefined when there are none. */
function flowInputs(parameters: Fields): Record<string, string> | undefined {
  const inputs = new Map<string, string>();
  for (const [name, value] of Object.entries(jsonObject(parameters.flowInputParameters))) {
    inputs.set(flowInputName(name, 'Details.Parameters.flowInputParameters'), flowInputValue(value, name));
  }
  for (const [key, value] of Object.entries(parameters)) {
    if (!key.startsWith(FLOW_INPUT_PREFIX)) continue;
    const field = `Details.Parameters.${key}`;
    inputs.set(flowInputName(key.slice(FLOW_INPUT_PREFIX.length), field), flowInputValue(value, key));
  }
  return inputs.size > 0 ? Object.fromEntries(inputs) : undefined;
}

function flowInputName(name: string, field: string): string {
  if (!FLOW_INPUT_NAME.test(name)) {
    throw new BadEventError(
      `${field}: flow input names must be Salesforce variable names (a letter, then letters, digits or _)`,
    );
  }
  return name;
}

function flowInputValue(value: unknown, name: string): string {
  if (typeof value === 'string') return checkedLength(value, `flow input ${name}`);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new BadEventError(`flow input ${name} must be a string, number or boolean`);
}

function jsonObject(value: unknown): Fields {
  if (value === undefined || value === null || value === '') return {};
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new BadEventError('Details.Parameters.flowInputParameters is not valid JSON');
    }
  }
  if (!isObject(parsed)) throw new BadEventError('Details.Parameters.flowInputParameters must be a JSON object');
  return parsed;
}

function firstText(
  candidates: readonly (readonly [Fields, string, string])[],
): [string, string] | [undefined, undefined] {
  for (const [fields, key, field] of candidates) {
    const value = text(fields, key, field);
    if (value !== undefined) return [field, value];
  }
  return [undefined, undefined];
}

/** The trimmed string at `key`, undefined when absent or blank; anything but a string is refused. */
function text(fields: Fields, key: string, field = `Details.Parameters.${key}`): string | undefined {
  const value = Object.hasOwn(fields, key) ? fields[key] : undefined;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new BadEventError(`${field} must be a string`);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : checkedLength(trimmed, field);
}

function checkedLength(value: string, field: string): string {
  if (value.length > MAX_TEXT) throw new BadEventError(`${field} is longer than ${MAX_TEXT} characters`);
  return value;
}

function objectAt(fields: Fields, key: string, field: string): Fields {
  const value = Object.hasOwn(fields, key) ? fields[key] : undefined;
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new BadEventError(`${field} must be an object`);
  return value;
}

function optionalField<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
