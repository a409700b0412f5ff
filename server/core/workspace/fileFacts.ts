import type { Tree } from '../parsing/syntaxTree';
import { forgetSemanticModel } from '../python/semantic/infer';
import { exportedTypes, mayExportTypes } from '../python/semantic/moduleTypes';
import type { ExportedTypes } from '../python/semantic/workspaceLookup';
import { extractClassDecls, type ModelDecl } from '../django/modelDecls';
import { extractSettingsFacts, looksLikeSettings, type DjangoSettingsFacts } from '../django/settingsFacts';
import { extractSerializerDecls, type SerializerDecl } from '../drf/serializerDecls';
import { extractUrlViews, mayHaveUrls, type UrlViewRef } from '../django/urlFacts';
import { mayHaveFunctionSummaries, summarizeFunctions, type FunctionSummary } from './functionSummaries';

/** What one file contributes to the workspace index. Small and tree-free, so it outlives the tree. */
export interface FileFacts {
  classes: ModelDecl[];
  settings?: DjangoSettingsFacts;
  /** Views referenced from URLconfs in this file (request-path facts). */
  urlViews?: UrlViewRef[];
  /** DRF serializer classes (which relations each one reads), for DJP108. */
  serializers?: SerializerDecl[];
  /** Module-level functions whose parameters are read through attributes or that query/block (one call level for N+1 and DJP305). */
  functions?: FunctionSummary[];
  /** Library objects the module builds at top level or returns from its functions, for its importers' types. */
  types?: ExportedTypes;
}

const SERIALIZER_CLASS = /^\s*class\s+\w+\s*\([^)]*Serializer\b/m;
/** Custom QuerySet/Manager classes (often in managers.py/querysets.py): their methods' summaries feed the evaluator. */
const QUERYSET_CLASS = /^\s*class\s+\w+\s*\([^)]*(QuerySet|Queryset|Manager|QS)\b/m;

/** A word test first: a multi-line regular expression over every text of a large workspace costs tens of ms. */
function serializerClass(text: string): boolean {
  return text.includes('Serializer') && SERIALIZER_CLASS.test(text);
}

/**
 * Cheap text test, so that only files that can declare models or settings are parsed for facts: Django
 * loads models from an app's `models` module, and project base classes mention `models.Model` themselves.
 */
export function mayHaveFacts(uri: string, text: string): boolean {
  return mayExportTypes(text) || mayHaveGlobalFacts(uri, text);
}

/**
 * The part of mayHaveFacts that every file may read (models, settings, URLconfs, serializers, querysets; see
 * FactsScope): a host that indexes in two waves (the language server's first scan) waits only for these.
 */
export function mayHaveGlobalFacts(uri: string, text: string): boolean {
  if (mayHaveUrls(text)) return true;
  if (!/^\s*class\s/m.test(text)) return looksLikeSettings(uri, text);
  // The path first: a models module (edited on every keystroke of it) needs none of the text searches.
  return /(^|[\\/])models([\\/]|\.pyi?$)/.test(uri) || serializerClass(text) || (/Q(?:uery[Ss]et|S)\b|Manager\b/.test(text) && QUERYSET_CLASS.test(text)) ||
    /\bmodels\.Model\b|\bAbstract(Base)?User\b|\(\s*Model\s*[,)]/.test(text) || looksLikeSettings(uri, text);
}

/**
 * Files whose facts only their importers read (function summaries, exported types: FactsScope `module`): a host that
 * indexes every file it opens (the language server) asks this besides mayHaveGlobalFacts; the CLI loads function
 * summaries on demand instead.
 */
export function mayHaveHelperFacts(text: string): boolean {
  return mayExportTypes(text) || mayHaveFunctionSummaries(text);
}

/**
 * What a host does with the tree after the facts: `analyseNext` when it analyses the same tree at once (the language
 * server's open documents), so the semantic model the facts built is kept for the rules instead of built twice.
 */
export interface FactsOptions {
  analyseNext?: boolean;
}

export function extractFileFacts(tree: Tree, uri: string, text: string, options: FactsOptions = {}): FileFacts {
  const classes = extractClassDecls(tree, uri).filter((c) => c.bases.length > 0);
  const facts: FileFacts = { classes };
  if (looksLikeSettings(uri, text)) facts.settings = extractSettingsFacts(tree, uri);
  if (serializerClass(text)) {
    const serializers = extractSerializerDecls(tree, uri);
    if (serializers.length > 0) facts.serializers = serializers;
  }
  if (mayHaveUrls(text)) {
    const urlViews = extractUrlViews(tree, uri);
    if (urlViews.length) facts.urlViews = urlViews;
  }
  if (mayHaveFunctionSummaries(text)) {
    const functions = summarizeFunctions(tree);
    if (functions.length) facts.functions = functions;
  }
  if (mayExportTypes(text)) {
    const types = exportedTypes(tree);
    if (Object.keys(types).length) facts.types = types;
  }
  // A tree kept for a later pass drops its model (see forgetSemanticModel); one analysed at once keeps it.
  if (!options.analyseNext) forgetSemanticModel(tree);
  return facts;
}
