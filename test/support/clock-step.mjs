// Preloaded into a Lambda container (`node --import`): steps the wall clock (`Date.now`) by CLOCK_STEP_MS (negative:
// back) CLOCK_STEP_AFTER_MS after the first invocation arrives, as an NTP correction or a resumed VM would.
const step = Number(process.env.CLOCK_STEP_MS);
const after = Number(process.env.CLOCK_STEP_AFTER_MS);
const realNow = Date.now;
let offset = 0;
Date.now = () => realNow() + offset;
process.once('message', () => setTimeout(() => (offset += step), after));
