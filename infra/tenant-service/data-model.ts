import { z } from 'zod';

/**
 * The tenant data table: every tenant's items in ONE DynamoDB table (a global table in AWS), partitioned by tenant.
 *
 *   pk (S)  = tenantId                  every query is bound to the caller's tenant partition
 *   sk (S)  = <entity>#<id>             for example "order#7f3a…"
 *   updatedAt (N)   ms since epoch      last writer wins in replication (the local environment's, and global tables')
 *   writeRegion (S) the Region that took the write (replicas keep it, so replication does not echo back)
 *   writeSeq (N)    the client's sequence number, if it sent one: drills compute RPO from it
 */
export const DATA_TABLE_KEY = { partitionKey: 'pk', sortKey: 'sk' } as const;

export type EntityKind = 'order' | 'product' | 'user';

/** The REST collection of each entity. */
export const COLLECTIONS: Readonly<Record<string, EntityKind>> = {
  orders: 'order',
  products: 'product',
  users: 'user',
};

const ID = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { message: 'must be 1-64 letters, digits, "_" or "-"' });

/** Client fields shared by every entity: an optional id (else one is generated) and the write sequence number. */
const common = { id: ID.optional(), writeSeq: z.number().int().min(0).optional() };

export const entitySchemas: Readonly<Record<EntityKind, z.ZodType<Record<string, unknown>>>> = {
  order: z
    .object({
      ...common,
      productId: ID,
      quantity: z.number().int().min(1).max(10_000),
      note: z.string().max(500).optional(),
    })
    .strict(),
  product: z.object({ ...common, name: z.string().min(1).max(200), priceCents: z.number().int().min(0) }).strict(),
  user: z.object({ ...common, email: z.string().email().max(254), name: z.string().min(1).max(200) }).strict(),
};

export const idSchema = ID;

/** An item as the API returns it: the keys stay inside; the tenant is implied by the token. */
export interface EntityItem {
  readonly id: string;
  readonly entity: EntityKind;
  readonly updatedAt: number;
  readonly writeRegion: string;
  readonly writeSeq?: number;
  readonly [field: string]: unknown;
}

export function sortKey(entity: EntityKind, id: string): string {
  return `${entity}#${id}`;
}
