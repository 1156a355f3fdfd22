// The form in which customer IDs are compared, shared by the parties (PSI, seeds, scoring) and the
// coordinator (its per-ID scoring limit counts an ID the way the parties would match it).

/**
 * Trimmed and NFC-normalised (so the same accented name typed on two systems matches), then
 * lower-cased unless matching is case-sensitive.
 */
export function normalizeId(raw: string, caseSensitive: boolean): string {
  const t = raw.trim().normalize('NFC');
  return caseSensitive ? t : t.toLowerCase();
}
