import { ruleMeta, type Finding, type Fix, type Rule } from '../types';
import { sharedFacts } from './env';
import { asyncFunctionOf, isAwaited } from '../../django/asyncContext';
import { blockingOrigin, CATEGORY_LABEL, classifyBlocking, type BlockingCall } from '../../django/blockingCalls';
import { positionalArgs, rangeOf, parentOf, nodesOfType } from '../../python/syntax';
import { ensureImport, replaceWithAwait } from '../../fixes/asyncEdits';
import type { SharedFacts } from './env';

export const meta = ruleMeta({
  code: 'DJP301',
  name: 'blocking-io-in-async',
  family: 'async-blocking',
  defaultSeverity: 'warning',
  summary: 'Blocking I/O (HTTP, sleep, subprocess, files, sockets, SMTP, sync DB drivers) inside async def blocks the event loop.',
});

const ADVICE: Record<BlockingCall['category'], string> = {
  http: 'use an async client (httpx.AsyncClient, aiohttp) or `await asyncio.to_thread(...)`',
  sleep: 'use `await asyncio.sleep(...)`',
  subprocess: 'use `asyncio.create_subprocess_exec(...)` or `await asyncio.to_thread(...)`',
  file: 'use `await asyncio.to_thread(...)` (or aiofiles)',
  filesystem: 'use `await asyncio.to_thread(...)`',
  input: 'do not read the console in a request',
  socket: 'use `asyncio.open_connection(...)` / `loop.getaddrinfo(...)`',
  email: 'send it with `await sync_to_async(send_mail)(...)` or from a task queue',
  'db-driver': 'use the ORM\'s async API, an async driver, or `await sync_to_async(...)`',
};

/** Whether the call's value is used as a context manager (`with open(...) as f:`): wrapping it changes nothing useful. */
function isWithItem(call: SharedFacts['root']): boolean {
  let n = parentOf(call);
  if (n?.type === 'as_pattern') n = parentOf(n);
  return n?.type === 'with_item';
}

export function blockingFixes(b: BlockingCall, facts: SharedFacts): Fix[] | undefined {
  const call = b.call;
  if (isAwaited(call) || isWithItem(call)) return undefined;
  const fn = call.childForFieldName('function');
  const args = call.childForFieldName('arguments');
  if (!fn || args?.type !== 'argument_list') return undefined;
  const importEdit = ensureImport(facts.root, facts.imports, 'asyncio', 'import asyncio');
  const asyncioName = [...facts.imports].find(([, v]) => v === 'asyncio')?.[0] ?? 'asyncio';
  if (b.category === 'sleep' && positionalArgs(call).length === 1) {
    return [{
      message: 'Replace with `await asyncio.sleep(...)`', applicability: 'safe', isPreferred: true,
      edits: [replaceWithAwait(call, `${asyncioName}.sleep(${positionalArgs(call)[0].text})`), ...(importEdit ? [importEdit] : [])],
    }];
  }
  const inner = args.text.slice(1, -1).trim();
  return [{
    message: `Run it in a worker thread: \`await asyncio.to_thread(${fn.text}, ...)\``, applicability: 'unsafe', isPreferred: true,
    edits: [replaceWithAwait(call, `${asyncioName}.to_thread(${fn.text}${inner ? `, ${inner}` : ''})`), ...(importEdit ? [importEdit] : [])],
  }];
}

export const rule: Rule = {
  meta,
  check(ctx) {
    const facts = sharedFacts(ctx);
    const findings: Finding[] = [];
    for (const n of nodesOfType(facts.root, 'call')) {
      const fn = asyncFunctionOf(n);
      if (!fn) continue;
      const b = classifyBlocking(n);
      if (!b) continue;
      // `with open(p) as fh: fh.read()`: the open() is reported, its reads would only repeat it.
      const origin = blockingOrigin(n);
      if (origin && asyncFunctionOf(origin) === fn) continue;
      const name = fn.childForFieldName('name')?.text;
      findings.push({
        code: meta.code,
        range: rangeOf(n),
        message: `Blocking ${CATEGORY_LABEL[b.category]} \`${b.name}\` inside \`async def ${name}\`: the event loop (and every other request ` +
          `it serves) stalls ${b.estimatedMs ? `for ≈ ${b.estimatedMs >= 1000 ? `${b.estimatedMs / 1000} s` : `${b.estimatedMs} ms`}` : 'until it returns'}; ${ADVICE[b.category]}.`,
        cost: { kind: 'blocking', call: b.name, estimatedMs: b.estimatedMs || undefined },
        fixes: blockingFixes(b, facts),
      });
    }
    return findings;
  },
};
