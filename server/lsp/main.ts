/**
 * djperf language server entry point (dist/server.js). Transport from the command line, as every
 * vscode-languageserver server: `--stdio`, `--node-ipc` or `--socket=N`.
 */
import { createConnection, ProposedFeatures, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { nodeGrammarLocation } from '../node/grammarFiles';
import { DjperfSession } from './session';
import { FrameResync } from './framing';

// Over stdio, a resynchronising front: one garbage write to stdin must not silence the server for good.
let dropped = 0;
const connection = process.argv.includes('--stdio')
  ? createConnection(ProposedFeatures.all, new StreamMessageReader(process.stdin.pipe(new FrameResync((n) => { dropped += n; }))), new StreamMessageWriter(process.stdout))
  : createConnection(ProposedFeatures.all);
setInterval(() => {
  if (!dropped) return;
  connection.console.warn(`ignored ${dropped} byte(s) of malformed input on stdin`);
  dropped = 0;
}, 1000).unref();

// A bug in one handler must not take the editor's diagnostics down with it: log and carry on.
process.on('uncaughtException', (e) => connection.console.error(`uncaught exception: ${e.stack ?? e.message}`));
process.on('unhandledRejection', (e) => connection.console.error(`unhandled rejection: ${e instanceof Error ? e.stack ?? e.message : String(e)}`));

new DjperfSession(connection, nodeGrammarLocation()).listen();
connection.listen();
