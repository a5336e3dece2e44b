// lib/ is laid out as native/ is: a folder per concern, each with a README, and imports that go one way
// between them, from the commands down to the pure memory layouts (lib/README.md). A module that imports
// upwards (the store from an exporter, the binding from the store's folder) fails here, naming the import.
import { readdirSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { root } from './helpers/package-copy'

const lib = path.join(root, 'lib')

/** The folders of lib/, lowest first: a module may import from its own folder and from those before it. */
const FOLDERS_BY_LEVEL: ReadonlyArray<readonly string[]> = [
  ['layout'],
  ['binding'],
  ['registration'],
  ['percpu'],
  ['store'],
  ['exporters'],
  ['bench'],
  ['cli'],
]
const ROOT_MODULES = ['index.ts', 'internal.ts']

const levelOf = (folder: string): number => FOLDERS_BY_LEVEL.findIndex((level) => level.includes(folder))

function modules(): string[] {
  return readdirSync(lib, { recursive: true })
    .map(String)
    .filter((file) => file.endsWith('.ts'))
    .sort()
}

/** The relative imports of a module, as the lib/-relative files they name (`import`, `export ... from`, `require`, `import()`). */
function importsOf(module: string): string[] {
  const text = readFileSync(path.join(lib, module), 'utf8')
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|require\(\s*|^import\s+)'(\.{1,2}\/[^']+)'/gm)].map((match) => match[1])
  return specifiers.map((specifier) => path.relative(lib, path.resolve(path.dirname(path.join(lib, module)), specifier)))
}

describe('lib/', () => {
  it('holds index.ts and internal.ts at its root and everything else in the folders named as native/ names them', () => {
    const rootFiles = readdirSync(lib, { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name)
    expect(rootFiles.filter((name) => name.endsWith('.ts')).sort()).toEqual(ROOT_MODULES)
    const folders = readdirSync(lib, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
    expect(folders.sort()).toEqual(FOLDERS_BY_LEVEL.flat().sort())
    for (const folder of ['binding', 'registration', 'percpu', 'store'])
      expect(readdirSync(path.join(root, 'native')).includes(folder), folder).toBe(true)
  })

  it('opens each folder with a README that names every module in it', () => {
    const readme = readFileSync(path.join(lib, 'README.md'), 'utf8')
    for (const folder of FOLDERS_BY_LEVEL.flat()) {
      expect(readme, `lib/README.md on ${folder}/`).toContain(`[\`${folder}/\`](${folder}/README.md)`)
      const own = readFileSync(path.join(lib, folder, 'README.md'), 'utf8')
      for (const module of readdirSync(path.join(lib, folder)).filter((file) => file.endsWith('.ts'))) {
        expect(own, `lib/${folder}/README.md on ${module}`).toContain(`\`${module}\``)
      }
    }
  })

  it('imports one way between its folders: cli, bench -> exporters -> store -> percpu -> registration -> binding -> layout', () => {
    const upwards: string[] = []
    let imports = 0
    for (const module of modules()) {
      const from = module.split(path.sep)[0]
      if (ROOT_MODULES.includes(from)) continue
      for (const target of importsOf(module)) {
        imports++
        const to = target.split(path.sep)[0]
        // What lies outside lib/ (the package's own package.json) is no module of it.
        if (to === '..') continue
        // A module at the root, in a folder of no level, or in a higher folder: all go up.
        if (ROOT_MODULES.includes(`${to}.ts`) || levelOf(to) < 0 || levelOf(to) > levelOf(from))
          upwards.push(`lib/${module} imports lib/${target}`)
      }
    }
    expect(upwards).toEqual([])
    // The scan found the imports it judges (a pattern that matched nothing would pass anything).
    expect(imports).toBeGreaterThan(100)
  })

  it('keeps the pure memory layouts free of imports from any other folder', () => {
    for (const module of modules().filter((file) => file.startsWith(`layout${path.sep}`))) {
      expect(
        importsOf(module).filter((target) => !target.startsWith(`layout${path.sep}`)),
        module,
      ).toEqual([])
      expect(readFileSync(path.join(lib, module), 'utf8'), module).not.toMatch(/(?:from\s+|import\s*\(?\s*|require\(\s*)'node:/)
    }
  })
})
