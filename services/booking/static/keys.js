// An Idempotency-Key per user action on an appointment (cancel, move, check in …): the same
// action — the same address and body — sent again while its answer is awaited or after it
// was lost (a double click, a flaky network, a 503) carries the same key, so the server
// makes the change once and answers every copy as it answered the first.
const pending = new Map();

// `send(headers)` makes the request (api() of clinic.js); its result is returned as is.
export async function once(url, body, send) {
  const action = `${url}|${JSON.stringify(body ?? null)}`;
  const key = pending.get(action) || crypto.randomUUID();
  pending.set(action, key);
  const result = await send({ "Idempotency-Key": key });  // thrown (no answer): key kept
  if (result.status < 500) pending.delete(action);  // answered: the next click is a new action
  return result;
}
