import { readFileSync } from 'node:fs';
import { CfnContactFlow } from 'aws-cdk-lib/aws-connect';
import { Construct } from 'constructs';
import { InvalidSettingError } from './errors.ts';

/** The sample inbound flow, in Amazon Connect's flow language (import it in the flow designer, or deploy it). */
export const INBOUND_FLOW_FILE = new URL('./flows/omniflow-inbound.json', import.meta.url);
/** Stand-ins in the flow file for the values only a deployment knows. */
export const FLOW_PLACEHOLDERS = {
  bridgeAliasArn: '${BridgeAliasArn}',
  fallbackQueueArn: '${FallbackQueueArn}',
} as const;

const QUEUE_ARN = /^arn:aws[a-z-]*:connect:[a-z0-9-]+:\d{12}:instance\/[0-9a-f-]{36}\/queue\/[\w-]+$/;

/** One step of a flow, as the flow language defines it. */
export interface FlowAction {
  readonly Identifier: string;
  readonly Type: string;
  readonly Parameters: Record<string, unknown>;
  readonly Transitions: {
    readonly NextAction?: string;
    readonly Errors?: readonly { readonly NextAction: string; readonly ErrorType: string }[];
    readonly Conditions?: readonly {
      readonly NextAction: string;
      readonly Condition: { readonly Operator: string; readonly Operands: readonly string[] };
    }[];
  };
}

export interface Flow {
  readonly Version: string;
  readonly StartAction: string;
  readonly Metadata?: Record<string, unknown>;
  readonly Actions: readonly FlowAction[];
}

/** The sample flow's text, placeholders included. */
export function inboundFlowText(): string {
  return readFileSync(INBOUND_FLOW_FILE, 'utf8');
}

/** The flow with its placeholders filled in (values may be CDK tokens), as a compact JSON string. */
export function renderInboundFlow(values: { bridgeAliasArn: string; fallbackQueueArn: string }): string {
  let text = JSON.stringify(JSON.parse(inboundFlowText()) as Flow);
  for (const [key, placeholder] of Object.entries(FLOW_PLACEHOLDERS)) {
    text = text.split(placeholder).join(values[key as keyof typeof values]);
  }
  return text;
}

export interface InboundFlowProps {
  readonly connectInstanceArn: string;
  /** The function alias the flow invokes. */
  readonly bridgeAliasArn: string;
  /** The Connect queue that takes calls Salesforce did not route (`arn:aws:connect:…:instance/<id>/queue/<id>`). */
  readonly fallbackQueueArn: string;
  /** @default 'Salesforce Omni-Channel inbound' */
  readonly name?: string;
}

/** The sample inbound flow, deployed into the instance as a published contact flow. */
export class InboundFlow extends Construct {
  readonly flow: CfnContactFlow;

  constructor(scope: Construct, id: string, props: InboundFlowProps) {
    super(scope, id);
    if (
      !QUEUE_ARN.test(props.fallbackQueueArn) ||
      !props.fallbackQueueArn.startsWith(`${props.connectInstanceArn}/queue/`)
    ) {
      throw new InvalidSettingError(
        'InboundFlow: fallbackQueueArn must be the ARN of a queue in the same Connect instance (<instance ARN>/queue/<id>)',
      );
    }
    this.flow = new CfnContactFlow(this, 'Resource', {
      instanceArn: props.connectInstanceArn,
      name: props.name ?? 'Salesforce Omni-Channel inbound',
      type: 'CONTACT_FLOW',
      state: 'ACTIVE',
      description: 'Routes calls with Salesforce Omni-Channel flows through connect-omniflow-bridge (sample).',
      content: renderInboundFlow(props),
    });
  }
}
