// Score monitoring over HTTP: GET /v1/models/{name}/versions/{version}/monitoring, per UTC day the
// served scores' counts and shares by evaluation decile and their population stability index, with
// the thresholds they are read against (coordinator/monitoring/). Admin and scientist keys: the
// figures are counts of what scorers were served, never an ID or a score.
import { Type } from '@sinclair/typebox';
import { FedmarkError } from '../../errors/table.ts';
import type { ScoreMonitor } from '../monitoring/monitor.ts';
import { evaluationShares } from '../monitoring/daily.ts';
import type { Store } from '../store.ts';
import type { ApiKeyCheck } from './auth.ts';
import { errorReplies } from './errors.ts';
import { routePlugin } from './routePlugin.ts';
import { named, ref } from './schemaRef.ts';

const Shares = Type.Array(Type.Number({ minimum: 0, maximum: 1 }), { description: 'decile 1 (the top 10% of evaluation scores) first' });
const ServedDay = named('ServedDay', Type.Object({
  day: Type.String({ description: 'YYYY-MM-DD, UTC' }),
  served: Type.Integer({ description: 'scores served that day and placed in a decile' }),
  counts: Type.Array(Type.Integer({ minimum: 0 }), { description: 'scores in each decile, decile 1 first' }),
  shares: Shares,
  psi: Type.Number({ description: 'population stability index against expectedShares' }),
  level: Type.Union([Type.Literal('ok'), Type.Literal('warn'), Type.Literal('alert'), Type.Literal('too-few')], { description: 'too-few: fewer than minScores scores that day, not judged' }),
}));
const ModelMonitoring = named('ModelMonitoring', Type.Object({
  name: Type.String(),
  version: Type.Integer(),
  status: Type.String(),
  thresholds: Type.Object({ psiWarn: Type.Number(), psiAlert: Type.Number(), minScores: Type.Integer() }),
  expectedShares: { ...Shares, description: 'the evaluation distribution: a tenth per decile by construction of the cut points, but where scores tie across cuts (an empty decile between equal cuts hands its tenth to the decile above); empty for a model without deciles' },
  days: Type.Array(ref(ServedDay), { description: 'days that served scores, oldest first' }),
}));

export const monitoringRoutes = routePlugin<{ store: Store; monitor: ScoreMonitor; auth: ApiKeyCheck }>('monitoring', async (app, { store, monitor, auth }) => {
  for (const schema of [ServedDay, ModelMonitoring]) app.addSchema(schema);
  app.get('/v1/models/:name/versions/:version/monitoring', {
    onRequest: auth,
    schema: {
      tags: ['models'], security: auth.security, operationId: 'getModelMonitoring',
      summary: 'Served scores of a model version by day and evaluation decile, with their population stability index',
      params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }), version: Type.Integer({ minimum: 1 }) }),
      querystring: Type.Object({ days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, default: 30, description: 'how many UTC days back, today included' })) }, { additionalProperties: false }),
      response: { 200: ref(ModelMonitoring), ...errorReplies(400, 401, 403, 404, 429) },
    },
  }, async (request) => {
    const { name, version } = request.params;
    const model = store.model(name, version);
    if (!model) throw new FedmarkError('FM_ERR_MODEL_NOT_FOUND', { name, version });
    const bins = model.card.deciles.length + 1;
    return {
      name, version, status: model.status,
      thresholds: { psiWarn: monitor.settings.psiWarn, psiAlert: monitor.settings.psiAlert, minScores: monitor.settings.minScores },
      expectedShares: bins < 2 ? [] : evaluationShares(model.card.deciles),
      days: bins < 2 ? [] : monitor.history(model, request.query.days ?? 30),
    };
  });
});
