/**
 * Code Django or DRF calls while serving a request, known from how it is declared rather than from a URLconf:
 * a permission class's checks, a middleware's hooks, a template tag or filter (run while a template renders).
 */

const PERMISSION_BASE = /(?:^|\.)\w*Permission$/;
const PERMISSION_METHODS = new Set(['has_permission', 'has_object_permission']);
const MIDDLEWARE_BASE = /(?:^|\.)MiddlewareMixin$/;
const MIDDLEWARE_METHODS = new Set(['__call__', 'process_request', 'process_view', 'process_response', 'process_exception', 'process_template_response']);
/** `@register.simple_tag`, `@register.inclusion_tag(...)`, `@register.filter`, `@register.tag`. */
const TEMPLATE_TAG_DECORATOR = /^register\.(?:simple_tag|inclusion_tag|filter|tag)$/;

/** Why a method `name` of class `clsName` (with `bases`) serves requests, or undefined. */
export function hookMethodReason(name: string, clsName: string, bases: readonly string[]): string | undefined {
  if (PERMISSION_METHODS.has(name) && bases.some((b) => PERMISSION_BASE.test(b))) return `the DRF permission ${clsName}.${name}`;
  if (MIDDLEWARE_METHODS.has(name) && (bases.some((b) => MIDDLEWARE_BASE.test(b)) || /Middleware$/.test(clsName))) {
    return `the middleware ${clsName}.${name} (every request)`;
  }
  return undefined;
}

/** Why a module-level function with these decorator names serves requests, or undefined. */
export function hookFunctionReason(name: string, decorators: readonly string[]): string | undefined {
  const tag = decorators.find((d) => TEMPLATE_TAG_DECORATOR.test(d));
  return tag ? `the template tag ${name} (@${tag}, runs while a template renders)` : undefined;
}
