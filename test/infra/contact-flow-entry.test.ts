import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Flow,
  FLOW_PLACEHOLDERS,
  flowText,
  INBOUND_ENTRY_FLOW_FILE,
  INBOUND_FLOW_FILE,
  TRANSFER_ENTRY_FLOW_FILE,
  TRANSFER_FLOW_FILE,
} from '../../infra/contact-flow.ts';
import { type Reply, replies, type SeenRequest } from '../emulators/salesforce.ts';
import { sampleEvent, useSandbox } from '../support/integration.ts';
import { byMethod, externalKeys, invokeAction, type LambdaAnswer, lambdaEvent, runFlow } from './flow-walker.ts';

const CONNECT = 'arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555';
const AGENT = `${CONNECT}/agent/aaaaaaaa-0000-1111-2222-333333333333`;
const VOICE_CALL_ID = '0LQKz00000NEWCALL';
const FALLBACK = { kind: 'queue', id: FLOW_PLACEHOLDERS.fallbackQueueArn } as const;

/**
 * The entry flows, each walked into the routing subflow it enters. `omniFlowFqn` is what Salesforce sets on a contact
 * its rep transfers to an Omni-Channel flow; the transfer routing subflow reads it.
 */
const ENTRY_FLOWS = [
  {
    name: 'inbound entry',
    file: INBOUND_ENTRY_FLOW_FILE,
    subflowFile: INBOUND_FLOW_FILE,
    event: 'create-voice-call',
    methodName: 'createVoiceCall',
    initiationMethod: 'Inbound',
    extraAttributes: {},
  },
  {
    name: 'transfer entry',
    file: TRANSFER_ENTRY_FLOW_FILE,
    subflowFile: TRANSFER_FLOW_FILE,
    event: 'create-transfer-vc',
    methodName: 'createTransferVC',
    initiationMethod: 'Transfer',
    extraAttributes: { omniFlowFqn: 'Transfer_To_Billing' },
  },
] as const;

type Outcome = { readonly result: LambdaAnswer; readonly request: SeenRequest | undefined };

describe.each(ENTRY_FLOWS)('Contact flow: $name, into its routing subflow', (sample) => {
  const flow = JSON.parse(flowText(sample.file)) as Flow;
  const subflow = JSON.parse(flowText(sample.subflowFile)) as Flow;
  const subflows = { [FLOW_PLACEHOLDERS.routingFlowArn]: subflow };
  const entry = sampleEvent(sample.event) as { Details: { ContactData: Record<string, unknown> } };
  const attributes: Record<string, string> = {
    ...(entry.Details.ContactData.Attributes as Record<string, string>),
    ...sample.extraAttributes,
  };
  const contactData: Record<string, unknown> = { ...entry.Details.ContactData, Attributes: attributes };
  const { sandbox, container } = useSandbox();
  const outcomes: Record<string, Outcome> = {};
  /** The function's answers to a create Salesforce accepted, and to the routing call that follows it. */
  const created = () => outcomes.created!.result;
  const routed = () => outcomes.routed!.result;

  beforeAll(async () => {
    const invoke = async (env: Record<string, string>, steps: [string, Reply, () => Record<string, unknown>][]) => {
      const lambda = await container(env);
      for (const [name, reply, event] of steps) {
        sandbox().salesforce.script(reply);
        const { result } = await lambda.invoke(event());
        outcomes[name] = { result: result ?? 'error', request: sandbox().salesforce.requests.at(-1) };
      }
      await lambda.stop();
    };
    const create = () => lambdaEvent(flow, contactData);
    // The routing subflow's call, for the contact as the entry flow leaves it after that create.
    const route = () => {
      const entered = runFlow(flow, { attributes, lambda: created(), subflows: {} });
      return lambdaEvent(subflow, { ...contactData, Attributes: entered.attributes });
    };
    await invoke({}, [
      ['created', replies.created(VOICE_CALL_ID), create],
      ['rejectedThrown', replies.errors(400, 'no such call center'), create],
      ['routed', replies.agent(AGENT), route],
    ]);
    await invoke({ ON_ERROR: 'attributes' }, [
      ['rejectedAsAttributes', replies.errors(400, 'no such call center'), create],
    ]);
  });

  it('is entered with the parameters its sample event replays', () => {
    expect(lambdaEvent(flow, entry.Details.ContactData)).toEqual(entry);
  });

  it(`asks the function to create the VoiceCall (${sample.methodName}), keyed by the contact`, () => {
    expect(invokeAction(flow).Parameters.LambdaInvocationAttributes).toEqual({ methodName: sample.methodName });
    expect(outcomes.created!.request).toMatchObject({
      method: 'POST',
      operation: sample.methodName,
      refused: undefined,
      body: { vendorCallKey: contactData.ContactId, initiationMethod: sample.initiationMethod },
    });
  });

  it('reads only status and voiceCallId, which every successful answer has', () => {
    expect(externalKeys(flow)).toEqual(['status', 'voiceCallId']);
    expect(created()).toMatchObject({ status: 'OK', voiceCallId: VOICE_CALL_ID });
    expect(outcomes.rejectedThrown!.result).toBe('error');
    expect(outcomes.rejectedAsAttributes!.result).toMatchObject({ status: 'ERROR' });
  });

  it('keeps voiceCallId and enters the routing subflow, which routes with flowInput-recordId = that id', () => {
    const run = runFlow(flow, {
      attributes,
      lambda: byMethod({ [sample.methodName]: created(), executeOmniFlow: routed() }),
      subflows,
    });

    expect(run.attributes.voiceCallId).toBe(VOICE_CALL_ID);
    expect(run.enteredFlows).toEqual([FLOW_PLACEHOLDERS.routingFlowArn]);
    expect(run.calls.map((c) => c.parameters)).toEqual([
      { methodName: sample.methodName },
      expect.objectContaining({ methodName: 'executeOmniFlow', 'flowInput-recordId': VOICE_CALL_ID }),
    ]);
    expect(run.queued).toEqual({ kind: 'agent', id: AGENT });
    expect(outcomes.routed!.request).toMatchObject({ operation: 'omniFlow', callId: contactData.ContactId });
    expect((outcomes.routed!.request!.body as Record<string, unknown>).flowInputParameters).toEqual({
      recordId: VOICE_CALL_ID,
    });
  });

  it.each(['rejectedThrown', 'rejectedAsAttributes'])(
    'tries the create once more after a first failure (%s), then goes on as after a first success',
    (failure) => {
      const run = runFlow(flow, {
        attributes,
        lambda: byMethod({ [sample.methodName]: [outcomes[failure]!.result, created()], executeOmniFlow: routed() }),
        subflows,
      });

      expect(run.calls.map((c) => c.parameters.methodName)).toEqual([
        sample.methodName,
        sample.methodName,
        'executeOmniFlow',
      ]);
      expect(run.attributes.voiceCallId).toBe(VOICE_CALL_ID);
      expect(run.queued).toEqual({ kind: 'agent', id: AGENT });
    },
  );

  it.each([
    ['rejectedThrown', 'rejectedThrown'],
    ['rejectedAsAttributes', 'rejectedAsAttributes'],
    ['rejectedThrown', 'rejectedAsAttributes'],
  ])('after two failed tries (%s, %s) goes to the fallback queue, with no routing call', (first, second) => {
    const run = runFlow(flow, {
      attributes,
      lambda: byMethod({ [sample.methodName]: [outcomes[first]!.result, outcomes[second]!.result] }),
      subflows,
    });

    expect(run.calls).toHaveLength(2);
    expect(run.enteredFlows).toEqual([]);
    expect(run.queued).toEqual(FALLBACK);
    expect(run.attributes.voiceCallId).toBe(attributes.voiceCallId);
  });

  it('goes to the fallback queue when the routing subflow cannot be entered', () => {
    const run = runFlow(flow, {
      attributes,
      lambda: created(),
      subflows,
      failingFlows: [FLOW_PLACEHOLDERS.routingFlowArn],
    });

    expect(run.calls).toHaveLength(1);
    expect(run.queued).toEqual(FALLBACK);
  });

  it('apologises and disconnects when even the fallback queue is at capacity', () => {
    const run = runFlow(flow, {
      attributes,
      lambda: [outcomes.rejectedThrown!.result, outcomes.rejectedThrown!.result],
      atCapacity: [FALLBACK.id],
    });

    expect(run.queued).toBeUndefined();
    expect(run.transferredToFlow).toBeUndefined();
    expect(run.path.slice(-2)).toEqual(['unavailable-prompt', 'end-call']);
  });

  if (sample.initiationMethod === 'Transfer') {
    it("replaces the first leg's voiceCallId, so the transfer is routed with its own VoiceCall", () => {
      expect(attributes.voiceCallId).toMatch(/^0LQ/);
      expect(attributes.voiceCallId).not.toBe(VOICE_CALL_ID);

      const run = runFlow(flow, {
        attributes,
        lambda: byMethod({ [sample.methodName]: created(), executeOmniFlow: routed() }),
        subflows,
      });

      expect(run.calls.at(-1)!.parameters['flowInput-recordId']).toBe(VOICE_CALL_ID);
      expect(outcomes.created!.request!.body).toMatchObject({ parentVoiceCallId: contactData.PreviousContactId });
    });
  }
});
