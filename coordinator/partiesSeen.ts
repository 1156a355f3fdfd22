// When each party was last seen, kept in the store so it survives a coordinator restart: written
// on connect and disconnect and, for online parties, once per heartbeat period. After a restart
// the links report these times for parties that have not connected again yet.
import type { PartyLinks } from './links.ts';
import type { Store } from './store.ts';

/** Starts recording; the returned function stops it (before the store closes). */
export function trackPartiesSeen(links: PartyLinks, store: Store, intervalMs: number): () => void {
  links.rememberLastSeen(store.parties());
  const connected = (party: string) => store.partySeen(party, true);
  const disconnected = (party: string) => store.partySeen(party, false);
  links.on('connected', connected);
  links.on('disconnected', disconnected);
  const timer = setInterval(() => {
    for (const s of links.status()) if (s.online) store.partySeen(s.id, true);
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    links.off('connected', connected);
    links.off('disconnected', disconnected);
  };
}
