/**
 * Gitignore-flavoured globs over '/'-separated relative paths: `*`, `?`, `**`, `{a,b}`, `[abc]`.
 * A pattern without '/' matches a file or folder name at any depth (`migrations` excludes every migrations folder).
 */
export function globToRegExp(pattern: string): RegExp {
  let p = pattern.trim().replace(/\\/g, '/');
  if (p.startsWith('./')) p = p.slice(2);
  const anchored = p.includes('/') && !p.startsWith('**/');
  if (p.endsWith('/')) p = `${p}**`;
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '*') {
      if (p[i + 1] === '*') {
        const slash = p[i + 2] === '/';
        re += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const end = p.indexOf('}', i);
      if (end < 0) re += '\\{';
      else {
        re += `(?:${p.slice(i + 1, end).split(',').map(escape).join('|')})`;
        i = end;
      }
    } else if (c === '[') {
      const end = p.indexOf(']', i);
      if (end < 0) re += '\\[';
      else {
        re += `[${p.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += escape(c);
  }
  const prefix = anchored ? '^' : '^(?:.*/)?';
  // A folder pattern also matches everything below it.
  return new RegExp(`${prefix}${re}(?:/.*)?$`);
}

function escape(s: string): string {
  return s.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

export class GlobSet {
  private readonly res: RegExp[];
  constructor(readonly patterns: readonly string[]) {
    this.res = patterns.map(globToRegExp);
  }
  matches(relPath: string): boolean {
    const p = relPath.replace(/\\/g, '/').replace(/^\.\//, '');
    return this.res.some((r) => r.test(p));
  }
}
