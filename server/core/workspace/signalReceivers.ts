import type { Node } from '../parsing/syntaxTree';
import { decoratorsOf, nodesOfType, parentOf, positionalArgs } from '../python/syntax';
import { bindingOf } from '../python/semantic/infer';
import type { CallerIndex } from './callerIndex';
import type { CallSite, DefiningFile } from './callers';
import { MAX_CALLER_FILES } from './callers';

/**
 * Signal receivers: a function decorated with `@receiver(signal, …)` or passed to `signal.connect(fn)` runs where the
 * signal is sent. For Django's model signals (`post_save`, `pre_delete` …) that is wherever the model is saved,
 * which the code does not say; for a signal the workspace defines (`x = Signal()`), the `x.send(...)` calls do.
 */

export interface ReceiverFacts {
  /** The signals as written (`post_save`, `signals.pre_delete`, `signal_mentions`), for messages. */
  names: string[];
  /** Sends of the workspace-defined signals among them; undefined when one of them is not such a signal. */
  sends: CallSite[] | undefined;
}

const RECEIVER_DECORATOR = /(?:^|\.)receiver$/;

/** `@receiver(...)` arguments of a def: the signal expressions (a list or tuple of them too). */
function decoratorSignals(def: Node): Node[] | undefined {
  let found: Node[] | undefined;
  for (const d of decoratorsOf(def)) {
    const e = d.namedChildren[0];
    if (e?.type !== 'call' || !RECEIVER_DECORATOR.test(e.childForFieldName('function')?.text ?? '')) continue;
    const first = positionalArgs(e)[0];
    if (!first) continue;
    found ??= [];
    found.push(...(first.type === 'list' || first.type === 'tuple' ? first.namedChildren : [first]));
  }
  return found;
}

/** The file's module-level `signal.connect(fn)` / `signal.connect(module.fn)` calls naming `def`. */
function connectSignals(def: Node, home: DefiningFile, file: DefiningFile, index: CallerIndex | undefined): Node[] {
  const name = def.childForFieldName('name')?.text;
  const out: Node[] = [];
  for (const call of nodesOfType(file.root, 'call')) {
    const fn = call.childForFieldName('function');
    if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== 'connect') continue;
    const arg = positionalArgs(call)[0];
    if (!arg || !name || !arg.text.endsWith(name)) continue;
    if (!namesFunction(arg, def, home, file, index)) continue;
    const signal = fn.childForFieldName('object');
    if (signal) out.push(signal);
  }
  return out;
}

function namesFunction(arg: Node, def: Node, home: DefiningFile, file: DefiningFile, index: CallerIndex | undefined): boolean {
  const name = def.childForFieldName('name')?.text;
  if (arg.type === 'identifier') {
    const b = bindingOf(arg);
    if (b?.kind === 'function') return file.uri === home.uri && b.definition?.startIndex === def.startIndex;
    if (b?.kind === 'import' && b.qualified?.endsWith(`.${name}`)) {
      const module = b.qualified.slice(0, b.qualified.length - name!.length - 1) || '.';
      return index?.moduleFile(module, file.uri) === home.uri;
    }
    return false;
  }
  if (arg.type === 'attribute' && arg.childForFieldName('attribute')?.text === name) {
    const obj = arg.childForFieldName('object');
    const b = obj?.type === 'identifier' ? bindingOf(obj) : undefined;
    return b?.kind === 'import' && !!b.qualified && index?.moduleFile(b.qualified, file.uri) === home.uri;
  }
  return false;
}

/** Where a signal expression of `file` is defined as `name = Signal(...)` in the workspace: that file and name. */
function workspaceSignal(expr: Node, file: DefiningFile, index: CallerIndex | undefined): { file: DefiningFile; name: string } | undefined {
  let target: DefiningFile | undefined;
  let name: string | undefined;
  if (expr.type === 'identifier') {
    const b = bindingOf(expr);
    name = expr.text;
    if (b?.kind === 'assignment') target = parentOf(b.node)?.type === 'assignment' && b.scope.kind === 'module' ? file : undefined;
    else if (b?.kind === 'import' && b.qualified) {
      const i = b.qualified.lastIndexOf('.');
      const uri = i < 0 ? undefined : index?.moduleFile(b.qualified.slice(0, i) || '.', file.uri);
      target = uri === file.uri ? file : uri ? index?.file(uri) : undefined;
      name = b.qualified.slice(i + 1);
    }
  } else if (expr.type === 'attribute') {
    const obj = expr.childForFieldName('object');
    const b = obj?.type === 'identifier' ? bindingOf(obj) : undefined;
    const uri = b?.kind === 'import' && b.qualified ? index?.moduleFile(b.qualified, file.uri) : undefined;
    target = uri === file.uri ? file : uri ? index?.file(uri) : undefined;
    name = expr.childForFieldName('attribute')?.text;
  }
  if (!target || !name) return undefined;
  const defined = new RegExp(`^${name}[ \\t]*=[ \\t]*(?:[\\w.]*\\.)?Signal\\(`, 'm');
  return defined.test(target.text) ? { file: target, name } : undefined;
}

/** The `.send(...)` / `.send_robust(...)` calls of a workspace signal, in the files that name it. */
function sendsOf(signal: { file: DefiningFile; name: string }, index: CallerIndex | undefined): CallSite[] | undefined {
  const uris = index ? index.filesMentioning(signal.name) : [signal.file.uri];
  if (uris.length > MAX_CALLER_FILES) return undefined;
  const out: CallSite[] = [];
  for (const uri of uris.includes(signal.file.uri) ? uris : [signal.file.uri, ...uris]) {
    const file = uri === signal.file.uri ? signal.file : index?.file(uri);
    if (!file) return undefined;
    for (const call of nodesOfType(file.root, 'call')) {
      const fn = call.childForFieldName('function');
      const method = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : undefined;
      if (method !== 'send' && method !== 'send_robust') continue;
      const obj = fn?.childForFieldName('object');
      if (!obj || !obj.text.endsWith(signal.name)) continue;
      const named = workspaceSignal(obj, file, index);
      if (named && named.file.uri === signal.file.uri && named.name === signal.name) {
        out.push({ uri: file.uri, relPath: file.relPath, root: file.root, text: file.text, call });
      }
    }
  }
  return out;
}

/**
 * Whether module-level function `def` (in `home`) is a signal receiver, and the sends of its signals when they are
 * all workspace signals. Connections are looked for in the files that mention the function's name.
 */
export function receiverFacts(def: Node, home: DefiningFile, index: CallerIndex | undefined): ReceiverFacts | undefined {
  const signals: { expr: Node; file: DefiningFile }[] = (decoratorSignals(def) ?? []).map((expr) => ({ expr, file: home }));
  const name = def.childForFieldName('name')?.text;
  if (!name) return undefined;
  const uris = index ? index.filesMentioning(name) : [home.uri];
  if (uris.length <= MAX_CALLER_FILES) {
    for (const uri of uris.includes(home.uri) ? uris : [home.uri, ...uris]) {
      if (uri !== home.uri && !index?.textOf(uri)?.includes('.connect(')) continue;
      const file = uri === home.uri ? home : index?.file(uri);
      if (!file || !file.text.includes('.connect(')) continue;
      for (const expr of connectSignals(def, home, file, index)) signals.push({ expr, file });
    }
  }
  if (signals.length === 0) return undefined;
  let sends: CallSite[] | undefined = [];
  for (const s of signals) {
    const ws = workspaceSignal(s.expr, s.file, index);
    const found = ws ? sendsOf(ws, index) : undefined;
    if (!found) {
      sends = undefined;
      break;
    }
    sends.push(...found);
  }
  return { names: [...new Set(signals.map((s) => s.expr.text))], sends };
}
