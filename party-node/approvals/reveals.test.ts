// What the approval screen says a party reveals: the table's text for the models it lists, a
// registered vertical model's own summary (its `reveals`) after PSI's for the others, and an
// explicit "no summary" for a model nobody describes. A rule may name any registered model.
import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { naiveBayes } from '../../models/vertical/naiveBayes/index.ts';
import { revealsOf } from './reveals.ts';
import { AutoApproveRule } from './rules.ts';

describe('what a party reveals, for the compliance officer', () => {
  it('gives a vertical model\'s own summary after PSI\'s, by role', () => {
    const host = revealsOf({ model: 'vertical/naiveBayes', role: 'host', purpose: 'propensity' });
    expect(host.startsWith('PSI: its ID count to the guest')).toBe(true);
    expect(host.endsWith(`Training: ${naiveBayes.reveals.host}`)).toBe(true);
    const guest = revealsOf({ model: 'vertical/naiveBayes', role: 'guest', purpose: 'lookalike' });
    expect(guest).toContain(`Training: ${naiveBayes.reveals.guest}`);
    expect(guest).toMatch(/ Lookalike: each host's partial score/);
    expect(revealsOf({ model: 'vertical/logistic', role: 'host', purpose: 'propensity' })).toMatch(/per epoch one inner product/);
    expect(revealsOf({ model: 'vertical/nosuch', role: 'host', purpose: 'propensity' })).toBe('no summary for vertical/nosuch as host: see docs/security.md before approving.');
  });

  it('lets an approval rule name every registered model, camel case included', () => {
    expect(Value.Check(AutoApproveRule, { models: ['vertical/naiveBayes', 'vertical/gbdt', 'psi'] })).toBe(true);
    expect(Value.Check(AutoApproveRule, { models: ['vertical/naive bayes'] })).toBe(false);
  });
});
