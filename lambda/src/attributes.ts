import { BadAnswerError, type BridgeError } from './errors.ts';
import { isObject, nestedDeeperThan } from './json.ts';

/** What Connect receives: a flat map of strings (the block's STRING_MAP validation), read as `$.External.<key>`. */
export type Attributes = Readonly<Record<string, string>>;

export type RoutingTarget = 'AGENT' | 'QUEUE' | 'NONE';

/** Connect refuses a Lambda response larger than this (bytes of the JSON). */
export const MAX_ATTRIBUTES_BYTES = 32 * 1024;
const MAX_DEPTH = 8;
/** An answer nested deeper than this is refused before anything recurses into it. */
export const MAX_ANSWER_DEPTH = 32;
const CONNECT_ARN = /^arn:aws[a-z-]*:connect:[a-z0-9-]+:\d{12}:instance\/[^/]+\/(agent|queue)\/([^/]+)$/;

/**
 * Turns Salesforce's answer (`{"agent": AGENT_INFO, "queue": QUEUE_INFO}`) into Connect attributes:
 * `agent`, `queue` (verbatim, "" when absent or naming nobody), `routingTarget`, `status` = OK, `agentId` / `queueId`
 * for Connect ARNs, and `agent_<path>` / `queue_<path>` for an object value (or a JSON string of one). A value names
 * nobody when it holds no number and no text but blanks and `null`, `undefined`, `true`, `false` (`{}`, `[]`, `" "`,
 * `false`, `"null"`, `{"id": ""}`): it is then "" with no `_<path>` keys, so an empty agent never wins over a named
 * queue, nor sends a flow that reads only `agent` to transfer to nobody. Pure.
 * Throws a {@link BadAnswerError} when the answer is not an object or the result is too large for Connect.
 */
export function routingAttributes(answer: unknown): Attributes {
  if (!isObject(answer)) throw new BadAnswerError('Salesforce answered 2xx with a body that is not a JSON object');
  assertShallow(answer);
  const agent = routingValue(answer.agent, 'agent');
  const queue = routingValue(answer.queue, 'queue');
  const routingTarget: RoutingTarget = agent.text ? 'AGENT' : queue.text ? 'QUEUE' : 'NONE';
  const attributes: Record<string, string> = {
    status: 'OK',
    routingTarget,
    agent: agent.text,
    queue: queue.text,
    ...connectId(agent.text, 'agent'),
    ...connectId(queue.text, 'queue'),
    ...agent.flattened,
    ...queue.flattened,
  };
  return withinConnectLimit(attributes);
}

/**
 * The attributes for a routing-record call (clearRouting, reroute): `status` = OK plus Salesforce's answer, each
 * top-level field flattened like `agent` is (`<field>`, `<field>_<path>`); our `status` wins. Pure.
 * Throws a {@link BadAnswerError} when the answer is not an object or the result is too large for Connect.
 */
export function answerAttributes(answer: unknown): Attributes {
  if (!isObject(answer)) throw new BadAnswerError('Salesforce answered 2xx with a body that is not a JSON object');
  assertShallow(answer);
  const fields = Object.entries(answer).flatMap(([field, value]) => Object.entries(flatten(value, safeKey(field))));
  return withinConnectLimit(Object.fromEntries([...fields, ['status', 'OK']]));
}

/**
 * The attributes for a call that creates a record: as {@link answerAttributes}, with the record's id under `field`.
 * A 2xx answer without it is a {@link BadAnswerError} saying the record may exist: the flows would go on with no id.
 */
function createdRecordAttributes(field: string, record: string): (answer: unknown) => Attributes {
  return (answer) => {
    const attributes = answerAttributes(answer);
    const id = (answer as Record<string, unknown>)[field];
    if (typeof id !== 'string' || id.trim() === '') {
      throw new BadAnswerError(
        `Salesforce answered 2xx without a ${field}: the ${record} may exist, but its id is unknown`,
      );
    }
    return attributes;
  };
}

/** createVoiceCall's and createTransferVC's attributes: `voiceCallId`, the name Salesforce's flows read. Pure. */
export const voiceCallAttributes = createdRecordAttributes('voiceCallId', 'VoiceCall');
/** callbackExecution's attributes: `recordId`, the ContactRequest Salesforce created. Pure. */
export const callbackAttributes = createdRecordAttributes('recordId', 'ContactRequest');

/** Refuses an answer nested deeper than {@link MAX_ANSWER_DEPTH}, before anything recurses into it. */
function assertShallow(answer: unknown): void {
  if (nestedDeeperThan(answer, MAX_ANSWER_DEPTH)) {
    throw new BadAnswerError(`Salesforce's answer is nested deeper than ${MAX_ANSWER_DEPTH} levels`);
  }
}

function withinConnectLimit(attributes: Record<string, string>): Attributes {
  if (Buffer.byteLength(JSON.stringify(attributes)) > MAX_ATTRIBUTES_BYTES) {
    throw new BadAnswerError(`Salesforce's answer is larger than Connect's ${MAX_ATTRIBUTES_BYTES}-byte limit`);
  }
  return attributes;
}

/** The attributes for `ON_ERROR=attributes`: same routing keys as a success, so a flow can branch on either. */
export function errorAttributes(error: BridgeError): Attributes {
  return {
    status: 'ERROR',
    routingTarget: 'NONE',
    agent: '',
    queue: '',
    errorType: error.code,
    errorMessage: error.message,
  };
}

interface RoutingValue {
  readonly text: string;
  readonly flattened: Record<string, string>;
}

function routingValue(value: unknown, name: 'agent' | 'queue'): RoutingValue {
  const parsed = typeof value === 'string' ? parseJsonObject(value) : undefined;
  if (parsed) assertShallow(parsed);
  if (!namesSomeone(parsed ?? value)) return { text: '', flattened: {} };
  if (typeof value === 'string') return { text: value, flattened: parsed ? flatten(parsed, name) : {} };
  if (typeof value !== 'object' || value === null) return { text: String(value), flattened: {} };
  return { text: JSON.stringify(value), flattened: flatten(value, name) };
}

/** What a serializer writes for nothing: JSON's `null` and booleans, JavaScript's `undefined`. */
const NOTHING = /^(?:null|undefined|true|false)$/i;

/** Whether `value` holds a number, or a text other than blanks and {@link NOTHING}, anywhere inside it. */
function namesSomeone(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node === 'number') return true;
    if (typeof node === 'string') {
      const text = node.trim();
      if (text !== '' && !NOTHING.test(text)) return true;
    } else if (typeof node === 'object' && node !== null) {
      for (const child of Object.values(node)) pending.push(child);
    }
  }
  return false;
}

function parseJsonObject(value: string): object | undefined {
  const trimmed = value.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** `{a: {b: 1}, c: [x, y]}` under `agent` → `agent_a_b`, `agent_c_0`, `agent_c_1`; deeper than 8 levels stays JSON. */
export function flatten(value: unknown, prefix: string): Record<string, string> {
  const out = new Map<string, string>();
  const visit = (node: unknown, path: string, depth: number): void => {
    if (node === null || node === undefined) out.set(path, '');
    else if (typeof node !== 'object') out.set(path, String(node));
    else if (depth >= MAX_DEPTH) out.set(path, JSON.stringify(node));
    else for (const [key, child] of Object.entries(node)) visit(child, `${path}_${safeKey(key)}`, depth + 1);
  };
  visit(value, prefix, 0);
  return Object.fromEntries(out);
}

function safeKey(key: string): string {
  return key.replace(/[^A-Za-z0-9_-]/g, '_') || '_';
}

function connectId(text: string, kind: 'agent' | 'queue'): Record<string, string> {
  const match = CONNECT_ARN.exec(text);
  return match && match[1] === kind ? { [`${kind}Id`]: match[2]! } : {};
}
