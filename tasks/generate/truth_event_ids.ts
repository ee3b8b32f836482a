/**
 * Message-id de-duplication of the event answer key: ids of the generator's
 * form `msg_<tag>_<n>` are kept as bits of n, any other id in a set.
 *
 * @module
 */

import type { EventTally } from "./truth_events.ts";

/** Marks `<idPrefix><n>` as seen; false when it already was (a duplicate). */
export function markSeenSeq(t: EventTally, n: number): boolean {
  const byte = n >>> 3;
  if (byte >= t.seenSeq.length) {
    const grown = new Uint8Array(Math.max(byte + 1, t.seenSeq.length * 2));
    grown.set(t.seenSeq);
    t.seenSeq = grown;
  }
  const bit = 1 << (n & 7);
  if (t.seenSeq[byte] & bit) return false;
  t.seenSeq[byte] |= bit;
  return true;
}

/** Marks a message id as seen; false when it already was (a duplicate). */
export function markSeen(t: EventTally, id: string): boolean {
  if (id.startsWith(t.idPrefix)) {
    let n = 0;
    let digits = 0;
    for (let i = t.idPrefix.length; i < id.length; i++) {
      const c = id.charCodeAt(i) - 48;
      if (c < 0 || c > 9 || ++digits > 9) {
        digits = -1;
        break;
      }
      n = n * 10 + c;
    }
    if (digits > 0) return markSeenSeq(t, n);
  }
  if (t.seenOther.has(id)) return false;
  t.seenOther.add(id);
  return true;
}
