import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { replies } from '../emulators/salesforce.ts';
import { expectCleanLogs, sampleEvent, useSandbox } from '../support/integration.ts';
import { BUNDLE } from '../support/lambda-container.ts';
import { NODE24_INSTALLS_HERE, runtimeFromEnv } from '../support/node-runtime.ts';
import { RicFunction, type RicFunctionOptions } from '../support/ric-function.ts';
import { ricProblem } from '../support/ric-install.ts';
import { orgRecordEnv, type Sandbox } from '../support/sandbox.ts';

/** The agent the Salesforce emulator routes to unless scripted otherwise. */
const AGENT =
  'arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555/agent/aaaaaaaa-0000-1111-2222-333333333333';
const ROUTED = { status: 'OK', routingTarget: 'AGENT', agent: AGENT, queue: '', agentId: AGENT.split('/').pop()! };

/** What one sample event must come to: Connect's answer, and the one Salesforce call it makes (org, operation). */
interface Expected {
  readonly answer: (sandbox: Sandbox) => Record<string, string>;
  readonly call?: readonly ['a' | 'b', string];
  readonly env?: Record<string, string>;
  /** What else the call must have left behind. */
  readonly check?: (sandbox: Sandbox, contactId: string | undefined) => void;
}

/** Where a sample event names its contact: Connect's ContactData, or the parameters another Lambda sends. */
interface ContactEvent {
  readonly Details?: { ContactData?: { ContactId?: string }; Parameters?: { contactId?: string } };
}

const created = (s: Sandbox) => ({ status: 'OK', voiceCallId: s.salesforce.voiceCalls[0]!.voiceCallId });
/** Every file in test/events, by name: a new sample event fails the suite until it has a row here. */
const SAMPLE_EVENTS: Readonly<Record<string, Expected>> = {
  'callback-execution': {
    answer: (s) => ({ status: 'OK', recordId: s.salesforce.callbackRequests[0]!.recordId }),
    call: ['a', 'requestCallback'],
  },
  'create-transfer-vc': { answer: created, call: ['a', 'createTransferVC'] },
  'create-voice-call-other-org': {
    answer: (s) => ({ status: 'OK', voiceCallId: s.salesforceB.voiceCalls[0]!.voiceCallId }),
    call: ['b', 'createVoiceCall'],
  },
  'create-voice-call-webrtc': { answer: created, call: ['a', 'createVoiceCall'] },
  'create-voice-call': { answer: created, call: ['a', 'createVoiceCall'] },
  'explicit-dialed-number': { answer: () => ROUTED, call: ['a', 'omniFlow'] },
  'from-another-lambda': { answer: () => ROUTED, call: ['a', 'omniFlow'] },
  'inbound-call-with-flow-inputs': { answer: () => ROUTED, call: ['a', 'omniFlow'] },
  'inbound-call': { answer: () => ROUTED, call: ['a', 'omniFlow'] },
  'inbound-subflow': { answer: () => ROUTED, call: ['a', 'omniFlow'] },
  'keep-warm': { answer: () => ({ status: 'WARM' }) },
  'route-voice-call': { answer: () => ({ status: 'OK' }), call: ['a', 'route'] },
  'send-message': { answer: () => ({ status: 'OK' }), call: ['a', 'messages'] },
  'transfer-subflow': { answer: () => ROUTED, call: ['a', 'omniFlow'] },
  transfer: { answer: () => ROUTED, call: ['a', 'omniFlow'] },
  'update-cache': {
    answer: () => ({ status: 'OK' }),
    env: orgRecordEnv(),
    check: (s, contactId) => expect(s.orgRecord(contactId!)).toMatchObject({ contactId }),
  },
  'update-voice-call-from-lambda': { answer: () => ({ status: 'OK' }), call: ['a', 'updateVoiceCall'] },
  'update-voice-call': { answer: () => ({ status: 'OK' }), call: ['a', 'updateVoiceCall'] },
};

/**
 * AWS SAM's Amazon Connect sample event (`sam local generate-event connect contact-flow-event`), with the command's
 * default values: a ContactFlowEvent whose flow passes no parameters at all, and the same number at both ends.
 */
const SAM_CONTACT_ID = '5ca32fbd-8f92-46af-92a5-6b0f970f0efe';
const SAM_NUMBER = '+11234567890';
const SAM_CONTACT_FLOW_EVENT = {
  Name: 'ContactFlowEvent',
  Details: {
    ContactData: {
      Attributes: {},
      Channel: 'VOICE',
      ContactId: SAM_CONTACT_ID,
      CustomerEndpoint: { Address: SAM_NUMBER, Type: 'TELEPHONE_NUMBER' },
      InitialContactId: SAM_CONTACT_ID,
      InitiationMethod: 'API',
      InstanceARN: 'arn:aws:connect:us-east-1:123456789012:instance/9308c2a1-9bc6-4cea-8290-6c0b4a6d38fa',
      MediaStreams: {
        Customer: {
          Audio: {
            StartFragmentNumber: '91343852333181432392682062622220590765191907586',
            StartTimestamp: '1565781909613',
            StreamARN:
              'arn:aws:kinesisvideo:us-east-1:123456789012:stream/connect-contact-a3d73b84-ce0e-479a-a9dc-5637c9d30ac9/1565272947806',
          },
        },
      },
      PreviousContactId: SAM_CONTACT_ID,
      Queue: null,
      SystemEndpoint: { Address: SAM_NUMBER, Type: 'TELEPHONE_NUMBER' },
    },
    Parameters: {},
  },
};

/** The bridge's own log lines (not the runtime's). */
const ownLines = (logs: Record<string, unknown>[]) => logs.filter((line) => line.service === 'connect-omniflow-bridge');

// Lambda's runtime client runs under Node 24 whichever project runs this file, so the host project runs it, once;
// where Node 24 for the tests cannot be installed (not linux x64), neither can the client.
describe.runIf(NODE24_INSTALLS_HERE && runtimeFromEnv() === 'host')(
  "Integration: the built bundle under Lambda's own runtime client (aws-lambda-ric, Node 24)",
  () => {
    const { sandbox } = useSandbox();
    const running: RicFunction[] = [];

    /** Starts a function on the bundle with the sandbox's settings plus `env`, stopped after the test. */
    async function start(env: Record<string, string | undefined> = {}, options: Partial<RicFunctionOptions> = {}) {
      const fn = await RicFunction.start({ env: sandbox().env(env), ...options });
      running.push(fn);
      return fn;
    }

    // Each test fails, saying how to install what is missing, rather than skip: CI counts them.
    beforeEach(() => {
      const problem = ricProblem();
      if (problem) throw new Error(problem);
    });
    // Runs before useSandbox's afterEach (hooks run in reverse), while the emulators still hold the tokens they saw.
    afterEach(async () => {
      const functions = running.splice(0);
      await Promise.all(functions.map((fn) => fn.stop()));
      for (const fn of functions) expectCleanLogs(fn, sandbox());
    });

    it('covers every sample event in test/events', () => {
      const files = readdirSync(new URL('../events/', import.meta.url)).filter((file) => file.endsWith('.json'));

      expect(Object.keys(SAMPLE_EVENTS).sort()).toEqual(files.map((file) => file.replace(/\.json$/, '')).sort());
    });

    it.each(Object.entries(SAMPLE_EVENTS))('answers %s through the runtime API', async (name, expected) => {
      // Prepare
      const fn = await start(expected.env);
      const event = sampleEvent(name) as ContactEvent;

      // Act
      const { outcome } = await fn.invoke(event);

      // Assess: the response Lambda gets, and the one request each emulator verified (token, path, body)
      expect(fn.init.kind).toBe('ready');
      expect(outcome.kind).toBe('response');
      expect((outcome as { body: unknown }).body).toEqual(expected.answer(sandbox()));
      const contactId = event.Details?.ContactData?.ContactId ?? event.Details?.Parameters?.contactId;
      const [org, operation] = expected.call ?? [];
      const seen = { a: sandbox().salesforce.requests, b: sandbox().salesforceB.requests };
      expect(seen.a).toHaveLength(org === 'a' ? 1 : 0);
      expect(seen.b).toHaveLength(org === 'b' ? 1 : 0);
      if (org) expect(seen[org][0]).toMatchObject({ operation, callId: contactId, refused: undefined });
      expected.check?.(sandbox(), contactId);
    });

    it("accepts AWS SAM's Connect sample event (no parameters): executeOmniFlow by its SystemEndpoint", async () => {
      const fn = await start();

      const { outcome } = await fn.invoke(SAM_CONTACT_FLOW_EVENT);

      expect(outcome).toEqual({ kind: 'response', body: ROUTED, postedAt: expect.any(Number) });
      expect(sandbox().salesforce.requests).toEqual([
        expect.objectContaining({
          method: 'PATCH',
          path: `/telephony/v1/voiceCalls/${SAM_CONTACT_ID}/omniFlow`,
          body: { dialedNumber: SAM_NUMBER },
          refused: undefined,
        }),
      ]);
      expect([...fn.stdout, ...fn.stderr].join('\n')).not.toContain(SAM_NUMBER);
    });

    it("posts Salesforce's refusal to /invocation/{id}/error as SALESFORCE_REJECTED, and the runtime logs it", async () => {
      // Prepare
      const fn = await start();
      sandbox().salesforce.script(replies.errors(400, 'Invalid flowDevName: Route_Nope'));

      // Act
      const { invocation, outcome } = await fn.invoke(sampleEvent('inbound-call'));

      // Assess: the error body Lambda gets, and the runtime's own line in its default (text) log format
      const errorMessage = 'Salesforce rejected the request (400): Invalid flowDevName: Route_Nope';
      expect(outcome).toMatchObject({ kind: 'error', body: { errorType: 'SALESFORCE_REJECTED', errorMessage } });
      expect(fn.api.requests).toEqual([
        'GET /2018-06-01/runtime/invocation/next',
        `POST /2018-06-01/runtime/invocation/${invocation.requestId}/error`,
        'GET /2018-06-01/runtime/invocation/next',
      ]);
      const invokeError = fn.stdout.find((line) => line.includes('\tInvoke Error '));
      expect(invokeError?.split('\t').slice(1, 3)).toEqual([invocation.requestId, 'ERROR']);
      expect(JSON.parse(invokeError!.split('\t').pop()!)).toMatchObject({
        errorType: 'SALESFORCE_REJECTED',
        errorMessage,
      });
    });

    it('takes its deadline from Lambda-Runtime-Deadline-Ms: a stalled Salesforce is a TIMEOUT posted before it', async () => {
      // Prepare: Salesforce never answers; Lambda's deadline 1.5 s ahead (the function's own cap is 8 s)
      const fn = await start();
      sandbox().salesforce.script(replies.stall());
      const deadlineMs = Date.now() + 1_500;

      // Act
      const { outcome } = await fn.invoke(sampleEvent('inbound-call'), { deadlineMs });

      // Assess: posted inside the deadline, but not long before it (the budget came from the header)
      expect(outcome).toMatchObject({ kind: 'error', body: { errorType: 'TIMEOUT' } });
      const postedAt = (outcome as { postedAt: number }).postedAt;
      expect(postedAt).toBeLessThan(deadlineMs);
      expect(postedAt).toBeGreaterThan(deadlineMs - 1_000);
    });

    describe('init', () => {
      it.each([
        ['a handler the bundle does not export', { handlerName: 'nope' }, 'Runtime.HandlerNotFound'],
        ['a missing bundle file', { bundle: join(dirname(BUNDLE), 'missing.mjs') }, 'Runtime.ImportModuleError'],
      ])('posts %s to /runtime/init/error and exits, asking for no invocation', async (_label, options, errorType) => {
        const fn = await start({}, options);

        expect(fn.init).toMatchObject({
          kind: 'failed',
          error: { errorTypeHeader: errorType, body: { errorType } },
          exitCode: expect.any(Number),
        });
        expect((fn.init as { exitCode: number }).exitCode).not.toBe(0);
        expect(fn.api.requests).toEqual(['POST /2018-06-01/runtime/init/error']);
        expect(fn.stderr.join('\n')).toContain('Node.js v24.');
      });

      it('does not fail init for a bad setting: each invocation fails with CONFIG, naming the variable', async () => {
        const fn = await start({ FLOW_BLOCK_TIMEOUT_SECONDS: '99' });

        const { outcome } = await fn.invoke(sampleEvent('inbound-call'));

        expect(fn.init.kind).toBe('ready');
        expect(outcome).toMatchObject({
          kind: 'error',
          body: { errorType: 'CONFIG', errorMessage: expect.stringContaining('FLOW_BLOCK_TIMEOUT_SECONDS') },
        });
        expect(sandbox().salesforce.requests).toHaveLength(0);
      });
    });

    describe("Lambda's JSON log format (AWS_LAMBDA_LOG_FORMAT=JSON)", () => {
      it("keeps the function's lines single JSON objects, and the runtime's Invoke Error line one too", async () => {
        // Prepare
        const fn = await start({ AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'INFO' });
        sandbox().salesforce.script(replies.agent(), replies.errors(400, 'Invalid flowDevName: Route_Nope'));

        // Act
        const routed = await fn.invoke(sampleEvent('inbound-call'));
        const refused = await fn.invoke(sampleEvent('inbound-call'));

        // Assess: every line is one JSON object; the function's own are written as they are, not wrapped by the runtime
        expect(fn.logs()).toHaveLength(fn.stdout.length);
        const own = ownLines(fn.logs());
        expect(own.every((line) => typeof line.message === 'string' && typeof line.level === 'string')).toBe(true);
        expect(ownLines(fn.logs(routed.stdout))).toContainEqual(
          expect.objectContaining({ level: 'INFO', message: 'routed', requestId: routed.invocation.requestId }),
        );
        const runtimeLines = fn.logs(refused.stdout).filter((line) => line.service === undefined);
        expect(runtimeLines).toEqual([
          {
            timestamp: expect.any(String),
            level: 'ERROR',
            requestId: refused.invocation.requestId,
            message: expect.objectContaining({
              errorType: 'SalesforceRejectedError',
              errorMessage: 'Salesforce rejected the request (400): Invalid flowDevName: Route_Nope',
              code: 'SALESFORCE_REJECTED',
            }),
          },
        ]);
      });

      it.each([
        ['SalesforceRejectedError', 'SALESFORCE_REJECTED', {}, sampleEvent('inbound-call')],
        ['ConfigError', 'CONFIG', { FLOW_BLOCK_TIMEOUT_SECONDS: '99' }, sampleEvent('inbound-call')],
        ['BadEventError', 'BAD_EVENT', {}, { Details: { Parameters: { methodName: 'executeOmniFlow' } } }],
      ])(
        'names the class of a thrown error, %s, where the runtime logs it: the bundle keeps the names',
        async (className, code, env, event) => {
          // Prepare
          const fn = await start({ AWS_LAMBDA_LOG_FORMAT: 'JSON', ...env });
          sandbox().salesforce.script(replies.errors(400, 'Invalid flowDevName: Route_Nope'));

          // Act
          const { outcome, stdout } = await fn.invoke(event);

          // Assess: the error body has the category (`name`); the runtime's line the class (`constructor.name`)
          expect(outcome).toMatchObject({ kind: 'error', body: { errorType: code } });
          const [invokeError] = fn.logs(stdout).filter((line) => line.service === undefined);
          expect(invokeError?.message).toMatchObject({ errorType: className, code });
        },
      );
    });
  },
);
