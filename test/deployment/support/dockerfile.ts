/** One Dockerfile instruction, continuation lines joined. */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

/** One build stage: its base (an image or an earlier stage), its name, its instructions. */
export interface Stage {
  readonly base: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  readonly globalArgs: ReadonlyMap<string, string>;
  readonly stages: readonly Stage[];
}

/** Parses the instruction structure: enough for linting, not a full BuildKit frontend. */
export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (!pending && (line.trim() === '' || line.trim().startsWith('#'))) return;
    if (pending && line.trim().startsWith('#')) return; // comments inside a continued RUN
    if (!pending) startLine = i + 1;
    pending += (pending ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (line.endsWith('\\')) return;
    const [keyword = '', ...rest] = pending.split(/\s+/);
    instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(' '), line: startLine });
    pending = '';
  });
  const globalArgs = new Map<string, string>();
  const stages: Array<{ base: string; name: string | undefined; instructions: Instruction[] }> = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const base = words[0]!.replace(/\$\{?(\w+)\}?/g, (_, v: string) => globalArgs.get(v) ?? '');
      stages.push({ base, name: words[1]?.toUpperCase() === 'AS' ? words[2] : undefined, instructions: [] });
    } else if (stages.length === 0 && ins.keyword === 'ARG') {
      const [k, v = ''] = ins.args.split('=');
      globalArgs.set(k!.trim(), v.trim());
    } else {
      stages.at(-1)?.instructions.push(ins);
    }
  }
  return { globalArgs, stages };
}

/** The chain of stages a stage builds on, itself first. */
export function lineage(df: Dockerfile, stage: Stage): Stage[] {
  const chain: Stage[] = [];
  for (let s: Stage | undefined = stage; s; s = df.stages.find((p) => p.name === s!.base)) chain.push(s);
  return chain;
}

/** The user a stage's processes run as: its last USER, else its base stage's; images default to root. */
export function effectiveUser(df: Dockerfile, stage: Stage): string {
  for (const s of lineage(df, stage)) {
    const user = s.instructions.filter((i) => i.keyword === 'USER').at(-1);
    if (user) return user.args.trim();
  }
  return 'root';
}

/** ENV names and values a stage sets, its own and inherited (later wins). */
export function effectiveEnv(df: Dockerfile, stage: Stage): Map<string, string> {
  const env = new Map<string, string>();
  for (const s of lineage(df, stage).reverse()) {
    for (const i of s.instructions.filter((x) => x.keyword === 'ENV')) {
      for (const m of i.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env.set(m[1]!, m[2]!.replace(/^"|"$/g, ''));
    }
  }
  return env;
}

/** Sources of COPY instructions that read the build context (not another stage). */
export function contextCopies(stage: Stage): string[] {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY' && !/--from=/.test(i.args))
    .flatMap((i) => {
      const words = i.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      return words.slice(0, -1).map((w) => w.replace(/\/$/, ''));
    });
}

const isRoot = (user: string): boolean => /^(root|0)(:.*)?$/.test(user);

/**
 * House rules for Dockerfiles. `targets` are the stages shipped as images: they must end as a
 * non-root user. Returns one line per problem; empty means clean.
 */
export function lintDockerfile(df: Dockerfile, targets: readonly string[]): string[] {
  const problems: string[] = [];
  const stageNames = new Set(df.stages.map((s) => s.name));
  for (const stage of df.stages) {
    const where = `stage ${stage.name ?? '(unnamed)'}`;
    if (!stageNames.has(stage.base)) {
      const image = stage.base;
      const tag = image.includes('@sha256:') ? 'digest' : image.slice(image.lastIndexOf('/') + 1).split(':')[1];
      if (!tag || tag === 'latest') problems.push(`${where}: FROM ${image} is not pinned to a tag or digest`);
    }
    for (const ins of stage.instructions) {
      const at = `${where}, line ${ins.line}`;
      if (ins.keyword === 'ADD' && /\bhttps?:\/\//.test(ins.args)) problems.push(`${at}: ADD of a URL (fetch and verify in RUN, or COPY)`);
      if (ins.keyword !== 'RUN') continue;
      if (/\b(curl|wget)\b[^|;&]*\|\s*(sudo\s+)?(ba|z|da)?sh\b/.test(ins.args)) problems.push(`${at}: pipes a download into a shell`);
      if (/apt-get\s+(-\S+\s+)*install/.test(ins.args)) {
        if (!ins.args.includes('--no-install-recommends')) problems.push(`${at}: apt-get install without --no-install-recommends`);
        if (!/rm -rf \/var\/lib\/apt\/lists/.test(ins.args)) problems.push(`${at}: apt lists not removed in the same RUN`);
      }
      if (/\bnpm (ci|install|i)\b/.test(ins.args)) {
        if (!ins.args.includes('--ignore-scripts')) problems.push(`${at}: npm install scripts are not switched off (--ignore-scripts)`);
        if (effectiveEnv(df, stage).get('ONNXRUNTIME_NODE_INSTALL') !== 'skip')
          problems.push(`${at}: npm runs without ONNXRUNTIME_NODE_INSTALL=skip`);
      }
    }
    for (const ins of stage.instructions.filter((i) => i.keyword === 'COPY')) {
      const from = /--from=(\S+)/.exec(ins.args)?.[1];
      if (from && !stageNames.has(from)) problems.push(`${where}, line ${ins.line}: COPY --from=${from} names no stage of this file`);
    }
  }
  for (const target of targets) {
    const stage = df.stages.find((s) => s.name === target);
    if (!stage) problems.push(`no stage named ${target}`);
    else if (isRoot(effectiveUser(df, stage))) problems.push(`stage ${target}: runs as root (no USER, or USER root)`);
  }
  return problems;
}
