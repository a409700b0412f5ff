import { ruleMeta, type Finding, type Rule } from '../types';
import { sharedFacts } from './env';
import { qualifiedName } from '../../python/semantic/infer';
import { positionalArgs, rangeOf, stringValue, walk } from '../../python/syntax';
import type { Node } from '../../parsing/syntaxTree';

export const meta = ruleMeta({
  code: 'DJP408',
  name: 'allow-async-unsafe-outside-tests',
  family: 'sync-async',
  defaultSeverity: 'warning',
  summary: 'DJANGO_ALLOW_ASYNC_UNSAFE is set outside tests: sync ORM calls then block the event loop silently.',
});

const KEY = 'DJANGO_ALLOW_ASYNC_UNSAFE';

export function isTestFile(uri: string): boolean {
  const parts = uri.replace(/\\/g, '/').split('/');
  const file = parts[parts.length - 1] ?? '';
  const dir = parts[parts.length - 2] ?? '';
  return /^(tests?|test_.*|.*_tests?|conftest)\.py$/.test(file) || /^(tests?|testing)$/.test(dir);
}

export const rule: Rule = {
  meta,
  check(ctx) {
    // Every form flagged below spells the key out in the source (stringValue keeps escapes as written).
    if (isTestFile(ctx.file.uri) || !ctx.file.text.includes(KEY)) return [];
    const facts = sharedFacts(ctx);
    const findings: Finding[] = [];
    const isEnviron = (n: Node | null | undefined) => !!n && qualifiedName(n) === 'os.environ';
    const flag = (n: Node) => findings.push({
      code: meta.code,
      range: rangeOf(n),
      message: `${KEY} disables Django's SynchronousOnlyOperation check for the whole process: sync ORM calls in async views then run ` +
        `on the event loop and block every concurrent request instead of failing loudly. Fix the async views (DJP302/DJP303) and ` +
        `set it only in tests or a Jupyter session.`,
    });
    walk(facts.root, (n) => {
      if (n.type === 'assignment') {
        const left = n.childForFieldName('left');
        if (left?.type === 'subscript' && isEnviron(left.childForFieldName('value')) && stringValue(left.childForFieldName('subscript')) === KEY) flag(n);
      } else if (n.type === 'call') {
        const fn = n.childForFieldName('function');
        const name = qualifiedName(fn) ?? '';
        const first = stringValue(positionalArgs(n)[0]);
        if ((name === 'os.environ.setdefault' || name === 'os.putenv') && first === KEY) flag(n);
        if (name === 'os.environ.update' && n.text.includes(KEY)) flag(n);
      }
      return true;
    });
    return findings;
  },
};
