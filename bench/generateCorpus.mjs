// Deterministic generator of a large Django project (about 3,000 Python files / 25 MB) for benchmarks:
// apps with models and relations, views with and without N+1s, async views, serializers, admin, urls.
// Usage: node bench/generateCorpus.mjs [OUT_DIR] [APPS]   (default .bench-cache/generated, 250 apps)
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const out = path.resolve(process.argv[2] ?? path.join(root, '.bench-cache/generated'));
const APPS = Number(process.argv[3] ?? 250);

// mulberry32: same corpus on every machine.
let seed = 20261123;
function rand() {
  seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rand() * a.length)];
const cap = (s) => s[0].toUpperCase() + s.slice(1);

const NOUNS = ['order', 'invoice', 'ticket', 'shipment', 'review', 'article', 'comment', 'project', 'task', 'course', 'lesson', 'device', 'reading', 'booking', 'room', 'payment', 'coupon', 'campaign', 'lead', 'contract'];

function models(app, names) {
  let s = `"""Models of the ${app} app (generated for djperf benchmarks)."""\nfrom django.conf import settings\nfrom django.db import models\n\n\n`;
  s += `class ${cap(app)}Base(models.Model):\n    created = models.DateTimeField(auto_now_add=True)\n    updated = models.DateTimeField(auto_now=True)\n\n    class Meta:\n        abstract = True\n\n\n`;
  names.forEach((n, i) => {
    s += `class ${cap(n)}(${cap(app)}Base):\n    name = models.CharField(max_length=200)\n    code = models.SlugField(unique=True)\n    amount = models.DecimalField(max_digits=10, decimal_places=2, default=0)\n`;
    s += `    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="${app}_${n}s")\n`;
    if (i > 0) s += `    parent = models.ForeignKey("${cap(names[i - 1])}", on_delete=models.CASCADE, related_name="${n}s")\n`;
    if (i > 1) s += `    tags = models.ManyToManyField("${cap(names[0])}", blank=True, related_name="tagged_${n}s")\n`;
    s += `\n    class Meta:\n        ordering = ["-created"]\n\n    def __str__(self):\n        return self.name\n\n\n`;
  });
  return s;
}

function viewsModule(app, names, k) {
  const n = names[1 + (k % (names.length - 1))];
  const parent = names[(k % (names.length - 1))];
  // A licence/notes header gives files real-world bulk. (Put at the end, after an indented block, it would hit
  // tree-sitter-python's quadratic comment scanning, which is a grammar quirk and not what projects look like.)
  const header = Array.from({ length: 74 + Math.floor(rand() * 60) }, (_, i) => `# Note ${i}: keep ${n} exports stable for the reporting pipeline; see the ${app} runbook section ${i % 9}.`).join('\n');
  let s = `${header}\n\"\"\"Views ${k} of ${app}.\"\"\"\nimport time\n\nfrom asgiref.sync import sync_to_async\nfrom django.db import transaction\nfrom django.http import JsonResponse\nfrom django.shortcuts import get_object_or_404\n\nfrom ..models import ${cap(n)}, ${cap(parent)}\n\n\n`;
  for (let v = 0; v < 6; v++) {
    const kind = Math.floor(rand() * 6);
    const fn = `${n}_${pick(['list', 'detail', 'summary', 'export', 'feed', 'report'])}_${k}_${v}`;
    if (kind === 0) {
      s += `def ${fn}(request):\n    rows = []\n    for item in ${cap(n)}.objects.filter(amount__gt=0):\n        rows.append({"name": item.name, "parent": item.parent.name, "owner": item.owner.username})\n    return JsonResponse({"rows": rows})\n\n\n`;
    } else if (kind === 1) {
      s += `def ${fn}(request):\n    qs = ${cap(n)}.objects.select_related("parent", "owner").order_by("name")\n    data = [{"name": i.name, "parent": i.parent.name, "owner": i.owner.username} for i in qs[:50]]\n    return JsonResponse({"rows": data})\n\n\n`;
    } else if (kind === 2) {
      s += `async def ${fn}(request):\n    time.sleep(0.01)\n    item = await ${cap(n)}.objects.aget(pk=request.GET["id"])\n    return JsonResponse({"name": item.name})\n\n\n`;
    } else if (kind === 3) {
      s += `def ${fn}(request, pk):\n    with transaction.atomic():\n        obj = ${cap(parent)}.objects.select_for_update().get(pk=pk)\n        obj.amount = obj.amount + 1\n        obj.save(update_fields=["amount"])\n    return JsonResponse({"ok": True})\n\n\n`;
    } else if (kind === 4) {
      s += `def ${fn}(request):\n    values = ${cap(n)}.objects.values("name", "parent__name")\n    total = 0\n    for row in values:\n        total += len(row["name"])\n    return JsonResponse({"total": total})\n\n\n`;
    } else {
      s += `def ${fn}(request, pk):\n    obj = get_object_or_404(${cap(parent)}, pk=pk)\n    children = [c.name for c in obj.${n}s.all()]\n    helper = [compute(x) for x in range(${20 + Math.floor(rand() * 200)})]\n    return JsonResponse({"children": children, "n": len(helper)})\n\n\n`;
    }
  }
  s += `def compute(x):\n    acc = 0\n    for i in range(x):\n        acc += (i * 31) % 7\n    return acc\n`;
  return s;
}

function serializers(app, names) {
  let s = `from rest_framework import serializers\n\nfrom .models import ${names.map(cap).join(', ')}\n\n\n`;
  for (const n of names) {
    s += `class ${cap(n)}Serializer(serializers.ModelSerializer):\n    owner_name = serializers.CharField(source="owner.username")\n\n    class Meta:\n        model = ${cap(n)}\n        fields = ["id", "name", "code", "owner_name"]\n\n\n`;
  }
  return s;
}

function admin(app, names) {
  let s = `from django.contrib import admin\n\nfrom .models import ${names.map(cap).join(', ')}\n\n\n`;
  for (const n of names) s += `@admin.register(${cap(n)})\nclass ${cap(n)}Admin(admin.ModelAdmin):\n    list_display = ["name", "code", "owner"]\n    search_fields = ["name"]\n\n\n`;
  return s;
}

fs.rmSync(out, { recursive: true, force: true });
let files = 0;
let bytes = 0;
const write = (rel, text) => {
  const full = path.join(out, rel);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, text);
  files++;
  bytes += Buffer.byteLength(text);
};
const urls = [];
for (let a = 0; a < APPS; a++) {
  const app = `app${String(a).padStart(3, '0')}`;
  const names = Array.from({ length: 4 }, (_, i) => `${pick(NOUNS)}${a}x${i}`);
  write(`${app}/__init__.py`, '');
  write(`${app}/models.py`, models(app, names));
  write(`${app}/serializers.py`, serializers(app, names));
  write(`${app}/admin.py`, admin(app, names));
  write(`${app}/views/__init__.py`, '');
  for (let k = 0; k < 8; k++) write(`${app}/views/v${k}.py`, viewsModule(app, names, k));
  write(`${app}/urls.py`, `from django.urls import path\n\nfrom .views import v0\n\nurlpatterns = []\n`);
  urls.push(app);
}
write('project/settings.py', `INSTALLED_APPS = [${urls.map((u) => `"${u}"`).join(', ')}]\nDATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "CONN_MAX_AGE": 60}}\n`);
write('project/urls.py', `from django.urls import include, path\n\nurlpatterns = [\n${urls.map((u) => `    path("${u}/", include("${u}.urls")),`).join('\n')}\n]\n`);
console.log(`generated ${files} files, ${(bytes / 1048576).toFixed(1)} MB in ${path.relative(process.cwd(), out) || out}`);
