import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { z } from 'zod';
import { ACTION_NAMES } from '../../../src/bench/inputs';
import { REPO_ROOT, requireAction } from './helpers';

// The keys wskdeploy reads for an action (openwhisk-interfaces.md §11); limits it applies: these three only.
const Action = z
  .object({
    function: z.string().min(1),
    runtime: z.string().regex(/^nodejs:\d+$/),
    main: z.string().min(1).optional(),
    inputs: z.record(z.string(), z.unknown()).optional(),
    limits: z
      .object({ timeout: z.number().int().positive(), memorySize: z.number().int().positive(), logSize: z.number().int().positive() })
      .partial()
      .strict(),
    annotations: z.object({ pronghorn: z.literal(true) }).passthrough(),
  })
  .strict();
const Manifest = z.object({
  packages: z.record(z.string(), z.object({ version: z.string().optional(), license: z.string().optional(), actions: z.record(z.string(), Action) })),
});

describe('wskdeploy.yaml', () => {
  const manifest = Manifest.parse(parse(fs.readFileSync(path.join(REPO_ROOT, 'wskdeploy.yaml'), 'utf8')));
  const actions = Object.values(manifest.packages).flatMap((p) => Object.entries(p.actions));

  it('deploys every action folder, and only those, in one package', () => {
    expect(Object.keys(manifest.packages)).to.have.length(1);
    const folders = fs.readdirSync(path.join(REPO_ROOT, 'actions'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(actions.map(([name]) => name).sort()).to.deep.equal([...folders].sort());
    expect([...folders].sort()).to.deep.equal([...ACTION_NAMES].sort());
  });

  for (const name of ACTION_NAMES) {
    it(`${name}: the folder it names exists, loads with require and exports main`, () => {
      const [, spec] = actions.find(([n]) => n === name)!;
      const dir = path.join(REPO_ROOT, spec.function);
      for (const f of ['index.js', 'package.json', 'README.md']) expect(fs.existsSync(path.join(dir, f)), `${spec.function}/${f}`).to.equal(true);
      expect(requireAction(name)[spec.main ?? 'main']).to.be.a('function');
      expect(spec.annotations).to.include.keys('pronghorn-policy', 'pronghorn-pool-size');
      // Every dependency the action's package.json declares resolves, and the action requires nothing else.
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
      const source = fs.readFileSync(path.join(dir, 'index.js'), 'utf8');
      const required = new Set([...source.matchAll(/require\('([^']+)'\)/g)].map((m) => m[1].split('/')[0]).filter((m) => !/^(crypto|fs|path|os|http|https|child_process|util)$/.test(m)));
      expect([...required].sort()).to.deep.equal(Object.keys(pkg.dependencies).sort());
      for (const dep of required) expect(() => require.resolve(dep)).to.not.throw();
    });
  }
});
