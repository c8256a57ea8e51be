import { describe, expect, it } from 'vitest';
import {
  answerAttributes,
  callbackAttributes,
  flatten,
  MAX_ANSWER_DEPTH,
  MAX_ATTRIBUTES_BYTES,
  routingAttributes,
  voiceCallAttributes,
} from '../../lambda/src/attributes.ts';

const INSTANCE = '11111111-2222-3333-4444-555555555555';
const agentArn = (partition: string, region: string) =>
  `arn:${partition}:connect:${region}:123456789012:instance/${INSTANCE}/agent/aaaa-0000`;

/** An object `levels` deep: `{a: {a: … {a: 'x'}}}`, the answer itself the first level. */
function nested(levels: number): Record<string, unknown> {
  let value: unknown = 'x';
  for (let level = 0; level < levels; level++) value = { a: value };
  return value as Record<string, unknown>;
}

describe('Function: routingAttributes', () => {
  it('refuses an answer that is not a JSON object, saying so', () => {
    expect(() => routingAttributes('agent')).toThrow('Salesforce answered 2xx with a body that is not a JSON object');
  });

  describe('Rule: agentId / queueId come from a whole Connect ARN, in any partition', () => {
    it.each([
      ['aws', 'us-east-1'],
      ['aws-cn', 'cn-north-1'],
      ['aws-us-gov', 'us-gov-west-1'],
    ])('reads an agent ARN in %s', (partition, region) => {
      expect(routingAttributes({ agent: agentArn(partition, region) }).agentId).toBe('aaaa-0000');
    });

    it.each([
      ['text before it', `see ${agentArn('aws', 'us-east-1')}`],
      ['a path after it', `${agentArn('aws', 'us-east-1')}/more`],
    ])('reads nothing from an ARN with %s', (_label, value) => {
      const attributes = routingAttributes({ agent: value });

      expect(attributes.agent).toBe(value);
      expect(attributes).not.toHaveProperty('agentId');
    });
  });

  describe('Rule: a value names someone unless it holds only blanks and null, undefined, true or false', () => {
    it('takes a name that merely ends with one of those words', () => {
      expect(routingAttributes({ agent: 'not null' })).toMatchObject({ agent: 'not null', routingTarget: 'AGENT' });
    });

    it('flattens a JSON string with blanks around it', () => {
      expect(routingAttributes({ agent: ' {"id":"005xx"} ' })).toMatchObject({ agent_id: '005xx' });
    });
  });

  describe(`Rule: an answer nested up to ${MAX_ANSWER_DEPTH} levels is read, deeper is refused`, () => {
    it(`reads ${MAX_ANSWER_DEPTH} levels`, () => {
      expect(() => routingAttributes(nested(MAX_ANSWER_DEPTH))).not.toThrow();
    });

    it(`refuses ${MAX_ANSWER_DEPTH + 1}`, () => {
      expect(() => routingAttributes(nested(MAX_ANSWER_DEPTH + 1))).toThrow(
        `Salesforce's answer is nested deeper than ${MAX_ANSWER_DEPTH} levels`,
      );
    });
  });
});

describe('Function: answerAttributes', () => {
  it(`answers attributes of exactly ${MAX_ATTRIBUTES_BYTES} bytes, and refuses one byte more`, () => {
    // Prepare
    const overhead = JSON.stringify({ x: '', status: 'OK' }).length;
    const fitting = { x: 'a'.repeat(MAX_ATTRIBUTES_BYTES - overhead) };

    // Act
    const attributes = answerAttributes(fitting);

    // Assess
    expect(Buffer.byteLength(JSON.stringify(attributes))).toBe(MAX_ATTRIBUTES_BYTES);
    expect(() => answerAttributes({ x: `${fitting.x}a` })).toThrow(
      `Salesforce's answer is larger than Connect's ${MAX_ATTRIBUTES_BYTES}-byte limit`,
    );
  });

  it('names a field with an empty name "_"', () => {
    expect(answerAttributes({ '': 'x' })).toEqual({ _: 'x', status: 'OK' });
  });
});

describe('Function: flatten', () => {
  it('keeps an undefined value as an empty text, as null', () => {
    expect(flatten({ a: undefined, b: null }, 'p')).toEqual({ p_a: '', p_b: '' });
  });
});

describe('Rule: an answer that creates a record must carry its id', () => {
  it.each([
    ['an empty', ''],
    ['a blank', '   '],
    ['a number for an', 5],
  ])('refuses %s id', (_label, id) => {
    expect(() => voiceCallAttributes({ voiceCallId: id })).toThrow(
      'Salesforce answered 2xx without a voiceCallId: the VoiceCall may exist, but its id is unknown',
    );
  });

  it('names the ContactRequest of a callback', () => {
    expect(() => callbackAttributes({ id: 'x' })).toThrow(
      'Salesforce answered 2xx without a recordId: the ContactRequest may exist, but its id is unknown',
    );
  });
});
