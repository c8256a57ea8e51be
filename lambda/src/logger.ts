import { LOG_LEVELS, type LogLevel } from './config.ts';

type Fields = Record<string, unknown>;

const JWT = /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]+/g;
const PEM = /-----BEGIN[^-]*-----[\s\S]*?(?:-----END[^-]*-----|$)/g;
const BEARER = /Bearer\s+\S+/gi;
/** An E.164 telephone number (`+` and 7–15 digits, maybe spaced or dashed): a caller's, wherever it came from. */
export const PHONE_NUMBER = /\+\d(?:[\s.-]?\d){6,14}/g;

/**
 * One JSON object per line on stdout, the shape CloudWatch Logs Insights reads. Written straight to the stream (not
 * through `console`), so Lambda's JSON log format leaves it as it is. As a last line of defence every line is
 * scrubbed (value by value, so it stays valid JSON) of anything that looks like a JWT, a bearer token, a PEM block or a
 * telephone number; callers never pass the caller's number, but Salesforce's error texts may echo it.
 */
export class Logger {
  readonly #threshold: number;

  constructor(
    level: LogLevel,
    private readonly write: (line: string) => void = (line) => process.stdout.write(line),
    private readonly base: Fields = { service: 'connect-omniflow-bridge' },
  ) {
    this.#threshold = LOG_LEVELS.indexOf(level);
  }

  /** A logger that adds `fields` (e.g. the request id) to every line. */
  with(fields: Fields): Logger {
    return new Logger(LOG_LEVELS[this.#threshold]!, this.write, { ...this.base, ...fields });
  }

  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) >= this.#threshold;
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
    if (!this.enabled(level)) return;
    const record = { timestamp: new Date().toISOString(), level, message, ...this.base, ...fields };
    this.write(`${JSON.stringify(record, scrubStrings)}\n`);
  }
}

function scrubStrings(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? scrub(value) : value;
}

/** Replaces JWTs, bearer tokens, PEM blocks and telephone numbers in `text` with `[redacted]`. */
export function scrub(text: string): string {
  return text
    .replace(PEM, '[redacted]')
    .replace(BEARER, 'Bearer [redacted]')
    .replace(JWT, '[redacted]')
    .replace(PHONE_NUMBER, '[redacted]');
}
