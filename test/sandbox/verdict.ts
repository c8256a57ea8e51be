import type { Invocation } from '../support/lambda-container.ts';

/** The fields of the function's one log line per invocation that the verdict reads. */
export interface InvocationLog {
  readonly Method?: string;
  readonly attempts?: number;
  readonly ms?: { readonly http?: number };
}

/** What happened to the call: the line that says so, and whether the call was served as asked. */
export interface Verdict {
  /** One line: where the call was routed, or how it failed and what Connect does then. */
  readonly line: string;
  /**
   * True when the call was served as asked: routed to an agent or a queue, another method answered status OK, a
   * keep-warm ping answered. False when it failed (the block's Error branch, status=ERROR, a timeout) or a routing call
   * was routed nowhere (routingTarget NONE).
   */
  readonly served: boolean;
}

const MAX_TARGET = 100;
const ERROR_BRANCH = "Connect takes the block's Error branch";

const served = (line: string): Verdict => ({ line, served: true });
const notServed = (line: string): Verdict => ({ line, served: false });

/**
 * What happened to the call. `in N ms` is the invocation as Connect waits for it; `Salesforce N ms` the time spent on
 * Salesforce's answers (and the attempts, when there was more than one). Pure.
 */
export function verdict(outcome: Invocation, log?: InvocationLog): Verdict {
  const took = `in ${Math.round(outcome.durationMs)} ms`;
  const http = log?.ms?.http ?? 0;
  const attempts = log?.attempts ?? 0;
  const retried = attempts > 1 ? `, ${attempts} attempts` : '';
  const timed = http > 0 ? `${took} (Salesforce ${Math.round(http)} ms${retried})` : took;
  if (outcome.timedOut) {
    return notServed(`no answer within the function timeout: Lambda ends the invocation → ${ERROR_BRANCH}`);
  }
  if (outcome.error) return notServed(`failed: ${outcome.error.errorType} ${timed} → ${ERROR_BRANCH}`);
  const result = outcome.result ?? {};
  if (result.status === 'WARM') return served(`keep-warm ping answered ${took}: nothing routed, Salesforce not called`);
  if (result.status === 'ERROR') {
    return notServed(`failed: ${result.errorType} ${timed} → Connect gets status=ERROR on the block's success branch`);
  }
  if (result.routingTarget === 'AGENT')
    return served(`routed to AGENT ${short(result.agentId || result.agent)} ${timed}`);
  if (result.routingTarget === 'QUEUE')
    return served(`routed to QUEUE ${short(result.queueId || result.queue)} ${timed}`);
  if (result.routingTarget === 'NONE') {
    return notServed(
      `not routed: Salesforce named no agent or queue, ${timed} → the flow goes on with routingTarget NONE`,
    );
  }
  if (result.voiceCallId) return served(`created VoiceCall ${short(result.voiceCallId)} ${timed}`);
  if (result.recordId) return served(`callback requested: ContactRequest ${short(result.recordId)} ${timed}`);
  const line = `${log?.Method ?? 'the call'} answered status ${result.status} ${timed}`;
  return result.status === 'OK' ? served(line) : notServed(line);
}

/** A target as Connect got it, cut to fit on the line (the detail shows it whole). */
function short(target = ''): string {
  return target.length > MAX_TARGET ? `${target.slice(0, MAX_TARGET - 1)}…` : target;
}
