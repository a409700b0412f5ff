/** DATABASES HOST: a database on localhost, 127.0.0.1 or a local socket shares the app host's cores in the simulation. */
import * as assert from 'node:assert/strict';
import { PythonParser } from '../../server/core/parsing/pythonParser';
import { extractSettingsFacts } from '../../server/core/django/settingsFacts';
import { nodeGrammarLocation } from '../../server/node/grammarFiles';

const settings = (db: string): string => `DATABASES = {\n    "default": {\n        "ENGINE": "django.db.backends.postgresql",\n${db}    }\n}\n`;

describe('settings facts: DATABASES HOST', () => {
  let parser: PythonParser;
  before(async () => { parser = await PythonParser.load(nodeGrammarLocation()); });
  const host = (db: string): string | undefined => extractSettingsFacts(parser.parse(settings(db)), 'file:///s/settings.py').dbHost?.value;

  it('reads a literal HOST, and "" when the key is absent (Django connects to the local socket)', () => {
    assert.equal(host('        "HOST": "127.0.0.1",\n'), '127.0.0.1');
    assert.equal(host('        "HOST": "db.internal",\n'), 'db.internal');
    assert.equal(host('        "NAME": "shop",\n'), '');
  });

  it('stays silent when HOST is computed (an environment variable)', () => {
    assert.equal(host('        "HOST": os.environ.get("PGHOST", "localhost"),\n'), undefined);
  });
});
