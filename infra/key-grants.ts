import { ArnFormat, type Stack } from 'aws-cdk-lib';

/** A Secrets Manager secret ARN, complete (`…:secret:<name>-AbCdEf`) or partial (`…:secret:<name>`). */
export const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]{1,512}$/;
/** The characters and length Secrets Manager allows in a secret's name. */
export const SECRET_NAME = /^[\w/+=.@-]{1,512}$/;
const SSM_PARAMETER_ARN = /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/.+$/;
/** Secrets Manager appends `-` and six random letters or digits to a secret's name in its complete ARN. */
const SECRET_SUFFIX = /-[A-Za-z0-9]{6}$/;
/** `name:3` or `name:live`: GetParameter's version or label selector, which is no part of the parameter's ARN. */
const PARAMETER_SELECTOR = /:[^:/]*$/;
/** IAM's wildcard for exactly the six characters Secrets Manager appends. */
const ANY_SUFFIX = '-??????';

/**
 * The resources `secretsmanager:GetSecretValue` must allow for a secret named by its ARN. A name ending in `-` and
 * six letters or digits may be a complete ARN, or a partial one whose own name ends that way
 * (`…:secret:connect-bridge`), so both are granted; any other ARN is partial and gets the suffix wildcard.
 */
export function secretArnResources(arn: string): string[] {
  return SECRET_SUFFIX.test(arn) ? [arn, `${arn}${ANY_SUFFIX}`] : [`${arn}${ANY_SUFFIX}`];
}

/** The resources for a secret given by name or ARN; a name lives in the stack's account and region. */
export function secretResources(scope: Stack, nameOrArn: string): string[] {
  if (nameOrArn.startsWith('arn:')) return secretArnResources(nameOrArn);
  return [secretArn(scope, `${nameOrArn}${ANY_SUFFIX}`)];
}

/** `arn:…:secret:<prefix>*`: every secret whose name starts with the prefix, in the stack's account and region. */
export function secretPrefixResource(scope: Stack, prefix: string): string {
  return secretArn(scope, `${prefix}*`);
}

/** The ARN `ssm:GetParameter` must allow for a parameter given by name or ARN, without any `:version` / `:label`. */
export function parameterResource(scope: Stack, nameOrArn: string): string {
  const bare = nameOrArn.replace(PARAMETER_SELECTOR, '');
  if (SSM_PARAMETER_ARN.test(bare)) return bare;
  return scope.formatArn({ service: 'ssm', resource: 'parameter', resourceName: bare.replace(/^\//, '') });
}

function secretArn(scope: Stack, resourceName: string): string {
  return scope.formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
