// Campaigns (issue 17), the coordinator's part: check the request (a published vertical model, a
// control fraction strictly between 0 and 1, a guest-alone arm only where the guest keeps
// guest-alone scores), score the model's whole intersection as batch scoring does (suppressed
// customers come back unscorable from the party that lists them), hand the guest the scores by row
// to pick the target and assign the arms, and keep the counts it answers. Outcomes are read from
// the guest when the campaign is shown: counts per arm and decile only.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { FedmarkError } from '../../errors/table.ts';
import { float64Bytes } from '../../protocol/peer/blobs.ts';
import type { CampaignTarget } from '../../protocol/messages/campaign.ts';
import type { PartyLinks } from '../links.ts';
import type { ModelVersion, Store } from '../store.ts';
import type { ScoringService } from '../scoring/service.ts';
import type { CampaignRecord, CampaignStore } from './store.ts';
import { campaignView, type CampaignView } from './view.ts';

export interface CampaignRequest {
  name: string;
  model: string;
  version?: number | undefined;
  target: CampaignTarget;
  controlFraction: number;
  guestArm?: boolean | undefined;
}

export class CampaignService {
  private readonly store: Store;
  private readonly campaigns: CampaignStore;
  private readonly scoring: ScoringService;
  private readonly links: PartyLinks;
  private readonly log: Logger;
  private readonly timeoutMs: number;

  constructor(o: { store: Store; campaigns: CampaignStore; scoring: ScoringService; links: PartyLinks; log: Logger; timeoutMs?: number }) {
    this.store = o.store;
    this.campaigns = o.campaigns;
    this.scoring = o.scoring;
    this.links = o.links;
    this.log = o.log;
    this.timeoutMs = o.timeoutMs ?? 120_000;
  }

  async create(req: CampaignRequest): Promise<CampaignView> {
    const invalid = (field: string, reason: string) => new FedmarkError('FM_ERR_CAMPAIGN_INPUT', { field, reason });
    if (!(req.controlFraction > 0 && req.controlFraction < 1)) throw invalid('controlFraction', `must be strictly between 0 and 1: a control group needs customers held back and customers contacted (got ${req.controlFraction})`);
    if ('topPercent' in req.target && !(req.target.topPercent > 0 && req.target.topPercent <= 100)) throw invalid('target.topPercent', `must be in (0, 100] (got ${req.target.topPercent})`);
    const model = this.modelOf(req.model, req.version);
    const spec = this.store.jobSpec(model.job);
    if (!spec) throw new FedmarkError('FM_ERR_JOB_NOT_FOUND', { job: model.job });
    if (spec.kind !== 'vertical') throw invalid('model', `${model.name} v${model.version} is a ${spec.kind} model: campaigns run on a vertical propensity or lookalike model, whose guest holds the shared customers`);
    const purpose = spec.purpose ?? 'propensity';
    const guestArm = req.guestArm ?? false;
    if (guestArm && purpose !== 'lookalike') throw invalid('guestArm', `${model.name} is a propensity model: the guest keeps guest-alone scores for lookalike models only`);
    if (guestArm && 'audience' in req.target) throw invalid('guestArm', 'an audience file is one list for every arm: a guest-alone arm needs a target by score (topPercent or deciles)');
    const { guest, score } = await this.scoring.scoreIntersection(model);
    const id = `cmp-${randomBytes(5).toString('hex')}`;
    const body = { campaign: id, model: model.name, modelJob: model.job, purpose, target: req.target, controlFraction: req.controlFraction, guestArm };
    const reply = await this.links.requests.ask(guest, 'campaign.assign', body, { what: `campaign ${id}`, timeoutMs: this.timeoutMs, payload: float64Bytes(score) });
    const record: CampaignRecord = {
      id, name: req.name, model: { name: model.name, version: model.version }, guest, target: req.target, controlFraction: req.controlFraction, guestArm,
      createdAt: new Date().toISOString(), assigned: reply.body,
    };
    this.campaigns.add(record);
    this.store.event(null, 'campaign.created', { id, name: req.name, model: model.name, version: model.version, population: reply.body.population });
    this.log.info({ campaign: id, model: model.name, version: model.version, population: reply.body.population }, 'campaign created');
    return campaignView(record);
  }

  list(): CampaignView[] {
    return this.campaigns.list().map(campaignView);
  }

  /** The campaign, with the guest's latest outcome counts when it is online (else the last ones read). */
  async show(id: string): Promise<CampaignView> {
    const record = this.campaigns.get(id);
    if (!record) throw new FedmarkError('FM_ERR_CAMPAIGN_NOT_FOUND', { campaign: id });
    if (this.links.isOnline(record.guest)) {
      try {
        const reply = await this.links.requests.ask(record.guest, 'campaign.results', { campaign: id }, { what: `campaign ${id}`, timeoutMs: Math.min(this.timeoutMs, 15_000) });
        const counts = reply.body;
        if (counts.uploaded && counts.uploadedAt !== record.outcomes?.at) {
          // Checked like any report input before it is kept: counts that cannot be are refused here.
          const updated = { ...record, outcomes: { at: counts.uploadedAt ?? new Date().toISOString(), arms: counts.arms } };
          campaignView(updated);
          this.campaigns.update(updated);
          this.store.event(null, 'campaign.outcomes', { id, at: updated.outcomes.at });
          return campaignView(updated);
        }
      } catch (err) {
        this.log.warn({ campaign: id, err: (err as Error).message }, 'campaign outcomes not read from the guest; showing the last ones');
      }
    }
    return campaignView(record);
  }

  private modelOf(name: string, version: number | undefined): ModelVersion {
    const model = version === undefined ? this.store.models(name).find((m) => m.status === 'published') ?? this.store.models(name)[0] : this.store.model(name, version);
    if (!model) throw new FedmarkError('FM_ERR_MODEL_NOT_FOUND', { name, version: version ?? 'any' });
    if (model.status !== 'published') throw new FedmarkError('FM_ERR_MODEL_STATE', { name, version: model.version, status: model.status, action: 'run a campaign (publish a version first)' });
    return model;
  }
}
