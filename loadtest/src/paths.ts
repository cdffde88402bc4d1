import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (loadtest/dist/ or loadtest/src/ → ../..). */
export const REPO_ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
