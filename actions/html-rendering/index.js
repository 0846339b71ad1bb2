/**
 * HTML rendering benchmark: renders a Mustache template over `size` items, each with a name, a price
 * and two features, as the paper's HTMLRendering benchmark did with Java's Mustache.
 */
const crypto = require('crypto');
const Mustache = require('mustache');
const { z } = require('zod');

const Params = z.object({
  seed: z.coerce.number().int().default(42),
  returnHtml: z.coerce.boolean().default(false),
  size: z.coerce.number().int().min(1).max(10000000).default(55000),
});

const TEMPLATE =
  '<html><head><title>{{title}}</title></head><body><ul>' +
  '{{#items}}<li><b>{{name}}</b> <span>{{price}}</span><ul>{{#features}}<li>{{description}}</li>{{/features}}</ul></li>{{/items}}' +
  '</ul></body></html>';

// Parsed once per worker (Mustache caches it); rendering is the measured work.
Mustache.parse(TEMPLATE);

/** The items of the paper's benchmark: "Item i", "$i.i", features "New! #i" and "Awesome! #i". */
function buildItems(seed, size) {
  const items = new Array(size);
  for (let i = 0; i < size; i++) {
    items[i] = {
      name: 'Item ' + i,
      price: '$' + i + '.' + i,
      features: [{ description: 'New! #' + i }, { description: 'Awesome! #' + i }],
    };
  }
  return { title: 'Catalogue ' + seed, items };
}

function main(params) {
  const parsed = Params.safeParse(params ?? {});
  if (!parsed.success) return { error: 'invalid params: ' + parsed.error.issues.map((i) => i.path.join('.') + ' ' + i.message).join('; ') };
  const { seed, size, returnHtml } = parsed.data;
  const html = Mustache.render(TEMPLATE, buildItems(seed, size));
  const result = { items: size, bytes: Buffer.byteLength(html), sha256: crypto.createHash('sha256').update(html).digest('hex') };
  if (returnHtml) result.html = html;
  return result;
}

module.exports = { main, buildItems };
