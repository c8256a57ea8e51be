// Runs inside a child process: plays the Lambda runtime for one container of the bundle named by BRIDGE_BUNDLE.
// Init = importing the module (top-level await included); each IPC message is one invocation with a deadline.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const initStarted = performance.now();
let bridge;
try {
  bridge = await import(pathToFileURL(process.env.BRIDGE_BUNDLE).href);
} catch (error) {
  process.send({
    type: 'init-error',
    nodeVersion: process.version,
    errorType: error?.name,
    errorMessage: error?.message,
  });
  process.exit(1);
}
process.send({ type: 'ready', nodeVersion: process.version, initMs: performance.now() - initStarted });

process.on('message', async ({ id, event, timeoutMs, type }) => {
  if (type === 'stats') {
    const usage = process.resourceUsage();
    process.send({
      type: 'stats',
      id,
      rssBytes: process.memoryUsage().rss,
      maxRssKiB: usage.maxRSS,
      cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    });
    return;
  }
  const started = performance.now();
  const deadline = Date.now() + timeoutMs;
  const context = {
    awsRequestId: id,
    functionName: 'connect-omniflow-bridge',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:connect-omniflow-bridge:live',
    memoryLimitInMB: '256',
    logGroupName: '/aws/lambda/connect-omniflow-bridge',
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  let timer;
  const lambdaTimeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ timedOut: true }), timeoutMs);
  });
  const outcome = await Promise.race([
    bridge.handler(event, context).then(
      (result) => ({ result }),
      (error) => ({ error: { errorType: error?.name, errorMessage: error?.message, stack: String(error?.stack) } }),
    ),
    lambdaTimeout,
  ]);
  clearTimeout(timer);
  const durationMs = performance.now() - started;
  process.stdout.write(`${process.env.BRIDGE_FLUSHED}${id}\n`, () =>
    process.send({ type: 'result', id, durationMs, ...outcome }),
  );
});
