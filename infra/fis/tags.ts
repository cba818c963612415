/**
 * How `drill run --target aws` finds the FIS experiment templates the CDK app deploys (infra/fis/drill-experiments.ts):
 * by tags, so the drill needs no template id.
 *   regionflip:app    the configuration's `app`
 *   regionflip:fault  the drill fault the template injects (FIS_FAULTS)
 *   regionflip:region the Region the template acts on
 */
export const FIS_TAGS = { app: 'regionflip:app', fault: 'regionflip:fault', region: 'regionflip:region' } as const;

/** The catalogue faults that have an FIS template (error-rate has none: FIS cannot make a service answer 5xx at a rate). */
export const FIS_FAULTS = ['region-outage', 'service-outage', 'latency', 'replication-pause'] as const;
export type FisFault = (typeof FIS_FAULTS)[number];

/** The latency template's added delay, fixed in the template (StartExperiment takes no parameters): tagged for the drill. */
export const FIS_LATENCY_MS = 2000;
export const FIS_LATENCY_TAG = 'regionflip:latency-ms';
