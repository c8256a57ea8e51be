import { describe, expect, it } from 'vitest';
import { replies } from '../emulators/salesforce.ts';
import { sampleEvent, useSandbox } from '../support/integration.ts';
import {
  CALL_CENTER_API_NAME,
  CALL_CENTER_B_API_NAME,
  CONTACT_CENTRE_SECRET,
  contactCentreSecret,
  KEY_PARAMETER,
  ORG_B_ID,
  ORG_B_SECRET,
  ORG_ID,
  SECRET_ONLY_ENV,
} from '../support/sandbox.ts';

const INSTANCE = 'arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555';
const { sandbox, container } = useSandbox();

/** The inbound sample event with extra parameters, contact data or attributes. */
function inbound({
  parameters = {},
  contactData = {},
  attributes = {},
}: {
  parameters?: Record<string, unknown>;
  contactData?: Record<string, unknown>;
  attributes?: Record<string, string>;
} = {}) {
  const event = sampleEvent('inbound-call') as { Details: Record<string, Record<string, unknown>> };
  const data = event.Details.ContactData!;
  Object.assign(data, contactData, { Attributes: { ...(data.Attributes as object), ...attributes } });
  Object.assign(event.Details.Parameters!, parameters);
  return event;
}

describe("Integration: Salesforce's contact-centre secret (SECRET_NAME)", () => {
  it('routes with the settings and key of the secret alone, reading it once per container', async () => {
    // Prepare
    const lambda = await container(SECRET_ONLY_ENV);

    // Act
    const outcomes = [await lambda.invoke(inbound()), await lambda.invoke(inbound()), await lambda.invoke(inbound())];

    // Assess
    expect(outcomes.map((o) => o.result?.routingTarget)).toEqual(['AGENT', 'AGENT', 'AGENT']);
    expect(sandbox().salesforce.requests.map((r) => r.claims)).toMatchObject(
      Array(3).fill({ iss: ORG_ID, sub: CALL_CENTER_API_NAME }),
    );
    expect(sandbox().aws.secretReads.get(CONTACT_CENTRE_SECRET)).toBe(1);
    expect(sandbox().aws.counts.getParameter).toBe(0);
    expect(lambda.logs().find((l) => l.message === 'routed')).toMatchObject({ orgId: ORG_ID });
  });

  it("lets a setting in the environment win over the secret's field", async () => {
    const stale = 'sfdc/contact-centre/stale-endpoint';
    sandbox().aws.secrets.set(
      stale,
      contactCentreSecret({
        orgId: ORG_ID,
        callCenterApiName: CALL_CENTER_API_NAME,
        endpointBase: 'https://localhost:9/telephony/v1',
        privateKeyPem: sandbox().keys.privateKeyPem,
      }),
    );
    try {
      const lambda = await container({
        ...SECRET_ONLY_ENV,
        SECRET_NAME: stale,
        SCRT_ENDPOINT_BASE: sandbox().salesforce.endpointBase,
      });

      const outcome = await lambda.invoke(inbound());

      expect(outcome.result?.routingTarget).toBe('AGENT');
      expect(sandbox().salesforce.requests).toHaveLength(1);
    } finally {
      sandbox().aws.secrets.delete(stale);
    }
  });

  it('refuses SECRET_NAME together with PRIVATE_KEY_PARAM_NAME as CONFIG, sending nothing', async () => {
    const lambda = await container({ ...SECRET_ONLY_ENV, PRIVATE_KEY_PARAM_NAME: KEY_PARAMETER });

    const outcome = await lambda.invoke(inbound());

    expect(outcome.error).toMatchObject({
      errorType: 'CONFIG',
      errorMessage:
        'set either SECRET_NAME (the contact-centre secret holds the key) or PRIVATE_KEY_PARAM_NAME, not both',
    });
    expect(sandbox().salesforce.requests).toHaveLength(0);
  });

  it('reports a secret that lacks a field as KEY, naming the secret and the field, sending nothing', async () => {
    const broken = 'sfdc/contact-centre/broken';
    sandbox().aws.secrets.set(broken, JSON.stringify({ SALESFORCE_ORG_ID: ORG_ID }));
    try {
      const lambda = await container({ ...SECRET_ONLY_ENV, SECRET_NAME: broken });

      const outcome = await lambda.invoke(inbound());

      expect(outcome.error).toMatchObject({
        errorType: 'KEY',
        errorMessage: `Secrets Manager secret ${broken} (SECRET_NAME) has no SCRT_ENDPOINT_BASE field`,
      });
      expect(sandbox().salesforce.requests).toHaveLength(0);
    } finally {
      sandbox().aws.secrets.delete(broken);
    }
  });
});

describe('Integration: several orgs per function', () => {
  it('routes each call to the org its secretName names, alternating in one container', async () => {
    // Prepare: the function's own org from the environment (SSM key), org B by a per-call secret.
    const lambda = await container();
    const orgB = { attributes: { secretName: ORG_B_SECRET } };

    // Act
    const outcomes = [
      await lambda.invoke(inbound()),
      await lambda.invoke(inbound(orgB)),
      await lambda.invoke(inbound()),
      await lambda.invoke(inbound(orgB)),
    ];

    // Assess
    expect(outcomes.map((o) => o.result?.routingTarget)).toEqual(['AGENT', 'AGENT', 'AGENT', 'AGENT']);
    const { salesforce, salesforceB, aws } = sandbox();
    expect(salesforce.requests.map((r) => [r.refused, r.claims?.iss, r.claims?.sub])).toEqual(
      Array(2).fill([undefined, ORG_ID, CALL_CENTER_API_NAME]),
    );
    expect(salesforceB.requests.map((r) => [r.refused, r.claims?.iss, r.claims?.sub])).toEqual(
      Array(2).fill([undefined, ORG_B_ID, CALL_CENTER_B_API_NAME]),
    );
    expect(aws.secretReads.get(ORG_B_SECRET)).toBe(1);
    expect(aws.counts.getParameter).toBe(1);
    const routed = lambda.logs().filter((l) => l.message === 'routed');
    expect(routed.map((l) => l.orgId)).toEqual([ORG_ID, ORG_B_ID, ORG_ID, ORG_B_ID]);
  });

  it.each([
    ['Details.Parameters.secretName', { parameters: { secretName: ORG_B_SECRET } }],
    ['Details.Parameters.fieldValues.secretName', { parameters: { fieldValues: { secretName: ORG_B_SECRET } } }],
  ])('takes the secret from %s', async (_field, where) => {
    const lambda = await container();

    await lambda.invoke(inbound(where));

    expect(sandbox().salesforceB.requests).toHaveLength(1);
    expect(sandbox().salesforce.requests).toHaveLength(0);
  });

  it('serves a function configured with SECRET_NAME and a call naming that same secret from one cache entry', async () => {
    const lambda = await container(SECRET_ONLY_ENV);

    await lambda.invoke(inbound({ attributes: { secretName: CONTACT_CENTRE_SECRET } }));
    await lambda.invoke(inbound());

    expect(sandbox().aws.secretReads.get(CONTACT_CENTRE_SECRET)).toBe(1);
  });

  it('refuses a secretName that is not a secret name as BAD_EVENT, reading and sending nothing', async () => {
    const lambda = await container();
    sandbox().reset();

    const outcome = await lambda.invoke(inbound({ attributes: { secretName: '../../etc/passwd; x' } }));

    expect(outcome.error).toMatchObject({
      errorType: 'BAD_EVENT',
      errorMessage: 'Details.ContactData.Attributes.secretName is not a Secrets Manager secret name or ARN',
    });
    expect(sandbox().aws.counts.getSecretValue).toBe(0);
    expect(sandbox().salesforce.requests.length + sandbox().salesforceB.requests.length).toBe(0);
  });

  it('reports a per-call secret that does not exist as KEY naming it, sending nothing', async () => {
    const lambda = await container();

    const outcome = await lambda.invoke(inbound({ attributes: { secretName: 'sfdc/contact-centre/nobody' } }));

    expect(outcome.error).toMatchObject({
      errorType: 'KEY',
      errorMessage: 'Secrets Manager secret sfdc/contact-centre/nobody (secretName in the event) was not found',
    });
    expect(sandbox().salesforce.requests.length + sandbox().salesforceB.requests.length).toBe(0);
  });

  it("keeps org B's 401 refresh to org B: its key is read again, the function's own is not", async () => {
    const lambda = await container();
    sandbox().salesforceB.script(replies.status(401));

    const outcome = await lambda.invoke(inbound({ attributes: { secretName: ORG_B_SECRET } }));

    expect(outcome.result?.routingTarget).toBe('AGENT');
    expect(sandbox().aws.secretReads.get(ORG_B_SECRET)).toBe(2);
    expect(sandbox().aws.counts.getParameter).toBe(1);
  });
});

describe('Integration: the routing family', () => {
  it.each([
    ['cancelOmniFlowExecution', 'clearRouting'],
    ['rerouteFlowExecution', 'reroute'],
  ])('%s sends PATCH …/%s with no body and the same headers and token', async (methodName, operation) => {
    // Prepare
    const lambda = await container();
    sandbox().salesforce.script({ status: 200, body: { message: 'done', record: { id: '0Ps000' } } });

    // Act
    const outcome = await lambda.invoke(inbound({ parameters: { methodName }, contactData: { SystemEndpoint: null } }));

    // Assess
    expect(outcome.result).toEqual({ status: 'OK', message: 'done', record_id: '0Ps000' });
    const [request] = sandbox().salesforce.requests;
    expect(request).toMatchObject({
      method: 'PATCH',
      path: `/telephony/v1/voiceCalls/4a573372-1f28-4e26-b97b-0c7f2b3d9e61/${operation}`,
      operation,
      body: '',
      refused: undefined,
      claims: { iss: ORG_ID, sub: CALL_CENTER_API_NAME, aud: 'https://scrt.salesforce.com' },
    });
    expect(request!.headers).toMatchObject({
      'telephony-provider-name': 'amazon-connect',
      'content-type': 'application/json',
    });
    expect(lambda.logs().find((l) => l.message === 'routed')).toMatchObject({ Method: methodName, orgId: ORG_ID });
  });

  it('clears routing for another org, and reports its errors like any call', async () => {
    const lambda = await container();
    sandbox().salesforceB.script(replies.errors(404, 'No PendingServiceRouting for this call'));

    const outcome = await lambda.invoke(
      inbound({ parameters: { methodName: 'cancelOmniFlowExecution', secretName: ORG_B_SECRET } }),
    );

    expect(outcome.error).toMatchObject({
      errorType: 'SALESFORCE_REJECTED',
      errorMessage: 'Salesforce rejected the request (404): No PendingServiceRouting for this call',
    });
    expect(sandbox().salesforceB.requests[0]).toMatchObject({ operation: 'clearRouting', refused: undefined });
  });

  it('retries a 503 on reroute inside the deadline like omniFlow', async () => {
    const lambda = await container();
    sandbox().salesforce.script(replies.status(503), { status: 204 });

    const outcome = await lambda.invoke(inbound({ parameters: { methodName: 'rerouteFlowExecution' } }));

    expect(outcome.result).toEqual({ status: 'OK' });
    expect(sandbox().salesforce.requests.map((r) => r.operation)).toEqual(['reroute', 'reroute']);
  });
});

describe('Integration: transfers, WebRTC and flow inputs', () => {
  it('sends a transfer target and no dialed number for a transfer naming one', async () => {
    const lambda = await container();

    const event = sampleEvent('transfer') as { Details: { Parameters: Record<string, string> } };
    delete event.Details.Parameters.flowDevName;
    event.Details.Parameters.transferTarget = '0Xx5e000000AbCdEAA';
    const outcome = await lambda.invoke(event);

    expect(outcome.result?.routingTarget).toBe('AGENT');
    expect(sandbox().salesforce.requests[0]).toMatchObject({
      body: { transferTarget: '0Xx5e000000AbCdEAA' },
      refused: undefined,
    });
  });

  it('routes a WebRTC contact with no system endpoint by its WebRTC_To attribute', async () => {
    const lambda = await container();

    const outcome = await lambda.invoke(
      inbound({
        contactData: {
          SystemEndpoint: null,
          SegmentAttributes: { 'connect:Subtype': { ValueString: 'connect:WebRTC' } },
        },
        attributes: { WebRTC_To: '+18005550100' },
      }),
    );

    expect(outcome.result?.routingTarget).toBe('AGENT');
    expect(sandbox().salesforce.requests[0]!.body).toEqual({ dialedNumber: '+18005550100' });
  });

  it('sends flow inputs named as the author wrote them, drops one with control characters and warns without echoing it', async () => {
    const lambda = await container();

    const outcome = await lambda.invoke(
      inbound({
        parameters: {
          'flowInput-tier-level': 'gold',
          'flowInput-Customer Tier': 'A',
          'flowInput-Note': 'ring\u0007twice',
        },
      }),
    );

    expect(outcome.result?.routingTarget).toBe('AGENT');
    expect(sandbox().salesforce.requests[0]!.body).toMatchObject({
      flowInputParameters: { 'tier-level': 'gold', 'Customer Tier': 'A' },
    });
    expect(sandbox().salesforce.requests[0]!.body).not.toHaveProperty('flowInputParameters.Note');
    const warning = lambda.logs().find((l) => l.level === 'WARN');
    expect(warning).toMatchObject({ message: 'flow input "Note" dropped: its value holds control characters' });
    expect(lambda.stdout.join('\n')).not.toContain('ring');
  });
});

describe("Integration: the parameter sets Salesforce's sample flows send", () => {
  const VOICE_CALL_ID = '0LQ5e000000AbCdGAA';
  it.each<[string, Record<string, string>, Record<string, string>]>([
    ['basic inbound routing subflow', { 'flowInput-recordId': VOICE_CALL_ID }, {}],
    [
      'inbound with case creation (a literal flow)',
      { flowDevName: 'Create_Case_And_Route', 'flowInput-recordId': VOICE_CALL_ID },
      {},
    ],
    ['direct to agent', { 'flowInput-recordId': VOICE_CALL_ID, 'flowInput-PreferredUser': '005xx000001Sv6AAAS' }, {}],
    [
      'skills-based, with the incoming number',
      { 'flowInput-recordId': VOICE_CALL_ID, 'flowInput-IncomingCallPhoneNumber': '+12065550199' },
      {},
    ],
    [
      'flow-based transfer ($.Attributes.omniFlowFqn)',
      { flowDevName: 'Transfer_To_Billing', 'flowInput-transferTarget': '00G5e000000Bill' },
      { InitiationMethod: 'TRANSFER' },
    ],
  ])('%s: answers the keys those flows read ($.External.agent, $.External.queue)', async (_flow, params, data) => {
    const lambda = await container();
    sandbox().salesforce.script(replies.queue(`${INSTANCE}/queue/q-1`));

    const outcome = await lambda.invoke(
      inbound({ parameters: { methodName: 'executeOmniFlow', ...params }, contactData: data }),
    );

    expect(outcome.result).toMatchObject({ agent: '', queue: `${INSTANCE}/queue/q-1` });
    const [request] = sandbox().salesforce.requests;
    expect(request!.refused).toBeUndefined();
    const inputs = Object.fromEntries(
      Object.entries(params)
        .filter(([key]) => key.startsWith('flowInput-'))
        .map(([key, value]) => [key.slice('flowInput-'.length), value]),
    );
    expect(request!.body).toMatchObject({ flowInputParameters: inputs });
  });
});
