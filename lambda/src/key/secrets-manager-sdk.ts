/** The parts of the AWS SDK's Secrets Manager client that `secrets-manager.ts` uses, loaded only when used. */
export { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
