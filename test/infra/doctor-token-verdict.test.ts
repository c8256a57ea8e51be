import { describe, expect, it } from 'vitest';
import { tokenVerdict } from '../../infra/doctor/checks/salesforce-token.ts';

const SETTINGS = {
  endpointBase: 'https://acme.my.salesforce-scrt.com/telephony/v1',
  orgId: '00DKz000001AbCdEAA',
  callCenterApiName: 'ConnectCallCenter',
};
const CALL = '0b5d6f1e-3c2a-4e8f-9a7b-1c2d3e4f5a6b';
const answer = (status: number, body = '') => ({ status, headers: {}, body });

describe('Function: tokenVerdict', () => {
  it.each([200, 204, 400, 404, 409, 422])(
    'takes %i to Clear Routing of a made-up call as an accepted token',
    (status) => {
      const verdict = tokenVerdict(answer(status), SETTINGS, CALL);

      expect(verdict).toEqual({
        status: 'pass',
        detail: `Clear Routing for made-up call ${CALL} answered ${status}: token accepted, nothing routed`,
      });
    },
  );

  it.each([401, 403])('takes %i as a refused token naming key, certificate, org and call center', (status) => {
    const verdict = tokenVerdict(answer(status, '{"errors":["Invalid JWT"]}'), SETTINGS, CALL);

    expect(verdict.status).toBe('fail');
    expect(verdict.detail).toBe(`Salesforce refused the token (${status}: Invalid JWT)`);
    expect(verdict).toHaveProperty(
      'fix',
      expect.stringContaining(
        'the private key, the certificate on the call center, the org (SALESFORCE_ORG_ID 00DKz000001AbCdEAA) or the call center (CALL_CENTER_API_NAME ConnectCallCenter) do not match',
      ),
    );
  });

  it.each([429, 500, 503])('takes %i as no verdict at all, a failure to run again', (status) => {
    const verdict = tokenVerdict(answer(status, '<html>busy</html>'), SETTINGS, CALL);

    expect(verdict).toMatchObject({
      status: 'fail',
      detail: `Salesforce could not answer (${status}), so whether it accepts the token is unknown`,
    });
  });

  it("quotes Salesforce's errors, joined and bounded", () => {
    const verdict = tokenVerdict(answer(404, JSON.stringify({ errors: ['a', 'b', 'x'.repeat(500)] })), SETTINGS, CALL);

    expect(verdict.detail).toMatch(/answered 404: a; b; x{294}: token accepted/);
  });
});
