import { randomUUID } from 'node:crypto';
import type { OrgSettings } from '../../../lambda/src/config.ts';
import { Deadline } from '../../../lambda/src/deadline.ts';
import { OPERATIONS } from '../../../lambda/src/operations.ts';
import { type HttpAnswer, SalesforceClient } from '../../../lambda/src/salesforce-client.ts';
import { mintToken } from '../../../lambda/src/token.ts';
import { type Check, type CheckResult, fail, pass, skip } from '../check.ts';

/** The call may take this long. */
export const TOKEN_CHECK_TIMEOUT_MS = 10_000;
/** The row of the routing table the check uses: Clear Routing, which cannot route anything. */
const PROBE = OPERATIONS.cancelOmniFlowExecution.call;

/**
 * Salesforce accepts the token — without routing anything: the function's own client sends Clear Routing (no body)
 * for a random call id that no VoiceCall has, with a token minted by the function's own code. Salesforce checks the
 * token before it looks for the call, so 401 means the token was refused and any other answer that it was accepted.
 */
export const salesforceTokenCheck: Check = {
  title: 'Salesforce accepts the token',
  async run(state) {
    if (!state.config || !state.org) return skip('needs the private key');
    if (!state.hostVerified) return skip('needs a reachable Salesforce host');
    const { settings, key } = state.org;
    const callId = randomUUID();
    const client = new SalesforceClient(state.config);
    let answer: HttpAnswer;
    try {
      const token = await mintToken(key, settings);
      const resource = PROBE.resource(callId);
      answer = await client.send(
        PROBE.http,
        settings.endpointBase,
        resource,
        undefined,
        token,
        Deadline.in(TOKEN_CHECK_TIMEOUT_MS),
      );
    } catch (error) {
      const { code, name, message } = error as NodeJS.ErrnoException;
      return fail(
        `no answer from Salesforce: ${message} (${code ?? name})`,
        'run the doctor again; if it persists, check Salesforce’s status and the network path',
      );
    } finally {
      await client.close();
    }
    return tokenVerdict(answer, settings, callId);
  },
};

/** What Salesforce's answer to the probe says about the token. Pure. */
export function tokenVerdict(answer: HttpAnswer, settings: OrgSettings, callId: string): CheckResult {
  const said = salesforceSaid(answer.body);
  const { status } = answer;
  if (status === 401 || status === 403) {
    return fail(
      `Salesforce refused the token (${status}${said})`,
      `the private key, the certificate on the call center, the org (SALESFORCE_ORG_ID ${settings.orgId}) or the call center (CALL_CENTER_API_NAME ${settings.callCenterApiName}) do not match: upload this key's certificate to that call center, or correct the org id / call center API name; check this machine's clock too`,
    );
  }
  if (status === 429 || status >= 500) {
    return fail(
      `Salesforce could not answer (${status}${said}), so whether it accepts the token is unknown`,
      'run the doctor again in a minute; if it persists, check Salesforce’s status',
    );
  }
  return pass(`Clear Routing for made-up call ${callId} answered ${status}${said}: token accepted, nothing routed`);
}

/** `: text, text` from Salesforce's `{"errors": [...]}`, or nothing. */
function salesforceSaid(body: string): string {
  try {
    const { errors } = JSON.parse(body) as { errors?: unknown };
    if (Array.isArray(errors) && errors.length > 0) return `: ${errors.map(String).join('; ').slice(0, 300)}`;
  } catch {
    // Not JSON: the status says enough.
  }
  return '';
}
