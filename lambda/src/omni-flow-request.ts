import { BadEventError } from './errors.ts';
import {
  attributes,
  CONTROL,
  echo,
  type EventParts,
  fieldValues,
  firstText,
  objectAt,
  optionalField,
  text,
} from './event-fields.ts';
import { type Fields, isObject } from './json.ts';

/** The body of `PATCH …/voiceCalls/{callId}/omniFlow`. */
export interface OmniFlowBody {
  /** Picks the phone channel; left out of flow-based transfers, and when only a flow or a transfer target is known. */
  readonly dialedNumber?: string;
  readonly flowDevName?: string;
  readonly fallbackQueue?: string;
  readonly transferTarget?: string;
  readonly flowInputParameters?: Readonly<Record<string, string>>;
}

/** The settings that fill in what a flow leaves out. */
export interface RequestDefaults {
  readonly defaultFlowDevName: string | undefined;
  readonly defaultFallbackQueue: string | undefined;
}

export const FLOW_INPUT_PREFIX = 'flowInput-';
/** A request body is refused past this many bytes of JSON: the flow inputs or field values are all that make it large. */
export const MAX_BODY_BYTES = 64 * 1024;
const TRANSFER_METHODS: ReadonlySet<unknown> = new Set(['TRANSFER', 'QUEUE_TRANSFER']);
export const WEBRTC = 'connect:WebRTC';

/**
 * Execute an Omni-Channel Flow's body: the dialed number (see {@link dialedNumber}), the flow and fallback queue from
 * the parameters or the settings' defaults, a transfer target, and the flow inputs. Pure.
 * @throws {BadEventError} no dialed number where one is needed, a field of the wrong type, a body too large
 */
export function omniFlowBody({ parameters, contactData }: EventParts, defaults: RequestDefaults, warnings: string[]) {
  const flowDevName = text(parameters, 'flowDevName') ?? defaults.defaultFlowDevName;
  const transferTarget = text(parameters, 'transferTarget');
  const body: OmniFlowBody = {
    ...optionalField('dialedNumber', dialedNumber(parameters, contactData, flowDevName ?? transferTarget)),
    ...optionalField('flowDevName', flowDevName),
    ...optionalField('fallbackQueue', text(parameters, 'fallbackQueue') ?? defaults.defaultFallbackQueue),
    ...optionalField('transferTarget', transferTarget),
    ...optionalField('flowInputParameters', flowInputs(parameters, warnings)),
  };
  return withinBodyLimit(body, `the flow inputs (Details.Parameters.${FLOW_INPUT_PREFIX}*, flowInputParameters)`);
}

/** `body`, or a {@link BadEventError} naming `what` made it larger than {@link MAX_BODY_BYTES}. */
export function withinBodyLimit<T extends object>(body: T, what: string): T {
  if (Buffer.byteLength(JSON.stringify(body)) > MAX_BODY_BYTES) {
    throw new BadEventError(`${what} make the request larger than ${MAX_BODY_BYTES} bytes`);
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
  const address = endpointAddress(contactData, 'SystemEndpoint');
  if (address !== undefined) return address;
  if (!isWebRtc(contactData)) return undefined;
  return text(attributes(contactData), 'WebRTC_To', 'Details.ContactData.Attributes.WebRTC_To');
}

/** `Details.ContactData.<endpoint>.Address`, trimmed; undefined when absent or blank. */
export function endpointAddress(
  contactData: Fields,
  endpoint: 'SystemEndpoint' | 'CustomerEndpoint',
): string | undefined {
  const fields = objectAt(contactData, endpoint, `Details.ContactData.${endpoint}`);
  return text(fields, 'Address', `Details.ContactData.${endpoint}.Address`);
}

/** True for an in-app or web calling contact: `SegmentAttributes["connect:Subtype"]` is `connect:WebRTC`. */
export function isWebRtc(contactData: Fields): boolean {
  const segment = objectAt(contactData, 'SegmentAttributes', 'Details.ContactData.SegmentAttributes');
  const subtype = objectAt(segment, 'connect:Subtype', 'Details.ContactData.SegmentAttributes.connect:Subtype');
  return subtype.ValueString === WEBRTC;
}

/** Dropped flow inputs named in the one warning at most; the rest are counted. */
const MAX_DROPPED_NAMED = 5;

/**
 * `flowInput-<Name>` parameters over the JSON object in `flowInputParameters`, names exactly as written: Salesforce
 * decides what its flow uses. Numbers and booleans become strings, null is left out; an input whose name or value holds
 * control characters, or whose value is not a string, number or boolean, is dropped — all of them named in one
 * warning, however many. Never throws.
 */
export function flowInputs(parameters: Fields, warnings: string[]): Record<string, string> | undefined {
  const inputs = new Map<string, string>();
  const dropped: string[] = [];
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
    if (problem) dropped.push(`${echo(name)} (${problem})`);
    else inputs.set(name, String(value));
  };
  const json = jsonObject(parameters.flowInputParameters, warnings);
  for (const [name, value] of Object.entries(json)) add(name, value);
  for (const [key, value] of Object.entries(parameters)) {
    if (key.startsWith(FLOW_INPUT_PREFIX)) add(key.slice(FLOW_INPUT_PREFIX.length), value);
  }
  if (dropped.length > 0) warnings.push(droppedInputs(dropped));
  return inputs.size > 0 ? Object.fromEntries(inputs) : undefined;
}

/** One line for every dropped input: `flow input "a" dropped: why`, or `3 flow inputs dropped: "a" (why); …`. */
function droppedInputs(dropped: readonly string[]): string {
  if (dropped.length === 1) return `flow input ${dropped[0]!.replace(/ \((.*)\)$/, ' dropped: $1')}`;
  const named = dropped.slice(0, MAX_DROPPED_NAMED).join('; ');
  const more = dropped.length > MAX_DROPPED_NAMED ? `; and ${dropped.length - MAX_DROPPED_NAMED} more` : '';
  return `${dropped.length} flow inputs dropped: ${named}${more}`;
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
