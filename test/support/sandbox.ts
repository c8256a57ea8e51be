import { AwsEmulator, type AwsEmulatorOptions } from '../emulators/aws.ts';
import { SalesforceEmulator } from '../emulators/salesforce.ts';
import { type CallCenterKeys, createCallCenterKeys, createTestTls, type TestTls } from '../emulators/test-ca.ts';

export const ORG_ID = '00DKz000001AbCdEAA';
export const CALL_CENTER_API_NAME = 'ConnectCallCenter';
export const KEY_PARAMETER = '/connect/omniflow-bridge/private-key';
export const KEY_SECRET = 'connect/omniflow-bridge/private-key';

/**
 * Everything the function needs, locally: a test CA, the call center's key pair, the Salesforce emulator (HTTPS,
 * trusting that key) and the AWS endpoint holding the private key as an SSM parameter and as a secret.
 * The integration tests, `npm start`, `npm run invoke` and the benchmark all start one of these.
 */
export class Sandbox {
  private constructor(
    readonly tls: TestTls,
    readonly keys: CallCenterKeys,
    readonly salesforce: SalesforceEmulator,
    readonly aws: AwsEmulator,
  ) {}

  static async start(options: { aws?: AwsEmulatorOptions } = {}): Promise<Sandbox> {
    const tls = await createTestTls();
    const keys = createCallCenterKeys();
    const salesforce = await SalesforceEmulator.start({
      tls: { key: tls.serverKeyPem, cert: tls.serverCertPem },
      publicKeyPem: keys.publicKeyPem,
      orgId: ORG_ID,
      callCenterApiName: CALL_CENTER_API_NAME,
    });
    const aws = await AwsEmulator.start(options.aws);
    aws.parameters.set(KEY_PARAMETER, keys.privateKeyPem);
    aws.secrets.set(KEY_SECRET, JSON.stringify({ privateKey: keys.privateKeyPem }));
    return new Sandbox(tls, keys, salesforce, aws);
  }

  /** The function's environment: Salesforce's variable names, the emulators' endpoints and the test CA. */
  env(overrides: Record<string, string | undefined> = {}): Record<string, string> {
    const env: Record<string, string | undefined> = {
      SCRT_ENDPOINT_BASE: this.salesforce.endpointBase,
      SALESFORCE_ORG_ID: ORG_ID,
      CALL_CENTER_API_NAME: CALL_CENTER_API_NAME,
      PRIVATE_KEY_PARAM_NAME: KEY_PARAMETER,
      NODE_EXTRA_CA_CERTS: this.tls.caFile,
      ...this.aws.env,
      ...overrides,
    };
    return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  }

  async close(): Promise<void> {
    await Promise.all([this.salesforce.close(), this.aws.close()]);
  }
}
