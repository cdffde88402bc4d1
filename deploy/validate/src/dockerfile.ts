// A small Dockerfile reader (the subset our images use) and the checks on it: copied paths exist and are
// not excluded by .dockerignore, the final stage runs as a numeric non-root user, has a HEALTHCHECK, and its
// CMD is the native start command whose target the build produces.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './paths.js';

export interface Instruction {
  readonly keyword: string;
  /** Flags such as `--from=build` or `--mount=…`, in order. */
  readonly flags: readonly string[];
  /** The rest of the line after the flags. */
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly name: string | undefined;
  readonly image: string;
  readonly instructions: readonly Instruction[];
  readonly workdir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly user: string | undefined;
  readonly healthcheck: string | undefined;
  readonly cmd: readonly string[] | undefined;
}

export interface Dockerfile {
  readonly args: Readonly<Record<string, string>>;
  readonly stages: readonly Stage[];
  readonly finalStage: Stage;
}

function logicalLines(text: string): { text: string; line: number }[] {
  const lines: { text: string; line: number }[] = [];
  let current = '';
  let start = 0;
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
    if (current === '' && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (current !== '' && trimmed.startsWith('#')) return; // comments inside a continuation
    if (current === '') start = index + 1;
    if (trimmed.endsWith('\\')) {
      current += `${trimmed.slice(0, -1)} `;
      return;
    }
    lines.push({ text: (current + trimmed).trim(), line: start });
    current = '';
  });
  return lines;
}

function splitFlags(rest: string): { flags: string[]; args: string } {
  const flags: string[] = [];
  let args = rest;
  while (args.startsWith('--')) {
    const match = /^(--\S+)\s*/.exec(args)!;
    flags.push(match[1]!);
    args = args.slice(match[0].length);
  }
  return { flags, args };
}

/** `["a", "b"]` → ['a', 'b']; a shell-form string → ['/bin/sh', '-c', string]. */
export function execForm(args: string): string[] {
  const trimmed = args.trim();
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as string[];
  return ['/bin/sh', '-c', trimmed];
}

const substitute = (text: string, vars: Record<string, string>) =>
  text.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (_, a: string | undefined, b: string | undefined) => vars[(a ?? b)!] ?? '',
  );

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  let open: { name: string | undefined; image: string; instructions: Instruction[] } | undefined;
  const close = () => {
    if (!open) return;
    let workdir = '/';
    let user: string | undefined;
    let healthcheck: string | undefined;
    let cmd: string[] | undefined;
    const env: Record<string, string> = {};
    const base = stages.find((s) => s.name === open!.image);
    if (base) {
      workdir = base.workdir;
      user = base.user;
      Object.assign(env, base.env);
    }
    for (const ins of open.instructions) {
      if (ins.keyword === 'WORKDIR') workdir = path.posix.resolve(workdir, ins.args);
      if (ins.keyword === 'USER') user = ins.args;
      if (ins.keyword === 'ENV') {
        for (const m of ins.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[m[1]!] = m[2]!.replace(/^"|"$/g, '');
      }
      if (ins.keyword === 'HEALTHCHECK') healthcheck = ins.args;
      if (ins.keyword === 'CMD') cmd = execForm(ins.args);
    }
    stages.push({ ...open, workdir, env, user, healthcheck, cmd });
  };
  for (const { text: lineText, line } of logicalLines(text)) {
    const match = /^(\w+)\s*(.*)$/.exec(lineText);
    if (!match) throw new Error(`line ${line}: cannot parse ${lineText}`);
    const keyword = match[1]!.toUpperCase();
    const { flags, args } = splitFlags(match[2]!);
    if (keyword === 'ARG' && !open) {
      const [name, value = ''] = args.split('=');
      globalArgs[name!] = value;
      continue;
    }
    if (keyword === 'FROM') {
      close();
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(substitute(args, globalArgs));
      if (!from) throw new Error(`line ${line}: cannot parse FROM ${args}`);
      open = { image: from[1]!, name: from[2], instructions: [] };
      continue;
    }
    if (!open) throw new Error(`line ${line}: ${keyword} before FROM`);
    open.instructions.push({ keyword, flags, args, line });
  }
  close();
  if (stages.length === 0) throw new Error('no FROM');
  return { args: globalArgs, stages, finalStage: stages[stages.length - 1]! };
}

/** COPY's sources and destination (exec or space-separated form). */
export function copyOperands(ins: Instruction): { sources: string[]; dest: string } {
  const parts = ins.args.trim().startsWith('[') ? (JSON.parse(ins.args) as string[]) : ins.args.split(/\s+/);
  return { sources: parts.slice(0, -1), dest: parts[parts.length - 1]! };
}

/** .dockerignore patterns (the subset used here: `**`/`*` globs and `!` exceptions). */
export function dockerIgnoreMatcher(text: string): (relativePath: string) => boolean {
  const rules = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((pattern) => {
      const negate = pattern.startsWith('!');
      const body = (negate ? pattern.slice(1) : pattern).replace(/^\/+|\/+$/g, '');
      const regex = body
        .split('/')
        .map((seg) =>
          seg === '**'
            ? '(?:.*)'
            : seg
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/')
        .replace(/\(\?:\.\*\)\//g, '(?:.*/)?');
      return { negate, regex: new RegExp(`^${regex}(?:/.*)?$`) };
    });
  return (relativePath) => {
    let ignored = false;
    for (const rule of rules) if (rule.regex.test(relativePath)) ignored = !rule.negate;
    return ignored;
  };
}

const imagePinned = (image: string) =>
  image.includes('@sha256:') ||
  (/:[\w][\w.-]*$/.test(image) && !/:latest$/.test(image) && /\d/.test(image.split(':').pop()!));

/**
 * Problems with one Dockerfile (empty when fine). For a service image, `nativeCommand` is the start command
 * the native stack runs; the final CMD must be exactly it and a HEALTHCHECK must probe /healthz. Without it
 * (a batch image such as k6) only the build and user checks apply.
 */
export function dockerfileErrors(file: string, nativeCommand?: readonly string[]): string[] {
  const errors: string[] = [];
  const text = readFileSync(file, 'utf8');
  // A `# syntax=` parser directive makes BuildKit pull that frontend image before building: the build
  // then fails wherever no registry answers, and the engine's built-in frontend reads these files anyway.
  for (const line of text.split(/\r?\n/)) {
    const directive = /^#\s*(\w+)\s*=/.exec(line); // directives lead the file; anything else ends them
    if (!directive) break;
    if (directive[1]!.toLowerCase() === 'syntax')
      errors.push(`${line.trim()}: leave the frontend to the engine (no syntax directive)`);
  }
  const parsed = parseDockerfile(text);
  const ignored = dockerIgnoreMatcher(readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8'));
  const stageNames = new Set(parsed.stages.map((s) => s.name).filter(Boolean));
  for (const stage of parsed.stages) {
    if (!stageNames.has(stage.image) && !imagePinned(stage.image))
      errors.push(`FROM ${stage.image}: base image not pinned to a version tag or digest`);
    for (const ins of stage.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')) {
      if (ins.keyword === 'ADD') errors.push(`line ${ins.line}: use COPY, not ADD`);
      if (ins.flags.some((f) => f.startsWith('--from='))) continue;
      for (const source of copyOperands(ins).sources) {
        const relative = path.posix.normalize(source).replace(/\/$/, '');
        if (!existsSync(path.join(REPO_ROOT, relative)))
          errors.push(`line ${ins.line}: COPY source ${source} does not exist in the build context`);
        else if (ignored(relative))
          errors.push(`line ${ins.line}: COPY source ${source} is excluded by .dockerignore`);
      }
    }
  }
  const final = parsed.finalStage;
  const user = final.user?.split(':')[0];
  if (user === undefined) errors.push('final stage has no USER (runs as root)');
  else if (!/^\d+$/.test(user))
    errors.push(`USER ${final.user}: use a numeric uid so runAsNonRoot can verify it`);
  else if (Number(user) === 0) errors.push('USER 0 is root');
  if (!nativeCommand) return errors;
  if (!final.healthcheck) errors.push('final stage has no HEALTHCHECK');
  else if (!final.healthcheck.includes('/healthz')) errors.push('HEALTHCHECK does not probe /healthz');
  if (!final.cmd) errors.push('final stage has no CMD');
  else if (JSON.stringify(final.cmd) !== JSON.stringify(nativeCommand))
    errors.push(
      `CMD ${JSON.stringify(final.cmd)} is not the native start command ${JSON.stringify(nativeCommand)}`,
    );
  else {
    // The CMD's script reaches the final stage by a COPY --from of the file the build stage produces at
    // the same path under its own WORKDIR (where `tsc -b` writes services/<name>/dist/main.js).
    const target = path.posix.join(final.workdir, final.cmd[1]!);
    const produced = final.instructions
      .filter((i) => i.keyword === 'COPY' && i.flags.some((f) => f.startsWith('--from=')))
      .some((ins) => {
        const from = parsed.stages.find(
          (st) => st.name === ins.flags.find((f) => f.startsWith('--from='))!.slice(7),
        );
        const expectedSource = path.posix.join(from?.workdir ?? '/', final.cmd![1]!);
        const { sources, dest } = copyOperands(ins);
        const destPath = path.posix.resolve(final.workdir, dest);
        return sources.some((src) => {
          if (src.endsWith('/')) {
            return (
              target.startsWith(`${destPath}/`) &&
              path.posix.join(src, target.slice(destPath.length + 1)) === expectedSource
            );
          }
          const landed = dest.endsWith('/') ? path.posix.join(destPath, path.posix.basename(src)) : destPath;
          return landed === target && src === expectedSource;
        });
      });
    if (!produced) errors.push(`CMD target ${target} is not copied into the final stage`);
  }
  return errors;
}

/** The workspace directories a service needs at run time: itself and its @tillstream/* dependencies, transitively. */
export function runtimeWorkspaces(serviceDir: string): string[] {
  const byName = new Map<string, string>();
  const rootManifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    workspaces: string[];
  };
  for (const pattern of rootManifest.workspaces) {
    const dirs = pattern.endsWith('/*')
      ? (readdirSync(path.join(REPO_ROOT, pattern.slice(0, -2))) as string[]).map(
          (d) => `${pattern.slice(0, -2)}/${d}`,
        )
      : [pattern];
    for (const dir of dirs) {
      const manifest = path.join(REPO_ROOT, dir, 'package.json');
      if (existsSync(manifest))
        byName.set((JSON.parse(readFileSync(manifest, 'utf8')) as { name: string }).name, dir);
    }
  }
  const needed = new Set<string>([serviceDir]);
  const queue = [serviceDir];
  while (queue.length > 0) {
    const dir = queue.pop()!;
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const dep of Object.keys(manifest.dependencies ?? {})) {
      const depDir = byName.get(dep);
      if (depDir && !needed.has(depDir)) {
        needed.add(depDir);
        queue.push(depDir);
      }
    }
  }
  return [...needed].sort();
}

/** Problems with what the final stage ships: every runtime workspace's package.json and dist/. */
export function shippedWorkspaceErrors(file: string, serviceDir: string): string[] {
  const final = parseDockerfile(readFileSync(file, 'utf8')).finalStage;
  const copied = new Set(
    final.instructions
      .filter((i) => i.keyword === 'COPY' && i.flags.some((f) => f.startsWith('--from=')))
      .flatMap((i) =>
        copyOperands(i).sources.map((s) => path.posix.relative(final.workdir, s).replace(/\/$/, '')),
      ),
  );
  const errors: string[] = [];
  for (const dir of runtimeWorkspaces(serviceDir)) {
    for (const needed of [`${dir}/package.json`, `${dir}/dist`])
      if (!copied.has(needed))
        errors.push(`${needed} is needed at run time but not copied into the final stage`);
  }
  if (!copied.has('node_modules')) errors.push('node_modules is not copied into the final stage');
  return errors;
}
