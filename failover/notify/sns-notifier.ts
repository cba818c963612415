import { ListTopicsCommand, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notifier } from '../ports';

/** SNS refuses a Subject longer than 100 characters, with line breaks or with non-ASCII characters. */
export const SNS_SUBJECT_LIMIT = 100;

/** A subject SNS accepts: one line of printable ASCII, at most 100 characters (the message keeps the full text). */
export function snsSubject(subject: string): string {
  const line =
    subject
      .replace(/→/g, '->')
      .replace(/[^\x20-\x7e]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim() || 'RegionFlip';
  return line.length <= SNS_SUBJECT_LIMIT ? line : `${line.slice(0, SNS_SUBJECT_LIMIT - 3)}...`;
}

/** Tells on-call through the on-call SNS topic (e-mail, chat and paging tools subscribe to it). */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async notify(subject: string, message: Record<string, unknown>): Promise<void> {
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: snsSubject(subject),
        Message: JSON.stringify({ subject, ...message }, null, 2),
      }),
    );
  }
}

/** The on-call topic's ARN, found by name in one Region (the CLI and drills know the name, not the ARN). */
export async function findOncallTopicArn(sns: SNSClient, topicName: string, region: string): Promise<string> {
  let next: string | undefined;
  do {
    const out = await sns.send(new ListTopicsCommand({ NextToken: next }));
    const arn = out.Topics?.map((t) => t.TopicArn ?? '').find((a) => a.endsWith(`:${topicName}`));
    if (arn) return arn;
    next = out.NextToken;
  } while (next);
  throw new Error(
    `no SNS topic named "${topicName}" in ${region}: deploy the stacks (or start the local environment), or pass --oncall-topic-arn <arn>`,
  );
}
