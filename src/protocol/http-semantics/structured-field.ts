/**
 * Structured Field Values (RFC 9651, formerly 8941), as far as the IETF upload draft needs them:
 * Items (its `Upload-Complete`, `Upload-Offset`, `Upload-Length` and `Upload-Draft-Interop-Version`)
 * are parsed exactly as the RFC's algorithm does, so `?1`, `?0` and `42` pass while `1`, `true`,
 * `?2`, `4.0`, `+4` and two values joined by a comma (a repeated header, as Node joins them) do not.
 * Parameters on an Item are parsed and then ignored, as the draft defines none.
 * Dictionaries are written (`Upload-Limit`) and parsed (the RFC 9530 digest fields a draft request may
 * carry); an Inner List member is recognised but its items are not kept, as no field read here uses one.
 */

export type BareItem =
  | { type: 'integer'; value: number }
  | { type: 'decimal'; value: number }
  | { type: 'string'; value: string }
  | { type: 'token'; value: string }
  | { type: 'binary'; value: Buffer }
  | { type: 'boolean'; value: boolean };

/** Thrown for input that is not a valid Item; callers turn it into their own answer. */
export class StructuredFieldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StructuredFieldError';
  }
}

const KEY_START = /[a-z*]/;
const KEY_CHAR = /[a-z0-9_\-.*]/;
const TOKEN_START = /[A-Za-z*]/;
// tchar (RFC 9110) plus ":" and "/".
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z:/]/;
const DIGIT = /[0-9]/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Parses a whole field value as one Item (RFC 9651 §4.2) and returns its bare item. */
export function parseItem(input: string): BareItem {
  const parser = new ItemParser(input);
  return parser.parseField();
}

/** `?1` → true, `?0` → false; undefined for anything that is not a Boolean Item. */
export function parseBooleanItem(input: string): boolean | undefined {
  const item = tryParse(input);
  return item?.type === 'boolean' ? item.value : undefined;
}

/** A non-negative Integer Item (at most 15 digits, so always a safe integer); undefined otherwise. */
export function parseNonNegativeIntegerItem(input: string): number | undefined {
  const item = tryParse(input);
  return item?.type === 'integer' && item.value >= 0 ? item.value : undefined;
}

/** A Dictionary member's value: a bare item, or an Inner List (parsed, contents dropped). */
export type DictionaryValue = BareItem | { type: 'inner-list' };

/**
 * Parses a whole field value as a Dictionary (RFC 9651 §4.2.2). A repeated key keeps its last value,
 * so a repeated header (Node joins them with ", ") reads exactly as the RFC combines field lines.
 */
export function parseDictionary(input: string): Map<string, DictionaryValue> {
  return new ItemParser(input).parseDictionaryField();
}

/** Serialises a Dictionary whose members are all Integers, e.g. `min-size=0, max-size=1024`. */
export function serializeIntegerDictionary(members: ReadonlyArray<readonly [string, number]>): string {
  return members
    .map(([key, value]) => {
      if (!/^[a-z*][a-z0-9_\-.*]*$/.test(key)) throw new StructuredFieldError(`"${key}" is not a dictionary key`);
      if (!Number.isInteger(value) || Math.abs(value) > 999_999_999_999_999) {
        throw new StructuredFieldError(`${value} is not a structured-field integer`);
      }
      return `${key}=${value}`;
    })
    .join(', ');
}

function tryParse(input: string): BareItem | undefined {
  try {
    return parseItem(input);
  } catch (error) {
    if (error instanceof StructuredFieldError) return undefined;
    throw error;
  }
}

class ItemParser {
  private pos = 0;

  constructor(private readonly input: string) {}

  parseField(): BareItem {
    this.skipSpaces();
    const item = this.bareItem();
    this.parameters();
    this.skipSpaces();
    if (this.pos !== this.input.length) this.fail(`unexpected "${this.input[this.pos]}"`);
    return item;
  }

  parseDictionaryField(): Map<string, DictionaryValue> {
    const members = new Map<string, DictionaryValue>();
    this.skipSpaces();
    while (this.pos < this.input.length) {
      const key = this.key();
      let value: DictionaryValue = { type: 'boolean', value: true };
      if (this.input[this.pos] === '=') {
        this.pos++;
        value = this.input[this.pos] === '(' ? this.innerList() : this.bareItem();
      }
      this.parameters();
      members.set(key, value);
      this.skipOws();
      if (this.pos >= this.input.length) return members;
      if (this.input[this.pos] !== ',') this.fail(`expected "," after member "${key}"`);
      this.pos++;
      this.skipOws();
      if (this.pos >= this.input.length) this.fail('trailing comma');
    }
    return members;
  }

  private innerList(): { type: 'inner-list' } {
    this.pos++;
    for (;;) {
      this.skipSpaces();
      if (this.input[this.pos] === ')') {
        this.pos++;
        return { type: 'inner-list' };
      }
      this.bareItem();
      this.parameters();
      const next = this.input[this.pos];
      if (next !== ' ' && next !== ')') this.fail('inner list items are separated by spaces');
    }
  }

  private bareItem(): BareItem {
    const char = this.input[this.pos];
    if (char === undefined) this.fail('empty value');
    if (char === '-' || DIGIT.test(char)) return this.number();
    if (char === '"') return this.string();
    if (char === ':') return this.binary();
    if (char === '?') return this.boolean();
    if (TOKEN_START.test(char)) return this.token();
    return this.fail(`unexpected "${char}"`);
  }

  /** `*( ";" *SP key [ "=" bare-item ] )`; the values are checked, then dropped. */
  private parameters(): void {
    while (this.input[this.pos] === ';') {
      this.pos++;
      while (this.input[this.pos] === ' ') this.pos++;
      this.key();
      if (this.input[this.pos] === '=') {
        this.pos++;
        this.bareItem();
      }
    }
  }

  private key(): string {
    const start = this.pos;
    if (!KEY_START.test(this.input[this.pos] ?? '')) this.fail('a parameter key must start with a-z or *');
    while (KEY_CHAR.test(this.input[this.pos] ?? '')) this.pos++;
    return this.input.slice(start, this.pos);
  }

  private number(): BareItem {
    const start = this.pos;
    let sign = 1;
    if (this.input[this.pos] === '-') {
      sign = -1;
      this.pos++;
    }
    if (!DIGIT.test(this.input[this.pos] ?? '')) this.fail('a digit must follow "-"');
    let digits = '';
    let decimal = false;
    while (this.pos < this.input.length) {
      const char = this.input[this.pos];
      if (DIGIT.test(char)) digits += char;
      else if (char === '.' && !decimal) {
        if (digits.length > 12) this.fail('too many integer digits in a decimal');
        decimal = true;
        digits += char;
      } else break;
      this.pos++;
      if (!decimal && digits.length > 15) this.fail('an integer has at most 15 digits');
      if (decimal && digits.length > 16) this.fail('a decimal has at most 16 characters');
    }
    // `+ 0` turns -0 into 0.
    if (!decimal) return { type: 'integer', value: sign * Number(digits) + 0 };
    if (digits.endsWith('.') || digits.length - digits.indexOf('.') - 1 > 3) {
      this.fail(`"${this.input.slice(start, this.pos)}" is not a decimal`);
    }
    return { type: 'decimal', value: sign * Number(digits) };
  }

  private string(): BareItem {
    this.pos++;
    let out = '';
    while (this.pos < this.input.length) {
      const char = this.input[this.pos++];
      if (char === '\\') {
        const next = this.input[this.pos++];
        if (next !== '"' && next !== '\\') this.fail('only \\" and \\\\ are escapes in a string');
        out += next;
      } else if (char === '"') {
        return { type: 'string', value: out };
      } else {
        const code = char.charCodeAt(0);
        if (code < 0x20 || code > 0x7e) this.fail('a string holds printable ASCII only');
        out += char;
      }
    }
    return this.fail('unterminated string');
  }

  private token(): BareItem {
    const start = this.pos;
    this.pos++;
    while (TOKEN_CHAR.test(this.input[this.pos] ?? '')) this.pos++;
    return { type: 'token', value: this.input.slice(start, this.pos) };
  }

  private binary(): BareItem {
    const end = this.input.indexOf(':', this.pos + 1);
    if (end < 0) this.fail('unterminated byte sequence');
    const encoded = this.input.slice(this.pos + 1, end);
    if (!BASE64.test(encoded)) this.fail('a byte sequence is Base64');
    this.pos = end + 1;
    return { type: 'binary', value: Buffer.from(encoded, 'base64') };
  }

  private boolean(): BareItem {
    const char = this.input[this.pos + 1];
    if (char !== '0' && char !== '1') this.fail('a boolean is ?0 or ?1');
    this.pos += 2;
    return { type: 'boolean', value: char === '1' };
  }

  private skipSpaces(): void {
    while (this.input[this.pos] === ' ') this.pos++;
  }

  private skipOws(): void {
    while (this.input[this.pos] === ' ' || this.input[this.pos] === '\t') this.pos++;
  }

  private fail(message: string): never {
    throw new StructuredFieldError(message);
  }
}
