import * as path from 'node:path';

/** Repository root, from out/test/harness (compiled) or test/harness (sources). */
export const REPO_ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}out${path.sep}`) ? '../../..' : '../..');
export const FIXTURE_PROJECTS = path.join(REPO_ROOT, 'test', 'fixtures', 'projects');
export const EXAMPLES = path.join(REPO_ROOT, 'examples');
export const DIST = path.join(REPO_ROOT, 'dist');
