/** Reads the stored private key (the raw string) from one backend. */
export interface KeySource {
  /** Names the setting and the stored item for messages, e.g. `SSM parameter /x (PRIVATE_KEY_PARAM_NAME)`. */
  readonly description: string;
  /**
   * One attempt to read the value.
   * @throws {KeyError} the item is missing, unreadable or empty (`retryable` set for throttling and network faults)
   */
  fetch(signal: AbortSignal): Promise<string>;
}
