/* Merging received events into a page's state. Pure: no DOM. */

/**
 * Merge received events into `S` (S.events, S.seqs, S.lastSeq), in order of seq, each
 * once; keep only the last `keep` if given. Returns the events new to S, as received.
 */
export function takeEvents(S, events, keep) {
  var fresh = [];
  (events || []).forEach(function (e) {
    if (S.seqs[e.seq]) return;
    S.seqs[e.seq] = true;
    S.events.push(e);
    if (e.seq > S.lastSeq) S.lastSeq = e.seq;
    fresh.push(e);
  });
  if (fresh.length) S.events.sort(function (a, b) { return a.seq - b.seq; });
  if (keep && S.events.length > keep) S.events = S.events.slice(-keep);
  return fresh;
}
