/**
 * RTO split by stage, from the moments a drill observed. Each stage runs from the previous known moment to its own; a
 * moment that was not observed leaves its stage unmeasured, and the next stage starts from the last moment that was.
 */

export const RTO_STAGES = ['alarm', 'notification', 'decision', 'dns-in-sync', 'clients-recovered'] as const;
export type RtoStage = (typeof RTO_STAGES)[number];

/** What the stages end with. */
export const RTO_STAGE_LABELS: Readonly<Record<RtoStage, string>> = {
  alarm: 'fault → alarm',
  notification: 'alarm → notification',
  decision: 'notification → decision',
  'dns-in-sync': 'decision → DNS in sync',
  'clients-recovered': 'DNS in sync → clients served by the healthy Region',
};

/** Milliseconds since the epoch. */
export interface RecoveryTimeline {
  readonly faultAt: number;
  readonly alarmAt?: number;
  readonly notifiedAt?: number;
  readonly decidedAt?: number;
  readonly dnsInSyncAt?: number;
  readonly clientsRecoveredAt?: number;
}

export interface RtoStageMeasure {
  readonly stage: RtoStage;
  readonly label: string;
  readonly startAt: number;
  readonly endAt?: number;
  readonly ms?: number;
}

export interface RtoBreakdown {
  readonly faultAt: number;
  readonly stages: readonly RtoStageMeasure[];
  /** Fault → clients served by the healthy Region; undefined when clients never recovered. */
  readonly rtoMs?: number;
}

const MOMENT: Readonly<Record<RtoStage, keyof RecoveryTimeline>> = {
  alarm: 'alarmAt',
  notification: 'notifiedAt',
  decision: 'decidedAt',
  'dns-in-sync': 'dnsInSyncAt',
  'clients-recovered': 'clientsRecoveredAt',
};

export function rtoBreakdown(timeline: RecoveryTimeline): RtoBreakdown {
  let last = timeline.faultAt;
  const stages = RTO_STAGES.map((stage): RtoStageMeasure => {
    const at = timeline[MOMENT[stage]];
    const startAt = last;
    // A moment observed before the previous one (clocks of two processes, coarse events) counts as zero, never negative.
    if (at === undefined) return { stage, label: RTO_STAGE_LABELS[stage], startAt };
    const endAt = Math.max(at, startAt);
    last = endAt;
    return { stage, label: RTO_STAGE_LABELS[stage], startAt, endAt, ms: endAt - startAt };
  });
  const recovered = timeline.clientsRecoveredAt;
  return {
    faultAt: timeline.faultAt,
    stages,
    rtoMs: recovered === undefined ? undefined : Math.max(0, recovered - timeline.faultAt),
  };
}
