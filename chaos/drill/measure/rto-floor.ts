/**
 * The physical floor of a Region-outage RTO: what detection and DNS alone cost, before any of the failover's own work
 * (notification, decision, the switch's API calls). It is a range, because where the fault falls in an evaluation
 * period and how old each client's cached DNS answer is are chance:
 *
 *   best  = (M − 1) × period + evaluation delay + Route 53 propagation
 *           The period in progress at the fault already breaches and ends at once; M − 1 more periods must breach
 *           (CloudWatch: M of N datapoints, CW1); the evaluation runs `evaluation delay` after a period ends (CW2,
 *           compressed in chaos/env/local-profile.ts). The change reaches the name servers `propagation` after it was
 *           submitted (R3, compressed likewise); every client's cached answer expires the moment it does.
 *   worst = (M + 1) × period + evaluation delay + metric publish delay + Route 53 propagation + TTL
 *           + one request interval
 *           The period in progress at the fault does not breach, so M whole periods follow it; the last client of a
 *           tenant cached its answer just before the change propagated (TTL, Route 53 N6) and sends its next request
 *           one interval after its cache expired.
 *
 * A measured RTO below `best` is a measurement error, never a fast failover; above `worst` is the failover's own
 * work (and a loaded machine).
 */
export interface RtoFloorInputs {
  readonly periodMs: number;
  /** M: DatapointsToAlarm. */
  readonly datapointsToAlarm: number;
  /** How long after a period ends the alarm is evaluated. */
  readonly evaluationDelayMs: number;
  /** How long after a period ends its metrics are published. */
  readonly publishDelayMs: number;
  /** How long a Route 53 change takes to reach the name servers (0 where it is not modelled but measured, on AWS). */
  readonly route53PropagationMs: number;
  readonly dnsTtlMs: number;
  /** The time between two requests of one client. */
  readonly requestIntervalMs: number;
}

export interface RtoFloor {
  readonly bestMs: number;
  readonly worstMs: number;
  readonly inputs: RtoFloorInputs;
}

export type RtoFloorPosition = 'below-floor' | 'within-floor' | 'above-floor';

export function rtoFloor(inputs: RtoFloorInputs): RtoFloor {
  for (const [name, value] of Object.entries(inputs)) {
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`RTO floor: ${name} must be a finite number >= 0 (got ${value})`);
  }
  if (inputs.datapointsToAlarm < 1)
    throw new Error(`RTO floor: datapointsToAlarm must be >= 1 (got ${inputs.datapointsToAlarm})`);
  const bestMs =
    (inputs.datapointsToAlarm - 1) * inputs.periodMs + inputs.evaluationDelayMs + inputs.route53PropagationMs;
  const worstMs =
    (inputs.datapointsToAlarm + 1) * inputs.periodMs +
    inputs.evaluationDelayMs +
    inputs.publishDelayMs +
    inputs.route53PropagationMs +
    inputs.dnsTtlMs +
    inputs.requestIntervalMs;
  return { bestMs, worstMs, inputs };
}

/** Where a measured RTO falls against its floor. */
export function rtoFloorPosition(rtoMs: number, floor: RtoFloor): RtoFloorPosition {
  if (rtoMs < floor.bestMs) return 'below-floor';
  return rtoMs <= floor.worstMs ? 'within-floor' : 'above-floor';
}

/** One line for the reports: the floor range and where the measured RTO fell in it. */
export function describeRtoFloor(rtoMs: number | undefined, floor: RtoFloor): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const range = `floor ${s(floor.bestMs)} – ${s(floor.worstMs)} (best – worst case of detection, Route 53 propagation and DNS TTL)`;
  if (rtoMs === undefined) return `${range}; clients never recovered`;
  switch (rtoFloorPosition(rtoMs, floor)) {
    case 'below-floor':
      return `${range}; the RTO is BELOW the best case by ${s(floor.bestMs - rtoMs)}: a measurement error`;
    case 'within-floor':
      return `${range}; the RTO is within it, ${Math.round(((rtoMs - floor.bestMs) / Math.max(1, floor.worstMs - floor.bestMs)) * 100)} % of the way to the worst case`;
    default:
      return `${range}; the RTO is ${s(rtoMs - floor.worstMs)} above the worst case (notification, decision, switch)`;
  }
}
