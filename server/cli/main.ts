import * as fs from 'node:fs';
import type { CliIO } from './io';
import { runCheckCommand, describeError, CHECK_USAGE } from './check';
import { runSimulateCommand } from './simulate';
import { runProfileCommand } from './profile';
import { UsageError } from './args';

declare const DJPERF_VERSION: string | undefined;
const VERSION = typeof DJPERF_VERSION === 'string' ? DJPERF_VERSION : '0.0.0-dev';

const USAGE = `djperf ${VERSION} — Django performance linter and simulator

usage: djperf <command> [options]

commands:
  check [PATH...]        report performance problems (N+1 queries, row locks, blocking async code)
  simulate SCENARIO      simulate a deployment under load (see docs/simulation.md)
  profile [PATH]         endpoint profiles, caching advice and the detected deployment (docs/deployment.md)

${CHECK_USAGE}
`;

/** Runs one CLI invocation; returns the exit code. Never throws. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'check': return await runCheckCommand(rest, io, VERSION);
      case 'simulate': return await runSimulateCommand(rest, io);
      case 'profile': return await runProfileCommand(rest, io);
      case '--version': case '-V': io.stdout(`djperf ${VERSION}\n`); return 0;
      case undefined: case '--help': case '-h': case 'help': io.stdout(USAGE); return command === undefined ? 2 : 0;
      default: throw new UsageError(`unknown command "${command}" (try: djperf check .)`);
    }
  } catch (e) {
    const { message, code } = describeError(e);
    io.stderr(`${message}\n`);
    return code;
  }
}

export function processIO(): CliIO {
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    readFile: (p) => fs.readFileSync(p, 'utf8'),
    isTTY: !!process.stderr.isTTY,
    cwd: process.cwd(),
  };
}

if (require.main === module) {
  runCli(process.argv.slice(2), processIO()).then((code) => {
    process.exitCode = code;
  });
}
