/**
 * Minimal clients of the container engines' HTTP APIs over their Unix sockets (axios): the Docker
 * Engine API and podman's libpod API. Only the calls the docker backend needs.
 *
 * NOT RUN AGAINST A LIVE ENGINE: no Docker or podman daemon runs on the machines this was written on.
 * The request shapes (paths, query parameters, bodies) are unit-tested against a fake server and follow
 * the engines' API references (Docker Engine API v1.41+, podman libpod API v4); see docs/agent.md.
 */
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import axios, { AxiosInstance, isAxiosError } from 'axios';

export class EngineError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
    this.name = 'EngineError';
  }
}

export interface ContainerSpec {
  name: string;
  image: string;
  env: Record<string, string>;
  labels: Record<string, string>;
}

function engineHttp(socketPath: string, timeoutMs: number): AxiosInstance {
  return axios.create({ socketPath, baseURL: 'http://engine', timeout: timeoutMs, maxBodyLength: Infinity, maxContentLength: Infinity });
}

async function engineCall<T>(what: string, fn: () => Promise<{ data: T }>): Promise<T> {
  try {
    return (await fn()).data;
  } catch (err) {
    if (isAxiosError(err)) {
      const body = err.response?.data as { message?: string } | undefined;
      const detail = body && typeof body === 'object' && body.message ? body.message : err.message;
      throw new EngineError(`${what}: ${detail}`, err.response?.status ?? 0);
    }
    throw err;
  }
}

const envList = (env: Record<string, string>): string[] => Object.entries(env).map(([k, v]) => `${k}=${v}`);

/** Docker Engine API (checkpoints need the daemon's experimental mode and CRIU on the host). */
export class DockerEngine {
  readonly http: AxiosInstance;

  constructor(socketPath: string, timeoutMs = 60_000) {
    this.http = engineHttp(socketPath, timeoutMs);
  }

  ping(): Promise<string> {
    return engineCall('docker ping', () => this.http.get<string>('/_ping'));
  }

  async create(spec: ContainerSpec): Promise<string> {
    const body = {
      Image: spec.image,
      Env: envList(spec.env),
      Labels: spec.labels,
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: { CapDrop: ['NET_RAW'] },
    };
    const r = await engineCall('docker create', () => this.http.post<{ Id: string }>('/containers/create', body, { params: { name: spec.name } }));
    return r.Id;
  }

  /** Starts a container, optionally from a checkpoint (`checkpoint` in `checkpointDir`). */
  async start(id: string, from?: { checkpoint: string; checkpointDir: string }): Promise<void> {
    const params = from ? { checkpoint: from.checkpoint, 'checkpoint-dir': from.checkpointDir } : undefined;
    await engineCall('docker start', () => this.http.post(`/containers/${encodeURIComponent(id)}/start`, null, { params }));
  }

  async ipAddress(id: string): Promise<string> {
    const r = await engineCall('docker inspect', () =>
      this.http.get<{ NetworkSettings?: { IPAddress?: string; Networks?: Record<string, { IPAddress?: string }> } }>(`/containers/${encodeURIComponent(id)}/json`),
    );
    const ns = r.NetworkSettings;
    const ip = ns?.IPAddress || Object.values(ns?.Networks ?? {}).map((n) => n.IPAddress).find(Boolean);
    if (!ip) throw new EngineError(`docker inspect: container ${id} has no IP address`, 0);
    return ip;
  }

  /** `POST /containers/{id}/checkpoints`; Exit false keeps the container running. */
  async checkpoint(id: string, checkpoint: string, checkpointDir: string): Promise<void> {
    await engineCall('docker checkpoint create', () =>
      this.http.post(`/containers/${encodeURIComponent(id)}/checkpoints`, { CheckpointID: checkpoint, CheckpointDir: checkpointDir, Exit: false }),
    );
  }

  async remove(id: string): Promise<void> {
    await engineCall('docker rm', () => this.http.delete(`/containers/${encodeURIComponent(id)}`, { params: { force: true, v: true } })).catch((err: EngineError) => {
      if (err.status !== 404) throw err;
    });
  }
}

/** podman's libpod API: checkpoint exported as a tar archive, restored (imported) into a new container. */
export class PodmanEngine {
  readonly http: AxiosInstance;
  private readonly base = '/v4.0.0/libpod';

  constructor(socketPath: string, timeoutMs = 60_000) {
    this.http = engineHttp(socketPath, timeoutMs);
  }

  ping(): Promise<string> {
    return engineCall('podman ping', () => this.http.get<string>('/_ping'));
  }

  async create(spec: ContainerSpec): Promise<string> {
    const body = { image: spec.image, name: spec.name, env: spec.env, labels: spec.labels, cap_drop: ['NET_RAW'] };
    const r = await engineCall('podman create', () => this.http.post<{ Id: string }>(`${this.base}/containers/create`, body));
    return r.Id;
  }

  async start(id: string): Promise<void> {
    await engineCall('podman start', () => this.http.post(`${this.base}/containers/${encodeURIComponent(id)}/start`));
  }

  async ipAddress(id: string): Promise<string> {
    const r = await engineCall('podman inspect', () =>
      this.http.get<{ NetworkSettings?: { IPAddress?: string; Networks?: Record<string, { IPAddress?: string }> } }>(`${this.base}/containers/${encodeURIComponent(id)}/json`),
    );
    const ns = r.NetworkSettings;
    const ip = ns?.IPAddress || Object.values(ns?.Networks ?? {}).map((n) => n.IPAddress).find(Boolean);
    if (!ip) throw new EngineError(`podman inspect: container ${id} has no IP address`, 0);
    return ip;
  }

  /** Checkpoints with `export=true&leaveRunning=true` and writes the returned archive to `file`. */
  async checkpointExport(id: string, file: string): Promise<void> {
    const stream = await engineCall('podman checkpoint', () =>
      this.http.post<Readable>(`${this.base}/containers/${encodeURIComponent(id)}/checkpoint`, null, {
        params: { export: true, leaveRunning: true, keep: false },
        responseType: 'stream',
      }),
    );
    await pipeline(stream, fs.createWriteStream(file, { mode: 0o600 }));
  }

  /**
   * Restores an exported checkpoint into a new container called `name` (`import=true&name=`); the path's
   * container name is ignored on import. ignoreStaticIP lets one archive be restored many times.
   */
  async restoreImport(file: string, name: string): Promise<string> {
    const r = await engineCall('podman restore', () =>
      this.http.post<{ Id?: string; id?: string }>(`${this.base}/containers/import/restore`, fs.createReadStream(file), {
        params: { import: true, name, ignoreStaticIP: true, ignoreStaticMAC: true },
        headers: { 'Content-Type': 'application/x-tar' },
      }),
    );
    return r.Id ?? r.id ?? name;
  }

  async remove(id: string): Promise<void> {
    await engineCall('podman rm', () => this.http.delete(`${this.base}/containers/${encodeURIComponent(id)}`, { params: { force: true, v: true } })).catch((err: EngineError) => {
      if (err.status !== 404) throw err;
    });
  }
}
