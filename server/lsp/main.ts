/**
 * djperf language server entry point (dist/server.js). Transport from the command line, as every
 * vscode-languageserver server: `--stdio`, `--node-ipc` or `--socket=N`.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { nodeGrammarLocation } from '../node/grammarFiles';
import { DjperfSession } from './session';

const connection = createConnection(ProposedFeatures.all);

// A bug in one handler must not take the editor's diagnostics down with it: log and carry on.
process.on('uncaughtException', (e) => connection.console.error(`uncaught exception: ${e.stack ?? e.message}`));
process.on('unhandledRejection', (e) => connection.console.error(`unhandled rejection: ${e instanceof Error ? e.stack ?? e.message : String(e)}`));

new DjperfSession(connection, nodeGrammarLocation()).listen();
connection.listen();
