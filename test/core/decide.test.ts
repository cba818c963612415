import { policySchema } from '../../failover/config/schema';
import { decide } from '../../failover/core/decide';
import type { Decision } from '../../failover/core/types';
import {
  anAlarm,
  anInput,
  aRouting,
  health,
  NOW,
  PREFIX,
  PRIMARY,
  SECONDARY,
  secondsBefore,
} from './decision-fixtures';

function expectCode(decision: Decision, kind: Decision['kind'], code?: string): void {
  expect(decision.kind).toBe(kind);
  if (code !== undefined) expect(decision).toMatchObject({ code });
}

describe('decide', () => {
  describe('management and Regions', () => {
    it('GIVEN an alarm without the managed prefix WHEN deciding THEN it is a noop naming the prefix', () => {
      const d = decide(anInput({ alarm: anAlarm({ alarmName: 'billing-high-spend' }) }));
      expectCode(d, 'noop', 'alarm-not-managed');
      expect(d.reason).toContain('"billing-high-spend"');
      expect(d.reason).toContain(`"${PREFIX}"`);
    });

    it('GIVEN an unmanaged alarm of an unknown Region WHEN deciding THEN nobody is paged (not ours)', () => {
      const d = decide(anInput({ alarm: anAlarm({ alarmName: 'other-team', region: 'eu-west-1' }) }));
      expectCode(d, 'noop', 'alarm-not-managed');
    });

    it('GIVEN a managed alarm from a Region outside the pair WHEN deciding THEN it pages naming both', () => {
      const d = decide(anInput({ alarm: anAlarm({ region: 'eu-west-1' }) }));
      expectCode(d, 'page', 'unknown-region');
      expect(d.reason).toContain('eu-west-1');
      expect(d.reason).toContain(`${PRIMARY} and ${SECONDARY}`);
    });

    it('GIVEN an OK notification from a Region outside the pair WHEN deciding THEN it still pages (wiring error)', () => {
      const d = decide(anInput({ alarm: anAlarm({ region: 'eu-west-1', newState: 'OK', oldState: 'ALARM' }) }));
      expectCode(d, 'page', 'unknown-region');
    });

    it('GIVEN a control table whose active Region is not configured WHEN an alarm fires THEN it pages', () => {
      const d = decide(anInput({ routing: aRouting({ activeRegion: 'ap-south-1' }) }));
      expectCode(d, 'page', 'unknown-region');
      expect(d.reason).toContain('ap-south-1');
    });
  });

  describe('transitions', () => {
    it.each([
      ['ALARM', 'OK'],
      ['ALARM', 'INSUFFICIENT_DATA'],
      ['OK', 'INSUFFICIENT_DATA'],
      ['ALARM', 'ALARM'],
    ] as const)('GIVEN %s -> %s WHEN deciding THEN it is a noop that never fails back', (oldState, newState) => {
      const d = decide(anInput({ alarm: anAlarm({ oldState, newState }) }));
      expectCode(d, 'noop', 'not-an-alarm-transition');
      expect(d.reason).toContain('failback');
    });

    it('GIVEN a recovery of the original Region after a failover WHEN deciding THEN traffic does not go back', () => {
      const d = decide(
        anInput({
          alarm: anAlarm({ region: PRIMARY, oldState: 'ALARM', newState: 'OK' }),
          routing: aRouting({ activeRegion: SECONDARY }),
          health: { [PRIMARY]: health(PRIMARY, 'healthy'), [SECONDARY]: health(SECONDARY, 'healthy') },
        }),
      );
      expectCode(d, 'noop', 'not-an-alarm-transition');
    });

    it('GIVEN INSUFFICIENT_DATA -> ALARM of the active Region WHEN the target is fit THEN it fails over', () => {
      const d = decide(anInput({ alarm: anAlarm({ oldState: 'INSUFFICIENT_DATA' }) }));
      expect(d).toMatchObject({ kind: 'failover', from: PRIMARY, to: SECONDARY });
    });
  });

  describe('which Region', () => {
    it.each([true, false])(
      'GIVEN a standby Region ALARM (composite=%s) WHEN deciding THEN nothing moves and on-call is paged (the target is gone)',
      (composite) => {
        const d = decide(
          anInput({
            alarm: anAlarm({ region: SECONDARY, composite }),
            health: { [PRIMARY]: health(PRIMARY, 'healthy'), [SECONDARY]: health(SECONDARY, 'unhealthy') },
          }),
        );
        expectCode(d, 'page', 'standby-region-alarm');
        expect(d.reason).toContain(`standby Region ${SECONDARY}`);
        expect(d.reason).toContain(`traffic is in ${PRIMARY}`);
      },
    );

    it('GIVEN the active Region reads healthy again WHEN its alarm arrives THEN it is a noop (flapped)', () => {
      const d = decide(
        anInput({ health: { [PRIMARY]: health(PRIMARY, 'healthy', 5), [SECONDARY]: health(SECONDARY, 'healthy') } }),
      );
      expectCode(d, 'noop', 'active-region-recovered');
      expect(d.reason).toContain('for 5 s');
    });

    it.each([
      ['unknown', { [PRIMARY]: health(PRIMARY, 'unknown'), [SECONDARY]: health(SECONDARY, 'healthy') }],
      ['missing', { [SECONDARY]: health(SECONDARY, 'healthy') }],
    ])('GIVEN the active Region health is %s WHEN its alarm arrives THEN the alarm is trusted', (_, h) => {
      const d = decide(anInput({ health: h }));
      expect(d).toMatchObject({ kind: 'failover', from: PRIMARY, to: SECONDARY });
    });

    it('GIVEN traffic in the secondary WHEN the secondary alarms and the primary is fit THEN it moves to the primary', () => {
      const d = decide(
        anInput({
          alarm: anAlarm({ region: SECONDARY }),
          routing: aRouting({ activeRegion: SECONDARY }),
          health: { [PRIMARY]: health(PRIMARY, 'healthy'), [SECONDARY]: health(SECONDARY, 'unhealthy') },
        }),
      );
      expect(d).toMatchObject({ kind: 'failover', from: SECONDARY, to: PRIMARY });
    });
  });

  describe('target safety', () => {
    it.each(['unhealthy', 'unknown'] as const)(
      'GIVEN the active Region %s and the target unhealthy WHEN deciding THEN it pages both-regions-unhealthy',
      (activeStatus) => {
        const d = decide(
          anInput({
            health: { [PRIMARY]: health(PRIMARY, activeStatus), [SECONDARY]: health(SECONDARY, 'unhealthy') },
          }),
        );
        expectCode(d, 'page', 'both-regions-unhealthy');
        expect(d.reason).toContain(`live health: ${activeStatus}`);
        expect(d.reason).toContain(`${PREFIX}${SECONDARY}-region-unhealthy`);
      },
    );

    it('GIVEN the target health unknown WHEN deciding THEN it pages with the read error', () => {
      const d = decide(
        anInput({
          health: {
            [PRIMARY]: health(PRIMARY, 'unhealthy'),
            [SECONDARY]: { region: SECONDARY, status: 'unknown', alarmsInAlarm: [], detail: 'TimeoutError after 3 s' },
          },
        }),
      );
      expectCode(d, 'page', 'target-region-unhealthy');
      expect(d.reason).toContain('TimeoutError after 3 s');
    });

    it('GIVEN no health reading of the target WHEN deciding THEN it pages (never into a Region not seen healthy)', () => {
      const d = decide(anInput({ health: { [PRIMARY]: health(PRIMARY, 'unhealthy') } }));
      expectCode(d, 'page', 'target-region-unhealthy');
    });

    it('GIVEN the target healthy for 100 s of the 300 s required WHEN deciding THEN it pages with both numbers', () => {
      const d = decide(
        anInput({
          health: { [PRIMARY]: health(PRIMARY, 'unhealthy'), [SECONDARY]: health(SECONDARY, 'healthy', 100) },
        }),
      );
      expectCode(d, 'page', 'target-not-healthy-long-enough');
      expect(d.reason).toContain('healthy for 100 s');
      expect(d.reason).toContain('300 s');
    });

    it('GIVEN the target healthy exactly the required time WHEN deciding THEN it fails over', () => {
      const d = decide(
        anInput({
          health: { [PRIMARY]: health(PRIMARY, 'unhealthy'), [SECONDARY]: health(SECONDARY, 'healthy', 300) },
        }),
      );
      expect(d.kind).toBe('failover');
    });

    it('GIVEN the target healthy since an unknown time WHEN a minimum is required THEN it pages', () => {
      const d = decide(
        anInput({
          health: {
            [PRIMARY]: health(PRIMARY, 'unhealthy'),
            [SECONDARY]: { region: SECONDARY, status: 'healthy', alarmsInAlarm: [] },
          },
        }),
      );
      expectCode(d, 'page', 'target-not-healthy-long-enough');
      expect(d.reason).toContain('an unknown time');
    });

    it('GIVEN no minimum healthy time WHEN the target is healthy since an unknown time THEN it fails over', () => {
      const d = decide(
        anInput({
          policy: policySchema.parse({ targetHealthySeconds: 0 }),
          health: {
            [PRIMARY]: health(PRIMARY, 'unhealthy'),
            [SECONDARY]: { region: SECONDARY, status: 'healthy', alarmsInAlarm: [] },
          },
        }),
      );
      expect(d.kind).toBe('failover');
    });
  });

  describe('policy', () => {
    it('GIVEN the kill switch off WHEN deciding THEN it pages naming who, when and why', () => {
      const changedAt = secondsBefore(NOW, 600);
      const d = decide(
        anInput({
          routing: aRouting({ automation: { enabled: false, reason: 'game day', changedBy: 'alice', changedAt } }),
        }),
      );
      expectCode(d, 'page', 'automation-disabled');
      expect(d.reason).toContain('by alice');
      expect(d.reason).toContain('"game day"');
      expect(d.reason).toContain(changedAt.toISOString());
      expect(d.reason).toContain(`from ${PRIMARY} to ${SECONDARY}`);
    });

    it('GIVEN the kill switch off and both Regions unhealthy WHEN deciding THEN both-regions-unhealthy wins', () => {
      const d = decide(
        anInput({
          routing: aRouting({ automation: { enabled: false } }),
          health: { [PRIMARY]: health(PRIMARY, 'unhealthy'), [SECONDARY]: health(SECONDARY, 'unhealthy') },
        }),
      );
      expectCode(d, 'page', 'both-regions-unhealthy');
    });

    it('GIVEN a switch 120 s ago and a 900 s cooldown WHEN deciding THEN it pages with both numbers', () => {
      const d = decide(anInput({ routing: aRouting({ lastSwitchAt: secondsBefore(NOW, 120) }) }));
      expectCode(d, 'page', 'cooldown');
      expect(d.reason).toContain('cooldown: last switch 120 s ago, cooldown is 900 s');
    });

    it('GIVEN the last switch exactly one cooldown ago WHEN deciding THEN it fails over', () => {
      const d = decide(anInput({ routing: aRouting({ lastSwitchAt: secondsBefore(NOW, 900) }) }));
      expect(d.kind).toBe('failover');
    });

    it('GIVEN the kill switch off and a cooldown WHEN deciding THEN automation-disabled wins', () => {
      const d = decide(
        anInput({ routing: aRouting({ automation: { enabled: false }, lastSwitchAt: secondsBefore(NOW, 1) }) }),
      );
      expectCode(d, 'page', 'automation-disabled');
    });

    it('GIVEN one automatic failover 1000 s ago and a limit of 1 per 3600 s WHEN deciding THEN it pages', () => {
      const at = secondsBefore(NOW, 1000);
      const d = decide(anInput({ routing: aRouting({ lastSwitchAt: at, recentAutoFailovers: [at] }) }));
      expectCode(d, 'page', 'too-many-failovers');
      expect(d.reason).toContain('1 automatic failover(s) already happened in the last 3600 s');
      expect(d.reason).toContain('the limit is 1');
    });

    it('GIVEN a failover older than the window WHEN deciding THEN it does not count', () => {
      const at = secondsBefore(NOW, 3600);
      const d = decide(anInput({ routing: aRouting({ lastSwitchAt: at, recentAutoFailovers: [at] }) }));
      expect(d.kind).toBe('failover');
    });

    it('GIVEN a limit of 2 and one failover in the window WHEN deciding THEN it fails over', () => {
      const at = secondsBefore(NOW, 1000);
      const d = decide(
        anInput({
          policy: policySchema.parse({ maxAutoFailovers: 2 }),
          routing: aRouting({ lastSwitchAt: at, recentAutoFailovers: [at] }),
        }),
      );
      expect(d.kind).toBe('failover');
    });
  });

  describe('failover', () => {
    it.each([true, false])(
      'GIVEN composite=%s WHEN the active Region alarms and the target is fit THEN it fails over with the numbers',
      (composite) => {
        const d = decide(anInput({ alarm: anAlarm({ composite, alarmName: `${PREFIX}${PRIMARY}-alb-5xx-rate` }) }));
        expect(d).toMatchObject({ kind: 'failover', from: PRIMARY, to: SECONDARY });
        expect(d.reason).toContain(`${composite ? 'Composite alarm' : 'Alarm'} "${PREFIX}${PRIMARY}-alb-5xx-rate"`);
        expect(d.reason).toContain('healthy for 3600 s (required 300 s)');
        expect(d.reason).toContain('0 of 1 automatic failover(s)');
        expect(d.reason).toContain(`failing over from ${PRIMARY} to ${SECONDARY}`);
      },
    );

    it('GIVEN the same input WHEN deciding twice THEN the decision is the same (pure)', () => {
      const input = anInput();
      expect(decide(input)).toEqual(decide(input));
    });
  });
});
