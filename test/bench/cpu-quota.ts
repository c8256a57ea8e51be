import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Lambda gives a function one full vCPU at this memory size, and a share in proportion below it. */
export const MB_PER_CPU = 1_769;
/** The CFS period the quota is counted in: 100 ms, the kernel's default. */
export const CFS_PERIOD_US = 100_000;
/** Where the cgroup-v1 `cpu` hierarchy is mounted; the bench's test points it elsewhere to see the bench without it. */
export const CGROUP_ROOT_VARIABLE = 'BENCH_CGROUP_ROOT';
const DEFAULT_ROOT = '/sys/fs/cgroup/cpu';
/** Every cgroup the bench makes is under one named for its process: `connect-omniflow-bridge-bench-<pid>`. */
const PREFIX = 'connect-omniflow-bridge-bench-';

/** The CPU time per {@link CFS_PERIOD_US} a function of `memoryMb` gets on Lambda: memory/1,769 of one CPU. */
export const quotaUs = (memoryMb: number): number => Math.round((CFS_PERIOD_US * memoryMb) / MB_PER_CPU);

/**
 * The bench's cgroups in the cgroup-v1 `cpu` hierarchy (`/sys/fs/cgroup/cpu`, or {@link CGROUP_ROOT_VARIABLE}): one
 * parent for this process, and under it one cgroup per container with a CFS quota of memory/1,769 of one CPU. Removed
 * as each container stops, and whatever is left when the process exits (SIGINT and SIGTERM included); a parent left
 * by a bench that was killed is removed by the next.
 */
export class CpuQuotas {
  readonly #made: string[] = [];
  #count = 0;

  private constructor(
    /** The hierarchy's root. */
    readonly root: string,
    /** This process's parent cgroup. */
    readonly dir: string,
  ) {}

  /**
   * The bench's parent cgroup under `root`, made now; or, where it cannot be made or is no cgroup-v1 `cpu` hierarchy
   * (not root, cgroup v2, read-only), one line saying why.
   */
  static open(root = process.env[CGROUP_ROOT_VARIABLE] || DEFAULT_ROOT): CpuQuotas | string {
    const dir = join(root, `${PREFIX}${process.pid}`);
    const without = 'running without the CPU quota';
    try {
      removeAbandoned(root);
      mkdirSync(dir);
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      return `cannot create a cgroup under ${root} (${code ?? message}): ${without}`;
    }
    if (!existsSync(join(dir, 'cpu.cfs_quota_us'))) {
      rmdirSync(dir);
      const v2 = existsSync(join(root, 'cgroup.controllers')) ? 'cgroup v2, ' : '';
      return `${root} is not a cgroup-v1 cpu hierarchy (${v2}no cpu.cfs_quota_us): ${without}`;
    }
    const quotas = new CpuQuotas(root, dir);
    quotas.#removeOnExit();
    return quotas;
  }

  /** A new cgroup with the CPU share of a `memoryMb` function, empty until {@link CpuQuota.place}. */
  create(memoryMb: number): CpuQuota {
    const dir = join(this.dir, `${memoryMb}mb-${++this.#count}`);
    mkdirSync(dir);
    this.#made.push(dir);
    writeFileSync(join(dir, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
    writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quotaUs(memoryMb)));
    return new CpuQuota(dir, () => this.#remove(dir));
  }

  /** Removes every cgroup made here and the parent, moving any process still in one back to the root first. */
  removeAll(): void {
    for (const dir of this.#made.splice(0).reverse()) removeCgroup(dir, this.root);
    removeCgroup(this.dir, this.root);
  }

  #remove(dir: string): void {
    const at = this.#made.indexOf(dir);
    if (at < 0) return;
    this.#made.splice(at, 1);
    removeCgroup(dir, this.root);
  }

  #removeOnExit(): void {
    process.once('exit', () => this.removeAll());
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        this.removeAll();
        process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
      });
    }
  }
}

/** One container's cgroup. */
export class CpuQuota {
  constructor(
    readonly dir: string,
    readonly remove: () => void,
  ) {}

  /** Moves process `pid`, every thread of it, into this cgroup. */
  place(pid: number): void {
    writeFileSync(join(this.dir, 'cgroup.procs'), String(pid));
  }

  /** The CPU periods so far, and those in which the cgroup used up its quota (`cpu.stat`). */
  throttling(): { periods: number; throttled: number } {
    const stat = readFileSync(join(this.dir, 'cpu.stat'), 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(stat)?.[1] ?? 0);
    return { periods: field('nr_periods'), throttled: field('nr_throttled') };
  }
}

/** Removes `dir` (its child cgroups first), after moving whatever process is still in it to `root`. Never throws. */
function removeCgroup(dir: string, root: string): void {
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) removeCgroup(join(dir, entry.name), root);
    }
    for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
      writeFileSync(join(root, 'cgroup.procs'), pid);
    }
    rmdirSync(dir);
  } catch {
    // Gone already, or a process in it that is exiting: nothing more to do here.
  }
}

/** Removes the parent cgroups of benches whose process is gone (killed before they could remove their own). */
function removeAbandoned(root: string): void {
  for (const name of readdirSync(root)) {
    const pid = name.startsWith(PREFIX) ? Number(name.slice(PREFIX.length)) : NaN;
    if (Number.isInteger(pid) && !alive(pid)) removeCgroup(join(root, name), root);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
