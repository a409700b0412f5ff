/** A small, strict argv parser: unknown flags are usage errors (exit 2), never ignored. */
export class UsageError extends Error {}

export interface FlagSpec {
  /** Flags that take a value (`--format json` or `--format=json`). */
  values: readonly string[];
  /** Flags that are plain switches. */
  switches: readonly string[];
}

export interface ParsedArgs {
  positional: string[];
  values: Map<string, string[]>;
  switches: Set<string>;
}

export function parseArgs(argv: readonly string[], spec: FlagSpec): ParsedArgs {
  const out: ParsedArgs = { positional: [], values: new Map(), switches: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg}`);
      out.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (spec.switches.includes(name)) {
      if (eq > 0) throw new UsageError(`--${name} takes no value`);
      out.switches.add(name);
    } else if (spec.values.includes(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
      out.values.set(name, [...(out.values.get(name) ?? []), value]);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return out;
}

/** `--select DJP1,DJP203 --select DJP3` -> ['DJP1','DJP203','DJP3']. */
export function listValue(parsed: ParsedArgs, name: string): string[] | undefined {
  const v = parsed.values.get(name);
  return v ? v.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean) : undefined;
}

export function lastValue(parsed: ParsedArgs, name: string): string | undefined {
  const v = parsed.values.get(name);
  return v?.[v.length - 1];
}
