import * as assert from 'node:assert/strict';
import { PythonParser } from '../../server/core/parsing/pythonParser';
import { commaBefore, nodesOfType } from '../../server/core/python/syntax';
import { nodeGrammarLocation } from '../../server/node/grammarFiles';

// The copy keeps no comma tokens: the comma before an argument is found in the text (DJP402's fix removes it).
describe('commaBefore: the comma before an argument, from the text', () => {
  let parser: PythonParser;
  before(async () => { parser = await PythonParser.load(nodeGrammarLocation()); });

  const keywordOf = (text: string) => {
    const kw = nodesOfType(parser.parse(text).rootNode, 'keyword_argument')[0];
    assert.ok(kw, text);
    return kw;
  };

  it('finds it across blanks, a line break and a line continuation', () => {
    for (const text of ['f(a, k=1)\n', 'f(a,k=1)\n', 'f(\n    a,\n    k=1,\n)\n', 'f(a, \\\n  k=1)\n']) {
      const kw = keywordOf(text);
      const at = commaBefore(kw);
      assert.equal(text[at], ',', text);
      assert.equal(text.slice(at + 1, kw.startIndex).trim().replace('\\', ''), '', text);
    }
  });

  it('answers -1 for the first argument and when a comment sits between', () => {
    assert.equal(commaBefore(keywordOf('f(k=1)\n')), -1);
    assert.equal(commaBefore(keywordOf('f(a,  # why\n  k=1)\n')), -1);
  });
});
