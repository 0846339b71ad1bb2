import crypto from 'node:crypto';
import { expect } from 'chai';
import { requireAction, run } from './helpers';

const sha256 = (s: string): string => crypto.createHash('sha256').update(s).digest('hex');

describe('template actions', () => {
  it('dynamic-html renders every seeded number in order, escapes the user name, and hashes the page', async () => {
    const ctx = (requireAction('dynamic-html').buildContext as (s: number, n: number, u: string) => { numbers: number[] })(11, 500, 'x');
    const result = await run('dynamic-html', { seed: 11, size: 500, username: '<Ann & Bob>', returnHtml: true });
    const html = result.html as string;
    const rendered = [...html.matchAll(/<li>(\d+)<\/li>/g)].map((m) => Number(m[1]));
    expect(rendered).to.deep.equal(ctx.numbers);
    expect(html).to.contain('<p>Welcome &lt;Ann &amp; Bob&gt;!</p>');
    expect(result).to.include({ numbers: 500, bytes: Buffer.byteLength(html), sha256: sha256(html) });
    const again = await run('dynamic-html', { seed: 11, size: 500, username: '<Ann & Bob>' });
    expect(again.sha256).to.equal(result.sha256);
    expect(again).to.not.have.property('html');
  });

  it('html-rendering renders the paper items exactly (name, price, two features)', async () => {
    const result = await run('html-rendering', { seed: 3, size: 3, returnHtml: true });
    const items = [0, 1, 2]
      .map((i) => `<li><b>Item ${i}</b> <span>$${i}.${i}</span><ul><li>New! #${i}</li><li>Awesome! #${i}</li></ul></li>`)
      .join('');
    const expected = `<html><head><title>Catalogue 3</title></head><body><ul>${items}</ul></body></html>`;
    expect(result.html).to.equal(expected);
    expect(result).to.include({ items: 3, sha256: sha256(expected) });
  });

  it('html-rendering at a paper size renders every item once', async () => {
    const result = await run('html-rendering', { seed: 1, size: 10000, returnHtml: true });
    const html = result.html as string;
    expect(html.match(/<b>Item \d+<\/b>/g)).to.have.length(10000);
    expect(html).to.contain('<b>Item 9999</b> <span>$9999.9999</span>');
  });
});
