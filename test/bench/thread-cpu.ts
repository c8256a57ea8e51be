import { readdirSync, readFileSync } from 'node:fs';

/** One thread of a process and the CPU time it has used so far. */
export interface ThreadCpu {
  readonly tid: number;
  /** The thread's name: Node 24 names its threads (`MainThread`, `V8Worker`, …); Node 20 calls them all `node`. */
  readonly name: string;
  readonly cpuMs: number;
}

/**
 * The CPU time of every live thread of process `pid`, from Linux's `/proc/<pid>/task/<tid>/schedstat` (nanoseconds
 * on the CPU), or `…/stat` (user + system, in clock ticks of 10 ms) where the kernel keeps no schedstat. A thread that
 * has ended is no longer listed. [] where there is no `/proc` (not Linux) or the process is gone.
 */
export function threadCpu(pid: number): ThreadCpu[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tids.flatMap((tid) => {
    const at = `/proc/${pid}/task/${tid}`;
    try {
      const name = readFileSync(`${at}/comm`, 'utf8').trim();
      return [{ tid: Number(tid), name, cpuMs: onCpuMs(at) }];
    } catch {
      return [];
    }
  });
}

/** CPU time of the threads of `pid` other than its main thread (whose id is the process id), in ms. */
export function otherThreadsMs(threads: readonly ThreadCpu[], pid: number): number {
  return threads.filter((thread) => thread.tid !== pid).reduce((sum, thread) => sum + thread.cpuMs, 0);
}

function onCpuMs(thread: string): number {
  try {
    return Number(readFileSync(`${thread}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    // Fields 14 and 15 of stat, after the name in parentheses (which may hold spaces): utime and stime, in ticks.
    const fields = readFileSync(`${thread}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  }
}
