// The model registry over HTTP: list, read, publish and retire model versions. A version starts as
// a candidate when its training job succeeds; only published versions will serve scores.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { FedmarkError } from '../../errors/table.ts';
import { ModelCardSchema } from '../../protocol/messages/jobSpec.ts';
import type { ModelStatus, Store } from '../store.ts';
import type { ApiKeyCheck } from './auth.ts';
import { ErrorBody } from './errors.ts';

const Status = Type.Union([Type.Literal('candidate'), Type.Literal('published'), Type.Literal('retired')]);
const Summary = Type.Object({
  name: Type.String(), version: Type.Integer(), status: Status, job: Type.String(), createdAt: Type.String(),
  metrics: Type.Record(Type.String(), Type.Number()),
});
const Detail = Type.Object({ name: Type.String(), version: Type.Integer(), status: Status, job: Type.String(), createdAt: Type.String(), card: ModelCardSchema });
const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }) });
const VersionParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }), version: Type.Integer({ minimum: 1 }) });

export function modelRoutes(app: FastifyInstance, deps: { store: Store; auth: ApiKeyCheck }): void {
  const { store, auth } = deps;
  const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody };
  const summary = (m: ReturnType<Store['models']>[number]) => ({ name: m.name, version: m.version, status: m.status, job: m.job, createdAt: m.createdAt, metrics: m.card.metrics });
  const find = (name: string, version: number) => {
    const model = store.model(name, version);
    if (!model) throw new FedmarkError('FM_ERR_MODEL_NOT_FOUND', { name, version });
    return model;
  };

  app.get('/v1/models', {
    onRequest: auth,
    schema: { summary: 'Every model version, by name and newest first', response: { 200: Type.Array(Summary), ...errors } },
  }, async () => store.models().map(summary));

  app.get('/v1/models/:name', {
    onRequest: auth,
    schema: { summary: 'The versions of one model', params: NameParams, response: { 200: Type.Array(Summary), ...errors } },
  }, async (request) => {
    const { name } = request.params as { name: string };
    const versions = store.models(name);
    if (versions.length === 0) throw new FedmarkError('FM_ERR_MODEL_NOT_FOUND', { name, version: 'any' });
    return versions.map(summary);
  });

  app.get('/v1/models/:name/versions/:version', {
    onRequest: auth,
    schema: { summary: 'One model version with its card', params: VersionParams, response: { 200: Detail, ...errors } },
  }, async (request) => {
    const { name, version } = request.params as { name: string; version: number };
    return find(name, version);
  });

  for (const [action, status] of [['publish', 'published'], ['retire', 'retired']] as const) {
    app.post(`/v1/models/:name/versions/:version/${action}`, {
      onRequest: auth,
      schema: { summary: `${action === 'publish' ? 'Publish' : 'Retire'} a model version`, params: VersionParams, response: { 200: Summary, ...errors } },
    }, async (request) => {
      const { name, version } = request.params as { name: string; version: number };
      const model = find(name, version);
      if (model.status === 'retired') throw new FedmarkError('FM_ERR_MODEL_STATE', { name, version, status: model.status, action });
      store.setModelStatus(name, version, status as ModelStatus);
      return summary(find(name, version));
    });
  }
}
