import type { defaultProvider as chainProvider } from '@aws-sdk/credential-provider-node';

/**
 * Stands in for `@aws-sdk/credential-provider-node` inside the bundle (see `lambda/build.ts`): the same
 * `defaultProvider`, but the chain behind it — SSO, profiles, web identity, process, container and instance metadata,
 * and the nested STS/SSO clients they use — is imported the first time a client asks it for credentials, as a chunk
 * of its own. On Lambda no client asks (`sdk-config.ts` hands them the environment's credentials), so none of it is
 * read or compiled during init; elsewhere (a profile on a developer's machine) it works as the SDK's own.
 */
export const defaultProvider: typeof chainProvider = (init) => {
  let chain: Promise<ReturnType<typeof chainProvider>> | undefined;
  return async (options) => {
    chain ??= import('@aws-sdk/credential-provider-node').then((real) => real.defaultProvider(init));
    return (await chain)(options);
  };
};
