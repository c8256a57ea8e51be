import { beforeAll, describe, expect, it } from 'vitest';
import {
  CALLBACK_FLOW_FILE,
  type Flow,
  type FlowAction,
  FLOW_PLACEHOLDERS,
  FLOW_TYPES,
  flowText,
  renderInboundFlow,
  TRANSFER_ENTRY_FLOW_FILE,
  UNIFIED_ROUTING_TRANSFER_FLOW_FILE,
} from '../../infra/contact-flow.ts';
import { MAX_FLOW_BLOCK_TIMEOUT_SECONDS } from '../../lambda/src/config.ts';
import { type CreatedCallbackRequest, type Reply, replies, type SeenRequest } from '../emulators/salesforce.ts';
import { CALLER_NUMBER, sampleEvent, useSandbox } from '../support/integration.ts';
import {
  byMethod,
  callEvent,
  externalKeys,
  invokeAction,
  type LambdaAnswer,
  lambdaEvent,
  NO_INPUT,
  runFlow,
} from './flow-walker.ts';
import { itIsWellFormedFlowLanguage } from './flow-language.ts';

/** A whole dynamic value: one JSONPath identifier the flow language knows. */
const DYNAMIC_VALUE =
  /^\$\.(?:(?:Attributes|External|FlowAttributes)\.[A-Za-z0-9_-]+|CustomerEndpoint\.Address|StoredCustomerInput)$/;
/** Any reference inside a prompt's text or SSML (which may mix them with words). */
const EMBEDDED_REFERENCE = /\$\.[A-Za-z.]+[A-Za-z0-9_-]*/g;
/** Parameters the flow language wants static: a JSONPath there is refused at import. */
const STATIC_ONLY = ['StoreInput', 'InputTimeLimitSeconds', 'InputValidation', 'InvocationTimeLimitSeconds'];
/** What holds the caller's number, or what the caller keyed in, during a flow. */
const CALLER_DATA = /^\$\.(?:CustomerEndpoint\.Address|StoredCustomerInput|FlowAttributes\.)/;
/** The block timeout the function assumes when `FLOW_BLOCK_TIMEOUT_SECONDS` is not set. */
const DEFAULT_BLOCK_TIMEOUT = String(MAX_FLOW_BLOCK_TIMEOUT_SECONDS);
/** What an admin fills in when importing the samples. */
const VALUES = {
  bridgeAliasArn: 'arn:aws:lambda:us-east-1:123456789012:function:bridge:live',
  fallbackQueueArn:
    'arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555/queue/fallback',
  routingFlowArn:
    'arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555/contact-flow/routing',
  holdingQueueArn: 'arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555/queue/hold',
  salesforceFallbackQueueId: '00G111222333444',
} as const;

const SAMPLES = [
  {
    name: 'callback subflow',
    file: CALLBACK_FLOW_FILE,
    type: 'CONTACT_FLOW',
    pluggedIn: /entered with Transfer to flow once the VoiceCall exists/,
    parameters: { methodName: 'callbackExecution', customerCallbackNumber: '$.FlowAttributes.callbackNumber' },
    placeholders: [
      FLOW_PLACEHOLDERS.bridgeAliasArn,
      FLOW_PLACEHOLDERS.fallbackQueueArn,
      FLOW_PLACEHOLDERS.routingFlowArn,
    ],
  },
  {
    name: 'Unified Routing transfer',
    file: UNIFIED_ROUTING_TRANSFER_FLOW_FILE,
    type: 'QUEUE_TRANSFER',
    pluggedIn: /entered with Transfer to flow from the transfer entry flow, instead of the transfer routing subflow/,
    parameters: {
      methodName: 'routeVoiceCall',
      routingTarget: '$.Attributes.routingTarget',
      fallbackQueue: FLOW_PLACEHOLDERS.salesforceFallbackQueueId,
      'flowInput-recordId': '$.Attributes.voiceCallId',
    },
    placeholders: [
      FLOW_PLACEHOLDERS.bridgeAliasArn,
      FLOW_PLACEHOLDERS.fallbackQueueArn,
      FLOW_PLACEHOLDERS.holdingQueueArn,
      FLOW_PLACEHOLDERS.salesforceFallbackQueueId,
    ],
  },
] as const;

/** Every string in `value`, with the key it sits under. */
function strings(value: unknown, key = ''): [string, string][] {
  if (typeof value === 'string') return [[key, value]];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => strings(v, Array.isArray(value) ? key : k));
}

/** What the flow language asks of a Get customer input block, as problems (none when it is right). */
function participantInputProblems({ Parameters: p, Transitions: t }: FlowAction): string[] {
  const problems: string[] = [];
  const errors = (t.Errors ?? []).map((e) => e.ErrorType);
  const prompts = ['Text', 'SSML', 'PromptId'].filter((k) => p[k] !== undefined);
  if (prompts.length !== 1) problems.push(`one of Text, SSML or PromptId, not ${prompts.join(', ') || 'none'}`);
  if (!/^\d+$/.test(String(p.InputTimeLimitSeconds)) || !(Number(p.InputTimeLimitSeconds) >= 1))
    problems.push('InputTimeLimitSeconds a whole number of seconds');
  if (!errors.includes('NoMatchingError')) problems.push('a NoMatchingError branch');
  const validation = p.InputValidation as Record<string, Record<string, string>> | undefined;
  if (p.StoreInput === 'True') {
    const kinds = Object.keys(validation ?? {});
    if (kinds.length !== 1 || !['PhoneNumberValidation', 'CustomValidation'].includes(kinds[0]!))
      problems.push('one InputValidation when it stores the input');
    const phone = validation?.PhoneNumberValidation;
    if (
      phone &&
      !(phone.NumberFormat === 'E164' || (phone.NumberFormat === 'Local' && /^[A-Z]{2}$/.test(phone.CountryCode ?? '')))
    )
      problems.push('a phone validation E164, or Local with a two-letter CountryCode');
    if (t.Conditions?.length) problems.push('no conditions when it stores the input');
    if (errors.includes('NoMatchingCondition')) problems.push('no NoMatchingCondition when it stores the input');
    if (errors.includes('InvalidPhoneNumber') !== (phone !== undefined))
      problems.push('InvalidPhoneNumber exactly when it validates a phone number');
  } else {
    if (p.StoreInput !== 'False') problems.push('StoreInput True or False');
    if (validation !== undefined) problems.push('no InputValidation unless it stores the input');
    if (errors.includes('InvalidPhoneNumber')) problems.push('no InvalidPhoneNumber unless it stores a phone number');
    for (const { Condition: c } of t.Conditions ?? [])
      if (c.Operator !== 'Equals' || c.Operands.length !== 1 || !/^[0-9*#]$/.test(c.Operands[0]!))
        problems.push(`conditions Equals one key, not ${JSON.stringify(c)}`);
  }
  return problems;
}

describe.each(SAMPLES)('Contact flow: $name ($type)', (sample) => {
  const flow = JSON.parse(flowText(sample.file)) as Flow;

  describe('is well-formed flow language', () => {
    itIsWellFormedFlowLanguage(flow);

    it('is the flow type an admin imports it as, says where it plugs in, and that it is imported by hand', () => {
      expect(FLOW_TYPES[flow.Metadata!.type!]).toBe(sample.type);
      expect(flow.Metadata!.description).toMatch(sample.pluggedIn);
      expect(flow.Metadata!.description).toMatch(/import it by hand, the stack does not deploy it/);
      expect(flow.Metadata!.description!.length).toBeLessThanOrEqual(500);
      expect(flow.Metadata!.name!.length).toBeLessThanOrEqual(127);
    });

    it('uses dynamic values only as the flow language allows, and reads only flow attributes it sets', () => {
      const set = new Set(
        flow.Actions.filter((a) => a.Type === 'UpdateFlowAttributes').flatMap((a) =>
          Object.keys(a.Parameters.FlowAttributes as object),
        ),
      );
      for (const action of flow.Actions) {
        for (const [key, value] of strings(action.Parameters)) {
          if (key === 'Text' || key === 'SSML') {
            for (const [reference] of value.matchAll(EMBEDDED_REFERENCE)) expect(reference).toMatch(DYNAMIC_VALUE);
          } else if (value.startsWith('$.')) {
            expect(value, `${action.Identifier}.${key}`).toMatch(DYNAMIC_VALUE);
            expect(STATIC_ONLY, `${action.Identifier}.${key} must be static`).not.toContain(key);
          }
        }
        for (const [reference] of JSON.stringify(action.Parameters).matchAll(/\$\.FlowAttributes\.([\w-]+)/g))
          expect(set, `${action.Identifier} reads ${reference}`).toContain(reference.split('.')[2]);
      }
      for (const action of flow.Actions.filter((a) => a.Type === 'UpdateContactTargetQueue'))
        expect(Object.keys(action.Parameters).filter((k) => k === 'QueueId' || k === 'AgentId')).toHaveLength(1);
    });

    it('asks the caller for input as Get customer input allows: a menu of keys, or a validated stored entry', () => {
      for (const action of flow.Actions.filter((a) => a.Type === 'GetParticipantInput'))
        expect(participantInputProblems(action), action.Identifier).toEqual([]);
    });

    it('loops only with the two conditions a Loop has', () => {
      for (const loop of flow.Actions.filter((a) => a.Type === 'Loop')) {
        expect(Number(loop.Parameters.LoopCount)).toBeGreaterThan(0);
        expect(loop.Transitions.Conditions?.map((c) => c.Condition)).toEqual([
          { Operator: 'Equals', Operands: ['ContinueLooping'] },
          { Operator: 'Equals', Operands: ['DoneLooping'] },
        ]);
      }
    });

    it('keeps the caller’s number out of the contact attributes: it is in a flow attribute only', () => {
      for (const action of flow.Actions.filter((a) => a.Type === 'UpdateContactAttributes'))
        for (const value of Object.values(action.Parameters.Attributes as Record<string, string>))
          expect(value, action.Identifier).not.toMatch(CALLER_DATA);
    });

    it('invokes the bridge once, synchronously, with the block timeout the function assumes', () => {
      const invoke = invokeAction(flow);

      expect(invoke.Parameters).toEqual({
        LambdaFunctionARN: FLOW_PLACEHOLDERS.bridgeAliasArn,
        InvocationTimeLimitSeconds: DEFAULT_BLOCK_TIMEOUT,
        InvocationType: 'SYNCHRONOUS',
        ResponseValidation: { ResponseType: 'STRING_MAP' },
        LambdaInvocationAttributes: sample.parameters,
      });
      expect(invoke.Transitions.Errors?.map((e) => e.ErrorType)).toEqual(['NoMatchingError']);
    });

    it('leaves only its own placeholders to the admin, and renders with each one filled in', () => {
      const placeholders = [...flowText(sample.file).matchAll(/\$\{(\w+)\}/g)].map((m) => `\${${m[1]}}`);

      const rendered = renderInboundFlow(VALUES, sample.file);

      expect([...new Set(placeholders)].sort()).toEqual([...sample.placeholders].sort());
      expect(rendered).not.toMatch(/\$\{\w+\}/);
      expect(invokeAction(JSON.parse(rendered) as Flow).Parameters.LambdaFunctionARN).toBe(VALUES.bridgeAliasArn);
      const [missing] = Object.entries(FLOW_PLACEHOLDERS).find(([, p]) => p === sample.placeholders.at(-1))!;
      expect(() => renderInboundFlow({ ...VALUES, [missing]: undefined }, sample.file)).toThrow(
        new TypeError(`renderInboundFlow: ${sample.file.pathname.split('/').at(-1)} needs ${missing}`),
      );
    });
  });
});

type Outcome = {
  readonly result: LambdaAnswer;
  /** The error category, thrown or (ON_ERROR=attributes) answered as errorType. */
  readonly failure: string | undefined;
  /** What Salesforce saw of this invocation, and the ContactRequests it left behind. */
  readonly requests: readonly SeenRequest[];
  readonly callbacks: readonly CreatedCallbackRequest[];
};

/** Runs each scenario's event through one container of the built bundle, keeping what Salesforce saw of each. */
async function invokeEach(
  { sandbox, container }: ReturnType<typeof useSandbox>,
  env: Record<string, string>,
  scenarios: Record<string, readonly [Reply | undefined, Record<string, unknown>]>,
  outcomes: Record<string, Outcome>,
): Promise<void> {
  const lambda = await container(env);
  for (const [name, [reply, event]] of Object.entries(scenarios)) {
    const salesforce = sandbox().salesforce;
    const [seen, created] = [salesforce.requests.length, salesforce.callbackRequests.length];
    if (reply) salesforce.script(reply);
    const { result, error } = await lambda.invoke(event);
    outcomes[name] = {
      result: result ?? 'error',
      failure: error?.errorType ?? result?.errorType,
      requests: salesforce.requests.slice(seen),
      callbacks: salesforce.callbackRequests.slice(created),
    };
  }
  await lambda.stop();
}

describe('Contact flow: callback subflow, with the bridge’s real answers', () => {
  const flow = JSON.parse(renderInboundFlow(VALUES, CALLBACK_FLOW_FILE)) as Flow;
  const entry = sampleEvent('callback-execution') as { Details: { ContactData: Record<string, unknown> } };
  const contactData = entry.Details.ContactData;
  const attributes = contactData.Attributes as Record<string, string>;
  const customerNumber = (contactData.CustomerEndpoint as { Address: string }).Address;
  const OTHER_NUMBER = '4255550123';
  /** The caller's keys: take the callback, and keep the number they call from; or enter another and confirm it. */
  const CONFIRMS = ['1', '1'];
  const ENTERS_OTHER = ['1', '2', OTHER_NUMBER, '1'];
  const FALLBACK = { kind: 'queue', id: VALUES.fallbackQueueArn } as const;
  const walk = (input: readonly string[], lambda: LambdaAnswer) =>
    runFlow(flow, { attributes, customerNumber, input, lambda: byMethod({ callbackExecution: lambda }) });
  /** The bridge's event for what the caller keyed in, as the walk up to the Lambda block sends it. */
  const eventFor = (input: readonly string[]) => callEvent(walk(input, 'error').calls[0]!.parameters, contactData);
  const sandboxed = useSandbox();
  const outcomes: Record<string, Outcome> = {};

  beforeAll(async () => {
    await invokeEach(
      sandboxed,
      {},
      {
        booked: [replies.callbackRequested(), eventFor(CONFIRMS)],
        bookedOther: [replies.callbackRequested(), eventFor(ENTERS_OTHER)],
        rejected: [replies.errors(400, 'Unified Routing is not enabled for this contact center'), eventFor(CONFIRMS)],
        failing: [replies.errors(500, 'An unexpected error occurred'), eventFor(CONFIRMS)],
        answerLost: [replies.reset(), eventFor(CONFIRMS)],
      },
      outcomes,
    );
    await invokeEach(
      sandboxed,
      { ON_ERROR: 'attributes' },
      { rejectedAsAttributes: [replies.errors(400, 'Unified Routing is not enabled'), eventFor(CONFIRMS)] },
      outcomes,
    );
  });

  it('sends the number the caller confirmed, exactly as its sample event replays', () => {
    expect(customerNumber).toBe(CALLER_NUMBER);
    expect(eventFor(CONFIRMS)).toEqual(entry);
  });

  it('reads only status and recordId, which a booked callback’s answer has', () => {
    expect(externalKeys(flow)).toEqual(['recordId', 'status']);
    expect(outcomes.booked!.result).toEqual({ status: 'OK', recordId: outcomes.booked!.callbacks[0]!.recordId });
  });

  it('books a callback on the number the caller calls from, tells them, and hangs up', () => {
    const run = walk(CONFIRMS, outcomes.booked!.result);

    expect(run.path.slice(-2)).toEqual(['callback-booked-prompt', 'end-call']);
    expect(run.queued).toBeUndefined();
    expect(run.transferredToFlow).toBeUndefined();
    expect(run.prompts[1]).toContain(`We can call you back at <say-as interpret-as='telephone'>${CALLER_NUMBER}<`);
    expect(run.prompts.at(-1)).toContain(`will call you back at <say-as interpret-as='telephone'>${CALLER_NUMBER}<`);
    const { requests, callbacks } = outcomes.booked!;
    expect(requests).toEqual([
      expect.objectContaining({
        method: 'POST',
        operation: 'requestCallback',
        callId: contactData.ContactId,
        refused: undefined,
        body: { callbackNumber: CALLER_NUMBER },
      }),
    ]);
    expect(callbacks).toEqual([expect.objectContaining({ callbackNumber: CALLER_NUMBER, answered: true })]);
  });

  it('keeps the ContactRequest’s id on the contact, and the number only in a flow attribute', () => {
    const run = walk(CONFIRMS, outcomes.booked!.result);

    expect(run.attributes).toEqual({ ...attributes, callbackRequestId: outcomes.booked!.callbacks[0]!.recordId });
    expect(JSON.stringify(run.attributes)).not.toContain(CALLER_NUMBER);
    expect(run.flowAttributes).toEqual({ callbackNumber: CALLER_NUMBER });
  });

  it('sends another number the caller keyed in, as E.164, after reading it back to them', () => {
    const run = walk(ENTERS_OTHER, outcomes.bookedOther!.result);

    expect(run.calls.map((c) => c.parameters)).toEqual([
      { methodName: 'callbackExecution', customerCallbackNumber: `+1${OTHER_NUMBER}` },
    ]);
    expect(run.prompts).toContainEqual(
      expect.stringContaining(`You entered <say-as interpret-as='telephone'>+1${OTHER_NUMBER}<`),
    );
    expect(run.path.slice(-2)).toEqual(['callback-booked-prompt', 'end-call']);
    expect(outcomes.bookedOther!.requests).toEqual([
      expect.objectContaining({ operation: 'requestCallback', body: { callbackNumber: `+1${OTHER_NUMBER}` } }),
    ]);
    expect(JSON.stringify(run.attributes)).not.toContain(OTHER_NUMBER);
  });

  it('asks again after silence or a number it cannot call, and after a number the caller corrects', () => {
    const retried = walk(['1', '2', NO_INPUT, '555', OTHER_NUMBER, '1'], outcomes.bookedOther!.result);
    const corrected = walk(['1', '2', '2065550100', '2', OTHER_NUMBER, '1'], outcomes.bookedOther!.result);

    expect(retried.path.filter((id) => id === 'enter-number')).toHaveLength(3);
    expect(retried.prompts).toContain('That is not a number we can call.');
    for (const run of [retried, corrected]) {
      expect(run.calls.map((c) => c.parameters.customerCallbackNumber)).toEqual([`+1${OTHER_NUMBER}`]);
      expect(run.path.at(-1)).toBe('end-call');
    }
  });

  it('after three tries without a number, routes the call as if the caller had declined, asking nothing of the bridge', () => {
    const run = walk(['1', '2', NO_INPUT, '555', OTHER_NUMBER, '2'], outcomes.booked!.result);

    expect(run.path.slice(-2)).toEqual(['no-number-prompt', 'route-call']);
    expect(run.calls).toEqual([]);
    expect(run.transferredToFlow).toBe(VALUES.routingFlowArn);
  });

  it.each([['2'], [NO_INPUT], ['7']])('routes a caller who declines (keys %s) into the routing subflow', (key) => {
    const run = walk([key], outcomes.booked!.result);

    expect(run.path).toEqual(['offer-callback', 'route-call']);
    expect(run.calls).toEqual([]);
    expect(run.transferredToFlow).toBe(VALUES.routingFlowArn);
  });

  it('goes to the fallback queue when the routing subflow cannot be entered', () => {
    const run = runFlow(flow, {
      attributes,
      customerNumber,
      input: ['2'],
      lambda: [],
      failingFlows: [VALUES.routingFlowArn],
    });

    expect(run.queued).toEqual(FALLBACK);
  });

  it.each([
    ['rejected', 'SALESFORCE_REJECTED'],
    ['failing', 'SALESFORCE_UNAVAILABLE'],
    ['answerLost', 'SALESFORCE_UNAVAILABLE'],
    ['rejectedAsAttributes', 'SALESFORCE_REJECTED'],
  ])(
    'apologises and queues the caller in the fallback queue when Salesforce does not book it (%s), asking once',
    (name, failure) => {
      const outcome = outcomes[name]!;
      expect(outcome.failure).toBe(failure);

      const run = walk(CONFIRMS, outcome.result);

      expect(run.path.slice(-3)).toEqual(['callback-failed-prompt', 'set-fallback-queue', 'transfer-to-fallback']);
      expect(run.queued).toEqual(FALLBACK);
      expect(run.attributes).not.toHaveProperty('callbackRequestId');
      expect(outcome.requests.map((r) => r.operation)).toEqual(['requestCallback']);
    },
  );

  it('counts on the fallback queue even when Salesforce may have booked it: the caller is served now, not lost', () => {
    expect(outcomes.answerLost!.callbacks).toEqual([expect.objectContaining({ answered: false })]);
    expect(walk(CONFIRMS, outcomes.answerLost!.result).queued).toEqual(FALLBACK);
  });

  it('apologises and hangs up when even the fallback queue is full', () => {
    const run = runFlow(flow, {
      attributes,
      customerNumber,
      input: CONFIRMS,
      lambda: outcomes.rejected!.result,
      atCapacity: [VALUES.fallbackQueueArn],
    });

    expect(run.queued).toBeUndefined();
    expect(run.path.slice(-2)).toEqual(['unavailable-prompt', 'end-call']);
  });
});

describe('Contact flow: Unified Routing transfer, with the bridge’s real answers', () => {
  const flow = JSON.parse(renderInboundFlow(VALUES, UNIFIED_ROUTING_TRANSFER_FLOW_FILE)) as Flow;
  const sample = sampleEvent('route-voice-call') as {
    Details: { ContactData: Record<string, unknown>; Parameters: Record<string, string> };
  };
  const TARGET = sample.Details.Parameters.routingTarget!;
  const attributes: Record<string, string> = {
    ...(sample.Details.ContactData.Attributes as Record<string, string>),
    routingTarget: TARGET,
  };
  const contactData: Record<string, unknown> = { ...sample.Details.ContactData, Attributes: attributes };
  const HOLDING = { kind: 'queue', id: VALUES.holdingQueueArn } as const;
  const FALLBACK = { kind: 'queue', id: VALUES.fallbackQueueArn } as const;
  const VOICE_CALL_ID = '0LQKz00000TRANSFER';
  // The transfer entry flow, which creates the transfer's VoiceCall and enters this flow in place of its subflow.
  const entryFlow = JSON.parse(flowText(TRANSFER_ENTRY_FLOW_FILE)) as Flow;
  const transfer = sampleEvent('create-transfer-vc') as { Details: { ContactData: Record<string, unknown> } };
  const transferAttributes: Record<string, string> = {
    ...(transfer.Details.ContactData.Attributes as Record<string, string>),
    routingTarget: TARGET,
  };
  const transferContact: Record<string, unknown> = { ...transfer.Details.ContactData, Attributes: transferAttributes };
  const intoThisFlow = { [FLOW_PLACEHOLDERS.routingFlowArn]: flow };
  const sandboxed = useSandbox();
  const outcomes: Record<string, Outcome> = {};

  beforeAll(async () => {
    const event = lambdaEvent(flow, contactData);
    const noTarget = lambdaEvent(flow, { ...contactData, Attributes: { ...attributes, routingTarget: '' } });
    // The route the transfer entry flow leads to, for the contact as its create leaves it.
    const routeAfterCreate = () => {
      const entered = runFlow(entryFlow, { attributes: transferAttributes, lambda: outcomes.created!.result });
      return lambdaEvent(flow, { ...transferContact, Attributes: entered.attributes });
    };
    await invokeEach(
      sandboxed,
      {},
      {
        routed: [{ status: 200, body: {} }, event],
        rejected: [replies.errors(400, 'Unified Routing is not enabled for this contact center'), event],
        failing: [replies.errors(500, 'An unexpected error occurred'), event],
        noTarget: [undefined, noTarget],
        created: [replies.created(VOICE_CALL_ID), lambdaEvent(entryFlow, transferContact)],
      },
      outcomes,
    );
    await invokeEach(sandboxed, {}, { routedAfterCreate: [{ status: 200, body: {} }, routeAfterCreate()] }, outcomes);
    await invokeEach(
      sandboxed,
      { ON_ERROR: 'attributes' },
      { rejectedAsAttributes: [replies.errors(400, 'Unified Routing is not enabled'), event] },
      outcomes,
    );
  });

  it('sends the target, the Salesforce fallback queue and the VoiceCall id, as its sample event replays', () => {
    const { Parameters: parameters } = lambdaEvent(flow, contactData).Details as { Parameters: object };

    expect(parameters).toEqual({
      methodName: 'routeVoiceCall',
      routingTarget: TARGET,
      fallbackQueue: VALUES.salesforceFallbackQueueId,
      'flowInput-recordId': attributes.voiceCallId,
    });
    expect(sample.Details.Parameters).toMatchObject(parameters);
  });

  it('reads only status, which every answer has: Salesforce’s answer says only whether it took the request', () => {
    expect(externalKeys(flow)).toEqual(['status']);
    expect(outcomes.routed!.result).toEqual({ status: 'OK' });
    expect(outcomes.rejectedAsAttributes!.result).toMatchObject({ status: 'ERROR' });
  });

  it('asks Salesforce once to route the VoiceCall to the target, then leaves the call in the holding queue', () => {
    const run = runFlow(flow, { attributes, lambda: outcomes.routed!.result });

    expect(outcomes.routed!.requests).toEqual([
      expect.objectContaining({
        method: 'PATCH',
        path: `/telephony/v1/voiceCalls/route/${contactData.ContactId}`,
        refused: undefined,
        body: {
          routingTarget: TARGET,
          fallbackQueue: VALUES.salesforceFallbackQueueId,
          flowInputParameters: { recordId: attributes.voiceCallId },
        },
      }),
    ]);
    expect(run.path).toEqual([
      'route-voice-call',
      'check-route-status',
      'hold-prompt',
      'set-holding-queue',
      'transfer-to-holding',
    ]);
    expect(run.queued).toEqual(HOLDING);
  });

  it.each([
    ['rejected', 'SALESFORCE_REJECTED'],
    ['failing', 'SALESFORCE_UNAVAILABLE'],
    ['rejectedAsAttributes', 'SALESFORCE_REJECTED'],
    ['noTarget', 'BAD_EVENT'],
  ])('sends the call to the fallback queue when Salesforce does not take the route (%s: %s)', (name, failure) => {
    expect(outcomes[name]!.failure).toBe(failure);
    const run = runFlow(flow, {
      attributes: name === 'noTarget' ? { ...attributes, routingTarget: '' } : attributes,
      lambda: outcomes[name]!.result,
    });

    expect(run.path).toContain('unrouted-prompt');
    expect(run.queued).toEqual(FALLBACK);
  });

  it('sends nothing to Salesforce without a routing target: the bridge refuses it first', () => {
    expect(outcomes.noTarget!.result).toBe('error');
    expect(outcomes.noTarget!.failure).toBe('BAD_EVENT');
    expect(outcomes.noTarget!.requests).toEqual([]);
  });

  it('goes to the fallback queue when the holding queue is full, and hangs up when both are', () => {
    const full = runFlow(flow, { attributes, lambda: outcomes.routed!.result, atCapacity: [HOLDING.id] });
    const bothFull = runFlow(flow, {
      attributes,
      lambda: outcomes.routed!.result,
      atCapacity: [HOLDING.id, FALLBACK.id],
    });

    expect(full.queued).toEqual(FALLBACK);
    expect(bothFull.queued).toBeUndefined();
    expect(bothFull.path.slice(-2)).toEqual(['unavailable-prompt', 'end-call']);
  });

  it('is entered from the transfer entry flow, and routes the transfer’s own VoiceCall', () => {
    const run = runFlow(entryFlow, {
      attributes: transferAttributes,
      lambda: byMethod({
        createTransferVC: outcomes.created!.result,
        routeVoiceCall: outcomes.routedAfterCreate!.result,
      }),
      subflows: intoThisFlow,
    });

    expect(transferAttributes.voiceCallId).not.toBe(VOICE_CALL_ID);
    expect(run.enteredFlows).toEqual([FLOW_PLACEHOLDERS.routingFlowArn]);
    expect(run.calls.map((c) => c.parameters.methodName)).toEqual(['createTransferVC', 'routeVoiceCall']);
    expect(run.queued).toEqual(HOLDING);
    expect(outcomes.routedAfterCreate!.requests).toEqual([
      expect.objectContaining({
        operation: 'route',
        callId: transferContact.ContactId,
        body: expect.objectContaining({ flowInputParameters: { recordId: VOICE_CALL_ID } }),
      }),
    ]);
  });
});
