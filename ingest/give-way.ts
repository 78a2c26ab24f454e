/**
 * An ingest's steps come through promises only — a source's records, the encoder's inline
 * encodes, the database's statements (PGlite runs them on this thread) — which never let the
 * event loop take other work: a server's requests would wait behind a whole group of files (the
 * real demo's first dozen maps, read, encoded, stored and caught up with, held a page's script
 * back 0.7 s at load 9). Steps call this between them: once this thread has run YIELD_AFTER_MS
 * since any ingest last gave way (files are read several at a time), it lets the event loop turn.
 */
const YIELD_AFTER_MS = 10;

let lastGaveWay = performance.now();

export async function giveWayWhenDue(): Promise<void> {
  if (performance.now() - lastGaveWay < YIELD_AFTER_MS) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  lastGaveWay = performance.now();
}
