// jco lifts a thrown value into a WIT `err(...)` by taking its own `payload`
// property; anything else thrown becomes a trap. So refusals carry the message
// as `payload`, and the Error around it keeps a stack trace for stderr.

/** An error that the host receives as `err(message)`: throw it to refuse. */
export function refusal(message) {
  const error = new Error(message);
  Object.defineProperty(error, 'payload', { value: message });
  return error;
}
