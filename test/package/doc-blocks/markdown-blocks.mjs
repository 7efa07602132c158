// Finds the TypeScript blocks of the README and of every docs/*.md page, as a user would copy them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A block whose first line is `// sample/<file>.ts` quotes the sample; test/readme.spec.ts checks it verbatim. */
const SAMPLE_EXCERPT = /^\/\/ sample\/[\w./-]+\.ts$/;
/** Every other TypeScript block names the file a user saves it as: `// <file>.ts`. */
const FILE_LABEL = /^\/\/ ([\w.-]+\.ts)$/;

/** README.md first, then docs/*.md in name order: pages added later are covered without a change here. */
export function documentationPages(root) {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

/** The fenced blocks of one markdown text: language, body and the 1-based line of the opening fence. */
export function fencedBlocks(markdown) {
  const lines = markdown.split('\n');
  const blocks = [];
  for (let index = 0; index < lines.length; index++) {
    const open = /^```(\w*)\s*$/.exec(lines[index]);
    if (!open) continue;
    const fence = index + 1;
    const body = [];
    for (index++; index < lines.length && !/^```\s*$/.test(lines[index]); index++) body.push(lines[index]);
    blocks.push({ lang: open[1], code: body.join('\n'), fence });
  }
  return blocks;
}

/**
 * The TypeScript files the documentation asks a user to write: `{ file, code, page, fence }`.
 * Throws on a block without a file label or on two blocks with the same file name, since the
 * blocks are compiled side by side in one app (main-redis.ts imports ./app.module, as a user's would).
 */
export function typescriptFiles(root) {
  const files = [];
  const seen = new Map();
  for (const page of documentationPages(root)) {
    for (const block of fencedBlocks(readFileSync(join(root, page), 'utf8'))) {
      if (block.lang !== 'ts') continue;
      const firstLine = block.code.split('\n')[0];
      if (SAMPLE_EXCERPT.test(firstLine)) continue;
      const label = FILE_LABEL.exec(firstLine);
      const where = `${page}:${block.fence}`;
      if (!label) throw new Error(`${where}: a ts block must start with a \`// <file>.ts\` line (or quote the sample)`);
      if (seen.has(label[1])) throw new Error(`${where}: ${label[1]} is already the name of ${seen.get(label[1])}`);
      seen.set(label[1], where);
      files.push({ file: label[1], code: block.code, page, fence: block.fence });
    }
  }
  return files;
}

/** The npm packages a file imports (bare specifiers, `node:` built-ins and the library itself left out). */
export function importedPackages(code) {
  const names = new Set();
  for (const match of code.matchAll(/^\s*import\s[^'"]*?['"]([^'"]+)['"]/gm)) {
    const specifier = match[1];
    if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
    const parts = specifier.split('/');
    const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
    if (name !== 'nestjs-socketio-jwt') names.add(name);
  }
  return names;
}
