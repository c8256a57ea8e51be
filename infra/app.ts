import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildBundle } from '../lambda/build.ts';
import { OmniFlowBridgeStack } from './omniflow-bridge-stack.ts';

/** Stack name, and the prefix of `cdk.out/<name>.template.json`. */
export const STACK_NAME = 'ConnectOmniFlowBridge';

// Build the bundle with the same settings `npm run build` uses, so a deploy never ships a stale one.
await buildBundle();
const app = new App();
new OmniFlowBridgeStack(app, STACK_NAME);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
