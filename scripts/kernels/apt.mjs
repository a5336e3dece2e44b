// Debian packages for the kernel matrix, through an apt configuration of the matrix's own (the system's
// is never touched): bookworm (with its updates and security), trixie, trixie-backports and sid, amd64 and arm64, lists and downloads kept in the
// cache folder outside the repository.
import { execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'

const SUITES = ['bookworm', 'bookworm-updates', 'trixie', 'trixie-backports', 'sid']
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg'

export function aptFor(cache) {
  const root = path.join(cache, 'apt')
  for (const dir of ['lists/partial', 'archives/partial', 'debs']) mkdirSync(path.join(root, dir), { recursive: true })
  const sources = path.join(root, 'sources.list')
  writeFileSync(
    sources,
    SUITES.map((suite) => `deb [arch=amd64,arm64 signed-by=${KEYRING}] http://deb.debian.org/debian ${suite} main\n`).join('') +
      `deb [arch=amd64,arm64 signed-by=${KEYRING}] http://deb.debian.org/debian-security bookworm-security main\n`,
  )
  const options = [
    '-o',
    `Dir::Etc::sourcelist=${sources}`,
    '-o',
    'Dir::Etc::sourceparts=-',
    '-o',
    `Dir::State::Lists=${path.join(root, 'lists')}`,
    '-o',
    `Dir::Cache=${root}`,
    '-o',
    'APT::Architecture=amd64',
    '-o',
    'APT::Architectures::=amd64',
    '-o',
    'APT::Architectures::=arm64',
    '-o',
    'Debug::NoLocking=1',
  ]
  const debs = path.join(root, 'debs')
  let updated = false
  return {
    /** The .deb of `name` (such as 'libc6:arm64/bookworm'), downloaded once into a folder of its own. */
    download(name) {
      const dir = path.join(debs, name.replace(/[^\w.+-]/g, '_'))
      const existing = () => (existsSync(dir) ? readdirSync(dir).find((file) => file.endsWith('.deb')) : undefined)
      if (existing()) return path.join(dir, existing())
      if (!updated) {
        execFileSync('apt-get', [...options, 'update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'] })
        updated = true
      }
      mkdirSync(dir, { recursive: true })
      try {
        chownSync(dir, Number(execFileSync('id', ['-u', '_apt'], { encoding: 'utf8' })), 0) // apt downloads as _apt
      } catch {
        // no _apt user: apt downloads as the caller
      }
      execFileSync('apt-get', [...options, 'download', '-qq', name], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] })
      if (!existing()) throw new Error(`apt-get download ${name} left no .deb in ${dir}`)
      return path.join(dir, existing())
    },
  }
}

/** Unpacks a .deb into `dir` (dpkg-deb -x), once. */
export function unpack(deb, dir) {
  if (existsSync(dir)) return dir
  mkdirSync(`${dir}.partial`, { recursive: true })
  execFileSync('dpkg-deb', ['-x', deb, `${dir}.partial`])
  execFileSync('mv', [`${dir}.partial`, dir])
  return dir
}
