import { AwsEmulator, type AwsEmulatorOptions, ORG_RECORD_BUCKET } from '../emulators/aws.ts';
import { SalesforceEmulator } from '../emulators/salesforce.ts';
import { type CallCenterKeys, createCallCenterKeys, createTestTls, type TestTls } from '../emulators/test-ca.ts';

export const ORG_ID = '00DKz000001AbCdEAA';
export const CALL_CENTER_API_NAME = 'ConnectCallCenter';
export const KEY_PARAMETER = '/connect/omniflow-bridge/private-key';
export const KEY_SECRET = 'connect/omniflow-bridge/private-key';
/** Salesforce's contact-centre secret for the same org (SECRET_NAME). */
export const CONTACT_CENTRE_SECRET = 'sfdc/contact-centre/acme';
/** A second org, served by the same function through a per-call secret. */
export const ORG_B_ID = '00DKz000002XyZwEAA';
export const CALL_CENTER_B_API_NAME = 'PartnerCallCenter';
export const ORG_B_SECRET = 'sfdc/contact-centre/partner';

/** The bucket the AWS endpoint holds from the start, for the org records (`SECRET_CACHE_S3`). */
export { ORG_RECORD_BUCKET };

/**
 * The overrides of {@link Sandbox.env} that make the function write org records to the AWS endpoint's S3 (the endpoint
 * itself is in every env: `AWS_ENDPOINT_URL_S3`). Pass `folder` for `bucket/folder`.
 */
export function orgRecordEnv(folder?: string): { SECRET_CACHE_S3: string } {
  return { SECRET_CACHE_S3: folder ? `${ORG_RECORD_BUCKET}/${folder}` : ORG_RECORD_BUCKET };
}

/** The overrides of {@link Sandbox.env} for Salesforce's current layout: the contact-centre secret and nothing else. */
export const SECRET_ONLY_ENV = {
  SECRET_NAME: CONTACT_CENTRE_SECRET,
  SCRT_ENDPOINT_BASE: undefined,
  SALESFORCE_ORG_ID: undefined,
  CALL_CENTER_API_NAME: undefined,
  PRIVATE_KEY_PARAM_NAME: undefined,
} as const;

/** Salesforce's contact-centre secret: the org's settings and its key in one JSON object. */
export function contactCentreSecret(org: {
  orgId: string;
  endpointBase: string;
  callCenterApiName: string;
  privateKeyPem: string;
}): string {
  return JSON.stringify({
    SALESFORCE_ORG_ID: org.orgId,
    SCRT_ENDPOINT_BASE: org.endpointBase,
    CALL_CENTER_API_NAME: org.callCenterApiName,
    [`${org.callCenterApiName}-scrt-jwt-auth-private-key`]: org.privateKeyPem,
  });
}

/**
 * Everything the function needs, locally: a test CA, the call center's key pair, the Salesforce emulator (HTTPS,
 * trusting that key) and the AWS endpoint holding the private key as an SSM parameter, as a secret and in
 * Salesforce's contact-centre secret; plus a second org (its own emulator, org id, call center and key pair) whose
 * contact-centre secret a call can name. The integration tests, `npm start`, `npm run invoke` and the benchmark all
 * start one of these.
 */
export class Sandbox {
  private constructor(
    readonly tls: TestTls,
    readonly keys: CallCenterKeys,
    readonly salesforce: SalesforceEmulator,
    readonly aws: AwsEmulator,
    readonly keysB: CallCenterKeys,
    readonly salesforceB: SalesforceEmulator,
  ) {}

  static async start(options: { aws?: AwsEmulatorOptions } = {}): Promise<Sandbox> {
    const tls = await createTestTls();
    const aws = await AwsEmulator.start(options.aws);
    /** One org: its key pair, its Salesforce (trusting that key), and its contact-centre secret. */
    const startOrg = async (orgId: string, callCenterApiName: string, secret: string) => {
      const keys = createCallCenterKeys();
      const salesforce = await SalesforceEmulator.start({
        tls: { key: tls.serverKeyPem, cert: tls.serverCertPem },
        publicKeyPem: keys.publicKeyPem,
        orgId,
        callCenterApiName,
      });
      const org = { orgId, callCenterApiName, endpointBase: salesforce.endpointBase };
      aws.secrets.set(secret, contactCentreSecret({ ...org, privateKeyPem: keys.privateKeyPem }));
      return { keys, salesforce };
    };
    const a = await startOrg(ORG_ID, CALL_CENTER_API_NAME, CONTACT_CENTRE_SECRET);
    const b = await startOrg(ORG_B_ID, CALL_CENTER_B_API_NAME, ORG_B_SECRET);
    aws.parameters.set(KEY_PARAMETER, a.keys.privateKeyPem);
    aws.secrets.set(KEY_SECRET, JSON.stringify({ privateKey: a.keys.privateKeyPem }));
    return new Sandbox(tls, a.keys, a.salesforce, aws, b.keys, b.salesforce);
  }

  /** Every bearer token either org's emulator received. */
  get tokens(): string[] {
    return [...this.salesforce.tokens, ...this.salesforceB.tokens];
  }

  /**
   * The org record the function wrote for `contactId` (in {@link ORG_RECORD_BUCKET}, under `folder` if given), parsed;
   * undefined when there is none.
   */
  orgRecord(contactId: string, folder?: string): unknown {
    const object = this.aws.objects.get(`${ORG_RECORD_BUCKET}/${folder ? `${folder}/` : ''}${contactId}`);
    return object === undefined ? undefined : JSON.parse(object.body);
  }

  /** Forgets what the emulators saw and were scripted to do (the objects S3 stored included). */
  reset(): void {
    this.salesforce.reset();
    this.salesforceB.reset();
    this.aws.resetCounts();
    this.aws.objects.clear();
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
    await Promise.all([this.salesforce.close(), this.salesforceB.close(), this.aws.close()]);
  }
}
