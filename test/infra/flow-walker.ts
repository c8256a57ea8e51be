import type { Flow, FlowAction } from '../../infra/contact-flow.ts';

/** The Errors each action type may branch on, as the flow language defines them. */
export const ERROR_TYPES: Readonly<Record<string, readonly string[]>> = {
  InvokeLambdaFunction: ['NoMatchingError'],
  Compare: ['NoMatchingCondition'],
  UpdateContactAttributes: ['NoMatchingError'],
  UpdateContactTargetQueue: ['NoMatchingError'],
  CheckMetricData: ['NoMatchingCondition', 'NoMatchingError'],
  MessageParticipant: ['NoMatchingError'],
  TransferContactToQueue: ['QueueAtCapacity', 'NoMatchingError'],
  DisconnectParticipant: [],
};

/** A dynamic value: the flow language allows one JSONPath identifier, or a fully static value. */
const JSON_PATH = /^\$\.(Attributes|External)\.([A-Za-z0-9_-]+)$/;

/** The Connect queue a contact was put in: an agent's own queue or a standard one, by ARN or id. */
export interface TargetQueue {
  readonly kind: 'agent' | 'queue';
  readonly id: string;
}

/** What Connect did with the contact by the end of the flow. */
export interface FlowRun {
  /** The actions run, in order. */
  readonly path: readonly string[];
  /** The queue the contact was transferred into; undefined when the flow disconnected it. */
  readonly queued: TargetQueue | undefined;
  /** The contact attributes at the end. */
  readonly attributes: Readonly<Record<string, string>>;
}

export interface RunOptions {
  /** The contact's attributes when the flow starts. */
  readonly attributes: Readonly<Record<string, string>>;
  /** What the Lambda block got: the function's attributes, or `'error'` for its Error branch. */
  readonly lambda: Readonly<Record<string, string>> | 'error';
  /** Whether a Check staffing block finds the working queue staffed. @default true */
  readonly staffed?: boolean;
  /** Queue ids / ARNs whose Transfer to queue answers QueueAtCapacity. @default none */
  readonly atCapacity?: readonly string[];
}

/** Every `$.External.<key>` the flow reads, anywhere in its parameters. */
export function externalKeys(flow: Flow): string[] {
  return [...new Set([...JSON.stringify(flow).matchAll(/\$\.External\.([A-Za-z0-9_-]+)/g)].map((m) => m[1]!))].sort();
}

/** Every action an action can go to next. */
export function targets(action: FlowAction): string[] {
  const { NextAction, Errors = [], Conditions = [] } = action.Transitions;
  return [NextAction, ...Errors.map((e) => e.NextAction), ...Conditions.map((c) => c.NextAction)].filter(
    (id): id is string => id !== undefined,
  );
}

/** The flow's one "Invoke AWS Lambda function" block. */
export function invokeAction(flow: Flow): FlowAction {
  const invokes = flow.Actions.filter((a) => a.Type === 'InvokeLambdaFunction');
  if (invokes.length !== 1) throw new Error(`expected one InvokeLambdaFunction action, found ${invokes.length}`);
  return invokes[0]!;
}

/**
 * The event Connect sends the function from the flow's Lambda block for this contact: the block's
 * `LambdaInvocationAttributes`, each resolved against the contact, as `Details.Parameters`.
 */
export function lambdaEvent(flow: Flow, contactData: Record<string, unknown>): Record<string, unknown> {
  const attributes = (contactData.Attributes ?? {}) as Record<string, string>;
  const invocation = invokeAction(flow).Parameters.LambdaInvocationAttributes as Record<string, string>;
  const parameters = Object.fromEntries(
    Object.entries(invocation).map(([name, value]) => [name, resolve(value, attributes, undefined)]),
  );
  return { Name: 'ContactFlowEvent', Details: { ContactData: contactData, Parameters: parameters } };
}

/**
 * Runs the flow as Connect would for one Lambda outcome. Reading a `$.External` key the function did not return, or
 * an attribute the contact does not have, throws: that is the contract under test.
 */
export function runFlow(flow: Flow, options: RunOptions): FlowRun {
  const byId = new Map(flow.Actions.map((action) => [action.Identifier, action]));
  const attributes: Record<string, string> = { ...options.attributes };
  const atCapacity = new Set(options.atCapacity ?? []);
  let external: Readonly<Record<string, string>> | undefined;
  let target: TargetQueue | undefined;
  const path: string[] = [];
  let id: string | undefined = flow.StartAction;
  while (id !== undefined) {
    if (path.length > 100) throw new Error(`the flow loops: ${path.slice(-5).join(' → ')}`);
    const action: FlowAction | undefined = byId.get(id);
    if (action === undefined) throw new Error(`no action ${id}`);
    path.push(id);
    const value = (raw: unknown) => resolve(raw, attributes, external);
    const { Parameters: p, Transitions: t } = action;
    switch (action.Type) {
      case 'InvokeLambdaFunction':
        if (options.lambda === 'error') id = onError(action, 'NoMatchingError');
        else {
          external = options.lambda;
          id = t.NextAction;
        }
        break;
      case 'Compare': {
        const compared = value(p.ComparisonValue);
        id =
          t.Conditions?.find((c) => c.Condition.Operator === 'Equals' && c.Condition.Operands.includes(compared))
            ?.NextAction ?? onError(action, 'NoMatchingCondition');
        break;
      }
      case 'UpdateContactAttributes':
        for (const [name, raw] of Object.entries(p.Attributes as Record<string, string>)) attributes[name] = value(raw);
        id = t.NextAction;
        break;
      case 'UpdateContactTargetQueue': {
        const kind = p.AgentId !== undefined ? 'agent' : 'queue';
        const queueId = value(kind === 'agent' ? p.AgentId : p.QueueId);
        if (queueId === '') id = onError(action, 'NoMatchingError');
        else {
          target = { kind, id: queueId };
          id = t.NextAction;
        }
        break;
      }
      case 'CheckMetricData':
        if (target === undefined) id = onError(action, 'NoMatchingError');
        else id = (options.staffed ?? true) ? t.Conditions![0]!.NextAction : onError(action, 'NoMatchingCondition');
        break;
      case 'TransferContactToQueue':
        if (target === undefined) id = onError(action, 'NoMatchingError');
        else if (atCapacity.has(target.id)) id = onError(action, 'QueueAtCapacity');
        else return { path, queued: target, attributes };
        break;
      case 'DisconnectParticipant':
        return { path, queued: undefined, attributes };
      case 'MessageParticipant':
        id = t.NextAction;
        break;
      default:
        throw new Error(`the walker does not know action type ${action.Type}`);
    }
  }
  throw new Error(`the flow ended without disconnecting or transferring: ${path.join(' → ')}`);
}

function onError(action: FlowAction, type: string): string {
  const next = action.Transitions.Errors?.find((e) => e.ErrorType === type)?.NextAction;
  if (next === undefined) throw new Error(`${action.Identifier} has no ${type} branch`);
  return next;
}

function resolve(
  raw: unknown,
  attributes: Readonly<Record<string, string>>,
  external: Readonly<Record<string, string>> | undefined,
): string {
  const text = String(raw);
  if (!text.startsWith('$.')) return text;
  const [, namespace, key] = JSON_PATH.exec(text) ?? [];
  if (key === undefined) throw new Error(`${text} is not a single JSONPath identifier the walker knows`);
  const source = namespace === 'External' ? external : attributes;
  if (source === undefined || !Object.hasOwn(source, key)) {
    throw new Error(
      namespace === 'External'
        ? `the flow reads $.External.${key}, which the function did not return`
        : `the flow reads $.Attributes.${key}, which the contact does not have`,
    );
  }
  return source[key]!;
}
