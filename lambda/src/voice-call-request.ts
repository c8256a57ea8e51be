import { BadEventError } from './errors.ts';
import { attributes, type EventParts, fieldValues, objectAt, optionalField, text } from './event-fields.ts';
import { type Fields, nestedDeeperThan } from './json.ts';
import { endpointAddress, isWebRtc, withinBodyLimit } from './omni-flow-request.ts';

/** The body of `POST …/voiceCalls` (Create a Voice Call Record), less `callCenterApiName`, which the org supplies. */
export interface VoiceCallBody {
  readonly vendorCallKey: string;
  readonly to: string;
  readonly from?: string;
  readonly initiationMethod: 'Inbound' | 'Transfer';
  readonly startTime: string;
  readonly callSubtype: 'PSTN' | 'WebRTC';
  /** The contact's `sfdc-` attributes, prefix stripped, as the JSON text of an object. */
  readonly callAttributes: string;
  readonly participants: readonly { readonly participantKey?: string; readonly type: 'END_USER' }[];
  readonly callOrigin?: string;
  readonly parentVoiceCallId?: string;
  readonly queue?: string;
}

/** What a VoiceCall body is built with besides the event: the call id, the time, and where warnings go. */
export interface VoiceCallContext {
  readonly callId: string;
  readonly now: Date;
  readonly warnings: string[];
}

/** Contact attributes with this prefix go to Salesforce as the VoiceCall's call attributes, prefix stripped. */
export const CALL_ATTRIBUTE_PREFIX = 'sfdc-';
/** What Salesforce's function puts where a WebRTC contact has no number. */
export const WEBRTC_DEFAULT = 'WebRTC_Default';
/** `fieldValues` nested deeper than this is not sent: a VoiceCall's fields are flat, and JSON this deep overflows. */
export const MAX_FIELD_VALUES_DEPTH = 32;
/** Fields of `fieldValues` that choose the org (and its access secret): the bridge's, not the VoiceCall's. */
const ORG_FIELDS: ReadonlySet<string> = new Set(['secretName', 'accessSecretName']);

/**
 * Create a Voice Call Record's body for an inbound contact, as Salesforce's function builds it: the contact id as
 * the vendor call key, the dialled and calling numbers (for a WebRTC contact the `WebRTC_To` / `WebRTC_From`
 * attributes, else the endpoints, else `WebRTC_Default`), the `sfdc-` attributes, the caller as the END_USER
 * participant, and `callOrigin` when the contact has one. Pure.
 * @throws {BadEventError} no number the call was placed to (a PSTN contact without `SystemEndpoint.Address`)
 */
export function inboundVoiceCall(parts: EventParts, context: VoiceCallContext): VoiceCallBody {
  return voiceCall(parts, context, 'Inbound');
}

/**
 * The same body for a transferred contact: `initiationMethod` Transfer, the contact it was transferred from as
 * `parentVoiceCallId` (left out, with a warning, when Connect gives none), and the queue it was transferred to. Pure.
 */
export function transferVoiceCall(parts: EventParts, context: VoiceCallContext): VoiceCallBody {
  const { contactData } = parts;
  const parent = text(contactData, 'PreviousContactId', 'Details.ContactData.PreviousContactId');
  if (parent === undefined) {
    context.warnings.push(
      'createTransferVC without Details.ContactData.PreviousContactId: parentVoiceCallId left out for Salesforce to decide',
    );
  }
  const queue = objectAt(contactData, 'Queue', 'Details.ContactData.Queue');
  return {
    ...voiceCall(parts, context, 'Transfer'),
    ...optionalField('parentVoiceCallId', parent),
    ...optionalField('queue', text(queue, 'ARN', 'Details.ContactData.Queue.ARN')),
  };
}

function voiceCall(
  { contactData }: EventParts,
  { callId, now }: VoiceCallContext,
  initiationMethod: VoiceCallBody['initiationMethod'],
): VoiceCallBody {
  const contactAttributes = attributes(contactData);
  const webRtc = isWebRtc(contactData);
  const { to, from } = webRtc ? webRtcNumbers(contactData, contactAttributes) : pstnNumbers(contactData);
  const body: VoiceCallBody = {
    vendorCallKey: callId,
    to,
    ...optionalField('from', from),
    initiationMethod,
    startTime: now.toISOString(),
    callSubtype: webRtc ? 'WebRTC' : 'PSTN',
    callAttributes: JSON.stringify(callAttributes(contactAttributes)),
    participants: [{ ...optionalField('participantKey', webRtc ? WEBRTC_DEFAULT : from), type: 'END_USER' }],
    ...optionalField('callOrigin', text(contactAttributes, 'callOrigin', 'Details.ContactData.Attributes.callOrigin')),
  };
  return withinBodyLimit(body, `the contact's ${CALL_ATTRIBUTE_PREFIX} attributes`);
}

/** A phone call's numbers; without a calling number (a withheld one) `from` is left for Salesforce to decide. */
function pstnNumbers(contactData: Fields): { to: string; from: string | undefined } {
  const to = endpointAddress(contactData, 'SystemEndpoint');
  if (to === undefined) {
    throw new BadEventError(
      'no number the call was placed to: Details.ContactData.SystemEndpoint.Address is missing (a VoiceCall needs its "to")',
    );
  }
  return { to, from: endpointAddress(contactData, 'CustomerEndpoint') };
}

function webRtcNumbers(contactData: Fields, contactAttributes: Fields): { to: string; from: string } {
  const attribute = (name: string) => text(contactAttributes, name, `Details.ContactData.Attributes.${name}`);
  return {
    to: attribute('WebRTC_To') ?? endpointAddress(contactData, 'SystemEndpoint') ?? WEBRTC_DEFAULT,
    from: attribute('WebRTC_From') ?? endpointAddress(contactData, 'CustomerEndpoint') ?? WEBRTC_DEFAULT,
  };
}

/** The contact attributes named `sfdc-<Name>`, as `{Name: value}`; values that are not strings are left out. */
function callAttributes(contactAttributes: Fields): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(contactAttributes)
      .filter(([name, value]) => name.startsWith(CALL_ATTRIBUTE_PREFIX) && typeof value === 'string')
      .map(([name, value]) => [name.slice(CALL_ATTRIBUTE_PREFIX.length), value]),
  );
}

/**
 * The VoiceCall fields an update or a message sends: `Details.Parameters.fieldValues` (an object, or its JSON text
 * from a flow) without the fields that choose the org (`secretName`, `accessSecretName`). Pure.
 * @throws {BadEventError} naming `Details.Parameters.fieldValues` when it is missing, not an object, empty, nested
 *   deeper than {@link MAX_FIELD_VALUES_DEPTH} levels or too large to send
 */
export function fieldValuesBody({ parameters }: EventParts, method: string): Fields {
  const fields = Object.fromEntries(Object.entries(fieldValues(parameters)).filter(([name]) => !ORG_FIELDS.has(name)));
  if (Object.keys(fields).length === 0) {
    throw new BadEventError(`${method} needs Details.Parameters.fieldValues: an object of the fields to send`);
  }
  if (nestedDeeperThan(fields, MAX_FIELD_VALUES_DEPTH)) {
    throw new BadEventError(`Details.Parameters.fieldValues is nested deeper than ${MAX_FIELD_VALUES_DEPTH} levels`);
  }
  return withinBodyLimit(fields, 'Details.Parameters.fieldValues');
}
