import type { RecordChange } from '../ports';

/**
 * Route 53's limits on one ChangeResourceRecordSets request (Route 53 Developer Guide, "Quotas", API requests):
 * at most 1,000 ResourceRecord elements and 32,000 characters in all Value elements, where an UPSERT counts each
 * ResourceRecord and each Value character twice. (The old limit of 100 Change elements per request no longer exists.)
 */
export interface ChangeBatchLimits {
  readonly resourceRecords: number;
  readonly valueCharacters: number;
}

export const ROUTE53_CHANGE_LIMITS: ChangeBatchLimits = { resourceRecords: 1000, valueCharacters: 32_000 };

/** Every change the switch sends is an UPSERT of one record with one value, so it counts twice in both limits. */
const UPSERT_WEIGHT = 2;

/** What one UPSERT of a single-value record costs against the limits. */
export function upsertCost(value: string): { readonly resourceRecords: number; readonly valueCharacters: number } {
  return { resourceRecords: UPSERT_WEIGHT, valueCharacters: UPSERT_WEIGHT * value.length };
}

/**
 * Cuts UPSERTs into requests, keeping their order: each request takes as many of the next items as fit. For contiguous
 * batches this greedy cut is optimal (any request could only end earlier), so no reordering is needed to be minimal.
 */
export function cutBatches<T>(
  items: readonly T[],
  valueText: (item: T) => string,
  limits: ChangeBatchLimits = ROUTE53_CHANGE_LIMITS,
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let records = 0;
  let characters = 0;
  for (const item of items) {
    const cost = upsertCost(valueText(item));
    if (cost.resourceRecords > limits.resourceRecords || cost.valueCharacters > limits.valueCharacters) {
      throw new Error(
        `record value "${valueText(item).slice(0, 60)}..." (${valueText(item).length} characters) does not fit in one ` +
          `ChangeResourceRecordSets request (limit ${limits.valueCharacters} characters, UPSERT counts twice)`,
      );
    }
    if (
      current.length > 0 &&
      (records + cost.resourceRecords > limits.resourceRecords ||
        characters + cost.valueCharacters > limits.valueCharacters)
    ) {
      batches.push(current);
      current = [];
      records = 0;
      characters = 0;
    }
    current.push(item);
    records += cost.resourceRecords;
    characters += cost.valueCharacters;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Premium tenants first (stable): they pay for isolation; the shared record then moves every other tenant at once. */
export function premiumFirst(changes: readonly RecordChange[]): RecordChange[] {
  return [...changes.filter((c) => c.priority === 'premium'), ...changes.filter((c) => c.priority === 'shared')];
}

/** The switch's batches: premium changes first, then the shared record, cut within Route 53's limits. */
export function batchChanges(
  changes: readonly RecordChange[],
  limits: ChangeBatchLimits = ROUTE53_CHANGE_LIMITS,
): RecordChange[][] {
  return cutBatches(premiumFirst(changes), (c) => c.to, limits);
}

/** The fewest requests the limits allow for these changes, ignoring order: a lower bound for any batching. */
export function minimumBatches(
  changes: readonly RecordChange[],
  limits: ChangeBatchLimits = ROUTE53_CHANGE_LIMITS,
): number {
  let records = 0;
  let characters = 0;
  for (const change of changes) {
    const cost = upsertCost(change.to);
    records += cost.resourceRecords;
    characters += cost.valueCharacters;
  }
  return Math.max(Math.ceil(records / limits.resourceRecords), Math.ceil(characters / limits.valueCharacters));
}
