import { automationRunbook } from './automation';
import { failbackRunbook } from './failback';
import { gameDayRunbook } from './game-day';
import { manualFailoverRunbook } from './manual-failover';
import type { Runbook } from './types';

/** Every runbook rendered to runbooks/*.md. */
export const RUNBOOKS: readonly Runbook[] = [failbackRunbook, manualFailoverRunbook, automationRunbook, gameDayRunbook];
