// The initramfs every kernel of one architecture boots with one userland: a Debian suite's C library and
// busybox (bookworm: glibc 2.36; sid: 2.41 or later), Node.js from
// the npm registry, the package with its prebuild for that architecture, a test build of it (sequences
// widened by a spin, self-test skipped), the check script, and an init that runs the checks, prints
// their results on the console and powers off.
import { execFileSync } from 'node:child_process'
import { chmodSync, cpSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { fetchRuntime } from '../runtimes/fetch.mjs'
import { unpack } from './apt.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const DEBIAN_ARCH = { x64: 'amd64', arm64: 'arm64' }
const USERLAND = ['libc6', 'libstdc++6', 'libgcc-s1', 'busybox-static']
export const INSTRUMENTED_FLAGS = '-DRSEQ_TEST_DELAY=2000 -DRSEQ_TEST_SKIP_SELF_TEST -DRSEQ_TEST_COUNT_FAST_CALLS'

// A copy of the package with only `arch`'s prebuild, compiled with `cxxflags`.
function packageFor(arch, cxxflags, into) {
  const work = `${into}.build`
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  for (const entry of ['package.json', 'binding.gyp', 'native', 'dist', 'scripts'])
    cpSync(path.join(root, entry), path.join(work, entry), { recursive: true })
  symlinkSync(path.join(root, 'node_modules'), path.join(work, 'node_modules'))
  // node-gyp's progress goes to stderr; it is shown only when the build fails.
  try {
    execFileSync(process.execPath, [path.join(work, 'scripts', 'prebuild.mjs'), '--arch', arch], {
      cwd: work,
      env: { ...process.env, CXXFLAGS: cxxflags },
      stdio: 'pipe',
    })
  } catch (error) {
    throw new Error(`building the ${arch} prebuild with CXXFLAGS='${cxxflags}' failed:\n${error.stdout}\n${error.stderr}`, { cause: error })
  }
  mkdirSync(path.join(into, 'node_modules'), { recursive: true })
  for (const entry of ['package.json', 'dist', 'prebuilds']) cpSync(path.join(work, entry), path.join(into, entry), { recursive: true })
  cpSync(path.join(root, 'node_modules', 'node-gyp-build'), path.join(into, 'node_modules', 'node-gyp-build'), { recursive: true })
  rmSync(work, { recursive: true, force: true })
}

const INIT = `#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
cd /opt/app
echo "RSEQ-KERNEL $(cat /proc/sys/kernel/osrelease) cpus $(nproc)"
run() { label=$1; shift; "$@"; echo "RSEQ-EXIT $label $?"; }
run default /opt/node kernel-check.cjs default all
run own env GLIBC_TUNABLES=glibc.pthread.rseq=0 /opt/node kernel-check.cjs own all
run pinned taskset -c 0 /opt/node kernel-check.cjs pinned count
run instrumented taskset -c 0 /opt/node kernel-check.cjs instrumented count --package /opt/instrumented
# V8's profiler sends each thread SIGPROF every 50 us: two workers on two CPUs, so most aborts come from signals.
run signals /opt/node --cpu-prof --cpu-prof-dir=/tmp/profiles --cpu-prof-interval=50 kernel-check.cjs signals count --package /opt/instrumented --workers 2 --adds 4000
echo "RSEQ-RESULT doctor $(/opt/node node_modules/rseq/dist/cli/rseq.js doctor --json | tr -d '\\n')"
echo RSEQ-DONE
# The serial console may still be sending when poweroff -f stops the machine: give it a moment.
sync
sleep 1
poweroff -f
`

/** Builds the initramfs for `arch` and `suite` afresh (the package may have changed); returns its path. */
export function initramfsFor(arch, suite, { apt, cache, node }) {
  const dir = path.join(cache, `initramfs-${arch}-${suite}`)
  rmSync(dir, { recursive: true, force: true })
  const tree = path.join(dir, 'tree')
  for (const sub of ['bin', 'proc', 'sys', 'dev', 'tmp', 'opt/app']) mkdirSync(path.join(tree, sub), { recursive: true })
  for (const name of USERLAND) {
    const unpacked = unpack(apt.download(`${name}:${DEBIAN_ARCH[arch]}/${suite}`), path.join(cache, 'unpacked', `${name}-${arch}-${suite}`))
    cpSync(unpacked, tree, { recursive: true, verbatimSymlinks: true })
  }
  // The dynamic loader is looked up under /lib (arm64) or /lib64 (x86_64): sid's merged /usr ships it under
  // usr/ only, bookworm's libc6 under lib/ itself.
  for (const dir of ['lib', 'lib64']) {
    if (!existsSync(path.join(tree, dir)) && existsSync(path.join(tree, 'usr', dir))) symlinkSync(`usr/${dir}`, path.join(tree, dir))
  }
  // bookworm's busybox-static is bin/busybox, sid's usr/bin/busybox.
  if (!existsSync(path.join(tree, 'bin', 'busybox'))) cpSync(path.join(tree, 'usr', 'bin', 'busybox'), path.join(tree, 'bin', 'busybox'))
  for (const applet of ['sh', 'mount', 'poweroff', 'taskset', 'cat', 'echo', 'nproc', 'env', 'tr']) {
    symlinkSync('busybox', path.join(tree, 'bin', applet))
  }
  const nodeBinary = fetchRuntime({ name: `node-${arch}`, package: `node-linux-${arch}`, version: node, binary: 'bin/node' })
  cpSync(nodeBinary, path.join(tree, 'opt', 'node'))
  packageFor(arch, '', path.join(tree, 'opt', 'app', 'node_modules', 'rseq'))
  packageFor(arch, INSTRUMENTED_FLAGS, path.join(tree, 'opt', 'instrumented'))
  cpSync(path.join(root, 'test', 'fixtures', 'kernel-check.cjs'), path.join(tree, 'opt', 'app', 'kernel-check.cjs'))
  writeFileSync(path.join(tree, 'init'), INIT)
  chmodSync(path.join(tree, 'init'), 0o755)
  const image = path.join(dir, 'initramfs.cpio.gz')
  execFileSync('sh', ['-c', `find . | cpio -o -H newc --quiet | gzip -1 > '${image}'`], { cwd: tree })
  rmSync(tree, { recursive: true, force: true })
  return image
}
