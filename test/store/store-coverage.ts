/**
 * Which Store methods the shared driver suite exercises. The method list is
 * derived from the class itself (the public members of `Store` in
 * src/store/store.ts that are functions on a Store instance); a method counts
 * as exercised when a test/store/*.test.ts file that runs on every driver
 * (it calls `driverFactories()`) calls it inside the body of a running test
 * (`it`, `test`, `it.runIf(…)`, …; not `it.skip`/`it.todo`), directly or
 * through a helper of the same file that the test calls; a helper no running
 * test calls, or one imported from elsewhere (seeding), does not count.
 * `store-coverage.test.ts` fails on a method without a case.
 *
 * Print the table: `npx vite-node test/store/print-store-coverage.ts`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const here = path.dirname(fileURLToPath(import.meta.url));
export const STORE_SOURCE = path.resolve(here, '../../src/store/store.ts');
export const SUITE_DIR = here;

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
}

function isHidden(member: ts.ClassElement): boolean {
  if (member.name && ts.isPrivateIdentifier(member.name)) return true;
  const modifiers = ts.canHaveModifiers(member) ? (ts.getModifiers(member) ?? []) : [];
  return modifiers.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword || m.kind === ts.SyntaxKind.StaticKeyword);
}

/** Names of the public instance members declared on `class Store` (methods, accessors and fields). */
export function storePublicMemberNames(source = STORE_SOURCE): string[] {
  const file = parse(source);
  const names: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isClassDeclaration(node) && node.name?.text === 'Store') {
      for (const member of node.members) {
        if (ts.isConstructorDeclaration(member) || isHidden(member)) continue;
        if (member.name && (ts.isIdentifier(member.name) || ts.isStringLiteral(member.name))) names.push(member.name.text);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  if (names.length === 0) throw new Error(`no class Store found in ${source}`);
  return names;
}

/**
 * The Store's methods: its public members that are functions on `instance`
 * (prototype methods and the `readonly x = this.run(...)` fields alike).
 */
export function storeMethodNames(instance: object, source = STORE_SOURCE): string[] {
  const record = instance as Record<string, unknown>;
  return storePublicMemberNames(source)
    .filter((name) => typeof record[name] === 'function')
    .sort();
}

const TEST_FUNCTIONS = new Set(['it', 'test']);
const NOT_RUN = new Set(['skip', 'todo']);

/** When `call` registers a test that runs (`it(…)`, `it.runIf(c)(…)`, `test.each(t)(…)`), its body argument. */
function testBody(call: ts.CallExpression): ts.Node | undefined {
  let callee: ts.Expression = call.expression;
  // it.runIf(cond)(name, fn) / it.each(table)(name, fn): the callee is itself a call.
  if (ts.isCallExpression(callee)) callee = callee.expression;
  const chain: string[] = [];
  while (ts.isPropertyAccessExpression(callee)) {
    chain.unshift(callee.name.text);
    callee = callee.expression;
  }
  if (!ts.isIdentifier(callee) || !TEST_FUNCTIONS.has(callee.text)) return undefined;
  if (chain.some((c) => NOT_RUN.has(c))) return undefined;
  return call.arguments.find((a) => ts.isArrowFunction(a) || ts.isFunctionExpression(a));
}

/** Property names called (`x.name(…)`), and plain functions called (`name(…)`), anywhere inside `node`. */
function calls(node: ts.Node): { properties: Set<string>; functions: Set<string> } {
  const properties = new Set<string>();
  const functions = new Set<string>();
  const visit = (n: ts.Node) => {
    if (ts.isCallExpression(n)) {
      const callee = n.expression;
      if (ts.isPropertyAccessExpression(callee)) properties.add(callee.name.text);
      else if (ts.isIdentifier(callee)) functions.add(callee.text);
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return { properties, functions };
}

/** The file's own named helpers (`function f`, `const f = () => …`), by name. */
function helpersOf(file: ts.SourceFile): Map<string, ts.Node> {
  const helpers = new Map<string, ts.Node>();
  const visit = (n: ts.Node) => {
    if (ts.isFunctionDeclaration(n) && n.name && n.body) helpers.set(n.name.text, n.body);
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer && (ts.isArrowFunction(n.initializer) || ts.isFunctionExpression(n.initializer))) {
      helpers.set(n.name.text, n.initializer.body);
    }
    ts.forEachChild(n, visit);
  };
  visit(file);
  return helpers;
}

/** True when the file runs its cases on every driver (the shared driver suite's mark). */
function runsOnEveryDriver(file: ts.SourceFile): boolean {
  let found = false;
  const visit = (n: ts.Node) => {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'driverFactories') found = true;
    if (!found) ts.forEachChild(n, visit);
  };
  visit(file);
  return found;
}

/** For each suite file, the property names its running tests call. */
export function exercisedNamesByFile(dir = SUITE_DIR): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.test.ts')).sort()) {
    const file = parse(path.join(dir, name));
    if (!runsOnEveryDriver(file)) continue;
    const helpers = helpersOf(file);
    const names = new Set<string>();
    const reached = new Set<string>();
    // A test's calls, and those of the file's helpers it calls (transitively).
    const take = (body: ts.Node) => {
      const found = calls(body);
      for (const property of found.properties) names.add(property);
      for (const fn of found.functions) {
        const helper = helpers.get(fn);
        if (helper && !reached.has(fn)) {
          reached.add(fn);
          take(helper);
        }
      }
    };
    const visit = (n: ts.Node) => {
      if (ts.isCallExpression(n)) {
        const body = testBody(n);
        if (body) {
          take(body);
          return;
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(file);
    out.set(name, names);
  }
  return out;
}

export interface CoverageRow {
  method: string;
  files: string[];
}

/** Every Store method with the suite files whose tests call it (empty: no case). */
export function storeCoverage(instance: object, dir = SUITE_DIR): CoverageRow[] {
  const byFile = exercisedNamesByFile(dir);
  return storeMethodNames(instance).map((method) => ({
    method,
    files: [...byFile].filter(([, names]) => names.has(method)).map(([file]) => file),
  }));
}
