// The floor's client in a process of its own, as the function is (see `Floor.measureApart`): reads
// { origin, ca, request, warmUp, tokens } as JSON on stdin, sends `request` once per token on one keep-alive
// connection, and prints the median time of all but the first `warmUp` (which open the connection and let V8
// optimise undici's code, as the function's have been by its rehearsal and earlier calls).
import { text } from 'node:stream/consumers';
import { Client } from 'undici';

const { origin, ca, request, warmUp, tokens } = JSON.parse(await text(process.stdin));
const client = new Client(origin, { connect: { ca } });
const times = [];
for (const token of tokens) {
  const started = performance.now();
  const response = await client.request({
    ...request,
    headers: { ...request.headers, authorization: `Bearer ${token}` },
  });
  await response.body.text();
  if (response.statusCode !== 200) throw new Error(`floor request answered ${response.statusCode}`);
  times.push(performance.now() - started);
}
await client.close();
const warm = times.slice(warmUp).sort((a, b) => a - b);
process.stdout.write(String(warm[Math.ceil(warm.length / 2) - 1]));
