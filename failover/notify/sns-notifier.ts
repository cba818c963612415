import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
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
