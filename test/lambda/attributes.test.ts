import { describe, expect, it } from 'vitest';
import {
  answerAttributes,
  errorAttributes,
  flatten,
  MAX_ATTRIBUTES_BYTES,
  routingAttributes,
} from '../../lambda/src/attributes.ts';
import { BadAnswerError, BadEventError, SalesforceRejectedError } from '../../lambda/src/errors.ts';

const INSTANCE = 'arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555';
const AGENT_ARN = `${INSTANCE}/agent/aaaaaaaa-0000-1111-2222-333333333333`;
const QUEUE_ARN = `${INSTANCE}/queue/qqqqqqqq-0000-1111-2222-333333333333`;

/** `String.prototype.isWellFormed` (Node 20), which the ES2023 lib does not declare. */
const isWellFormed = (text: string) => (text as string & { isWellFormed(): boolean }).isWellFormed();

function expectStringMap(attributes: object): void {
  for (const [key, value] of Object.entries(attributes)) {
    expect(key).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(typeof value).toBe('string');
  }
}

describe('Function: routingAttributes', () => {
  it('routes to an agent ARN, with its id', () => {
    expect(routingAttributes({ agent: AGENT_ARN })).toEqual({
      status: 'OK',
      routingTarget: 'AGENT',
      agent: AGENT_ARN,
      queue: '',
      agentId: 'aaaaaaaa-0000-1111-2222-333333333333',
    });
  });

  it('routes to a queue ARN, with its id', () => {
    expect(routingAttributes({ queue: QUEUE_ARN })).toEqual({
      status: 'OK',
      routingTarget: 'QUEUE',
      agent: '',
      queue: QUEUE_ARN,
      queueId: 'qqqqqqqq-0000-1111-2222-333333333333',
    });
  });

  it('prefers the agent when both are given', () => {
    const attributes = routingAttributes({ agent: AGENT_ARN, queue: QUEUE_ARN });

    expect(attributes.routingTarget).toBe('AGENT');
    expect(attributes.queueId).toBe('qqqqqqqq-0000-1111-2222-333333333333');
  });

  it.each([[{}], [{ agent: null, queue: null }], [{ agent: '', queue: '' }]])('routes nowhere for %j', (answer) => {
    expect(routingAttributes(answer)).toEqual({ status: 'OK', routingTarget: 'NONE', agent: '', queue: '' });
  });

  it('keeps a plain id verbatim and adds no agentId for what is not a Connect agent ARN', () => {
    expect(routingAttributes({ agent: 'aaaaaaaa-0000-1111-2222-333333333333', queue: `${INSTANCE}/agent/x` })).toEqual({
      status: 'OK',
      routingTarget: 'AGENT',
      agent: 'aaaaaaaa-0000-1111-2222-333333333333',
      queue: `${INSTANCE}/agent/x`,
    });
  });

  it('flattens an object value and a JSON string of one', () => {
    const attributes = routingAttributes({
      agent: { externalId: 'agent-7', skills: ['billing', 'spanish'], meta: { level: 2, remote: true, note: null } },
      queue: '{"externalId":"q-1"}',
    });

    expect(attributes).toEqual({
      status: 'OK',
      routingTarget: 'AGENT',
      agent: '{"externalId":"agent-7","skills":["billing","spanish"],"meta":{"level":2,"remote":true,"note":null}}',
      queue: '{"externalId":"q-1"}',
      agent_externalId: 'agent-7',
      agent_skills_0: 'billing',
      agent_skills_1: 'spanish',
      agent_meta_level: '2',
      agent_meta_remote: 'true',
      agent_meta_note: '',
      queue_externalId: 'q-1',
    });
    expectStringMap(attributes);
  });

  it('makes hostile keys safe and never touches Object.prototype', () => {
    const answer = JSON.parse('{"agent":{"__proto__":{"polluted":"x"},"a b/c":"1","$.External":"2"}}');

    const attributes = routingAttributes(answer);

    expect(attributes).toMatchObject({ agent___proto___polluted: 'x', agent_a_b_c: '1', agent___External: '2' });
    expectStringMap(attributes);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps nesting deeper than 8 levels as JSON text', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 12; i++) deep = { d: deep };

    const attributes = routingAttributes({ agent: deep });

    const key = `agent${'_d'.repeat(8)}`;
    expect(attributes[key]).toBe(JSON.stringify({ d: { d: { d: { d: 'bottom' } } } }));
  });

  it('keeps a value that looks like JSON but is not verbatim, with nothing flattened', () => {
    expect(routingAttributes({ agent: '{agent 7', queue: '[queue' })).toEqual({
      status: 'OK',
      routingTarget: 'AGENT',
      agent: '{agent 7',
      queue: '[queue',
    });
  });

  it('turns a number into a string', () => {
    expect(routingAttributes({ agent: 42, queue: QUEUE_ARN })).toMatchObject({ agent: '42', routingTarget: 'AGENT' });
  });

  describe('Rule: a value that names nobody is "" and never wins over one that names someone', () => {
    const NOBODY: [string, unknown][] = [
      ['{}', {}],
      ['[]', []],
      ['a blank string', ' \t '],
      ['false', false],
      ['true', true],
      ['"null"', 'null'],
      ['" Undefined "', ' Undefined '],
      ['"false"', 'false'],
      ['the JSON string "{}"', '{}'],
      ['the JSON string "[ ]"', '[ ]'],
      ['an object of blanks and nulls', { id: '', name: null, skills: [], flags: [false] }],
      ['a JSON string of one', '{"id":" ","name":null}'],
    ];

    it.each(NOBODY)('agent %s with a named queue → QUEUE, agent ""', (_label, agent) => {
      expect(routingAttributes({ agent, queue: QUEUE_ARN })).toEqual({
        status: 'OK',
        routingTarget: 'QUEUE',
        agent: '',
        queue: QUEUE_ARN,
        queueId: 'qqqqqqqq-0000-1111-2222-333333333333',
      });
    });

    it.each(NOBODY)('agent and queue %s → NONE, both ""', (_label, value) => {
      expect(routingAttributes({ agent: value, queue: value })).toEqual({
        status: 'OK',
        routingTarget: 'NONE',
        agent: '',
        queue: '',
      });
    });

    it.each<[string, unknown]>([
      ['a number inside an object', { id: 0 }],
      ['a text inside an array', [null, 'agent-7']],
      ['a text that only looks empty-ish', 'nullable-agent'],
    ])('still routes to an agent named by %s', (_label, agent) => {
      expect(routingAttributes({ agent, queue: QUEUE_ARN }).routingTarget).toBe('AGENT');
    });
  });

  it.each([[null], [[]], ['text'], [7]])('refuses a body that is not an object: %j', (answer) => {
    expect(() => routingAttributes(answer)).toThrow(BadAnswerError);
  });

  it("counts Connect's limit in bytes: 12,000 three-byte characters (~36 KB) are refused", () => {
    const answer = { agent: '€'.repeat(12_000) };

    expect(JSON.stringify(answer).length).toBeLessThan(MAX_ATTRIBUTES_BYTES);
    expect(() => routingAttributes(answer)).toThrow(`larger than Connect's ${MAX_ATTRIBUTES_BYTES}-byte limit`);
  });

  it("refuses an answer larger than Connect's limit", () => {
    const huge = { agent: Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, 'x'.repeat(20)])) };

    expect(() => routingAttributes(huge)).toThrow(`larger than Connect's ${MAX_ATTRIBUTES_BYTES}-byte limit`);
  });
});

describe('Function: flatten', () => {
  it('names array items by index and empty containers not at all', () => {
    expect(flatten({ a: [], b: {}, c: [{ x: 1 }] }, 'p')).toEqual({ p_c_0_x: '1' });
  });
});

describe('Function: errorAttributes', () => {
  it('reports the category and message with the same routing keys as a success', () => {
    const error = new SalesforceRejectedError('Salesforce rejected the request (400): bad queue', 400, ['bad queue']);

    expect(errorAttributes(error)).toEqual({
      status: 'ERROR',
      routingTarget: 'NONE',
      agent: '',
      queue: '',
      errorType: 'SALESFORCE_REJECTED',
      errorMessage: 'Salesforce rejected the request (400): bad queue',
    });
  });
});

describe('Function: answerAttributes', () => {
  it('answers status OK for an empty answer', () => {
    expect(answerAttributes({})).toEqual({ status: 'OK' });
  });

  it("flattens Salesforce's answer by the same rules, and keeps its own status", () => {
    expect(answerAttributes({ status: 'Deleted', record: { id: '0Ps1', tags: ['a'] }, 'odd key': 1 })).toEqual({
      status: 'OK',
      record_id: '0Ps1',
      record_tags_0: 'a',
      odd_key: '1',
    });
  });

  it('keeps __proto__ a plain attribute', () => {
    const attributes = answerAttributes(JSON.parse('{"__proto__":{"polluted":"yes"}}'));

    expect(attributes).toEqual({ __proto___polluted: 'yes', status: 'OK' });
    expect(Object.getPrototypeOf(attributes)).toBe(Object.prototype);
  });

  it('refuses an answer that is not an object, or too large for Connect', () => {
    expect(() => answerAttributes('ok')).toThrow('not a JSON object');
    expect(() => answerAttributes({ big: 'x'.repeat(40_000) })).toThrow("larger than Connect's 32768-byte limit");
  });
});

describe('Bounds: hostile answers', () => {
  const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

  it.each([
    ['an agent object', (deep: unknown) => routingAttributes({ agent: deep })],
    ['a JSON string in queue', () => routingAttributes({ queue: nested(5_000) })],
    ['a clearRouting answer', (deep: unknown) => answerAttributes({ x: deep })],
  ])('refuses %s nested 5,000 levels deep as BAD_ANSWER, without overflowing the stack', (_label, map) => {
    const deep: unknown = JSON.parse(nested(5_000));

    expect(() => map(deep)).toThrow(BadAnswerError);
    expect(() => map(deep)).toThrow('nested deeper than 32 levels');
  });

  it('accepts an answer nested 20 levels deep', () => {
    expect(routingAttributes({ agent: JSON.parse(nested(20)) }).routingTarget).toBe('AGENT');
  });
});

describe('Bounds: error answers', () => {
  it.each([
    ['a message cut at 1,000 characters', 998],
    ['a message one character longer', 999],
  ])('never split an emoji: %s, with one at the cut', (_label, before) => {
    const error = new SalesforceRejectedError(`${'x'.repeat(before)}😀😀 and more`, 400, []);

    const { errorMessage } = errorAttributes(error);

    expect(errorMessage.length).toBeLessThanOrEqual(1_000);
    expect(errorMessage.endsWith('…')).toBe(true);
    expect(isWellFormed(errorMessage)).toBe(true);
  });

  it('turn a lone surrogate Salesforce sent into U+FFFD', () => {
    const { errorMessage } = errorAttributes(new SalesforceRejectedError('bad \ud83d text \ude00', 400, []));

    expect(errorMessage).toBe('bad \ufffd text \ufffd');
  });

  it('keep a message with control characters and 40,000 characters to one short line under 32 KB', () => {
    const error = new BadEventError(`bad ${'x\n\u0007'.repeat(20_000)}`);

    const attributes = errorAttributes(error);

    expect(attributes.errorMessage).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
    expect(attributes.errorMessage.length).toBeLessThanOrEqual(1_000);
    expect(Buffer.byteLength(JSON.stringify(attributes))).toBeLessThan(MAX_ATTRIBUTES_BYTES);
  });
});
