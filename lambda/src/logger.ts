import { LOG_LEVELS, type LogLevel } from './config.ts';

type Fields = Record<string, unknown>;

const JWT = /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]+/g;
const PEM = /-----BEGIN[^-]*-----[\s\S]*?(?:-----END[^-]*-----|$)/g;
const BEARER = /Bearer\s+\S+/gi;
/** An E.164 telephone number (`+` and 7–15 digits, maybe spaced or dashed): a caller's, wherever it came from. */
export const PHONE_NUMBER = /\+\d(?:[\s.-]?\d){6,14}/g;
/**
 * A telephone number as people and other systems write it without the `+`: 7–15 digits standing alone, maybe grouped
 * by spaces, dots, dashes or parentheses (`2065550199`, `(206) 555-0199`, `206.555.0199`). Not part of a longer word
 * or id (a record id, a UUID of digits). For text from outside only — Salesforce's error texts, which may echo the
 * number a callback was asked for as it was keyed in — since in the bridge's own lines it would take counts for numbers.
 */
export const LOOSE_PHONE_NUMBER = /(?<![\w+-])\(?\d(?:[ .()-]{0,2}\d){6,14}(?![\w-])/g;
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
 * {@link scrub}, and telephone numbers written without the `+` ({@link LOOSE_PHONE_NUMBER}): for text the bridge did
 * not write, such as Salesforce's error texts, before it reaches a log line or an attribute.
 */
export function scrubForeign(text: string): string {
  return scrub(text).replace(LOOSE_PHONE_NUMBER, '[redacted]');
}

/** Replaces JWTs, bearer tokens, PEM blocks and telephone numbers in `text` with `[redacted]`. */
export function scrub(text: string): string {
  return text
    .replace(PEM, '[redacted]')
    .replace(BEARER, 'Bearer [redacted]')
    .replace(JWT, '[redacted]')
    .replace(PHONE_NUMBER, '[redacted]');
}
