import { isSecretId } from './config.ts';
import { BadEventError } from './errors.ts';
import { type Fields, isObject } from './json.ts';
import { DEFAULT_METHOD, METHOD_NAMES, type MethodName, methodNamed } from './operations.ts';

/** The body of `PATCH …/voiceCalls/{callId}/omniFlow`. */
export interface OmniFlowBody {
  /** Picks the phone channel; left out of flow-based transfers, and when only a flow or a transfer target is known. */
  readonly dialedNumber?: string;
  readonly flowDevName?: string;
  readonly fallbackQueue?: string;
  readonly transferTarget?: string;
  readonly flowInputParameters?: Readonly<Record<string, string>>;
}

/** What one invocation asks Salesforce for. */
export interface RoutingRequest {
  readonly method: MethodName;
  /** The Connect ContactId or the Salesforce VoiceCall id: letters, digits and dashes only. */
  readonly callId: string;
  /** The omniFlow body; undefined for the methods that send none. */
  readonly body: OmniFlowBody | undefined;
  /** The per-call contact-centre secret naming another org; undefined for the function's own. */
  readonly secretName: string | undefined;
}

/** What the event asks for: a routing request (and what was dropped from it), or a keep-warm ping to answer at once. */
export type Invocation =
  | { readonly kind: 'route'; readonly request: RoutingRequest; readonly warnings: readonly string[] }
  | { readonly kind: 'keep-warm' };

export interface RequestDefaults {
  readonly defaultFlowDevName: string | undefined;
  readonly defaultFallbackQueue: string | undefined;
}

export const FLOW_INPUT_PREFIX = 'flowInput-';
/** The omniFlow body is refused past this many bytes of JSON; flow inputs are all that can make it large. */
export const MAX_BODY_BYTES = 64 * 1024;
const CALL_ID = /^[A-Za-z0-9-]{1,128}$/;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const TRANSFER_METHODS: ReadonlySet<unknown> = new Set(['TRANSFER', 'QUEUE_TRANSFER']);
const WEBRTC = 'connect:WebRTC';
const MAX_TEXT = 1024;
const MAX_ECHO = 40;

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
  const method = methodName(parameters);
  const warnings: string[] = [];
  const request: RoutingRequest = {
    method,
    callId: callId(parameters, contactData),
    body: method === 'executeOmniFlow' ? omniFlowBody(parameters, contactData, defaults, warnings) : undefined,
    secretName: secretName(parameters, contactData),
  };
  return { kind: 'route', request, warnings };
}

/** The method an event asks for, read without failing: for metrics on an event that {@link parseEvent} refuses. */
export function methodOf(event: unknown): MethodName | 'unknown' {
  const details = isObject(event) && isObject(event.Details) ? event.Details : {};
  const parameters = isObject(details.Parameters) ? details.Parameters : {};
  try {
    return methodName(parameters);
  } catch {
    return 'unknown';
  }
}

function methodName(parameters: Fields): MethodName {
  const name = text(parameters, 'methodName');
  if (name === undefined) return DEFAULT_METHOD;
  const method = methodNamed(name);
  if (method === undefined) {
    throw new BadEventError(
      `Details.Parameters.methodName ${echo(name)} is not a routing call: this function serves ${METHOD_NAMES.join(', ')}`,
    );
  }
  return method;
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

function secretName(parameters: Fields, contactData: Fields): string | undefined {
  const [field, value] = firstText([
    [parameters, 'secretName', 'Details.Parameters.secretName'],
    [attributes(contactData), 'secretName', 'Details.ContactData.Attributes.secretName'],
    [fieldValues(parameters), 'secretName', 'Details.Parameters.fieldValues.secretName'],
  ]);
  if (value !== undefined && !isSecretId(value)) {
    throw new BadEventError(`${field} is not a Secrets Manager secret name or ARN`);
  }
  return value;
}

function omniFlowBody(parameters: Fields, contactData: Fields, defaults: RequestDefaults, warnings: string[]) {
  const flowDevName = text(parameters, 'flowDevName') ?? defaults.defaultFlowDevName;
  const transferTarget = text(parameters, 'transferTarget');
  const body: OmniFlowBody = {
    ...optionalField('dialedNumber', dialedNumber(parameters, contactData, flowDevName ?? transferTarget)),
    ...optionalField('flowDevName', flowDevName),
    ...optionalField('fallbackQueue', text(parameters, 'fallbackQueue') ?? defaults.defaultFallbackQueue),
    ...optionalField('transferTarget', transferTarget),
    ...optionalField('flowInputParameters', flowInputs(parameters, warnings)),
  };
  if (Buffer.byteLength(JSON.stringify(body)) > MAX_BODY_BYTES) {
    throw new BadEventError(
      `the flow inputs (Details.Parameters.${FLOW_INPUT_PREFIX}*, flowInputParameters) make the request larger than ${MAX_BODY_BYTES} bytes`,
    );
  }
  return body;
}

/**
 * The number the caller dialled, which picks Salesforce's phone channel: an explicit one from the parameters, else the
 * contact's system endpoint (for a WebRTC contact, its `WebRTC_To` attribute). A transfer that names a flow or a
 * target leaves the endpoint out, as Salesforce's transfer docs ask: the channel would otherwise win over the flow.
 * Undefined only when a flow or a target makes it unnecessary.
 */
function dialedNumber(parameters: Fields, contactData: Fields, flowOrTarget: string | undefined): string | undefined {
  const explicit = firstText([
    [parameters, 'dialedNumber', 'Details.Parameters.dialedNumber'],
    [fieldValues(parameters), 'dialedNumber', 'Details.Parameters.fieldValues.dialedNumber'],
  ])[1];
  if (explicit !== undefined) return explicit;
  const transfer = TRANSFER_METHODS.has(contactData.InitiationMethod);
  const endpoint = transfer && flowOrTarget !== undefined ? undefined : contactEndpoint(contactData);
  if (endpoint === undefined && flowOrTarget === undefined) {
    throw new BadEventError(
      'no dialed number: set Details.Parameters.dialedNumber (or flowDevName / transferTarget), or invoke from a flow where ContactData.SystemEndpoint.Address is known',
    );
  }
  return endpoint;
}

function contactEndpoint(contactData: Fields): string | undefined {
  const systemEndpoint = objectAt(contactData, 'SystemEndpoint', 'Details.ContactData.SystemEndpoint');
  const address = text(systemEndpoint, 'Address', 'Details.ContactData.SystemEndpoint.Address');
  if (address !== undefined) return address;
  const segment = objectAt(contactData, 'SegmentAttributes', 'Details.ContactData.SegmentAttributes');
  const subtype = objectAt(segment, 'connect:Subtype', 'Details.ContactData.SegmentAttributes.connect:Subtype');
  if (subtype.ValueString !== WEBRTC) return undefined;
  return text(attributes(contactData), 'WebRTC_To', 'Details.ContactData.Attributes.WebRTC_To');
}

/**
 * `flowInput-<Name>` parameters over the JSON object in `flowInputParameters`, names exactly as written: Salesforce
 * decides what its flow uses. Numbers and booleans become strings, null is left out; an input whose name or value holds
 * control characters, or whose value is not a string, number or boolean, is dropped with a warning. Never throws.
 */
function flowInputs(parameters: Fields, warnings: string[]): Record<string, string> | undefined {
  const inputs = new Map<string, string>();
  const add = (name: string, value: unknown) => {
    if (value === null || value === undefined) return;
    const problem =
      name === '' || CONTROL.test(name)
        ? 'its name is empty or holds control characters'
        : typeof value === 'string'
          ? CONTROL.test(value)
            ? 'its value holds control characters'
            : undefined
          : typeof value === 'number' || typeof value === 'boolean'
            ? undefined
            : 'its value is not a string, number or boolean';
    if (problem) warnings.push(`flow input ${echo(name)} dropped: ${problem}`);
    else inputs.set(name, String(value));
  };
  const json = jsonObject(parameters.flowInputParameters, warnings);
  for (const [name, value] of Object.entries(json)) add(name, value);
  for (const [key, value] of Object.entries(parameters)) {
    if (key.startsWith(FLOW_INPUT_PREFIX)) add(key.slice(FLOW_INPUT_PREFIX.length), value);
  }
  return inputs.size > 0 ? Object.fromEntries(inputs) : undefined;
}

function jsonObject(value: unknown, warnings: string[]): Fields {
  if (value === undefined || value === null || value === '') return {};
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
  }
  if (isObject(parsed)) return parsed;
  warnings.push('Details.Parameters.flowInputParameters dropped: it is not a JSON object');
  return {};
}

function attributes(contactData: Fields): Fields {
  return objectAt(contactData, 'Attributes', 'Details.ContactData.Attributes');
}

function fieldValues(parameters: Fields): Fields {
  return objectAt(parameters, 'fieldValues', 'Details.Parameters.fieldValues');
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
  if (trimmed.length > MAX_TEXT) throw new BadEventError(`${field} is longer than ${MAX_TEXT} characters`);
  return trimmed === '' ? undefined : trimmed;
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

/** A short, printable, quoted piece of what the event held, for a message: never raw, never long. */
export function echo(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(printable.length > MAX_ECHO ? `${printable.slice(0, MAX_ECHO)}…` : printable);
}
