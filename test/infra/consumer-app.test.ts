import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { OmniFlowBridge } from '../../infra/index.ts';
import { BUNDLE } from '../support/lambda-container.ts';
import { bin } from '../support/run-command.ts';
import { BASE_PROPS } from './support.ts';

const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** Another CDK app, in a folder of its own, that imports the construct from this package's entry point. */
const CONSUMER = `
import { App, Stack } from '${repo('node_modules/aws-cdk-lib/index.js')}';
import { OmniFlowBridge } from '${repo('infra/index.ts')}';

const app = new App({ outdir: process.argv[2] });
const stack = new Stack(app, 'Consumer', { env: { account: '123456789012', region: 'eu-west-2' } });
new OmniFlowBridge(stack, 'Routing', ${JSON.stringify(BASE_PROPS)});
app.synth();
`;

function run(file: string, args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd, env: { PATH: process.env.PATH ?? '', CDK_VALIDATION: 'false' }, timeout: 90_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) || 1 : 0, out: stdout + stderr }),
    );
  });
}

describe('Construct: OmniFlowBridge in another CDK app', () => {
  it("deploys this package's bundle whatever folder the app runs from", async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'consumer-'));
    const outdir = join(cwd, 'cdk.out');
    writeFileSync(join(cwd, 'app.ts'), CONSUMER);

    const synth = await run(bin('tsx'), ['app.ts', outdir], cwd);

    expect(synth.code, synth.out).toBe(0);
    const assets = JSON.parse(readFileSync(join(outdir, 'Consumer.assets.json'), 'utf8')) as {
      files: Record<string, { source: { path: string; packaging?: string } }>;
    };
    const code = Object.values(assets.files).find((f) => f.source.packaging === 'zip')!;
    const staged = join(outdir, code.source.path, 'index.mjs');
    expect(readFileSync(staged).equals(readFileSync(BUNDLE))).toBe(true);
  });

  it('passes cdk-nag without the feature flags of cdk.json, with tracing, a secret prefix and org records', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Consumer');
    new OmniFlowBridge(stack, 'Bridge', {
      ...BASE_PROPS,
      tracing: true,
      orgSecretNamePrefix: 'sfdc/',
      orgRecordBucket: 'acme-org-records',
      orgRecordFolder: 'connect',
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    expect(() => app.synth()).not.toThrow();
  });
});
