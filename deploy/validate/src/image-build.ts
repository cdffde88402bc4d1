// Builds an image's file tree natively, without Docker: every stage's COPY (from the context, honouring
// .dockerignore, or from an earlier stage) and RUN (the same shell commands, run on this machine) into a
// directory per stage. The final stage's directory is what the image would contain under its WORKDIR, so
// its CMD can be started on the host exactly as the container would start it. The base image's own files
// are not reproduced: the host's node stands in for the image's node.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { copyOperands, dockerIgnoreMatcher, parseDockerfile, type Dockerfile } from './dockerfile.js';
import { REPO_ROOT } from './paths.js';

export interface BuiltImage {
  readonly dockerfile: Dockerfile;
  /** Host directory that stands for `/` of the final stage. */
  readonly root: string;
  /** Host directory of the final stage's WORKDIR (the CMD's working directory). */
  readonly workdir: string;
  /** The final stage's ENV. */
  readonly env: Readonly<Record<string, string>>;
}

/** Copies `source` to `dest` with Docker's COPY semantics (directory contents, or a file into a dir). */
function copyInto(source: string, dest: string, destIsDir: boolean, filter: (src: string) => boolean): void {
  if (statSync(source).isDirectory()) {
    mkdirSync(dest, { recursive: true });
    for (const name of readdirSync(source)) {
      const from = path.join(source, name);
      if (filter(from))
        cpSync(from, path.join(dest, name), { recursive: true, verbatimSymlinks: true, filter });
    }
    return;
  }
  const target = destIsDir ? path.join(dest, path.basename(source)) : dest;
  mkdirSync(path.dirname(target), { recursive: true });
  cpSync(source, target, { verbatimSymlinks: true });
}

/** Hashes every file under `source` that passes `filter` (a COPY's content, for the layer cache key). */
function contentHash(source: string, filter: (src: string) => boolean, hash = createHash('sha256')): string {
  if (!filter(source)) return hash.digest('hex');
  const walk = (file: string) => {
    if (!filter(file)) return;
    const stat = statSync(file);
    hash.update(path.relative(REPO_ROOT, file));
    if (stat.isDirectory()) for (const name of readdirSync(file).sort()) walk(path.join(file, name));
    else hash.update(readFileSync(file));
  };
  walk(source);
  return hash.digest('hex');
}

/**
 * Builds `dockerfile` (relative to the repository root, which is the build context) into `outDir`, one
 * sub-directory per stage. Like Docker's layer cache, a RUN whose instructions and copied content so far
 * are identical to one already run (e.g. the `npm ci` every image starts with) is restored from
 * `layerCacheDir` instead of run again. `log` receives each step.
 */
export function buildImageTree(
  dockerfile: string,
  outDir: string,
  options: { log?: (line: string) => void; layerCacheDir?: string } = {},
): BuiltImage {
  const log = options.log ?? (() => {});
  const parsed = parseDockerfile(readFileSync(path.join(REPO_ROOT, dockerfile), 'utf8'));
  const ignored = dockerIgnoreMatcher(readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8'));
  const contextFilter = (src: string) => {
    const relative = path.relative(REPO_ROOT, src);
    return relative === '' || !ignored(relative.split(path.sep).join('/'));
  };
  const stageRoot = (index: number) => path.join(outDir, `stage-${index}`);
  const hostPath = (index: number, containerPath: string) => path.join(stageRoot(index), containerPath);

  const stageKeys: string[] = [];
  parsed.stages.forEach((stage, index) => {
    let workdir = '/';
    const env: Record<string, string> = {};
    const key = createHash('sha256').update(stage.image);
    // FROM an earlier stage: start from a copy of its tree, its WORKDIR and ENV, and its cache key.
    const base = parsed.stages.findIndex((s, i) => i < index && s.name === stage.image);
    if (base >= 0) {
      cpSync(stageRoot(base), stageRoot(index), { recursive: true, verbatimSymlinks: true });
      workdir = parsed.stages[base]!.workdir;
      Object.assign(env, parsed.stages[base]!.env);
      key.update(`from-stage ${stageKeys[base]}`);
    }
    mkdirSync(stageRoot(index), { recursive: true });
    for (const ins of stage.instructions) {
      key.update(`${ins.keyword} ${ins.flags.join(' ')} ${ins.args}\n`);
      switch (ins.keyword) {
        case 'WORKDIR':
          workdir = path.posix.resolve(workdir, ins.args);
          mkdirSync(hostPath(index, workdir), { recursive: true });
          break;
        case 'ENV':
          for (const m of ins.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[m[1]!] = m[2]!.replace(/^"|"$/g, '');
          break;
        case 'COPY': {
          const { sources, dest } = copyOperands(ins);
          const from = ins.flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
          const destPath = hostPath(index, path.posix.resolve(workdir, dest));
          const destIsDir = dest.endsWith('/') || sources.length > 1;
          for (const source of sources) {
            if (from) {
              const fromIndex = parsed.stages.findIndex((s) => s.name === from);
              if (fromIndex < 0) throw new Error(`line ${ins.line}: unknown stage ${from}`);
              const src = hostPath(fromIndex, source);
              if (!existsSync(src))
                throw new Error(`line ${ins.line}: ${source} does not exist in stage ${from}`);
              copyInto(src, destPath, destIsDir, () => true);
              key.update(`from-stage ${stageKeys[fromIndex]}`); // the source stage's own key covers its content
            } else {
              const src = path.join(REPO_ROOT, source);
              if (!existsSync(src) || !contextFilter(src))
                throw new Error(`line ${ins.line}: ${source} is not in the build context`);
              copyInto(src, destPath, destIsDir, contextFilter);
              key.update(contentHash(src, contextFilter));
            }
          }
          log(`COPY ${ins.args}`);
          break;
        }
        case 'RUN': {
          const cached = options.layerCacheDir && path.join(options.layerCacheDir, key.copy().digest('hex'));
          if (cached && existsSync(cached)) {
            log(`RUN (cached) ${ins.args}`);
            rmSync(stageRoot(index), { recursive: true, force: true });
            cpSync(cached, stageRoot(index), { recursive: true, verbatimSymlinks: true });
            break;
          }
          log(`RUN ${ins.args}`);
          execFileSync('/bin/sh', ['-c', ins.args], {
            cwd: hostPath(index, workdir),
            env: {
              ...process.env,
              ...env,
              npm_config_prefer_offline: 'true',
              npm_config_update_notifier: 'false',
            },
            stdio: ['ignore', 'pipe', 'pipe'],
            maxBuffer: 64 * 1024 * 1024,
          });
          if (cached) cpSync(stageRoot(index), cached, { recursive: true, verbatimSymlinks: true });
          break;
        }
        default:
          // USER, EXPOSE, HEALTHCHECK, CMD, ARG: metadata, nothing to build.
          break;
      }
    }
    stageKeys.push(key.digest('hex'));
  });
  const final = parsed.finalStage;
  const last = parsed.stages.length - 1;
  return {
    dockerfile: parsed,
    root: stageRoot(last),
    workdir: hostPath(last, final.workdir),
    env: final.env,
  };
}
