import { describe, expect, it } from 'vitest';
import {
  AuthError,
  asBridgeError,
  BadAnswerError,
  BadEventError,
  ConfigError,
  ERROR_CODES,
  InternalError,
  KeyError,
  OrgRecordError,
  SalesforceRejectedError,
  SalesforceUnavailableError,
  TimeoutError,
  truncate,
} from '../../lambda/src/errors.ts';

describe('Module: errors', () => {
  it('has one class per category, whose name is its stable code', () => {
    const errors = [
      new ConfigError('m'),
      new BadEventError('m'),
      new KeyError('m'),
      new AuthError('m'),
      new SalesforceRejectedError('m', 400, ['e']),
      new SalesforceUnavailableError('m'),
      new TimeoutError('m'),
      new BadAnswerError('m'),
      new OrgRecordError('m'),
      new InternalError('m'),
    ];

    expect(errors.map((e) => e.code)).toEqual([...ERROR_CODES]);
    for (const error of errors) expect(error.name).toBe(error.code);
  });

  it('keeps a cause it is given', () => {
    const cause = new Error('socket hang up');

    expect(new SalesforceUnavailableError('m', { cause }).cause).toBe(cause);
  });

  describe('Function: asBridgeError', () => {
    it('returns our own errors as they are, never re-wrapped', () => {
      const error = new KeyError('SSM parameter /k was not found');

      expect(asBridgeError(error)).toBe(error);
    });

    it('reports anything else as INTERNAL, keeping it as the cause', () => {
      const bug = new TypeError("Cannot read properties of undefined (reading 'x')");

      const error = asBridgeError(bug);

      expect(error).toBeInstanceOf(InternalError);
      expect(error.message).toBe('unexpected failure inside the bridge (see the function log)');
      expect(error.cause).toBe(bug);
    });
  });

  describe('Function: truncate', () => {
    it('keeps a text that fits as it is', () => {
      expect(truncate('😀 fits', 8)).toBe('😀 fits');
    });

    it('cuts to the length asked, ending in …', () => {
      expect(truncate('abcdefgh', 5)).toBe('abcd…');
    });

    it('never cuts between the two halves of an emoji: it drops the whole emoji', () => {
      const cut = truncate('abc😀def', 5);

      expect(cut).toBe('abc…');
      expect((cut as string & { isWellFormed(): boolean }).isWellFormed()).toBe(true);
    });

    it('keeps an emoji that ends right at the cut', () => {
      expect(truncate('ab😀defg', 5)).toBe('ab😀…');
    });
  });
});

describe('Function: truncate, at its edges', () => {
  it('keeps a text of exactly max characters', () => {
    expect(truncate('abc', 3)).toBe('abc');
  });

  it.each([
    ['\ud800', '\udc00'],
    ['\udbff', '\udfff'],
  ])('never cuts between %j and its low half', (high, low) => {
    expect(truncate(`ab${high}${low}cd`, 4)).toBe('ab…');
  });
});

describe('Class: BridgeError, its message', () => {
  it('replaces a lone surrogate with U+FFFD and a run of control characters with one space', () => {
    expect(new ConfigError('a\ud800b\r\n\tc').message).toBe('a\ufffdb c');
  });
});
