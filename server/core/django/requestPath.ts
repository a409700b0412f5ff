import type { Node } from '../parsing/syntaxTree';
import type { WorkspaceFacts } from '../rules/context';
import { decoratorsOf, isAsyncDef, parentOf } from '../python/syntax';
import { enclosingClass } from '../python/scopes';
import { isUrlView } from './urlFacts';
import { isNonAtomicRequests } from './transactions';

/** Why a function is known to run while a request waits. */
export interface RequestPathInfo {
  fn: Node;
  reason: string;
  /** The view's transaction follows ATOMIC_REQUESTS (not opted out with @non_atomic_requests, not an admin action). */
  atomicRequestsApplies: boolean;
}

const VIEW_BASE = /(^|\.)(View|APIView|GenericAPIView|ViewSet|GenericViewSet|ModelViewSet|ReadOnlyModelViewSet|\w+View|\w+ViewSet|\w+APIView)$/;
const ADMIN_BASE = /(^|\.)(ModelAdmin|\w+Admin|TabularInline|StackedInline|InlineModelAdmin)$/;
const VIEW_DECORATORS = /(^|\.)(api_view|action|require_POST|require_GET|require_safe|require_http_methods|login_required|permission_required|csrf_exempt|csrf_protect|never_cache|cache_page|staff_member_required|user_passes_test|admin\.action|display)$/;

function firstParams(fn: Node): string[] {
  const params = fn.childForFieldName('parameters');
  return (params?.namedChildren ?? []).slice(0, 2).map((p) => {
    if (!p) return '';
    if (p.type === 'identifier') return p.text;
    return p.childForFieldName('name')?.text ?? p.namedChildren[0]?.text ?? '';
  });
}

function baseNames(cls: Node): string[] {
  const args = cls.childForFieldName('superclasses');
  return (args?.namedChildren ?? []).filter((a): a is Node => !!a && a.type !== 'keyword_argument').map((a) => a.text);
}

/**
 * Whether `fn` runs in a request path: referenced from a URLconf (any file of the workspace), a method of a
 * view/ViewSet/ModelAdmin class, decorated as a view or admin action, or a function taking `request` first.
 */
export function requestPathOf(fn: Node, uri: string, workspace: WorkspaceFacts): RequestPathInfo | undefined {
  if (fn.type !== 'function_definition') return undefined;
  const name = fn.childForFieldName('name')?.text ?? '';
  const cls = enclosingClass(fn);
  const nonAtomic = isNonAtomicRequests(fn);
  const mk = (reason: string, atomic = true): RequestPathInfo => ({ fn, reason, atomicRequestsApplies: atomic && !nonAtomic });
  if (cls && cls.childForFieldName('body')?.id === parentOf(fn)?.id || (cls && parentOf(fn)?.type === 'decorated_definition' && cls.childForFieldName('body')?.id === parentOf(parentOf(fn))?.id)) {
    const clsName = cls.childForFieldName('name')?.text ?? '';
    const bases = baseNames(cls);
    if (isUrlView(workspace.urlViews, uri, clsName)) return mk(`method of ${clsName}, routed in a URLconf`);
    if (bases.some((b) => ADMIN_BASE.test(b))) return mk(`method of the admin class ${clsName}`, false);
    if (bases.some((b) => VIEW_BASE.test(b)) && !bases.some((b) => /Mixin$/.test(b) && bases.length === 1)) {
      return mk(`method of the view class ${clsName}`);
    }
    return undefined;
  }
  if (cls) return undefined;
  if (isUrlView(workspace.urlViews, uri, name)) return mk(`${name} is routed in a URLconf`);
  const decos = decoratorsOf(fn).map((d) => d.namedChildren[0]).filter((d): d is Node => !!d);
  const decoNames = decos.map((d) => (d.type === 'call' ? d.childForFieldName('function')?.text : d.text) ?? '');
  if (decoNames.some((d) => /(^|\.)action$/.test(d) && d.includes('admin'))) return mk(`${name} is an admin action`, false);
  const params = firstParams(fn);
  if (params[0] === 'modeladmin' && params[1] === 'request') return mk(`${name} is an admin action`, false);
  if (params[0] === 'request' && (decoNames.some((d) => VIEW_DECORATORS.test(d)) || isAsyncDef(fn) || /views?(\.py)?$|views[\\/]/.test(uri))) {
    return mk(`${name} takes the request (a view)`);
  }
  return undefined;
}
