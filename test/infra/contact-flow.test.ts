import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Flow,
  FLOW_PLACEHOLDERS,
  FLOW_TYPES,
  flowText,
  INBOUND_ENTRY_FLOW_FILE,
  INBOUND_FLOW_FILE,
  TRANSFER_ENTRY_FLOW_FILE,
  TRANSFER_FLOW_FILE,
} from '../../infra/contact-flow.ts';
import { MAX_FLOW_BLOCK_TIMEOUT_SECONDS } from '../../lambda/src/config.ts';
import { type Reply, replies, type SeenRequest } from '../emulators/salesforce.ts';
import { sampleEvent, useSandbox } from '../support/integration.ts';
import { externalKeys, invokeAction, lambdaEvent, runFlow, targets } from './flow-walker.ts';
import { itIsWellFormedFlowLanguage } from './flow-language.ts';
import { INSTANCE_ARN, synthBridge } from './support.ts';

const DYNAMIC_VALUE = /^\$\.(Attributes|External)\.[A-Za-z0-9_-]+$/;
const FALLBACK_QUEUE = `${INSTANCE_ARN}/queue/fallback-0000`;
const CONNECT = 'arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555';
const AGENT = `${CONNECT}/agent/aaaaaaaa-0000-1111-2222-333333333333`;
const QUEUE = `${CONNECT}/queue/qqqqqqqq-0000-1111-2222-333333333333`;
/** The block timeout the function assumes when `FLOW_BLOCK_TIMEOUT_SECONDS` is not set. */
const DEFAULT_BLOCK_TIMEOUT = String(MAX_FLOW_BLOCK_TIMEOUT_SECONDS);

/** The flow types a Transfer to flow block works in, and can enter. */
const TRANSFER_TO_FLOW_TYPES = ['CONTACT_FLOW', 'AGENT_TRANSFER', 'QUEUE_TRANSFER'];
/** What a deployment fills in for a routing subflow; an entry flow also names the subflow it enters. */
const SUBFLOW_PLACEHOLDERS = [FLOW_PLACEHOLDERS.bridgeAliasArn, FLOW_PLACEHOLDERS.fallbackQueueArn];

/** The routing subflows: where they plug in, and the contact each is entered with (a sample event). */
const ROUTING_SUBFLOWS = [
  {
    file: INBOUND_FLOW_FILE,
    type: 'CONTACT_FLOW',
    entry: 'inbound-subflow',
    pluggedInAfter:
      /Transfer to flow from the bridge's inbound entry flow, or from Salesforce's inbound flow, after its createVoiceCall block/,
    parameters: { methodName: 'executeOmniFlow', 'flowInput-recordId': '$.Attributes.voiceCallId' },
    placeholders: SUBFLOW_PLACEHOLDERS,
    enters: undefined,
  },
  {
    file: TRANSFER_FLOW_FILE,
    type: 'QUEUE_TRANSFER',
    entry: 'transfer-subflow',
    pluggedInAfter:
      /Transfer to flow from the bridge's transfer entry flow, or from Salesforce's transfer flow .*, after its createTransferVC block/,
    parameters: {
      methodName: 'executeOmniFlow',
      flowDevName: '$.Attributes.omniFlowFqn',
      'flowInput-recordId': '$.Attributes.voiceCallId',
    },
    placeholders: SUBFLOW_PLACEHOLDERS,
    enters: undefined,
  },
] as const;

/** The entry flows: where they plug in, the contact their Lambda block sees (a sample event), the subflow they enter. */
const ENTRY_FLOWS = [
  {
    file: INBOUND_ENTRY_FLOW_FILE,
    type: 'CONTACT_FLOW',
    entry: 'create-voice-call',
    pluggedInAfter: /assign it to the phone number\. Creates the VoiceCall with createVoiceCall \(two tries/,
    parameters: { methodName: 'createVoiceCall' },
    placeholders: [...SUBFLOW_PLACEHOLDERS, FLOW_PLACEHOLDERS.routingFlowArn],
    enters: INBOUND_FLOW_FILE,
  },
  {
    file: TRANSFER_ENTRY_FLOW_FILE,
    type: 'QUEUE_TRANSFER',
    entry: 'create-transfer-vc',
    pluggedInAfter: /the quick connect's flow .*\. Creates the transfer's VoiceCall with createTransferVC \(two tries/,
    parameters: { methodName: 'createTransferVC' },
    placeholders: [...SUBFLOW_PLACEHOLDERS, FLOW_PLACEHOLDERS.routingFlowArn],
    enters: TRANSFER_FLOW_FILE,
  },
] as const;

const SAMPLE_FLOWS = [...ROUTING_SUBFLOWS, ...ENTRY_FLOWS];

type Outcome = { readonly result: Record<string, string> | 'error'; readonly request: SeenRequest | undefined };

describe.each(SAMPLE_FLOWS)('Contact flow: $entry ($type)', (sample) => {
  const flow = JSON.parse(flowText(sample.file)) as Flow;
  const byId = new Map(flow.Actions.map((action) => [action.Identifier, action]));

  describe('is well-formed flow language', () => {
    itIsWellFormedFlowLanguage(flow);

    it('is the flow type Connect deploys it as, and says where it plugs in', () => {
      expect(FLOW_TYPES[flow.Metadata!.type!]).toBe(sample.type);
      expect(flow.Metadata!.description).toMatch(sample.pluggedInAfter);
      expect(flow.Metadata!.description!.length).toBeLessThanOrEqual(500);
      expect(flow.Metadata!.name!.length).toBeLessThanOrEqual(127);
    });

    it('uses dynamic values only as a single JSONPath identifier, and one queue or agent per working queue', () => {
      const values = JSON.stringify(flow.Actions.map((a) => a.Parameters)).match(/"\$\.[^"]*"/g) ?? [];
      for (const value of values) expect(JSON.parse(value) as string).toMatch(DYNAMIC_VALUE);
      for (const action of flow.Actions.filter((a) => a.Type === 'UpdateContactTargetQueue'))
        expect(Object.keys(action.Parameters).filter((k) => k === 'QueueId' || k === 'AgentId')).toHaveLength(1);
    });

    it('checks staffing with the only condition Connect allows for an agent count', () => {
      for (const action of flow.Actions.filter((a) => a.Type === 'CheckMetricData')) {
        expect(action.Parameters.MetricType).toMatch(/^NumberOfAgents/);
        expect(action.Transitions.Conditions?.map((c) => c.Condition)).toEqual([
          { Operator: 'NumberGreaterThan', Operands: ['0'] },
        ]);
      }
    });

    it("invokes the bridge as Salesforce's flows do, with the block timeout the function assumes", () => {
      const invoke = invokeAction(flow);

      expect(invoke.Parameters).toMatchObject({
        LambdaFunctionARN: FLOW_PLACEHOLDERS.bridgeAliasArn,
        InvocationTimeLimitSeconds: DEFAULT_BLOCK_TIMEOUT,
        ResponseValidation: { ResponseType: 'STRING_MAP' },
      });
      expect(invoke.Parameters.LambdaInvocationAttributes).toEqual(sample.parameters);
      expect(invoke.Transitions.Errors?.map((e) => e.ErrorType)).toContain('NoMatchingError');
    });

    it('leaves only the alias, the fallback queue and (an entry flow) the routing subflow to the deployment', () => {
      const placeholders = [...flowText(sample.file).matchAll(/\$\{(\w+)\}/g)].map((m) => `\${${m[1]}}`);

      expect([...new Set(placeholders)].sort()).toEqual([...sample.placeholders].sort());
    });
  });

  if (sample.enters !== undefined) {
    const subflow = JSON.parse(flowText(sample.enters)) as Flow;
    const [loop, ...otherLoops] = flow.Actions.filter((a) => a.Type === 'Loop');
    const invoke = invokeAction(flow);

    describe('creates the VoiceCall before it routes', () => {
      it("starts by trying the create at most twice, as Salesforce's flows do", () => {
        expect(otherLoops).toEqual([]);
        expect(flow.StartAction).toBe(loop!.Identifier);
        expect(loop!.Parameters).toEqual({ LoopCount: '2' });
        expect(loop!.Transitions.Conditions?.map((c) => c.Condition)).toEqual([
          { Operator: 'Equals', Operands: ['ContinueLooping'] },
          { Operator: 'Equals', Operands: ['DoneLooping'] },
        ]);
        expect(loop!.Transitions.Conditions![0]!.NextAction).toBe(invoke.Identifier);
      });

      it('tries again on the Error branch, on a status other than OK, and on an answer without voiceCallId', () => {
        const check = byId.get(invoke.Transitions.NextAction!)!;
        const keep = byId.get(check.Transitions.Conditions![0]!.NextAction)!;

        expect(invoke.Transitions.Errors).toEqual([{ NextAction: loop!.Identifier, ErrorType: 'NoMatchingError' }]);
        expect(check.Parameters).toEqual({ ComparisonValue: '$.External.status' });
        expect(check.Transitions.Conditions!.map((c) => c.Condition)).toEqual([
          { Operator: 'Equals', Operands: ['OK'] },
        ]);
        expect(targets(check).filter((id) => id !== keep.Identifier)).toEqual([loop!.Identifier, loop!.Identifier]);
        expect(keep.Parameters.Attributes).toEqual({ voiceCallId: '$.External.voiceCallId' });
        expect(keep.Transitions.Errors).toEqual([{ NextAction: loop!.Identifier, ErrorType: 'NoMatchingError' }]);
      });

      it('then enters its routing subflow with Transfer to flow, a flow type that can do so', () => {
        const enter = flow.Actions.filter((a) => a.Type === 'TransferToFlow');

        expect(enter.map((a) => a.Parameters)).toEqual([{ ContactFlowId: FLOW_PLACEHOLDERS.routingFlowArn }]);
        expect(TRANSFER_TO_FLOW_TYPES).toContain(sample.type);
        expect(TRANSFER_TO_FLOW_TYPES).toContain(FLOW_TYPES[subflow.Metadata!.type!]);
        expect(subflow.Metadata!.description).toMatch(/Entered with Transfer to flow from the bridge's .* entry flow/);
      });
    });
  }
});

describe.each(ROUTING_SUBFLOWS)('Contact flow: $entry ($type)', (sample) => {
  const flow = JSON.parse(flowText(sample.file)) as Flow;
  const entry = sampleEvent(sample.entry) as { Details: { ContactData: Record<string, unknown> } };
  const contactData = entry.Details.ContactData;
  const contactAttributes = contactData.Attributes as Record<string, string>;

  describe('reads only what the function really returns', () => {
    const { sandbox, container } = useSandbox();
    const outcomes: Record<string, Outcome> = {};

    beforeAll(async () => {
      const event = lambdaEvent(flow, contactData);
      const run = async (env: Record<string, string>, scenarios: Record<string, Reply>) => {
        const lambda = await container(env);
        for (const [name, reply] of Object.entries(scenarios)) {
          sandbox().salesforce.script(reply);
          const { result } = await lambda.invoke(event);
          outcomes[name] = { result: result ?? 'error', request: sandbox().salesforce.requests.at(-1) };
        }
        await lambda.stop();
      };
      await run(
        {},
        {
          agent: replies.agent(AGENT),
          agentAndQueue: { status: 200, body: { agent: AGENT, queue: QUEUE } },
          queue: replies.queue(QUEUE),
          none: replies.none(),
          rejectedThrown: replies.errors(400, 'bad flow'),
        },
      );
      await run({ ON_ERROR: 'attributes' }, { rejectedAsAttributes: replies.errors(400, 'bad flow') });
    });

    it('is entered with the parameters its sample event replays', () => {
      expect(lambdaEvent(flow, contactData)).toEqual(entry);
    });

    it('gets every $.External key it reads from every answer the function gives', () => {
      expect(externalKeys(flow)).toEqual(['agent', 'queue', 'routingTarget', 'status']);
      for (const [name, { result }] of Object.entries(outcomes)) {
        if (result === 'error') continue;
        for (const key of externalKeys(flow)) expect(Object.keys(result), `${name} lacks ${key}`).toContain(key);
      }
      expect(outcomes.rejectedThrown!.result).toBe('error');
      expect(outcomes.rejectedAsAttributes!.result).toMatchObject({ status: 'ERROR' });
    });

    it('sends an agent answer to the agent, after checking it is staffed, and keeps agentARN / queueARN', () => {
      const run = runFlow(flow, { attributes: contactAttributes, lambda: outcomes.agent!.result });

      expect(run.queued).toEqual({ kind: 'agent', id: AGENT });
      expect(run.path).toContain('check-agent-staffed');
      expect(run.attributes).toMatchObject({ agentARN: AGENT, queueARN: '' });
    });

    it('falls back from an unstaffed agent to the queue Salesforce named', () => {
      const run = runFlow(flow, {
        attributes: contactAttributes,
        lambda: outcomes.agentAndQueue!.result,
        staffed: false,
      });

      expect(run.queued).toEqual({ kind: 'queue', id: QUEUE });
    });

    it('falls back from an unstaffed agent with no queue to the fallback queue', () => {
      const run = runFlow(flow, { attributes: contactAttributes, lambda: outcomes.agent!.result, staffed: false });

      expect(run.queued).toEqual({ kind: 'queue', id: FLOW_PLACEHOLDERS.fallbackQueueArn });
    });

    it('sends a queue answer to the queue, without touching an agent', () => {
      const run = runFlow(flow, { attributes: contactAttributes, lambda: outcomes.queue!.result });

      expect(run.queued).toEqual({ kind: 'queue', id: QUEUE });
      expect(run.path).not.toContain('set-agent');
    });

    it('sends a queue at capacity to the fallback queue', () => {
      const run = runFlow(flow, { attributes: contactAttributes, lambda: outcomes.queue!.result, atCapacity: [QUEUE] });

      expect(run.queued).toEqual({ kind: 'queue', id: FLOW_PLACEHOLDERS.fallbackQueueArn });
    });

    it.each(['none', 'rejectedAsAttributes', 'rejectedThrown'])('sends "%s" to the fallback queue', (name) => {
      const run = runFlow(flow, { attributes: contactAttributes, lambda: outcomes[name]!.result });

      expect(run.queued).toEqual({ kind: 'queue', id: FLOW_PLACEHOLDERS.fallbackQueueArn });
      expect(run.path).not.toContain('transfer');
    });

    it('sends Salesforce the VoiceCall id its entry flow stored, as flowInput-recordId', () => {
      const { request } = outcomes.agent!;

      expect(request).toMatchObject({ operation: 'omniFlow', callId: contactData.ContactId, refused: undefined });
      expect((request!.body as Record<string, unknown>).flowInputParameters).toEqual({
        recordId: contactAttributes.voiceCallId,
      });
    });

    if (sample.type === 'CONTACT_FLOW') {
      it("routes by the dialed number's phone channel, with no flow of its own", () => {
        expect(outcomes.agent!.request!.body).toEqual({
          dialedNumber: (contactData.SystemEndpoint as { Address: string }).Address,
          flowInputParameters: { recordId: contactAttributes.voiceCallId },
        });
      });
    } else {
      it('routes a TRANSFER contact to the Omni-Channel flow in omniFlowFqn, with no dialed number', () => {
        expect(contactData.InitiationMethod).toBe('TRANSFER');
        expect(contactData.SystemEndpoint).toMatchObject({ Address: expect.any(String) });

        expect(outcomes.agent!.request!.body).toEqual({
          flowDevName: contactAttributes.omniFlowFqn,
          flowInputParameters: { recordId: contactAttributes.voiceCallId },
        });
      });

      it("replaces the first leg's agentARN / queueARN, so an unrouted transfer never goes back to them", () => {
        expect(contactAttributes.agentARN).not.toBe('');

        const run = runFlow(flow, { attributes: contactAttributes, lambda: outcomes.none!.result });

        expect(run.attributes).toMatchObject({ agentARN: '', queueARN: '' });
        expect(run.queued).toEqual({ kind: 'queue', id: FLOW_PLACEHOLDERS.fallbackQueueArn });
      });
    }
  });
});

describe('Contact flows: deployment by the stack', () => {
  type Resource = { Properties: { Type: string; Name: string; Content: unknown } & Record<string, unknown> };
  const deployed = (template: ReturnType<typeof synthBridge>['template']) =>
    template.findResources('AWS::Connect::ContactFlow') as Record<string, Resource>;
  const named = (resources: Record<string, Resource>, name: string) =>
    Object.entries(resources).find(([, r]) => r.Properties.Name === name)!;
  const ROUTING = 'Salesforce Omni-Channel inbound';
  const TRANSFER = 'Salesforce Omni-Channel transfer';
  let byDefault: Record<string, Resource> = {};
  let acme: Record<string, Resource> = {};

  beforeAll(() => {
    byDefault = deployed(synthBridge({ inboundFlow: { fallbackQueueArn: FALLBACK_QUEUE } }).template);
    acme = deployed(synthBridge({ inboundFlow: { fallbackQueueArn: FALLBACK_QUEUE, name: 'Acme' } }).template);
  }, 120_000); // the first synth in a process loads aws-cdk-lib: ~20 s on a busy 2-core machine

  it('publishes the two entry flows and the two routing subflows, with the live alias and the fallback queue filled in', () => {
    expect(
      Object.values(byDefault)
        .map((r) => r.Properties.Type)
        .sort(),
    ).toEqual(['CONTACT_FLOW', 'CONTACT_FLOW', 'QUEUE_TRANSFER', 'QUEUE_TRANSFER']);
    for (const resource of Object.values(byDefault)) {
      expect(resource.Properties).toMatchObject({ InstanceArn: INSTANCE_ARN, State: 'ACTIVE' });
      const content = JSON.stringify(resource.Properties.Content);
      for (const placeholder of Object.values(FLOW_PLACEHOLDERS)) expect(content).not.toContain(placeholder);
      expect(content).toContain(FALLBACK_QUEUE);
      expect(content).toMatch(/"Ref\\?":\\?"BridgeLive/);
    }
    expect(JSON.stringify(named(byDefault, TRANSFER)[1].Properties.Content)).toContain('omniFlowFqn');
    expect(JSON.stringify(named(byDefault, ROUTING)[1].Properties.Content)).not.toContain('omniFlowFqn');
  });

  it.each([
    [`${ROUTING} entry`, ROUTING],
    [`${TRANSFER} entry`, TRANSFER],
  ])('makes "%s" enter the deployed "%s" by its ARN', (entryName, subflowName) => {
    const [subflowId, subflow] = named(byDefault, subflowName);
    const [, entry] = named(byDefault, entryName);

    const flow = JSON.parse(resolveJoin(entry.Properties.Content, ALIAS, { [subflowId]: SUBFLOW_ARN })) as Flow;

    expect(entry.Properties.Type).toBe(subflow.Properties.Type);
    expect(flow.Actions.find((a) => a.Type === 'TransferToFlow')!.Parameters).toEqual({ ContactFlowId: SUBFLOW_ARN });
    expect(invokeAction(flow).Parameters.LambdaFunctionARN).toBe(ALIAS);
  });

  it('describes each flow with where it plugs in, and names them from the files or after the given name', () => {
    expect(named(byDefault, ROUTING)[1].Properties.Description).toMatch(
      /the bridge's inbound entry flow, or from Salesforce's inbound flow, after its createVoiceCall/,
    );
    expect(named(byDefault, TRANSFER)[1].Properties.Description).toMatch(
      /the bridge's transfer entry flow, or from Salesforce's transfer flow .*, after its createTransferVC/,
    );
    expect(named(byDefault, `${ROUTING} entry`)[1].Properties.Description).toMatch(/assign it to the phone number/);
    expect(named(byDefault, `${TRANSFER} entry`)[1].Properties.Description).toMatch(/the quick connect's flow/);
    expect(
      Object.values(acme)
        .map((r) => r.Properties.Name)
        .sort(),
    ).toEqual(['Acme', 'Acme entry', 'Acme transfer', 'Acme transfer entry']);
  });

  it('is not deployed unless asked', () => {
    synthBridge().template.resourceCountIs('AWS::Connect::ContactFlow', 0);
  });

  it('refuses a fallback queue outside the instance', () => {
    const other = 'arn:aws:connect:eu-west-2:123456789012:instance/99999999-2222-3333-4444-555555555555/queue/q';

    expect(() => synthBridge({ inboundFlow: { fallbackQueueArn: other } })).toThrow(
      'InboundFlow: fallbackQueueArn must be the ARN of a queue in the same Connect instance (<instance ARN>/queue/<id>)',
    );
  });

  it('renders content that is valid flow JSON once CloudFormation resolves the alias ARN', () => {
    for (const resource of Object.values(byDefault)) {
      const flow = JSON.parse(resolveJoin(resource.Properties.Content, ALIAS)) as Flow;
      expect(invokeAction(flow).Parameters.LambdaFunctionARN).toBe(ALIAS);
    }
  });
});

const ALIAS = 'arn:aws:lambda:eu-west-2:123456789012:function:bridge:live';
const SUBFLOW_ARN = `${INSTANCE_ARN}/contact-flow/99999999-0000-1111-2222-333333333333`;

/**
 * Resolves the `Fn::Join` CloudFormation makes of the content: `ref` stands in for every `Ref`, and a flow's
 * `ContactFlowArn` for `Fn::GetAtt` of that flow (by logical id).
 */
function resolveJoin(content: unknown, ref: string, flowArns: Record<string, string> = {}): string {
  if (typeof content === 'string') return content;
  const [separator, parts] = (content as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const getAtt = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (getAtt === undefined) return ref;
      expect(getAtt[1]).toBe('ContactFlowArn');
      return flowArns[getAtt[0]] ?? `<${getAtt[0]}>`;
    })
    .join(separator);
}
