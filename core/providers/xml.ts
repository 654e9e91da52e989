/**
 * A small, safe XML reader for gateway payloads (Braintree's notifications): elements,
 * attributes, text, CDATA, comments and the five predefined entities plus character
 * references. Document type declarations are refused outright, so no external entity, no
 * entity expansion ("billion laughs") and no network access can happen; nesting is bounded.
 */

export interface XmlElement {
  name: string;
  attributes: Readonly<Record<string, string>>;
  children: XmlElement[];
  /** The element's own text (CDATA included), entity references decoded. */
  text: string;
}

export class XmlError extends Error {
  constructor(message: string, position: number) {
    super(`${message} at character ${position}`);
    this.name = 'XmlError';
  }
}

const MAX_DEPTH = 64;
const NAME = /[A-Za-z_][\w.:-]*/y;
const ATTRIBUTE = /\s+([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

class Reader {
  private position = 0;

  constructor(private readonly source: string) {}

  document(): XmlElement {
    this.skipMisc(true);
    if (!this.source.startsWith('<', this.position)) this.fail('expected the root element');
    const root = this.element(1);
    this.skipMisc(false);
    if (this.position !== this.source.length) this.fail('unexpected content after the root element');
    return root;
  }

  /** Whitespace, comments and (before the root only) the XML declaration; a DOCTYPE is refused. */
  private skipMisc(prolog: boolean): void {
    for (;;) {
      while (/\s/.test(this.source[this.position] ?? '')) this.position++;
      if (prolog && this.source.startsWith('<?xml', this.position)) this.skipPast('?>');
      else if (this.source.startsWith('<!--', this.position)) this.skipPast('-->');
      else if (this.source.startsWith('<!', this.position) && !this.source.startsWith('<![CDATA[', this.position)) {
        this.fail('document type declarations are not accepted');
      } else return;
    }
  }

  private skipPast(end: string): void {
    const at = this.source.indexOf(end, this.position);
    if (at < 0) this.fail(`missing ${end}`);
    this.position = at + end.length;
  }

  private name(): string {
    NAME.lastIndex = this.position;
    const match = NAME.exec(this.source);
    if (match === null) this.fail('expected a name');
    this.position = NAME.lastIndex;
    return match[0];
  }

  private element(depth: number): XmlElement {
    if (depth > MAX_DEPTH) this.fail(`elements nested deeper than ${MAX_DEPTH}`);
    this.position++; // '<'
    const name = this.name();
    const attributes: Record<string, string> = {};
    for (;;) {
      ATTRIBUTE.lastIndex = this.position;
      const match = ATTRIBUTE.exec(this.source);
      if (match === null) break;
      attributes[match[1]] = this.decode(match[2] ?? match[3]);
      this.position = ATTRIBUTE.lastIndex;
    }
    while (/\s/.test(this.source[this.position] ?? '')) this.position++;
    const element: XmlElement = { name, attributes, children: [], text: '' };
    if (this.source.startsWith('/>', this.position)) {
      this.position += 2;
      return element;
    }
    if (this.source[this.position] !== '>') this.fail(`malformed start tag <${name}>`);
    this.position++;
    this.content(element, depth);
    return element;
  }

  private content(element: XmlElement, depth: number): void {
    for (;;) {
      const next = this.source.indexOf('<', this.position);
      if (next < 0) this.fail(`<${element.name}> is not closed`);
      element.text += this.decode(this.source.slice(this.position, next));
      this.position = next;
      if (this.source.startsWith('</', next)) {
        this.position += 2;
        if (this.name() !== element.name) this.fail(`mismatched end tag for <${element.name}>`);
        while (/\s/.test(this.source[this.position] ?? '')) this.position++;
        if (this.source[this.position] !== '>') this.fail(`malformed end tag </${element.name}>`);
        this.position++;
        return;
      }
      if (this.source.startsWith('<![CDATA[', next)) {
        const end = this.source.indexOf(']]>', next);
        if (end < 0) this.fail('unterminated CDATA section');
        element.text += this.source.slice(next + 9, end);
        this.position = end + 3;
      } else if (this.source.startsWith('<!--', next)) {
        this.skipPast('-->');
      } else if (this.source.startsWith('<!', next) || this.source.startsWith('<?', next)) {
        this.fail('declarations and processing instructions are not accepted inside elements');
      } else {
        element.children.push(this.element(depth + 1));
      }
    }
  }

  private decode(text: string): string {
    return text.replace(/&([^;&\s]*);?/g, (reference, body: string) => {
      if (!reference.endsWith(';')) this.fail('a bare & in text');
      if (body in PREDEFINED) return PREDEFINED[body];
      const code = /^#x([0-9a-fA-F]{1,6})$/.exec(body)?.[1] ?? /^#(\d{1,7})$/.exec(body)?.[1];
      if (code === undefined) this.fail(`unknown entity &${body};`);
      const value = body.startsWith('#x') ? parseInt(code, 16) : parseInt(code, 10);
      if (value > 0x10ffff) this.fail(`character reference &${body}; is out of range`);
      return String.fromCodePoint(value);
    });
  }

  private fail(message: string): never {
    throw new XmlError(message, this.position);
  }
}

/** Parses a complete document; throws XmlError when it is not well-formed or uses a DTD. */
export function parseXml(source: string): XmlElement {
  return new Reader(source.replace(/^\uFEFF/, '')).document();
}

/** The first child element with that name. */
export function childElement(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((child) => child.name === name);
}

/**
 * The trimmed text of a path of child elements; undefined when an element is missing, empty
 * or marked `nil="true"` (how Braintree writes a null).
 */
export function childText(element: XmlElement | undefined, ...path: string[]): string | undefined {
  let current = element;
  for (const name of path) current = childElement(current, name);
  if (current === undefined || current.attributes.nil === 'true') return undefined;
  const text = current.text.trim();
  return text === '' ? undefined : text;
}
