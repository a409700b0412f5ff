import type { ModelDecl, FieldDecl } from './modelDecls';

/** django.contrib.auth and contenttypes models, declared as a workspace would declare them. */
const zero = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

function plain(...names: string[]): FieldDecl[] {
  return names.map((name) => ({ name, kind: 'field' as const, range: zero }));
}

function decl(appLabel: string, name: string, bases: string[], fields: FieldDecl[], abstract = false): ModelDecl {
  return {
    name, appLabel, uri: `builtin:django/contrib/${appLabel}/models.py`, range: zero, bases, fields,
    managers: ['objects'], abstract, proxy: false, methods: ['__str__'],
  };
}

export const BUILTIN_MODEL_DECLS: readonly ModelDecl[] = [
  decl('contenttypes', 'ContentType', ['models.Model'], plain('app_label', 'model')),
  decl('auth', 'Permission', ['models.Model'], [
    ...plain('name', 'codename'),
    { name: 'content_type', kind: 'fk', target: 'contenttypes.ContentType', range: zero },
  ]),
  decl('auth', 'Group', ['models.Model'], [
    ...plain('name'),
    // Django declares no related_name: the reverse accessor is permission.group_set.
    { name: 'permissions', kind: 'm2m', target: 'auth.Permission', range: zero },
  ]),
  decl('auth', 'AbstractBaseUser', ['models.Model'], plain('password', 'last_login'), true),
  decl('auth', 'PermissionsMixin', ['models.Model'], [
    ...plain('is_superuser'),
    { name: 'groups', kind: 'm2m', target: 'auth.Group', relatedName: 'user_set', range: zero },
    { name: 'user_permissions', kind: 'm2m', target: 'auth.Permission', relatedName: 'user_set', range: zero },
  ], true),
  decl('auth', 'AbstractUser', ['AbstractBaseUser', 'PermissionsMixin'],
    plain('username', 'first_name', 'last_name', 'email', 'is_staff', 'is_active', 'date_joined'), true),
  decl('auth', 'User', ['AbstractUser'], []),
];

/** Base-class names that make a class a Django model without being declared in the workspace. */
export const MODEL_ROOT_BASES: ReadonlySet<string> = new Set(['models.Model', 'Model', 'db.models.Model', 'django.db.models.Model']);
