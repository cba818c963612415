import {
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandInput,
  type ListResourceRecordSetsCommandOutput,
  type ResourceRecordSet,
  type Route53Client,
} from '@aws-sdk/client-route-53';

/**
 * The one reader of a hosted zone's records: every caller (the switch, status, the drills' and the local DNS model)
 * pages through ListResourceRecordSets here. The SDK has no paginator for this operation (it pages by
 * StartRecordName / StartRecordType / StartRecordIdentifier, not by token), so this is the one hand-written loop; it
 * carries all three, so a zone with weighted or failover records (SetIdentifier) is listed whole.
 */

/** Route 53's largest ListResourceRecordSets page. */
export const ZONE_PAGE_SIZE = 300;

export type ListPage = (
  input: Omit<ListResourceRecordSetsCommandInput, 'HostedZoneId'>,
) => Promise<ListResourceRecordSetsCommandOutput>;

/** A page reader over a client (callers that count or retry calls pass their own). */
export function listPageOf(route53: Route53Client, hostedZoneId: string): ListPage {
  return (input) => route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: hostedZoneId, ...input }));
}

/** Every record set of the zone, all pages. */
export async function listZoneRecords(listPage: ListPage): Promise<ResourceRecordSet[]> {
  const all: ResourceRecordSet[] = [];
  let next: Omit<ListResourceRecordSetsCommandInput, 'HostedZoneId'> | undefined = { MaxItems: ZONE_PAGE_SIZE };
  const seen = new Set<string>();
  while (next) {
    const page: ListResourceRecordSetsCommandOutput = await listPage(next);
    all.push(...(page.ResourceRecordSets ?? []));
    if (!page.IsTruncated) break;
    const key = `${page.NextRecordName}|${page.NextRecordType}|${page.NextRecordIdentifier ?? ''}`;
    if (seen.has(key)) throw new Error(`ListResourceRecordSets returned the same next record twice (${key})`);
    seen.add(key);
    next = {
      MaxItems: ZONE_PAGE_SIZE,
      StartRecordName: page.NextRecordName,
      StartRecordType: page.NextRecordType,
      ...(page.NextRecordIdentifier ? { StartRecordIdentifier: page.NextRecordIdentifier } : {}),
    };
  }
  return all;
}
