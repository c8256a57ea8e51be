/**
 * Lambda's on-demand prices for an arm64 function in US East (N. Virginia), as published on
 * https://aws.amazon.com/lambda/pricing/ ("Arm Price", first 7.5 billion GB-seconds a month): unchanged since arm64
 * came to Lambda (2021-09-29) and still the figures third-party copies of the page give, checked on 2026-12-04. The page
 * renders its rates in the browser, so the figures were read from those copies (and AWS's "Introducing tiered pricing"
 * blog post, 2022, for the tiers), not from AWS's page text itself: check them there before quoting a cost.
 */
export const LAMBDA_PRICES = {
  checked: '2026-12-04',
  region: 'us-east-1',
  architecture: 'arm64',
  /** USD per GB-second of billed duration (memory in GB × duration in s). */
  perGbSecond: 0.0000133334,
  /** USD per request: $0.20 per million. */
  perRequest: 0.2 / 1e6,
} as const;

/**
 * Billed duration of one invocation: Lambda bills each invocation's duration rounded up to the millisecond (and, since
 * 2025-08-01, a cold start's init too, for functions on a managed runtime).
 */
export const billedMs = (durationMs: number): number => Math.ceil(durationMs);

/** USD per million invocations of a `memoryMb` function, each billed `billedMs` on average, requests included. */
export function costPerMillion(memoryMb: number, meanBilledMs: number): number {
  const gbSeconds = (memoryMb / 1024) * (meanBilledMs / 1000);
  return 1e6 * (LAMBDA_PRICES.perRequest + gbSeconds * LAMBDA_PRICES.perGbSecond);
}
