import { readFileSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';

/** One thing wrong with a document: where (field path and line), what was found, and how to fix it. */
export interface DocumentIssue {
  readonly path: string;
  readonly line?: number;
  readonly message: string;
  readonly received?: string;
}

/** A config or drill file that cannot be used. Its message lists every issue; nothing has been changed. */
export class DocumentError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly DocumentIssue[],
  ) {
    super(
      `${source} is not valid (nothing was changed):\n` +
        issues
          .map(
            (i) =>
              `  - ${i.line ? `line ${i.line}, ` : ''}${i.path || '(top level)'}: ${i.message}` +
              (i.received !== undefined ? ` (got ${i.received})` : ''),
          )
          .join('\n'),
    );
    this.name = 'DocumentError';
  }
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return 'nothing';
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function nodeAt(root: YamlNode | null | undefined, path: readonly PropertyKey[]): YamlNode | undefined {
  let node: YamlNode | null | undefined = root;
  for (const key of path) {
    if (isMap(node)) node = node.get(key as string, true) as YamlNode | undefined;
    else if (isSeq(node)) node = node.get(Number(key), true) as YamlNode | undefined;
    else return undefined;
    if (!node) return undefined;
  }
  return node ?? undefined;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = data;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/**
 * Parses YAML (JSON is YAML too) and validates it with a zod schema. Errors name the line, the field, the value
 * received and what the schema expects, so a tired human can fix the file without reading code.
 */
export function parseDocumentText<S extends z.ZodType>(text: string, schema: S, source: string): z.output<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new DocumentError(
      source,
      doc.errors.map((e) => ({
        path: '',
        line: e.linePos?.[0]?.line,
        message: `not valid YAML/JSON: ${e.message.split('\n')[0]}`,
      })),
    );
  }
  const data = doc.toJS();
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue): DocumentIssue => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const node = nodeAt(doc.contents, path) ?? nodeAt(doc.contents, path.slice(0, -1));
    const offset = node?.range?.[0];
    const received = valueAt(data, path);
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      message = `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}: remove or rename (check spelling)`;
    }
    return {
      path: path.join('.'),
      line: offset !== undefined ? lineCounter.linePos(offset).line : undefined,
      message,
      received: issue.code === 'unrecognized_keys' ? undefined : describe(received),
    };
  });
  throw new DocumentError(source, issues);
}

/** Reads a file and validates it; a missing or unreadable file is a DocumentError too. */
export function loadDocumentFile<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new DocumentError(file, [
      {
        path: '',
        message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)}): check the path`,
      },
    ]);
  }
  return parseDocumentText(text, schema, file);
}
