import { Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import {
  type Flow,
  FLOW_PLACEHOLDERS,
  INBOUND_ENTRY_FLOW_FILE,
  INBOUND_FLOW_FILE,
  InboundFlow,
  renderInboundFlow,
  withInvocationTimeLimit,
} from '../../infra/contact-flow.ts';
import { INSTANCE_ARN, synthBridge } from './support.ts';

const FALLBACK_QUEUE = `${INSTANCE_ARN}/queue/fallback`;

/** A flow with two Lambda blocks (one without a timeout) and a block of another type. */
const FLOW: Flow = {
  Version: '2019-10-30',
  StartAction: 'first',
  Actions: [
    {
      Identifier: 'first',
      Type: 'InvokeLambdaFunction',
      Parameters: { LambdaFunctionARN: 'x', InvocationTimeLimitSeconds: '8' },
      Transitions: { NextAction: 'compare' },
    },
    { Identifier: 'compare', Type: 'Compare', Parameters: { ComparisonValue: '$.External.status' }, Transitions: {} },
    {
      Identifier: 'second',
      Type: 'InvokeLambdaFunction',
      Parameters: { LambdaFunctionARN: 'y' },
      Transitions: {},
    },
  ],
};

/** Every deployed flow's content, with CloudFormation references (the alias ARN) replaced by `<ref>`. */
function deployedFlows(template: ReturnType<typeof synthBridge>['template']): Flow[] {
  const flows = Object.values(template.findResources('AWS::Connect::ContactFlow')) as {
    Properties: { Content: { 'Fn::Join': [string, unknown[]] } | string };
  }[];
  return flows.map(({ Properties: { Content: content } }) => {
    const text =
      typeof content === 'string'
        ? content
        : content['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : '<ref>')).join('');
    return JSON.parse(text) as Flow;
  });
}

/** The timeout of every Lambda block of every deployed flow. */
const invokeTimeouts = (flows: Flow[]) =>
  flows.flatMap((flow) =>
    flow.Actions.filter((a) => a.Type === 'InvokeLambdaFunction').map((a) => a.Parameters.InvocationTimeLimitSeconds),
  );

describe('Construct: InboundFlow', () => {
  describe('Method: withInvocationTimeLimit', () => {
    it("sets every Lambda block's timeout and leaves the other blocks and the input alone", () => {
      const before = JSON.stringify(FLOW);

      const flow = withInvocationTimeLimit(FLOW, 3);

      expect(invokeTimeouts([flow])).toEqual(['3', '3']);
      expect(flow.Actions[0]!.Parameters.LambdaFunctionARN).toBe('x');
      expect(flow.Actions[1]).toEqual(FLOW.Actions[1]);
      expect(JSON.stringify(FLOW)).toBe(before);
    });
  });

  describe('Method: renderInboundFlow', () => {
    const values = { bridgeAliasArn: 'arn:alias', fallbackQueueArn: FALLBACK_QUEUE };

    it("fills in an entry flow's routing subflow", () => {
      const text = renderInboundFlow({ ...values, routingFlowArn: 'arn:subflow' }, INBOUND_ENTRY_FLOW_FILE);

      expect(text).toContain('"ContactFlowId":"arn:subflow"');
      expect(text).not.toContain(FLOW_PLACEHOLDERS.routingFlowArn);
    });

    it('needs no routing subflow for a routing subflow', () => {
      expect(renderInboundFlow(values, INBOUND_FLOW_FILE)).toContain('"LambdaFunctionARN":"arn:alias"');
    });

    it('refuses to leave an entry flow without the subflow it enters', () => {
      expect(() => renderInboundFlow(values, INBOUND_ENTRY_FLOW_FILE)).toThrow(
        new TypeError('renderInboundFlow: voicecall-inbound.json needs routingFlowArn'),
      );
    });
  });

  describe('deployed with the bridge', () => {
    it("gives every deployed flow's Lambda blocks the bridge's flowBlockTimeoutSeconds", () => {
      const { template } = synthBridge({
        flowBlockTimeoutSeconds: 5,
        inboundFlow: { fallbackQueueArn: FALLBACK_QUEUE },
      });

      const flows = deployedFlows(template);

      expect(flows).toHaveLength(4);
      expect(flows.every((flow) => invokeTimeouts([flow]).length > 0)).toBe(true);
      expect(invokeTimeouts(flows).every((t) => t === '5')).toBe(true);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: { FLOW_BLOCK_TIMEOUT_SECONDS: '5' } },
      });
    });

    it('gives them 8 s by default, as the function assumes', () => {
      const flows = deployedFlows(synthBridge({ inboundFlow: { fallbackQueueArn: FALLBACK_QUEUE } }).template);

      expect(invokeTimeouts(flows).length).toBeGreaterThan(1);
      expect(invokeTimeouts(flows).every((t) => t === '8')).toBe(true);
    });
  });

  it.each([0, 9, 1.5])('refuses invocationTimeLimitSeconds %s', (seconds) => {
    const stack = new Stack();

    expect(
      () =>
        new InboundFlow(stack, 'Flow', {
          connectInstanceArn: INSTANCE_ARN,
          bridgeAliasArn: 'arn:aws:lambda:eu-west-2:123456789012:function:f:live',
          fallbackQueueArn: FALLBACK_QUEUE,
          invocationTimeLimitSeconds: seconds,
        }),
    ).toThrow('InboundFlow: invocationTimeLimitSeconds must be a whole number of seconds from 1 to 8');
  });
});
