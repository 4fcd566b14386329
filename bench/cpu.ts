// CPU time spent by this process and by the Postgres backends of one database, read from
// /proc (Linux). On a shared machine, wall-clock rates move with whatever else runs; the
// CPU time per unit of work does not, and says what a dedicated machine could sustain.
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function cpuMsOf(statPath: string): number {
  try {
    const stat = Deno.readTextFileSync(statPath);
    // fields after the command (which may hold spaces) start after the last ')'
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 1000 / TICKS_PER_SECOND;
  } catch {
    return 0; // the process ended between listing and reading
  }
}

/** CPU milliseconds (user + system) this process has used so far. */
export function selfCpuMs(): number {
  return cpuMsOf("/proc/self/stat");
}

/** CPU milliseconds (user + system) process `pid` has used so far. */
export function processCpuMs(pid: number): number {
  return cpuMsOf(`/proc/${pid}/stat`);
}

/** CPU milliseconds used so far by the live Postgres backends connected to `db` as `user`. */
export function backendCpuMs(db: string, user = "authenticator"): number {
  let total = 0;
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    let cmdline = "";
    try {
      cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`);
    } catch {
      continue;
    }
    if (cmdline.startsWith(`postgres: ${user} ${db} `)) {
      total += cpuMsOf(`/proc/${entry.name}/stat`);
    }
  }
  return total;
}
