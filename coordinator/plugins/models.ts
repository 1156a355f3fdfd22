// The model registry over HTTP: list, read, publish and retire model versions. A version starts as
// a candidate when its training job succeeds; only published versions will serve scores.
import { Type } from '@sinclair/typebox';
import { FedmarkError } from '../../errors/table.ts';
import { ModelCardSchema } from '../../protocol/messages/jobSpec.ts';
import type { Store } from '../store.ts';
import type { ApiKeyCheck } from './auth.ts';
import { errorReplies } from './errors.ts';
import { routePlugin } from './routePlugin.ts';
import { named, ref } from './schemaRef.ts';

const Status = Type.Union([Type.Literal('candidate'), Type.Literal('published'), Type.Literal('retired')]);
const ModelSummary = named('ModelSummary', Type.Object({
  name: Type.String(), version: Type.Integer(), status: Status, job: Type.String(), createdAt: Type.String(),
  metrics: Type.Record(Type.String(), Type.Number()),
}));
const ModelCard = named('ModelCard', ModelCardSchema);
const ModelVersion = named('ModelVersion', Type.Object({ name: Type.String(), version: Type.Integer(), status: Status, job: Type.String(), createdAt: Type.String(), card: ref(ModelCard) }));
const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }) });
const VersionParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }), version: Type.Integer({ minimum: 1 }) });

export const modelRoutes = routePlugin<{ store: Store; auth: ApiKeyCheck }>('models', async (app, { store, auth }) => {
  for (const schema of [ModelSummary, ModelCard, ModelVersion]) app.addSchema(schema);
  const doc = { tags: ['models'], security: auth.security };
  const errors = errorReplies(400, 401, 403, 404, 429);
  const summary = (m: ReturnType<Store['models']>[number]) => ({ name: m.name, version: m.version, status: m.status, job: m.job, createdAt: m.createdAt, metrics: m.card.metrics });
  const find = (name: string, version: number) => {
    const model = store.model(name, version);
    if (!model) throw new FedmarkError('FM_ERR_MODEL_NOT_FOUND', { name, version });
    return model;
  };

  app.get('/v1/models', {
    onRequest: auth,
    schema: { ...doc, operationId: 'listModels', summary: 'Every model version, by name and newest first', response: { 200: Type.Array(ref(ModelSummary)), ...errorReplies(401, 403, 429) } },
  }, async () => store.models().map(summary));

  app.get('/v1/models/:name', {
    onRequest: auth,
    schema: { ...doc, operationId: 'listModelVersions', summary: 'The versions of one model', params: NameParams, response: { 200: Type.Array(ref(ModelSummary)), ...errors } },
  }, async (request) => {
    const { name } = request.params;
    const versions = store.models(name);
    if (versions.length === 0) throw new FedmarkError('FM_ERR_MODEL_NOT_FOUND', { name, version: 'any' });
    return versions.map(summary);
  });

  app.get('/v1/models/:name/versions/:version', {
    onRequest: auth,
    schema: { ...doc, operationId: 'getModelVersion', summary: 'One model version with its card', params: VersionParams, response: { 200: ref(ModelVersion), ...errors } },
  }, async (request) => find(request.params.name, request.params.version));

  for (const [action, status, operationId] of [['publish', 'published', 'publishModelVersion'], ['retire', 'retired', 'retireModelVersion']] as const) {
    app.post(`/v1/models/:name/versions/:version/${action}`, {
      onRequest: auth,
      schema: {
        ...doc, operationId, summary: `${action === 'publish' ? 'Publish' : 'Retire'} a model version`,
        params: VersionParams, response: { 200: ref(ModelSummary), ...errors, ...errorReplies(409) },
      },
    }, async (request) => {
      const { name, version } = request.params;
      const model = find(name, version);
      if (model.status === 'retired') throw new FedmarkError('FM_ERR_MODEL_STATE', { name, version, status: model.status, action });
      store.setModelStatus(name, version, status);
      return summary(find(name, version));
    });
  }
});
