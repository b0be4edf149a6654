// An Idempotency-Key per user action on an appointment (cancel, move, check in …): the same
// action — the same address and body — sent again while its answer is awaited or after it
// was lost (a double click, a flaky network, a 503) carries the same key, so the server
// makes the change once and answers every copy as it answered the first.
const pending = new Map();

// A double click's second click can come after the first one's answer (a quick server, a
// busy browser): the same action again within this time, with no other action between,
// is that second click, and is answered as the first was — not refused as a new change
// ("already checked in"). After it, or after any other action, it is a new action.
const REPEAT_MS = 2000;
let answered = null;  // the last action answered: { action, key, at }

// `send(headers)` makes the request (api() of clinic.js); its result is returned as is.
export async function once(url, body, send) {
  const action = `${url}|${JSON.stringify(body ?? null)}`;
  const again = answered && answered.action === action && Date.now() - answered.at < REPEAT_MS;
  const key = pending.get(action) || (again ? answered.key : crypto.randomUUID());
  answered = null;
  pending.set(action, key);
  const result = await send({ "Idempotency-Key": key });  // thrown (no answer): key kept
  if (result.status < 500) {  // answered: soon after, the same click again is this one
    pending.delete(action);
    answered = { action, key, at: Date.now() };
  }
  return result;
}
