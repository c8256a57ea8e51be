// The least a routing call can be, as a Lambda module: the yardstick `npm run bench -- --memory` runs beside the
// bridge, in a container under the same CPU quota. Each call signs one RS256 token with node:crypto, sends one
// PATCH …/omniFlow over a kept-alive HTTPS connection (node:https) and parses the answer — no SDK, no undici, no
// retries, no logging, no metrics. Init parses the key (PEM in BENCH_PRIVATE_KEY_PEM) and opens the connection with
// one call, as the bridge's init opens its own; settings are the bridge's (SCRT_ENDPOINT_BASE, SALESFORCE_ORG_ID,
// CALL_CENTER_API_NAME), the test CA comes through NODE_EXTRA_CA_CERTS.
import { createPrivateKey, randomUUID, sign } from 'node:crypto';
import { Agent, request } from 'node:https';

const base = new URL(process.env.SCRT_ENDPOINT_BASE);
const key = createPrivateKey(process.env.BENCH_PRIVATE_KEY_PEM);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const json = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const HEADER = json({ alg: 'RS256', typ: 'JWT' });

function token() {
  const iat = Math.floor(Date.now() / 1000);
  const claims = json({
    iss: process.env.SALESFORCE_ORG_ID,
    sub: process.env.CALL_CENTER_API_NAME,
    aud: 'https://scrt.salesforce.com',
    iat,
    exp: iat + 120,
    jti: randomUUID(),
  });
  const signed = `${HEADER}.${claims}`;
  return `${signed}.${sign('sha256', Buffer.from(signed), key).toString('base64url')}`;
}

function patch(path, body) {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        path,
        method: 'PATCH',
        agent,
        headers: {
          authorization: `Bearer ${token()}`,
          'content-type': 'application/json',
          'telephony-provider-name': 'amazon-connect',
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode, answer: JSON.parse(text) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function route(event) {
  const contact = event.Details.ContactData;
  const path = `${base.pathname}/voiceCalls/${encodeURIComponent(contact.ContactId)}/omniFlow`;
  const { status, answer } = await patch(path, JSON.stringify({ dialedNumber: contact.SystemEndpoint.Address }));
  if (status !== 200) return { status: `HTTP_${status}` };
  return { status: 'OK', routingTarget: answer.agent ? 'AGENT' : 'QUEUE' };
}

await route({
  Details: { ContactData: { ContactId: 'warm-up', SystemEndpoint: { Address: '+10000000000' } } },
});

export const handler = (event) => route(event);
