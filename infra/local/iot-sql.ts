/**
 * The subset of AWS IoT SQL (version 2016-03-23) that Qiongjian's topic rules use, parsed and evaluated the way the
 * rules engine does: https://docs.aws.amazon.com/iot/latest/developerguide/iot-sql-reference.html
 *
 *   SELECT <item>[, <item>…] FROM '<topic filter>' [WHERE <condition>]
 *   item       := * | <expr> [AS <name>]
 *   condition  := <expr> combined with AND / OR / NOT and parentheses
 *   expr       := <expr> (= | <> | != | < | <= | > | >=) <expr> | attribute path a.b.c | 'string' | number
 *                 | true | false | topic() | topic(n) | timestamp() | clientid() | encode(*, 'base64')
 *
 * Anything else (other functions, CASE, arithmetic, array indexing, SET, comments, quoted identifiers) makes
 * {@link parseIotSql} throw: a local stack that silently ignored part of a rule would fire where AWS does not.
 *
 * Undefined semantics as in AWS: a missing attribute is Undefined; an Undefined SELECT value is left out of the
 * output; a comparison involving Undefined (or values of different types) is Undefined; WHERE fires only on `true`.
 */
import { topicMatches, validateTopicFilter } from './topic-filter.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
/** `undefined` stands for IoT SQL's Undefined. */
export type SqlValue = JsonValue | undefined;

type ComparisonOperator = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type SqlExpression =
  | { readonly kind: 'literal'; readonly value: string | number | boolean }
  | { readonly kind: 'path'; readonly segments: readonly string[] }
  | { readonly kind: 'topic'; readonly index?: number }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'clientid' }
  | { readonly kind: 'encodeBase64' }
  | { readonly kind: 'compare'; readonly operator: ComparisonOperator; readonly left: SqlExpression; readonly right: SqlExpression }
  | { readonly kind: 'and' | 'or'; readonly left: SqlExpression; readonly right: SqlExpression }
  | { readonly kind: 'not'; readonly operand: SqlExpression };

export type SelectItem = { readonly kind: 'star' } | { readonly kind: 'expr'; readonly expr: SqlExpression; readonly name: string };

export interface ParsedIotSql {
  readonly sql: string;
  readonly select: readonly SelectItem[];
  readonly from: string;
  readonly where?: SqlExpression;
  /** Whether evaluation needs the payload parsed as JSON (`*` or an attribute path somewhere). */
  readonly needsJson: boolean;
}

export interface IotSqlContext {
  readonly topic: string;
  readonly payload: Buffer;
  /** MQTT client id of the publisher; absent for messages that did not come over MQTT (clientid() is then `n/a`). */
  readonly clientId?: string;
  /** The rules engine's receive time, returned by timestamp(). */
  readonly timestampMs: number;
}

export type IotSqlOutput = { [key: string]: JsonValue };

/** The statement is outside the supported subset, or malformed. Thrown at parse time (start-up). */
export class IotSqlSyntaxError extends Error {
  override readonly name = 'IotSqlSyntaxError';
  constructor(
    message: string,
    readonly sql: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position} in: ${sql}`);
  }
}

/**
 * The statement could not be evaluated for this message (e.g. `*` or an attribute on a payload that is not JSON).
 * AWS sends such messages to the rule's error action; the local rules engine does the same.
 */
export class IotSqlEvaluationError extends Error {
  override readonly name = 'IotSqlEvaluationError';
}

// ---------------------------------------------------------------------------------------------------------------
// Tokenizer

type Token =
  | { readonly type: 'keyword'; readonly value: 'SELECT' | 'FROM' | 'WHERE' | 'AS' | 'AND' | 'OR' | 'NOT' | 'TRUE' | 'FALSE'; readonly pos: number }
  | { readonly type: 'ident'; readonly value: string; readonly pos: number }
  | { readonly type: 'string'; readonly value: string; readonly pos: number }
  | { readonly type: 'number'; readonly value: number; readonly pos: number }
  | { readonly type: 'punct'; readonly value: '*' | ',' | '(' | ')' | '.' | ComparisonOperator; readonly pos: number }
  | { readonly type: 'end'; readonly pos: number };

const keywords = new Set(['SELECT', 'FROM', 'WHERE', 'AS', 'AND', 'OR', 'NOT', 'TRUE', 'FALSE']);
/** Reserved words of IoT SQL we do not implement: naming them explicitly gives a clearer error than "unexpected". */
const unsupportedKeywords = new Set(['CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'SET', 'IN', 'IS', 'LIKE', 'BETWEEN', 'NULL']);

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql.charAt(i);
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const pos = i;
    if (ch === "'") {
      // Single-quoted string; a doubled quote is an escaped quote.
      let value = '';
      i++;
      for (;;) {
        if (i >= sql.length) throw new IotSqlSyntaxError('unterminated string literal', sql, pos);
        const c = sql.charAt(i);
        if (c === "'") {
          if (sql.charAt(i + 1) === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += c;
        i++;
      }
      tokens.push({ type: 'string', value, pos });
      continue;
    }
    const numberMatch = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(sql.slice(i));
    if (numberMatch && (ch !== '-' || /\d|\./.test(sql.charAt(i + 1)))) {
      tokens.push({ type: 'number', value: Number(numberMatch[0]), pos });
      i += numberMatch[0].length;
      continue;
    }
    const identMatch = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i));
    if (identMatch) {
      const word = identMatch[0];
      const upper = word.toUpperCase();
      if (unsupportedKeywords.has(upper)) throw new IotSqlSyntaxError(`unsupported keyword ${upper}`, sql, pos);
      if (keywords.has(upper)) {
        tokens.push({ type: 'keyword', value: upper as 'SELECT', pos });
      } else {
        tokens.push({ type: 'ident', value: word, pos });
      }
      i += word.length;
      continue;
    }
    const two = sql.slice(i, i + 2);
    if (two === '<>' || two === '!=' || two === '<=' || two === '>=') {
      tokens.push({ type: 'punct', value: two === '!=' ? '<>' : two, pos });
      i += 2;
      continue;
    }
    if ('*,().=<>'.includes(ch)) {
      tokens.push({ type: 'punct', value: ch as '*', pos });
      i++;
      continue;
    }
    if (two === '--' || two === '/*') throw new IotSqlSyntaxError('comments are not supported by IoT SQL', sql, pos);
    throw new IotSqlSyntaxError(`unsupported character '${ch}'`, sql, pos);
  }
  tokens.push({ type: 'end', pos: sql.length });
  return tokens;
}

// ---------------------------------------------------------------------------------------------------------------
// Parser (recursive descent)

class Parser {
  private index = 0;
  constructor(
    private readonly sql: string,
    private readonly tokens: readonly Token[],
  ) {}

  private peek(): Token {
    // The token list always ends with an 'end' token, so this never runs past it.
    return this.tokens[Math.min(this.index, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.type !== 'end') this.index++;
    return token;
  }

  private fail(message: string, token: Token = this.peek()): never {
    throw new IotSqlSyntaxError(message, this.sql, token.pos);
  }

  private isKeyword(value: string): boolean {
    const token = this.peek();
    return token.type === 'keyword' && token.value === value;
  }

  private isPunct(value: string): boolean {
    const token = this.peek();
    return token.type === 'punct' && token.value === value;
  }

  private expectKeyword(value: string): void {
    if (!this.isKeyword(value)) this.fail(`expected ${value}`);
    this.next();
  }

  private expectPunct(value: string): void {
    if (!this.isPunct(value)) this.fail(`expected '${value}'`);
    this.next();
  }

  /** One expression and nothing after it (substitution templates). */
  parseStandaloneExpression(): SqlExpression {
    const expr = this.parseOr();
    if (this.peek().type !== 'end') this.fail('unexpected input after the expression');
    return expr;
  }

  parseStatement(): Omit<ParsedIotSql, 'sql' | 'needsJson'> {
    this.expectKeyword('SELECT');
    const select: SelectItem[] = [this.parseSelectItem()];
    while (this.isPunct(',')) {
      this.next();
      select.push(this.parseSelectItem());
    }
    this.expectKeyword('FROM');
    const fromToken = this.next();
    if (fromToken.type !== 'string') this.fail("expected the topic filter in single quotes after FROM", fromToken);
    try {
      validateTopicFilter(fromToken.value);
    } catch (error) {
      this.fail((error as Error).message, fromToken);
    }
    let where: SqlExpression | undefined;
    if (this.isKeyword('WHERE')) {
      this.next();
      where = this.parseOr();
    }
    if (this.peek().type !== 'end') this.fail('unexpected input after the statement');
    return where === undefined ? { select, from: fromToken.value } : { select, from: fromToken.value, where };
  }

  private parseSelectItem(): SelectItem {
    if (this.isPunct('*')) {
      this.next();
      return { kind: 'star' };
    }
    const start = this.peek();
    const expr = this.parseOr();
    if (this.isKeyword('AS')) {
      this.next();
      const alias = this.next();
      if (alias.type !== 'ident') this.fail('expected a name after AS', alias);
      return { kind: 'expr', expr, name: alias.value };
    }
    // Without an alias AWS names a path by its last segment; for anything else we insist on AS instead of
    // guessing AWS's generated names.
    if (expr.kind === 'path') return { kind: 'expr', expr, name: expr.segments[expr.segments.length - 1] as string };
    return this.fail('a SELECT expression that is not an attribute path needs AS <name>', start);
  }

  private parseOr(): SqlExpression {
    let left = this.parseAnd();
    while (this.isKeyword('OR')) {
      this.next();
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): SqlExpression {
    let left = this.parseNot();
    while (this.isKeyword('AND')) {
      this.next();
      left = { kind: 'and', left, right: this.parseNot() };
    }
    return left;
  }

  private parseNot(): SqlExpression {
    if (this.isKeyword('NOT')) {
      this.next();
      return { kind: 'not', operand: this.parseNot() };
    }
    return this.parseComparison();
  }

  private parseComparison(): SqlExpression {
    const left = this.parseOperand();
    const token = this.peek();
    if (token.type === 'punct' && ['=', '<>', '<', '<=', '>', '>='].includes(token.value)) {
      this.next();
      const right = this.parseOperand();
      return { kind: 'compare', operator: token.value as ComparisonOperator, left, right };
    }
    return left;
  }

  private parseOperand(): SqlExpression {
    const token = this.next();
    switch (token.type) {
      case 'string':
        return { kind: 'literal', value: token.value };
      case 'number':
        return { kind: 'literal', value: token.value };
      case 'keyword':
        if (token.value === 'TRUE') return { kind: 'literal', value: true };
        if (token.value === 'FALSE') return { kind: 'literal', value: false };
        return this.fail(`unexpected ${token.value}`, token);
      case 'punct':
        if (token.value === '(') {
          const inner = this.parseOr();
          this.expectPunct(')');
          return inner;
        }
        if (token.value === '*') return this.fail("'*' is only allowed as a SELECT item or in encode(*, 'base64')", token);
        return this.fail(`unexpected '${token.value}'`, token);
      case 'ident':
        if (this.isPunct('(')) return this.parseFunction(token);
        return this.parsePath(token.value);
      case 'end':
        return this.fail('unexpected end of statement', token);
    }
  }

  private parsePath(first: string): SqlExpression {
    const segments = [first];
    while (this.isPunct('.')) {
      this.next();
      const segment = this.next();
      if (segment.type !== 'ident') this.fail('expected an attribute name after "."', segment);
      segments.push(segment.value);
    }
    return { kind: 'path', segments };
  }

  private parseFunction(nameToken: Token & { type: 'ident' }): SqlExpression {
    const name = nameToken.value.toLowerCase();
    this.expectPunct('(');
    switch (name) {
      case 'topic': {
        if (this.isPunct(')')) {
          this.next();
          return { kind: 'topic' };
        }
        const index = this.next();
        if (index.type !== 'number' || !Number.isInteger(index.value) || index.value < 1) {
          this.fail('topic(n) takes a positive integer literal', index);
        }
        this.expectPunct(')');
        return { kind: 'topic', index: index.value };
      }
      case 'timestamp':
        this.expectPunct(')');
        return { kind: 'timestamp' };
      case 'clientid':
        this.expectPunct(')');
        return { kind: 'clientid' };
      case 'encode': {
        if (!this.isPunct('*')) this.fail("only encode(*, 'base64') is supported");
        this.next();
        this.expectPunct(',');
        const encoding = this.next();
        if (encoding.type !== 'string' || encoding.value !== 'base64') this.fail("only encode(*, 'base64') is supported", encoding);
        this.expectPunct(')');
        return { kind: 'encodeBase64' };
      }
      default:
        return this.fail(`unsupported function ${nameToken.value}()`, nameToken);
    }
  }
}

function expressionNeedsJson(expr: SqlExpression): boolean {
  switch (expr.kind) {
    case 'path':
      return true;
    case 'compare':
    case 'and':
    case 'or':
      return expressionNeedsJson(expr.left) || expressionNeedsJson(expr.right);
    case 'not':
      return expressionNeedsJson(expr.operand);
    default:
      return false;
  }
}

/** Parses a rule's SQL; throws {@link IotSqlSyntaxError} on anything outside the supported subset. */
export function parseIotSql(sql: string): ParsedIotSql {
  const statement = new Parser(sql, tokenize(sql)).parseStatement();
  const needsJson =
    statement.select.some((item) => item.kind === 'star' || expressionNeedsJson(item.expr)) ||
    (statement.where !== undefined && expressionNeedsJson(statement.where));
  return { sql, ...statement, needsJson };
}

/** Parses one expression (used by `${…}` substitution templates such as a Kinesis action's partition key). */
export function parseIotSqlExpression(text: string): SqlExpression {
  return new Parser(text, tokenize(text)).parseStandaloneExpression();
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation

const notJson = Symbol('not-json');

class Evaluation {
  private json: JsonValue | typeof notJson | undefined;

  constructor(private readonly ctx: IotSqlContext) {}

  /** The payload as JSON, parsed at most once; throws when a JSON-only feature meets a non-JSON payload. */
  payloadJson(feature: string): JsonValue {
    if (this.json === undefined) {
      try {
        this.json = JSON.parse(this.ctx.payload.toString('utf8')) as JsonValue;
      } catch {
        this.json = notJson;
      }
    }
    if (this.json === notJson) {
      throw new IotSqlEvaluationError(`${feature} needs a JSON payload, but the payload on ${this.ctx.topic} is not JSON`);
    }
    return this.json;
  }

  value(expr: SqlExpression): SqlValue {
    switch (expr.kind) {
      case 'literal':
        return expr.value;
      case 'path': {
        let current: SqlValue = this.payloadJson(`attribute ${expr.segments.join('.')}`);
        for (const segment of expr.segments) {
          if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
          current = Object.hasOwn(current, segment) ? current[segment] : undefined;
        }
        return current;
      }
      case 'topic':
        if (expr.index === undefined) return this.ctx.topic;
        return this.ctx.topic.split('/')[expr.index - 1];
      case 'timestamp':
        return this.ctx.timestampMs;
      case 'clientid':
        return this.ctx.clientId ?? 'n/a';
      case 'encodeBase64':
        return this.ctx.payload.toString('base64');
      case 'compare':
        return compare(expr.operator, this.value(expr.left), this.value(expr.right));
      case 'and': {
        const left = this.value(expr.left);
        const right = this.value(expr.right);
        // AWS: AND/OR of anything but two Booleans is Undefined, except that a known false/true decides.
        if (left === false || right === false) return false;
        return left === true && right === true ? true : undefined;
      }
      case 'or': {
        const left = this.value(expr.left);
        const right = this.value(expr.right);
        if (left === true || right === true) return true;
        return left === false && right === false ? false : undefined;
      }
      case 'not': {
        const operand = this.value(expr.operand);
        return typeof operand === 'boolean' ? !operand : undefined;
      }
    }
  }
}

function compare(operator: ComparisonOperator, left: SqlValue, right: SqlValue): boolean | undefined {
  if (left === undefined || right === undefined) return undefined;
  let a: string | number | boolean;
  let b: string | number | boolean;
  if (typeof left === 'number' && typeof right === 'number') {
    a = left;
    b = right;
  } else if (typeof left === 'string' && typeof right === 'string') {
    if (operator === '=' || operator === '<>') return operator === '=' ? left === right : left !== right;
    // AWS converts strings to Decimal for ordering comparisons; Undefined when either is not a number.
    a = Number(left);
    b = Number(right);
    if (left.trim() === '' || right.trim() === '' || Number.isNaN(a) || Number.isNaN(b)) return undefined;
  } else if (typeof left === 'boolean' && typeof right === 'boolean') {
    if (operator === '=') return left === right;
    if (operator === '<>') return left !== right;
    return undefined;
  } else {
    // Mixed types (or objects/arrays/null): Undefined rather than a guess at AWS's conversion table.
    return undefined;
  }
  switch (operator) {
    case '=':
      return a === b;
    case '<>':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

/**
 * Runs a parsed statement on one message. Returns the SELECT output, or `undefined` when the topic does not match
 * the FROM filter or WHERE is not true. Throws {@link IotSqlEvaluationError} when the statement cannot be evaluated
 * for this payload (the caller routes that to the rule's error action).
 */
export function evaluateIotSql(parsed: ParsedIotSql, ctx: IotSqlContext): IotSqlOutput | undefined {
  if (!topicMatches(parsed.from, ctx.topic)) return undefined;
  const evaluation = new Evaluation(ctx);
  if (parsed.where !== undefined && evaluation.value(parsed.where) !== true) return undefined;
  const output: IotSqlOutput = {};
  for (const item of parsed.select) {
    if (item.kind === 'star') {
      const json = evaluation.payloadJson('SELECT *');
      if (json === null || typeof json !== 'object' || Array.isArray(json)) {
        throw new IotSqlEvaluationError(`SELECT * needs a JSON object payload on ${ctx.topic}`);
      }
      Object.assign(output, json);
      continue;
    }
    const value = evaluation.value(item.expr);
    if (value !== undefined) output[item.name] = value;
  }
  return output;
}

/** The brief's name for {@link evaluateIotSql}. */
export const evaluate = evaluateIotSql;

// ---------------------------------------------------------------------------------------------------------------
// Substitution templates: `${topic(2)}` in action parameters
// https://docs.aws.amazon.com/iot/latest/developerguide/iot-substitution-templates.html

export interface SubstitutionTemplate {
  readonly template: string;
  render(ctx: IotSqlContext): string;
}

export function parseSubstitutionTemplate(template: string): SubstitutionTemplate {
  const parts: Array<string | SqlExpression> = [];
  let rest = template;
  for (;;) {
    const start = rest.indexOf('${');
    if (start < 0) {
      parts.push(rest);
      break;
    }
    const end = rest.indexOf('}', start);
    if (end < 0) throw new IotSqlSyntaxError('unterminated ${…} in substitution template', template, template.length - rest.length + start);
    parts.push(rest.slice(0, start));
    parts.push(parseIotSqlExpression(rest.slice(start + 2, end)));
    rest = rest.slice(end + 1);
  }
  return {
    template,
    render(ctx) {
      const evaluation = new Evaluation(ctx);
      return parts
        .map((part) => {
          if (typeof part === 'string') return part;
          const value = evaluation.value(part);
          // AWS substitutes an empty string for Undefined; the caller decides whether that is valid.
          if (value === undefined || value === null) return '';
          return typeof value === 'object' ? JSON.stringify(value) : String(value);
        })
        .join('');
    },
  };
}
