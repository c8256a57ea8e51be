import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { OmniFlowBridgeStack } from '../../infra/omniflow-bridge-stack.ts';
import { CFN_LINT_INSTALL_HINT, type Finding, runCfnLint } from './cfn-lint.ts';
import { INSTANCE_ARN, KMS_ARN, SECRET_ARN, newApp } from './support.ts';

const SETTINGS = {
  connectInstanceArn: INSTANCE_ARN,
  scrtEndpointBase: 'https://acme.my.salesforce-scrt.com/telephony/v1',
  salesforceOrgId: '00DKz000001AbCdEAA',
  callCenterApiName: 'ConnectCallCenter',
};

/**
 * The deployable variants: the key in SSM, in Secrets Manager, or the contact-centre secret serving several orgs;
 * and the org records written to S3.
 */
const VARIANTS: Record<string, Record<string, string>> = {
  ssm: { ...SETTINGS, privateKeyParameterName: '/connect/salesforce/private-key' },
  'org-records': {
    ...SETTINGS,
    privateKeyParameterName: '/connect/salesforce/private-key',
    kmsKeyArn: KMS_ARN,
    orgRecordBucket: 'acme-org-records',
    orgRecordFolder: 'connect/records',
  },
  'secrets-manager': { ...SETTINGS, privateKeySecretArn: SECRET_ARN },
  'contact-centre-secret': {
    connectInstanceArn: INSTANCE_ARN,
    secretName: 'sfdc/contact-center',
    orgSecretNamePrefix: 'sfdc/',
    tracing: 'true',
    deployFlow: 'true',
    fallbackQueueArn: `${INSTANCE_ARN}/queue/fallback`,
  },
};

/**
 * Synthesizes a variant in this process (CDK's own validation off: cfn-lint is the independent check here) and
 * returns its template file.
 */
function synthesize(variant: string): string {
  const app = newApp(VARIANTS[variant], { validation: false });
  new OmniFlowBridgeStack(app, `Bridge-${variant}`);
  return app.synth().getStackByName(`Bridge-${variant}`).templateFullPath;
}

describe('Command: cfn-lint on the synthesized templates', () => {
  const files: Record<string, string> = {};
  let findings: Finding[] = [];

  beforeAll(async () => {
    for (const variant of Object.keys(VARIANTS)) files[variant] = synthesize(variant);
    // A copy with a runtime CloudFormation does not know: cfn-lint must report it, or its findings are not read.
    const planted = JSON.parse(readFileSync(files.ssm!, 'utf8'));
    const fn = Object.values(
      planted.Resources as Record<string, { Type: string; Properties: { Runtime: string } }>,
    ).find((r) => r.Type === 'AWS::Lambda::Function')!;
    fn.Properties.Runtime = 'nodejs99.x';
    files.planted = join(mkdtempSync(join(tmpdir(), 'cfn-lint-')), 'planted.template.json');
    writeFileSync(files.planted, JSON.stringify(planted));

    findings = await runCfnLint(Object.values(files));
  }, 120_000);

  const of = (variant: string, level: Finding['Level']) =>
    findings.filter((f) => f.Filename === files[variant] && f.Level === level);

  it.each(Object.keys(VARIANTS))('finds no error in the %s template (warnings are printed)', (variant) => {
    for (const w of of(variant, 'Warning')) {
      console.log(`cfn-lint ${variant}: ${w.Rule.Id} ${w.Location.Path.join('/')}: ${w.Message}`);
    }

    expect(of(variant, 'Error').map((f) => `${f.Rule.Id} ${f.Location.Path.join('/')}: ${f.Message}`)).toEqual([]);
  });

  it('reports an error planted in a template (the check is live)', () => {
    const errors = of('planted', 'Error');

    expect(errors.some((f) => f.Rule.Id.startsWith('E') && f.Location.Path.includes('Runtime'))).toBe(true);
  });
});

describe('Function: runCfnLint', () => {
  const templates = () => [join(mkdtempSync(join(tmpdir(), 'cfn-lint-')), 'any.template.json')];
  const dirWith = (scripts: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'cfn-lint-path-'));
    for (const [name, body] of Object.entries(scripts)) {
      writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(dir, name), 0o755);
    }
    return dir;
  };

  it('fails with the install hint when cfn-lint is not on PATH', async () => {
    const path = dirWith({});

    await expect(runCfnLint(templates(), { PATH: path })).rejects.toThrow(
      `cfn-lint is not installed (not found on PATH): install it with ${CFN_LINT_INSTALL_HINT}`,
    );
  });

  it('fails with the install hint when cfn-lint is on PATH but does not run (a pyenv shim, the active Python lacks it)', async () => {
    const path = dirWith({
      'cfn-lint':
        'echo "pyenv: cfn-lint: command not found" >&2; echo "The \'cfn-lint\' command exists in these Python versions:" >&2; exit 127',
    });

    await expect(runCfnLint(templates(), { PATH: path })).rejects.toThrow(
      `cfn-lint is not runnable (exit code 127: pyenv: cfn-lint: command not found): install it with ${CFN_LINT_INSTALL_HINT}`,
    );
  });

  it('fails with the install hint, not a parse error, when what runs as cfn-lint answers something else', async () => {
    const path = dirWith({ 'cfn-lint': 'echo "usage: something else"' });

    await expect(runCfnLint(templates(), { PATH: path })).rejects.toThrow(
      `cfn-lint did not answer in JSON (usage: something else): install it with ${CFN_LINT_INSTALL_HINT}`,
    );
  });
});
