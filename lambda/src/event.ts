import { isSecretId } from './config.ts';
import { BadEventError } from './errors.ts';
import { attributes, echo, type EventParts, fieldValues, firstText, objectAt, text } from './event-fields.ts';
import { type Fields, isObject } from './json.ts';
import type { RequestDefaults } from './omni-flow-request.ts';
import { DEFAULT_METHOD, METHOD_NAMES, type MethodName, methodNamed, operationOf } from './operations.ts';

export { FLOW_INPUT_PREFIX, MAX_BODY_BYTES, type OmniFlowBody, type RequestDefaults } from './omni-flow-request.ts';
export { echo } from './event-fields.ts';

/** What one invocation asks of Salesforce (or of the org record alone). */
export interface CallRequest {
  readonly method: MethodName;
  /** The Connect ContactId or the Salesforce VoiceCall id: letters, digits and dashes only. */
  readonly callId: string;
  /** The JSON body of the method's row, as built from the event; undefined for the methods that send none. */
  readonly body: object | undefined;
  /** The per-call contact-centre secret naming another org; undefined for the function's own. */
  readonly secretName: string | undefined;
  /** The contact's access secret (`accessSecretName`), kept in its org record for Salesforce's other Lambdas. */
  readonly accessSecretName: string | undefined;
}

/** What the event asks for: a request (and what was dropped from it), or a keep-warm ping to answer at once. */
export type Invocation =
  | { readonly kind: 'call'; readonly request: CallRequest; readonly warnings: readonly string[] }
  | { readonly kind: 'keep-warm' };

const CALL_ID = /^[A-Za-z0-9-]+$/;
/** The longest call id taken: a Connect ContactId is a 36-character UUID, a VoiceCall id 18 characters. */
const MAX_CALL_ID = 128;

/**
 * Turns a Connect "Invoke AWS Lambda function" event (or the shape Salesforce's other Lambdas send) into the request
 * its `methodName` makes: the call id, the org, and the body its row of the operations table builds. Pure but for
 * `now`, the time a VoiceCall's `startTime` carries. Throws a {@link BadEventError} naming the field when the event
 * cannot be served.
 */
export function parseEvent(event: unknown, defaults: RequestDefaults, now: Date = new Date()): Invocation {
  if (!isObject(event)) throw new BadEventError('the event is not a JSON object');
  if (event['detail-type'] === 'Scheduled Event') return { kind: 'keep-warm' };
  const details = event.Details;
  if (!isObject(details))
    throw new BadEventError('the event has no Details object: invoke the function from a Connect flow');
  const parts: EventParts = {
    parameters: objectAt(details, 'Parameters', 'Details.Parameters'),
    contactData: objectAt(details, 'ContactData', 'Details.ContactData'),
  };
  const method = methodName(parts.parameters);
  const operation = operationOf(method);
  const id = callId(parts);
  const warnings: string[] = [];
  const request: CallRequest = {
    method,
    callId: id,
    body: operation.call?.body?.(parts, { callId: id, defaults, now, warnings }),
    secretName: secretName(parts),
    // Read only where it is recorded (the creates' org record): a method that never uses it is not refused over it.
    accessSecretName: operation.orgRecord === 'after-success' ? accessSecretName(parts) : undefined,
  };
  if (operation.orgRecord === 'only' && request.secretName === undefined) {
    throw new BadEventError(
      `${method} needs the contact's secretName (Details.ContactData.Attributes.secretName): it records which org the contact belongs to`,
    );
  }
  return { kind: 'call', request, warnings };
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
      `Details.Parameters.methodName ${echo(name)} is not a method this function serves: ${METHOD_NAMES.join(', ')}`,
    );
  }
  return method;
}

function callId({ parameters, contactData }: EventParts): string {
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
  if (value.length > MAX_CALL_ID) throw new BadEventError(`${field} is longer than ${MAX_CALL_ID} characters`);
  return value;
}

function secretName({ parameters, contactData }: EventParts): string | undefined {
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

/** Recorded as given, never checked: only Salesforce's other Lambdas read it, from the org record. */
function accessSecretName({ parameters, contactData }: EventParts): string | undefined {
  return firstText([
    [attributes(contactData), 'accessSecretName', 'Details.ContactData.Attributes.accessSecretName'],
    [fieldValues(parameters), 'accessSecretName', 'Details.Parameters.fieldValues.accessSecretName'],
  ])[1];
}
