import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_DIR } from '../../lambda/build.ts';
import { bin, ROOT } from '../support/run-command.ts';
import { installOffline, lockedVersion, packProject, run } from './package-tarball.ts';
import { BASE_PROPS, INSTANCE_ARN } from './support.ts';

/**
 * The settings of every command in the apps: no CDK notices or telemetry, no npm update notice, and no CDK built-in
 * CloudFormation validation (its engine takes ~15 s to load; `cdk synth` in CI and the cfn-lint test check the
 * template).
 */
const QUIET = {
  CDK_DISABLE_CLI_TELEMETRY: 'true',
  CDK_VALIDATION: 'false',
  npm_config_update_notifier: 'false',
};

/** A stack of the app `cdk init app --language typescript` makes, with the construct in it. */
const STOCK_STACK = `import * as cdk from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { OmniFlowBridge } from 'connect-omniflow-bridge';

export class ConsumerStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props);

    new OmniFlowBridge(this, 'Routing', ${JSON.stringify(BASE_PROPS, null, 2).replace(/\n/g, '\n    ')});
  }
}
`;

/** Its app, in the instance's account and region. */
const STOCK_APP = `#!/usr/bin/env node
import * as cdk from 'aws-cdk-lib/core';
import { ConsumerStack } from '../lib/consumer-stack';

const app = new cdk.App();
new ConsumerStack(app, 'ConsumerStack', {
  env: { account: '123456789012', region: 'eu-west-2' },
});
`;

/** An ES module app with the AwsSolutions checks, every wildcard grant of the construct turned on. */
const NAG_APP = `import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OmniFlowBridge } from 'connect-omniflow-bridge';

const app = new App({ outdir: 'cdk.out' });
const stack = new Stack(app, 'NagConsumer', { env: { account: '123456789012', region: 'eu-west-2' } });
new OmniFlowBridge(stack, 'Routing', {
  ...${JSON.stringify(BASE_PROPS)},
  tracing: true,
  orgSecretNamePrefix: 'sfdc/',
  orgRecordBucket: 'acme-org-records',
  orgRecordFolder: 'connect',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
`;

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
const writeJson = (file: string, value: unknown) => writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);

/** `dependencies` or `devDependencies`, each at the version this project's lock installed. */
const locked = (...names: string[]) => Object.fromEntries(names.map((name) => [name, lockedVersion(name)]));

/**
 * The app `cdk init app --language typescript` writes (this project's CDK CLI, `--generate-only`), in a folder named
 * `consumer`, with the construct in its stack. Only what has to change for an install from the npm cache does:
 * dependencies at the versions this project installed (the template's TypeScript 7 and jest are not in the cache),
 * and jest's tests, config and types out.
 */
async function stockApp(parent: string): Promise<string> {
  const dir = join(parent, 'consumer');
  mkdirSync(dir);
  const init = await run(
    bin('cdk'),
    ['init', 'app', '--language', 'typescript', '--generate-only', '--no-notices'],
    dir,
    { ...QUIET, HOME: parent },
  );
  if (init.code !== 0) throw new Error(`cdk init failed (exit ${init.code}):\n${init.out}`);
  const manifest = readJson(join(dir, 'package.json'));
  writeJson(join(dir, 'package.json'), {
    ...manifest,
    dependencies: locked('aws-cdk-lib', 'constructs'),
    devDependencies: locked('@types/node', 'aws-cdk', 'tsx', 'typescript'),
  });
  const tsconfig = readJson(join(dir, 'tsconfig.json')) as { compilerOptions: Record<string, unknown> };
  tsconfig.compilerOptions.types = ['node'];
  writeJson(join(dir, 'tsconfig.json'), tsconfig);
  rmSync(join(dir, 'test'), { recursive: true });
  rmSync(join(dir, 'jest.config.js'));
  writeFileSync(join(dir, 'lib', 'consumer-stack.ts'), STOCK_STACK);
  writeFileSync(join(dir, 'bin', 'consumer.ts'), STOCK_APP);
  return dir;
}

/**
 * An app that is an ES module (`"type": "module"`) with cdk-nag, the stock compiler settings but emitting
 * JavaScript: compiled by its own `tsc`, run by `node` alone.
 */
async function nagApp(parent: string): Promise<string> {
  const dir = join(parent, 'nag-consumer');
  mkdirSync(dir);
  writeJson(join(dir, 'package.json'), {
    name: 'nag-consumer',
    version: '0.1.0',
    type: 'module',
    dependencies: locked('aws-cdk-lib', 'cdk-nag', 'constructs'),
    devDependencies: locked('@types/node', 'typescript'),
  });
  const stock = readJson(join(parent, 'consumer', 'tsconfig.json')) as { compilerOptions: Record<string, unknown> };
  writeJson(join(dir, 'tsconfig.json'), {
    ...stock,
    compilerOptions: { ...stock.compilerOptions, noEmit: false, outDir: 'build' },
  });
  writeFileSync(join(dir, 'app.ts'), NAG_APP);
  return dir;
}

/** Each file of a folder, by name. */
const filesOf = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((name) => [name, readFileSync(join(dir, name))]),
  );

describe('Package: connect-omniflow-bridge installed in other CDK apps', () => {
  const parent = mkdtempSync(join(tmpdir(), 'omniflow-consumers-'));
  let apps: { stock: string; nag: string };

  // Packs the project, then installs the tarball into two fresh apps side by side, from npm's cache only.
  beforeAll(async () => {
    const packed = await packProject();
    const stock = await stockApp(parent);
    const nag = await nagApp(parent);
    await Promise.all([installOffline(stock, packed), installOffline(nag, packed)]);
    rmSync(dirname(packed.tarball), { recursive: true });
    apps = { stock, nag };
  }, 240_000);
  // Each app's node_modules holds ~200 MB of aws-cdk-lib.
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('synthesizes with `cdk synth` in a stock `cdk init` app: the function on the tested bundle, the alias, the permission, the association', async () => {
    // Act
    const synth = await run(
      join(apps.stock, 'node_modules', '.bin', 'cdk'),
      ['synth', '--quiet', '--no-notices'],
      apps.stock,
      {
        ...QUIET,
        HOME: apps.stock,
      },
    );

    // Assess
    expect(synth.code, synth.out).toBe(0);
    const outdir = join(apps.stock, 'cdk.out');
    const template = Template.fromJSON(readJson(join(outdir, 'ConsumerStack.template.json')));
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Architectures: ['arm64'],
    });
    template.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live' });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'connect.amazonaws.com',
      SourceArn: INSTANCE_ARN,
    });
    template.hasResourceProperties('AWS::Connect::IntegrationAssociation', {
      InstanceId: INSTANCE_ARN,
      IntegrationType: 'LAMBDA_FUNCTION',
    });
    const assets = readJson(join(outdir, 'ConsumerStack.assets.json')) as {
      files: Record<string, { source: { path: string; packaging?: string } }>;
    };
    const code = Object.values(assets.files).filter((file) => file.source.packaging === 'zip');
    expect(code).toHaveLength(1);
    expect(filesOf(join(outdir, code[0]!.source.path))).toEqual(filesOf(join(ROOT, BUNDLE_DIR)));
  });

  it('passes the AwsSolutions checks of cdk-nag in an ES module app compiled by its own tsc and run by node', async () => {
    // Act
    const compile = await run(join(apps.nag, 'node_modules', '.bin', 'tsc'), [], apps.nag);
    const synth = await run(process.execPath, ['build/app.js'], apps.nag, QUIET);

    // Assess
    expect(compile.code, compile.out).toBe(0);
    expect(synth.code, synth.out).toBe(0);
    expect(synth.out).not.toMatch(/AwsSolutions-/);
    expect(readdirSync(join(apps.nag, 'cdk.out'))).toContain('NagConsumer.template.json');
  });
});
