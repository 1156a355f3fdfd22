// The model registry over HTTP: list, read, publish, approve and retire model versions. A version
// starts as a candidate when its training job succeeds; only published versions will serve scores.
// Four-eyes publishing: POST …/approve (role approver) publishes a version and records on its card
// who trained it (the job's submitter), who approved it, when, and the figures they saw; the
// approver may not be the person who trained it. With fourEyesPublish in the config, that is the
// only way a version goes live: POST …/publish is refused.
import { Type } from '@sinclair/typebox';
import { FedmarkError } from '../../errors/table.ts';
import { ModelCardSchema } from '../../protocol/messages/jobSpec.ts';
import type { Store } from '../store.ts';
import { personOf, type ApiKeyCheck } from './auth.ts';
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

const ApproveBody = Type.Object({ note: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'what the approver checked, kept on the card' })) }, { additionalProperties: false });

export const modelRoutes = routePlugin<{ store: Store; auth: ApiKeyCheck; read: ApiKeyCheck; approver: ApiKeyCheck; fourEyes: boolean }>('models', async (app, { store, auth, read, approver, fourEyes }) => {
  for (const schema of [ModelSummary, ModelCard, ModelVersion]) app.addSchema(schema);
  const doc = { tags: ['models'], security: auth.security };
  const errors = errorReplies(400, 401, 403, 404, 429);
  const summary = (m: ReturnType<Store['models']>[number]) => ({ name: m.name, version: m.version, status: m.status, job: m.job, createdAt: m.createdAt, metrics: m.card.metrics });
  const find = (name: string, version: number) => {
    const model = store.model(name, version);
    if (!model) throw new FedmarkError('FM_ERR_MODEL_NOT_FOUND', { name, version });
    return model;
  };

  const readDoc = { tags: ['models'], security: read.security };
  app.get('/v1/models', {
    onRequest: read,
    schema: { ...readDoc, operationId: 'listModels', summary: 'Every model version, by name and newest first', response: { 200: Type.Array(ref(ModelSummary)), ...errorReplies(401, 403, 429) } },
  }, async () => store.models().map(summary));

  app.get('/v1/models/:name', {
    onRequest: read,
    schema: { ...readDoc, operationId: 'listModelVersions', summary: 'The versions of one model', params: NameParams, response: { 200: Type.Array(ref(ModelSummary)), ...errors } },
  }, async (request) => {
    const { name } = request.params;
    const versions = store.models(name);
    if (versions.length === 0) throw new FedmarkError('FM_ERR_MODEL_NOT_FOUND', { name, version: 'any' });
    return versions.map(summary);
  });

  app.get('/v1/models/:name/versions/:version', {
    onRequest: read,
    schema: { ...readDoc, operationId: 'getModelVersion', summary: 'One model version with its card', params: VersionParams, response: { 200: ref(ModelVersion), ...errors } },
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
      if (action === 'publish' && fourEyes && model.status !== 'published') {
        throw new FedmarkError('FM_ERR_MODEL_APPROVAL', { name, version, reason: `this coordinator publishes only with four eyes: an approver other than its trainer runs fedmark models approve ${name} ${version}` });
      }
      store.setModelStatus(name, version, status);
      return summary(find(name, version));
    });
  }

  app.post('/v1/models/:name/versions/:version/approve', {
    onRequest: approver,
    schema: {
      tags: ['models'], security: approver.security, operationId: 'approveModelVersion',
      summary: 'Approve a candidate version for live scoring and publish it (four eyes: not by the person who trained it)',
      params: VersionParams, body: ApproveBody, response: { 200: ref(ModelVersion), ...errors, ...errorReplies(409) },
    },
  }, async (request) => {
    const { name, version } = request.params;
    const model = find(name, version);
    if (model.status !== 'candidate') throw new FedmarkError('FM_ERR_MODEL_STATE', { name, version, status: model.status, action: 'be approved' });
    const approvedBy = personOf(request) ?? '(unknown)';
    const trainedBy = store.job(model.job)?.submittedBy;
    if (trainedBy === undefined) throw new FedmarkError('FM_ERR_MODEL_APPROVAL', { name, version, reason: `job ${model.job} has no recorded submitter, so four eyes cannot be checked; retrain it through the API` });
    if (trainedBy === approvedBy) throw new FedmarkError('FM_ERR_MODEL_APPROVAL', { name, version, reason: `${approvedBy} trained it and may not also approve it; another approver must` });
    const note = request.body.note;
    store.approveModel(name, version, {
      trainedBy, approvedBy, approvedAt: new Date().toISOString(), figures: { ...model.card.metrics },
      intersectionSize: model.card.intersectionSize, evalRows: model.card.evalRows, ...(note ? { note } : {}),
    });
    return find(name, version);
  });
});
