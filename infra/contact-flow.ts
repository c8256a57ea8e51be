import { readFileSync } from 'node:fs';
import { CfnContactFlow } from 'aws-cdk-lib/aws-connect';
import { Construct } from 'constructs';
import { InvalidSettingError } from './errors.ts';

/**
 * The Omni-Channel routing subflow, in Amazon Connect's flow language (import it in the flow designer, or deploy it):
 * entered with Transfer to flow from Salesforce's inbound flow once that flow has created the VoiceCall.
 */
export const INBOUND_FLOW_FILE = new URL('./flows/omniflow-inbound.json', import.meta.url);
/**
 * The transfer routing subflow: entered with Transfer to flow from Salesforce's transfer flow once that flow has
 * created the transfer's VoiceCall; routes to the Omni-Channel flow named by the `omniFlowFqn` attribute.
 */
export const TRANSFER_FLOW_FILE = new URL('./flows/omniflow-transfer.json', import.meta.url);
/** Stand-ins in the flow file for the values only a deployment knows. */
export const FLOW_PLACEHOLDERS = {
  bridgeAliasArn: '${BridgeAliasArn}',
  fallbackQueueArn: '${FallbackQueueArn}',
} as const;

/** The flow designer's `Metadata.type` of a sample flow → the `Type` Connect deploys it as. */
export const FLOW_TYPES: Readonly<Record<string, string>> = {
  contactFlow: 'CONTACT_FLOW',
  queueTransfer: 'QUEUE_TRANSFER',
};

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
  readonly Metadata?: { readonly name?: string; readonly description?: string; readonly type?: string };
  readonly Actions: readonly FlowAction[];
}

/** A sample flow's text, placeholders included. */
export function flowText(file: URL): string {
  return readFileSync(file, 'utf8');
}

/** The flow with every "Invoke AWS Lambda function" block's `InvocationTimeLimitSeconds` set to `seconds`. */
export function withInvocationTimeLimit(flow: Flow, seconds: number): Flow {
  return {
    ...flow,
    Actions: flow.Actions.map((action) =>
      action.Type === 'InvokeLambdaFunction'
        ? { ...action, Parameters: { ...action.Parameters, InvocationTimeLimitSeconds: String(seconds) } }
        : action,
    ),
  };
}

/**
 * A sample flow with its placeholders filled in (values may be CDK tokens) and its Lambda blocks' timeout set
 * (default 8 s), as a compact JSON string.
 */
export function renderInboundFlow(
  values: { bridgeAliasArn: string; fallbackQueueArn: string; invocationTimeLimitSeconds?: number },
  file: URL = INBOUND_FLOW_FILE,
): string {
  const flow = JSON.parse(flowText(file)) as Flow;
  let text = JSON.stringify(withInvocationTimeLimit(flow, values.invocationTimeLimitSeconds ?? 8));
  for (const [key, placeholder] of Object.entries(FLOW_PLACEHOLDERS)) {
    text = text.split(placeholder).join(values[key as keyof typeof FLOW_PLACEHOLDERS]);
  }
  return text;
}

export interface InboundFlowProps {
  readonly connectInstanceArn: string;
  /** The function alias the flow invokes. */
  readonly bridgeAliasArn: string;
  /** The Connect queue that takes calls Salesforce did not route (`arn:aws:connect:…:instance/<id>/queue/<id>`). */
  readonly fallbackQueueArn: string;
  /** The routing subflow's name; the transfer subflow's is this plus ` transfer`. @default each file's `Metadata.name` */
  readonly name?: string;
  /** Appended to both flows' names (e.g. ` (OrgB)`): flow names are unique per Connect instance. @default none */
  readonly nameSuffix?: string;
  /** The "Invoke AWS Lambda function" blocks' timeout (1–8 s): the function's `FLOW_BLOCK_TIMEOUT_SECONDS`. @default 8 */
  readonly invocationTimeLimitSeconds?: number;
}

/** The sample routing subflow and transfer subflow, deployed into the instance as published flows. */
export class InboundFlow extends Construct {
  /** The Omni-Channel routing subflow (`CONTACT_FLOW`). */
  readonly flow: CfnContactFlow;
  /** The transfer routing subflow (`QUEUE_TRANSFER`). */
  readonly transferFlow: CfnContactFlow;

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
    const seconds = props.invocationTimeLimitSeconds ?? 8;
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 8) {
      throw new InvalidSettingError(
        'InboundFlow: invocationTimeLimitSeconds must be a whole number of seconds from 1 to 8',
      );
    }
    this.flow = this.sampleFlow('Resource', INBOUND_FLOW_FILE, props, props.name);
    this.transferFlow = this.sampleFlow(
      'Transfer',
      TRANSFER_FLOW_FILE,
      props,
      props.name === undefined ? undefined : `${props.name} transfer`,
    );
  }

  private sampleFlow(id: string, file: URL, props: InboundFlowProps, name: string | undefined): CfnContactFlow {
    const { Metadata: metadata = {} } = JSON.parse(flowText(file)) as Flow;
    return new CfnContactFlow(this, id, {
      instanceArn: props.connectInstanceArn,
      name: `${name ?? metadata.name!}${props.nameSuffix ?? ''}`,
      type: FLOW_TYPES[metadata.type!]!,
      state: 'ACTIVE',
      description: metadata.description,
      content: renderInboundFlow(props, file),
    });
  }
}
