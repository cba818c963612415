import {
  type ChangeResourceRecordSetsCommandInput,
  type ChangeResourceRecordSetsCommandOutput,
  type GetChangeCommandInput,
  type GetChangeCommandOutput,
  ListResourceRecordSetsCommand,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { normaliseDnsName } from '../../failover/switch/records';

/**
 * Route 53 change propagation, which moto lacks: in moto a change is INSYNC and answered at once. On AWS a change is
 * PENDING until every Route 53 name server has it — "changes generally propagate to all Route 53 name servers within
 * 60 seconds" (Route 53 Developer Guide, "Editing records",
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-editing.html; R3 in
 * /work/shared/aws-facts.md). Attached to a Route53Client as middleware, this model:
 *
 * - answers ChangeResourceRecordSets with PENDING and a change Id of its own, and GetChange with PENDING until `delayMs` after the change was
 *   submitted (then moto's INSYNC), so the switch's SDK waiter really waits;
 * - keeps what each changed name answered before, so the local resolvers (dns.ts) serve the old answer until the
 *   change has propagated.
 *
 * Only changes made through an attached client are modelled: a runbook run in another process changes moto directly.
 */

/** R3's figure: a change has generally reached every Route 53 name server within this long. */
export const ROUTE53_PROPAGATION_SECONDS = 60;

export interface CnameRecord {
  readonly value: string;
  readonly ttl: number;
}

/** The CNAME records of a hosted zone, by normalised name. */
export type ZoneRecords = ReadonlyMap<string, CnameRecord>;

/** Every CNAME record of a hosted zone, read from Route 53 (all pages). */
export async function readCnameRecords(
  route53: Route53Client,
  hostedZoneId: string,
): Promise<Map<string, CnameRecord>> {
  const records = new Map<string, CnameRecord>();
  let start: { name?: string; type?: string } = {};
  for (;;) {
    const out = await route53.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: hostedZoneId,
        ...(start.name ? { StartRecordName: start.name, StartRecordType: start.type as 'CNAME' } : {}),
      }),
    );
    for (const rr of out.ResourceRecordSets ?? []) {
      const value = rr.ResourceRecords?.[0]?.Value;
      if (rr.Type === 'CNAME' && rr.Name && value) {
        records.set(normaliseDnsName(rr.Name), { value: normaliseDnsName(value), ttl: rr.TTL ?? 0 });
      }
    }
    if (!out.IsTruncated) return records;
    start = { name: out.NextRecordName, type: out.NextRecordType };
  }
}

interface SubmittedChange {
  readonly id: string;
  readonly hostedZoneId: string;
  readonly propagatedAt: number;
  /** What each name the change touched answered before it (undefined: no record). */
  readonly before: ReadonlyMap<string, CnameRecord | undefined>;
}

export interface Route53PropagationOptions {
  /** How long a change takes to propagate: ROUTE53_PROPAGATION_SECONDS, compressed by the local profile. */
  readonly delayMs: number;
  readonly clock?: () => number;
}

/** "/change/C123" and "C123" name the same change. */
function changeIdOf(id: string | undefined): string {
  return (id ?? '').replace(/^\/change\//, '');
}

export class Route53Propagation {
  private readonly changes: SubmittedChange[] = [];
  private readonly clock: () => number;

  constructor(private readonly opts: Route53PropagationOptions) {
    if (!Number.isFinite(opts.delayMs) || opts.delayMs < 0) {
      throw new Error(
        `Route 53 propagation delay ${opts.delayMs} ms: give a number of milliseconds ≥ 0 (0 makes changes visible at once)`,
      );
    }
    this.clock = opts.clock ?? Date.now;
  }

  /** Models propagation for every change made through this client. */
  attach(route53: Route53Client): void {
    route53.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ChangeResourceRecordSetsCommand') {
          const input = args.input as ChangeResourceRecordSetsCommandInput;
          const hostedZoneId = (input.HostedZoneId ?? '').replace(/^\/hostedzone\//, '');
          const zone = await readCnameRecords(route53, hostedZoneId);
          const before = new Map<string, CnameRecord | undefined>();
          for (const change of input.ChangeBatch?.Changes ?? []) {
            const name = normaliseDnsName(change.ResourceRecordSet?.Name ?? '');
            if (!before.has(name)) before.set(name, zone.get(name));
          }
          const result = await next(args);
          const info = (result.output as ChangeResourceRecordSetsCommandOutput).ChangeInfo;
          if (info) {
            // moto gives every change the same Id: give each its own, as Route 53 does (moto's GetChange takes any Id).
            info.Id = `/change/${changeIdOf(info.Id)}L${this.changes.length + 1}`;
            this.changes.push({
              id: changeIdOf(info.Id),
              hostedZoneId,
              propagatedAt: this.clock() + this.opts.delayMs,
              before,
            });
            if (this.opts.delayMs > 0) info.Status = 'PENDING';
          }
          return result;
        }
        if (context.commandName === 'GetChangeCommand') {
          const id = changeIdOf((args.input as GetChangeCommandInput).Id);
          const result = await next(args);
          const info = (result.output as GetChangeCommandOutput).ChangeInfo;
          if (info && this.pending().some((c) => c.id === id)) info.Status = 'PENDING';
          return result;
        }
        return next(args);
      },
      { step: 'initialize', name: 'regionflipRoute53Propagation' },
    );
  }

  /** When the change with this id propagates (undefined: not submitted through an attached client). */
  propagatedAt(changeId: string): number | undefined {
    return this.changes.find((c) => c.id === changeIdOf(changeId))?.propagatedAt;
  }

  /**
   * What Route 53's name servers answer now, given the zone as the API reads it: each name a not yet propagated change
   * touched answers what it did before the oldest such change.
   */
  served(hostedZoneId: string, records: ZoneRecords): Map<string, CnameRecord> {
    const out = new Map(records);
    const substituted = new Set<string>();
    for (const change of this.pending()) {
      if (change.hostedZoneId !== hostedZoneId) continue;
      for (const [name, record] of change.before) {
        if (substituted.has(name)) continue;
        substituted.add(name);
        if (record) out.set(name, record);
        else out.delete(name);
      }
    }
    return out;
  }

  /** Changes not yet propagated, oldest first. */
  private pending(): SubmittedChange[] {
    const now = this.clock();
    return this.changes.filter((c) => c.propagatedAt > now);
  }
}
