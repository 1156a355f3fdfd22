// Pooled lookalike quality over several rankings that each cut their own top k% (horizontal
// members rank their own customers): the held-out seeds found in all the top groups over all the
// held-out seeds, and the lift over random of the pooled cut. From each ranking's counts only.

export interface RankingQuality {
  /** Held-out seeds among this ranking's candidates. */
  heldOut: number;
  /** Candidates ranked (everyone but the training seeds). */
  ranked: number;
  /** At each cut: the top group's size and the held-out seeds' recall in it. */
  recall: ReadonlyArray<{ fraction: number; size: number; recall: number }>;
}

export interface PooledRecall {
  fraction: number;
  found: number;
  heldOut: number;
  recall: number;
  lift: number;
}

/** Rankings must report the same cuts in the same order. */
export function poolRecall(parts: readonly RankingQuality[]): PooledRecall[] {
  const first = parts[0];
  if (!first) return [];
  const heldOut = parts.reduce((s, p) => s + p.heldOut, 0);
  const ranked = parts.reduce((s, p) => s + p.ranked, 0);
  return first.recall.map((cut, k) => {
    let found = 0;
    let size = 0;
    for (const p of parts) {
      const r = p.recall[k];
      if (!r || r.fraction !== cut.fraction) throw new RangeError(`rankings report different cuts: ${cut.fraction} against ${r?.fraction}`);
      found += Math.round(r.recall * p.heldOut);
      size += r.size;
    }
    const recall = heldOut > 0 ? found / heldOut : 0;
    return { fraction: cut.fraction, found, heldOut, recall, lift: size > 0 ? recall / (size / ranked) : 0 };
  });
}
