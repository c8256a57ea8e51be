import { setFlagsFromString } from 'node:v8';

/** V8's flags for WebAssembly that never leaves its baseline compiler, Liftoff. */
const BASELINE_ONLY = '--no-wasm-tier-up --no-wasm-dynamic-tiering';

/**
 * Keeps WebAssembly on V8's baseline compiler, Liftoff, for the rest of the process. The function's only WebAssembly
 * is undici's HTTP parser (llhttp), whose main function — one large state machine — V8 otherwise recompiles with
 * TurboFan on a background thread a few requests into a new container: 140–220 ms of CPU and ~30 MB of compiler memory
 * here, which on Lambda's fractional vCPU is taken from the calls it overlaps. Liftoff's code parses an answer as fast
 * (request p50 equal within the noise over 4,000 requests, Node 20 and 24). Set at run time because Lambda takes no V8
 * flags on the command line (`NODE_OPTIONS` refuses them); both flags, because Node 24 ignores `--liftoff-only` set
 * this way. Must run before the parser is compiled, which undici does on its first connection.
 */
export function keepWebAssemblyOnBaseline(): void {
  setFlagsFromString(BASELINE_ONLY);
}
