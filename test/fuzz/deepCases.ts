/** Inputs that nest one construct 10,000 levels deep inside code the rules look at (shared by the fuzz and hostile suites). */
import * as path from 'node:path';
import { FIXTURE_PROJECTS } from '../harness/paths';

export const DEPTH = 10_000;
export const ROOT = path.join(FIXTURE_PROJECTS, 'n1_forward');
export const VIEWS = path.join(ROOT, 'library', 'hostile_views.py');
export const MODELS = path.join(ROOT, 'library', 'models.py');

const HEAD = 'from django.db import models, transaction\nfrom asgiref.sync import sync_to_async\nfrom .models import Author, Book\n\n';
const rep = (s: string, n = DEPTH): string => s.repeat(n);
const nestedIndent = (line: (depth: number) => string, inner: (depth: number) => string, n = DEPTH, unit = ' '): string => {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(unit.repeat(i) + line(i));
  out.push(unit.repeat(n) + inner(n));
  return `${out.join('\n')}\n`;
};

/** name -> file text (and the uri it is analysed as, views by default). */
export const CASES: { name: string; text: () => string; uri?: string }[] = [
  { name: 'parentheses around a queryset', text: () => `${HEAD}def v(request):\n    return [b.author.name for b in ${rep('(')}Book.objects.all()${rep(')')}]\n` },
  { name: 'parentheses around a loop variable', text: () => `${HEAD}def v(request):\n    for b in Book.objects.all():\n        print(${rep('(')}b${rep(')')}.author.name)\n` },
  { name: 'parenthesised manager use in a loop', text: () => `${HEAD}def v(request):\n    for a in Author.objects.all():\n        x = ${rep('(')}a.books.all()${rep(')')}\n        list(x)\n` },
  { name: 'unbalanced parentheses', text: () => `${HEAD}def v(request):\n    for b in Book.objects.all():\n        b.author.name(${rep('(')}\n` },
  { name: 'nested tuple loop targets', text: () => `${HEAD}def v(request):\n    for ${rep('(')}b,${rep('),')} in Book.objects.all():\n        b.author.name\n` },
  { name: 'nested list loop targets', text: () => `${HEAD}def v(request):\n    for ${rep('[')}b${rep(']')} in Book.objects.all():\n        b.author.name\n` },
  { name: 'nested assignment targets', text: () => `${HEAD}def v(request):\n    for x in Book.objects.all():\n        ${rep('(')}b,${rep('),')} = x, 1\n        b.author.name\n` },
  { name: 'nested blocks (if x: indented)', text: () => `${HEAD}def v(request):\n  for b in Book.objects.all():\n${nestedIndent(() => 'if b:', () => 'print(b.author.name)', DEPTH, ' ').replace(/^/gm, '   ')}` },
  { name: 'nested for loops over querysets', text: () => `${HEAD}def v(request):\n${nestedIndent((i) => `for b${i} in Book.objects.all():`, (n) => `print(b${n - 1}.author.name)`).replace(/^/gm, ' ')}` },
  { name: 'nested atomic blocks with select_for_update', text: () => `${HEAD}def v(request):\n${nestedIndent(() => 'with transaction.atomic():', () => 'Book.objects.select_for_update().get(pk=1)').replace(/^/gm, ' ')}` },
  { name: 'nested async defs', text: () => `${HEAD}${nestedIndent(() => 'async def v(request):', () => 'Book.objects.get(pk=1)')}` },
  { name: 'nested classes in models.py', uri: MODELS, text: () => `from django.db import models\n\n${nestedIndent((i) => `class M${i}(models.Model):`, () => 'name = models.CharField(max_length=3)')}` },
  // The same at 1,000 levels (under the 2 MB max-file-size, so the 1 s analysis budget applies).
  { name: '1,000 nested blocks (if x:)', text: () => `${HEAD}def v(request):\n  for b in Book.objects.all():\n${nestedIndent(() => 'if b:', () => 'print(b.author.name)', DEPTH / 10, ' ').replace(/^/gm, '   ')}` },
  { name: '1,000 nested for loops over querysets', text: () => `${HEAD}def v(request):\n${nestedIndent((i) => `for b${i} in Book.objects.all():`, (n) => `print(b${n - 1}.author.name)`, DEPTH / 10).replace(/^/gm, ' ')}` },
  { name: '1,000 nested atomic blocks', text: () => `${HEAD}def v(request):\n${nestedIndent(() => 'with transaction.atomic():', () => 'Book.objects.select_for_update().get(pk=1)', DEPTH / 10).replace(/^/gm, ' ')}` },
  { name: '1,000 nested async defs', text: () => `${HEAD}${nestedIndent(() => 'async def v(request):', () => 'Book.objects.get(pk=1)', DEPTH / 10)}` },
  { name: '1,000 nested classes in models.py', uri: MODELS, text: () => `from django.db import models\n\n${nestedIndent((i) => `class M${i}(models.Model):`, () => 'name = models.CharField(max_length=3)', DEPTH / 10)}` },
  { name: 'nested list comprehensions over querysets', text: () => `${HEAD}def v(request):\n    return ${rep('[b.author.name for b in ')}Book.objects.all()${rep(']')}\n` },
  { name: 'nested generator expressions', text: () => `${HEAD}def v(request):\n    return list(${rep('(x for x in ')}Book.objects.all()${rep(')')})\n` },
  { name: 'comprehension with 2,000 for clauses (flat, not nested)', text: () => `${HEAD}def v(request):\n    return [b.author.name ${rep("for b in Book.objects.all() ", 2000)}]\n` },
  { name: 'nested lambdas', text: () => `${HEAD}async def v(request):\n    f = ${rep('lambda: ')}Book.objects.get(pk=1)\n    return await sync_to_async(f)()\n` },
  { name: 'long attribute chain', text: () => `${HEAD}def v(request):\n    for b in Book.objects.all():\n        b${rep('.author')}.name\n` },
  { name: 'long queryset method chain', text: () => `${HEAD}def v(request):\n    for b in Book.objects${rep('.filter(x=1)')}.all():\n        b.author.name\n` },
  { name: 'long call chain', text: () => `${HEAD}def v(request):\n    for b in Book.objects.all():\n        b.author${rep('()')}.name\n` },
  { name: 'long subscript chain', text: () => `${HEAD}def v(request):\n    for b in Book.objects.all()${rep('[0:]')}:\n        b.author.name\n` },
  { name: 'left-deep binary operators', text: () => `${HEAD}def v(request):\n    for b in Book.objects.all():\n        b.author.name${rep(' + b.author.name')}\n` },
  { name: 'right-deep conditional expressions', text: () => `${HEAD}def v(request):\n    qs = ${rep('Book.objects.all() if request else ')}Book.objects.all()\n    return [b.author.name for b in qs]\n` },
  { name: 'nested await', text: () => `${HEAD}async def v(request):\n    return ${rep('await ')}Book.objects.aget(pk=1)\n` },
  { name: 'nested not/unary operators', text: () => `${HEAD}def v(request):\n    if ${rep('not ')}Book.objects.all():\n        return ${rep('-')}1\n` },
  { name: 'nested lists, dicts and sets', text: () => `${HEAD}def v(request):\n    x = ${rep('[{(')}Book.objects.all()${rep(')}]')}\n` },
  { name: 'chained assignment', text: () => `${HEAD}def v(request):\n    ${rep('q = ')}Book.objects.all()\n    return [b.author.name for b in q]\n` },
  { name: 'variable chain', text: () => `${HEAD}def v(request):\n    q0 = Book.objects.all()\n${Array.from({ length: DEPTH }, (_, i) => `    q${i + 1} = q${i}`).join('\n')}\n    return [b.author.name for b in q${DEPTH}]\n` },
  { name: 'walrus chain', text: () => `${HEAD}def v(request):\n    return [b.author.name for b in ${rep('(q := ')}Book.objects.all()${rep(')')}]\n` },
  { name: '10,000 decorators', text: () => `${HEAD}${rep('@sync_to_async\n')}def v(request):\n    return [b.author.name for b in Book.objects.all()]\n` },
  { name: '10,000 elif clauses', text: () => `${HEAD}def v(request):\n    for b in Book.objects.all():\n        if b:\n            pass\n${rep('        elif b.author.name:\n            pass\n')}` },
  { name: 'string concatenation', text: () => `${HEAD}def v(request):\n    return Book.objects.select_related(${rep('"author" ')})\n` },
  { name: 'f-string nesting', text: () => `${HEAD}def v(request):\n    for b in Book.objects.all():\n        f"${rep('{f"')}{b.author.name}${rep('"}')}"\n` },
  { name: 'model inheritance chain (2,500 classes; inheritance followed 16 levels)', uri: MODELS, text: () => `from django.db import models\n\nclass M0(models.Model):\n    pass\n${Array.from({ length: DEPTH / 4 }, (_, i) => `class M${i + 1}(M${i}):\n    f${i} = models.ForeignKey(M${i}, on_delete=models.CASCADE)\n`).join('')}` },
  { name: 'model inheritance cycle', uri: MODELS, text: () => `from django.db import models\n\nclass A(B, models.Model):\n    pass\nclass B(A):\n    pass\n${Array.from({ length: 200 }, (_, i) => `class C${i}(C${(i + 1) % 200}):\n    pass\n`).join('')}` },
  { name: 'serializer inheritance chain', uri: path.join(ROOT, 'library', 'serializers.py'), text: () => `from rest_framework import serializers\nfrom .models import Book\n\nclass S0(serializers.ModelSerializer):\n    class Meta:\n        model = Book\n        fields = "__all__"\n        depth = 3\n${Array.from({ length: DEPTH }, (_, i) => `class S${i + 1}(S${i}):\n    pass\n`).join('')}` },
  { name: '__str__ reading a deeply nested expression', uri: MODELS, text: () => `from django.db import models\n\nclass P(models.Model):\n    pass\n\nclass M(models.Model):\n    p = models.ForeignKey(P, on_delete=models.CASCADE)\n\n    def __str__(self):\n        return ${rep('(')}self.p.name${rep(')')}\n` },
];
