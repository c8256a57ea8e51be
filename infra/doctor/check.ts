import type { BridgeConfig } from '../../lambda/src/config.ts';
import type { Org } from '../../lambda/src/key/source.ts';

/** What one check found: passed (with what it saw), failed (with what to fix), or skipped (and why). */
export type CheckResult =
  | { readonly status: 'pass'; readonly detail: string }
  | { readonly status: 'fail'; readonly detail: string; readonly fix: string }
  | { readonly status: 'skip'; readonly detail: string };

export const pass = (detail: string): CheckResult => ({ status: 'pass', detail });
export const fail = (detail: string, fix: string): CheckResult => ({ status: 'fail', detail, fix });
export const skip = (detail: string): CheckResult => ({ status: 'skip', detail });

/** What the doctor was asked to check. */
export interface DoctorOptions {
  /** The dotenv file the settings come from, as given on the command line. */
  readonly envFile: string;
  /** The bridge's settings in that file (only the names the function reads). */
  readonly settings: Readonly<Record<string, string>>;
  /** Names in the file that are neither a setting nor an AWS or Node variable (typos, mostly). */
  readonly unknownNames: readonly string[];
  /** `--certificate`: the PEM certificate uploaded to the Salesforce call center. */
  readonly certificateFile?: string;
  /** `--stack`: the deployed CloudFormation stack. */
  readonly stackName?: string;
}

/** The raw value read from the key store, and the item it came from. */
export interface StoredKey {
  /** e.g. `SSM parameter /x (PRIVATE_KEY_PARAM_NAME)`. */
  readonly description: string;
  readonly value: string;
}

/** The deployed `live` alias, as the stack names it. */
export interface DeployedAlias {
  readonly aliasArn: string;
  /** The function's unqualified ARN. */
  readonly functionArn: string;
  readonly aliasName: string;
  readonly version: string;
}

/** What the checks found so far; each check reads what earlier ones left and adds its own finding. */
export interface DoctorState {
  readonly options: DoctorOptions;
  config?: BridgeConfig;
  stored?: StoredKey;
  org?: Org;
  /** Set once Salesforce's host resolved and its TLS certificate was accepted. */
  hostVerified?: boolean;
  deployed?: DeployedAlias;
}

/** One preflight check. `run` never throws for a finding: a problem is a `fail` that says what to fix. */
export interface Check {
  /** What the check verifies, e.g. `settings valid`. */
  readonly title: string;
  run(state: DoctorState): Promise<CheckResult>;
}
