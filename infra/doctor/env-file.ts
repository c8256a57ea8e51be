import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { SETTING_NAMES } from '../../lambda/src/config.ts';

/** Variables besides the settings that the file may hold: the AWS SDK's and Node's (as `npm run invoke --real` passes). */
const PASS_THROUGH = /^(AWS_|NODE_EXTRA_CA_CERTS$|HTTPS?_PROXY$|NO_PROXY$)/;

/** A dotenv file, split the way the doctor uses it. */
export interface EnvFile {
  /** The bridge's settings (the names in `SETTING_NAMES`). */
  readonly settings: Readonly<Record<string, string>>;
  /** AWS SDK and Node variables (`AWS_*`, `NODE_EXTRA_CA_CERTS`). */
  readonly environment: Readonly<Record<string, string>>;
  /** Every other name: not read by anything, so most likely a misspelt setting. */
  readonly unknownNames: readonly string[];
}

/**
 * Reads a dotenv file (`NAME=value` lines, `#` comments, optional quotes, `export ` tolerated), the format
 * `npm run invoke -- --real --env FILE` reads and `.env.example` documents.
 * @throws Error naming the file when it cannot be read
 */
export function readEnvFile(path: string): EnvFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      cause: error,
    });
  }
  const settings: Record<string, string> = {};
  const environment: Record<string, string> = {};
  const unknownNames: string[] = [];
  for (const [name, value = ''] of Object.entries(parseEnv(text))) {
    if ((SETTING_NAMES as readonly string[]).includes(name)) settings[name] = value;
    else if (PASS_THROUGH.test(name)) environment[name] = value;
    else unknownNames.push(name);
  }
  return { settings, environment, unknownNames };
}
