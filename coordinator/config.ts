// The coordinator's one configuration: validated once at start-up, defaulted, frozen, passed down.
import { ApiRoleSchema } from './apiRoles.ts';
import { Type, type Static } from '@sinclair/typebox';
import { validateConfig } from '../protocol/config.ts';
import { PartyId } from '../protocol/messages/job.ts';
import { OidcSettingsSchema } from './sso/settings.ts';
import { checkMonitoringSettings, MonitoringSettingsSchema } from './monitoring/settings.ts';

const Sha256Hex = Type.String({ pattern: '^[0-9a-f]{64}$' });

/** An ISO 8601 date (midnight UTC) or date and time with a zone. */
export const ISO_TIME = '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2}))?$';

export const CoordinatorConfigSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 7400 }),
    store: Type.String({ default: '.fedmark/coordinator.db', description: 'node:sqlite file, or :memory:' }),
    parties: Type.Array(Type.Object({ id: PartyId, tokenSha256: Sha256Hex }, { additionalProperties: false }), { default: [] }),
    apiKeys: Type.Array(
      Type.Object(
        {
          id: Type.String({ minLength: 1 }),
          keySha256: Sha256Hex,
          role: ApiRoleSchema,
          person: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'who holds the key: four-eyes publishing refuses an approver who is the person that submitted the training job (default: the key id)' })),
          ratePerMinute: Type.Integer({ minimum: 1, default: 600, description: 'requests per minute this key may make (token bucket)' }),
          expiresAt: Type.Optional(Type.String({ pattern: ISO_TIME, description: 'ISO 8601 date or time after which the key is refused (401 FM_ERR_AUTH_KEY_EXPIRED)' })),
        },
        { additionalProperties: false },
      ),
      { default: [] },
    ),
    tls: Type.Optional(Type.Object(
      {
        cert: Type.String({ minLength: 1, description: 'PEM certificate file (with any intermediates after it)' }),
        key: Type.String({ minLength: 1, description: 'PEM private key file' }),
      },
      { additionalProperties: false, description: 'serve HTTPS and WSS; without it the coordinator speaks plain HTTP (loopback and tests only)' },
    )),
    oidc: Type.Optional(OidcSettingsSchema),
    maxFrameBytes: Type.Integer({ minimum: 1024, default: 8 * 1024 * 1024 }),
    fourEyesPublish: Type.Boolean({ default: false, description: 'a model version goes live only through POST …/approve by an approver who is not the person that trained it; publish is refused' }),
    heartbeatMs: Type.Integer({ minimum: 100, default: 10_000 }),
    stepTimeoutMs: Type.Integer({ minimum: 100, default: 10 * 60_000, description: 'longest wait for one party answer' }),
    partyWaitMs: Type.Integer({ minimum: 100, default: 10 * 60_000, description: 'how long a job waits for a party that dropped out (or, after a restart, for its parties) before it fails' }),
    monitoring: MonitoringSettingsSchema,
    scoringPerIdPerHour: Type.Integer({ minimum: 1, maximum: 65_535, default: 20, description: 'how often one customer ID may be scored per clock hour, over all keys (online and batch)' }),
    logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  },
  { additionalProperties: false },
);
export type CoordinatorConfig = Readonly<Static<typeof CoordinatorConfigSchema>>;

export function coordinatorConfig(input: unknown, source: string): CoordinatorConfig {
  const config = validateConfig(CoordinatorConfigSchema, input, source);
  checkMonitoringSettings(config.monitoring, source);
  return config;
}
