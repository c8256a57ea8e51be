import { expect, it } from 'vitest';
import type { Flow } from '../../infra/contact-flow.ts';
import { ERROR_TYPES, targets } from './flow-walker.ts';

/** Characters the flow language does not allow in an action's identifier. */
const FORBIDDEN_ID_CHARS = /[%:(\\/)=$,;[\]{}]/;
const RESERVED_IDS = new Set(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf']);

/**
 * Registers the checks every sample flow must pass as flow language: its version and start, unique legal identifiers
 * of known types, transitions to existing actions on errors their type has, every action reachable, and an end only
 * by disconnecting (every other action goes on somewhere).
 */
export function itIsWellFormedFlowLanguage(flow: Flow): void {
  const byId = new Map(flow.Actions.map((action) => [action.Identifier, action]));

  it('declares the flow language version and a start action that exists', () => {
    expect(flow.Version).toBe('2019-10-30');
    expect(byId.has(flow.StartAction)).toBe(true);
  });

  it('gives every action a unique, legal identifier and a known type', () => {
    expect(byId.size).toBe(flow.Actions.length);
    for (const action of flow.Actions) {
      expect(action.Identifier.length).toBeLessThanOrEqual(50);
      expect(action.Identifier).not.toMatch(FORBIDDEN_ID_CHARS);
      expect(RESERVED_IDS.has(action.Identifier)).toBe(false);
      expect(Object.keys(ERROR_TYPES), action.Type).toContain(action.Type);
    }
  });

  it('points every transition at an existing action, branching only on errors its action type has', () => {
    for (const action of flow.Actions) {
      for (const target of targets(action)) expect(byId.has(target), `${action.Identifier} → ${target}`).toBe(true);
      for (const error of action.Transitions.Errors ?? [])
        expect(ERROR_TYPES[action.Type], `${action.Identifier}: ${error.ErrorType}`).toContain(error.ErrorType);
    }
  });

  it('reaches every action from the start, and ends only by disconnecting or transferring', () => {
    const seen = new Set<string>();
    const queue = [flow.StartAction];
    while (queue.length > 0) {
      const id = queue.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      queue.push(...targets(byId.get(id)!));
    }
    expect([...seen].sort()).toEqual([...byId.keys()].sort());
    for (const action of flow.Actions) {
      if (action.Type === 'DisconnectParticipant') expect(targets(action)).toEqual([]);
      else expect(action.Transitions.NextAction, action.Identifier).toBeDefined();
    }
  });
}
