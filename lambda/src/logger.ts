import { LOG_LEVELS, type LogLevel } from './config.ts';

type Fields = Record<string, unknown>;

const JWT = /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]+/g;
const PEM = /-----BEGIN[^-]*-----[\s\S]*?(?:-----END[^-]*-----|$)/g;
const BEARER = /Bearer\s+\S+/gi;
/** An E.164 telephone number (`+` and 7–15 digits, maybe spaced or dashed): a caller's, wherever it came from. */
export const PHONE_NUMBER = /\+\d(?:[\s.-]?\d){6,14}/g;
/**
 * A run of digits that may be a telephone number however it is written: 7 or more digits, maybe grouped by spaces,
 * dots, slashes, dashes or parentheses (`2065550199`, `(206) 555-0199`, `1 206.555.0199`), not inside a longer one.
 */
const DIGIT_RUN = /(?<!\d)\(?\d(?:[\s./()\u2013-]{0,2}\d){6,}(?!\d)/g;
/** A value that is a telephone number, written any way: digits and their separators only. */
const NUMBER_VALUE = /^\s*\+?[\d\s./()\u2013-]+$/;
/** How many of a number's last digits identify it in someone else's text, with or without its country code. */
const NUMBER_TAIL = 7;
/**
 * What a line must hold somewhere for any of the four patterns above to match one of its strings: their literal
 * starts, which JSON leaves as they are. A line without any is written as serialised, unscrubbed.
 */
const MAY_HOLD_A_SECRET = /eyJ|-----BEGIN|bearer|\+\d/i;

/**
 * One JSON object per line on stdout, the shape CloudWatch Logs Insights reads. Written straight to the stream (not
 * through `console`), so Lambda's JSON log format leaves it as it is. As a last line of defence every line is
 * scrubbed (value by value, so it stays valid JSON) of anything that looks like a JWT, a bearer token, a PEM block or a
 * telephone number; callers never pass the caller's number, but Salesforce's error texts may echo it.
 */
export class Logger {
  readonly #threshold: number;
  readonly #summaryFloor: number;

  /**
   * @param summaryFloor - the lowest level a {@link summary} line is written at: Lambda's own application log level
   *   (`AWS_LAMBDA_LOG_LEVEL`) when it is above INFO, since Lambda drops JSON lines below it
   */
  constructor(
    level: LogLevel,
    private readonly write: (line: string) => void = (line) => process.stdout.write(line),
    private readonly base: Fields = { service: 'connect-omniflow-bridge' },
    summaryFloor: LogLevel = 'INFO',
  ) {
    this.#threshold = LOG_LEVELS.indexOf(level);
    this.#summaryFloor = LOG_LEVELS.indexOf(summaryFloor);
  }

  /** A logger that adds `fields` (e.g. the request id) to every line. */
  with(fields: Fields): Logger {
    return new Logger(
      LOG_LEVELS[this.#threshold]!,
      this.write,
      { ...this.base, ...fields },
      LOG_LEVELS[this.#summaryFloor]!,
    );
  }

  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) >= this.#threshold;
  }

  /**
   * The invocation's one summary line, which carries its metrics (CloudWatch EMF): written whatever the log level, so
   * the metrics, the alarms and the dashboard never depend on it; at `level`, or the summary floor when that is higher.
   */
  summary(level: LogLevel, message: string, fields: Fields): void {
    const at = Math.max(LOG_LEVELS.indexOf(level), this.#summaryFloor);
    this.#emit(LOG_LEVELS[at]!, message, fields);
  }

  debug(message: string, fields?: Fields): void {
    this.#log('DEBUG', message, fields);
  }
  info(message: string, fields?: Fields): void {
    this.#log('INFO', message, fields);
  }
  warn(message: string, fields?: Fields): void {
    this.#log('WARN', message, fields);
  }
  error(message: string, fields?: Fields): void {
    this.#log('ERROR', message, fields);
  }

  #log(level: LogLevel, message: string, fields: Fields = {}): void {
    if (this.enabled(level)) this.#emit(level, message, fields);
  }

  #emit(level: LogLevel, message: string, fields: Fields): void {
    const record = { timestamp: new Date().toISOString(), level, message, ...this.base, ...fields };
    const line = JSON.stringify(record);
    this.write(`${MAY_HOLD_A_SECRET.test(line) ? JSON.stringify(record, scrubStrings) : line}\n`);
  }
}

function scrubStrings(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? scrub(value) : value;
}

/**
 * The telephone numbers among the string values of `body` (a request the bridge sends: a caller's number, a callback
 * number, the number dialled), each as its last {@link NUMBER_TAIL} digits, for {@link redactNumbers}.
 */
export function numbersIn(body: unknown): string[] {
  const numbers: string[] = [];
  const pending: unknown[] = [body];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string' && NUMBER_VALUE.test(value)) {
      const digits = value.replace(/\D/g, '');
      if (digits.length >= NUMBER_TAIL) numbers.push(digits.slice(-NUMBER_TAIL));
    } else if (typeof value === 'object' && value !== null) {
      pending.push(...Object.values(value));
    }
  }
  return numbers;
}

/**
 * `text` (written by someone else: Salesforce's error texts) with every writing of `numbers` ({@link numbersIn})
 * replaced by `[redacted]` — with or without the `+` and the country code, grouped any way — where {@link scrub} knows
 * only numbers written with their `+`. Other numbers, such as Salesforce's ErrorId, stay as they are.
 */
export function redactNumbers(text: string, numbers: readonly string[]): string {
  return text.replace(DIGIT_RUN, (run) => {
    const digits = run.replace(/\D/g, '');
    return numbers.some((tail) => digits.includes(tail)) ? '[redacted]' : run;
  });
}

/** Replaces JWTs, bearer tokens, PEM blocks and telephone numbers in `text` with `[redacted]`. */
export function scrub(text: string): string {
  return text
    .replace(PEM, '[redacted]')
    .replace(BEARER, 'Bearer [redacted]')
    .replace(JWT, '[redacted]')
    .replace(PHONE_NUMBER, '[redacted]');
}
