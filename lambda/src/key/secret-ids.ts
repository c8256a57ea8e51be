/** Where the function runs, and what it knows of its own contact-centre secret. */
export interface SecretContext {
  /** The function's region (`AWS_REGION`): a secret given by name lives there. */
  readonly region: string | undefined;
  /** The function's account (from its own ARN): a secret given by name lives there. */
  readonly account: string | undefined;
  /** The secret's complete ARN, as Secrets Manager answered it, once it has been read. */
  readonly arn: string | undefined;
}

/** A Secrets Manager ARN: region, account and name (`-` and six characters appended in a complete ARN). */
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):(\d{12}):secret:(.+)$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:(\d{12}):function:/;
/** Secrets Manager's suffix of a complete ARN: `-` and six characters. */
const SUFFIX_LENGTH = 7;

/**
 * True when `named` (a secret name or ARN from an event) is the function's own secret `own` (its `SECRET_NAME`): the
 * same text; its complete ARN as read, or that ARN without the suffix (a partial ARN); or, in the function's own region
 * and account, the ARN of the name or the name of the ARN. A name ending in `-` and six characters is ambiguous in an
 * ARN (complete, or partial of a longer name): only the ARN Secrets Manager answered settles it. Pure.
 */
export function sameSecret(named: string, own: string, context: SecretContext): boolean {
  if (named === own) return true;
  const { arn } = context;
  if (arn !== undefined && (named === arn || named === arn.slice(0, -SUFFIX_LENGTH))) return true;
  const ownName = arn !== undefined ? arnName(arn, context)?.slice(0, -SUFFIX_LENGTH) : nameOf(own, context);
  return ownName !== undefined && nameOf(named, context) === ownName;
}

/** The account of the function's own ARN (`context.invokedFunctionArn`); undefined for anything else. */
export function accountOf(functionArn: string | undefined): string | undefined {
  return functionArn === undefined ? undefined : LAMBDA_ARN.exec(functionArn)?.[1];
}

/** The secret's name when `value` is a name, or an ARN in the function's own region and account; else undefined. */
function nameOf(value: string, context: SecretContext): string | undefined {
  return SECRET_ARN.test(value) ? arnName(value, context) : value;
}

function arnName(arn: string, { region, account }: SecretContext): string | undefined {
  const match = SECRET_ARN.exec(arn);
  return match && region !== undefined && match[1] === region && match[2] === account ? match[3] : undefined;
}
