/**
 * A linear-time regular expression matcher (Thompson NFA simulated as a Pike VM, no backtracking), for the
 * `regex` filter operator of value set composition. A pattern such as `((a+)+)+` costs O(pattern × text)
 * instead of exponential time. Matching is a full match of the whole string, as the FHIR filter requires.
 *
 * Supported: literals, `.`, classes `[a-z]` / `[^…]`, escapes `\d \w \s \D \W \S` and escaped
 * metacharacters, groups `(…)` / `(?:…)`, alternation `|`, quantifiers `* + ? {n} {n,} {n,m}` (lazy forms
 * accepted; laziness does not change a full match), anchors `^` / `$`. Back-references and look-around are
 * rejected as unsupported.
 *
 * @see https://hl7.org/fhir/R4/valueset-filter-operator.html (regex)
 * @see https://swtch.com/~rsc/regexp/regexp1.html
 */

/**
 * Maximum number of VM instructions a pattern may compile to (bounded `{n,m}` expansion).
 *
 * @see https://hl7.org/fhir/R4/valueset-filter-operator.html
 */
export const MAX_REGEX_PROGRAM_SIZE = 20_000;

type Matcher = (cp: number) => boolean;

type Node =
  | { t: 'char'; m: Matcher }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; items: Node[] }
  | { t: 'rep'; node: Node; min: number; max: number }
  | { t: 'bol' }
  | { t: 'eol' };

/**
 * A pattern that cannot be compiled.
 *
 * @see https://hl7.org/fhir/R4/valueset-filter-operator.html
 */
export class RegexSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegexSyntaxError';
  }
}

const isDigit: Matcher = (c) => c >= 48 && c <= 57;
const isWord: Matcher = (c) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isSpace: Matcher = (c) => c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x2028 || c === 0x2029 || c === 0xfeff;

class Parser {
  private pos = 0;
  private readonly src: number[];

  constructor(pattern: string) {
    this.src = Array.from(pattern, (ch) => ch.codePointAt(0) as number);
  }

  parse(): Node {
    const n = this.parseAlt();
    if (this.pos < this.src.length) throw new RegexSyntaxError(`unexpected ')' at ${this.pos}`);
    return n;
  }

  private peek(): number | undefined {
    return this.src[this.pos];
  }

  private parseAlt(): Node {
    const items = [this.parseSeq()];
    while (this.peek() === 0x7c /* | */) {
      this.pos++;
      items.push(this.parseSeq());
    }
    return items.length === 1 ? items[0] : { t: 'alt', items };
  }

  private parseSeq(): Node {
    const items: Node[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === 0x7c || c === 0x29 /* ) */) break;
      items.push(this.parseQuantified());
    }
    return { t: 'seq', items };
  }

  private parseQuantified(): Node {
    let atom = this.parseAtom();
    for (;;) {
      const c = this.peek();
      let min: number;
      let max: number;
      if (c === 0x2a /* * */) {
        min = 0;
        max = Infinity;
        this.pos++;
      } else if (c === 0x2b /* + */) {
        min = 1;
        max = Infinity;
        this.pos++;
      } else if (c === 0x3f /* ? */) {
        min = 0;
        max = 1;
        this.pos++;
      } else if (c === 0x7b /* { */ && this.isBraceQuantifier()) {
        [min, max] = this.parseBraces();
      } else {
        return atom;
      }
      if (atom.t === 'bol' || atom.t === 'eol') throw new RegexSyntaxError('nothing to repeat');
      if (this.peek() === 0x3f) this.pos++; // lazy
      else if (this.peek() === 0x2b) throw new RegexSyntaxError('possessive quantifiers are not supported');
      atom = { t: 'rep', node: atom, min, max };
    }
  }

  private isBraceQuantifier(): boolean {
    let i = this.pos + 1;
    let digits = 0;
    while (i < this.src.length && isDigit(this.src[i])) {
      i++;
      digits++;
    }
    if (digits === 0) return false;
    if (this.src[i] === 0x7d) return true;
    if (this.src[i] !== 0x2c) return false;
    i++;
    while (i < this.src.length && isDigit(this.src[i])) i++;
    return this.src[i] === 0x7d;
  }

  private readInt(): number {
    let v = 0;
    let digits = 0;
    while (this.peek() !== undefined && isDigit(this.peek() as number)) {
      v = v * 10 + ((this.peek() as number) - 48);
      this.pos++;
      digits++;
    }
    return digits === 0 ? -1 : v;
  }

  private parseBraces(): [number, number] {
    this.pos++; // {
    const min = this.readInt();
    let max = min;
    if (this.peek() === 0x2c) {
      this.pos++;
      const m = this.readInt();
      max = m < 0 ? Infinity : m;
    }
    this.pos++; // }
    if (max < min) throw new RegexSyntaxError('numbers out of order in {} quantifier');
    return [min, max];
  }

  private parseAtom(): Node {
    const c = this.peek();
    if (c === undefined) throw new RegexSyntaxError('unexpected end of pattern');
    this.pos++;
    switch (c) {
      case 0x28: {
        // (
        if (this.peek() === 0x3f /* ? */) {
          if (this.src[this.pos + 1] === 0x3a /* : */) {
            this.pos += 2;
          } else if (this.src[this.pos + 1] === 0x3c && this.src[this.pos + 2] !== 0x3d && this.src[this.pos + 2] !== 0x21) {
            // named group (?<name>…)
            this.pos += 2;
            while (this.peek() !== undefined && this.peek() !== 0x3e) this.pos++;
            this.pos++;
          } else {
            throw new RegexSyntaxError('look-around groups are not supported');
          }
        }
        const inner = this.parseAlt();
        if (this.peek() !== 0x29) throw new RegexSyntaxError('missing )');
        this.pos++;
        return inner;
      }
      case 0x29:
        throw new RegexSyntaxError("unmatched ')'");
      case 0x5b: // [
        return { t: 'char', m: this.parseClass() };
      case 0x2e: // .
        return { t: 'char', m: (cp) => cp !== 10 && cp !== 13 };
      case 0x5e: // ^
        return { t: 'bol' };
      case 0x24: // $
        return { t: 'eol' };
      case 0x5c: // \
        return { t: 'char', m: this.parseEscape(false) };
      case 0x2a:
      case 0x2b:
      case 0x3f:
        throw new RegexSyntaxError('nothing to repeat');
      default:
        return { t: 'char', m: (cp) => cp === c };
    }
  }

  private parseEscape(inClass: boolean): Matcher {
    const c = this.peek();
    if (c === undefined) throw new RegexSyntaxError('trailing backslash');
    this.pos++;
    switch (c) {
      case 0x64: // d
        return isDigit;
      case 0x44: // D
        return (x) => !isDigit(x);
      case 0x77: // w
        return isWord;
      case 0x57: // W
        return (x) => !isWord(x);
      case 0x73: // s
        return isSpace;
      case 0x53: // S
        return (x) => !isSpace(x);
      case 0x6e: // n
        return (x) => x === 10;
      case 0x72: // r
        return (x) => x === 13;
      case 0x74: // t
        return (x) => x === 9;
      case 0x66: // f
        return (x) => x === 12;
      case 0x76: // v
        return (x) => x === 11;
      case 0x30: // \0
        return (x) => x === 0;
      case 0x75: {
        // \uXXXX
        const hex = String.fromCodePoint(...this.src.slice(this.pos, this.pos + 4));
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new RegexSyntaxError('invalid unicode escape');
        this.pos += 4;
        const v = parseInt(hex, 16);
        return (x) => x === v;
      }
      case 0x78: {
        // \xXX
        const hex = String.fromCodePoint(...this.src.slice(this.pos, this.pos + 2));
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new RegexSyntaxError('invalid hex escape');
        this.pos += 2;
        const v = parseInt(hex, 16);
        return (x) => x === v;
      }
      case 0x62: // \b
        if (inClass) return (x) => x === 8;
        throw new RegexSyntaxError('word boundaries are not supported');
      default:
        if (!inClass && isDigit(c)) throw new RegexSyntaxError('back-references are not supported');
        return (x) => x === c;
    }
  }

  private parseClass(): Matcher {
    let negate = false;
    if (this.peek() === 0x5e) {
      negate = true;
      this.pos++;
    }
    const parts: Matcher[] = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw new RegexSyntaxError('missing ]');
      if (c === 0x5d && !first) {
        this.pos++;
        break;
      }
      first = false;
      let lo: number | undefined;
      let single: Matcher | undefined;
      if (c === 0x5c) {
        this.pos++;
        const before = this.pos;
        const m = this.parseEscape(true);
        const esc = this.src[before];
        if ([0x64, 0x44, 0x77, 0x57, 0x73, 0x53].includes(esc)) single = m;
        else lo = this.singleCodePoint(m);
      } else {
        this.pos++;
        lo = c;
      }
      if (single !== undefined) {
        parts.push(single);
        continue;
      }
      const loCp = lo as number;
      if (this.peek() === 0x2d && this.src[this.pos + 1] !== undefined && this.src[this.pos + 1] !== 0x5d) {
        this.pos++;
        let hi = this.peek() as number;
        this.pos++;
        if (hi === 0x5c) {
          hi = this.singleCodePoint(this.parseEscape(true));
        }
        if (hi < loCp) throw new RegexSyntaxError('range out of order in character class');
        parts.push((x) => x >= loCp && x <= hi);
      } else {
        parts.push((x) => x === loCp);
      }
    }
    const any: Matcher = (x) => parts.some((p) => p(x));
    return negate ? (x) => !any(x) : any;
  }

  private singleCodePoint(m: Matcher): number {
    // Escapes that denote a single character: find it (cheap: escapes are ASCII or \u/\x literals).
    for (let cp = 0; cp < 0x10000; cp++) if (m(cp)) return cp;
    throw new RegexSyntaxError('invalid escape in class');
  }
}

// VM instructions.
const CHAR = 0;
const SPLIT = 1;
const JMP = 2;
const MATCH = 3;
const BOL = 4;
const EOL = 5;

interface Inst {
  op: number;
  m?: Matcher;
  x?: number;
  y?: number;
}

class Compiler {
  readonly prog: Inst[] = [];

  emit(inst: Inst): number {
    if (this.prog.length >= MAX_REGEX_PROGRAM_SIZE) throw new RegexSyntaxError('pattern too large');
    this.prog.push(inst);
    return this.prog.length - 1;
  }

  compile(n: Node): void {
    switch (n.t) {
      case 'char':
        this.emit({ op: CHAR, m: n.m });
        return;
      case 'bol':
        this.emit({ op: BOL });
        return;
      case 'eol':
        this.emit({ op: EOL });
        return;
      case 'seq':
        for (const it of n.items) this.compile(it);
        return;
      case 'alt': {
        const jumps: number[] = [];
        for (let i = 0; i < n.items.length; i++) {
          if (i < n.items.length - 1) {
            const split = this.emit({ op: SPLIT });
            this.prog[split].x = this.prog.length;
            this.compile(n.items[i]);
            jumps.push(this.emit({ op: JMP }));
            this.prog[split].y = this.prog.length;
          } else {
            this.compile(n.items[i]);
          }
        }
        for (const j of jumps) this.prog[j].x = this.prog.length;
        return;
      }
      case 'rep': {
        for (let i = 0; i < n.min; i++) this.compile(n.node);
        if (n.max === Infinity) {
          const split = this.emit({ op: SPLIT });
          this.prog[split].x = this.prog.length;
          this.compile(n.node);
          this.emit({ op: JMP, x: split });
          this.prog[split].y = this.prog.length;
        } else {
          const splits: number[] = [];
          for (let i = n.min; i < n.max; i++) {
            const split = this.emit({ op: SPLIT });
            this.prog[split].x = this.prog.length;
            splits.push(split);
            this.compile(n.node);
          }
          for (const s of splits) this.prog[s].y = this.prog.length;
        }
        return;
      }
    }
  }
}

/**
 * A compiled pattern.
 *
 * @see https://hl7.org/fhir/R4/valueset-filter-operator.html
 */
export class LinearRegex {
  private readonly prog: Inst[];
  private readonly mark: Int32Array;
  private generation = 0;
  readonly source: string;

  constructor(pattern: string) {
    this.source = pattern;
    const ast = new Parser(pattern).parse();
    const c = new Compiler();
    c.compile(ast);
    c.emit({ op: MATCH });
    this.prog = c.prog;
    this.mark = new Int32Array(this.prog.length);
  }

  private add(list: number[], pc: number, atStart: boolean, atEnd: boolean): void {
    const stack = [pc];
    while (stack.length > 0) {
      const p = stack.pop() as number;
      if (this.mark[p] === this.generation) continue;
      this.mark[p] = this.generation;
      const inst = this.prog[p];
      switch (inst.op) {
        case JMP:
          stack.push(inst.x as number);
          break;
        case SPLIT:
          stack.push(inst.y as number, inst.x as number);
          break;
        case BOL:
          if (atStart) stack.push(p + 1);
          break;
        case EOL:
          if (atEnd) stack.push(p + 1);
          break;
        default:
          list.push(p);
      }
    }
  }

  /** True when the whole of `text` matches. */
  matches(text: string): boolean {
    const cps = Array.from(text, (ch) => ch.codePointAt(0) as number);
    let clist: number[] = [];
    this.generation++;
    this.add(clist, 0, true, cps.length === 0);
    for (let i = 0; i < cps.length; i++) {
      const nlist: number[] = [];
      this.generation++;
      const cp = cps[i];
      for (const pc of clist) {
        const inst = this.prog[pc];
        if (inst.op === CHAR && (inst.m as Matcher)(cp)) this.add(nlist, pc + 1, false, i + 1 === cps.length);
      }
      clist = nlist;
      if (clist.length === 0) return false;
    }
    return clist.some((pc) => this.prog[pc].op === MATCH);
  }
}

/**
 * Compiles a pattern; throws RegexSyntaxError when it is invalid or unsupported.
 *
 * @see https://hl7.org/fhir/R4/valueset-filter-operator.html
 */
export function compileRegex(pattern: string): LinearRegex {
  return new LinearRegex(pattern);
}
