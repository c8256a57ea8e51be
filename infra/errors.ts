/** A prop or context value the app refuses. The message names it; the app prints it without a stack trace. */
export class InvalidSettingError extends Error {
  override readonly name = 'InvalidSettingError';
}
