import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUNBOOKS } from './definitions/index';
import type { Runbook, RunbookCommand, RunbookStep } from './definitions/types';

/**
 * Renders the runbook definitions to Markdown. `npx tsx runbooks/render.ts` writes runbooks/*.md; a test fails when
 * the committed files differ from what this renders, so edit the definitions, never the Markdown.
 */

export const DANGEROUS = '(dangerous!)';

function stepTitle(step: RunbookStep): string {
  // A risky step is marked even when its author forgot to write the marker into the title.
  return step.risky && !step.title.includes(DANGEROUS) ? `${step.title} ${DANGEROUS}` : step.title;
}

/**
 * A command block, then what to type at its questions (an `input` block), then its expected output (an `expect`
 * block: every line appears in the output, `exit N` is the exit code, `exit 0|1` either). The walk test reads these blocks.
 */
function renderCommand(c: RunbookCommand): string[] {
  const lines = ['```sh', c.line, '```', ''];
  if (c.input) lines.push('Type at the questions:', '', '```input', ...c.input, '```', '');
  lines.push('Expected output (each line appears in it; `exit N` is the exit code):', '');
  lines.push('```expect', `exit ${[c.exit ?? 0].flat().join('|')}`, ...c.output, '```', '');
  return lines;
}

function renderStep(step: RunbookStep, index: number): string {
  const lines = [`## Step ${index + 1}. ${stepTitle(step)}`, ''];
  if (step.risky) lines.push('> **This step changes production.** Read it to the end before you run it.', '');
  lines.push(`**Why:** ${step.purpose}`, '');
  if (step.notWalked) lines.push(`**Not walked locally:** ${step.notWalked}`, '');
  if (step.command) lines.push('**Run:**', '', ...renderCommand(step.command));
  lines.push(`**You should see:** ${step.expect}`, '');
  lines.push(`**Check:** ${step.verify}`, '');
  if (step.check) lines.push('**Check with:**', '', ...renderCommand(step.check));
  lines.push(`**If it fails:** ${step.ifItFails}`, '');
  return lines.join('\n');
}

export function renderRunbook(runbook: Runbook): string {
  const parts = [
    `<!-- Generated from runbooks/definitions by \`npx tsx runbooks/render.ts\`. Do not edit by hand. -->`,
    '',
    `# ${runbook.title}`,
    '',
    '## When to use',
    '',
    ...runbook.whenToUse.map((w) => `- ${w}`),
    '',
    '## Before you start',
    '',
    ...runbook.before.map((b) => `- ${b}`),
    '',
    ...runbook.steps.map(renderStep),
  ];
  if (runbook.notes && runbook.notes.length > 0) {
    parts.push('## Good to know', '', ...runbook.notes.map((n) => `- ${n}`), '');
  }
  return parts.join('\n');
}

/** File name → Markdown, for every runbook. */
export function renderAll(): Record<string, string> {
  return Object.fromEntries(RUNBOOKS.map((r) => [r.file, renderRunbook(r)]));
}

if (require.main === module) {
  for (const [file, markdown] of Object.entries(renderAll())) {
    writeFileSync(join(__dirname, file), markdown);
    process.stdout.write(`wrote runbooks/${file}\n`);
  }
}
