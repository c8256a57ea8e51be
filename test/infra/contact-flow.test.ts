import { beforeAll, describe, expect, it } from 'vitest';
import { type Flow, type FlowAction, FLOW_PLACEHOLDERS, inboundFlowText } from '../../infra/contact-flow.ts';
import { replies } from '../emulators/salesforce.ts';
import { sampleEvent, useSandbox } from '../support/integration.ts';
import { INSTANCE_ARN, synthBridge } from './support.ts';

const flow = JSON.parse(inboundFlowText()) as Flow;
const byId = new Map(flow.Actions.map((action) => [action.Identifier, action]));
const FORBIDDEN_ID_CHARS = /[%:(\\/)=$,;[\]{}]/;
const RESERVED_IDS = new Set(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf']);
const KNOWN_TYPES = new Set([
  'InvokeLambdaFunction',
  'Compare',
  'UpdateContactAttributes',
  'UpdateContactTargetQueue',
  'CheckMetricData',
  'MessageParticipant',
  'TransferContactToQueue',
  'DisconnectParticipant',
]);
const FALLBACK_QUEUE = `${INSTANCE_ARN}/queue/fallback-0000`;

function targets(action: FlowAction): string[] {
  const { NextAction, Errors = [], Conditions = [] } = action.Transitions;
  return [NextAction, ...Errors.map((e) => e.NextAction), ...Conditions.map((c) => c.NextAction)].filter(
    (id): id is string => id !== undefined,
  );
}

/** Every `$.External.<key>` the flow reads, anywhere in its parameters. */
function externalKeys(): string[] {
  return [...new Set([...JSON.stringify(flow).matchAll(/\$\.External\.([A-Za-z0-9_-]+)/g)].map((m) => m[1]!))].sort();
}

/**
 * Walks the flow as Connect would for one Lambda outcome (`'error'` = the function failed). Reading a
 * `$.External` key the function did not return throws, which is the contract under test.
 */
function walk(external: Record<string, string> | 'error', { staffed = true } = {}): string[] {
  const read = (value: unknown): string => {
    const key = /^\$\.External\.(.+)$/.exec(String(value))?.[1];
    if (key === undefined) return String(value);
    if (external === 'error' || !Object.hasOwn(external, key))
      throw new Error(`the flow reads $.External.${key}, which the function did not return`);
    return external[key]!;
  };
  const onError = (action: FlowAction, type: string) =>
    action.Transitions.Errors?.find((e) => e.ErrorType === type)?.NextAction;
  const path: string[] = [];
  let id: string | undefined = flow.StartAction;
  while (id !== undefined && path.length < 50) {
    const action: FlowAction = byId.get(id)!;
    path.push(id);
    const { Transitions: t, Parameters: p } = action;
    if (action.Type === 'InvokeLambdaFunction')
      id = external === 'error' ? onError(action, 'NoMatchingError') : t.NextAction;
    else if (action.Type === 'Compare') {
      const value = read(p.ComparisonValue);
      id =
        t.Conditions?.find((c) => c.Condition.Operator === 'Equals' && c.Condition.Operands.includes(value))
          ?.NextAction ?? onError(action, 'NoMatchingCondition');
    } else if (action.Type === 'CheckMetricData')
      id = staffed ? t.Conditions![0]!.NextAction : onError(action, 'NoMatchingCondition');
    else if (action.Type === 'UpdateContactTargetQueue')
      id = read(p.AgentId ?? p.QueueId) === '' ? onError(action, 'NoMatchingError') : t.NextAction;
    else if (action.Type === 'UpdateContactAttributes') {
      Object.values(p.Attributes as Record<string, string>).forEach(read);
      id = t.NextAction;
    } else id = action.Type === 'DisconnectParticipant' ? undefined : t.NextAction;
  }
  return path;
}

describe('Contact flow: infra/flows/omniflow-inbound.json', () => {
  describe('is well-formed flow language', () => {
    it('declares the flow language version and a start action that exists', () => {
      expect(flow.Version).toBe('2019-10-30');
      expect(byId.has(flow.StartAction)).toBe(true);
    });

    it('gives every action a unique, legal identifier and a known type', () => {
      expect(byId.size).toBe(flow.Actions.length);
      for (const action of flow.Actions) {
        expect(action.Identifier.length).toBeLessThanOrEqual(50);
        expect(action.Identifier).not.toMatch(FORBIDDEN_ID_CHARS);
        expect(RESERVED_IDS.has(action.Identifier)).toBe(false);
        expect(KNOWN_TYPES.has(action.Type)).toBe(true);
      }
    });

    it('points every transition at an existing action', () => {
      for (const action of flow.Actions)
        for (const target of targets(action)) expect(byId.has(target), `${action.Identifier} → ${target}`).toBe(true);
    });

    it('reaches every action from the start, and ends only by disconnecting', () => {
      const seen = new Set<string>();
      const queue = [flow.StartAction];
      while (queue.length > 0) {
        const id = queue.pop()!;
        if (seen.has(id)) continue;
        seen.add(id);
        queue.push(...targets(byId.get(id)!));
      }
      expect([...seen].sort()).toEqual([...byId.keys()].sort());
      for (const action of flow.Actions) {
        if (action.Type === 'DisconnectParticipant') expect(targets(action)).toEqual([]);
        else expect(action.Transitions.NextAction, action.Identifier).toBeDefined();
      }
    });

    it('invokes the bridge within Connect limits and validates the answer as a STRING_MAP', () => {
      const invoke = flow.Actions.find((a) => a.Type === 'InvokeLambdaFunction')!;

      expect(invoke.Parameters).toMatchObject({
        LambdaFunctionARN: FLOW_PLACEHOLDERS.bridgeAliasArn,
        ResponseValidation: { ResponseType: 'STRING_MAP' },
      });
      expect(Number(invoke.Parameters.InvocationTimeLimitSeconds)).toBeGreaterThan(0);
      expect(Number(invoke.Parameters.InvocationTimeLimitSeconds)).toBeLessThanOrEqual(8);
      expect(invoke.Transitions.Errors?.map((e) => e.ErrorType)).toContain('NoMatchingError');
    });
  });

  describe('reads only what the function really returns', () => {
    const { sandbox, container } = useSandbox();
    const outcomes: Record<string, Record<string, string> | 'error'> = {};

    beforeAll(async () => {
      const run = async (
        reply: Parameters<ReturnType<typeof sandbox>['salesforce']['script']>[0],
        env: Record<string, string> = {},
      ) => {
        const lambda = await container(env);
        sandbox().salesforce.script(reply);
        const outcome = await lambda.invoke(sampleEvent('inbound-call'));
        await lambda.stop();
        return outcome.result ?? 'error';
      };
      outcomes.agent = await run(replies.agent());
      outcomes.queue = await run(replies.queue());
      outcomes.none = await run(replies.none());
      outcomes.rejectedAsAttributes = await run(replies.errors(400, 'bad flow'), { ON_ERROR: 'attributes' });
      outcomes.rejectedThrown = await run(replies.errors(400, 'bad flow'));
    });

    it('gets every $.External key it reads from every answer the function gives', () => {
      for (const [name, outcome] of Object.entries(outcomes)) {
        if (outcome === 'error') continue;
        for (const key of externalKeys()) expect(Object.keys(outcome), `${name} lacks ${key}`).toContain(key);
      }
      expect(externalKeys()).toEqual(['agent', 'queue', 'routingTarget', 'status']);
      expect(outcomes.rejectedThrown).toBe('error');
    });

    it('sends an agent answer to the agent, after checking it is staffed', () => {
      const path = walk(outcomes.agent!);

      expect(path).toEqual(expect.arrayContaining(['set-agent', 'check-agent-staffed', 'transfer']));
      expect(path).not.toContain('fallback-prompt');
    });

    it('falls back from an unstaffed agent to the queue, and without a queue to the fallback queue', () => {
      const path = walk(outcomes.agent!, { staffed: false });

      expect(path).toEqual(
        expect.arrayContaining([
          'set-agent',
          'check-agent-staffed',
          'set-queue',
          'fallback-prompt',
          'transfer-to-fallback',
        ]),
      );
    });

    it('sends a queue answer to the queue', () => {
      const path = walk(outcomes.queue!);

      expect(path).toEqual(expect.arrayContaining(['set-queue', 'transfer']));
      expect(path).not.toContain('set-agent');
      expect(path).not.toContain('fallback-prompt');
    });

    it.each(['none', 'rejectedAsAttributes', 'rejectedThrown'])('sends "%s" to the fallback queue', (name) => {
      const path = walk(outcomes[name]!);

      expect(path).toEqual(
        expect.arrayContaining(['fallback-prompt', 'set-fallback-queue', 'transfer-to-fallback', 'disconnect']),
      );
      expect(path).not.toContain('transfer');
    });
  });

  describe('deployment by the stack', () => {
    it('publishes the flow with the live alias and the fallback queue filled in', () => {
      const { template } = synthBridge({ inboundFlow: { fallbackQueueArn: FALLBACK_QUEUE } });

      const [resource] = Object.values(template.findResources('AWS::Connect::ContactFlow')) as {
        Properties: Record<string, unknown>;
      }[];
      expect(resource!.Properties).toMatchObject({ InstanceArn: INSTANCE_ARN, Type: 'CONTACT_FLOW', State: 'ACTIVE' });
      const content = JSON.stringify(resource!.Properties.Content);
      expect(content).not.toContain(FLOW_PLACEHOLDERS.bridgeAliasArn);
      expect(content).not.toContain(FLOW_PLACEHOLDERS.fallbackQueueArn);
      expect(content).toContain(FALLBACK_QUEUE);
      expect(content).toMatch(/"Ref\\?":\\?"BridgeLive/);
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
      const { template } = synthBridge({ inboundFlow: { fallbackQueueArn: FALLBACK_QUEUE } });
      const content = (
        Object.values(template.findResources('AWS::Connect::ContactFlow'))[0] as { Properties: { Content: unknown } }
      ).Properties.Content;
      const resolved = resolveJoin(content, 'arn:aws:lambda:eu-west-2:123456789012:function:bridge:live');

      expect(JSON.parse(resolved).Actions[0].Parameters.LambdaFunctionARN).toBe(
        'arn:aws:lambda:eu-west-2:123456789012:function:bridge:live',
      );
    });
  });
});

/** Resolves the `Fn::Join` CloudFormation makes of the content, with `ref` standing in for every `Ref`. */
function resolveJoin(content: unknown, ref: string): string {
  if (typeof content === 'string') return content;
  const [separator, parts] = (content as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return parts.map((part) => (typeof part === 'string' ? part : ref)).join(separator);
}
