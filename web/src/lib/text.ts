// Text length as the API counts it: characters (Unicode code points), not the UTF-16 units of a
// JavaScript string's `length` or an input's `maxLength` (an emoji is one character but two units).

/** The number of characters in `text`, as the API's length limits count them. */
export function characters(text: string): number {
  let count = 0;
  for (const _ of text) count += 1; // a string iterates by code point
  return count;
}
