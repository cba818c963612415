import fc from 'fast-check';
import type { RecordChange } from '../../failover/ports';
import {
  batchChanges,
  type ChangeBatchLimits,
  cutBatches,
  minimumBatches,
  ROUTE53_CHANGE_LIMITS,
  upsertCost,
} from '../../failover/switch/batch';

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/);

/** Changes as the planner makes them: one zone, one target Region, premium tenants and maybe the shared record. */
const realisticChanges = fc
  .record({
    zone: fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => `${labels.join('.')}.com`),
    region: fc.constantFrom('us-east-1', 'us-west-2', 'ap-southeast-2', 'us-gov-west-1'),
    tenants: fc.uniqueArray(label, { maxLength: 2500, size: 'max' }),
    shared: fc.boolean(),
    sharedAt: fc.nat(),
  })
  .map(({ zone, region, tenants, shared, sharedAt }): RecordChange[] => {
    const changes = tenants.map(
      (id): RecordChange => ({ name: `${id}.${zone}`, to: `${id}.${region}.${zone}`, ttl: 60, priority: 'premium' }),
    );
    if (shared) {
      const change: RecordChange = {
        name: `shared.${zone}`,
        to: `shared.${region}.${zone}`,
        ttl: 60,
        priority: 'shared',
      };
      changes.splice(sharedAt % (changes.length + 1), 0, change);
    }
    return changes;
  });

/** Any values up to the DNS name limit, any mix of priorities, and small limits so that many batches form. */
const anyChanges = fc.array(
  fc.record({
    name: fc.string({ minLength: 1, maxLength: 20 }),
    to: fc.string({ minLength: 1, maxLength: 253 }),
    ttl: fc.constant(60),
    priority: fc.constantFrom<'premium' | 'shared'>('premium', 'shared'),
  }),
  { maxLength: 300 },
);
const smallLimits = fc.record({
  resourceRecords: fc.integer({ min: 2, max: 60 }),
  valueCharacters: fc.integer({ min: 506, max: 4000 }),
});

function load(batch: readonly RecordChange[]) {
  return batch.reduce(
    (sum, c) => {
      const cost = upsertCost(c.to);
      return {
        resourceRecords: sum.resourceRecords + cost.resourceRecords,
        valueCharacters: sum.valueCharacters + cost.valueCharacters,
      };
    },
    { resourceRecords: 0, valueCharacters: 0 },
  );
}

function withinLimits(batch: readonly RecordChange[], limits: ChangeBatchLimits): boolean {
  const l = load(batch);
  return l.resourceRecords <= limits.resourceRecords && l.valueCharacters <= limits.valueCharacters;
}

describe('batchChanges', () => {
  it('GIVEN any changes and limits WHEN batched THEN every batch is non-empty and within both limits', () => {
    fc.assert(
      fc.property(anyChanges, smallLimits, (changes, limits) => {
        const batches = batchChanges(changes, limits);
        expect(batches.every((b) => b.length > 0 && withinLimits(b, limits))).toBe(true);
      }),
    );
  });

  it('GIVEN any changes WHEN batched THEN premium come first, each group keeps its order, none lost or duplicated', () => {
    fc.assert(
      fc.property(anyChanges, smallLimits, (changes, limits) => {
        const flat = batchChanges(changes, limits).flat();
        expect(flat).toEqual([
          ...changes.filter((c) => c.priority === 'premium'),
          ...changes.filter((c) => c.priority === 'shared'),
        ]);
      }),
    );
  });

  it('GIVEN any changes WHEN batched THEN no batch could have taken the first change of the next (greedy, so minimal)', () => {
    fc.assert(
      fc.property(anyChanges, smallLimits, (changes, limits) => {
        const batches = batchChanges(changes, limits);
        for (let i = 0; i + 1 < batches.length; i++) {
          expect(withinLimits([...batches[i]!, batches[i + 1]![0]!], limits)).toBe(false);
        }
      }),
    );
  });

  it('GIVEN changes as the planner makes them WHEN batched with Route 53 limits THEN within 1.5 x the lower bound + 1', () => {
    fc.assert(
      fc.property(realisticChanges, (changes) => {
        const batches = batchChanges(changes);
        expect(batches.every((b) => withinLimits(b, ROUTE53_CHANGE_LIMITS))).toBe(true);
        expect(batches.length).toBeLessThanOrEqual(1.5 * minimumBatches(changes) + 1);
      }),
      { numRuns: 40 },
    );
  });

  it('GIVEN 2,500 premium changes of 40-character values WHEN batched THEN 400 per request (characters bind first)', () => {
    const changes = Array.from(
      { length: 2500 },
      (_, i): RecordChange => ({
        name: `t${String(i).padStart(5, '0')}.saas-tenant.example.com`,
        to: `t${String(i).padStart(5, '0')}.us-west-2.saas-tenant.example.com`,
        ttl: 60,
        priority: 'premium',
      }),
    );
    expect(changes[0]!.to).toHaveLength(40);
    const batches = batchChanges(changes);
    expect(batches.map((b) => b.length)).toEqual([400, 400, 400, 400, 400, 400, 100]);
    expect(minimumBatches(changes)).toBe(7);
  });

  it('GIVEN short values WHEN batched THEN 500 per request (UPSERT counts each record twice)', () => {
    const changes = Array.from(
      { length: 1001 },
      (_, i): RecordChange => ({ name: `n${i}`, to: 'a.b', ttl: 60, priority: 'premium' }),
    );
    expect(batchChanges(changes).map((b) => b.length)).toEqual([500, 500, 1]);
  });

  it('GIVEN no changes WHEN batched THEN no batches and a lower bound of zero', () => {
    expect(batchChanges([])).toEqual([]);
    expect(minimumBatches([])).toBe(0);
  });
});

describe('cutBatches', () => {
  it('GIVEN a value too long for any request WHEN cut THEN the error names the value and the limit', () => {
    expect(() => cutBatches(['x'.repeat(300)], (v) => v, { resourceRecords: 1000, valueCharacters: 500 })).toThrow(
      /300 characters.*limit 500/,
    );
  });
});
