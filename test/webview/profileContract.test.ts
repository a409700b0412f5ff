import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseHostToView } from '../../webview/ui/messages';
import { buildScenario, defaultInputs } from '../../webview/ui/scenarioBuilder';
import { validateScenario } from '../../webview/sim/index';
import { profileProject } from '../../server/node/profile';
import { loadProjectConfig } from '../../server/node/projectConfig';
import { mergeConfig } from '../../server/core/config/config';
import { EXAMPLES, FIXTURE_PROJECTS } from '../harness/paths';

/**
 * The contract between the server's profile producer and the webview's consumer: what the server really
 * builds for real projects must pass the view's validators and turn into valid simulator scenarios.
 */
describe('profile report contract: server producer ⇄ webview consumer', function () {
  this.timeout(60_000);
  for (const dir of [path.join(EXAMPLES, 'shop'), path.join(FIXTURE_PROJECTS, 'deployment_limits')]) {
    it(`the report of ${path.basename(dir)} is accepted by the view and every endpoint simulates`, async () => {
      const project = loadProjectConfig(dir);
      const { report } = await profileProject(dir, mergeConfig(project.config));
      const parsed = parseHostToView(JSON.parse(JSON.stringify({ type: 'profiles', report })));
      assert.ok(parsed.ok, `refused: ${parsed.ok ? '' : parsed.error}`);
      assert.ok(report.endpoints.length > 0);
      for (const endpoint of report.endpoints) {
        const built = buildScenario(report, endpoint.id, defaultInputs(report, endpoint.id), { requests: 200 });
        const valid = validateScenario(JSON.parse(JSON.stringify(built.scenario)));
        assert.ok(valid.ok, `${endpoint.id}: ${valid.ok ? '' : valid.errors.join('; ')}`);
      }
    });
  }
});
