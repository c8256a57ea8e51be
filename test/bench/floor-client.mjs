// The floor's client in a process of its own, as the function is (see `Floor.measureApart`): reads
// { origin, ca, request, tokens } as JSON on stdin, sends `request` once per token on one keep-alive connection, and
// prints each request's time in ms as a JSON array.
import { text } from 'node:stream/consumers';
import { Client } from 'undici';

const { origin, ca, request, tokens } = JSON.parse(await text(process.stdin));
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
process.stdout.write(JSON.stringify(times));
