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
  TransferToFlow: ['NoMatchingError'],
  Loop: [],
  DisconnectParticipant: [],
  GetParticipantInput: ['InputTimeLimitExceeded', 'NoMatchingCondition', 'InvalidPhoneNumber', 'NoMatchingError'],
  UpdateFlowAttributes: [],
};

/**
 * A dynamic value: the flow language allows one JSONPath identifier, or a fully static value. The walker knows the
 * contact's and the flow's attributes, the last Lambda answer, the caller's number and the last stored input.
 */
const JSON_PATH =
  /^\$\.(?:(Attributes|External|FlowAttributes)\.([A-Za-z0-9_-]+)|(CustomerEndpoint\.Address|StoredCustomerInput))$/;
/** The same references inside a prompt's text or SSML, where the flow language allows them anywhere. */
const EMBEDDED_PATH =
  /\$\.(?:(?:Attributes|External|FlowAttributes)\.[A-Za-z0-9_-]+|CustomerEndpoint\.Address|StoredCustomerInput)/g;

/** What a caller keys in at a Get customer input block: a key, digits, or this for silence until the timeout. */
export const NO_INPUT = '<no input>';
/** The countries whose Local numbers the walker validates: those of the North American Numbering Plan (+1). */
const NANP_COUNTRIES = new Set(['US', 'CA']);

/** The Connect queue a contact was put in: an agent's own queue or a standard one, by ARN or id. */
export interface TargetQueue {
  readonly kind: 'agent' | 'queue';
  readonly id: string;
}

/** What one Lambda block got: the function's attributes, or `'error'` for its Error branch. */
export type LambdaAnswer = Readonly<Record<string, string>> | 'error';

/**
 * What the Lambda blocks get: one answer for every call, the answers in call order, or either of those per
 * `methodName` (a Map). Running out of answers, or meeting a methodName the Map lacks, throws.
 */
export type LambdaAnswers =
  LambdaAnswer | readonly LambdaAnswer[] | ReadonlyMap<string, LambdaAnswer | readonly LambdaAnswer[]>;

/** Answers per `methodName`, each one answer for every call or the answers in call order. */
export function byMethod(
  answers: Readonly<Record<string, LambdaAnswer | readonly LambdaAnswer[]>>,
): ReadonlyMap<string, LambdaAnswer | readonly LambdaAnswer[]> {
  return new Map(Object.entries(answers));
}

/** One run of a Lambda block: the action and the parameters Connect sent the function. */
export interface LambdaCall {
  readonly action: string;
  readonly parameters: Readonly<Record<string, string>>;
}

/** What Connect did with the contact by the end of the flow. */
export interface FlowRun {
  /** The actions run, in order (a subflow's after the Transfer to flow that entered it). */
  readonly path: readonly string[];
  /** The queue the contact was transferred into; undefined when the flow disconnected it or left it to a flow. */
  readonly queued: TargetQueue | undefined;
  /** The flow a Transfer to flow left the contact to, when the walk was not given that flow. */
  readonly transferredToFlow: string | undefined;
  /** The flows entered with Transfer to flow and walked, in order (their `ContactFlowId`). */
  readonly enteredFlows: readonly string[];
  /** Every Lambda block run, in order. */
  readonly calls: readonly LambdaCall[];
  /** The contact attributes at the end. */
  readonly attributes: Readonly<Record<string, string>>;
  /** The flow attributes of the flow the walk ended in (Connect does not carry them into another flow). */
  readonly flowAttributes: Readonly<Record<string, string>>;
  /** What the caller heard, in order: each prompt's text or SSML with its references filled in. */
  readonly prompts: readonly string[];
}

export interface RunOptions {
  /** The contact's attributes when the flow starts. */
  readonly attributes: Readonly<Record<string, string>>;
  /** What the Lambda blocks get. */
  readonly lambda: LambdaAnswers;
  /** Whether a Check staffing block finds the working queue staffed. @default true */
  readonly staffed?: boolean;
  /** Queue ids / ARNs whose Transfer to queue answers QueueAtCapacity. @default none */
  readonly atCapacity?: readonly string[];
  /** Flows a Transfer to flow block enters, by the `ContactFlowId` it names; any other ends the walk. @default none */
  readonly subflows?: Readonly<Record<string, Flow>>;
  /** `ContactFlowId`s whose Transfer to flow takes its Error branch (not published, or a wrong type). @default none */
  readonly failingFlows?: readonly string[];
  /** The caller's number, `$.CustomerEndpoint.Address`. @default none: reading it throws */
  readonly customerNumber?: string;
  /**
   * What the caller keys in at each Get customer input block, in order: one key for a menu, the digits for a stored
   * input, {@link NO_INPUT} for silence. Running out throws. @default none
   */
  readonly input?: readonly string[];
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
  const data: FlowData = {
    attributes: (contactData.Attributes ?? {}) as Record<string, string>,
    customerNumber: (contactData.CustomerEndpoint as { Address?: string } | null | undefined)?.Address,
  };
  const invocation = invokeAction(flow).Parameters.LambdaInvocationAttributes as Record<string, string>;
  const parameters = Object.fromEntries(
    Object.entries(invocation).map(([name, value]) => [name, resolve(value, data)]),
  );
  return callEvent(parameters, contactData);
}

/**
 * The event Connect sends the function for one Lambda block run of a walk ({@link FlowRun.calls}): for a block whose
 * parameters depend on what happened earlier in the flow (a flow attribute, the caller's input).
 */
export function callEvent(
  parameters: Readonly<Record<string, string>>,
  contactData: Record<string, unknown>,
): Record<string, unknown> {
  return { Name: 'ContactFlowEvent', Details: { ContactData: contactData, Parameters: { ...parameters } } };
}

/**
 * Runs the flow as Connect would for the given Lambda answers, into the subflows it is given. Reading a `$.External`
 * key the function did not return, or an attribute the contact does not have, throws: that is the contract under test.
 */
export function runFlow(start: Flow, options: RunOptions): FlowRun {
  let flow = start;
  let byId = actionsById(flow);
  const attributes: Record<string, string> = { ...options.attributes };
  let flowAttributes: Record<string, string> = {};
  const atCapacity = new Set(options.atCapacity ?? []);
  const answer = answerer(options.lambda);
  const input = [...(options.input ?? [])];
  const loops = new Map<string, number>();
  const calls: LambdaCall[] = [];
  const enteredFlows: string[] = [];
  const prompts: string[] = [];
  let external: Readonly<Record<string, string>> | undefined;
  let storedInput: string | undefined;
  let target: TargetQueue | undefined;
  const path: string[] = [];
  const end = (queued: TargetQueue | undefined, transferredToFlow?: string): FlowRun => ({
    path,
    queued,
    transferredToFlow,
    enteredFlows,
    calls,
    attributes,
    flowAttributes,
    prompts,
  });
  let id: string | undefined = flow.StartAction;
  while (id !== undefined) {
    if (path.length > 100) throw new Error(`the flow loops: ${path.slice(-5).join(' → ')}`);
    const action: FlowAction | undefined = byId.get(id);
    if (action === undefined) throw new Error(`no action ${id}`);
    path.push(id);
    const data: FlowData = {
      attributes,
      external,
      flowAttributes,
      customerNumber: options.customerNumber,
      storedInput,
    };
    const value = (raw: unknown) => resolve(raw, data);
    const { Parameters: p, Transitions: t } = action;
    switch (action.Type) {
      case 'InvokeLambdaFunction': {
        const invocation = (p.LambdaInvocationAttributes ?? {}) as Record<string, string>;
        const parameters = Object.fromEntries(Object.entries(invocation).map(([name, raw]) => [name, value(raw)]));
        calls.push({ action: id, parameters });
        const result = answer(parameters.methodName ?? '');
        if (result === 'error') id = onError(action, 'NoMatchingError');
        else {
          external = result;
          id = t.NextAction;
        }
        break;
      }
      case 'Loop': {
        const count = Number(p.LoopCount);
        if (!Number.isInteger(count) || count < 0 || count > 100) throw new Error(`${id}: LoopCount ${p.LoopCount}`);
        const key = `${enteredFlows.length}/${id}`;
        const runs = (loops.get(key) ?? 0) + 1;
        const result = runs <= count ? 'ContinueLooping' : 'DoneLooping';
        loops.set(key, runs <= count ? runs : 0);
        id = t.Conditions?.find((c) => c.Condition.Operands.includes(result))?.NextAction;
        if (id === undefined) throw new Error(`${action.Identifier} has no ${result} condition`);
        break;
      }
      case 'TransferToFlow': {
        const flowId = value(p.ContactFlowId);
        if (options.failingFlows?.includes(flowId)) {
          id = onError(action, 'NoMatchingError');
          break;
        }
        const subflow = options.subflows?.[flowId];
        if (subflow === undefined) return end(undefined, flowId);
        enteredFlows.push(flowId);
        flow = subflow;
        byId = actionsById(flow);
        flowAttributes = {};
        id = flow.StartAction;
        break;
      }
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
      case 'UpdateFlowAttributes': {
        const set = Object.entries(p.FlowAttributes as Record<string, { Value: string }>);
        flowAttributes = {
          ...flowAttributes,
          ...Object.fromEntries(set.map(([name, { Value }]) => [name, value(Value)])),
        };
        id = t.NextAction;
        break;
      }
      case 'GetParticipantInput': {
        prompts.push(prompt(p, data));
        if (input.length === 0) throw new Error(`${id} waits for the caller, who was given nothing more to key in`);
        const entry = input.shift()!;
        if (p.StoreInput === 'True') {
          // Silence goes down the success branch with the value Timeout, as Connect's Store customer input does.
          const stored = entry === NO_INPUT ? 'Timeout' : validated(entry, p.InputValidation, id);
          if (stored === undefined) id = onError(action, 'InvalidPhoneNumber');
          else {
            storedInput = stored;
            id = t.NextAction;
          }
        } else if (entry === NO_INPUT) id = onError(action, 'InputTimeLimitExceeded');
        else {
          id =
            t.Conditions?.find((c) => c.Condition.Operator === 'Equals' && c.Condition.Operands.includes(entry))
              ?.NextAction ?? onError(action, 'NoMatchingCondition');
        }
        break;
      }
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
        else return end(target);
        break;
      case 'DisconnectParticipant':
        return end(undefined);
      case 'MessageParticipant':
        prompts.push(prompt(p, data));
        id = t.NextAction;
        break;
      default:
        throw new Error(`the walker does not know action type ${action.Type}`);
    }
  }
  throw new Error(`the flow ended without disconnecting or transferring: ${path.join(' → ')}`);
}

function actionsById(flow: Flow): Map<string, FlowAction> {
  return new Map(flow.Actions.map((action) => [action.Identifier, action]));
}

/** Hands out the answers: a single one every time, a sequence one per call (per methodName for a Map). */
function answerer(answers: LambdaAnswers): (methodName: string) => LambdaAnswer {
  const used = new Map<string, number>();
  return (methodName) => {
    const given =
      answers instanceof Map ? answers.get(methodName) : (answers as LambdaAnswer | readonly LambdaAnswer[]);
    if (given === undefined) throw new Error(`the flow called methodName ${methodName}, which was given no answer`);
    if (!isSequence(given)) return given;
    const key = answers instanceof Map ? methodName : '';
    const index = used.get(key) ?? 0;
    used.set(key, index + 1);
    if (index >= given.length) {
      throw new Error(`the flow called the function (${methodName}) more often than the ${given.length} answers given`);
    }
    return given[index]!;
  };
}

function isSequence(given: LambdaAnswer | readonly LambdaAnswer[]): given is readonly LambdaAnswer[] {
  return Array.isArray(given);
}

function onError(action: FlowAction, type: string): string {
  const next = action.Transitions.Errors?.find((e) => e.ErrorType === type)?.NextAction;
  if (next === undefined) throw new Error(`${action.Identifier} has no ${type} branch`);
  return next;
}

/** What a flow's dynamic values read: the contact's and the flow's attributes, the last answer, the caller's input. */
interface FlowData {
  readonly attributes: Readonly<Record<string, string>>;
  readonly external?: Readonly<Record<string, string>>;
  readonly flowAttributes?: Readonly<Record<string, string>>;
  readonly customerNumber?: string;
  readonly storedInput?: string;
}

function resolve(raw: unknown, data: FlowData): string {
  const text = String(raw);
  if (!text.startsWith('$.')) return text;
  const [, namespace, key, system] = JSON_PATH.exec(text) ?? [];
  if (system === 'CustomerEndpoint.Address')
    return known(data.customerNumber, `${text}: the contact has no caller number`);
  if (system === 'StoredCustomerInput') return known(data.storedInput, `${text} is read before any input was stored`);
  if (key === undefined) throw new Error(`${text} is not a single JSONPath identifier the walker knows`);
  const source = { Attributes: data.attributes, External: data.external, FlowAttributes: data.flowAttributes }[
    namespace as 'Attributes' | 'External' | 'FlowAttributes'
  ];
  if (source === undefined || !Object.hasOwn(source, key)) {
    const whose = {
      Attributes: 'which the contact does not have',
      External: 'which the function did not return',
      FlowAttributes: 'which this flow has not set',
    }[namespace as 'Attributes' | 'External' | 'FlowAttributes'];
    throw new Error(`the flow reads $.${namespace}.${key}, ${whose}`);
  }
  return source[key]!;
}

function known(value: string | undefined, problem: string): string {
  if (value === undefined) throw new Error(problem);
  return value;
}

/** A prompt's text, SSML or prompt id, with every reference in it filled in (each must be there). */
function prompt(parameters: Record<string, unknown>, data: FlowData): string {
  const said = String(parameters.Text ?? parameters.SSML ?? `prompt ${String(parameters.PromptId)}`);
  return said.replace(EMBEDDED_PATH, (reference) => resolve(reference, data));
}

/**
 * What Store customer input keeps of `entry` under its validation: a phone number in E.164 (as Set callback number
 * takes it), or the digits as keyed; undefined when a phone number validation refuses it (InvalidPhoneNumber).
 */
function validated(entry: string, validation: unknown, id: string): string | undefined {
  const { PhoneNumberValidation: phone, CustomValidation: custom } = (validation ?? {}) as {
    PhoneNumberValidation?: { NumberFormat: string; CountryCode?: string };
    CustomValidation?: { MaximumLength: string };
  };
  if (custom !== undefined) {
    if (entry.length > Number(custom.MaximumLength)) throw new Error(`${id}: the walker does not model a long entry`);
    return entry;
  }
  if (phone === undefined) throw new Error(`${id} stores input without an InputValidation`);
  if (phone.NumberFormat === 'E164') return /^[1-9]\d{6,14}$/.test(entry) ? `+${entry}` : undefined;
  if (phone.NumberFormat !== 'Local' || !NANP_COUNTRIES.has(phone.CountryCode ?? '')) {
    throw new Error(`${id}: the walker does not know ${phone.NumberFormat} numbers of ${phone.CountryCode}`);
  }
  // Area code and exchange: ten digits, neither part starting with 0 or 1.
  return /^[2-9]\d{2}[2-9]\d{6}$/.test(entry) ? `+1${entry}` : undefined;
}
