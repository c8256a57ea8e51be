// Types for the undici modules the bridge imports one by one (see salesforce-client.ts). undici publishes types only
// for its index; these re-export its own declarations, so each part is typed exactly as the index types it.

declare module 'undici/lib/dispatcher/pool.js' {
  import { Pool } from 'undici';
  export = Pool;
}

declare module 'undici/lib/core/connect.js' {
  import { buildConnector } from 'undici';
  export = buildConnector;
}

declare module 'undici/lib/api/api-request.js' {
  import type { Dispatcher } from 'undici';
  /** `Dispatcher.prototype.request`, which undici's index installs on every dispatcher: call it with one as `this`. */
  function request<TOpaque = null>(
    this: Dispatcher,
    options: Dispatcher.RequestOptions<TOpaque>,
  ): Promise<Dispatcher.ResponseData<TOpaque>>;
  export = request;
}
