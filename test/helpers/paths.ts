// Where tests find the project (for dist/cli.js and samples/) and the shared test material (../shared beside
// the clone, or $PCAPFLOW_SHARED). Tests over shared material skip when it is absent.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (this file is compiled to build/test/helpers/paths.js). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SHARED_DIR = process.env['PCAPFLOW_SHARED'] ?? path.resolve(REPO_ROOT, '..', 'shared');
export const TESTDATA_DIR = path.join(SHARED_DIR, 'testdata');
export const DOCS_DIR = path.join(SHARED_DIR, 'docs');
export const HAVE_SHARED = existsSync(TESTDATA_DIR);
export const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
export const SAMPLES_DIR = path.join(REPO_ROOT, 'samples');
