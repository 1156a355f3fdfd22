import { describe, expect, it } from 'vitest';
import { FedmarkError } from '../../../errors/table.ts';
import { checkIntersectionLabels, checkTableLabels } from './labelClasses.ts';

const source = { party: 'bank', file: 'crm.csv', column: 'y' };

function failure(run: () => void): FedmarkError {
  try {
    run();
  } catch (err) {
    if (err instanceof FedmarkError) return err;
    throw err;
  }
  throw new Error('expected a FedmarkError');
}

describe('the guest table before PSI', () => {
  it('passes labels with both classes', () => {
    expect(() => checkTableLabels(source, Uint8Array.of(0, 1, 0))).not.toThrow();
  });

  it('refuses a single-class label column, naming party, file and column', () => {
    const e = failure(() => checkTableLabels(source, Uint8Array.of(1, 1, 1, 1)));
    expect(e.code).toBe('FM_ERR_DATA_MODEL');
    expect(e.message).toBe('party bank: crm.csv, column "y": all 4 consenting rows have the label 1; a model needs both classes');
  });
});

describe('the intersection after PSI', () => {
  it('passes training and evaluation rows that each hold both classes', () => {
    expect(() => checkIntersectionLabels(source, 5, Uint8Array.of(0, 1, 1), Uint8Array.of(1, 0))).not.toThrow();
  });

  it('names an empty intersection and the ID rule behind the usual cause', () => {
    const e = failure(() => checkIntersectionLabels(source, 0, new Uint8Array(0), new Uint8Array(0)));
    expect(e.code).toBe('FM_ERR_DATA_INTERSECTION');
    expect(e.message).toMatch(/^party bank: the intersection cannot train this model: no customer is shared by all parties\. .*00123 and 123, 123\.0 and 123/);
  });

  it.each([
    ['training rows of one class', Uint8Array.of(1, 1, 1), Uint8Array.of(0, 1)],
    ['evaluation rows of one class', Uint8Array.of(0, 1, 1), Uint8Array.of(0, 0)],
    ['no evaluation rows', Uint8Array.of(0, 1, 1, 0, 1), new Uint8Array(0)],
  ])('refuses %s', (_, train, evaluation) => {
    const e = failure(() => checkIntersectionLabels(source, train.length + evaluation.length, train, evaluation));
    expect(e.code).toBe('FM_ERR_DATA_INTERSECTION');
    expect(e.message).toContain(`give ${train.length} training and ${evaluation.length} evaluation rows, and column "y" of crm.csv does not hold both classes`);
  });

  it('tells the other parties neither class nor count, which only the guest\'s log gets', () => {
    // Hosts know the shared customers and the split: "the evaluation rows are all 1" would label them.
    const one = failure(() => checkIntersectionLabels(source, 4, Uint8Array.of(0, 1), Uint8Array.of(1, 1)));
    const zero = failure(() => checkIntersectionLabels(source, 4, Uint8Array.of(0, 1), Uint8Array.of(0, 0)));
    expect(one.message).toBe(zero.message);
    expect(one.local).toEqual({ trainPositives: 1, trainNegatives: 1, evaluationPositives: 2, evaluationNegatives: 0 });
  });
});
