// The job kinds a party node takes part in, one line each.
import { FedmarkError } from '../../../errors/table.ts';
import type { PartyKind } from './kind.ts';
import { psiKind } from './psi.ts';
import { verticalKind } from './vertical.ts';
import { horizontalKind } from './horizontal.ts';

const KINDS: ReadonlyMap<string, PartyKind> = new Map([psiKind, verticalKind, horizontalKind].map((k) => [k.kind, k]));

/** The plug-in of `kind`; FM_ERR_JOB_INVALID for a kind this party does not run. */
export function partyKind(kind: string, kinds: ReadonlyMap<string, PartyKind> = KINDS): PartyKind {
  const found = kinds.get(kind);
  if (!found) throw new FedmarkError('FM_ERR_JOB_INVALID', { file: 'sent by the coordinator', field: 'kind', reason: `this party runs no job of kind "${kind}" (${[...kinds.keys()].join(', ')})` });
  return found;
}
