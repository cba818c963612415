import { otherRegion } from '../../../failover/config/names';
import type { DrillClock } from '../clock';
import { type DrillDriver, handlerOutcomes } from '../driver';
import type { DrillJournal } from '../journal';
import { resolveRegion } from '../load';
import type { Drill, Fault } from '../schema';
import type { SyntheticTraffic } from '../traffic';
import { clientsRecoveredAt, errorWindow, tenantRecoveredAt } from './client-recovery';
import { measureImpact } from './impact';
import type { DrillMeasurements } from './measurements';
import { countRoute53Calls } from './route53-calls';
import { measureRpo } from './rpo';
import { rtoBreakdown } from './rto';
import { rtoFloor, rtoFloorPosition } from './rto-floor';
import type { AcknowledgedWrite } from './samples';

/** The faults that hit a Region: the first one starts the RTO. */
const REGION_FAULTS = new Set<Fault['kind']>([
  'region-outage',
  'service-outage',
  'error-rate',
  'latency',
  'alarm-flap',
]);

/**
 * What the drill measured, read after the method and before the rollback (the surviving Region's data must be read
 * before replication resumes): RTO by stage against its floor, recovery per tenant, RPO from the write ledger, impact.
 */
export async function measureDrill(
  drill: Drill,
  driver: DrillDriver,
  traffic: SyntheticTraffic,
  tenantIds: readonly string[],
  methodStartedAt: number,
  writeIdPrefix: string,
  journal: DrillJournal,
  clock: DrillClock,
): Promise<DrillMeasurements> {
  const config = driver.config;
  const routing = await driver.store.getRouting();
  const audit = await driver.store.listAudit(200);
  const { failovers, pages } = handlerOutcomes(audit, methodStartedAt);
  const initialRegion = config.regions.primary;
  const firstRegionFault = journal.steps
    .map((s, i) => ({ s, step: drill.method[i] }))
    .find(({ step }) => step?.type === 'action' && REGION_FAULTS.has(step.fault.kind));
  const faultStep = firstRegionFault?.step;
  const faultedRegion =
    faultStep?.type === 'action' && 'region' in faultStep.fault
      ? resolveRegion(faultStep.fault.region, config)
      : undefined;
  const faultAt = firstRegionFault?.s.startedAt;

  let rto: DrillMeasurements['rto'];
  let rtoFloorMeasured: DrillMeasurements['rtoFloor'];
  let tenantRecoveryMs: Record<string, number | undefined> | undefined;
  let rpo: DrillMeasurements['rpo'];
  let alarmsFired: DrillMeasurements['alarmsFired'];
  let lost: readonly AcknowledgedWrite[] = [];
  const firstFailover = failovers[0];
  if (faultedRegion !== undefined && faultAt !== undefined && firstFailover !== undefined) {
    const healthy = otherRegion(config, faultedRegion);
    const alarmAt = await driver.alarmFiredAt(faultedRegion, faultAt);
    const switchedAt = firstFailover.at.getTime();
    alarmsFired = await driver.alarmsFired?.(faultAt, switchedAt);
    const d = firstFailover.durationsMs;
    const dnsInSyncAt = d ? switchedAt - d.verify : switchedAt;
    rto = rtoBreakdown({
      faultAt,
      alarmAt,
      notifiedAt: driver.notifiedAt(faultedRegion, alarmAt ?? faultAt),
      decidedAt: d ? switchedAt - d.total : undefined,
      dnsInSyncAt,
      clientsRecoveredAt: clientsRecoveredAt(traffic.samples, tenantIds, healthy, faultAt),
    });
    tenantRecoveryMs = Object.fromEntries(
      tenantIds.map((id) => {
        const at = tenantRecoveredAt(traffic.samples, id, healthy, faultAt);
        return [id, at === undefined ? undefined : at - faultAt];
      }),
    );
    const floor = rtoFloor({
      periodMs: config.detection.periodSeconds * 1000,
      datapointsToAlarm: config.detection.datapointsToAlarm,
      evaluationDelayMs: driver.detectionDelays.evaluationDelayMs,
      publishDelayMs: driver.detectionDelays.publishDelayMs,
      route53PropagationMs: driver.detectionDelays.route53PropagationMs ?? 0,
      dnsTtlMs: config.dns.ttlSeconds * 1000,
      requestIntervalMs: 1000 / traffic.ratePerClient,
    });
    rtoFloorMeasured = { ...floor, position: rto.rtoMs === undefined ? undefined : rtoFloorPosition(rto.rtoMs, floor) };
    // Only writes acknowledged before the data is read count: a later one is not lost, it was not looked for.
    const readFrom = clock.now();
    const present = await driver.presentWriteSeqs(routing.activeRegion, tenantIds, writeIdPrefix);
    const ledger = traffic.ledger.filter((w) => w.ackAt <= readFrom);
    const result = measureRpo(ledger, present, routing.activeRegion, faultAt);
    lost = result.lost;
    rpo = {
      survivingRegion: result.survivingRegion,
      acknowledged: result.acknowledged,
      lostWrites: result.lost.length,
      lostSample: result.lost.slice(0, 20),
      rpoMs: result.rpoMs,
    };
  }
  const switches = driver.handlerSwitches(methodStartedAt, audit);
  return {
    initialRegion,
    activeRegionAfterMethod: routing.activeRegion,
    faultedRegion,
    failovers: failovers.length,
    paged: pages.length > 0,
    pageReasons: pages.map((p) => p.reason),
    rto,
    rtoFloor: rtoFloorMeasured,
    tenantRecoveryMs,
    alarmsFired,
    clientsPerTenant: drill.traffic.clientsPerTenant,
    rpo,
    clientErrorWindow: errorWindow(traffic.samples, methodStartedAt),
    impact: measureImpact(config.tenants, traffic.samples, lost, methodStartedAt),
    switches,
    route53: countRoute53Calls(switches),
  };
}
