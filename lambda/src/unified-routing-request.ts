import { BadEventError } from './errors.ts';
import { type EventParts, optionalField, text } from './event-fields.ts';
import { flowInputs, withinBodyLimit } from './omni-flow-request.ts';

/** The body of `PATCH …/voiceCalls/route/{id}` (Route a Voice Call, Unified Routing). */
export interface RouteBody {
  /** The rep, queue or flow the call goes to. */
  readonly routingTarget: string;
  readonly fallbackQueue?: string;
  readonly flowInputParameters?: Readonly<Record<string, string>>;
}

/** The body of `POST …/voiceCalls/{id}/requestCallback` (Request a Callback, Unified Routing). */
export interface CallbackBody {
  /** The number to call back: the caller's, so it is never logged or echoed. */
  readonly callbackNumber: string;
  readonly isPreviewCallback?: boolean;
  readonly vendorCallKey?: string;
}

const BOOLEAN: Readonly<Record<string, boolean>> = { true: true, false: false };

/**
 * Route a Voice Call's body: `routingTarget`, `fallbackQueue` when given, and the `flowInput-*` parameters as
 * `flowInputParameters`, built as for Execute an Omni-Channel Flow. Pure.
 * @throws {BadEventError} without `Details.Parameters.routingTarget`: nothing is sent
 */
export function routeBody({ parameters }: EventParts, warnings: string[]): RouteBody {
  const routingTarget = text(parameters, 'routingTarget');
  if (routingTarget === undefined) {
    throw new BadEventError(
      'routeVoiceCall needs Details.Parameters.routingTarget: the id of the rep, queue or flow to route the call to',
    );
  }
  const body: RouteBody = {
    routingTarget,
    ...optionalField('fallbackQueue', text(parameters, 'fallbackQueue')),
    ...optionalField('flowInputParameters', flowInputs(parameters, warnings)),
  };
  return withinBodyLimit(body, 'the flow inputs (Details.Parameters.flowInput-*, flowInputParameters)');
}

/**
 * Request a Callback's body: the number from `customerCallbackNumber`, and `isPreviewCallback` (`true`/`false`) and
 * `vendorCallKey` when given. Pure. No message repeats the number.
 * @throws {BadEventError} without `Details.Parameters.customerCallbackNumber`, or with an `isPreviewCallback` that
 *   is not true or false: nothing is sent
 */
export function callbackBody({ parameters }: EventParts): CallbackBody {
  const callbackNumber = text(parameters, 'customerCallbackNumber');
  if (callbackNumber === undefined) {
    throw new BadEventError(
      'callbackExecution needs Details.Parameters.customerCallbackNumber: the number to call the customer back on',
    );
  }
  return {
    callbackNumber,
    ...optionalField('isPreviewCallback', previewCallback(parameters.isPreviewCallback)),
    ...optionalField('vendorCallKey', text(parameters, 'vendorCallKey')),
  };
}

function previewCallback(value: unknown): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  const word = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  const flag = word !== undefined && Object.hasOwn(BOOLEAN, word) ? BOOLEAN[word] : undefined;
  if (flag === undefined) throw new BadEventError('Details.Parameters.isPreviewCallback must be true or false');
  return flag;
}
