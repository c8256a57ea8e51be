import { describe, expect, it } from 'vitest';
import { sampleEvent, useSandbox } from '../support/integration.ts';
import { CONTACT_CENTRE_SECRET, SECRET_ONLY_ENV } from '../support/sandbox.ts';

const { sandbox, container } = useSandbox();
const OWN_ARN = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${CONTACT_CENTRE_SECRET}`;

describe("Integration: an event naming the function's own contact-centre secret", () => {
  it.each([
    ['its complete ARN', `${OWN_ARN}-AbCdEf`],
    ['its partial ARN', OWN_ARN],
    ['its name', CONTACT_CENTRE_SECRET],
  ])('by %s gets the home org: the settings override it, and it is not read again', async (_label, secretName) => {
    // Prepare: SCRT_ENDPOINT_BASE overrides the secret's endpoint (the same emulator, by its address)
    const override = sandbox().salesforce.endpointBase.replace('localhost', '127.0.0.1');
    const lambda = await container({ ...SECRET_ONLY_ENV, SCRT_ENDPOINT_BASE: override });
    const event = sampleEvent('inbound-call') as { Details: { ContactData: { Attributes: Record<string, string> } } };
    event.Details.ContactData.Attributes = { secretName };

    // Act
    const outcome = await lambda.invoke(event);

    // Assess
    expect(outcome.result?.routingTarget).toBe('AGENT');
    expect(sandbox().salesforce.requests[0]!.headers.host).toMatch(/^127\.0\.0\.1:/);
    expect(sandbox().aws.secretReads.get(CONTACT_CENTRE_SECRET)).toBe(1);
  });
});
