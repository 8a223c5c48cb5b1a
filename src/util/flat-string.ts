/**
 * `s` as one flat, shared run of characters: V8's internalized copy.
 *
 * Substrings (a session id cut from a file name), concatenations (a template literal) and strings
 * once used as a property key are each one indirection away from their characters (V8's sliced,
 * cons and thin strings). The OTLP protobuf serializer reads every attribute value a character at
 * a time, so the session's identity strings, repeated on every span, are made flat once, where
 * they are made. Measured in one process over the bench corpus: encoding the spans took 1.0 s
 * instead of 2.5 s, and `replay --jobs 1` 6.5 s instead of 9.3 s (docs/performance.md, "Fifth
 * session"). A property key is always internalized, which is why this goes through one. Not for
 * strings made once per span: internalized strings live in the old generation.
 */
export function flatString(s: string): string {
  for (const key in { [s]: true }) return key;
  return s;
}
