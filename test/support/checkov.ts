import { join } from 'node:path';
import { ensurePythonVenv } from '../../chaos/env/moto-server';

/** checkov, pinned whole in test/scan/checkov-requirements.txt, in its own venv: its pins differ from moto's. */
export const CHECKOV_REQUIREMENTS = join(__dirname, '..', 'scan', 'checkov-requirements.txt');

/** Installs checkov once per version of its requirements (one line on stderr, pip's log only on failure); returns its bin. */
export function ensureCheckovInstalled(): string {
  return ensurePythonVenv('checkov-venv', CHECKOV_REQUIREMENTS);
}
