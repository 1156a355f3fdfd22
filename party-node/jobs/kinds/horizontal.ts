// Horizontal jobs at a member: wires the member loop (jobs/horizontal/member.ts) to the node: the
// coordinator link for the schema, uploads and the final report, the end-to-end channels for the
// secret key, and one inbox for the coordinator's and the peers' messages of the job.
import { FedmarkError } from '../../../errors/table.ts';
import type { LinkFrame } from '../../../protocol/messages/index.ts';
import { hflPeerCodec } from '../../../protocol/horizontal/messages.ts';
import { Inbox } from '../../../protocol/peer/inbox.ts';
import { loadJobSeeds } from '../lookalike/jobSeeds.ts';
import { COORDINATOR, runMember, type HflItemFrame } from '../horizontal/member.ts';
import { memberLookalike } from '../horizontal/lookalike.ts';
import type { Topic } from '../topics.ts';
import type { PartyKind } from './kind.ts';

export const horizontalKind: PartyKind = {
  kind: 'horizontal',
  async prepare(ctx) {
    const { prepare, config, link, job } = ctx;
    if (prepare.kind !== 'horizontal') throw new FedmarkError('FM_ERR_INTERNAL', { reason: `a ${prepare.kind} job given to the horizontal kind` });
    const seeds = prepare.seeds ? await loadJobSeeds({ party: config.id, workDir: config.workDir, catalogue: ctx.catalogue }, prepare.seeds, ctx.dataset, {
      ...(prepare.dataset.idCaseSensitive !== undefined ? { idCaseSensitive: prepare.dataset.idCaseSensitive } : {}), ...(prepare.lookalike ? { minSeeds: prepare.lookalike.minSeeds } : {}),
    }) : undefined;
    const inbox = new Inbox<HflItemFrame>();
    return {
      async start(start) {
        const lookalike = seeds ? memberLookalike({ job, self: config.id, workDir: config.workDir, prepare, dataset: ctx.dataset, seeds }) : undefined;
        const evaluation = lookalike?.evaluation ?? ctx.evaluation;
        if (!evaluation) throw new FedmarkError('FM_ERR_WIRE_UNEXPECTED', { kind: 'job.start', state: 'a horizontal member without an evaluation table' });
        const report = await runMember({
          ...(lookalike ? { target: lookalike.target, lookalike: lookalike.lookalike } : {}),
          job,
          self: config.id,
          members: [config.id, ...prepare.peers.map((p) => p.id)],
          prepare,
          dataset: ctx.dataset,
          evaluation,
          toCoordinator: (kind, body, payload) => link.send(kind, body, { job, ...(payload ? { payload } : {}) }),
          sendKey: (peer, secretKey) => start.relay(peer, 'hfl', hflPeerCodec.encode('hfl.key', 0, {}, { payload: secretKey })),
          inbox,
          workDir: config.workDir,
          log: ctx.log,
          policy: ctx.policy,
        });
        link.send('hfl.report', report, { job });
        return undefined;
      },
      deliver(from: string, topic: Topic, frame: Uint8Array) {
        if (topic !== 'hfl') throw new FedmarkError('FM_ERR_WIRE_MALFORMED', { reason: `a ${topic} message from ${from} in a horizontal job` });
        const f = hflPeerCodec.decode(frame, config.maxFrameBytes);
        inbox.push({ from, frame: f });
      },
      onFrame(frame: LinkFrame) {
        if (frame.kind !== 'hfl.collect' && frame.kind !== 'hfl.aggregate') return false;
        inbox.push({ from: COORDINATOR, frame });
        return true;
      },
      halt: (reason) => inbox.fail(reason),
    };
  },
};
