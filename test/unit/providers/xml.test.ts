import { childElement, childText, parseXml, XmlError } from '../../../core/providers/xml';

describe('parseXml', () => {
  it('reads elements, attributes, text, CDATA, comments and entities', () => {
    const root = parseXml(
      '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<!-- gateway -->\n<a x="1" y=\'two &amp; three\'><b nil="true"/><c>&lt;5&#x20AC;&#36;</c><!-- note --><d><![CDATA[<raw> & text]]></d></a>',
    );
    expect(root).toMatchObject({ name: 'a', attributes: { x: '1', y: 'two & three' } });
    expect(root.children.map((child) => child.name)).toEqual(['b', 'c', 'd']);
    expect(childText(root, 'c')).toBe('<5€$');
    expect(childText(root, 'd')).toBe('<raw> & text');
    expect(childText(root, 'b')).toBeUndefined();
    expect(childElement(root, 'b')?.attributes.nil).toBe('true');
  });

  it('refuses DTDs and entity declarations, so nothing external is ever expanded', () => {
    expect(() => parseXml('<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>')).toThrow(XmlError);
    expect(() => parseXml('<a><!ENTITY e "x"></a>')).toThrow(XmlError);
  });

  it('refuses unknown entities, bare ampersands, mismatched tags and trailing content', () => {
    for (const text of ['<a>&e;</a>', '<a>fish & chips</a>', '<a><b></a></b>', '<a></a><b/>', '<a>', 'text', '<a x=1></a>', '<a>&#x110000;</a>']) {
      expect(() => parseXml(text)).toThrow(XmlError);
    }
  });

  it('bounds the nesting depth', () => {
    expect(() => parseXml('<a>'.repeat(65) + '</a>'.repeat(65))).toThrow(/deeper/);
    expect(parseXml('<a>'.repeat(64) + '</a>'.repeat(64)).name).toBe('a');
  });
});
