// One table of every error fedmark reports across a process boundary.
// Codes are FM_ERR_<AREA>_<WHAT>; each has an HTTP status and a message template whose
// {placeholders} are filled from `params`. Never put secrets or customer data in params.

export const ERRORS = {
  FM_ERR_WIRE_MALFORMED: { status: 400, message: 'malformed frame: {reason}' },
  FM_ERR_WIRE_TOO_LARGE: { status: 413, message: 'frame of {size} bytes exceeds the limit of {limit} bytes' },
  FM_ERR_WIRE_VERSION: { status: 400, message: 'protocol version {got} is not supported (expected {expected})' },
  FM_ERR_WIRE_UNEXPECTED: { status: 400, message: 'unexpected message {kind} in state {state}' },
  FM_ERR_WIRE_DECRYPT: { status: 400, message: 'end-to-end payload from {from} failed authentication' },
  FM_ERR_WIRE_REQUEST: { status: 400, message: 'request {field}: {reason}' },
  FM_ERR_AUTH_TOKEN: { status: 401, message: 'party {party} is not known or its token is wrong' },
  FM_ERR_AUTH_KEY: { status: 401, message: 'missing or wrong API key' },
  FM_ERR_AUTH_ROLE: { status: 403, message: 'a {role} key may not do this (allowed: {allowed})' },
  FM_ERR_AUTH_RATE: { status: 429, message: 'API key {key} is over its limit of {limit} requests per minute' },
  FM_ERR_AUTH_KEY_EXISTS: { status: 409, message: 'an API key named {id} exists already' },
  FM_ERR_AUTH_KEY_REVOKED: { status: 401, message: 'API key {key} was revoked at {at}; ask an admin for a new one' },
  FM_ERR_AUTH_KEY_EXPIRED: { status: 401, message: 'API key {key} expired at {at}; ask an admin for a new one' },
  FM_ERR_AUTH_KEY_NOT_FOUND: { status: 404, message: 'no API key named {id}' },
  FM_ERR_AUTH_TLS: { status: 401, message: 'the coordinator at {url} failed this party\'s certificate check: {reason}' },
  FM_ERR_AUTH_PEER_KEY: { status: 403, message: 'the {purpose} key of partner {party} did not verify against its pinned identity: {reason}' },
  FM_ERR_AUTH_DUPLICATE: { status: 409, message: 'party {party} is already connected' },
  FM_ERR_AUTH_LINK: { status: 401, message: 'this dashboard sign-in link {reason}; ask an admin for a new one (fedmark dashboard --login-url)' },
  FM_ERR_AUTH_SSO: { status: 401, message: 'single sign-on through {provider} failed: {reason}; sign in again' },
  FM_ERR_AUTH_SSO_ROLE: { status: 403, message: 'user {user} has no fedmark role: claim {claim} is {value}, which oidc.roleMap does not map (it maps {mapped})' },
  FM_ERR_AUTH_SSO_TOKEN: { status: 401, message: 'access token from {provider} refused: {reason}' },
  FM_ERR_AUTH_SSO_OFF: { status: 404, message: 'single sign-on is not configured on this coordinator (no oidc section in its config)' },
  FM_ERR_AUTH_SSO_KEY: { status: 400, message: 'API key {key} is not a single sign-on session; revoke other keys with fedmark keys revoke' },
  FM_ERR_DATA_FILE: { status: 422, message: 'party {party}: cannot read {file}: {reason}' },
  FM_ERR_DATA_EMPTY: { status: 422, message: 'party {party}: {file} has no data rows' },
  FM_ERR_DATA_COLUMN: { status: 422, message: 'party {party}: {file}: column "{column}" not found in the header (the party\'s log lists its columns)' },
  FM_ERR_DATA_ROW: { status: 422, message: 'party {party}: {file} row {row}: {reason}' },
  FM_ERR_DATA_NUMBER: { status: 422, message: 'party {party}: {file} row {row}, column "{column}": the value is neither a number (decimal point, no thousands separators, within ±1.8e308) nor missing (empty, NA, N/A, NaN, null, ?); list the column under categorical if it is one' },
  FM_ERR_DATA_DUPLICATE_ID: { status: 422, message: 'party {party}: {file} row {row}, column "{column}": ID duplicates the one on row {firstRow}' },
  FM_ERR_DATA_EMPTY_ID: { status: 422, message: 'party {party}: {file} row {row}, column "{column}": ID is empty' },
  FM_ERR_DATA_LABEL: { status: 422, message: 'party {party}: {file} row {row}, column "{column}": the label is not binary (use 0/1, yes/no or true/false)' },
  FM_ERR_DATA_COLUMN_TWICE: { status: 422, message: 'party {party}: {file}: column "{column}" is used twice: {reason}' },
  FM_ERR_DATA_CONSENT: { status: 422, message: 'party {party}: {file} row {row}, column "{column}": the consent value is not recognised (use Y/N, yes/no, 1/0 or true/false; empty means no)' },
  FM_ERR_DATA_SPEC: { status: 422, message: 'party {party}: {file}: dataset setting {field}: {reason}' },
  FM_ERR_DATA_SEEDS: { status: 422, message: 'party {party}: seed file {file}, column "{column}": {reason}' },
  FM_ERR_DATA_TYPE: { status: 422, message: 'party {party}: {file}: column "{column}" is of type {type}; {expected}' },
  FM_ERR_DATA_TOO_LARGE: { status: 422, message: 'party {party}: {file} needs more than the {limit} bytes this party allows for one table (maxTableBytes), at row {row}' },
  FM_ERR_DATA_CELL: { status: 422, message: 'party {party}: feature "{column}": {reason} (explain.minCell is {minCell}); lower explain.bins or explain.minCell, or leave the column out' },
  FM_ERR_DATA_SOURCE: { status: 503, message: 'party {party}: {file} is unavailable: {reason}' },
  FM_ERR_DATA_UNKNOWN_DATASET: { status: 422, message: 'party {party} has no dataset "{dataset}" in its catalogue' },
  FM_ERR_DATA_NO_PATHS: { status: 403, message: 'party {party} takes no file paths from jobs: name one of its datasets (data: { dataset: NAME }); paths are for fedmark simulate' },
  FM_ERR_DATA_MODEL: { status: 422, message: 'party {party}: {file}, column "{column}": {reason}' },
  FM_ERR_DATA_INTERSECTION: { status: 422, message: 'party {party}: the intersection cannot train this model: {reason}' },
  FM_ERR_DATA_PATH: { status: 403, message: 'party {party}: {file} is outside the directories this party serves (the party\'s log names them)' },
  FM_ERR_PSI_PROTOCOL: { status: 500, message: 'PSI with {peer} failed: {reason}' },
  FM_ERR_PSI_MISMATCH: { status: 500, message: 'parties disagree on the intersection: {detail}' },
  FM_ERR_PSI_INPUT: { status: 400, message: '{param} must be {expected} (got {got})' },
  FM_ERR_PSI_POINT: { status: 400, message: 'point {index} is invalid (low order)' },
  FM_ERR_PSI_POOL: { status: 500, message: 'blinding pool: {reason}' },
  FM_ERR_HE_INPUT: { status: 400, message: '{param} must be {expected} (got {got})' },
  FM_ERR_HE_RANGE: { status: 422, message: '{param}: {reason}' },
  FM_ERR_HE_PARAMS: { status: 500, message: 'HE parameters: {reason}' },
  FM_ERR_HE_KEY: { status: 400, message: '{param} is not a public key for this job\'s HE parameters: {reason}' },
  FM_ERR_HE_CIPHERTEXT: { status: 400, message: '{param} is not a valid ciphertext for this job\'s HE parameters: {reason}' },
  FM_ERR_HE_NOISE: { status: 500, message: '{param}: noise budget exhausted ({budget} bits left), it cannot be decrypted correctly' },
  FM_ERR_HE_POOL: { status: 500, message: 'histogram worker pool: {reason}' },
  FM_ERR_HE_REFUSED: { status: 403, message: 'the arbiter refused to decrypt for {party} in job {job}: {reason}' },
  FM_ERR_HFL_SCHEMA: { status: 422, message: 'member {party}: column "{column}": {reason}' },
  FM_ERR_HFL_KEY: { status: 400, message: '{param} is not a CKKS secret key for this job\'s parameters: {reason}' },
  FM_ERR_HFL_QUORUM: { status: 503, message: 'round {round}: {got} of the {needed} members needed answered ({missing} dropped out)' },
  FM_ERR_HFL_AGGREGATE: { status: 400, message: 'the aggregate for round {round} ({purpose}) was refused: {reason}' },
  FM_ERR_MODEL_NOT_FOUND: { status: 404, message: 'model {name} version {version} not found' },
  FM_ERR_MODEL_NOT_PUBLISHED: { status: 404, message: 'model {name} has no published version' },
  FM_ERR_MODEL_STATE: { status: 409, message: 'model {name} version {version} is {status} and cannot {action}' },
  FM_ERR_MODEL_INPUT: { status: 400, message: '{param} must be {expected} (got {got})' },
  FM_ERR_SCORE_BY_ID: { status: 403, message: 'party {party} is a host of model {model}: it scores shared customers by PSI handle only, never by ID' },
  FM_ERR_SCORE_ID_RATE: { status: 429, message: 'ids[{index}] was asked {limit} times in this hour already (the per-ID limit); retry in {seconds} s' },
  FM_ERR_JOB_INVALID: { status: 400, message: 'job file {file}: {field}: {reason}' },
  FM_ERR_JOB_PATH: { status: 400, message: 'the name {name} would place a file outside {place}; refused' },
  FM_ERR_JOB_PARTY_OFFLINE: { status: 503, message: 'party {party} is not connected' },
  FM_ERR_JOB_PARTY_FAILED: { status: 500, message: 'party {party} failed: {reason}' },
  FM_ERR_JOB_NOT_FOUND: { status: 404, message: 'job {job} not found' },
  FM_ERR_JOB_TIMEOUT: { status: 504, message: 'job {job}: no answer from {party} within {seconds} s' },
  FM_ERR_JOB_CANCELLED: { status: 409, message: 'job {job} was cancelled through the API' },
  FM_ERR_JOB_STATE: { status: 409, message: 'job {job} is {state} and cannot {action}' },
  FM_ERR_POLICY_REFUSED: { status: 403, message: 'party {party} refused by its policy ({rule}): {reason}' },
  FM_ERR_JOB_REJECTED: { status: 403, message: 'party {party} rejected job {job}: {reason}' },
  FM_ERR_APPROVAL_NOT_FOUND: { status: 404, message: 'party {party} has no job {job} to approve (list them with fedmark party approvals list)' },
  FM_ERR_APPROVAL_STATE: { status: 409, message: 'party {party}: job {job} is {state} and cannot be {action}' },
  FM_ERR_APPROVAL_APPROVER: { status: 403, message: 'party {party}: {approver} may not approve job {job}: {reason}' },
  FM_ERR_APPROVAL_SPEC_CHANGED: { status: 403, message: 'party {party} refused job {job}: {reason}' },
  FM_ERR_APPROVAL_CONTROL: { status: 503, message: 'cannot reach the party node at {socket}: {reason}' },
  FM_ERR_MODEL_APPROVAL: { status: 403, message: 'model {name} version {version}: {reason}' },
  FM_ERR_JOB_PARTY_LOST: { status: 504, message: 'party {party} left job {job} and did not come back within {seconds} s (last checkpoint: {epochs} epochs)' },
  FM_ERR_CAMPAIGN_INPUT: { status: 400, message: 'campaign {field}: {reason}' },
  FM_ERR_CAMPAIGN_NOT_FOUND: { status: 404, message: 'campaign {campaign} not found' },
  FM_ERR_CAMPAIGN_OUTCOMES: { status: 422, message: 'party {party}: outcome file {file} row {row}, column "{column}": {reason}; nothing was recorded' },
  FM_ERR_SUPPRESSION_INPUT: { status: 422, message: 'party {party}: suppression list {file} row {row}, column "{column}": {reason}; nothing was recorded' },
  FM_ERR_CFG_INVALID: { status: 500, message: 'configuration {source}: {field}: {reason}' },
  FM_ERR_INTERNAL: { status: 500, message: 'internal error: {reason}' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export type ErrorParams = Record<string, string | number>;

export class FedmarkError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly params: ErrorParams;
  /** For this process's own log and operator only (a party's header, its directories): never serialized. */
  readonly local: ErrorParams | undefined;

  constructor(code: ErrorCode, params: ErrorParams = {}, options?: { cause?: unknown; message?: string; local?: ErrorParams }) {
    super(options?.message ?? formatMessage(code, params), options);
    this.name = 'FedmarkError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.params = params;
    this.local = options?.local;
  }
}

/** Rebuilds an error another process reported, keeping its code and its exact message. */
export function fromWireError(error: { code: string; message: string } | undefined, fallback: ErrorCode, params: ErrorParams): FedmarkError {
  if (error && isErrorCode(error.code)) return new FedmarkError(error.code, {}, { message: error.message });
  return new FedmarkError(fallback, params);
}

export function formatMessage(code: ErrorCode, params: ErrorParams): string {
  return ERRORS[code].message.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in params ? String(params[key]) : whole,
  );
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}

/** Every catch at a process boundary goes through here, so the cause is kept locally and never sent. */
export function toFedmarkError(err: unknown): FedmarkError {
  if (err instanceof FedmarkError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new FedmarkError('FM_ERR_INTERNAL', { reason }, { cause: err });
}

/** What goes on the wire or into an HTTP reply: code and message, no stack, no cause. */
export interface WireError {
  code: ErrorCode;
  message: string;
}

export function serializeError(err: unknown): WireError {
  const e = toFedmarkError(err);
  return { code: e.code, message: e.message };
}
