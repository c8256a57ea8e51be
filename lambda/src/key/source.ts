import type { KeyObject } from 'node:crypto';
import type { OrgSettings } from '../config.ts';

/** Reads the stored private key (the raw string) from one backend. */
export interface KeySource {
  /** Names the setting and the stored item for messages, e.g. `SSM parameter /x (PRIVATE_KEY_PARAM_NAME)`. */
  readonly description: string;
  /** Loads what a read needs (the SDK client), so that the first read's request leaves at once. */
  prepare?(): Promise<void>;
  /**
   * One attempt to read the value.
   * @throws {KeyError} the item is missing, unreadable or empty (`retryable` set for throttling and network faults)
   */
  fetch(signal: AbortSignal): Promise<string>;
}

/** One Salesforce org as a call needs it: where to call, the token's claims, and the parsed private key. */
export interface Org {
  readonly settings: OrgSettings;
  readonly key: KeyObject;
}

/** Reads one org's settings and key: from the environment plus a key store, or from a contact-centre secret. */
export interface OrgSource {
  /** Names the stored item and what named it, e.g. `Secrets Manager secret acme (SECRET_NAME)`. */
  readonly description: string;
  /** The stored item's complete ARN, once a load has read it (a Secrets Manager secret's). */
  readonly arn?: string | undefined;
  /** Loads what a load needs (its key store's SDK client), so that the first load's request leaves at once. */
  prepare?(): Promise<void>;
  /**
   * One attempt to read and parse the org.
   * @throws {KeyError} unreadable, incomplete or not a usable key (a {@link RetryableKeyError} when worth retrying)
   */
  load(signal: AbortSignal): Promise<Org>;
}
