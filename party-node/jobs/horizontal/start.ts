// Wires a horizontal member loop to the party node: the coordinator link for schema, uploads and
// the final report, the end-to-end channels for the secret key, the job's inbox.
import type { Logger } from 'pino';
import type { Channel } from '../../../protocol/e2e/channel.ts';
import { FedmarkError } from '../../../errors/table.ts';
import type { BodyOf } from '../../../protocol/messages/index.ts';
import { hflPeerCodec } from '../../../protocol/horizontal/messages.ts';
import type { Inbox } from '../../../protocol/peer/inbox.ts';
import type { PartyConfig } from '../../config.ts';
import type { Dataset } from '../../data/dataset.ts';
import type { CoordinatorLink } from '../../link.ts';
import type { PartyPolicy } from '../../policy.ts';
import { withTopic } from '../topics.ts';
import { runMember, type HflItemFrame } from './member.ts';
import { memberLookalike } from './lookalike.ts';
import type { SeedList } from '../lookalike/seeds.ts';

export interface HorizontalStart {
  node: PartyConfig;
  /** The node's policy (the aggregate contributor minimum is checked against it). */
  policy: PartyPolicy;
  link: CoordinatorLink;
  job: string;
  state: { prepare: BodyOf<'job.prepare'>; dataset: Dataset; evaluation?: Dataset; seeds?: SeedList; channels: Map<string, Channel>; hfl: Inbox<HflItemFrame> };
  log: Logger;
}

export async function startHorizontal(s: HorizontalStart): Promise<void> {
  const { job, state, link } = s;
  const lookalike = state.seeds ? memberLookalike({ job, self: s.node.id, workDir: s.node.workDir, prepare: state.prepare, dataset: state.dataset, seeds: state.seeds }) : undefined;
  const evaluation = lookalike?.evaluation ?? state.evaluation;
  if (!evaluation) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'job.start', state: 'a horizontal member without an evaluation table' });
  const report = await runMember({
    ...(lookalike ? { target: lookalike.target, lookalike: lookalike.lookalike } : {}),
    job,
    self: s.node.id,
    members: [s.node.id, ...state.prepare.peers.map((p) => p.id)],
    prepare: state.prepare,
    dataset: state.dataset,
    evaluation,
    toCoordinator: (kind, body, payload) => link.send(kind, body, { job, ...(payload ? { payload } : {}) }),
    sendKey: (peer, secretKey) => {
      const channel = state.channels.get(peer);
      if (!channel) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'hfl.key', state: `no channel with ${peer}` });
      const frame = hflPeerCodec.encode('hfl.key', 0, {}, { payload: secretKey });
      link.send('relay.send', { to: peer }, { job, payload: channel.seal(withTopic('hfl', frame)) });
    },
    inbox: state.hfl,
    workDir: s.node.workDir,
    log: s.log,
    policy: s.policy,
  });
  link.send('hfl.report', report, { job });
}
