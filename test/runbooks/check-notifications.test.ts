import fc from 'fast-check';
import type { AuditEntry } from '../../failover/core/types';
import { checkNotifications, formatNotifications } from '../../runbooks/check-commands';
import type { OncallMessage, OncallRoute } from '../../runbooks/ports';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:rf-oncall';
const PAGED: OncallRoute = { topicArn: TOPIC, destinations: [{ protocol: 'email', endpoint: 'o@x', confirmed: true }] };
const AT = new Date('2026-12-02T03:00:00Z');

function switched(epoch: number): AuditEntry {
  return {
    id: `a-${epoch}`,
    at: AT,
    caller: 'automatic-failover',
    actor: 'failover-lambda',
    trigger: 'alarm',
    reason: 'region unhealthy',
    request: { targetRegion: 'us-west-2', scope: { kind: 'region' } },
    outcome: 'switched',
    epoch,
  };
}

/** A switch's on-call message as the SNS notifier publishes it (subject first, then the announcement). */
function announcement(epoch: number): OncallMessage {
  return {
    at: AT.toISOString(),
    topicArn: TOPIC,
    subject: 'RegionFlip switched all tenants -> us-west-2',
    message: JSON.stringify({ subject: 'RegionFlip switched all tenants → us-west-2', outcome: 'switched', epoch }),
  };
}

describe('notifications: did on-call get paged?', () => {
  it('GIVEN a switch whose message on-call received WHEN checked THEN ok, and the text lists the message and no problem', () => {
    const report = checkNotifications({ where: ['the inbox'], messages: [announcement(1)] }, PAGED, [switched(1)]);
    expect(report).toEqual({ ok: true, problems: [], where: ['the inbox'], messages: [announcement(1)] });
    expect(formatNotifications(report, AT, 10)).toEqual([
      '1 message(s) received by on-call (the inbox)',
      '  0 s ago       RegionFlip switched all tenants -> us-west-2',
    ]);
  });

  it('GIVEN a switch with no message (only another one and a non-JSON message) WHEN checked THEN not ok, the problem names the switch and what to do', () => {
    const other: OncallMessage = { at: AT.toISOString(), topicArn: TOPIC, message: 'hello' };
    const report = checkNotifications({ where: ['the inbox'], messages: [announcement(1), other] }, PAGED, [
      switched(2),
      switched(1),
    ]);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      'nobody was paged about the switch all tenants -> us-west-2 (epoch 2, automatic-failover by failover-lambda, 2026-12-02T03:00:00.000Z): ' +
        'on-call received no message for it; the next switch or the reconciler resends it (check again in a minute), and tell on-call yourself',
    ]);
    expect(formatNotifications(report, AT, 10).slice(-2)).toEqual([
      'NEEDS A HUMAN: 1 problem(s)',
      `  ! ${report.problems[0]}`,
    ]);
  });

  it('GIVEN a topic with only a pending subscription, on AWS (no messages to read back) WHEN checked THEN not ok: nobody is subscribed; the switches are not judged', () => {
    const pending: OncallRoute = {
      topicArn: TOPIC,
      destinations: [{ protocol: 'email', endpoint: 'o@x', confirmed: false }],
    };
    const report = checkNotifications({ where: ['email: o@x (pending confirmation)'] }, pending, [switched(3)]);
    expect(report).toEqual({
      ok: false,
      problems: [
        `nobody is subscribed: the on-call topic ${TOPIC} has no confirmed subscription, so nobody is paged; subscribe on-call (and confirm it)`,
      ],
      where: ['email: o@x (pending confirmation)'],
    });
    expect(formatNotifications(report, AT, 10)[0]).toBe(
      'on-call messages are not kept by SNS; read them where the on-call topic delivers them:',
    );
  });

  it('GIVEN any switches, messages and subscriptions WHEN checked THEN ok exactly when somebody is subscribed and every switch was announced, one problem per switch that was not', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 30 }), { maxLength: 10 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 10 }),
        fc.boolean(),
        (switchEpochs, announcedEpochs, confirmed) => {
          const route: OncallRoute = {
            topicArn: TOPIC,
            destinations: [{ protocol: 'https', endpoint: 'https://pager', confirmed }],
          };
          const report = checkNotifications(
            { where: ['inbox'], messages: announcedEpochs.map(announcement) },
            route,
            switchEpochs.map(switched),
          );
          const missing = switchEpochs.filter((e) => !announcedEpochs.includes(e));
          expect(report.ok).toBe(confirmed && missing.length === 0);
          expect(report.problems.filter((p) => p.startsWith('nobody was paged')).length).toBe(missing.length);
          for (const e of missing) expect(report.problems.some((p) => p.includes(`(epoch ${e},`))).toBe(true);
          expect(report.problems.some((p) => p.startsWith('nobody is subscribed'))).toBe(!confirmed);
        },
      ),
    );
  });
});
