import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT, REGION } from '../emulators/aws.ts';
import { replies } from '../emulators/salesforce.ts';
import { KEY_PARAMETER, ORG_ID, Sandbox } from '../support/sandbox.ts';
import { ConnectStub } from './doctor-connect-stub.ts';
import { MotoServer } from '../emulators/moto.ts';
import { deployFakeBridgeStack, INSTANCE_ID } from './doctor-stack-fixture.ts';
import { checkLines, doctor, lineOf, scratchDir, writeEnvFile } from './doctor-support.ts';

const RUN_TIMEOUT_MS = 150_000;
const OTHER_FUNCTION = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:someone-else`;

/**
 * `--stack NAME` against moto_server (CloudFormation DescribeStacks, Lambda GetAlias / GetPolicy /
 * GetFunctionConfiguration) and a stand-in for Connect's ListLambdaFunctions, which moto does not implement.
 */
describe('Command: npm run doctor --stack (moto_server and a Connect stand-in)', () => {
  let sandbox: Sandbox;
  let moto: MotoServer;
  let connect: ConnectStub;
  let dir: string;

  beforeAll(async () => {
    [sandbox, moto, connect] = await Promise.all([
      Sandbox.start(),
      MotoServer.start({ readyTimeoutMs: 60_000 }),
      ConnectStub.start(),
    ]);
    dir = scratchDir();
  }, 90_000);
  afterAll(async () => {
    await Promise.all([sandbox?.close(), moto?.stop(), connect?.close()]);
  });
  beforeEach(() => {
    sandbox.reset();
    sandbox.salesforce.script(replies.errors(404, 'No VoiceCall found for this call id'));
    connect.reset();
  });

  /** The function's settings as the sandbox has them (what the env file holds). */
  const settings = () => {
    const { SCRT_ENDPOINT_BASE, SALESFORCE_ORG_ID, CALL_CENTER_API_NAME, PRIVATE_KEY_PARAM_NAME } = sandbox.env();
    return { SCRT_ENDPOINT_BASE, SALESFORCE_ORG_ID, CALL_CENTER_API_NAME, PRIVATE_KEY_PARAM_NAME } as Record<
      string,
      string
    >;
  };
  const runDoctor = (stackName: string) => {
    const file = writeEnvFile(
      dir,
      {
        ...sandbox.env({ NODE_EXTRA_CA_CERTS: undefined, FLOW_BLOCK_TIMEOUT_SECONDS: '8' }),
        AWS_ENDPOINT_URL_CLOUDFORMATION: moto.endpoint,
        AWS_ENDPOINT_URL_LAMBDA: moto.endpoint,
        AWS_ENDPOINT_URL_CONNECT: connect.endpoint,
      },
      `${stackName}.env`,
    );
    return doctor(['--env', file, '--stack', stackName], { NODE_EXTRA_CA_CERTS: sandbox.tls.caFile });
  };

  it(
    'passes when the live alias is associated and runs the file’s settings (written differently, defaults applied)',
    async () => {
      const { aliasArn } = await deployFakeBridgeStack(moto.endpoint, {
        stackName: 'BridgeOk',
        environment: {
          ...settings(),
          SCRT_ENDPOINT_BASE: `${settings().SCRT_ENDPOINT_BASE}/`,
          PRIVATE_KEY_PARAM_NAME: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${KEY_PARAMETER}`,
        },
        latestEnvironment: { ...settings(), ON_ERROR: 'attributes' },
      });
      connect.instances.set(INSTANCE_ID, [OTHER_FUNCTION, `${OTHER_FUNCTION}:live`, aliasArn]);

      const run = await runDoctor('BridgeOk');

      expect(run.code).toBe(0);
      expect(checkLines(run).slice(-3)).toEqual([
        expect.stringMatching(/^PASS {2}stack deployed with its live alias: BridgeOk: alias live serves version 1 of /),
        `PASS  live alias associated with the Connect instance: Connect instance ${INSTANCE_ID} may invoke and lists ${aliasArn}`,
        expect.stringMatching(
          /^PASS {2}deployed settings match the file: version 1 runs with .*BridgeOk\.env's settings$/,
        ),
      ]);
      expect(run.stdout).toContain('All 8 checks passed.');
      expect(connect.requests).toEqual([
        `/instance/${INSTANCE_ID}/lambda-functions`,
        `/instance/${INSTANCE_ID}/lambda-functions`,
      ]);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'names each deployed setting that differs, and an instance that lists the function but not its alias',
    async () => {
      const { functionArn } = await deployFakeBridgeStack(moto.endpoint, {
        stackName: 'BridgeDrifted',
        environment: { ...settings(), SALESFORCE_ORG_ID: '00DKz000009ZzZzEAA', ON_ERROR: 'attributes' },
      });
      connect.instances.set(INSTANCE_ID, [functionArn]);

      const run = await runDoctor('BridgeDrifted');

      expect(run.code).toBe(1);
      expect(lineOf(run, 'live alias associated')).toBe(
        `FAIL  live alias associated with the Connect instance: Connect instance ${INSTANCE_ID} does not list ${functionArn}:live (it lists the function without the alias) — fix: deploy the stack again (it creates the association), or add ${functionArn}:live in the Amazon Connect console (your instance → Flows → AWS Lambda)`,
      );
      expect(lineOf(run, 'deployed settings')).toMatch(
        new RegExp(
          `^FAIL {2}deployed settings match the file: SALESFORCE_ORG_ID is 00DKz000009ZzZzEAA deployed, ${ORG_ID} in the file; ON_ERROR is attributes deployed, throw in the file — fix: deploy with the file's values, or correct .*BridgeDrifted\\.env to what is deployed$`,
        ),
      );
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'fails an alias Connect may not invoke, and deployed settings the function would refuse',
    async () => {
      const { SALESFORCE_ORG_ID: _, ...incomplete } = settings();
      await deployFakeBridgeStack(moto.endpoint, {
        stackName: 'BridgeBroken',
        environment: incomplete,
        connectMayInvoke: false,
      });

      const run = await runDoctor('BridgeBroken');

      expect(run.code).toBe(1);
      expect(lineOf(run, 'live alias associated')).toBe(
        'FAIL  live alias associated with the Connect instance: the live alias does not let Amazon Connect invoke it (no resource policy for connect.amazonaws.com naming an instance) — fix: deploy the stack again (cdk deploy), which grants it',
      );
      expect(lineOf(run, 'deployed settings')).toMatch(
        /^FAIL {2}deployed settings match the file: the deployed settings are invalid: SALESFORCE_ORG_ID is not set/,
      );
      expect(connect.requests.length).toBe(0);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'says a stack that does not exist is missing in the region, and skips the rest',
    async () => {
      const run = await runDoctor('NoSuchStack');

      expect(run.code).toBe(1);
      expect(lineOf(run, 'stack deployed')).toMatch(
        /^FAIL {2}stack deployed with its live alias: stack NoSuchStack does not exist in us-east-1 — fix: pass the stack name cdk deploy used \(ConnectOmniFlowBridge unless set\), and set AWS_REGION in .*NoSuchStack\.env to the region it is in$/,
      );
      expect(
        checkLines(run)
          .slice(-2)
          .map((line) => line.slice(0, 4)),
      ).toEqual(['SKIP', 'SKIP']);
      expect(lineOf(run, 'Salesforce accepts the token')).toMatch(/^PASS/);
    },
    RUN_TIMEOUT_MS,
  );
});
