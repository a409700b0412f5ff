/**
 * Issue 8, part 5: every bad value in `[tool.djperf]` and in the `djperf.*` editor settings is rejected with the
 * file, the key and a reason; nothing falls back silently. Table-driven: every key, a wrong type and a wrong value.
 */
import * as assert from 'node:assert/strict';
import { ConfigError, parsePyproject, validateConfigTable } from '../../server/core/config/config';
import { readEditorSettings, SETTING_KEYS } from '../../server/lsp/settings';

const FILE = '/proj/pyproject.toml';

/** key -> [TOML value, key the error must name, reason pattern]. */
const PYPROJECT_BAD: [string, string, string, RegExp][] = [
  ['select', '"DJP1"', 'select', /expected a list of strings, got string "DJP1"/],
  ['select', '["DJP1", 3]', 'select[1]', /expected a string, got number 3/],
  ['select', '["N+1"]', 'select[0]', /"N\+1" is not a rule code or prefix/],
  ['select', '["DJP1000"]', 'select[0]', /not a rule code or prefix/],
  ['ignore', '{ a = 1 }', 'ignore', /expected a list of strings, got a table/],
  ['ignore', '["djp101"]', 'ignore[0]', /not a rule code or prefix/],
  ['per-file-ignores', '["DJP1"]', 'per-file-ignores', /expected a table of glob = \[codes\], got a list/],
  ['per-file-ignores', '{ "a.py" = "DJP1" }', 'per-file-ignores."a.py"', /expected a list of strings/],
  ['per-file-ignores', '{ "a.py" = ["E501"] }', 'per-file-ignores."a.py"[0]', /not a rule code or prefix/],
  ['exclude', 'true', 'exclude', /expected a list of strings, got boolean true/],
  ['exclude', '[1]', 'exclude[0]', /expected a string, got number 1/],
  ['extend-exclude', '"build"', 'extend-exclude', /expected a list of strings/],
  ['extend-exclude', '[["a"]]', 'extend-exclude[0]', /expected a string, got a list/],
  ['target-django-version', '[4, 2]', 'target-django-version', /expected a version string like "4.2", got a list/],
  ['target-django-version', '"banana"', 'target-django-version', /expected a version string like "4.2", got string "banana"/],
  ['target-django-version', '"1.11"', 'target-django-version', /Django 1\.11 is not a Django version djperf knows/],
  ['target-django-version', '"42.0"', 'target-django-version', /not a Django version djperf knows/],
  ['target-django-version', '"4.2.1"', 'target-django-version', /expected a version string/],
  ['severity', '"error"', 'severity', /expected a table of code = /],
  ['severity', '{ DJP101 = 1 }', 'severity.DJP101', /expected "error", "warning", "information", "hint" or "off", got number 1/],
  ['severity', '{ DJP101 = "fatal" }', 'severity.DJP101', /got string "fatal"/],
  ['severity', '{ E501 = "error" }', 'severity.E501', /not a rule code or prefix/],
  ['max-file-size', '"2MB"', 'max-file-size', /expected a whole number of bytes ≥ 1024, got string "2MB"/],
  ['max-file-size', '2048.5', 'max-file-size', /expected a whole number of bytes/],
  ['max-file-size', '10', 'max-file-size', /≥ 1024, got number 10/],
  ['check-tests', '"yes"', 'check-tests', /expected true or false, got string "yes"/],
  ['max-file-size', '-1', 'max-file-size', /≥ 1024/],
  ['max-file-size', 'inf', 'max-file-size', /expected a whole number of bytes/],
  ['rows', '"50"', 'rows', /expected a whole number of rows from 1 to 10000, got string "50"/],
  ['rows', '0', 'rows', /from 1 to 10000, got number 0/],
  ['rows', '2.5', 'rows', /expected a whole number of rows/],
  ['max-file-size', 'nan', 'max-file-size', /expected a whole number of bytes/],
  ['selcet', '["DJP1"]', 'selcet', /unknown key \(did you mean "select"\?\)/],
  ['max_file_size', '4096', 'max_file_size', /unknown key \(did you mean "max-file-size"\?\)/],
  ['frobnicate', '1', 'frobnicate', /unknown key; known keys: select, ignore/],
];

/** `djperf` settings section -> key the error must name (as the user wrote it), reason pattern. */
const SETTINGS_BAD: [Record<string, unknown>, string, RegExp][] = [
  [{ enable: 'yes' }, 'djperf.enable', /expected true or false, got "yes"/],
  [{ enable: 1 }, 'djperf.enable', /expected true or false, got 1/],
  [{ run: 'onChange' }, 'djperf.run', /expected "onType" or "onSave", got "onChange"/],
  [{ run: true }, 'djperf.run', /expected "onType" or "onSave", got true/],
  [{ rows: '50' }, 'djperf.rows', /expected a whole number of rows from 1 to 10000, got string "50"/],
  [{ rows: 0 }, 'djperf.rows', /from 1 to 10000, got number 0/],
  [{ hover: { queryMs: -2 } }, 'djperf.hover.queryMs', /expected a positive number, got -2/],
  [{ hover: { queryMs: Number.POSITIVE_INFINITY } }, 'djperf.hover.queryMs', /expected a positive number/],
  [{ hover: { queryMs: Number.NaN } }, 'djperf.hover.queryMs', /expected a positive number/],
  [{ rules: { select: 'DJP1' } }, 'djperf.rules.select', /expected a list of strings, got string "DJP1"/],
  [{ rules: { select: ['DJP1', 'nope'] } }, 'djperf.rules.select[1]', /"nope" is not a rule code or prefix/],
  [{ rules: { ignore: [null] } }, 'djperf.rules.ignore[0]', /expected a string, got null/],
  [{ rules: { ignore: ['DJP9999'] } }, 'djperf.rules.ignore[0]', /not a rule code or prefix/],
  [{ rules: { severity: ['DJP101'] } }, 'djperf.rules.severity', /expected a table of code = /],
  [{ rules: { severity: { DJP101: 'loud' } } }, 'djperf.rules.severity.DJP101', /got string "loud"/],
  [{ rules: { severity: { W1: 'error' } } }, 'djperf.rules.severity.W1', /not a rule code or prefix/],
  [{ exclude: '.venv' }, 'djperf.exclude', /expected a list of strings/],
  [{ exclude: [{}] }, 'djperf.exclude[0]', /expected a string, got a table/],
  [{ targetDjangoVersion: true }, 'djperf.targetDjangoVersion', /expected a version string like "4.2", got boolean true/],
  [{ targetDjangoVersion: 'latest' }, 'djperf.targetDjangoVersion', /expected a version string like "4.2", got string "latest"/],
  [{ targetDjangoVersion: '10.0' }, 'djperf.targetDjangoVersion', /not a Django version djperf knows/],
  [{ maxFileSize: '2097152' }, 'djperf.maxFileSize', /expected a whole number of bytes ≥ 1024, got string "2097152"/],
  [{ maxFileSize: 512 }, 'djperf.maxFileSize', /≥ 1024, got number 512/],
  [{ maxFileSize: 1e6 + 0.5 }, 'djperf.maxFileSize', /expected a whole number of bytes/],
  [{ checkTests: 'true' }, 'djperf.checkTests', /expected true or false, got string "true"/],
];

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}, not a ConfigError`);
    return e;
  }
  assert.fail('the bad value was accepted');
}

describe('configuration: every bad value is rejected with file, key and reason', () => {
  describe('pyproject.toml [tool.djperf]', () => {
    for (const [key, value, named, reason] of PYPROJECT_BAD) {
      it(`${key} = ${value}`, () => {
        const e = configError(() => parsePyproject(`[tool.djperf]\n${key} = ${value}\n`, FILE));
        assert.equal(e.file, FILE);
        assert.equal(e.key, named);
        assert.match(e.reason, reason);
        assert.ok(e.message.startsWith(`${FILE}: [tool.djperf] ${named}: `), e.message);
      });
    }

    it('covers every known key', () => {
      const keys = new Set(PYPROJECT_BAD.map(([k]) => k));
      const known = /known keys: (.*)$/.exec(configError(() => validateConfigTable({ zzz: 1 }, FILE)).reason)![1].split(', ');
      for (const k of known) assert.ok(keys.has(k), `no bad-value case for ${k}`);
    });

    it('a [tool.djperf] that is not a table, and broken TOML, name the file', () => {
      let e = configError(() => parsePyproject('[tool]\ndjperf = 3\n', FILE));
      assert.equal(e.file, FILE);
      assert.match(e.message, /\[tool\.djperf\] must be a table/);
      e = configError(() => parsePyproject('[tool.djperf]\nselect = ["DJP1"\n', FILE));
      assert.match(e.message, /^\/proj\/pyproject\.toml: invalid TOML/);
      e = configError(() => parsePyproject('\0\u0001[tool.djperf]\n', FILE));
      assert.match(e.message, /invalid TOML/);
    });

    it('good values still pass (the table is not over-strict)', () => {
      const c = parsePyproject('[tool.djperf]\nselect = ["ALL"]\nignore = ["DJP3"]\nper-file-ignores = { "tests/*" = ["DJP1"] }\nexclude = []\n' +
        'extend-exclude = ["gen"]\ntarget-django-version = 4.2\nseverity = { DJP101 = "error", DJP2 = "off" }\nmax-file-size = 4096\ncheck-tests = true\nrows = 35\n', FILE);
      assert.deepEqual(c?.targetDjango, [4, 2]);
      assert.equal(c?.checkTests, true);
      assert.equal(c?.rows, 35);
      assert.equal(c?.maxFileSize, 4096);
    });
  });

  describe('VS Code settings (djperf.*)', () => {
    for (const [section, named, reason] of SETTINGS_BAD) {
      it(`${JSON.stringify(section)}`, () => {
        const e = configError(() => readEditorSettings(section));
        assert.equal(e.file, 'VS Code settings');
        assert.equal(e.key, named);
        assert.match(e.reason, reason);
        assert.ok(e.message.startsWith(`VS Code settings: ${named}: `), e.message);
      });
    }

    it('covers every setting the server reads (trace.server is the client\'s)', () => {
      const covered = new Set(SETTINGS_BAD.map(([, k]) => k.replace(/^djperf\./, '').replace(/\[\d+\]$|\.DJP\d+$|\.W1$/, '')));
      for (const k of SETTING_KEYS.filter((k) => k !== 'trace.server')) assert.ok(covered.has(k), `no bad-value case for djperf.${k}`);
    });

    it('a section that is not an object, or has null values, means defaults (never a crash)', () => {
      for (const section of [undefined, null, 3, 'x', [], { rules: null }, { hover: 'x' }, { enable: null }]) {
        const s = readEditorSettings(section);
        assert.equal(s.server.enable, true);
        assert.deepEqual(s.config, {});
      }
    });

    it('djperf.checkTests maps onto check-tests', () => {
      assert.equal(readEditorSettings({ checkTests: true }).config.checkTests, true);
    });
  });
});
