// Copies of the package under test/.build, laid out as an install would hold them, with node_modules
// borrowed from the checkout: for test builds of the addon and for prebuilds made away from build/.
import { existsSync, mkdirSync, rmSync, symlinkSync, cpSync } from 'node:fs'
import * as path from 'node:path'

export const root = path.join(__dirname, '..', '..')

const SOURCES = ['package.json', 'binding.gyp', 'native', 'dist', 'scripts']

/** A fresh copy named `name` of the package's sources and built TypeScript, and of `extra` checkout entries. */
export function packageCopy(name: string, extra: string[] = []): string {
  const copy = path.join(root, 'test', '.build', name)
  rmSync(copy, { recursive: true, force: true })
  mkdirSync(copy, { recursive: true })
  for (const entry of [...SOURCES, ...extra]) cpSync(path.join(root, entry), path.join(copy, entry), { recursive: true })
  symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'))
  return copy
}

/**
 * node-gyp must not try to download headers (this machine may have no route to them): the ones npm is
 * configured with, or those installed beside the running node.
 */
export function nodeDirArgs(): string[] {
  const configured = process.env.npm_config_nodedir
  if (configured) return [`--nodedir=${configured}`]
  const prefix = path.resolve(path.dirname(process.execPath), '..')
  return existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : []
}
