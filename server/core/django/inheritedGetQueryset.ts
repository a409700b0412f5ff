import type { Node } from '../parsing/syntaxTree';
import { dottedName } from '../python/syntax';
import { bindingOf } from '../python/semantic/infer';

/**
 * Django and DRF view classes and mixins whose get_queryset() is the framework's (`self.queryset.all()`, the model's
 * default manager): a view deriving only from these gets what its own `queryset`/`model` says.
 */
const LIBRARY_BASES = /^(object|View|TemplateView|RedirectView|ListView|DetailView|CreateView|UpdateView|DeleteView|FormView|\w*ArchiveView|DateDetailView|Base\w*View|ProcessFormView|\w*Mixin|APIView|GenericAPIView|\w*APIView|ViewSet|GenericViewSet|ModelViewSet|ReadOnlyModelViewSet|ModelAdmin)$/;
const LIBRARY_MODULES = /^(django|rest_framework)\./;
const MAX_LEVELS = 6;

function definesGetQueryset(cls: Node): boolean {
  return (cls.childForFieldName('body')?.namedChildren ?? []).some((stmt) => {
    const def = stmt?.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
    return def?.type === 'function_definition' && def.childForFieldName('name')?.text === 'get_queryset';
  });
}

/**
 * Why `self.get_queryset()` / `super().get_queryset()` in `cls` may return more than its `queryset` attribute: a base
 * class of this file that overrides get_queryset, or a base imported from the project (which this file cannot
 * read). Undefined when every base is the framework's (or a same-file class without an override).
 */
export function inheritedGetQuerysetUnknown(cls: Node, level = 0): string | undefined {
  if (level > MAX_LEVELS) return undefined;
  for (const b of cls.childForFieldName('superclasses')?.namedChildren ?? []) {
    if (!b || b.type === 'keyword_argument') continue;
    const parts = dottedName(b);
    if (!parts) return `a base class djperf cannot resolve (${b.text})`;
    const last = parts[parts.length - 1];
    let head: Node | null = b;
    while (head?.type === 'attribute') head = head.childForFieldName('object');
    const binding = head?.type === 'identifier' ? bindingOf(head) : undefined;
    if (binding?.kind === 'class' && binding.definition && parts.length === 1) {
      if (definesGetQueryset(binding.definition)) return `get_queryset() of its base ${last}`;
      const deeper = inheritedGetQuerysetUnknown(binding.definition, level + 1);
      if (deeper) return deeper;
      continue;
    }
    if (binding?.kind === 'import') {
      // `from rest_framework import generics`, `from django.views.generic import ListView`: the framework's.
      if (binding.qualified && LIBRARY_MODULES.test(binding.qualified)) continue;
      return `get_queryset() may come from ${b.text} (imported from the project), which djperf does not read here`;
    }
    // A name bound nowhere djperf can see (a star import): trust only the framework's well-known names.
    if (!binding && LIBRARY_BASES.test(last)) continue;
    return `get_queryset() may come from ${b.text}, which djperf does not read here`;
  }
  return undefined;
}
