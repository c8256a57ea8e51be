import { readFileSync } from 'node:fs';
import { CfnContactFlow } from 'aws-cdk-lib/aws-connect';
import { Construct } from 'constructs';
import { InvalidSettingError } from './errors.ts';

/**
 * The Omni-Channel routing subflow, in Amazon Connect's flow language (import it in the flow designer, or deploy it):
 * entered with Transfer to flow once the VoiceCall exists — from the inbound entry flow ({@link INBOUND_ENTRY_FLOW_FILE})
 * or from Salesforce's inbound flow.
 */
export const INBOUND_FLOW_FILE = new URL('./flows/omniflow-inbound.json', import.meta.url);
/**
 * The transfer routing subflow: entered with Transfer to flow once the transfer's VoiceCall exists — from the transfer
 * entry flow ({@link TRANSFER_ENTRY_FLOW_FILE}) or from Salesforce's transfer flow; routes to the Omni-Channel flow
 * named by the `omniFlowFqn` attribute.
 */
export const TRANSFER_FLOW_FILE = new URL('./flows/omniflow-transfer.json', import.meta.url);
/**
 * The inbound entry flow (assign it to the phone number): creates the VoiceCall with `createVoiceCall` (two tries),
 * keeps `voiceCallId` and enters the routing subflow; after two failed tries, the fallback queue.
 */
export const INBOUND_ENTRY_FLOW_FILE = new URL('./flows/voicecall-inbound.json', import.meta.url);
/**
 * The transfer entry flow (the quick connect's flow for Omni-Channel flow transfers): creates the transfer's VoiceCall
 * with `createTransferVC` (two tries), keeps `voiceCallId` and enters the transfer routing subflow; after two failed
 * tries, the fallback queue.
 */
export const TRANSFER_ENTRY_FLOW_FILE = new URL('./flows/voicecall-transfer.json', import.meta.url);
/**
 * The callback subflow (`CONTACT_FLOW`, Unified Routing; imported by hand, not deployed by {@link InboundFlow}):
 * entered with Transfer to flow once the VoiceCall exists, it offers a callback, confirms the caller's number or takes
 * another and requests it with `callbackExecution`; a caller who declines goes on to the routing subflow.
 */
export const CALLBACK_FLOW_FILE = new URL('./flows/callback-subflow.json', import.meta.url);
/**
 * The Unified Routing transfer flow (`QUEUE_TRANSFER`; imported by hand, not deployed by {@link InboundFlow}): entered
 * from the transfer entry flow instead of the transfer routing subflow, it asks Salesforce to route the call to the
 * `routingTarget` attribute with `routeVoiceCall`, then leaves the call in the holding queue for Salesforce to route.
 */
export const UNIFIED_ROUTING_TRANSFER_FLOW_FILE = new URL('./flows/unified-routing-transfer.json', import.meta.url);
/** Stand-ins in the flow files for the values only a deployment knows. */
export const FLOW_PLACEHOLDERS = {
  bridgeAliasArn: '${BridgeAliasArn}',
  fallbackQueueArn: '${FallbackQueueArn}',
  /** In an entry flow or the callback subflow: the routing subflow its Transfer to flow block enters. */
  routingFlowArn: '${RoutingFlowArn}',
  /** In the Unified Routing transfer flow: the Connect queue a call waits in while Salesforce routes it. */
  holdingQueueArn: '${HoldingQueueArn}',
  /** In the Unified Routing transfer flow: the Salesforce queue (`00G…`) Salesforce routes to when the target fails. */
  salesforceFallbackQueueId: '${SalesforceFallbackQueueId}',
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

/** What fills a sample flow's placeholders (values may be CDK tokens). */
export interface FlowValues {
  readonly bridgeAliasArn: string;
  readonly fallbackQueueArn: string;
  /** The routing subflow an entry flow (or the callback subflow) enters; only those need it. */
  readonly routingFlowArn?: string;
  /** The Connect queue the Unified Routing transfer flow leaves a call in for Salesforce to route; only it needs it. */
  readonly holdingQueueArn?: string;
  /** The Salesforce fallback queue's id the Unified Routing transfer flow sends; only it needs it. */
  readonly salesforceFallbackQueueId?: string;
  /** The Lambda blocks' timeout. @default 8 */
  readonly invocationTimeLimitSeconds?: number;
}

/**
 * A sample flow with its placeholders filled in and its Lambda blocks' timeout set (default 8 s), as a compact JSON
 * string. Throws a `TypeError` when the file has a placeholder `values` leaves out.
 */
export function renderInboundFlow(values: FlowValues, file: URL = INBOUND_FLOW_FILE): string {
  const flow = JSON.parse(flowText(file)) as Flow;
  let text = JSON.stringify(withInvocationTimeLimit(flow, values.invocationTimeLimitSeconds ?? 8));
  for (const [key, placeholder] of Object.entries(FLOW_PLACEHOLDERS)) {
    if (!text.includes(placeholder)) continue;
    const value = values[key as keyof typeof FLOW_PLACEHOLDERS];
    if (value === undefined) throw new TypeError(`renderInboundFlow: ${file.pathname.split('/').at(-1)} needs ${key}`);
    text = text.split(placeholder).join(value);
  }
  return text;
}

export interface InboundFlowProps {
  readonly connectInstanceArn: string;
  /** The function alias the flow invokes. */
  readonly bridgeAliasArn: string;
  /** The Connect queue that takes calls Salesforce did not route (`arn:aws:connect:…:instance/<id>/queue/<id>`). */
  readonly fallbackQueueArn: string;
  /**
   * The routing subflow's name; the others' are this plus ` transfer`, ` entry` and ` transfer entry`.
   * @default each file's `Metadata.name`
   */
  readonly name?: string;
  /** Appended to every flow's name (e.g. ` (OrgB)`): flow names are unique per Connect instance. @default none */
  readonly nameSuffix?: string;
  /** The "Invoke AWS Lambda function" blocks' timeout (1–8 s): the function's `FLOW_BLOCK_TIMEOUT_SECONDS`. @default 8 */
  readonly invocationTimeLimitSeconds?: number;
}

/**
 * The sample flows, deployed into the instance as published flows: the two entry flows, which create the VoiceCall
 * and enter a routing subflow, and the two routing subflows (which also plug into Salesforce's own flows).
 */
export class InboundFlow extends Construct {
  /** The Omni-Channel routing subflow (`CONTACT_FLOW`). */
  readonly flow: CfnContactFlow;
  /** The transfer routing subflow (`QUEUE_TRANSFER`). */
  readonly transferFlow: CfnContactFlow;
  /** The inbound entry flow (`CONTACT_FLOW`): assign it to the phone numbers. It enters {@link flow}. */
  readonly entryFlow: CfnContactFlow;
  /** The transfer entry flow (`QUEUE_TRANSFER`): the quick connect's flow. It enters {@link transferFlow}. */
  readonly transferEntryFlow: CfnContactFlow;

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
    this.flow = this.sampleFlow('Resource', INBOUND_FLOW_FILE, props, '');
    this.transferFlow = this.sampleFlow('Transfer', TRANSFER_FLOW_FILE, props, ' transfer');
    this.entryFlow = this.sampleFlow('Entry', INBOUND_ENTRY_FLOW_FILE, props, ' entry', this.flow);
    this.transferEntryFlow = this.sampleFlow(
      'TransferEntry',
      TRANSFER_ENTRY_FLOW_FILE,
      props,
      ' transfer entry',
      this.transferFlow,
    );
  }

  /** One sample flow: `afterName` follows a given `props.name`; `enters` is the subflow an entry flow transfers to. */
  private sampleFlow(
    id: string,
    file: URL,
    props: InboundFlowProps,
    afterName: string,
    enters?: CfnContactFlow,
  ): CfnContactFlow {
    const { Metadata: metadata = {} } = JSON.parse(flowText(file)) as Flow;
    const name = props.name === undefined ? metadata.name! : `${props.name}${afterName}`;
    return new CfnContactFlow(this, id, {
      instanceArn: props.connectInstanceArn,
      name: `${name}${props.nameSuffix ?? ''}`,
      type: FLOW_TYPES[metadata.type!]!,
      state: 'ACTIVE',
      description: metadata.description,
      content: renderInboundFlow({ ...props, routingFlowArn: enters?.attrContactFlowArn }, file),
    });
  }
}
