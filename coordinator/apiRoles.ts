// The roles an API key or a signed-in user holds, declared once. `approver` signs off model versions
// for live scoring (four-eyes publishing) and may read models and jobs, nothing else.
import { Type } from '@sinclair/typebox';

export const API_ROLES = ['admin', 'approver', 'scientist', 'scorer'] as const;
export type ApiRoleName = (typeof API_ROLES)[number];
export const ApiRoleSchema = Type.Union(API_ROLES.map((r) => Type.Literal(r)));
