// What the aarch64 tests need: Debian's cross compiler, qemu-user, and an arm64 Node unpacked into a
// folder. Where they cannot be had the tests skip with the reason, unless RSEQ_REQUIRE_EMULATION=1
// (CI, which installs them) makes that a failure.
import { spawnSync } from 'node:child_process'
import * as path from 'node:path'
import { root } from './package-copy'
import { runCommand } from './run-node'

export const emulationRequired = process.env.RSEQ_REQUIRE_EMULATION === '1'

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0
}

/** Why the cross tools are missing, or null when they are there. */
export function missingCrossTools(): string | null {
  const missing = ['aarch64-linux-gnu-g++', 'qemu-aarch64-static'].filter((command) => !onPath(command))
  if (missing.length === 0) return null
  return `${missing.join(' and ')} not found: apt-get install g++-aarch64-linux-gnu qemu-user-static`
}

/** Debian's arm64 Node.js unpacked under test/.build/arm64-root, made on first use. */
export async function arm64NodeRoot(): Promise<{ root: string } | { reason: string }> {
  const sysroot = path.join(root, 'test', '.build', 'arm64-root')
  const unpacked = await runCommand(path.join(root, 'scripts', 'arm64-sysroot.sh'), [sysroot], { timeoutMs: 600_000 })
  if (unpacked.status === 0) return { root: sysroot }
  return { reason: `could not unpack Debian's arm64 Node.js: ${unpacked.stderr}` }
}

/** The command that runs the arm64 node in `sysroot` under qemu-user. */
export function qemuNode(sysroot: string): string[] {
  return ['qemu-aarch64-static', '-L', sysroot, path.join(sysroot, 'usr', 'bin', 'node')]
}
