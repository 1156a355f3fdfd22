// What this party reveals by taking part in a job, by model and role: the short form of the "what
// each role learns" tables of docs/security.md, for the compliance officer who approves the job.
// Every text lives here, or for a vertical model not listed here in the model itself (its
// `reveals`), so the approval screen, the CLI and the dashboard say the same thing.
import { VERTICAL_MODELS, verticalModel } from '../../models/vertical/registry.ts';
import type { JobFacts } from './jobFacts.ts';

const PSI_GUEST = 'its ID count to each host; the coordinator learns the set sizes and the intersection size. Raw IDs never leave (they are blinded with a per-job secret).';
const PSI_HOST = 'its ID count to the guest, and to the guest which of the guest\'s customers it also holds (with several hosts, each host\'s overlap separately); the coordinator learns set sizes and the intersection size.';

const REVEALS: Record<string, Partial<Record<JobFacts['role'], string>>> = {
  psi: { guest: PSI_GUEST, host: PSI_HOST },
  'vertical/logistic': {
    guest: `PSI: ${PSI_GUEST} Training: encrypted residuals to the hosts; per epoch the evaluation loss and one inner product to the arbiter; the final metrics (AUC, KS, lift by decile) and the model card to the coordinator. Labels never leave.`,
    host: `PSI: ${PSI_HOST} Training: per epoch one inner product of its partial scores; once, its partial scores on the evaluation rows to the guest (one linear combination of its evaluation features per row); feature names and counts to the coordinator.`,
  },
  'vertical/gbdt': {
    guest: `PSI: ${PSI_GUEST} Training: encrypted gradients and hessians to the hosts; the split it chooses at each node; the final metrics and the model card to the coordinator. Labels never leave.`,
    host: `PSI: ${PSI_HOST} Training: to the guest, sums of the guest\'s gradients and hessians per bin of each of its features (sums only, never a row\'s), and which rows go left at each split it owns; its thresholds stay here.`,
  },
  'horizontal/logistic': {
    member: 'Its training row count and feature names to the coordinator; each round an encrypted update that only the sum of at least 3 members (its policy minimum) can reveal; its metrics on its own evaluation table to the coordinator.',
  },
  'horizontal/mlp': {
    member: 'Its training row count and feature names to the coordinator; each round an encrypted network update that only the sum of at least 3 members (its policy minimum) can reveal; its metrics on its own evaluation table to the coordinator.',
  },
};

const LOOKALIKE: Partial<Record<JobFacts['role'], string>> = {
  guest: ' Lookalike: each host\'s partial score on every intersection row comes to this party; seed and audience counts, recalls and the audience file\'s path go to the coordinator, never a seed ID.',
  host: ' Lookalike: its partial score on every intersection row goes to the guest, which ranks the population with it; it never learns which rows are seeds.',
  member: ' Lookalike: seed counts, recalls and the audience file\'s path to the coordinator; its seeds and audience stay here.',
};

/** What the party will reveal; a model the table does not know says so rather than guessing. */
export function revealsOf(facts: Pick<JobFacts, 'model' | 'role' | 'purpose'>): string {
  const base = REVEALS[facts.model]?.[facts.role] ?? ofVerticalModel(facts.model, facts.role) ?? `no summary for ${facts.model} as ${facts.role}: see docs/security.md before approving.`;
  return facts.purpose === 'lookalike' ? base + (LOOKALIKE[facts.role] ?? '') : base;
}

/** A registered vertical model's own summary of its training, after PSI's. */
function ofVerticalModel(model: string, role: JobFacts['role']): string | undefined {
  const name = model.startsWith('vertical/') ? model.slice('vertical/'.length) : undefined;
  if (name === undefined || role === 'member' || !Object.hasOwn(VERTICAL_MODELS, name)) return undefined;
  const training = verticalModel(name).reveals?.[role];
  return training === undefined ? undefined : `PSI: ${role === 'guest' ? PSI_GUEST : PSI_HOST} Training: ${training}`;
}
