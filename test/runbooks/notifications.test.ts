import { ListSubscriptionsByTopicCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import type { OncallInbox } from '../../chaos/env/oncall-inbox';
import { controlRegionOf } from '../../failover/config/names';
import { executeSwitch, systemClock } from '../../failover/switch/execute-switch';
import type { NotificationsReport } from '../../runbooks/check-commands';
import { captureCli } from '../cli/capture-cli';
import { waitFor } from '../support/env';
import { localDeploymentWithInbox, PRIMARY, SECONDARY, type TestDeployment } from './support/deployment';
import { failOverTo } from './support/runbook-deps';

/**
 * `notifications --target local` against a deployment in moto whose on-call topic delivers to the local environment's
 * real inbox (chaos/env/oncall-inbox.ts, an HTTP subscriber moto POSTs to): exit 0 only when every switch paged somebody.
 */
describe('notifications (CLI, --target local, a real on-call inbox)', () => {
  let dep: TestDeployment;
  let inbox: OncallInbox;
  let stop: () => Promise<void>;
  const notifications = (...more: string[]) => captureCli(['notifications', '--target', 'local', ...more]);
  const received = async () => ((await (await fetch(`${inbox.url}/messages`)).json()) as unknown[]).length;

  beforeAll(async () => {
    ({ dep, inbox, stop } = await localDeploymentWithInbox('notifications'));
  });
  afterAll(() => stop());

  it('GIVEN a failover whose message reached on-call WHEN notifications THEN exit 0 and the message is listed', async () => {
    await failOverTo(dep, SECONDARY);
    await waitFor('the failover message in the inbox', async () => ((await received()) >= 1 ? true : undefined));

    const text = await notifications();
    const json = await notifications('-o', 'json');

    expect(text).toMatchObject({ code: 0, err: '' });
    expect(text.out).toContain(`RegionFlip switched all tenants -> ${SECONDARY}`);
    expect(text.out).not.toContain('NEEDS A HUMAN');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({ ok: true, problems: [] });
  });

  it('GIVEN a failback whose message was lost WHEN notifications THEN exit 1 and the problem names that switch', async () => {
    const before = await received();
    await executeSwitch(
      // The switch is done and audited, but its message goes nowhere: on-call was never paged.
      {
        store: dep.ctx.store,
        trafficSwitch: dep.ctx.trafficSwitch,
        notifier: { notify: async () => {} },
        clock: systemClock,
        owner: 't',
      },
      {
        switch: { targetRegion: PRIMARY, scope: { kind: 'region' } },
        caller: 'manual-failback',
        actor: 'alice',
        reason: 'INC-9 over',
        trigger: 'test',
        leaseSeconds: 10,
      },
    );
    expect(await received()).toBe(before);

    const text = await notifications();
    const json = await notifications('--json');

    expect(text.code).toBe(1);
    expect(text.out).toContain('NEEDS A HUMAN: 1 problem(s)');
    expect(text.out).toMatch(
      new RegExp(`nobody was paged about the switch all tenants -> ${PRIMARY} \\(epoch 2, manual-failback by alice, `),
    );
    const report = JSON.parse(json.out) as NotificationsReport;
    expect({ code: json.code, ok: report.ok, problems: report.problems.length }).toEqual({
      code: 1,
      ok: false,
      problems: 1,
    });
  });

  it('GIVEN every subscription of the on-call topic removed WHEN notifications THEN exit 1: nobody is subscribed', async () => {
    const sns = dep.clients.sns[controlRegionOf(dep.config)]!;
    const subs = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: dep.topicArn }));
    for (const sub of subs.Subscriptions ?? []) {
      await sns.send(new UnsubscribeCommand({ SubscriptionArn: sub.SubscriptionArn! }));
    }

    const { code, out } = await notifications();

    expect(code).toBe(1);
    expect(out).toContain(
      `nobody is subscribed: the on-call topic ${dep.topicArn} has no confirmed subscription, so nobody is paged`,
    );
  });
});
