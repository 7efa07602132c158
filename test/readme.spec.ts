import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';

/**
 * Keeps the README true to the code: its options and error tables list exactly what lib/ defines
 * (with the defaults the resolver applies), its commands are the ones CI runs, its `// sample/...`
 * excerpts are verbatim, and its TypeScript snippets compile against the library.
 */

const ROOT = join(__dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const LIBRARY = 'nestjs-socketio-jwt';
/** Where the snippets live, in memory only: inside the repository, so `node_modules` resolves. */
const SNIPPET_DIR = join(ROOT, 'test', '__readme__');
const SAMPLE_LABEL = /^\/\/ (sample\/[\w./-]+\.ts)$/;
const FILE_LABEL = /^\/\/ ([\w.-]+\.ts)$/;

interface CodeBlock {
  lang: string;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
  notCompiled: boolean;
}

function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = /^```(\w*)\s*$/.exec(lines[index]);
    if (!open) continue;
    const start = index;
    const body: string[] = [];
    for (index++; index < lines.length && !/^```\s*$/.test(lines[index]); index++) body.push(lines[index]);
    const previous = lines
      .slice(0, start)
      .reverse()
      .find((line) => line.trim() !== '');
    blocks.push({
      lang: open[1],
      code: body.join('\n'),
      line: start + 1,
      notCompiled: previous?.trim().startsWith('<!-- not-compiled') ?? false,
    });
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

describe('README', () => {
  const blocks = codeBlocks(README);

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

  it('installs with `npm ci`, starts with `npm start`, tests with `npm test`, and CI runs exactly those', () => {
    const install = codeBlocks(section('Install & run'));
    expect(install[0].lang).toBe('sh');
    expect(install[0].code.split('\n')).toEqual([
      '# Install',
      'npm ci',
      '# Start the sample',
      'npm start',
      '# Run the tests',
      'npm test',
    ]);
    const ciCommands = readFileSync(join(ROOT, '.ci', 'run'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('npm '));
    expect(ciCommands).toEqual(['npm ci', 'npm test']);
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts.start).toBe('tsc -p tsconfig.sample.json && node dist-sample/sample/main.js');
    expect(scripts['sample:client']).toBe('tsc -p tsconfig.sample.json && node dist-sample/sample/client.js');
    expect(README).toContain('`npm run sample:client`');
  });

  it('names the revocation event the library listens to', () => {
    const revokeEvent = constInitializer(parseLib('options/constants.ts'), 'REVOKE_EVENT');
    expect(revokeEvent && renderLiteral(revokeEvent)).toBe("'nestjs-socketio-jwt:revoke'");
    const mentions = [...README.matchAll(/'nestjs-socketio-[\w-]+:[\w-]+'/g)].map((match) => match[0]);
    expect(mentions.length).toBeGreaterThanOrEqual(2);
    expect(new Set(mentions)).toEqual(new Set(["'nestjs-socketio-jwt:revoke'"]));
  });

  it('names no machine path', () => {
    expect(README).not.toMatch(/(^|[\s(`'"])\/(work|tmp|home|root|Users)\//m);
  });

  it('quotes sample files verbatim in its `// sample/...` blocks', () => {
    const excerpts = blocks.filter((block) => block.lang === 'ts' && SAMPLE_LABEL.test(block.code.split('\n')[0]));
    expect(excerpts.length).toBeGreaterThanOrEqual(2);
    for (const excerpt of excerpts) {
      const [label, ...body] = excerpt.code.split('\n');
      const path = join(ROOT, SAMPLE_LABEL.exec(label)![1]);
      expect({ line: excerpt.line, exists: existsSync(path) }).toEqual({ line: excerpt.line, exists: true });
      const asInSample = body
        .join('\n')
        .replaceAll(`'${LIBRARY}/client'`, "'../lib/client'")
        .replaceAll(`'${LIBRARY}'`, "'../lib'");
      expect({ line: excerpt.line, verbatim: readFileSync(path, 'utf8').includes(asInSample) }).toEqual({
        line: excerpt.line,
        verbatim: true,
      });
    }
  });

  it('has TypeScript snippets that compile against the library (and a sample that compiles)', () => {
    expect(blocks.every((block) => ['ts', 'js', 'sh'].includes(block.lang))).toBe(true);
    const snippets = blocks.filter((block) => block.lang === 'ts' && !SAMPLE_LABEL.test(block.code.split('\n')[0]));
    const skipped = snippets.filter((block) => block.notCompiled);
    expect(skipped.length).toBeLessThanOrEqual(2);

    const virtualFiles = new Map<string, string>();
    const readmeLineOf = new Map<string, number>();
    for (const snippet of snippets.filter((block) => !block.notCompiled)) {
      const name = FILE_LABEL.exec(snippet.code.split('\n')[0])?.[1] ?? `block-at-line-${snippet.line}.ts`;
      const path = join(SNIPPET_DIR, name);
      expect({ duplicate: name, line: snippet.line, clash: virtualFiles.has(path) }).toEqual({
        duplicate: name,
        line: snippet.line,
        clash: false,
      });
      virtualFiles.set(path, snippet.code);
      readmeLineOf.set(path, snippet.line);
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
      const fence = readmeLineOf.get(file);
      const where =
        fence !== undefined ? `README.md:${fence + 1 + line}` : `${file.replace(`${ROOT}/`, '')}:${line + 1}`;
      return `${where}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    });
    expect(report).toEqual([]);
  }, 120_000);
});

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
