import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildBundle, bundleIsStale } from '../lambda/build.ts';
import { InvalidSettingError } from './errors.ts';
import { OmniFlowBridgeStack, stackNameFromContext } from './omniflow-bridge-stack.ts';

// Build the bundle with the settings `npm run build` uses whenever its sources changed, so a deploy never ships a
// stale bundle and never replaces one that is current (the tested one). A test run builds it once before it starts
// and sets BRIDGE_BUNDLE_FROZEN: a synth inside the run then leaves the bundle every other test runs alone.
if (!process.env.BRIDGE_BUNDLE_FROZEN && (await bundleIsStale())) await buildBundle();
const app = new App();
try {
  // The stack name (context stackName) is also the prefix of `cdk.out/<name>.template.json`.
  new OmniFlowBridgeStack(
    app,
    stackNameFromContext((key) => app.node.tryGetContext(key)),
  );
} catch (error) {
  if (!(error instanceof InvalidSettingError)) throw error;
  console.error(`connect-omniflow-bridge: ${error.message}`);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
