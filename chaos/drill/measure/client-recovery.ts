import type { RequestSample } from './samples';

/**
 * What clients saw: when every tenant was served by the healthy Region again, and how long requests failed.
 */

export interface ErrorWindow {
  readonly firstFailureAt: number;
  readonly lastFailureAt: number;
  readonly ms: number;
  readonly failures: number;
}

/** From the start of the first failed request to the end of the last one, at or after `from`. */
export function errorWindow(samples: readonly RequestSample[], from: number): ErrorWindow | undefined {
  let first: number | undefined;
  let last: number | undefined;
  let failures = 0;
  for (const s of samples) {
    if (s.ok || s.endedAt < from) continue;
    failures += 1;
    first = first === undefined ? s.startedAt : Math.min(first, s.startedAt);
    last = last === undefined ? s.endedAt : Math.max(last, s.endedAt);
  }
  if (first === undefined || last === undefined) return undefined;
  return { firstFailureAt: first, lastFailureAt: last, ms: last - first, failures };
}

const servedBy = (s: RequestSample, region: string) => s.ok && s.region === region;

/**
 * When one client was served by `region` for good: the end of its first request served by `region` after its last
 * request (ended at or after `from`) that was not. Undefined when its last request was not served by `region`.
 */
function clientRecoveredAt(mine: readonly RequestSample[], region: string): number | undefined {
  let recoveredAt: number | undefined;
  for (const s of [...mine].sort((a, b) => a.endedAt - b.endedAt)) {
    if (!servedBy(s, region)) recoveredAt = undefined;
    else if (recoveredAt === undefined) recoveredAt = s.endedAt;
  }
  return recoveredAt;
}

/**
 * When one tenant was served by `region` for good: when the LAST of its clients was (each client has its own DNS
 * cache, so each moves on its own). Undefined while any of its clients is not served by `region`, or it had none.
 */
export function tenantRecoveredAt(
  samples: readonly RequestSample[],
  tenantId: string,
  region: string,
  from: number,
): number | undefined {
  const byClient = new Map<string, RequestSample[]>();
  for (const s of samples) {
    if (s.tenantId !== tenantId || s.endedAt < from) continue;
    const list = byClient.get(s.client);
    if (list) list.push(s);
    else byClient.set(s.client, [s]);
  }
  if (byClient.size === 0) return undefined;
  let latest = Number.NEGATIVE_INFINITY;
  for (const mine of byClient.values()) {
    const at = clientRecoveredAt(mine, region);
    if (at === undefined) return undefined;
    latest = Math.max(latest, at);
  }
  return latest;
}

/** When every tenant was served by `region` for good: the latest tenant's recovery; undefined if one never recovered. */
export function clientsRecoveredAt(
  samples: readonly RequestSample[],
  tenantIds: readonly string[],
  region: string,
  from: number,
): number | undefined {
  let latest = from;
  for (const tenantId of tenantIds) {
    const at = tenantRecoveredAt(samples, tenantId, region, from);
    if (at === undefined) return undefined;
    latest = Math.max(latest, at);
  }
  return latest;
}
