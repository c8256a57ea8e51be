// Built with the function's own bundle settings and run in a fresh process by `sdk-cost.ts`: what the key store's
// AWS SDK client costs on its own — loading it, getting its first request under way, and the answer — as the
// function's init uses it (the same module, the same client settings), against the emulator, with no added latency.
import { subscribe } from 'node:diagnostics_channel';
import { isIPv6 } from 'node:net';
import 'node:tls';

// What the function's entry has done before its init loads this client: loaded node:tls and opened a connection to a
// host name (Node compiles its IPv6 pattern on the first name it checks); not the SDK's cost.
isIPv6('localhost');
const started = performance.now();
const { GetParameterCommand, SSMClient } = await import('../../lambda/src/key/ssm-sdk.ts');
const { SDK_CLIENT_CONFIG } = await import('../../lambda/src/key/sdk-config.ts');
const loaded = performance.now();
let underWay = Number.NaN;
subscribe('http.client.request.start', () => {
  if (Number.isNaN(underWay)) underWay = performance.now();
});
const client = new SSMClient(SDK_CLIENT_CONFIG);
const answer = await client.send(
  new GetParameterCommand({ Name: process.env.PRIVATE_KEY_PARAM_NAME, WithDecryption: true }),
);
const answered = performance.now();
if (!answer.Parameter?.Value) throw new Error('GetParameter answered no value');
process.stdout.write(
  JSON.stringify({ loadMs: loaded - started, underWayMs: underWay - loaded, answerMs: answered - underWay }),
);
