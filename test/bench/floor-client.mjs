// The floor's client in a process of its own, as the function is (see `Floor.measureApart`): reads
// { origin, ca, request, tokens, fresh: { count, idleMs } } as JSON on stdin; sends `request` once per token on one
// keep-alive connection, except for the last `fresh.count` tokens: each of those goes as the first request on a new
// connection, opened ahead and left idle for `fresh.idleMs` (as the function's first call goes on the connection its
// init opened). Prints { keepAlive, fresh }, each request's time in ms, as JSON.
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:tls';
import { text } from 'node:stream/consumers';
import { Client } from 'undici';

const { origin, ca, request, tokens, fresh } = JSON.parse(await text(process.stdin));

async function timed(client, token) {
  const started = performance.now();
  const response = await client.request({
    ...request,
    headers: { ...request.headers, authorization: `Bearer ${token}` },
  });
  await response.body.text();
  if (response.statusCode !== 200) throw new Error(`floor request answered ${response.statusCode}`);
  return performance.now() - started;
}

async function openedAhead() {
  const { hostname, port } = new URL(origin);
  const socket = connect({ host: hostname, port: Number(port), servername: hostname, ca, ALPNProtocols: ['http/1.1'] });
  socket.setNoDelay(true);
  await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  await sleep(fresh.idleMs);
  return new Client(origin, { connect: (_options, callback) => process.nextTick(callback, null, socket) });
}

const keepAlive = [];
const client = new Client(origin, { connect: { ca } });
for (const token of tokens.slice(0, tokens.length - fresh.count)) keepAlive.push(await timed(client, token));
await client.close();
const firsts = [];
for (const token of tokens.slice(tokens.length - fresh.count)) {
  const ahead = await openedAhead();
  firsts.push(await timed(ahead, token));
  await ahead.close();
}
process.stdout.write(JSON.stringify({ keepAlive, fresh: firsts }));
