// smol-toml ships CommonJS beside ESM but declares only ESM types; this typed require keeps our CJS build honest.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const smolToml = require('smol-toml') as { parse(text: string): Record<string, unknown> };

export function parseToml(text: string): Record<string, unknown> {
  return smolToml.parse(text);
}
