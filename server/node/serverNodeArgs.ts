/**
 * Node options the language server process runs with (the extension starts it with them; the test and bench
 * clients too, so that they measure the server users run).
 *
 * 32 MB semi-spaces instead of node's 16 MB: each file of a workspace scan keeps its tree alive while it is analysed,
 * and with the default young generation the garbage collector copied those trees collection after collection. On
 * DefectDojo (three alternated pairs): the scan took 8.6-9.6 s instead of 10.2-11.4 s, and the first diagnostics of an
 * opened file came 1.07-1.36 s after the start instead of 1.32-1.42 s. V8 reads the size only when the process
 * starts, so it cannot be set from inside the server.
 */
export const SERVER_NODE_ARGS: readonly string[] = ['--max-semi-space-size=32'];
