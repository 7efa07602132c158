import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import * as ts from 'typescript';

/**
 * Keeps the README and the guides in docs/ true to the code: the README's options and error tables
 * list exactly what lib/ defines (with the defaults the resolver applies), its commands are the ones
 * CI runs, every `// sample/...` excerpt is verbatim, and every TypeScript snippet compiles against
 * lib/. test/package/doc-blocks.mjs compiles the same snippets again in a fresh consumer app.
 */

const ROOT = join(__dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
/** README.md, then every docs/*.md page: pages added later are checked without a change here. */
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];
const PAGE_TEXT = new Map(PAGES.map((page) => [page, readFileSync(join(ROOT, page), 'utf8')]));
const ALL_TEXT = [...PAGE_TEXT.values()].join('\n');
const LIBRARY = 'nestjs-socketio-jwt';
/** Where the snippets live, in memory only: inside the repository, so `node_modules` resolves. */
const SNIPPET_DIR = join(ROOT, 'test', '__readme__');
const SAMPLE_LABEL = /^\/\/ (sample\/[\w./-]+\.ts)$/;
const FILE_LABEL = /^\/\/ ([\w.-]+\.ts)$/;

interface CodeBlock {
  lang: string;
  code: string;
  /** Where the opening fence is: `docs/page.md:12`. */
  where: string;
  /** 1-based line of the opening fence. */
  line: number;
}

function codeBlocks(markdown: string, page = 'README.md'): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = /^```(\w*)\s*$/.exec(lines[index]);
    if (!open) continue;
    const start = index;
    const body: string[] = [];
    for (index++; index < lines.length && !/^```\s*$/.test(lines[index]); index++) body.push(lines[index]);
    blocks.push({ lang: open[1], code: body.join('\n'), where: `${page}:${start + 1}`, line: start + 1 });
  }
  return blocks;
}

/** The text from a `## title` heading to the next `## ` heading. */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no "## ${title}" section`);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

/** Rows of the markdown tables in `text` whose first cell is a single code span: name -> cells. */
function tableRows(text: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const match = /^\|\s*`([^`]+)`\s*\|/.exec(line);
    if (!match) continue;
    const cells = line
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((cell) => cell.trim());
    rows.set(match[1], cells);
  }
  return rows;
}

function parseLib(file: string): ts.SourceFile {
  const path = join(ROOT, 'lib', file);
  return ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
}

function interfaceKeys(file: string, name: string): string[] {
  const declaration = parseLib(file).statements.find(
    (statement): statement is ts.InterfaceDeclaration =>
      ts.isInterfaceDeclaration(statement) && statement.name.text === name,
  );
  if (!declaration) throw new Error(`lib/${file} declares no interface ${name}`);
  return declaration.members.filter(ts.isPropertySignature).map((member) => (member.name as ts.Identifier).text);
}

function constInitializer(source: ts.SourceFile, name: string): ts.Expression | undefined {
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (ts.isIdentifier(declaration.name) && declaration.name.text === name) return declaration.initializer;
    }
  }
  return undefined;
}

function errorCodes(): string[] {
  let initializer = constInitializer(parseLib('protocol/error-codes.ts'), 'JwtSocketErrorCode');
  if (initializer && ts.isAsExpression(initializer)) initializer = initializer.expression;
  if (!initializer || !ts.isObjectLiteralExpression(initializer))
    throw new Error('JwtSocketErrorCode is not an object literal');
  return initializer.properties.map((property) => {
    if (!ts.isPropertyAssignment(property) || !ts.isStringLiteral(property.initializer)) {
      throw new Error(`unexpected JwtSocketErrorCode entry: ${property.getText()}`);
    }
    return property.initializer.text;
  });
}

/** Every `export const NAME = literal` of lib/, rendered as the README writes values. */
function libConstants(): Map<string, string> {
  const constants = new Map<string, string>();
  const files = readdirSync(join(ROOT, 'lib'), { recursive: true, encoding: 'utf8' });
  for (const file of files.filter((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts'))) {
    const source = parseLib(file);
    for (const statement of source.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      for (const declaration of statement.declarationList.declarations) {
        const rendered = declaration.initializer && renderLiteral(declaration.initializer);
        if (ts.isIdentifier(declaration.name) && rendered !== undefined) constants.set(declaration.name.text, rendered);
      }
    }
  }
  return constants;
}

function renderLiteral(node: ts.Expression): string | undefined {
  if (ts.isStringLiteral(node)) return `'${node.text}'`;
  if (ts.isNumericLiteral(node)) return String(Number(node.text));
  if (node.kind === ts.SyntaxKind.TrueKeyword) return 'true';
  if (node.kind === ts.SyntaxKind.FalseKeyword) return 'false';
  if (ts.isAsExpression(node)) return renderLiteral(node.expression);
  if (ts.isArrayLiteralExpression(node)) {
    const elements = node.elements.map(renderLiteral);
    return elements.every((each) => each !== undefined) ? `[${elements.join(', ')}]` : undefined;
  }
  return undefined;
}

/** `name: options.name ?? default` in the resolver: option name -> rendered default. */
function resolverDefaults(): Map<string, string> {
  const constants = libConstants();
  const defaults = new Map<string, string>();
  const visit = (node: ts.Node): void => {
    if (
      ts.isPropertyAssignment(node) &&
      ts.isBinaryExpression(node.initializer) &&
      node.initializer.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken &&
      ts.isPropertyAccessExpression(node.initializer.left) &&
      node.initializer.left.expression.getText() === 'options'
    ) {
      const fallback = node.initializer.right;
      const rendered = ts.isIdentifier(fallback) ? constants.get(fallback.text) : renderLiteral(fallback);
      if (rendered === undefined) throw new Error(`cannot render the default of ${node.name.getText()}`);
      defaults.set(node.initializer.left.name.text, rendered);
    }
    ts.forEachChild(node, visit);
  };
  visit(parseLib('options/resolve-options.ts'));
  return defaults;
}

/** The names an entry point of lib/ exports, `export *` followed, sorted. */
function exportedNames(entry: string): string[] {
  const path = join(ROOT, 'lib', entry);
  const program = ts.createProgram([path], { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(path)!)!;
  return checker
    .getExportsOfModule(moduleSymbol)
    .map((symbol) => symbol.name)
    .sort();
}

/** Whether `name` (a bare import specifier) resolves from the repository's own node_modules. */
function installedHere(specifier: string): boolean {
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return name === LIBRARY || existsSync(join(ROOT, 'node_modules', name, 'package.json'));
}

function bareImports(code: string): string[] {
  return [...code.matchAll(/^\s*import\s[^'"]*?['"]([^'"]+)['"]/gm)]
    .map((match) => match[1])
    .filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:'));
}

describe('README and docs/', () => {
  const blocks = PAGES.flatMap((page) => codeBlocks(PAGE_TEXT.get(page)!, page));

  it('has the guides the README links to, each linking back', () => {
    const linked = [...README.matchAll(/\]\((docs\/[\w-]+\.md)\)/g)].map((match) => match[1]);
    expect(linked.length).toBeGreaterThanOrEqual(8);
    // A page the README does not link is a page nobody finds.
    expect(PAGES.filter((page) => page !== 'README.md' && !linked.includes(page))).toEqual([]);
    for (const page of linked) {
      expect({ page, exists: PAGE_TEXT.has(page) }).toEqual({ page, exists: true });
      expect({ page, linksBack: PAGE_TEXT.get(page)!.includes('](../README.md') }).toEqual({ page, linksBack: true });
    }
  });

  it('links only to pages, files and headings that exist', () => {
    const broken: string[] = [];
    for (const [page, text] of PAGE_TEXT) {
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:)/.test(target)) continue;
        const [path, anchor] = target.split('#');
        const file = path === '' ? page : join(dirname(page), path);
        if (!existsSync(join(ROOT, file))) broken.push(`${page}: ${target}`);
        else if (anchor && file.endsWith('.md') && !headingAnchors(readFileSync(join(ROOT, file), 'utf8')).has(anchor))
          broken.push(`${page}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('lists every module option and extra in the options table, and nothing else', () => {
    const keys = [
      ...interfaceKeys('options/module-options.ts', 'JwtSocketModuleOptions'),
      ...interfaceKeys('jwt-socket.module-definition.ts', 'JwtSocketModuleExtras'),
    ];
    const rows = tableRows(section('Options'));
    expect(keys).toEqual(
      expect.arrayContaining(['secret', 'handshake', 'stripHandshakeToken', 'isGlobal', 'revocationCheck']),
    );
    expect([...rows.keys()].sort()).toEqual([...keys].sort());
  });

  it('gives every option the default the resolver applies', () => {
    const defaults = resolverDefaults();
    const rows = tableRows(section('Options'));
    expect(defaults.size).toBeGreaterThanOrEqual(12);
    for (const [option, value] of defaults) {
      expect({ option, default: rows.get(option)?.[1] }).toEqual({ option, default: `\`${value}\`` });
    }
  });

  it('lists every error code in the error table, and nothing else', () => {
    const codes = errorCodes();
    expect(codes).toEqual(
      expect.arrayContaining(['credentials_required', 'invalid_token', 'authentication_in_progress']),
    );
    const rows = tableRows(section('Error codes'));
    expect([...rows.keys()].sort()).toEqual([...codes].sort());
    for (const cells of rows.values())
      expect(cells[2]).toMatch(/^(connect_error|unauthorized|exception)(, (unauthorized|exception))*$/);
  });

  it('documents in its API tables exactly what the two entry points export', () => {
    const documented = (title: string) =>
      section('API')
        .split(title)[1]
        .split('\n\n|')[1]
        .split('\n')
        .filter((line) => line.startsWith('|'))
        .flatMap((line) => [...line.split('|')[1].matchAll(/`([A-Za-z_]+)`/g)].map((match) => match[1]));
    const client = exportedNames('client.ts');
    expect(documented('`nestjs-socketio-jwt/client`').sort()).toEqual(client);
    const server = exportedNames('index.ts').filter((name) => !client.includes(name));
    expect(documented('`nestjs-socketio-jwt`:').sort()).toEqual(server);
  });

  it('starts with `npm start`, installs and tests with `npm run test:all`, and CI runs exactly that', () => {
    const install = codeBlocks(section('Install & run'));
    expect(install[0].lang).toBe('sh');
    expect(install[0].code.split('\n').filter((line) => !line.startsWith('#'))).toEqual([
      'npm start',
      'npm run test:all',
    ]);
    const ciCommands = readFileSync(join(ROOT, '.ci', 'run'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('npm '));
    expect(ciCommands).toEqual(['npm run test:all']);
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts.start).toBe('bash scripts/start.sh');
    expect(scripts['test:all']).toBe('bash scripts/test-all.sh');
    expect(scripts['sample:client']).toBe('tsc -p tsconfig.sample.json && node dist-sample/sample/client.js');
    expect(README).toContain('`npm run sample:client`');
  });

  it('names the revocation event the library listens to', () => {
    expect(libConstants().get('REVOKE_EVENT')).toBe("'nestjs-socketio-jwt:revoke'");
    const mentions = [...ALL_TEXT.matchAll(/'nestjs-socketio-[\w-]+:[\w-]+'/g)].map((match) => match[0]);
    expect(mentions.length).toBeGreaterThanOrEqual(2);
    expect(new Set(mentions)).toEqual(new Set(["'nestjs-socketio-jwt:revoke'"]));
  });

  it('names no machine path', () => {
    expect(ALL_TEXT).not.toMatch(/(^|[\s(`'"])\/(work|tmp|home|root|Users)\//m);
  });

  it('quotes sample files verbatim in the `// sample/...` blocks, each marked as an excerpt with a link', () => {
    const excerpts = blocks.filter((block) => block.lang === 'ts' && SAMPLE_LABEL.test(block.code.split('\n')[0]));
    expect(excerpts.length).toBeGreaterThanOrEqual(2);
    for (const excerpt of excerpts) {
      const [label, ...body] = excerpt.code.split('\n');
      const sampleFile = SAMPLE_LABEL.exec(label)![1];
      const path = join(ROOT, sampleFile);
      const [page] = excerpt.where.split(':');
      const lead = PAGE_TEXT.get(page)!
        .split('\n')
        .slice(0, excerpt.line - 1)
        .join('\n')
        .split('\n\n')
        .pop()!;
      expect({
        at: excerpt.where,
        exists: existsSync(path),
        excerptWithLink: lead.includes('excerpt') && lead.includes(`](${relative(dirname(page), sampleFile)})`),
      }).toEqual({
        at: excerpt.where,
        exists: true,
        excerptWithLink: true,
      });
      const asInSample = body
        .join('\n')
        .replaceAll(`'${LIBRARY}/client'`, "'../lib/client'")
        .replaceAll(`'${LIBRARY}'`, "'../lib'");
      expect({ at: excerpt.where, verbatim: readFileSync(path, 'utf8').includes(asInSample) }).toEqual({
        at: excerpt.where,
        verbatim: true,
      });
    }
  });

  it('has TypeScript snippets that compile against the library (and a sample that compiles)', () => {
    expect(blocks.every((block) => ['ts', 'js', 'sh'].includes(block.lang))).toBe(true);
    const snippets = blocks.filter((block) => block.lang === 'ts' && !SAMPLE_LABEL.test(block.code.split('\n')[0]));
    // A package this repository does not install (the Redis emitter) is compiled by the fresh consumer only.
    const skipped = snippets.filter((block) => !bareImports(block.code).every(installedHere));
    expect(skipped.length).toBeLessThanOrEqual(2);

    const virtualFiles = new Map<string, string>();
    const blockOf = new Map<string, CodeBlock>();
    for (const snippet of snippets.filter((block) => !skipped.includes(block))) {
      const name = FILE_LABEL.exec(snippet.code.split('\n')[0])?.[1];
      expect({ at: snippet.where, labelled: name !== undefined }).toEqual({ at: snippet.where, labelled: true });
      const path = join(SNIPPET_DIR, name!);
      expect({ duplicate: name, at: snippet.where, clash: virtualFiles.has(path) }).toEqual({
        duplicate: name,
        at: snippet.where,
        clash: false,
      });
      virtualFiles.set(path, snippet.code);
      blockOf.set(path, snippet);
    }
    expect(virtualFiles.size).toBeGreaterThanOrEqual(10);
    const sampleFiles = readdirSync(join(ROOT, 'sample'))
      .filter((name) => name.endsWith('.ts'))
      .map((name) => join(ROOT, 'sample', name));

    const diagnostics = compile([...virtualFiles.keys(), ...sampleFiles], virtualFiles);
    const report = diagnostics.map((diagnostic) => {
      const file = diagnostic.file?.fileName ?? '';
      const line =
        diagnostic.file && diagnostic.start !== undefined
          ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line
          : 0;
      const block = blockOf.get(file);
      const where = block
        ? `${block.where.split(':')[0]}:${block.line + 1 + line}`
        : `${file.replace(`${ROOT}/`, '')}:${line + 1}`;
      return `${where}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    });
    expect(report).toEqual([]);
  }, 120_000);
});

/** GitHub's anchors for the headings of a markdown text. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const [, title] of markdown.matchAll(/^#{1,6} (.+)$/gm)) {
    anchors.add(
      title
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    );
  }
  return anchors;
}

/** Type-checks `roots` with 'nestjs-socketio-jwt' mapped to lib/; `virtualFiles` exist only in memory. */
function compile(roots: string[], virtualFiles: Map<string, string>): ts.Diagnostic[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules', '@types')],
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    esModuleInterop: true,
    skipLibCheck: true,
    baseUrl: ROOT,
    paths: { [LIBRARY]: ['lib/index.ts'], [`${LIBRARY}/client`]: ['lib/client.ts'] },
  };
  const host = ts.createCompilerHost(options, true);
  const { fileExists, readFile, getSourceFile, directoryExists } = host;
  host.fileExists = (file) => virtualFiles.has(file) || fileExists.call(host, file);
  host.readFile = (file) => virtualFiles.get(file) ?? readFile.call(host, file);
  host.directoryExists = (directory) => directory === SNIPPET_DIR || (directoryExists?.call(host, directory) ?? true);
  host.getSourceFile = (file, languageVersion, ...rest) => {
    const text = virtualFiles.get(file);
    return text === undefined
      ? getSourceFile.call(host, file, languageVersion, ...rest)
      : ts.createSourceFile(file, text, languageVersion, true);
  };
  const program = ts.createProgram(roots, options, host);
  const checked = roots.map((root) => program.getSourceFile(root));
  const missing = roots.filter((_, index) => checked[index] === undefined);
  if (missing.length > 0) throw new Error(`not compiled: ${missing.join(', ')}`);
  return [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...checked.flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]),
  ];
}
