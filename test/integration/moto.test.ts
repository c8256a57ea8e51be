import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KeyError } from '../../lambda/src/errors.ts';
import { SecretsManagerKeySource } from '../../lambda/src/key/secrets-manager.ts';
import { SsmKeySource } from '../../lambda/src/key/ssm.ts';
import { replies } from '../emulators/salesforce.ts';
import { MotoServer } from '../emulators/moto.ts';
import { CALL_CENTER_API_NAME, contactCentreSecret, ORG_ID } from '../support/sandbox.ts';
import { sampleEvent, useSandbox } from '../support/integration.ts';

const PARAMETER = '/connect/moto/private-key';
const SECRET = 'connect/moto/private-key';
const CONTACT_CENTRE_SECRET = 'sfdc/contact-centre/moto';
const RECORDS_BUCKET = 'connect-org-records-moto';

const { sandbox, container } = useSandbox();
let moto: MotoServer;
let secretArn: string;

/**
 * Stores the call-center key in moto through its API, as an admin (or Salesforce's setup) would: as a SecureString,
 * as a secret holding the PEM, and in Salesforce's contact-centre secret with the org's settings.
 */
async function storeKey(pem: string): Promise<void> {
  const credentials = { accessKeyId: moto.env.AWS_ACCESS_KEY_ID!, secretAccessKey: moto.env.AWS_SECRET_ACCESS_KEY! };
  const client = { endpoint: moto.endpoint, region: moto.env.AWS_REGION!, credentials };
  await new SSMClient(client).send(
    new PutParameterCommand({ Name: PARAMETER, Type: 'SecureString', Value: pem, Overwrite: true }),
  );
  const created = await new SecretsManagerClient(client).send(
    new CreateSecretCommand({ Name: SECRET, SecretString: pem }),
  );
  secretArn = created.ARN!;
  const org = {
    orgId: ORG_ID,
    callCenterApiName: CALL_CENTER_API_NAME,
    endpointBase: sandbox().salesforce.endpointBase,
  };
  await new SecretsManagerClient(client).send(
    new CreateSecretCommand({
      Name: CONTACT_CENTRE_SECRET,
      SecretString: contactCentreSecret({ ...org, privateKeyPem: pem }),
    }),
  );
}

beforeAll(async () => {
  moto = await MotoServer.start();
  await storeKey(sandbox().keys.privateKeyPem);
}, 45_000);
afterAll(async () => {
  await moto?.stop();
});

describe('Integration: the key sources against moto_server, an independent AWS implementation', () => {
  describe('in process, with the real SDK clients pointed at moto by AWS_ENDPOINT_URL_*', () => {
    beforeAll(() => {
      for (const [name, value] of Object.entries(moto.env)) vi.stubEnv(name, value);
    });
    afterAll(() => {
      vi.unstubAllEnvs();
    });

    it('SsmKeySource reads the SecureString decrypted (GetParameter WithDecryption)', async () => {
      const source = new SsmKeySource(PARAMETER);

      const value = await source.fetch(AbortSignal.timeout(5_000));

      expect(value).toBe(sandbox().keys.privateKeyPem);
    });

    it('SecretsManagerKeySource reads the PEM a secret holds, by name and by the ARN moto gave it', async () => {
      const byName = await new SecretsManagerKeySource(SECRET).fetch(AbortSignal.timeout(5_000));
      const byArn = await new SecretsManagerKeySource(secretArn).fetch(AbortSignal.timeout(5_000));

      expect(byName).toBe(sandbox().keys.privateKeyPem);
      expect(byArn).toBe(sandbox().keys.privateKeyPem);
      expect(secretArn).toMatch(/^arn:aws:secretsmanager:us-east-1:\d{12}:secret:connect\/moto\/private-key-\w{6}$/);
    });

    it.each([
      ['SSM parameter /connect/moto/missing (PRIVATE_KEY_PARAM_NAME) was not found', SsmKeySource],
      ['Secrets Manager secret connect/moto/missing (PRIVATE_KEY_SECRET_ID) was not found', SecretsManagerKeySource],
    ])("understands moto's not-found error: %s", async (message, Source) => {
      const failure = new Source(Source === SsmKeySource ? '/connect/moto/missing' : 'connect/moto/missing').fetch(
        AbortSignal.timeout(5_000),
      );

      await expect(failure).rejects.toThrow(message);
      await expect(failure).rejects.toBeInstanceOf(KeyError);
    });
  });

  describe('the built bundle in a container, the key from moto and Salesforce emulated', () => {
    it.each([
      ['an SSM SecureString', { PRIVATE_KEY_PARAM_NAME: PARAMETER }],
      ['a Secrets Manager secret', { PRIVATE_KEY_PARAM_NAME: undefined, PRIVATE_KEY_SECRET_ID: SECRET }],
      [
        "Salesforce's contact-centre secret (SECRET_NAME, settings included)",
        {
          SECRET_NAME: CONTACT_CENTRE_SECRET,
          SCRT_ENDPOINT_BASE: undefined,
          SALESFORCE_ORG_ID: undefined,
          CALL_CENTER_API_NAME: undefined,
          PRIVATE_KEY_PARAM_NAME: undefined,
        },
      ],
    ])('routes a call signed with the key from %s', async (_label, keySetting) => {
      // Prepare: every AWS setting points at moto; the repository's own AWS endpoint is left idle
      const lambda = await container({ ...moto.env, ...keySetting });
      sandbox().salesforce.script(replies.agent('agent-moto'));

      // Act
      const outcome = await lambda.invoke(sampleEvent('inbound-call'));

      // Assess
      expect(outcome.result).toMatchObject({ status: 'OK', routingTarget: 'AGENT', agent: 'agent-moto' });
      const [request] = sandbox().salesforce.requests;
      expect(request!.refused).toBeUndefined();
      expect(request!.claims).toMatchObject({ iss: ORG_ID });
      expect(sandbox().aws.counts).toMatchObject({ getParameter: 0, getSecretValue: 0 });
    });

    it("writes a contact's org record to moto's S3 after a create with a per-call secret", async () => {
      // Prepare: the org's contact-centre secret and the records bucket both in moto
      await moto.createBucket(RECORDS_BUCKET);
      const lambda = await container({ ...moto.env, SECRET_CACHE_S3: `${RECORDS_BUCKET}/secret_cache` });
      const event = sampleEvent('create-voice-call') as {
        Details: { ContactData: { ContactId: string; Attributes: Record<string, string> } };
      };
      event.Details.ContactData.Attributes.secretName = CONTACT_CENTRE_SECRET;

      // Act
      const outcome = await lambda.invoke(event);

      // Assess
      const contactId = event.Details.ContactData.ContactId;
      const stored = await moto.readObject(RECORDS_BUCKET, `secret_cache/${contactId}`);
      expect(stored?.contentType).toBe('application/json');
      expect(JSON.parse(stored!.body)).toEqual({
        contactId,
        secretName: CONTACT_CENTRE_SECRET,
        timestamp: expect.stringMatching(/Z$/),
        voiceCallId: outcome.result!.voiceCallId,
      });
      expect(sandbox().aws.objects.size).toBe(0);
    });
  });
});
