import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { OmniFlowBridge, type OmniFlowBridgeProps } from '../../infra/omniflow-bridge.ts';

export const INSTANCE_ARN = 'arn:aws:connect:eu-west-2:123456789012:instance/11111111-2222-3333-4444-555555555555';
export const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:connect/sf-key-AbC123';
export const KMS_ARN = 'arn:aws:kms:eu-west-2:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';

export const BASE_PROPS: OmniFlowBridgeProps = {
  connectInstanceArn: INSTANCE_ARN,
  scrtEndpointBase: 'https://acme.my.salesforce-scrt.com/telephony/v1',
  salesforceOrgId: '00DKz000001AbCdEAA',
  callCenterApiName: 'ConnectCallCenter',
  privateKeyParameterName: '/connect/salesforce/private-key',
};

/** The context `cdk.json` gives every `cdk synth` (the recommended feature flags), so tests synthesize the same. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'),
).context;

/**
 * An app as the CDK CLI would start it from this repository, with more context on top. `validation: false` skips
 * CDK's built-in CloudFormation validation (its engine costs ~15 s to load per test file, and ~1 s per synth) for
 * tests that only read the template; the stack tests and `cdk synth` keep it.
 */
export function newApp(context: Record<string, unknown> = {}, { validation = true } = {}): App {
  return new App({ context: { ...CDK_JSON_CONTEXT, ...context }, builtinCloudFormationValidation: validation });
}

/** The construct in a stack of its own, in the instance's account and region. */
export function synthBridge(
  props: Partial<OmniFlowBridgeProps> | ((stack: Stack) => Partial<OmniFlowBridgeProps>) = {},
): { bridge: OmniFlowBridge; template: Template; app: App } {
  const app = newApp({ 'aws:cdk:enable-asset-metadata': true }, { validation: false });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-2' } });
  const overrides = typeof props === 'function' ? props(stack) : props;
  const bridge = new OmniFlowBridge(stack, 'Bridge', { ...BASE_PROPS, ...overrides });
  return { bridge, template: Template.fromStack(stack), app };
}
