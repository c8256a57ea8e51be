import { describe, expect, it, onTestFinished } from 'vitest';
import { sampleEvent, useSandbox } from '../support/integration.ts';
import { CALL_CENTER_B_API_NAME, contactCentreSecret, ORG_B_ID } from '../support/sandbox.ts';

const { sandbox, container } = useSandbox();

/** Stores `count` contact-centre secrets (`sfdc/orgs/<n>`), each naming the partner org, and names them. */
function manyOrgs(count: number): string[] {
  const names = Array.from({ length: count }, (_, i) => `sfdc/orgs/${i}`);
  const secret = contactCentreSecret({
    orgId: ORG_B_ID,
    callCenterApiName: CALL_CENTER_B_API_NAME,
    endpointBase: sandbox().salesforceB.endpointBase,
    privateKeyPem: sandbox().keysB.privateKeyPem,
  });
  for (const name of names) sandbox().aws.secrets.set(name, secret);
  onTestFinished(() => {
    for (const name of names) sandbox().aws.secrets.delete(name);
    sandbox().aws.heal();
  });
  return names;
}

const routeFor = (secretName: string) => {
  const event = sampleEvent('inbound-call') as { Details: { Parameters: Record<string, string> } };
  event.Details.Parameters.secretName = secretName;
  return event;
};

describe('Integration: a contact centre of many orgs (ORG_CACHE_SIZE)', () => {
  it('reads each of 100 orgs once, then serves them all from the cache', async () => {
    const names = manyOrgs(100);
    const lambda = await container();

    for (let round = 0; round < 2; round++) for (const name of names) await lambda.invoke(routeFor(name));

    expect(sandbox().aws.counts.getSecretValue).toBe(100);
    expect(sandbox().salesforceB.requests.filter((request) => request.refused === undefined)).toHaveLength(200);
  });

  it('routes 33 orgs in rotation while Secrets Manager fails, on the keys it kept past their TTL', async () => {
    // Prepare: every org read once, then their TTL (1 s) passes and Secrets Manager fails every request
    const names = manyOrgs(33);
    const lambda = await container({ KEY_CACHE_TTL_SECONDS: '1' });
    for (const name of names) await lambda.invoke(routeFor(name));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    sandbox().aws.outage(60_000);

    // Act
    const outcomes = [];
    for (let round = 0; round < 2; round++)
      for (const name of names) outcomes.push(await lambda.invoke(routeFor(name)));

    // Assess
    expect(outcomes.filter((outcome) => outcome.result?.routingTarget === 'AGENT')).toHaveLength(66);
  });

  it('keeps only ORG_CACHE_SIZE orgs: a smaller cache reads them again', async () => {
    const names = manyOrgs(5);
    const lambda = await container({ ORG_CACHE_SIZE: '2' });

    for (let round = 0; round < 2; round++) for (const name of names) await lambda.invoke(routeFor(name));

    expect(sandbox().aws.counts.getSecretValue).toBe(10);
  });
});
