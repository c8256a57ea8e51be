import { type Reply, replies } from '../emulators/salesforce.ts';

/** What the local Salesforce does for `npm run invoke -- --scenario <name>`. */
export const SCENARIOS = {
  accepted: {
    replies: [],
    about: "Salesforce accepts the request with its usual answer (a create: a new VoiceCall's id)",
  },
  agent: { replies: [replies.agent()], about: 'Salesforce routes the call to an agent' },
  queue: { replies: [replies.queue()], about: 'Salesforce routes the call to a queue' },
  none: { replies: [replies.none()], about: 'the flow names neither agent nor queue' },
  nested: { replies: [replies.nested()], about: 'an answer with object values, flattened for Connect' },
  errors: {
    replies: [replies.errors(400, 'Invalid flowDevName: Route_Nope')],
    about: 'Salesforce rejects the request with an errors array',
  },
  flaky: {
    replies: [replies.status(503), replies.reset(), replies.agent()],
    about: 'a 503, then a dropped connection, then an agent: retried inside the deadline',
  },
  lost: {
    replies: [replies.reset()],
    about: 'Salesforce reads the request, then the connection drops before its answer: a create is not sent again',
  },
  stall: { replies: [replies.stall()], about: 'Salesforce never answers: a clean TIMEOUT before Lambda would kill it' },
} satisfies Record<string, { replies: Reply[]; about: string }>;

export type ScenarioName = keyof typeof SCENARIOS;

export function isScenario(name: string): name is ScenarioName {
  return Object.hasOwn(SCENARIOS, name);
}
